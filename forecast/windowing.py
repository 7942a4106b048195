"""Cut validated frames into (inputs, labels) windows, honestly and without copies.

For an origin row ``t`` (the first forecast step) of a :class:`WindowSpec`
``(input_width, horizon)``:

* inputs are rows ``t - input_width .. t - 1`` of the input columns (targets, then
  covariates, then calendar features);
* known-future features (the calendar columns) are also given for rows ``t .. t + horizon - 1``;
* labels are the targets at rows ``t .. t + horizon - 1``.

A window never crosses a series boundary, a gap in the timestamps, a NaN label or its split's
label range: the splits are chronological per series, a validation or test window may read
its inputs from earlier splits, and every label lies inside its own split.

The raw array is held once (rows x columns, float32); windows are gathered per batch, as NumPy
views or with ``tf.gather`` on origin rows inside ``tf.data``, so memory does not grow with
``input_width``.

Example:
    >>> import numpy as np, pandas as pd
    >>> frame = pd.DataFrame({"y": np.arange(10.0)},
    ...                      index=pd.date_range("2024-01-01", periods=10, freq="h"))
    >>> windows = make_windows(frame, WindowSpec(3, 2), target="y", split=Split(0.0, 0.0))
    >>> windows.n_windows("train")
    6
    >>> inputs, labels = windows.arrays("train")
    >>> inputs[0, :, 0].tolist(), labels[0, :, 0].tolist()
    ([0.0, 1.0, 2.0], [3.0, 4.0])
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator, Sequence

import numpy as np
import pandas as pd

from forecast.data import MissingPolicy, SeriesLayout, check_columns, describe_layout
from forecast.errors import DataValidationError
from forecast.features import build_features

SPLITS = ("train", "validation", "test")
#: Batches gathered ahead of the consumer: enough to overlap gathering with training, few
#: enough that memory stays a handful of batches (AUTOTUNE may buffer dozens).
_PREFETCH_BATCHES = 2


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
            out[start + n_train : start + n_train + n_val] = 1
            out[start + n_train + n_val : start + length] = 2
        return out


@dataclass(eq=False)
class Windows:
    """Windows cut from one series or a panel, ready as NumPy batches or a ``tf.data`` pipeline.

    Build it with :func:`make_windows`. The array is held once; each split is a sorted array of
    origin rows (the row of the first forecast step).

    Attributes:
        spec: the :class:`WindowSpec`.
        layout: the frame's :class:`~forecast.data.SeriesLayout`.
        values: ``(rows, n_inputs)`` float32 array of the input columns, NaN inputs already
            filled as the missing-value policy allows.
        input_columns: names of the columns of ``values``: targets, covariates (categoricals
            one-hot encoded as ``"column=category"``), calendar features.
        target_columns: the targets (the first ``len(target_columns)`` input columns).
        covariate_columns: the covariate columns as given.
        calendar_columns: the calendar feature columns (the last ones), known for the future.
        categories: for each categorical covariate, the categories seen in training.
        origins: for each split name, the origin rows of its windows.
        row_split: for every row, its split (0 train, 1 validation, 2 test); scalers fit on
            the rows where it is 0.
        dropped: how many candidate windows each rule removed.
    """

    spec: WindowSpec
    layout: SeriesLayout
    values: np.ndarray
    input_columns: tuple[str, ...]
    target_columns: tuple[str, ...]
    covariate_columns: tuple[str, ...]
    calendar_columns: tuple[str, ...]
    categories: dict[str, tuple]
    origins: dict[str, np.ndarray]
    row_split: np.ndarray
    dropped: dict[str, int] = field(default_factory=dict)

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
        """Whether windows carry known-future (calendar) features for the forecast steps."""
        return bool(self.calendar_columns)

    def n_windows(self, split: str = "train") -> int:
        """Number of windows in a split."""
        return len(self._origins(split))

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
            ``(inputs, labels)``: inputs ``(n, input_width, n_inputs)`` (or, with calendar
            features, a dict ``{"past": ..., "future": (n, horizon, n_calendar)}``) and
            labels ``(n, horizon, n_targets)``.
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
        """The windows at the given origin rows, as ``(inputs, labels)`` NumPy arrays."""
        width = self.spec.total_width
        # (n_rows - width + 1, n_inputs, width) view: no copy until indexed by a batch.
        view = np.lib.stride_tricks.sliding_window_view(self.values, width, axis=0)
        windows = view[rows - self.spec.input_width].transpose(0, 2, 1)
        past = windows[:, : self.spec.input_width, :]
        labels = windows[:, self.spec.input_width :, : self.n_targets]
        if self.has_future:
            future = windows[:, self.spec.input_width :, self.n_inputs - len(self.calendar_columns) :]
            return {"past": past, "future": future}, labels
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
        array held once in memory. Training windows are shuffled by default, with a
        stateless permutation of origin positions (no shuffle buffer): the same ``seed``
        gives the same order, and each new pass over the dataset (each epoch) a new one.
        Evaluation splits are never shuffled by default.

        Args:
            split: ``"train"``, ``"validation"`` or ``"test"``.
            batch_size: windows per batch (the last batch may be smaller).
            shuffle: shuffle windows; defaults to ``True`` for ``"train"`` only.
            seed: seed of the shuffle; ``None`` for a non-reproducible order.

        Returns:
            A ``tf.data.Dataset`` whose elements match :meth:`arrays` batch by batch.
        """
        import tensorflow as tf

        from forecast._memory import bound_heap_growth

        rows = self._origins(split)
        _check_batch_size(batch_size)
        if len(rows) == 0:
            raise DataValidationError(f"the {split} split has no windows; {self._why_empty()}")
        bound_heap_growth()
        shuffle = (split == "train") if shuffle is None else bool(shuffle)
        n = len(rows)
        n_batches = -(-n // batch_size)
        values = _as_tensor(self.values)
        index_dtype = tf.int32 if self.layout.n_rows < 2**31 - 1 else tf.int64
        origins = tf.convert_to_tensor(rows.astype(index_dtype.as_numpy_dtype, copy=False))
        past_offsets = tf.range(-self.spec.input_width, 0, dtype=index_dtype)
        future_offsets = tf.range(0, self.spec.horizon, dtype=index_dtype)
        n_targets = self.n_targets
        n_calendar = len(self.calendar_columns)

        def positions(batch: tf.Tensor) -> tf.Tensor:
            return tf.range(batch * batch_size, tf.minimum((batch + 1) * batch_size, n))

        def gather(index: tf.Tensor):
            starts = tf.gather(origins, index)[:, None]
            past = tf.gather(values, starts + past_offsets[None, :])
            ahead = tf.gather(values, starts + future_offsets[None, :])
            labels = ahead[:, :, :n_targets]
            if n_calendar:
                return {"past": past, "future": ahead[:, :, -n_calendar:]}, labels
            return past, labels

        if shuffle:
            key = 0 if seed is None else int(seed)

            def shuffled_positions(batch: tf.Tensor, epoch_seed: tf.Tensor) -> tf.Tensor:
                pair = tf.stack([epoch_seed, tf.constant(key, tf.int64)])
                return tf.random.experimental.index_shuffle(
                    positions(batch), seed=pair, max_index=n - 1
                )

            epoch_seeds = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True).take(1)
            index = epoch_seeds.flat_map(
                lambda s: tf.data.Dataset.range(n_batches).map(lambda b: shuffled_positions(b, s))
            )
            index = index.apply(tf.data.experimental.assert_cardinality(n_batches))
        else:
            index = tf.data.Dataset.range(n_batches).map(positions)
        dataset = index.map(gather, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
        options = tf.data.Options()
        # The pipeline sets its own parallelism; TensorFlow's default graph rewrites would
        # serialise the captured array by value (a full copy) for no gain.
        options.experimental_optimization.apply_default_optimizations = False
        return dataset.prefetch(_PREFETCH_BATCHES).with_options(options)

    # ------------------------------------------------------------------ helpers

    def _origins(self, split: str) -> np.ndarray:
        if split not in self.origins:
            raise ValueError(f"unknown split {split!r}; choose from {list(SPLITS)}")
        return self.origins[split]

    def _why_empty(self) -> str:
        reasons = ", ".join(f"{k}: {v}" for k, v in self.dropped.items() if v)
        return f"candidate windows dropped ({reasons})" if reasons else "the series are too short"


def make_windows(
    frame: pd.DataFrame,
    spec: WindowSpec,
    target: str | Sequence[str],
    covariates: str | Sequence[str] | None = None,
    calendar: str | Sequence[str] = (),
    split: Split | tuple | np.ndarray = Split(),
    missing: MissingPolicy = MissingPolicy(),
    freq: str | pd.DateOffset | None = None,
    categories: dict[str, tuple] | None = None,
) -> Windows:
    """Validate a frame and cut it into windows for each chronological split.

    Args:
        frame: one series or a panel (see :mod:`forecast.data`).
        spec: the :class:`WindowSpec`.
        target: the column (or columns) to forecast.
        covariates: past-only input columns; categorical ones are one-hot encoded with the
            categories seen in the training split (an unseen category gives an all-zero
            encoding and a warning).
        calendar: calendar features (see :mod:`forecast.calendar`), used as inputs and as
            known-future features.
        split: a :class:`Split`, a ``(train, validation, test)`` tuple of fractions, or an
            integer array giving every row's split (0 train, 1 validation, 2 test).
        missing: the :class:`~forecast.data.MissingPolicy`.
        freq: the grid step if it should not be inferred.
        categories: fixed categories of categorical covariates (e.g. those seen when a model
            was trained); learned from the training split when ``None``.

    Returns:
        The :class:`Windows`.

    Raises:
        DataValidationError: the frame or its columns fail validation, or a series is
            shorter than one window.

    Example:
        >>> import forecast
        >>> frame = forecast.load_dataset("electricity_hourly")
        >>> windows = make_windows(frame, WindowSpec(168, 24), target="y",
        ...                        calendar=("hour", "dayofweek"))
        >>> windows.n_windows("train"), windows.n_windows("validation"), windows.n_windows("test")
        (18221, 5237, 2609)
    """
    if not isinstance(spec, WindowSpec):
        raise TypeError(f"spec must be a WindowSpec, got {type(spec).__name__}")
    layout = describe_layout(frame, freq=freq)
    targets, covs = check_columns(frame, target, covariates, layout)
    check_lengths(layout, spec)
    row_split = _row_splits(split, layout)

    features = build_features(
        frame, layout, targets, covs, calendar, missing,
        categories=categories, fit_rows=row_split == 0,
    )
    origins, dropped = _valid_origins(
        layout, spec, features.block_ids, features.label_nan, features.input_nan, row_split
    )
    return Windows(
        spec=spec,
        layout=layout,
        values=features.values,
        input_columns=features.input_columns,
        target_columns=targets,
        covariate_columns=covs,
        calendar_columns=features.calendar_columns,
        categories=features.categories,
        origins=origins,
        row_split=row_split,
        dropped=dropped,
    )


def _row_splits(split: Split | tuple | np.ndarray, layout: SeriesLayout) -> np.ndarray:
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


def _check_batch_size(batch_size: int) -> None:
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"batch_size must be an integer >= 1, got {batch_size!r}")


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
            f"; drop it with frame.drop(index={layout.series_ids[i]!r}, level=0)"
            if layout.is_panel
            else ""
        )
        raise DataValidationError(
            f"series has {layout.lengths[i]} rows, fewer than one window needs {what}" + hint,
            series=layout.series_ids[i],
            timestamp=layout.timestamps[layout.starts[i]],
        )


