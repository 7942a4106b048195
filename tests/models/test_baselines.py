"""Baselines: hand-computed forecasts through the shared fit / predict / score contract."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from conftest import hourly, panel

from forecast import (
    DataValidationError,
    Drift,
    LinearForecaster,
    Naive,
    SeasonalNaive,
    WindowAverage,
)

VALUES = [1.0, 5.0, 2.0, 6.0, 3.0, 7.0]  # season 2: odd steps low, even steps high


def fit_predict(model, frame):
    return model.fit(frame).predict(frame)


def test_naive_repeats_the_last_value_at_future_timestamps():
    out = fit_predict(Naive(input_width=3, horizon=2), hourly(range(6), values=VALUES))
    assert out["y"].tolist() == [7.0, 7.0]
    assert out.index.tolist() == [
        pd.Timestamp("2024-01-01 06:00"),
        pd.Timestamp("2024-01-01 07:00"),
    ]


def test_seasonal_naive_repeats_the_last_season():
    out = fit_predict(
        SeasonalNaive(season_length=2, input_width=3, horizon=3), hourly(range(6), values=VALUES)
    )
    assert out["y"].tolist() == [3.0, 7.0, 3.0]


def test_seasonal_naive_infers_the_season_from_the_frequency():
    frame = hourly(range(200), values=np.sin(np.arange(200) * 2 * np.pi / 24))
    model = SeasonalNaive(input_width=48, horizon=24).fit(frame)
    assert model.season_length_ == 24
    np.testing.assert_allclose(model.predict(frame)["y"], frame["y"].iloc[-24:].to_numpy())
    assert model.score(frame) == pytest.approx(0.0, abs=1e-12)
    with pytest.raises(ValueError, match="season_length 24 is longer than input_width 12"):
        SeasonalNaive(input_width=12, horizon=1).fit(frame)


def test_window_average_and_drift():
    frame = hourly(range(6), values=VALUES)
    assert fit_predict(WindowAverage(window=2, input_width=4, horizon=2), frame)["y"].tolist() == [
        5.0,
        5.0,
    ]
    assert fit_predict(WindowAverage(input_width=4, horizon=1), frame)["y"].tolist() == [4.5]
    drift = fit_predict(Drift(input_width=4, horizon=2), frame)["y"].tolist()
    assert drift == pytest.approx([7.0 + 5 / 3, 7.0 + 10 / 3])  # slope (7 - 2) / 3


def test_score_is_negative_mae_over_every_window():
    frame = hourly(range(6), values=VALUES)
    model = Naive(input_width=2, horizon=1).fit(frame)
    # windows: origins 2..5 forecast the previous value: |2-5| + |6-2| + |3-6| + |7-3| = 14
    assert model.score(frame) == pytest.approx(-14 / 4)


def test_panel_forecasts_every_series():
    frame = panel(
        {"a": hourly(range(6), values=VALUES), "b": hourly(range(4), values=[10.0, 20, 30, 40])}
    )
    out = fit_predict(Naive(input_width=2, horizon=2), frame)
    assert out.index.names == ["series_id", "timestamp"]
    assert out.loc["a", "y"].tolist() == [7.0, 7.0] and out.loc["b", "y"].tolist() == [40.0, 40.0]
    assert out.loc["b"].index[0] == pd.Timestamp("2024-01-01 04:00")


def test_linear_forecaster_learns_a_linear_recurrence():
    rng = np.random.default_rng(0)
    noise = rng.normal(size=400)
    values = np.zeros(400)
    for t in range(2, 400):
        values[t] = 0.6 * values[t - 1] - 0.3 * values[t - 2] + noise[t]
    frame = hourly(range(400), values=values)
    model = LinearForecaster(alpha=1e-6, input_width=2, horizon=1).fit(frame.iloc[:300])
    expected = 0.6 * values[-1] - 0.3 * values[-2]
    assert model.predict(frame)["y"].iloc[0] == pytest.approx(expected, abs=0.15)
    assert -model.score(frame.iloc[300:]) < -Naive(input_width=2, horizon=1).fit(frame).score(
        frame.iloc[300:]
    )


def test_linear_forecaster_uses_future_calendar_features():
    hours = np.arange(24 * 30)
    noise = np.random.default_rng(0).normal(0, 3.0, len(hours))  # the lags alone say little
    frame = hourly(hours, values=10 * np.sin(2 * np.pi * hours / 24) + noise)
    model = LinearForecaster(alpha=1e-3, input_width=3, horizon=2, calendar=("hour",)).fit(frame)
    assert model.input_columns_ == ("y", "hour_sin", "hour_cos")
    expected = 10 * np.sin(2 * np.pi * np.array([0, 1]) / 24)  # the next steps are hours 0 and 1
    assert model.predict(frame)["y"].tolist() == pytest.approx(expected, abs=1.0)
    without = LinearForecaster(alpha=1e-3, input_width=3, horizon=2).fit(frame.iloc[:600])
    with_calendar = LinearForecaster(alpha=1e-3, input_width=3, horizon=2, calendar=("hour",)).fit(
        frame.iloc[:600]
    )
    assert with_calendar.score(frame.iloc[600:]) > without.score(frame.iloc[600:]) + 1.0


def test_baselines_raise_clear_errors():
    with pytest.raises(DataValidationError, match="target column not found"):
        Naive(input_width=2, target="load").fit(hourly(range(6)))
    with pytest.raises(DataValidationError, match="fewer than one window"):
        Naive(input_width=5, horizon=3).fit(hourly(range(6)))
    with pytest.raises(ValueError, match="horizon must be an integer >= 1"):
        Naive(horizon=0).fit(hourly(range(6)))


def test_missing_policy_argument_fills_or_refuses_nan_inputs():
    from forecast.errors import DataValidationError

    values = np.arange(30.0)
    values[-1] = np.nan  # the last input of the next forecast
    frame = hourly(range(30), values)
    filled = Naive(input_width=4, horizon=2).fit(frame.iloc[:-1]).predict(frame)
    assert filled["y"].tolist() == [28.0, 28.0]  # carried forward from the row before
    strict = Naive(input_width=4, horizon=2, missing={"inputs": "drop", "limit": 0}).fit(
        frame.iloc[:-1]
    )
    with pytest.raises(DataValidationError):
        strict.predict(frame)
    with pytest.raises(ValueError, match="missing must have the keys"):
        Naive(input_width=4, horizon=2, missing={"fill": "zero"}).fit(frame)


BASELINES = {
    "naive": lambda: Naive(input_width=4, horizon=2),
    "seasonal_naive": lambda: SeasonalNaive(season_length=2, input_width=4, horizon=3),
    "window_average": lambda: WindowAverage(window=3, input_width=4, horizon=2),
    "drift": lambda: Drift(input_width=4, horizon=2),
    "linear": lambda: LinearForecaster(
        alpha=0.1, input_width=4, horizon=2, covariates=("x",), calendar=("hour",)
    ),
}


@pytest.mark.parametrize("name", sorted(BASELINES))
def test_pickle_round_trip_gives_identical_forecasts(name):
    rng = np.random.default_rng(0)
    frame = hourly(range(40), values=rng.normal(size=40), x=rng.normal(size=40))
    model = BASELINES[name]().fit(frame)
    restored = pickle.loads(pickle.dumps(model))
    pd.testing.assert_frame_equal(restored.predict(frame), model.predict(frame), check_exact=True)
    assert restored.score(frame) == model.score(frame)
    assert (
        restored.get_params() == model.get_params()
        and restored.input_columns_ == model.input_columns_
    )


def test_two_targets_forecast_both_columns():
    z = [10.0, 20.0, 30.0, 40.0, 50.0, 60.0]
    frame = hourly(range(6), values=VALUES, z=z)
    out = fit_predict(
        SeasonalNaive(season_length=2, input_width=3, horizon=3, target=("z", "y")), frame
    )
    assert list(out.columns) == ["z", "y"]
    assert out["z"].tolist() == [50.0, 60.0, 50.0] and out["y"].tolist() == [3.0, 7.0, 3.0]
    # y = t and z = 100 - 3t are straight lines: a linear model continues both exactly
    t = np.arange(50.0)
    ramps = hourly(range(50), values=t, z=100 - 3 * t)
    linear = fit_predict(
        LinearForecaster(alpha=1e-9, input_width=2, horizon=2, target=("y", "z")), ramps
    )
    assert list(linear.columns) == ["y", "z"]
    np.testing.assert_allclose(
        linear.to_numpy(), [[50.0, 100 - 150.0], [51.0, 100 - 153.0]], atol=1e-4
    )


def test_unseen_category_through_fit_and_predict_is_all_zeros_with_a_warning():
    """A covariate category that training never saw is encoded as an all-zero row, with a
    warning naming the category and the column, through LinearForecaster's fit and predict."""
    kinds = np.array(["a", "b"] * 20, dtype=object)
    values = np.where(kinds == "b", 10.0, 0.0) + np.arange(40) * 0.01
    frame = hourly(range(40), values=values, kind=kinds)
    model = LinearForecaster(alpha=1e-3, input_width=3, horizon=1, covariates=("kind",)).fit(
        frame.iloc[:-2]
    )
    assert model.input_columns_ == ("y", "kind=a", "kind=b")
    test = frame.copy()
    test.iloc[-1, test.columns.get_loc("kind")] = "c"
    with pytest.warns(
        UserWarning, match=r"covariate 'kind': categories \['c'\] were not seen in the training"
    ) as record:
        out = model.predict(test)
    assert "timestamp 2024-01-02 15:00:00" in str(record[0].message)  # the row of the unseen "c"
    assert test["kind"].iloc[-3:].tolist() == ["b", "a", "c"]
    past = np.column_stack([test["y"].iloc[-3:], [[0, 1], [1, 0], [0, 0]]])  # "b", "a", then zeros
    expected = np.ravel(model.model_.predict(past.reshape(1, -1)))[0]
    assert out["y"].iloc[0] == pytest.approx(expected, rel=1e-6)  # windows hold float32
    known = test.copy()
    known.iloc[-1, known.columns.get_loc("kind")] = "a"
    assert out["y"].iloc[0] != pytest.approx(
        model.predict(known)["y"].iloc[0], abs=0.1
    )  # "c" is not "a"


