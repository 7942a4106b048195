"""Validation at the edge: the frame's layout, its frequency, its columns and missing values.

Everything downstream (windowing, scaling, models) trusts what this module checked, so the
checks live here once and their errors say what is wrong, where, and how to fix it.

The data model:

* one series: a ``DataFrame`` with a sorted, unique ``DatetimeIndex`` on a regular grid;
* a panel: the same with a two-level ``MultiIndex`` ``(series_id, timestamp)``, each series'
  rows together and in time order.

Gaps (missing grid steps) are allowed and kept as gaps: no window ever crosses one.

Example:
    >>> import pandas as pd
    >>> frame = pd.DataFrame(
    ...     {"y": [1.0, 2.0, 3.0, 5.0]},
    ...     index=pd.DatetimeIndex(
    ...         ["2024-01-01 00:00", "2024-01-01 01:00", "2024-01-01 02:00", "2024-01-01 04:00"],
    ...         name="timestamp",
    ...     ),
    ... )
    >>> layout = describe_layout(frame)
    >>> layout.freq
    <Hour>
    >>> layout.positions.tolist()  # the 03:00 step is a gap
    [0, 1, 2, 4]
"""

from __future__ import annotations

import difflib
import warnings
from dataclasses import dataclass
from typing import Any, Iterable, Literal, Sequence

import numpy as np
import pandas as pd

from forecast.errors import DataValidationError

SERIES_LEVEL = "series_id"
TIME_LEVEL = "timestamp"

_CALENDAR_OFFSETS = ("MS", "ME", "QS", "QE", "YS", "YE")
_REGULARISE_HINT = (
    "Regularise it first, e.g. forecast.regularize(frame, freq='30min') (rounds timestamps to "
    "the grid, averages duplicates, keeps gaps as gaps), or frame.resample('30min').mean(); "
    "or pass the intended freq explicitly."
)


@dataclass(frozen=True, eq=False)
class SeriesLayout:
    """Where every series lives in a validated frame, and its time grid.

    Rows keep the frame's order; series ``i`` occupies rows ``starts[i]:starts[i + 1]``.

    Attributes:
        freq: the grid step, a pandas ``DateOffset`` (``<Hour>``, ``<30 * Minutes>``, ...).
        series_ids: one id per series; ``(None,)`` for a single series.
        starts: row offsets of the series, length ``n_series + 1``.
        positions: for every row, its step number on the grid counted from its series' first
            timestamp; consecutive rows whose positions differ by more than one have a gap.
        timestamps: the timestamp of every row.
        is_panel: whether the frame had a ``(series_id, timestamp)`` ``MultiIndex``.
    """

    freq: pd.DateOffset
    series_ids: tuple
    starts: np.ndarray
    positions: np.ndarray
    timestamps: pd.DatetimeIndex
    is_panel: bool

    @property
    def n_series(self) -> int:
        """Number of series."""
        return len(self.series_ids)

    @property
    def n_rows(self) -> int:
        """Number of rows over all series."""
        return int(self.starts[-1])

    @property
    def lengths(self) -> np.ndarray:
        """Rows per series."""
        return np.diff(self.starts)

    def series_index(self) -> np.ndarray:
        """For every row, the number of its series (``0 .. n_series - 1``)."""
        return np.repeat(np.arange(self.n_series, dtype=np.int32), self.lengths)

    def block_ids(self) -> np.ndarray:
        """For every row, the id of its gap-free block: a new block starts at every series
        start and after every gap, so a window is gap-free iff its first and last rows share
        a block id."""
        breaks = np.ones(self.n_rows, dtype=bool)
        if self.n_rows > 1:
            breaks[1:] = np.diff(self.positions) != 1
        breaks[self.starts[:-1]] = True
        ids = np.cumsum(breaks, dtype=np.int32 if self.n_rows < 2**31 - 1 else np.int64)
        ids -= 1
        return ids

    def where(self, row: int) -> dict[str, Any]:
        """The series id and timestamp of a row, as keyword arguments for an error."""
        series = int(np.searchsorted(self.starts, row, side="right") - 1)
        return {"series": self.series_ids[series], "timestamp": self.timestamps[row]}


