"""The window arithmetic: WindowSpec, chronological Split, and the length checks."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from forecast.data.layout import SeriesLayout
from forecast.errors import DataValidationError

SPLITS = ("train", "validation", "test")


@dataclass(frozen=True)
class WindowSpec:
    """The shape of one sample: ``input_width`` past steps in, ``horizon`` steps out.

    Args:
        input_width: number of past rows the model reads.
        horizon: number of future rows it forecasts.
        stride: step between consecutive origins of a series (1: every row; 24 on hourly
            data: one origin a day, at the phase of the series' first possible origin).

    Example:
        >>> WindowSpec(input_width=168, horizon=24).total_width
        192
    """

    input_width: int
    horizon: int
    stride: int = 1

    def __post_init__(self) -> None:
        for name in ("input_width", "horizon", "stride"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"WindowSpec.{name} must be an integer >= 1, got {value!r}")

    @property
    def total_width(self) -> int:
        """Rows one window spans: ``input_width + horizon``."""
        return self.input_width + self.horizon


#: validation windows a short series gets at least, where it is long enough (see
#: :meth:`Split.with_minimum_windows`)
MIN_VALIDATION_WINDOWS = 5


@dataclass(frozen=True)
class Split:
    """A chronological train / validation / test split, applied to every series.

    Give both boundaries as fractions of each series' rows (the last ``test`` fraction is
    the test split, the ``validation`` fraction before it the validation split), or both as
    timestamps (the first timestamp of each split). A window belongs to the split that
    holds all of its labels; windows whose labels straddle a boundary are dropped.

    Args:
        validation: fraction in ``[0, 1)`` or first validation timestamp.
        test: fraction in ``[0, 1)`` or first test timestamp.

    Example:
        >>> Split(validation=0.2, test=0.1)  # 70 / 20 / 10
        Split(validation=0.2, test=0.1)
        >>> Split("2014-06-01", "2014-09-01").uses_timestamps
        True
    """

    validation: float | str | pd.Timestamp = 0.2
    test: float | str | pd.Timestamp = 0.1
    #: with fractions: at least this many validation rows per series, as long as
    #: ``min_train_rows`` rows stay before them (see :meth:`with_minimum_windows`)
    min_validation_rows: int = field(default=0, repr=False)
    min_train_rows: int = field(default=0, repr=False)

    def __post_init__(self) -> None:
        kinds = {isinstance(v, (int, float)) and not isinstance(v, bool) for v in self._bounds}
        if len(kinds) != 1:
            raise ValueError(
                "Split boundaries must both be fractions or both be timestamps, got "
                f"validation={self.validation!r}, test={self.test!r}"
            )
        if self.uses_timestamps:
            try:
                start_val, start_test = (pd.Timestamp(v) for v in self._bounds)
            except (TypeError, ValueError) as exc:
                raise ValueError(f"Split boundaries are not timestamps: {exc}") from None
            if start_test < start_val:
                raise ValueError(
                    f"the test split must start after the validation split, got "
                    f"validation={self.validation!r}, test={self.test!r}"
                )
        else:
            val, test = (float(v) for v in self._bounds)
            if val < 0 or test < 0 or val + test >= 1:
                raise ValueError(
                    "Split fractions must be >= 0 and leave some training data "
                    f"(validation + test < 1), got validation={val}, test={test}"
                )

    @property
    def _bounds(self) -> tuple:
        return (self.validation, self.test)

    def with_minimum_windows(self, input_width: int, horizon: int) -> Split:
        """This split, with enough validation rows per series for
        :data:`MIN_VALIDATION_WINDOWS` windows of ``horizon`` steps where the series is long
        enough to keep ``input_width + 2 * horizon`` training rows: a short series gives
        several validation origins, not the one its last fraction holds.

        Example:
            >>> from forecast.data.layout import describe_layout
            >>> import pandas as pd
            >>> frame = pd.DataFrame({"y": range(72)},
            ...                      index=pd.date_range("2020-01", periods=72, freq="MS"))
            >>> layout = describe_layout(frame)
            >>> int((Split(0.2, 0.0).row_splits(layout) == 1).sum())  # 4 windows of 12
            15
            >>> split = Split(0.2, 0.0).with_minimum_windows(input_width=24, horizon=12)
            >>> int((split.row_splits(layout) == 1).sum())  # 5 windows of 12
            16
        """
        return replace(
            self,
            min_validation_rows=horizon + MIN_VALIDATION_WINDOWS - 1,
            min_train_rows=input_width + 2 * horizon,
        )

    @property
    def uses_timestamps(self) -> bool:
        """Whether the boundaries are timestamps rather than fractions."""
        return not isinstance(self.validation, (int, float))

    def row_splits(self, layout: SeriesLayout) -> np.ndarray:
        """For every row, its split: 0 train, 1 validation, 2 test."""
        out = np.zeros(layout.n_rows, dtype=np.int8)
        if self.uses_timestamps:
            tz = layout.timestamps.tz
            bounds = []
            for value in self._bounds:
                stamp = pd.Timestamp(value)
                if tz is not None and stamp.tz is None:
                    stamp = stamp.tz_localize(tz)
                bounds.append(stamp)
            out[layout.timestamps >= bounds[0]] = 1
            out[layout.timestamps >= bounds[1]] = 2
            return out
        val, test = (float(v) for v in self._bounds)
        for start, length in zip(layout.starts[:-1], layout.lengths):
            n_train = int(np.floor(length * (1.0 - val - test) + 1e-9))
            n_val = int(np.floor(length * val + 1e-9))
            if val and not test:  # the rows rounding leaves over validate: none are test rows
                n_val = length - n_train
            room = length - int(np.floor(length * test + 1e-9)) - self.min_train_rows
            if n_val and n_val < self.min_validation_rows and room > n_val:
                n_val = min(self.min_validation_rows, room)
                n_train = length - int(np.floor(length * test + 1e-9)) - n_val
            out[start + n_train : start + n_train + n_val] = 1
            out[start + n_train + n_val : start + length] = 2
        return out


def row_splits(split: Split | tuple | np.ndarray, layout: SeriesLayout) -> np.ndarray:
    """For every row of a layout, its split code (0 train, 1 validation, 2 test).

    Args:
        split: a :class:`Split`, a ``(train, validation, test)`` tuple of fractions adding up
            to 1, or an array with one code per row (checked and returned as ``int8``).
        layout: the frame's layout.

    Raises:
        ValueError: an array of the wrong shape or with other codes, or fractions that do not
            add up to 1.
        TypeError: ``split`` is none of these.

    Example:
        >>> import pandas as pd
        >>> from forecast.data.layout import describe_layout
        >>> frame = pd.DataFrame({"y": range(10)},
        ...                      index=pd.date_range("2024-01-01", periods=10, freq="h"))
        >>> row_splits((0.6, 0.2, 0.2), describe_layout(frame)).tolist()
        [0, 0, 0, 0, 0, 0, 1, 1, 2, 2]
    """
    if isinstance(split, np.ndarray):
        if split.shape != (layout.n_rows,) or not np.isin(split, (0, 1, 2)).all():
            raise ValueError(
                f"a split array needs one code in (0, 1, 2) per row ({layout.n_rows} rows), "
                f"got shape {split.shape}"
            )
        return split.astype(np.int8)
    return _as_split(split).row_splits(layout)


def _as_split(split: Split | tuple) -> Split:
    if isinstance(split, Split):
        return split
    if isinstance(split, (tuple, list)) and len(split) == 3:
        train, val, test = (float(v) for v in split)
        if abs(train + val + test - 1.0) > 1e-6:
            raise ValueError(f"split fractions must add up to 1, got {tuple(split)}")
        return Split(validation=val, test=test)
    raise TypeError(f"split must be a Split or a (train, validation, test) tuple, got {split!r}")


def check_lengths(layout: SeriesLayout, spec: WindowSpec, needed: int | None = None) -> None:
    """Raise a clear error naming the first series with fewer than ``needed`` rows
    (one whole window by default)."""
    needed = spec.total_width if needed is None else needed
    short = np.flatnonzero(layout.lengths < needed)
    if len(short):
        i = int(short[0])
        what = (
            f"(input_width {spec.input_width} + horizon {spec.horizon} = {spec.total_width})"
            if needed == spec.total_width
            else f"(input_width {spec.input_width})"
        )
        hint = (
            f"drop it with frame.drop(index={layout.series_ids[i]!r}, level=0)"
            if layout.is_panel
            else None
        )
        raise DataValidationError(
            f"series has {layout.lengths[i]} rows, fewer than one window needs {what}",
            advice=hint,
            series=layout.series_ids[i],
            timestamp=layout.timestamps[layout.starts[i]],
        )
