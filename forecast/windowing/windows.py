"""Cut validated frames into (inputs, labels) windows, honestly and without copies.

For an origin row ``t`` (the first forecast step) of a :class:`WindowSpec`
``(input_width, horizon)``:

* inputs are rows ``t - input_width .. t - 1`` of the input columns (targets, then
  covariates, then future covariates, then calendar features);
* known-future inputs (the future covariates and the calendar columns, the last input columns)
  are also given for rows ``t .. t + horizon - 1``: the ``"future"`` part of the window. A future
  covariate is thus read twice, like the calendar: its observed values in the input rows (so
  the network sees how the target answered it) and its known values in the forecast rows;
* labels are the targets at rows ``t .. t + horizon - 1``.

A window never crosses a series boundary, a gap in the timestamps, a NaN label or its split's
label range: the splits are chronological per series, a validation or test window may read
its inputs from earlier splits, and every label lies inside its own split.

The raw array is held once (rows x columns, float32); windows are gathered per batch, as NumPy
views here or with ``tf.gather`` on origin rows inside ``tf.data``
(:mod:`forecast.windowing.pipeline`), so memory does not grow with ``input_width``. Under the
default missing-value policy (``"fill"``) the NaN inputs of each gathered window are filled
from that window's own observations (:func:`~forecast.data.missing.fill_windows`), the same
way in both; labels are never filled.

Example:
    >>> import numpy as np, pandas as pd
    >>> frame = pd.DataFrame({"y": np.arange(10.0)},
    ...                      index=pd.date_range("2024-01-01", periods=10, freq="h"))
    >>> calendar = ("hour", "dayofweek")
    >>> windows = make_windows(frame, WindowSpec(3, 2), target="y", split=Split(0.0, 0.0),
    ...                        calendar=calendar)
    >>> windows.n_windows("train")
    6
    >>> inputs, labels = windows.arrays("train")
    >>> inputs["past"][0, :, 0].tolist(), labels[0, :, 0].tolist()
    ([0.0, 1.0, 2.0], [3.0, 4.0])
    >>> windows.input_columns
    ('y', 'hour_sin', 'hour_cos', 'dayofweek_sin', 'dayofweek_cos')
    >>> inputs["future"].shape  # the calendar of the 2 forecast steps, known in advance
    (6, 2, 4)
    >>> make_windows(frame, WindowSpec(3, 2), target="y").input_columns  # calendar="auto"
    ('y',)

    ``calendar="auto"`` picks hour and day of week for hourly data, but only once the
    training rows span two days, and two weeks: ten hours cover neither.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from forecast.data.layout import SeriesLayout
from forecast.data.missing import MissingPolicy, fill_windows
from forecast.data.validated import ValidatedFrame, ensure_validated
from forecast.errors import DataValidationError
from forecast.features.calendar_features import AUTO_CALENDAR, resolve_calendar, training_span
from forecast.features.encoding import build_features
from forecast.windowing.origins import valid_origins
from forecast.windowing.pipeline import window_dataset
from forecast.windowing.spec import SPLITS, Split, WindowSpec, check_lengths, row_splits


@dataclass(eq=False)
class Windows:
    """Windows cut from one series or a panel, ready as NumPy batches or a ``tf.data`` pipeline.

    Build it with :func:`make_windows`. The array is held once; each split is a sorted array of
    origin rows (the row of the first forecast step).

    Attributes:
        spec: the :class:`WindowSpec`.
        layout: the frame's :class:`~forecast.data.layout.SeriesLayout`.
        values: ``(rows, n_inputs)`` float32 array of the input columns, NaN inputs already
            filled under ``"ffill"``; under ``"fill"`` they stay NaN here and each window is
            filled when it is gathered.
        input_columns: names of the columns of ``values``: targets, covariates (categoricals
            one-hot encoded as ``"column=category"``), calendar features.
        target_columns: the targets (the first ``len(target_columns)`` input columns).
        covariate_columns: the covariate columns as given.
        calendar_columns: the calendar feature columns (the last ones), known for the future.
        calendar: the calendar features they encode (``"auto"`` resolved on the training rows).
        future_covariate_columns: the future covariate columns as given.
        future_columns: the known-future input columns (the last ones): the encoded future
            covariates, then the calendar columns; the columns of the ``"future"`` part.
        categories: for each categorical covariate, the categories seen in training.
        origins: for each split name, the origin rows of its windows.
        row_split: for every row, its split (0 train, 1 validation, 2 test); scalers fit on
            the rows where it is 0.
        dropped: how many candidate windows each rule removed.
        missing: the missing-value policy.
        input_nan_counts: for every row, its NaN input values before filling (``None``: none).
        series_inputs: inputs given once per series (the encoded static covariates
            ``"static"``, the embedding's ``"series_index"``), each an array whose first axis
            is the series (layout order); every window carries its series' row under that key
            (the inputs are then a dict). ``{}``: none.
    """

    spec: WindowSpec
    layout: SeriesLayout
    values: np.ndarray
    input_columns: tuple[str, ...]
    target_columns: tuple[str, ...]
    covariate_columns: tuple[str, ...]
    calendar_columns: tuple[str, ...]
    calendar: tuple[str, ...]
    categories: dict[str, tuple]
    origins: dict[str, np.ndarray]
    row_split: np.ndarray
    dropped: dict[str, int] = field(default_factory=dict)
    missing: MissingPolicy = MissingPolicy()
    input_nan_counts: np.ndarray | None = None
    future_covariate_columns: tuple[str, ...] = ()
    future_columns: tuple[str, ...] = ()
    series_inputs: dict[str, np.ndarray] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.future_columns:  # the calendar is the known-future input
            self.future_columns = tuple(self.calendar_columns)

    # ------------------------------------------------------------------ describing

    @property
    def n_targets(self) -> int:
        """Number of target columns."""
        return len(self.target_columns)

    @property
    def n_inputs(self) -> int:
        """Number of input columns per step."""
        return len(self.input_columns)

    @property
    def has_future(self) -> bool:
        """Whether windows carry known-future inputs (future covariates, calendar) for the
        forecast steps."""
        return bool(self.future_columns)

    def n_windows(self, split: str = "train") -> int:
        """Number of windows in a split."""
        return len(self._origins(split))

    def filled_inputs(self, split: str = "train", rows: np.ndarray | None = None) -> int:
        """How many NaN input values the windows of a split (or at the origin ``rows``) hold,
        all of them filled by the missing-value policy (a NaN read by several windows counts
        once in each).

        Example:
            >>> import numpy as np, pandas as pd
            >>> frame = pd.DataFrame({"y": [0.0, np.nan, 2.0, 3.0, 4.0]},
            ...                      index=pd.date_range("2024-01-01", periods=5, freq="h"))
            >>> windows = make_windows(frame, WindowSpec(2, 1), target="y", calendar=(),
            ...                        split=Split(0.0, 0.0))
            >>> windows.arrays()[0][:, :, 0].tolist(), windows.filled_inputs()
            ([[0.0, 0.0], [2.0, 2.0], [2.0, 3.0]], 2)
        """
        rows = self._origins(split) if rows is None else np.asarray(rows, dtype=np.int64)
        if self.input_nan_counts is None or len(rows) == 0:
            return 0
        before = np.concatenate([[0], np.cumsum(self.input_nan_counts, dtype=np.int64)])
        return int((before[rows] - before[rows - self.spec.input_width]).sum())

    def origin_index(self, split: str = "train") -> pd.DataFrame:
        """Where each window of a split starts forecasting, in the order of its batches.

        Returns:
            A frame with ``series_id`` (panels only), ``origin`` (the timestamp of the first
            forecast step) and ``row`` (its row in the frame).
        """
        rows = self._origins(split)
        out = {"origin": self.layout.timestamps[rows], "row": rows}
        if self.layout.is_panel:
            ids = np.asarray(self.layout.series_ids, dtype=object)
            out = {"series_id": ids[self.layout.series_index()[rows]], **out}
        return pd.DataFrame(out)

    def summary(self) -> pd.DataFrame:
        """Windows, series and the first and last origin of each split."""
        records = []
        series_of_row = self.layout.series_index()
        for split in SPLITS:
            rows = self.origins[split]
            records.append(
                {
                    "split": split,
                    "windows": len(rows),
                    "series": len(np.unique(series_of_row[rows])),
                    "first_origin": self.layout.timestamps[rows[0]] if len(rows) else pd.NaT,
                    "last_origin": self.layout.timestamps[rows[-1]] if len(rows) else pd.NaT,
                }
            )
        return pd.DataFrame.from_records(records).set_index("split")

    def __repr__(self) -> str:
        counts = ", ".join(f"{s}={self.n_windows(s)}" for s in SPLITS)
        return (
            f"Windows(input_width={self.spec.input_width}, horizon={self.spec.horizon}, "
            f"stride={self.spec.stride}, series={self.layout.n_series}, "
            f"inputs={list(self.input_columns)}, {counts})"
        )

    # ------------------------------------------------------------------ NumPy

    def arrays(self, split: str = "train") -> tuple[Any, np.ndarray]:
        """All windows of a split as NumPy arrays (materialised: for small data and tests).

        Returns:
            ``(inputs, labels)``: inputs ``(n, input_width, n_inputs)`` (or, with known-future
            inputs, a dict ``{"past": ..., "future": (n, horizon, n_future)}``, the columns of
            ``future`` being :attr:`future_columns`) and labels ``(n, horizon, n_targets)``.
        """
        return self.gather(self._origins(split))

    def batches(
        self,
        split: str = "train",
        batch_size: int = 32,
        shuffle: bool = False,
        seed: int | None = None,
    ) -> Iterator[tuple[Any, np.ndarray]]:
        """Yield NumPy batches ``(inputs, labels)`` of a split, gathered one batch at a time.

        Args:
            split: ``"train"``, ``"validation"`` or ``"test"``.
            batch_size: windows per batch (the last batch may be smaller).
            shuffle: shuffle the order of windows (seeded by ``seed``).
            seed: seed of the shuffle.
        """
        rows = self._origins(split)
        _check_batch_size(batch_size)
        if shuffle:
            rows = np.random.default_rng(seed).permutation(rows)
        for start in range(0, len(rows), batch_size):
            yield self.gather(rows[start : start + batch_size])

    def gather(self, rows: np.ndarray) -> tuple[Any, np.ndarray]:
        """The windows at the given origin rows, as ``(inputs, labels)`` NumPy arrays, their
        NaN inputs filled within each window under the ``"fill"`` policy."""
        width = self.spec.total_width
        # (n_rows - width + 1, n_inputs, width) view: no copy until indexed by a batch.
        view = np.lib.stride_tricks.sliding_window_view(self.values, width, axis=0)
        windows = view[rows - self.spec.input_width].transpose(0, 2, 1)
        past = windows[:, : self.spec.input_width, :]
        if self.fills_windows:
            past = fill_windows(past)
        labels = windows[:, self.spec.input_width :, : self.n_targets]
        if self.has_future:
            future = windows[:, self.spec.input_width :, self.n_inputs - len(self.future_columns) :]
            past = {"past": past, "future": future}
        if self.series_inputs:
            series = self.layout.series_index()[rows]
            past = past if isinstance(past, dict) else {"past": past}
            past.update({key: value[series] for key, value in self.series_inputs.items()})
        return past, labels

    # ------------------------------------------------------------------ tf.data

    def dataset(
        self,
        split: str = "train",
        batch_size: int = 32,
        shuffle: bool | None = None,
        seed: int | None = None,
    ):
        """A batched ``tf.data.Dataset`` of ``(inputs, labels)`` for Keras.

        Origins are batched first and each batch is gathered with one ``tf.gather`` from the
        array held once in memory (see :mod:`~forecast.windowing.pipeline`). Training windows
        are shuffled by default, with a stateless permutation of origin positions (no shuffle
        buffer): the same ``seed`` gives the same order, and each new pass over the dataset
        (each epoch) a new one. Evaluation splits are never shuffled by default.

        Args:
            split: ``"train"``, ``"validation"`` or ``"test"``.
            batch_size: windows per batch (the last batch may be smaller).
            shuffle: shuffle windows; defaults to ``True`` for ``"train"`` only.
            seed: seed of the shuffle; ``None`` for a non-reproducible order.

        Returns:
            A ``tf.data.Dataset`` whose elements match :meth:`arrays` batch by batch.

        Raises:
            ValueError: an unknown split or a ``batch_size`` that is not an integer >= 1.
            DataValidationError: the split has no windows.
        """
        rows = self._origins(split)
        _check_batch_size(batch_size)
        if len(rows) == 0:
            raise DataValidationError(f"the {split} split has no windows; {self._why_empty()}")
        shuffle = (split == "train") if shuffle is None else bool(shuffle)
        return window_dataset(self, rows, batch_size, shuffle=shuffle, seed=seed)

    # ------------------------------------------------------------------ helpers

    @property
    def fills_windows(self) -> bool:
        """Whether gathered windows are filled within themselves (the ``"fill"`` policy, and
        some input is NaN)."""
        return self.missing.fills_windows and self.input_nan_counts is not None

    def _origins(self, split: str) -> np.ndarray:
        if split not in self.origins:
            raise ValueError(f"unknown split {split!r}; choose from {list(SPLITS)}")
        return self.origins[split]

    def _why_empty(self) -> str:
        reasons = ", ".join(f"{k}: {v}" for k, v in self.dropped.items() if v)
        return f"candidate windows dropped ({reasons})" if reasons else "the series are too short"


def make_windows(
    frame: pd.DataFrame | ValidatedFrame,
    spec: WindowSpec,
    target: str | Sequence[str] | None = None,
    covariates: str | Sequence[str] | None = None,
    calendar: str | Sequence[str] = AUTO_CALENDAR,
    split: Split | tuple | np.ndarray = Split(),
    missing: MissingPolicy = MissingPolicy(),
    freq: str | pd.DateOffset | None = None,
    categories: dict[str, tuple] | None = None,
    future_covariates: str | Sequence[str] | None = None,
) -> Windows:
    """Validate a frame and cut it into windows for each chronological split.

    Args:
        frame: one series or a panel (see :mod:`forecast.data`), or a
            :class:`~forecast.data.validated.ValidatedFrame`, which is not validated again.
        spec: the :class:`WindowSpec`.
        target: the column (or columns) to forecast; may be left out for a validated frame.
        covariates: past-only input columns; categorical ones are one-hot encoded with the
            categories seen in the training split (an unseen category gives an all-zero
            encoding and a warning). A validated frame brings its own.
        calendar: calendar features (see :mod:`forecast.calendar`), used as inputs and as
            known-future features; ``"auto"`` (the default, as for the forecasters) picks
            them from the frequency (hour and day of week for sub-daily data, ...) and keeps
            those whose cycle the training rows span twice (daily data need two years for the
            day of the year, see :func:`~forecast.features.calendar_features.resolve_calendar`),
            so that every forecaster with its default calendar can read the windows; ``()``:
            none.
        split: a :class:`Split`, a ``(train, validation, test)`` tuple of fractions, or an
            integer array giving every row's split (0 train, 1 validation, 2 test).
        missing: the :class:`~forecast.data.missing.MissingPolicy`.
        freq: the grid step if it should not be inferred (a validated frame has its own).
        categories: fixed categories of categorical covariates (e.g. those seen when a model
            was trained); learned from the training split when ``None``.
        future_covariates: columns whose values are known in advance (a weather forecast,
            planned promotions): read in the input rows like the covariates and in the
            forecast rows as known-future inputs, beside the calendar; categorical ones
            one-hot encoded. A window whose forecast rows hold a NaN future covariate is
            dropped (rule ``"nan_future"``). A validated frame brings its own.

    Returns:
        The :class:`Windows`.

    Raises:
        DataValidationError: the frame or its columns fail validation, or a series is
            shorter than one window.
        ValueError: ``target``, ``covariates`` or ``freq`` contradict a validated frame.

    Example:
        >>> import forecast
        >>> frame = forecast.load_dataset("electricity_hourly")
        >>> windows = make_windows(frame, WindowSpec(168, 24), target="y")
        >>> windows.n_windows("train"), windows.n_windows("validation"), windows.n_windows("test")
        (18221, 5237, 2609)
        >>> windows.calendar_columns  # calendar="auto": hour and day of week for hourly data
        ('hour_sin', 'hour_cos', 'dayofweek_sin', 'dayofweek_cos')
    """
    if not isinstance(spec, WindowSpec):
        raise TypeError(f"spec must be a WindowSpec, got {type(spec).__name__}")
    validated = ensure_validated(frame, target, covariates, freq, future_covariates)
    layout = validated.layout
    check_lengths(layout, spec)
    row_split = row_splits(split, layout)
    span = training_span(layout.timestamps[row_split == 0], layout.freq)
    calendar = resolve_calendar(calendar, layout.freq, span)
    features = build_features(
        validated.frame,
        layout,
        validated.targets,
        validated.covariates,
        calendar,
        missing,
        categories=categories,
        fit_rows=row_split == 0,
        future_covariates=validated.future_covariates,
    )
    origins, dropped = valid_origins(layout, spec, features, row_split)
    return Windows(
        spec=spec,
        layout=layout,
        values=features.values,
        input_columns=features.input_columns,
        target_columns=validated.targets,
        covariate_columns=validated.covariates,
        calendar_columns=features.calendar_columns,
        calendar=calendar,
        categories=features.categories,
        origins=origins,
        row_split=row_split,
        dropped=dropped,
        missing=missing,
        input_nan_counts=features.input_nan_counts,
        future_covariate_columns=validated.future_covariates,
        future_columns=features.future_columns,
    )


def _check_batch_size(batch_size: int) -> None:
    if (
        isinstance(batch_size, bool)
        or not isinstance(batch_size, (int, np.integer))
        or batch_size < 1
    ):
        raise ValueError(f"batch_size must be an integer >= 1, got {batch_size!r}")