@dataclass(frozen=True)
class MissingPolicy:
    """What to do with NaN values: labels are never filled, inputs may be.

    A window whose labels hold a NaN is always dropped, so no label is ever fabricated.
    NaN inputs are carried forward from the last observed value of the same series and block
    (no gap in between) for at most ``limit`` steps; a window whose inputs still hold a NaN
    is dropped. Carrying forward reads only the past: linear interpolation would read the
    value after the hole, which may be a label, so it is not offered.

    Args:
        inputs: ``"ffill"`` (default) to carry the last value forward up to ``limit`` steps,
            or ``"drop"`` to drop every window with a NaN input.
        limit: the longest run of NaN steps that ``"ffill"`` fills (default 3).

    Example:
        >>> MissingPolicy()
        MissingPolicy(inputs='ffill', limit=3)
        >>> MissingPolicy(inputs="drop")
        MissingPolicy(inputs='drop', limit=3)
    """

    inputs: Literal["ffill", "drop"] = "ffill"
    limit: int = 3

    def __post_init__(self) -> None:
        if self.inputs not in ("ffill", "drop"):
            raise ValueError(
                f"MissingPolicy.inputs must be 'ffill' or 'drop', got {self.inputs!r}"
            )
        if not isinstance(self.limit, (int, np.integer)) or self.limit < 0:
            raise ValueError(f"MissingPolicy.limit must be an integer >= 0, got {self.limit!r}")


# --------------------------------------------------------------------------- index and grid


def describe_layout(frame: pd.DataFrame, freq: str | pd.DateOffset | None = None) -> SeriesLayout:
    """Validate a frame's index and describe its series and time grid.

    Args:
        frame: one series (``DatetimeIndex``) or a panel (``MultiIndex``
            ``(series_id, timestamp)``).
        freq: the grid step, if known (``"h"``, ``"30min"``, ``"MS"``, ...); inferred when
            ``None``.

    Returns:
        The frame's :class:`SeriesLayout`.

    Raises:
        DataValidationError: not a frame, wrong index, missing or unsorted or duplicate
            timestamps, rows of a series not together, or timestamps off any regular grid.
    """
    if not isinstance(frame, pd.DataFrame):
        raise DataValidationError(
            f"expected a pandas DataFrame, got {type(frame).__name__}; wrap a Series with "
            "series.to_frame()"
        )
    index = frame.index
    if isinstance(index, pd.MultiIndex):
        if index.nlevels != 2 or not isinstance(index.levels[1], pd.DatetimeIndex):
            raise DataValidationError(
                "a panel needs a two-level MultiIndex (series_id, timestamp) whose second level "
                f"holds datetimes; got levels {list(index.names)} of types "
                f"{[type(level).__name__ for level in index.levels]}. "
                "Build one with forecast.from_long(frame, id_col=..., time_col=...)"
            )
        ids = index.get_level_values(0)
        timestamps = pd.DatetimeIndex(index.get_level_values(1))
        starts = _series_starts(ids)
        series_ids = tuple(ids[starts[:-1]])
        is_panel = True
    elif isinstance(index, pd.DatetimeIndex):
        timestamps = index
        starts = np.array([0, len(index)], dtype=np.int64)
        series_ids = (None,)
        is_panel = False
    else:
        raise DataValidationError(
            f"expected a DatetimeIndex (one series) or a MultiIndex (series_id, timestamp) "
            f"(a panel), got a {type(index).__name__}. Set the time column as the index with "
            "frame.set_index('your_time_column'), read the file with forecast.read_csv(..., "
            "time_col=...), or convert a long frame with forecast.from_long"
        )
    if len(timestamps) == 0:
        raise DataValidationError("the frame has no rows")
    _check_timestamps(timestamps, starts, series_ids)
    offset, positions = _resolve_grid(timestamps, starts, series_ids, freq)
    return SeriesLayout(
        freq=offset,
        series_ids=series_ids,
        starts=starts,
        positions=positions,
        timestamps=timestamps,
        is_panel=is_panel,
    )


def _series_starts(ids: pd.Index) -> np.ndarray:
    codes, uniques = pd.factorize(ids, use_na_sentinel=True)
    if (codes < 0).any():
        row = int(np.argmax(codes < 0))
        raise DataValidationError(
            f"series id is missing in row {row}", column=ids.name or SERIES_LEVEL
        )
    changes = np.flatnonzero(np.diff(codes) != 0) + 1
    starts = np.concatenate([[0], changes, [len(codes)]]).astype(np.int64)
    if len(starts) - 1 != len(uniques):
        seen: set = set()
        for start in starts[:-1]:
            sid = ids[start]
            if sid in seen:
                raise DataValidationError(
                    "the rows of this series are not together (another series' rows lie "
                    "between them); sort the panel with frame.sort_index()",
                    series=sid,
                    timestamp=None,
                )
            seen.add(sid)
    return starts


