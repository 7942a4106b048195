"""Backtests and comparisons: hand-computed forecasts, no look-ahead, refits, batched calls."""

from __future__ import annotations

import keras
import numpy as np
import pandas as pd
import pytest
from conftest import hourly, panel

import forecast
from forecast import LinearForecaster, LSTMForecaster, Naive, SeasonalNaive, backtest, compare
from forecast.errors import DataValidationError
from forecast.evaluation.comparison import TIDY_COLUMNS
from forecast.evaluation.metrics import seasonal_naive_scale


def test_backtest_rows_are_the_hand_computed_windows():
    frame = hourly(range(40))  # y = row number
    tidy = backtest(Naive(input_width=2, horizon=3), frame, start=frame.index[10], stride=5)
    assert tuple(tidy.columns) == TIDY_COLUMNS
    origins = frame.index[[10, 15, 20, 25, 30, 35]]  # the last origin whose horizon fits is row 37
    assert list(tidy["origin"].unique()) == list(origins)
    first = tidy[tidy["origin"] == origins[0]]
    assert first["step"].tolist() == [1, 2, 3]
    assert first["timestamp"].tolist() == list(frame.index[10:13])
    assert first["actual"].tolist() == [10.0, 11.0, 12.0]
    assert first["forecast"].tolist() == [9.0, 9.0, 9.0]  # naive: the last value before the origin
    assert set(tidy["series_id"]) == {"series"} and set(tidy["model"]) == {"Naive"}


def test_fraction_start_lands_on_the_stride_grid_and_horizon_override():
    frame = hourly(range(100))
    tidy = backtest(Naive(input_width=4, horizon=24), frame, horizon=6, start=0.5, stride=10)
    assert tidy["step"].max() == 6
    # 0.5 of 99 steps is 49.5, rounded up to the grid 0, 10, 20, ...: origins 50, 60, 70, 80, 90
    assert list(tidy["origin"].unique()) == list(frame.index[[50, 60, 70, 80, 90]])


def test_no_look_ahead_changing_the_future_leaves_the_first_forecast_unchanged():
    rng = np.random.default_rng(0)
    values = np.sin(np.arange(300) * 2 * np.pi / 24) + rng.normal(0, 0.1, 300)
    frame = hourly(range(300), values)
    changed = frame.copy()
    changed.iloc[200:, 0] += 50.0  # everything from the first origin on
    model = LinearForecaster(input_width=24, horizon=6)
    a = backtest(model, frame, start=frame.index[200], stride=6)
    b = backtest(model, changed, start=frame.index[200], stride=6)
    first = a["origin"] == frame.index[200]
    np.testing.assert_allclose(a.loc[first, "forecast"], b.loc[first, "forecast"])
    assert not np.allclose(
        a.loc[~first, "forecast"], b.loc[~first, "forecast"]
    )  # later inputs differ


@pytest.mark.parametrize("refit, fits", [(False, 1), (True, 5), (2, 3)])
def test_refit_schedule_fits_on_data_before_each_block(monkeypatch, refit, fits):
    frame = hourly(range(60))
    seen = []
    original = LinearForecaster.fit

    def recording_fit(self, X, *args, **kwargs):
        seen.append(X.index.max())
        return original(self, X, *args, **kwargs)

    monkeypatch.setattr(LinearForecaster, "fit", recording_fit)
    tidy = backtest(
        LinearForecaster(input_width=4, horizon=2), frame, start=frame.index[40], stride=4
    )
    origins = list(tidy["origin"].unique())
    assert origins == list(frame.index[[40, 44, 48, 52, 56]])
    seen.clear()
    backtest(
        LinearForecaster(input_width=4, horizon=2),
        frame,
        start=frame.index[40],
        stride=4,
        refit=refit,
    )
    assert len(seen) == fits
    every = {False: 5, True: 1, 2: 2}[refit]
    assert seen == [origins[i] - pd.Timedelta(hours=1) for i in range(0, 5, every)]


def test_panel_backtest_makes_a_bounded_number_of_network_calls(monkeypatch):
    rng = np.random.default_rng(1)
    parts = {
        f"s{i:02d}": hourly(
            range(300), 10 + i + np.sin(np.arange(300) * 2 * np.pi / 24) + rng.normal(0, 0.1, 300)
        )
        for i in range(30)
    }
    frame = panel(parts)
    model = LSTMForecaster(
        input_width=12,
        horizon=4,
        units=(4,),
        dense_units=(),
        epochs=1,
        calendar=(),
        batch_size=256,
        random_state=0,
    )
    calls = {"forecast": 0, "network": 0, "windows": 0}
    original_forecast = LSTMForecaster._forecast
    original_call = keras.Model.__call__

    def counting_forecast(self, inputs):
        calls["forecast"] += 1
        calls["windows"] += len(inputs["past"] if isinstance(inputs, dict) else inputs)
        calls["inside"] = True
        try:
            return original_forecast(self, inputs)
        finally:
            calls["inside"] = False

    def counting_call(self, *args, **kwargs):  # outermost model calls only, not nested ones
        outermost = calls.get("inside") and not calls.get("depth")
        calls["network"] += bool(outermost)
        calls["depth"] = calls.get("depth", 0) + 1
        try:
            return original_call(self, *args, **kwargs)
        finally:
            calls["depth"] -= 1

    monkeypatch.setattr(LSTMForecaster, "_forecast", counting_forecast)
    monkeypatch.setattr(keras.Model, "__call__", counting_call)
    tidy = backtest(model, frame, start=frame.index[197][1], stride=1)  # origins at rows 197..296
    n_windows = 30 * 100
    assert tidy.groupby(["series_id", "origin"]).ngroups == n_windows
    assert calls["windows"] == n_windows
    assert calls["forecast"] == 1  # all 3,000 windows in one batch of 4,096
    assert calls["network"] == 3  # the estimator feeds the network 1,024 windows at a time
    assert len(tidy) == n_windows * 4


