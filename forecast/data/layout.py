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

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from forecast.data.frequency import nanoseconds, resolve_grid
from forecast.errors import DataValidationError

SERIES_LEVEL = "series_id"
TIME_LEVEL = "timestamp"
#: The id a single series goes by where an id is needed (a long frame's id column, the
#: ``series_id`` of a backtest's tidy rows).
SINGLE_SERIES_ID = "series"


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
            "time_col=...), convert a long frame with forecast.from_long, or name its columns "
            "to fit, predict, backtest or compare (time_col=..., id_col=...; the defaults 'ds' "
            "and 'unique_id' are found by themselves)"
        )
    if len(timestamps) == 0:
        raise DataValidationError("the frame has no rows")
    _check_timestamps(timestamps, starts, series_ids)
    offset, positions = resolve_grid(timestamps, starts, series_ids, freq)
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
    steps = np.diff(nanoseconds(timestamps))
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