def _check_timestamps(timestamps: pd.DatetimeIndex, starts: np.ndarray, series_ids: tuple) -> None:
    if timestamps.hasnans:
        row = int(np.argmax(timestamps.isna()))
        series = series_ids[int(np.searchsorted(starts, row, side="right") - 1)]
        raise DataValidationError(f"timestamp is missing (NaT) in row {row}", series=series)
    steps = np.diff(_nanoseconds(timestamps))
    within = np.ones(len(steps), dtype=bool)
    within[starts[1:-1] - 1] = False  # a step from one series into the next is not a step
    bad = np.flatnonzero((steps <= 0) & within)
    if len(bad):
        row = int(bad[0]) + 1
        series = series_ids[int(np.searchsorted(starts, row, side="right") - 1)]
        if steps[bad[0]] == 0:
            raise DataValidationError(
                "duplicate timestamp; aggregate duplicates first, e.g. "
                "frame.groupby(level=frame.index.names).mean(), or forecast.regularize(...)",
                series=series,
                timestamp=timestamps[row],
            )
        raise DataValidationError(
            f"timestamps are not sorted: {timestamps[row]} comes after {timestamps[row - 1]}; "
            "sort with frame.sort_index()",
            series=series,
            timestamp=timestamps[row],
        )


def _resolve_grid(
    timestamps: pd.DatetimeIndex,
    starts: np.ndarray,
    series_ids: tuple,
    freq: str | pd.DateOffset | None,
) -> tuple[pd.DateOffset, np.ndarray]:
    """The grid step and every row's position on it (inferred when ``freq`` is ``None``)."""
    if freq is not None:
        try:
            offset = pd.tseries.frequencies.to_offset(freq)
        except ValueError as exc:
            raise DataValidationError(f"unknown frequency {freq!r}: {exc}") from None
        positions, row = _grid_positions(timestamps, starts, offset)
        if positions is None:
            i = int(np.searchsorted(starts, row, side="right") - 1)
            raise DataValidationError(
                f"timestamp is not on the {offset.freqstr} grid that starts at "
                f"{timestamps[starts[i]]}. {_REGULARISE_HINT}",
                series=series_ids[i],
                timestamp=timestamps[row],
            )
        return offset, positions
    # A regular prefix usually names the frequency; the whole frame is then checked against it.
    for i in range(len(series_ids)):
        prefix = timestamps[starts[i] : min(starts[i + 1], starts[i] + 1000)]
        if len(prefix) >= 3:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                inferred = pd.infer_freq(prefix)
            if inferred is not None:
                offset = pd.tseries.frequencies.to_offset(inferred)
                positions, _ = _grid_positions(timestamps, starts, offset)
                if positions is not None:
                    return offset, positions
            break
    steps = _within_series_steps(timestamps, starts)
    if len(steps) == 0:
        raise DataValidationError(
            "cannot infer a frequency from series of one row each; pass freq explicitly",
            series=series_ids[0],
        )
    values, counts = np.unique(steps, return_counts=True)
    common = int(values[np.argmax(counts)])
    del steps, values, counts
    fixed = pd.tseries.frequencies.to_offset(pd.Timedelta(common, unit="ns"))
    candidates = [fixed]
    if common >= pd.Timedelta(days=28).value:
        candidates.extend(pd.tseries.frequencies.to_offset(alias) for alias in _CALENDAR_OFFSETS)
    for candidate in candidates:
        positions, first_bad = _grid_positions(timestamps, starts, candidate)
        if positions is not None:
            return candidate, positions
        if candidate is fixed:
            row = first_bad
    series = series_ids[int(np.searchsorted(starts, row, side="right") - 1)]
    previous = timestamps[row - 1]
    raise DataValidationError(
        f"timestamps are not on a regular grid: {timestamps[row]} comes "
        f"{timestamps[row] - previous} after {previous}, not a whole number of the most "
        f"common step {pd.Timedelta(common, unit='ns')}. {_REGULARISE_HINT}",
        series=series,
        timestamp=timestamps[row],
    )


def _nanoseconds(timestamps: pd.DatetimeIndex) -> np.ndarray:
    """Timestamps as int64 nanoseconds, whatever the index's resolution."""
    return timestamps.as_unit("ns").asi8


def _within_series_steps(timestamps: pd.DatetimeIndex, starts: np.ndarray) -> np.ndarray:
    steps = np.diff(_nanoseconds(timestamps))
    keep = np.ones(len(steps), dtype=bool)
    keep[starts[1:-1] - 1] = False
    return steps[keep]


def is_fixed(offset: pd.DateOffset) -> bool:
    """Whether ``offset`` is a fixed duration (hours, minutes, ...), not a calendar step."""
    try:
        pd.Timedelta(offset)
    except (TypeError, ValueError):
        return False
    return not isinstance(offset, pd.offsets.Day)  # calendar days shift with DST