def test_compare_ranks_on_the_same_origins_with_hand_checked_metrics():
    rng = np.random.default_rng(2)
    values = 5 + np.sin(np.arange(24 * 20) * 2 * np.pi / 24) + rng.normal(0, 0.05, 24 * 20)
    frame = hourly(range(24 * 20), values).drop(index=hourly(range(200, 204)).index)  # a 4-hour gap
    models = {
        "naive": Naive(input_width=24, horizon=24),
        "seasonal": SeasonalNaive(season_length=24, input_width=24, horizon=24),
        "seasonal long": SeasonalNaive(season_length=24, input_width=72, horizon=24),
    }
    start = pd.Timestamp("2024-01-05")  # hour 96
    with pytest.warns(UserWarning, match="left out"):
        comparison = compare(models, frame, start=start, stride=24, details=True, verbose=False)
    board = comparison.leaderboard
    tidy = comparison.forecasts
    # after the gap, the 72-step model reads across it for three origins more: nobody is scored there
    hours = (tidy["origin"].drop_duplicates() - pd.Timestamp("2024-01-01")) / pd.Timedelta(hours=1)
    assert hours.tolist() == [96, 120, 144, 168, 288, 312, 336, 360, 384, 408, 432, 456]
    assert tidy.groupby("model").size().nunique() == 1
    naive = tidy[tidy["model"] == "naive"]
    mae = np.abs(naive["forecast"] - naive["actual"]).mean()
    assert board.loc["naive", "mae"] == pytest.approx(mae)
    scale = seasonal_naive_scale(values[:96], 24)  # rows before the first origin
    assert board.loc["naive", "mase"] == pytest.approx(mae / scale)
    assert board.loc["naive", "bias"] == pytest.approx((naive["forecast"] - naive["actual"]).mean())
    assert board.index[0].startswith("seasonal") and board.index[-1] == "naive"
    assert board["mae"].is_monotonic_increasing
    assert board.loc["seasonal", "skill"] == pytest.approx(0.0)
    assert board.loc["naive", "skill"] == pytest.approx(1 - mae / board.loc["seasonal", "mae"])
    assert board["baseline"].all()


def test_compare_adds_baselines_when_none_is_given():
    frame = hourly(range(24 * 10), np.tile(np.arange(24.0), 10))
    board = compare(
        {"linear-free": Naive(input_width=48, horizon=24)}, frame, start=0.5, verbose=False
    )
    assert set(board.index) == {"linear-free"}  # Naive is a baseline itself
    model = LSTMForecaster(
        input_width=48, horizon=24, units=(2,), dense_units=(), epochs=1, calendar=()
    )
    board = compare({"lstm": model}, frame, start=0.6, verbose=False, metrics=("mae",))
    assert set(board.index) == {"lstm", "Naive", "SeasonalNaive"}
    assert board.loc["SeasonalNaive", "mae"] == pytest.approx(0.0)  # the data repeat every day
    assert not board.loc["lstm", "baseline"]


def test_bad_arguments_get_clear_errors():
    frame = hourly(range(40))
    model = Naive(input_width=2, horizon=3)
    with pytest.raises(DataValidationError, match="whole horizon"):
        backtest(model, frame, start=frame.index[39])
    with pytest.raises(DataValidationError, match="whole horizon"):
        backtest(model, frame, start="2030-01-01")
    with pytest.raises(ValueError, match="refit"):
        backtest(model, frame, refit="often")
    with pytest.raises(ValueError, match="stride"):
        backtest(model, frame, stride=0)
    with pytest.raises(TypeError, match="forecaster of this package"):
        backtest(object(), frame)
    with pytest.raises(ValueError, match="sort_by"):
        compare({"n": model}, frame, sort_by="mape")
    with pytest.raises(DataValidationError, match="rows .input width . horizon. a fit needs"):
        backtest(Naive(input_width=10, horizon=3), frame, start=frame.index[5])


def test_comparison_report_and_plots(tmp_path):
    frame = forecast.load_dataset("electricity_hourly").iloc[-24 * 40 :]
    models = {
        "SeasonalNaive(24)": SeasonalNaive(24, input_width=48, horizon=24),
        "Linear": LinearForecaster(input_width=48, horizon=24),
    }
    comparison = compare(models, frame, start=0.75, details=True, verbose=False)
    assert "Linear" in str(comparison)
    assert comparison.summary["origins"] == comparison.forecasts["origin"].nunique()
    figure = comparison.plot_error_by_step()
    assert figure.axes
    report = comparison.report(tmp_path / "report", unit="kW")
    text = report.read_text()
    assert "SeasonalNaive(24)" in text and "Linear" in text


def test_summary_counts_the_series_that_have_backtest_windows():
    # "b" ends before the first origin: it is in the data, not in the evaluation.
    frame = panel(
        {
            "a": hourly(np.arange(48), values=np.arange(48.0)),
            "b": hourly(np.arange(10), values=np.ones(10)),
        }
    )
    comparison = compare(
        {"Naive": Naive(input_width=4, horizon=2)},
        frame,
        start=pd.Timestamp("2024-01-02 16:00"),
        details=True,
        verbose=False,
    )
    assert comparison.summary["series"] == 2
    assert comparison.summary["series with backtest windows"] == 1
    assert set(comparison.forecasts["series_id"]) == {"a"}
