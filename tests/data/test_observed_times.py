"""The times of day (or week) the training data had values at, and the next of them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecast.data.observed_times import (
    ObservedTimes,
    continue_to_next_observed,
    learn_observed_times,
)
from forecast.data.validated import validate_frame


def open_hours(days: int, start: str = "2024-01-01", closed_on: tuple[int, ...] = ()):
    """Half-hourly timestamps from 08:00 to 16:30 on ``days`` days (not on ``closed_on``)."""
    dates = pd.date_range(start, periods=days, freq="D")
    dates = dates[~dates.dayofweek.isin(closed_on)]
    day = pd.timedelta_range("8h", "16h30min", freq="30min")
    return pd.DatetimeIndex([d + t for d in dates for t in day])


def test_a_car_park_open_8_to_16_30_is_described_by_the_time_of_day():
    stamps = open_hours(21)
    times = learn_observed_times(stamps, np.ones(len(stamps), bool), "30min")
    assert (times.period, times.slots) == ("day", tuple(range(16, 34)))
    assert times.describe() == "08:00 to 16:30"
    after = pd.DatetimeIndex(["2024-01-21 16:30", "2024-01-21 12:00", "2024-01-21 23:30"])
    assert times.next_observed(after).strftime("%m-%d %H:%M").tolist() == [
        "01-22 08:00",
        "01-21 12:30",
        "01-22 08:00",
    ]
    assert times.contains(pd.DatetimeIndex(["2024-02-01 08:00", "2024-02-01 17:00"])).tolist() == [
        True,
        False,
    ]


def test_stray_readings_and_missing_targets_do_not_open_a_slot():
    stamps = open_hours(21)
    stray = pd.DatetimeIndex(["2024-01-03 07:30", "2024-01-09 07:30"])  # 2 of 21 days
    night = pd.date_range("2024-01-05 17:00", periods=30, freq="30min")  # rows, target NaN
    every = stamps.append([stray, night])
    observed = np.r_[np.ones(len(stamps) + 2, bool), np.zeros(30, bool)]
    times = learn_observed_times(every, observed, "30min")
    assert times.describe() == "08:00 to 16:30"


def test_a_car_park_closed_on_sundays_is_described_by_the_time_of_week():
    stamps = open_hours(28, closed_on=(6,))  # 2024-01-01 is a Monday
    times = learn_observed_times(stamps, np.ones(len(stamps), bool), "30min")
    assert times.period == "week"
    assert times.describe() == (
        "Mon 08:00 to Mon 16:30, Tue 08:00 to Tue 16:30, Wed 08:00 to Wed 16:30, "
        "Thu 08:00 to Thu 16:30, Fri 08:00 to Fri 16:30, Sat 08:00 to Sat 16:30"
    )
    saturday = pd.DatetimeIndex(["2024-01-27 16:30"])
    assert str(times.next_observed(saturday)[0]) == "2024-01-29 08:00:00"  # Monday


def test_grids_the_time_of_day_does_not_describe_record_nothing():
    months = pd.date_range("2020-01-01", periods=36, freq="MS")
    assert learn_observed_times(months, np.ones(36, bool), "MS") is None
    hours = pd.date_range("2024-01-01", periods=100, freq="7h")  # 7 h does not divide a day
    assert learn_observed_times(hours, np.ones(100, bool), "7h") is None
    days = pd.bdate_range("2024-01-01", periods=30)  # business days on a daily grid
    times = learn_observed_times(days, np.ones(30, bool), "D")
    assert (times.period, times.slots) == ("week", (0, 1, 2, 3, 4))


def test_less_than_two_days_of_data_say_no_hour_is_closed():
    """Six hourly rows from midnight warned that 06:00 onwards 'forecast closed hours'."""
    hours = pd.date_range("2024-01-01", periods=6, freq="h")
    assert learn_observed_times(hours, np.ones(6, bool), "h") is None
    two_days = open_hours(2)  # 08:00 on day 1 to 16:30 on day 2: 1.35 days
    assert learn_observed_times(two_days, np.ones(len(two_days), bool), "30min") is None
    three_days = open_hours(3)
    assert learn_observed_times(three_days, np.ones(len(three_days), bool), "30min") is not None


def test_a_short_frame_forecasts_its_next_hours_without_a_closed_hours_warning():
    import warnings

    from forecast.models.baselines import Naive

    frame = pd.DataFrame(
        {"y": np.arange(6.0)}, index=pd.date_range("2024-01-01", periods=6, freq="h")
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        forecast = Naive(horizon=2, input_width=3).fit(frame).predict(frame)
    assert forecast["y"].tolist() == [5.0, 5.0]


def test_the_record_round_trips_and_a_damaged_one_is_refused():
    times = ObservedTimes("day", pd.Timedelta("30min").value, (16, 17))
    assert ObservedTimes.from_dict(times.to_dict()) == times
    with pytest.raises(ValueError, match="not a record of observed times"):
        ObservedTimes.from_dict({"period": "month", "step": 1, "slots": [1]})
    with pytest.raises(ValueError, match="not a record of observed times"):
        ObservedTimes.from_dict({"period": "day"})


def test_each_series_is_continued_to_its_next_opening_with_missing_values():
    stamps = open_hours(14)
    times = learn_observed_times(stamps, np.ones(len(stamps), bool), "30min")
    a = pd.DataFrame({"y": np.arange(len(stamps), dtype=float)}, index=stamps)
    b = a.iloc[:-10]  # ends at 11:30: its next grid step is open
    panel = pd.concat({"a": a, "b": b}, names=["series_id", "timestamp"])
    longer = continue_to_next_observed(validate_frame(panel, "y"), times).frame
    added = longer.loc["a"].iloc[len(a) :]
    assert len(added) == 30 and added["y"].isna().all()
    assert (str(added.index[0]), str(added.index[-1])) == (
        "2024-01-14 17:00:00",
        "2024-01-15 07:30:00",
    )
    assert len(longer.loc["b"]) == len(b)
    assert longer.index.get_level_values(0).tolist() == ["a"] * (len(a) + 30) + ["b"] * len(b)