NO_TENSORFLOW = """
import json, sys
import numpy as np
import pandas as pd
from forecast import Drift, LinearForecaster, Naive, SeasonalNaive, WindowAverage
hours = np.arange(100)
index = pd.DatetimeIndex(pd.Timestamp("2024-01-01") + pd.to_timedelta(hours, unit="h"), name="timestamp")
frame = pd.DataFrame({"y": np.sin(hours / 3.0) + hours / 50.0, "x": np.cos(hours / 5.0)}, index=index)
models = [Naive(input_width=24, horizon=3), SeasonalNaive(input_width=24, horizon=3),
          WindowAverage(window=5, input_width=24, horizon=3), Drift(input_width=24, horizon=3),
          LinearForecaster(input_width=24, horizon=3, covariates=("x",), calendar="auto")]
out = {type(m).__name__: m.fit(frame).predict(frame)["y"].tolist() for m in models}
loaded = sorted(name for name in sys.modules if name.split(".")[0] in ("tensorflow", "keras"))
print(json.dumps({"forecasts": out, "loaded": loaded}))
"""


def test_baselines_fit_and_predict_without_importing_tensorflow():
    result = subprocess.run(
        [sys.executable, "-c", NO_TENSORFLOW], capture_output=True, text=True, check=True
    )
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer["loaded"] == []  # neither tensorflow nor keras was imported
    hours = np.arange(100)
    frame = hourly(hours, values=np.sin(hours / 3.0) + hours / 50.0, x=np.cos(hours / 5.0))
    assert answer["forecasts"]["Naive"] == pytest.approx([frame["y"].iloc[-1]] * 3, rel=1e-6)
    assert answer["forecasts"]["SeasonalNaive"] == pytest.approx(
        frame["y"].iloc[-24:-21].tolist(), rel=1e-6
    )
    linear = LinearForecaster(input_width=24, horizon=3, covariates=("x",), calendar="auto").fit(
        frame
    )
    assert answer["forecasts"]["LinearForecaster"] == pytest.approx(
        linear.predict(frame)["y"].tolist(), rel=1e-9
    )
    assert len(answer["forecasts"]) == 5 and all(
        np.isfinite(v).all() for v in answer["forecasts"].values()
    )


