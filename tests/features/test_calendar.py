"""Calendar features: sin/cos pairs computed from timestamps only."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import forecast
from forecast.features.calendar_features import (
    calendar_columns,
    calendar_features,
    future_index,
    resolve_calendar,
    training_span,
)
from forecast.windowing.spec import Split, WindowSpec
from forecast.windowing.windows import make_windows


def test_hour_of_day_with_minutes():
    index = pd.DatetimeIndex(["2024-01-01 00:00", "2024-01-01 06:00", "2024-01-01 13:30"])
    features = calendar_features(index, "hour")
    angle = 2 * np.pi * np.array([0.0, 6.0, 13.5]) / 24
    np.testing.assert_allclose(features["hour_sin"], np.sin(angle), atol=1e-6)
    np.testing.assert_allclose(features["hour_cos"], np.cos(angle), atol=1e-6)
    assert features.dtypes.unique().tolist() == [np.float32]


def test_day_of_week_day_of_year_and_month():
    index = pd.DatetimeIndex(["2024-01-03", "2024-12-31", "2023-12-31"])  # Wed; leap-year end; Sun
    features = calendar_features(index, ("dayofweek", "dayofyear", "month"))
    np.testing.assert_allclose(
        features["dayofweek_sin"], np.sin(2 * np.pi * np.array([2, 1, 6]) / 7), atol=1e-6
    )
    np.testing.assert_allclose(
        features["dayofyear_sin"],
        np.sin(2 * np.pi * np.array([2 / 366, 365 / 366, 364 / 365])),
        atol=1e-6,
    )
    np.testing.assert_allclose(
        features["month_cos"], np.cos(2 * np.pi * np.array([0, 11, 11]) / 12), atol=1e-6
    )


def test_minute_feature_for_sub_hourly_data():
    index = pd.date_range("2024-01-01", periods=7, freq="10min")
    features = calendar_features(index, "minute")
    np.testing.assert_allclose(
        features["minute_sin"], np.sin(2 * np.pi * np.arange(0, 70, 10) / 60), atol=1e-6
    )


def test_columns_and_unknown_feature():
    assert calendar_columns(["month", "hour"]) == ("month_sin", "month_cos", "hour_sin", "hour_cos")
    with pytest.raises(ValueError, match="unknown calendar feature 'weekday'"):
        calendar_features(pd.date_range("2024", periods=2), "weekday")


def test_future_index_continues_the_grid():
    assert future_index(pd.Timestamp("2024-01-01 22:00"), "h", 3).tolist() == [
        pd.Timestamp("2024-01-01 23:00"),
        pd.Timestamp("2024-01-02 00:00"),
        pd.Timestamp("2024-01-02 01:00"),
    ]
    assert future_index(pd.Timestamp("2024-01-01"), "MS", 2).tolist() == [
        pd.Timestamp("2024-02-01"),
        pd.Timestamp("2024-03-01"),
    ]


def test_holiday_flags_from_the_holidays_package():
    index = pd.date_range("2014-12-24 22:00", periods=4, freq="h")
    features = calendar_features(index, ("holiday_PT",))
    assert list(features.columns) == ["holiday_PT"]
    assert features["holiday_PT"].tolist() == [0.0, 0.0, 1.0, 1.0]  # Christmas Day in Portugal
    assert calendar_features(pd.DatetimeIndex(["2014-07-04"]), "holiday_US")[
        "holiday_US"
    ].tolist() == [1.0]
    with pytest.raises(ValueError, match="unknown holiday calendar 'XX'"):
        calendar_features(index, "holiday_XX")


# ------------------------------------------------------------------ "auto" and the training span


def test_auto_keeps_a_feature_from_two_whole_cycles_of_training_data_on():
    two_years = pd.Timedelta(days=730)
    assert resolve_calendar("auto", "D", span=two_years) == ("dayofweek", "dayofyear")
    assert resolve_calendar("auto", "D", span=two_years - pd.Timedelta(days=1)) == ("dayofweek",)
    assert resolve_calendar("auto", "h", span=pd.Timedelta(days=13)) == ("hour",)
    assert resolve_calendar("auto", "h", span=pd.Timedelta(days=1)) == ()
    assert resolve_calendar("auto", "MS", span=pd.Timedelta(days=700)) == ()
    # features asked for by name are the user's choice: never dropped
    assert resolve_calendar(("dayofyear",), "D", span=pd.Timedelta(days=30)) == ("dayofyear",)


def test_training_span_counts_the_last_step_and_ignores_order():
    stamps = pd.DatetimeIndex(["2024-01-03", "2024-01-01", "2024-01-02"])
    assert training_span(stamps, "D") == pd.Timedelta(days=3)
    assert training_span(pd.date_range("2024-01-01", periods=48, freq="h"), "h") == pd.Timedelta(
        days=2
    )
    assert training_span(pd.DatetimeIndex([]), "D") is None


def _daily(days: int) -> pd.DataFrame:
    index = pd.date_range("2020-01-01", periods=days, freq="D", name="timestamp")
    rng = np.random.default_rng(0)
    return pd.DataFrame({"y": rng.normal(size=days) + np.arange(days) % 7}, index=index)


def test_a_forecaster_on_a_year_of_daily_data_reads_no_day_of_the_year():
    # A ridge reading the day of the year after one January-to-September fit extrapolates it
    # into October (on fpp2's elecdaily the calendar ridge had 1.6 times the error of the
    # ridge on lags alone); two years of training rows and the feature comes back.
    one_year = forecast.LinearForecaster(input_width=14, horizon=7, calendar="auto")
    assert one_year.fit(_daily(365)).calendar_ == ("dayofweek",)
    three_years = forecast.LinearForecaster(input_width=14, horizon=7, calendar="auto")
    assert three_years.fit(_daily(3 * 365)).calendar_ == ("dayofweek", "dayofyear")


def test_the_span_is_that_of_the_training_rows_not_of_the_validation_ones():
    # 800 days, the last 20% validating: 640 training days, under two years
    model = forecast.LSTMForecaster(
        input_width=14, horizon=7, units=(4,), dense_units=(), epochs=1, verbose=0
    )
    assert model.fit(_daily(800)).calendar_ == ("dayofweek",)

    windows = make_windows(_daily(800), WindowSpec(14, 7), target="y", split=Split(0.2, 0.0))
    assert windows.calendar_columns == ("dayofweek_sin", "dayofweek_cos")
    everything = make_windows(_daily(800), WindowSpec(14, 7), target="y", split=Split(0.0, 0.0))
    assert len(everything.calendar_columns) == 4


@pytest.mark.parametrize("kind", ["linear", "lstm"])
def test_refit_full_keeps_the_calendar_the_validated_fit_read(kind):
    # the backtest fit sees 600 days (no day of the year), the refit 800: "auto" would now
    # add the day of the year, which validation never judged; the refit keeps the fit's
    frame = _daily(800)
    if kind == "linear":
        model = forecast.LinearForecaster(input_width=14, horizon=7, calendar="auto")
    else:
        model = forecast.LSTMForecaster(
            input_width=14, horizon=7, units=(4,), dense_units=(), epochs=1, verbose=0
        )
    model.fit(frame.iloc[:600])
    assert model.calendar_ == ("dayofweek",)
    model.refit_full(frame)
    assert model.refitted_ and model.calendar_ == ("dayofweek",)
    assert model.calendar == "auto"  # the constructor argument is unchanged
    assert model.predict(frame).shape == (7, 1)