def _positions_one_series(series: pd.DatetimeIndex, offset: pd.DateOffset) -> np.ndarray:
    """Positions on a calendar grid (months, calendar days, ...); -1 off the grid."""
    grid = pd.date_range(series[0], series[-1], freq=offset)
    if len(grid) == 0 or grid[0] != series[0]:
        return np.full(len(series), -1, dtype=np.int64)
    return grid.get_indexer(series).astype(np.int64)


def _grid_positions(
    timestamps: pd.DatetimeIndex, starts: np.ndarray, offset: pd.DateOffset
) -> tuple[np.ndarray | None, int | None]:
    """Every row's step number on the ``offset`` grid of its series (int32 when it fits), or
    ``(None, row)`` with the first row off that grid."""
    if is_fixed(offset):  # all series at once
        step = pd.Timedelta(offset).value
        nanos = _nanoseconds(timestamps)
        delta = nanos - np.repeat(nanos[starts[:-1]], np.diff(starts))
        bad = np.flatnonzero(delta % step)
        if len(bad):
            return None, int(bad[0])
        positions = delta // step
    else:
        positions = np.empty(len(timestamps), dtype=np.int64)
        for i in range(len(starts) - 1):
            part = _positions_one_series(timestamps[starts[i] : starts[i + 1]], offset)
            bad = np.flatnonzero(part < 0)
            if len(bad):
                return None, int(starts[i] + bad[0])
            positions[starts[i] : starts[i + 1]] = part
    if len(positions) and positions.max() < 2**31 - 1:
        return positions.astype(np.int32), None
    return positions, None


# --------------------------------------------------------------------------- columns


def as_column_tuple(columns: str | Iterable[str] | None) -> tuple[str, ...]:
    """Normalise a column argument (one name, several, or ``None``) to a tuple of names.

    Example:
        >>> as_column_tuple("y"), as_column_tuple(["a", "b"]), as_column_tuple(None)
        (('y',), ('a', 'b'), ())
    """
    if columns is None:
        return ()
    if isinstance(columns, str):
        return (columns,)
    return tuple(columns)