@pytest.mark.parametrize("freq, season", [("D", 7), ("MS", 12), ("10min", 144)])
def test_seasonal_naive_infers_daily_monthly_and_ten_minute_seasons(freq, season):
    n = 3 * season + 5
    index = pd.date_range("2020-01-01", periods=n, freq=freq, name="timestamp")
    frame = pd.DataFrame({"y": np.random.default_rng(season).normal(size=n)}, index=index)
    model = SeasonalNaive(input_width=2 * season, horizon=season + 2).fit(frame)
    assert model.season_length_ == season
    out = model.predict(frame)["y"]
    # every forecast is the value one season before its own timestamp (a forecast itself past
    # the first season)
    known = pd.concat([frame["y"], out])
    step = pd.tseries.frequencies.to_offset(freq)
    for stamp, value in out.items():  # windows hold float32: the very value, rounded to float32
        assert value == np.float32(known[stamp - season * step]), stamp
    assert out.iloc[:season].tolist() == frame["y"].iloc[-season:].astype(np.float32).tolist()


RAMP = np.arange(50.0)  # y = t: a linear model continues it exactly
KERNEL_CASES = {  # model, its training values, the forecast of the last window by hand
    "naive": (lambda: Naive(input_width=4, horizon=2), VALUES, [7.0, 7.0]),
    "seasonal_naive": (
        lambda: SeasonalNaive(season_length=2, input_width=3, horizon=3),
        VALUES,
        [3.0, 7.0, 3.0],
    ),
    "window_average": (
        lambda: WindowAverage(window=3, input_width=4, horizon=2),
        VALUES,
        [16 / 3, 16 / 3],
    ),
    "drift": (lambda: Drift(input_width=4, horizon=2), VALUES, [7 + 5 / 3, 7 + 10 / 3]),
    "linear": (
        lambda: LinearForecaster(alpha=1e-9, input_width=2, horizon=2),
        RAMP,
        [50.0, 51.0],
    ),
}


@pytest.mark.parametrize("name", sorted(KERNEL_CASES))
def test_in_memory_and_served_forecasts_are_the_same_kernel(name):
    """``_forecast`` (NumPy) and ``_serving_function`` (keras.ops in a TensorFlow graph) run
    one kernel: both give the hand-computed forecast, and the very same numbers."""
    tf = pytest.importorskip("tensorflow")
    make, values, expected = KERNEL_CASES[name]
    model = make().fit(hourly(range(len(values)), values=values))
    past = np.asarray(values[-model.input_width_ :], np.float32).reshape(1, -1, 1)
    in_memory = model._forecast(past)
    served = tf.function(model._serving_function())(tf.constant(past), None).numpy()
    assert in_memory.dtype == served.dtype == np.float64
    assert in_memory[0, :, 0].tolist() == pytest.approx(expected, abs=1e-4)  # ridge: ~4e-6 off
    np.testing.assert_allclose(served, in_memory, rtol=1e-12, atol=1e-12)
