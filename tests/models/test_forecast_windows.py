"""``forecast_windows`` reads windows cut by another forecaster when they hold its columns."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import forecast


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    """Three weeks of hourly data: a daily cycle, a trend, noise and a covariate ``x``."""
    index = pd.date_range("2024-01-01", periods=24 * 21, freq="h", name="timestamp")
    hours = np.arange(len(index), dtype=float)
    rng = np.random.default_rng(0)
    y = 100.0 + 0.1 * hours + 10.0 * np.sin(2 * np.pi * hours / 24) + rng.normal(0, 1, len(hours))
    return pd.DataFrame({"y": y, "x": rng.normal(0, 1, len(hours))}, index=index)


def common_rows(narrow, wide, split: str = "train") -> np.ndarray:
    """The origin rows both windows hold (the wider window starts later)."""
    return np.intersect1d(narrow.origin_index(split)["row"], wide.origin_index(split)["row"])


def test_a_baseline_reads_the_windows_of_a_forecaster_with_calendar_features(frame):
    seasonal = forecast.SeasonalNaive(input_width=48, horizon=6, season_length=24).fit(frame)
    linear = forecast.LinearForecaster(
        input_width=72, horizon=6, covariates=("x",), calendar=("hour", "dayofweek")
    ).fit(frame)
    wide = linear.windows(frame)  # y, x and four calendar columns, 72 rows of inputs
    own = seasonal.windows(frame)
    rows = common_rows(own, wide)
    assert len(rows) == own.n_windows("train") - 24  # every origin with 72 rows of history
    got = seasonal.forecast_windows(wide, "train")
    np.testing.assert_array_equal(got, seasonal.forecast_windows(own, rows=rows))
    # seasonal naive repeats the last day: the forecast of the first window is y 24 hours back
    first = int(rows[0])
    np.testing.assert_allclose(got[0, :, 0], frame["y"].to_numpy()[first - 24 : first - 18])


def test_the_own_columns_are_picked_by_name_in_the_past_and_the_future(frame):
    reader = forecast.LinearForecaster(input_width=24, horizon=6, calendar=("dayofweek",))
    reader.fit(frame)
    wide = forecast.LinearForecaster(
        input_width=48, horizon=6, covariates=("x",), calendar=("hour", "dayofweek")
    ).fit(frame)
    windows = wide.windows(frame)
    assert windows.input_columns.index("dayofweek_sin") == 4  # y, x, hour_sin, hour_cos, ...
    own = reader.windows(frame)
    rows = common_rows(own, windows)
    np.testing.assert_allclose(
        reader.forecast_windows(windows, "train"), reader.forecast_windows(own, rows=rows)
    )
    np.testing.assert_allclose(
        reader.forecast_windows(windows, rows=rows[:5]), reader.forecast_windows(own, rows=rows[:5])
    )


def test_windows_that_lack_a_column_or_rows_are_refused(frame):
    calendar = forecast.LinearForecaster(input_width=24, horizon=6, calendar=("hour",))
    calendar.fit(frame)
    target_only = forecast.SeasonalNaive(input_width=48, horizon=6).fit(frame).windows(frame)
    with pytest.raises(ValueError, match=r"not cut the way.*hour_sin.*forecaster\.windows"):
        calendar.forecast_windows(target_only, "train")  # no hour features
    narrow = forecast.SeasonalNaive(input_width=24, horizon=6).fit(frame)
    wider = forecast.SeasonalNaive(input_width=48, horizon=6).fit(frame)
    with pytest.raises(ValueError, match=r"width 24, horizon 6; expected \['y'\], width 48"):
        wider.forecast_windows(narrow.windows(frame), "train")  # too few input rows
    other_horizon = forecast.SeasonalNaive(input_width=48, horizon=3).fit(frame).windows(frame)
    with pytest.raises(ValueError, match="horizon 3"):
        wider.forecast_windows(other_horizon, "train")
    other_target = forecast.SeasonalNaive(input_width=48, horizon=6, target="x").fit(frame)
    with pytest.raises(ValueError, match="not cut the way"):
        wider.forecast_windows(other_target.windows(frame), "train")