def check_columns(
    frame: pd.DataFrame,
    target: str | Sequence[str],
    covariates: str | Sequence[str] | None = None,
    layout: SeriesLayout | None = None,
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Check the columns named as target and covariates and return them as tuples.

    Targets must be numeric. Covariates may be numeric or categorical (pandas ``category``,
    ``bool`` or text columns), which the windowing one-hot encodes. Numeric columns must
    not hold ``inf``; NaN is left to the :class:`MissingPolicy`.

    Args:
        frame: the frame whose columns are checked.
        target: the column (or columns) to forecast.
        covariates: past-only input columns, or ``None``.
        layout: the frame's layout (only used to say where a bad value is).

    Returns:
        ``(targets, covariates)`` as tuples of column names.

    Raises:
        DataValidationError: an unknown column, a column named twice, a target that is not
            numeric, numbers stored as text, or an ``inf`` value.

    Example:
        >>> import pandas as pd
        >>> frame = pd.DataFrame({"y": [1.0, 2.0], "temp": [3.0, 4.0]},
        ...                      index=pd.date_range("2024-01-01", periods=2, freq="h"))
        >>> check_columns(frame, "y", ["temp"])
        (('y',), ('temp',))
    """
    targets = as_column_tuple(target)
    covs = as_column_tuple(covariates)
    if not targets:
        raise DataValidationError("no target column given")
    for role, names in (("target", targets), ("covariate", covs)):
        for name in names:
            if name not in frame.columns:
                close = difflib.get_close_matches(str(name), [str(c) for c in frame.columns], n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                raise DataValidationError(
                    f"{role} column not found; the frame has columns {list(frame.columns)}{hint}",
                    column=name,
                )
    for name in set(targets) & set(covs):
        raise DataValidationError("column is named both as target and as covariate", column=name)
    for names in (targets, covs):
        if len(set(names)) != len(names):
            dup = next(n for n in names if names.count(n) > 1)
            raise DataValidationError("column is named twice", column=dup)
    for name in targets:
        if not is_numeric_column(frame[name]):
            _raise_not_numeric(frame, name, layout, role="target")
    for name in covs:
        column = frame[name]
        if not is_numeric_column(column) and _looks_numeric_text(column):
            _raise_not_numeric(frame, name, layout, role="covariate")
    for name in targets + covs:
        if is_numeric_column(frame[name]):
            _check_finite_or_nan(frame, name, layout)
    return targets, covs


def is_numeric_column(column: pd.Series) -> bool:
    """Whether a column holds numbers (booleans are categories, not numbers)."""
    return pd.api.types.is_numeric_dtype(column.dtype) and not pd.api.types.is_bool_dtype(
        column.dtype
    )


def _looks_numeric_text(column: pd.Series) -> bool:
    if not (pd.api.types.is_object_dtype(column.dtype) or pd.api.types.is_string_dtype(column.dtype)):
        return False
    present = column.dropna()
    if present.empty:
        return False
    parsed = pd.to_numeric(present.astype(str).str.strip(), errors="coerce")
    return bool(parsed.notna().all())


def _raise_not_numeric(
    frame: pd.DataFrame, name: str, layout: SeriesLayout | None, role: str
) -> None:
    column = frame[name]
    where: dict[str, Any] = {}
    if pd.api.types.is_object_dtype(column.dtype) or pd.api.types.is_string_dtype(column.dtype):
        text = column.astype(str).str.strip()
        parsed = pd.to_numeric(text.where(column.notna(), "nan"), errors="coerce")
        bad = np.flatnonzero(parsed.isna().to_numpy() & column.notna().to_numpy())
        if len(bad) == 0:
            raise DataValidationError(
                f"{role} column holds numbers stored as text ({column.dtype}); convert it with "
                f"frame[{name!r}] = pd.to_numeric(frame[{name!r}].str.strip())",
                column=name,
            )
        row = int(bad[0])
        where = layout.where(row) if layout is not None else {"timestamp": frame.index[row]}
        raise DataValidationError(
            f"{role} column must be numeric, but holds text such as {column.iloc[row]!r}; "
            "convert it with pd.to_numeric or, for a covariate, make it a category",
            column=name,
            **where,
        )
    raise DataValidationError(
        f"{role} column must be numeric, got dtype {column.dtype}"
        + ("; categorical columns can only be covariates" if role == "target" else ""),
        column=name,
    )


def _check_finite_or_nan(frame: pd.DataFrame, name: str, layout: SeriesLayout | None) -> None:
    values = frame[name].to_numpy(dtype=np.float64, na_value=np.nan)
    bad = np.flatnonzero(np.isinf(values))
    if len(bad):
        row = int(bad[0])
        where = layout.where(row) if layout is not None else {"timestamp": frame.index[row]}
        raise DataValidationError(
            f"value is {values[row]}; replace infinities with NaN (frame.replace([np.inf, "
            "-np.inf], np.nan)) to treat them as missing",
            column=name,
            **where,
        )


# --------------------------------------------------------------------------- missing values


def aligned_empty(shape: tuple[int, int]) -> np.ndarray:
    """An uninitialised C-contiguous float32 array whose data starts on a 64-byte boundary
    (so TensorFlow can use it without a copy)."""
    n = int(np.prod(shape))
    buffer = np.empty(n + 16, dtype=np.float32)
    offset = (-buffer.ctypes.data % 64) // 4
    return buffer[offset : offset + n].reshape(shape)


def forward_fill(values: np.ndarray, block_ids: np.ndarray, limit: int) -> np.ndarray:
    """Carry the last observed value forward within each gap-free block, up to ``limit`` steps.

    Args:
        values: ``(rows, columns)`` float array.
        block_ids: for every row, its gap-free block (:meth:`SeriesLayout.block_ids`).
        limit: the longest NaN run that is filled.

    Returns:
        A new array; values before a block's first observation, and NaN runs longer than
        ``limit`` beyond the limit, stay NaN.

    Example:
        >>> import numpy as np
        >>> x = np.array([[1.0], [np.nan], [np.nan], [np.nan], [5.0]])
        >>> forward_fill(x, np.zeros(5, dtype=int), limit=2)[:, 0].tolist()
        [1.0, 1.0, 1.0, nan, 5.0]
    """
    out = aligned_empty(values.shape) if values.ndim == 2 else np.empty_like(values)
    out[...] = values
    if limit <= 0 or out.size == 0:
        return out
    rows = np.arange(out.shape[0])
    block_start = np.zeros(out.shape[0], dtype=np.int64)
    first = np.flatnonzero(np.r_[True, np.diff(block_ids) != 0])
    block_start[first] = first
    block_start = np.maximum.accumulate(block_start)
    for j in range(out.shape[1]):
        observed = ~np.isnan(out[:, j])
        if observed.all():
            continue
        last = np.maximum.accumulate(np.where(observed, rows, -1))
        fill = ~observed & (last >= block_start) & (rows - last <= limit)
        out[fill, j] = out[last[fill], j]
    return out
