"""Calendar features computed from timestamps alone, so they are known for the future too.

Each feature is a sin/cos pair, so the model sees 23:00 next to 00:00 and December next to
January. They depend only on the index, never on the data, which makes them honest
known-future inputs for the forecast steps.

Example:
    >>> import pandas as pd
    >>> index = pd.date_range("2024-01-01", periods=3, freq="6h")
    >>> calendar_features(index, ("hour",)).round(3).to_numpy().tolist()
    [[0.0, 1.0], [1.0, 0.0], [0.0, -1.0]]
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd

from forecast.data.columns import as_column_tuple


def _hour_of_day(index: pd.DatetimeIndex) -> tuple[np.ndarray, float]:
    return index.hour + index.minute / 60.0 + index.second / 3600.0, 24.0


def _minute_of_hour(index: pd.DatetimeIndex) -> tuple[np.ndarray, float]:
    return index.minute + index.second / 60.0, 60.0


def _day_of_week(index: pd.DatetimeIndex) -> tuple[np.ndarray, float]:
    return np.asarray(index.day_of_week, dtype=np.float64), 7.0


def _day_of_year(index: pd.DatetimeIndex) -> tuple[np.ndarray, np.ndarray]:
    days_in_year = np.where(index.is_leap_year, 366.0, 365.0)
    return index.day_of_year - 1.0, days_in_year


def _month_of_year(index: pd.DatetimeIndex) -> tuple[np.ndarray, float]:
    return index.month - 1.0, 12.0


#: The calendar features by name: each maps a ``DatetimeIndex`` to ``(phase, period)``.
CALENDAR_FEATURES: dict[str, Callable[[pd.DatetimeIndex], tuple]] = {
    "minute": _minute_of_hour,
    "hour": _hour_of_day,
    "dayofweek": _day_of_week,
    "dayofyear": _day_of_year,
    "month": _month_of_year,
}


HOLIDAY_PREFIX = "holiday_"


def calendar_columns(features: str | Iterable[str]) -> tuple[str, ...]:
    """The column names :func:`calendar_features` produces, in order.

    Example:
        >>> calendar_columns(("hour", "dayofweek", "holiday_PT"))
        ('hour_sin', 'hour_cos', 'dayofweek_sin', 'dayofweek_cos', 'holiday_PT')
    """
    names = _check_names(features)
    columns: list[str] = []
    for name in names:
        if name.startswith(HOLIDAY_PREFIX):
            columns.append(name)
        else:
            columns.extend(f"{name}_{part}" for part in ("sin", "cos"))
    return tuple(columns)


def calendar_features(index: pd.DatetimeIndex, features: str | Iterable[str]) -> pd.DataFrame:
    """Sin/cos pairs of calendar features for every timestamp of ``index``.

    Args:
        index: timestamps (tz-aware timestamps use their local wall-clock time).
        features: names from :data:`CALENDAR_FEATURES`: ``"minute"`` (of the hour),
            ``"hour"`` (of the day, with minutes as fractions), ``"dayofweek"``,
            ``"dayofyear"``, ``"month"``; and ``"holiday_XX"`` for the public holidays of the
            country with ISO code ``XX`` (``"holiday_PT"``, ``"holiday_US"``, ...; optionally
            a subdivision, ``"holiday_US-CA"``): 1.0 on a holiday, else 0.0, from the
            ``holidays`` package (its rules are bundled: nothing is downloaded).

    Returns:
        A float32 frame indexed like ``index``, with columns from :func:`calendar_columns`.

    Raises:
        ValueError: an unknown feature name.

    Example:
        >>> import pandas as pd
        >>> index = pd.date_range("2024-01-01", periods=2, freq="D")  # Monday, Tuesday
        >>> [round(float(v), 4) for v in calendar_features(index, "dayofweek").iloc[1]]
        [0.7818, 0.6235]
    """
    names = _check_names(features)
    index = pd.DatetimeIndex(index)
    columns = {}
    for name in names:
        if name.startswith(HOLIDAY_PREFIX):
            columns[name] = _holiday_flags(index, name[len(HOLIDAY_PREFIX) :])
            continue
        phase, period = CALENDAR_FEATURES[name](index)
        angle = 2.0 * np.pi * np.asarray(phase, dtype=np.float64) / period
        columns[f"{name}_sin"] = np.sin(angle).astype(np.float32)
        columns[f"{name}_cos"] = np.cos(angle).astype(np.float32)
    return pd.DataFrame(columns, index=index)


def future_index(last: pd.Timestamp, freq: str | pd.DateOffset, horizon: int) -> pd.DatetimeIndex:
    """The ``horizon`` timestamps that follow ``last`` on the ``freq`` grid.

    Example:
        >>> future_index(pd.Timestamp("2024-01-31"), "MS", 2).strftime("%Y-%m-%d").tolist()
        ['2024-02-01', '2024-03-01']
    """
    offset = pd.tseries.frequencies.to_offset(freq)
    index = pd.date_range(start=last, periods=horizon + 1, freq=offset)
    if index[0] == last:
        return index[1:]
    return index[:horizon]  # ``last`` was off the anchor; date_range starts on the next step


def _check_names(features: str | Iterable[str]) -> tuple[str, ...]:
    names = as_column_tuple(features)
    for name in names:
        if name.startswith(HOLIDAY_PREFIX):
            _country_holidays(name[len(HOLIDAY_PREFIX) :], years=())
        elif name not in CALENDAR_FEATURES:
            raise ValueError(
                f"unknown calendar feature {name!r}; choose from {sorted(CALENDAR_FEATURES)} "
                "or 'holiday_XX' with a country code XX"
            )
    return names


def _country_holidays(code: str, years):
    import holidays

    country, _, subdivision = code.partition("-")
    try:
        return holidays.country_holidays(country, subdiv=subdivision or None, years=years)
    except (NotImplementedError, KeyError) as exc:
        raise ValueError(
            f"unknown holiday calendar {code!r} ({exc}); use an ISO country code such as "
            "'holiday_PT' or 'holiday_US-CA'"
        ) from None


def _holiday_flags(index: pd.DatetimeIndex, code: str) -> np.ndarray:
    if len(index) == 0:
        return np.zeros(0, dtype=np.float32)
    days = index.normalize()
    calendar = _country_holidays(code, years=range(days.min().year, days.max().year + 1))
    holiday_days = pd.DatetimeIndex(sorted(calendar.keys()))
    if days.tz is not None:
        holiday_days = holiday_days.tz_localize(days.tz)
    return days.isin(holiday_days).astype(np.float32)


def infer_season_length(freq: str | pd.DateOffset) -> int:
    """The usual seasonal period of a frequency: a day of sub-daily steps, a week of days,
    a year of weeks, months or quarters.

    Example:
        >>> [infer_season_length(f) for f in ("h", "10min", "30min", "D", "W", "MS", "QS", "YS")]
        [24, 144, 48, 7, 52, 12, 4, 1]
    """
    offset = pd.tseries.frequencies.to_offset(freq)
    name = offset.rule_code
    for prefixes, season in (
        (("W",), 52),
        (("M", "SM", "BM", "CBM"), 12),
        (("Q", "BQ"), 4),
        (("Y", "A", "BY", "BA"), 1),
    ):
        if any(name.startswith(p) for p in prefixes):
            return season
    if isinstance(offset, pd.offsets.Day) or name in ("D", "B", "C"):
        return 7 if offset.n == 1 else 1
    try:
        step = pd.Timedelta(offset)
    except (TypeError, ValueError):
        return 1
    day = pd.Timedelta(days=1)
    if step < day and day % step == pd.Timedelta(0):
        return int(day / step)
    return 1


def candidate_seasons(freq: str | pd.DateOffset) -> tuple[int, ...]:
    """Every seasonal period the frequency suggests, shortest first: a day and a week of
    sub-daily steps, a week and 52 weeks of days, a year of weeks, months or quarters.

    These are the seasons whose seasonal-naive forecasts a residual network may start from
    (see :mod:`forecast.nn.anchor_selection`); annual and irregular data suggest none.

    Example:
        >>> [candidate_seasons(f) for f in ("h", "30min", "D", "W", "MS", "QS", "YS")]
        [(24, 168), (48, 336), (7, 364), (52,), (12,), (4,), ()]
    """
    season = infer_season_length(freq)
    if season <= 1:
        return ()
    offset = pd.tseries.frequencies.to_offset(freq)
    try:
        step = pd.Timedelta(offset)
    except (TypeError, ValueError):
        return (season,)
    if step < pd.Timedelta(days=1):
        return (season, 7 * season)
    if step == pd.Timedelta(days=1) and season == 7:
        return (7, 364)
    return (season,)


def default_calendar(freq: str | pd.DateOffset) -> tuple[str, ...]:
    """Calendar features that vary within the data's seasons at this frequency.

    Example:
        >>> default_calendar("h"), default_calendar("D"), default_calendar("MS")
        (('hour', 'dayofweek'), ('dayofweek', 'dayofyear'), ('month',))
    """
    offset = pd.tseries.frequencies.to_offset(freq)
    name = offset.rule_code
    if name.startswith("W"):
        return ("dayofyear",)
    if name.startswith(("M", "SM", "BM", "CBM", "Q", "BQ")):
        return ("month",)
    if name.startswith(("Y", "A", "BY", "BA")):
        return ()
    if name in ("D", "B", "C"):
        return ("dayofweek", "dayofyear")
    try:
        step = pd.Timedelta(offset)
    except (TypeError, ValueError):
        return ()
    if step < pd.Timedelta(days=1):
        return ("hour", "dayofweek")  # the hour carries minutes as fractions
    return ("dayofweek", "dayofyear") if step == pd.Timedelta(days=1) else ()


#: The calendar default of every cut of windows (``make_windows``, the forecasters, a config's
#: ``data.calendar``, ``forecast windows --calendar``): the features :func:`default_calendar`
#: picks from the data's frequency whose cycle the training data cover :data:`MIN_CYCLES` times.
AUTO_CALENDAR = "auto"


#: One cycle of each calendar feature.
FEATURE_CYCLES: dict[str, pd.Timedelta] = {
    "minute": pd.Timedelta(hours=1),
    "hour": pd.Timedelta(days=1),
    "dayofweek": pd.Timedelta(weeks=1),
    "dayofyear": pd.Timedelta(days=365),
    "month": pd.Timedelta(days=365),
}

#: ``"auto"`` keeps a feature only where the training data span this many of its cycles: a
#: phase seen once cannot be told from a trend, and a phase never seen (October's day of the
#: year after training on January to September) is extrapolation. Two, as R's ``ets`` and
#: statsforecast's AutoETS ask two whole seasons before they fit a seasonal model.
MIN_CYCLES = 2


def resolve_calendar(
    calendar: str | Iterable[str],
    freq: str | pd.DateOffset,
    span: pd.Timedelta | None = None,
) -> tuple[str, ...]:
    """The calendar feature names a ``calendar`` argument means at this frequency.

    ``"auto"`` gives :func:`default_calendar`, less the features whose cycle the training
    data (``span``, see :func:`training_span`; ``None``: not checked) cover fewer than
    :data:`MIN_CYCLES` times; a name or names are returned as a tuple, as asked, and ``()``
    means no calendar features.

    Example:
        >>> resolve_calendar("auto", "h"), resolve_calendar("hour", "h"), resolve_calendar((), "D")
        (('hour', 'dayofweek'), ('hour',), ())
        >>> year = pd.Timedelta(days=365)  # a year of daily data: no day-of-year feature yet
        >>> resolve_calendar("auto", "D", span=year), resolve_calendar("auto", "D", span=3 * year)
        (('dayofweek',), ('dayofweek', 'dayofyear'))
    """
    if isinstance(calendar, str) and calendar == AUTO_CALENDAR:
        features = default_calendar(freq)
        if span is None:
            return features
        return tuple(f for f in features if span >= MIN_CYCLES * FEATURE_CYCLES[f])
    return as_column_tuple(calendar)


def training_span(timestamps: pd.DatetimeIndex, freq: str | pd.DateOffset) -> pd.Timedelta | None:
    """The time the training rows ``timestamps`` cover, their last step included (``None``
    without rows), as :func:`resolve_calendar` reads it.

    Example:
        >>> training_span(pd.date_range("2024-01-01", periods=14, freq="D"), "D")
        Timedelta('14 days 00:00:00')
    """
    if not len(timestamps):
        return None
    offset = pd.tseries.frequencies.to_offset(freq)
    last = pd.Timestamp(timestamps.max())
    return (last + offset) - pd.Timestamp(timestamps.min())


def default_input_width(freq: str | pd.DateOffset, horizon: int) -> int:
    """An input window long enough to see the data's seasons, and at least twice the horizon.

    Hourly and half-hourly data read a week (daily and weekly cycles), finer sub-daily data
    two days, daily data four weeks, coarser data two seasons.

    Example:
        >>> [default_input_width(f, 24) for f in ("h", "30min", "10min", "D")]
        [168, 336, 288, 48]
        >>> default_input_width("MS", 6), default_input_width("YS", 3)
        (24, 6)
    """
    season = infer_season_length(freq)
    offset = pd.tseries.frequencies.to_offset(freq)
    try:
        sub_daily = pd.Timedelta(offset) < pd.Timedelta(days=1)
    except (TypeError, ValueError):
        sub_daily = False
    if sub_daily:
        width = 7 * season if season <= 48 else 2 * season
    elif season == 7:
        width = 4 * season
    else:
        width = 2 * season
    return int(max(width, 2 * horizon, 2))
