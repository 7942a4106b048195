"""The times of day (or of week) a series has data: its open hours.

A car park that reports from 08:00 to 16:30 has no data at night. On its half-hourly grid the
steps after 16:30 are closed hours; a forecast from the end of the day would forecast them.
:func:`learn_observed_times` records, from the training data, which slots of the day (or of
the week, when the days differ: closed on Sundays, say) have data; :class:`ObservedTimes` then
finds the next observed time after a series' end (``predict(..., future_grid="observed")``
starts the forecast there) and counts the forecast steps that fall at closed times.

A time of day counts as observed when it has at least :data:`MIN_SHARE` as many observed
targets (over all series) as the busiest one, so a few stray readings at 07:30 do not open the
car park at 07:30; the times of day are learnt from two days of data or more (six hours from
midnight are not a car park closed from 06:00). Over two weeks of data or more, a day of the
week on which an observed time of day has fewer than :data:`MIN_WEEKDAY_SHARE` as many as on
its busiest day of the week is closed then (a car park closed on Sundays): the times are then of the week. Only grids whose step divides a
day are described by the time of day (or of week); a daily grid by the day of week; coarser
or calendar grids (weeks, months) are not described (``None``).

Example:
    >>> import numpy as np, pandas as pd
    >>> days = pd.date_range("2024-01-01", periods=14, freq="D")
    >>> stamps = pd.DatetimeIndex([d + pd.Timedelta(minutes=30 * k) for d in days
    ...                            for k in range(16, 34)])          # 08:00 .. 16:30
    >>> times = learn_observed_times(stamps, np.ones(len(stamps), bool), "30min")
    >>> times.period, len(times.slots), times.describe()
    ('day', 18, '08:00 to 16:30')
    >>> str(times.next_observed(pd.DatetimeIndex(["2024-01-14 16:30"]))[0])
    '2024-01-15 08:00:00'
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from forecast.data.frequency import is_fixed
from forecast.data.validated import ValidatedFrame, validate_frame

#: A time of day is observed when it has at least this share of the observed rows of the
#: busiest time of day.
MIN_SHARE = 0.2
#: An observed time of day is closed on a day of the week that has fewer than this share of its
#: observed rows on its busiest day of the week.
MIN_WEEKDAY_SHARE = 0.5
#: The fewest periods (days for the times of day, weeks for the days of the week) the
#: observed rows must span before they say which times are closed: six hours of data from
#: midnight do not make 06:00 a closed hour (like ``calendar="auto"``'s two cycles).
MIN_PERIODS = 2
#: The values of ``future_grid``: ``"grid"`` continues the grid after each series' end,
#: ``"observed"`` starts the forecast at the next observed time.
FUTURE_GRIDS = ("grid", "observed")

_DAY = pd.Timedelta(days=1).value
_WEEK = 7 * _DAY
_MONDAY = 4 * _DAY  # 1970-01-01 was a Thursday: Monday 1970-01-05 starts the weeks


def check_future_grid(future_grid: str) -> None:
    """Raise a ``ValueError`` unless ``future_grid`` is one of :data:`FUTURE_GRIDS`."""
    if future_grid not in FUTURE_GRIDS:
        raise ValueError(f"future_grid must be 'grid' or 'observed', got {future_grid!r}")


@dataclass(frozen=True)
class ObservedTimes:
    """The slots of the day or week in which the training data had values.

    Attributes:
        period: ``"day"`` or ``"week"`` (weeks start on Monday 00:00).
        step: the grid step, in nanoseconds.
        slots: the observed slots, each a number of steps from the period's start (local
            wall-clock time for time-zone-aware data).
    """

    period: str
    step: int
    slots: tuple[int, ...]

    @property
    def slots_per_period(self) -> int:
        return (_DAY if self.period == "day" else _WEEK) // self.step

    def contains(self, stamps: pd.DatetimeIndex) -> np.ndarray:
        """Whether each of ``stamps`` falls in an observed slot."""
        return np.isin(self._slot(stamps), np.asarray(self.slots, dtype=np.int64))

    def count_outside(self, stamps: pd.DatetimeIndex) -> int:
        """How many of ``stamps`` fall outside the observed slots (at closed times)."""
        return int(np.count_nonzero(~self.contains(stamps)))

    def next_observed(self, lasts: pd.DatetimeIndex) -> pd.DatetimeIndex:
        """The first grid time after each of ``lasts`` that falls in an observed slot."""
        steps = np.arange(1, self.slots_per_period + 1, dtype=np.int64)
        wall = _wall_clock(lasts)
        candidates = wall[:, None] + steps[None, :] * self.step
        observed = np.isin(self._slot_of(candidates), np.asarray(self.slots, dtype=np.int64))
        ahead = steps[np.argmax(observed, axis=1)]  # at least one slot is observed
        return lasts + pd.to_timedelta(ahead * self.step, unit="ns")

    def describe(self) -> str:
        """The observed times in words: ``08:00 to 16:30``, ``Mon 08:00 to Fri 16:30, ...``."""
        runs, start = [], None
        slots = sorted(self.slots)
        for i, slot in enumerate(slots):
            start = slot if start is None else start
            if i + 1 == len(slots) or slots[i + 1] != slot + 1:
                runs.append((start, slot))
                start = None
        return ", ".join(
            self._name(a) if a == b else f"{self._name(a)} to {self._name(b)}" for a, b in runs
        )

    def to_dict(self) -> dict[str, Any]:
        return {"period": self.period, "step": int(self.step), "slots": list(self.slots)}

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> ObservedTimes:
        """Read back :meth:`to_dict`; raises ``ValueError`` for a damaged record."""
        try:
            times = cls(
                str(values["period"]), int(values["step"]), tuple(map(int, values["slots"]))
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"not a record of observed times ({exc!r})") from None
        if times.period not in ("day", "week") or times.step <= 0 or not times.slots:
            raise ValueError(f"not a record of observed times: {dict(values)!r}")
        return times

    def _slot(self, stamps: pd.DatetimeIndex) -> np.ndarray:
        return self._slot_of(_wall_clock(stamps))

    def _slot_of(self, wall: np.ndarray) -> np.ndarray:
        length = _DAY if self.period == "day" else _WEEK
        return ((wall - _MONDAY) % length) // self.step

    def _name(self, slot: int) -> str:
        stamp = pd.Timestamp("2024-01-01") + pd.Timedelta(int(slot) * self.step, unit="ns")
        return f"{stamp:%H:%M}" if self.period == "day" else f"{stamp:%a %H:%M}"


def grid_step(freq: str | pd.DateOffset) -> int | None:
    """The step of a grid in nanoseconds (a day for ``D``), or ``None`` for a calendar one
    (weeks anchored on a day, months, ...)."""
    offset = pd.tseries.frequencies.to_offset(freq)
    if not (is_fixed(offset) or isinstance(offset, pd.offsets.Day)):
        return None
    return pd.Timedelta(offset).value


def learn_observed_times(
    timestamps: pd.DatetimeIndex, observed: np.ndarray, freq: str | pd.DateOffset
) -> ObservedTimes | None:
    """The slots of the day (or week) in which ``observed`` rows fall (see the module
    docstring); ``None`` for a grid the time of day or week does not describe, or no data.

    Args:
        timestamps: every row's timestamp (all series together).
        observed: which rows have an observed target.
        freq: the grid step.
    """
    step = grid_step(freq)
    if step is None:
        return None
    wall = _wall_clock(pd.DatetimeIndex(timestamps))[np.asarray(observed, dtype=bool)]
    if len(wall) == 0 or step > _DAY or _DAY % step:
        return None
    span = wall.max() - wall.min()
    weeks = span / _WEEK >= MIN_PERIODS
    if step < _DAY and span / _DAY < MIN_PERIODS:  # too short to know a closed hour
        return None
    per_day = _DAY // step
    if step == _DAY:  # a daily grid: the days of the week
        counts = np.bincount(((wall - _MONDAY) % _WEEK) // step, minlength=7)
        open_days = tuple(int(d) for d in np.flatnonzero(counts >= MIN_SHARE * counts.max()))
        return ObservedTimes("week", step, open_days) if weeks else None
    daily = _observed_slots(wall, step)
    if weeks:
        by_weekday = np.bincount(((wall - _MONDAY) % _WEEK) // step, minlength=7 * per_day)
        by_weekday = by_weekday.reshape(7, per_day)[:, list(daily)]
        open_on = by_weekday >= MIN_WEEKDAY_SHARE * by_weekday.max(axis=0, keepdims=True)
        if not open_on.all():
            days, slots = np.nonzero(open_on)
            weekly = days * per_day + np.asarray(daily)[slots]
            return ObservedTimes("week", step, tuple(int(s) for s in np.sort(weekly)))
    return ObservedTimes("day", step, daily)


def _observed_slots(wall: np.ndarray, step: int) -> tuple[int, ...]:
    """The times of day with at least :data:`MIN_SHARE` of the observed rows of the busiest."""
    counts = np.bincount(((wall - _MONDAY) % _DAY) // step, minlength=_DAY // step)
    return tuple(int(s) for s in np.flatnonzero(counts >= MIN_SHARE * counts.max()))


def _wall_clock(stamps: pd.DatetimeIndex) -> np.ndarray:
    """Nanoseconds since 1970 of the local wall-clock times of ``stamps``."""
    stamps = pd.DatetimeIndex(stamps)
    if stamps.tz is not None:
        stamps = stamps.tz_localize(None)
    return stamps.as_unit("ns").asi8


def continue_to_next_observed(validated: ValidatedFrame, times: ObservedTimes) -> ValidatedFrame:
    """``validated`` with rows of missing values appended to each series, on its grid, up to
    the step before its next observed time (the closed hours after its end), so that a forecast
    from its end starts at that time; a series whose next grid step is observed is left as it is.

    The inputs of that forecast then span the closed hours as missing values, as the training
    windows that crossed a night did: the missing-value policy fills them (or, if it cannot,
    says so, naming the series and the forecast's origin).

    Example:
        >>> from forecast.data.validated import validate_frame
        >>> day = pd.date_range("2024-01-01 08:00", "2024-01-01 16:30", freq="30min")
        >>> stamps = day.append([day + pd.Timedelta(days=d) for d in range(1, 14)])
        >>> times = learn_observed_times(stamps, np.ones(len(stamps), bool), "30min")
        >>> frame = pd.DataFrame({"y": np.arange(len(stamps), dtype=float)}, index=stamps)
        >>> longer = continue_to_next_observed(validate_frame(frame, "y"), times).frame
        >>> len(longer) - len(frame), str(longer.index[-1]), float(longer["y"].iloc[-1])
        (30, '2024-01-15 07:30:00', nan)
    """
    layout = validated.layout
    ends = layout.starts[1:]
    lasts = pd.DatetimeIndex(layout.timestamps[ends - 1])
    ahead = (times.next_observed(lasts) - lasts).asi8 // times.step - 1
    if not ahead.any():
        return validated
    owner = np.repeat(np.arange(layout.n_series), ahead)
    k = np.arange(int(ahead.sum())) - np.repeat(np.cumsum(ahead) - ahead, ahead) + 1
    stamps = lasts[owner] + pd.to_timedelta(k * times.step, unit="ns")
    frame = validated.frame
    if layout.is_panel:
        ids = np.asarray(layout.series_ids, dtype=object)[owner]
        index = pd.MultiIndex.from_arrays([ids, stamps], names=frame.index.names)
    else:
        index = pd.DatetimeIndex(stamps, name=frame.index.name)
    closed = pd.DataFrame(np.nan, index=index, columns=frame.columns)
    combined = pd.concat([frame, closed])
    order = np.argsort(np.concatenate([layout.series_index(), owner]), kind="stable")
    return validate_frame(
        combined.iloc[order], validated.targets, validated.covariates or None, layout.freq
    )