def _valid_origins(
    layout: SeriesLayout,
    spec: WindowSpec,
    block_ids: np.ndarray,
    label_nan: np.ndarray,
    input_nan: np.ndarray,
    row_split: np.ndarray,
) -> tuple[dict[str, np.ndarray], dict[str, int]]:
    width, horizon = spec.input_width, spec.horizon
    n_rows = layout.n_rows
    count = max(n_rows - width - horizon + 1, 0)
    # Candidate origins t = width .. n_rows - horizon, as slices: their first input rows,
    # the origins themselves and their last label rows are each consecutive.
    first = slice(0, count)
    origin = slice(width, width + count)
    last = slice(width + horizon - 1, width + horizon - 1 + count)
    series = layout.series_index()
    # Origins sit on the stride's phase, counted on each series' own time grid.
    keep = series[first] == series[last]
    if spec.stride > 1:
        keep &= (layout.positions[origin] - width) % spec.stride == 0
    del series

    def no_flags(flags: np.ndarray, start: int, length: int) -> np.ndarray | None:
        if not flags.any():
            return None
        cumulative = np.concatenate([[0], np.cumsum(flags, dtype=np.int32)])
        return cumulative[start + length : start + length + count] == cumulative[start : start + count]

    dropped: dict[str, int] = {}
    rules = (
        ("gap", lambda: block_ids[first] == block_ids[last]),
        ("nan_label", lambda: no_flags(label_nan, width, horizon)),
        ("nan_input", lambda: no_flags(input_nan, 0, width)),
        ("straddles_split", lambda: row_split[origin] == row_split[last]),
    )
    for name, rule in rules:
        ok = rule()
        if ok is None:
            dropped[name] = 0
            continue
        dropped[name] = int(np.count_nonzero(keep & ~ok))
        keep &= ok
    dtype = np.int32 if n_rows < 2**31 - 1 else np.int64
    candidates = (np.flatnonzero(keep) + width).astype(dtype, copy=False)
    origin_split = row_split[candidates]
    origins = {name: candidates[origin_split == i] for i, name in enumerate(SPLITS)}
    return origins, dropped


def _as_tensor(values: np.ndarray):
    """The array as a TensorFlow tensor, sharing its memory when TensorFlow allows it
    (C-contiguous and 64-byte aligned); a copy otherwise."""
    import tensorflow as tf

    if values.flags.c_contiguous and values.flags.writeable and values.ctypes.data % 64 == 0:
        try:
            return tf.experimental.dlpack.from_dlpack(values.__dlpack__())
        except (BufferError, TypeError, ValueError, tf.errors.InvalidArgumentError):
            pass
    return tf.convert_to_tensor(values)
