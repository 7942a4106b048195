"""The time grid: a frame's frequency, grid positions, and whether a step is fixed."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from forecast.errors import DataValidationError

_CALENDAR_OFFSETS = ("MS", "ME", "QS", "QE", "YS", "YE")
_REGULARISE_HINT = (
    "regularise it first, e.g. forecast.regularize(frame, freq='30min') (rounds timestamps to "
    "the grid, averages duplicates, keeps gaps as gaps), or frame.resample('30min').mean(); "
    "or pass the intended freq explicitly"
)


def resolve_grid(
    timestamps: pd.DatetimeIndex,
    starts: np.ndarray,
    series_ids: tuple,
    freq: str | pd.DateOffset | None,
) -> tuple[pd.DateOffset, np.ndarray]:
    """The grid step and every row's position on it (inferred when ``freq`` is ``None``).

    Args:
        timestamps: the timestamps of every row, each series' rows together and sorted.
        starts: row offsets of the series, length ``n_series + 1``.
        series_ids: one id per series (named in errors).
        freq: the grid step, or ``None`` to infer it.

    Returns:
        ``(offset, positions)``: the step, and every row's step number counted from its
        series' first timestamp.

    Raises:
        DataValidationError: an unknown ``freq``, a timestamp off its grid, or (inferring)
            timestamps on no regular grid.
    """
    if freq is not None:
        return _given_grid(timestamps, starts, series_ids, freq)
    # A regular prefix usually names the frequency; the whole frame is then checked against it.
    grid = _prefix_grid(timestamps, starts)
    if grid is not None:
        return grid
    return _common_step_grid(timestamps, starts, series_ids)


def _given_grid(
    timestamps: pd.DatetimeIndex,
    starts: np.ndarray,
    series_ids: tuple,
    freq: str | pd.DateOffset,
) -> tuple[pd.DateOffset, np.ndarray]:
    """The positions on the grid of a given ``freq``; every timestamp must lie on it."""
    try:
        offset = pd.tseries.frequencies.to_offset(freq)
    except ValueError as exc:
        raise DataValidationError(f"unknown frequency {freq!r}: {exc}") from None
    positions, row = _grid_positions(timestamps, starts, offset)
    if positions is None:
        i = int(np.searchsorted(starts, row, side="right") - 1)
        raise DataValidationError(
            f"timestamp is not on the {offset.freqstr} grid that starts at {timestamps[starts[i]]}",
            advice=_REGULARISE_HINT,
            series=series_ids[i],
            timestamp=timestamps[row],
        )
    return offset, positions


def _prefix_grid(
    timestamps: pd.DatetimeIndex, starts: np.ndarray
) -> tuple[pd.DateOffset, np.ndarray] | None:
    """The grid pandas infers from the first 1000 rows of the first series with at least three
    rows, if every timestamp of the frame lies on it; ``None`` otherwise."""
    lengths = np.diff(starts)
    long_enough = np.flatnonzero(lengths >= 3)
    if len(long_enough) == 0:
        return None
    first = int(starts[long_enough[0]])
    prefix = timestamps[first : first + min(int(lengths[long_enough[0]]), 1000)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        inferred = pd.infer_freq(prefix)
    if inferred is None:
        return None
    offset = pd.tseries.frequencies.to_offset(inferred)
    positions, _ = _grid_positions(timestamps, starts, offset)
    return None if positions is None else (offset, positions)


def _common_step_grid(
    timestamps: pd.DatetimeIndex, starts: np.ndarray, series_ids: tuple
) -> tuple[pd.DateOffset, np.ndarray]:
    """The grid of the most common step between consecutive rows (or, for steps of 28 days or
    more, a calendar offset such as month starts) on which every timestamp lies."""
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
        f"common step {pd.Timedelta(common, unit='ns')}",
        advice=_REGULARISE_HINT,
        series=series,
        timestamp=timestamps[row],
    )


def nanoseconds(timestamps: pd.DatetimeIndex) -> np.ndarray:
    """Timestamps as int64 nanoseconds, whatever the index's resolution."""
    return timestamps.as_unit("ns").asi8


def _within_series_steps(timestamps: pd.DatetimeIndex, starts: np.ndarray) -> np.ndarray:
    steps = np.diff(nanoseconds(timestamps))
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
        nanos = nanoseconds(timestamps)
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
