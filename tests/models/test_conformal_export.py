"""ConformalForecaster.export: the calibrated quantiles in the serving signature, equal to the
in-memory wrapper's (also in a fresh process with plain TensorFlow), and the metadata."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from conftest import hourly, panel

import forecast
from forecast import ConformalForecaster, LSTMForecaster, Naive, SeasonalNaive
from forecast.models import conformal_scores as cs

tf = pytest.importorskip("tensorflow")

NEURAL = dict(input_width=48, horizon=6, units=(4,), dense_units=(4,), epochs=1, random_state=0)


def series(n=24 * 10, seed=0, scale=1.0):
    rng = np.random.default_rng(seed)
    hours = np.arange(n)
    values = scale * (100 + 20 * np.sin(2 * np.pi * hours / 24) + rng.normal(0, 2, n))
    return hourly(hours, values=values, temp=rng.normal(size=n))


def two_series():
    return panel({"a": series(seed=1), "b": series(n=24 * 9, seed=2, scale=10.0)})


def assert_loaded_equals_in_memory(model, loaded, frame, coverage=0.8):
    np.testing.assert_allclose(
        loaded.predict(frame).to_numpy(), model.predict(frame).to_numpy(), rtol=1e-6
    )
    expected = model.predict_quantiles(frame)
    got = loaded.predict_quantiles(frame)
    assert got.columns.tolist() == expected.columns.tolist()
    assert got.index.equals(expected.index)
    np.testing.assert_allclose(got.to_numpy(), expected.to_numpy(), rtol=1e-6)
    bands = model.predict_interval(frame, coverage)
    assert loaded.predict_interval(frame, coverage).columns.tolist() == bands.columns.tolist()
    np.testing.assert_allclose(
        loaded.predict_interval(frame, coverage).to_numpy(), bands.to_numpy(), rtol=1e-6
    )


@pytest.mark.parametrize("scale", [None, "local"])
@pytest.mark.parametrize("method", ["absolute", "signed"])
def test_a_conformal_seasonal_naive_serves_the_calibrated_quantiles(tmp_path, method, scale):
    frame = two_series()[["y"]]
    model = ConformalForecaster(
        SeasonalNaive(24, input_width=48, horizon=6),
        coverage=(0.8, 0.95),
        method=method,
        scale=scale,
    ).fit(frame)
    path = model.export(tmp_path / "conformal")
    loaded = forecast.load(path)
    assert loaded.quantile_levels == (0.025, 0.1, 0.5, 0.9, 0.975)
    assert_loaded_equals_in_memory(model, loaded, frame)
    # the graph's quantiles are the inner graph's forecast moved by the offsets of scores_
    windows = model.windows(frame)
    inputs, _ = windows.arrays("train")
    out = loaded._signature(past=tf.constant(inputs[:5]))
    point = model.model_.forecast_windows(windows, "train")[:5]
    np.testing.assert_array_equal(out["forecast"].numpy(), point.astype(np.float32))
    offsets = cs.quantile_offsets(model.scores_, model.quantile_levels_, method)
    spread = 1.0
    if scale == "local":
        spread = cs.floored(cs.local_spread(inputs[:5]), model.spread_floor_)[..., None]
    np.testing.assert_allclose(
        out["quantiles"].numpy(), point[..., None] + spread * offsets, rtol=1e-6
    )
    if method == "absolute" and scale is None:  # symmetric, the same for every window
        moved = out["quantiles"].numpy() - out["forecast"].numpy()[..., None]
        np.testing.assert_allclose(moved[..., 3], -moved[..., 1], rtol=1e-5)
        np.testing.assert_allclose(moved[0], moved[4], rtol=1e-5, atol=1e-4)


def test_the_metadata_records_the_wrapper_its_inner_model_and_its_calibration(tmp_path):
    frame = series()[["y"]]
    model = ConformalForecaster(Naive(input_width=8, horizon=3), coverage=0.9, scale="local")
    path = model.fit(frame).export(tmp_path / "conformal", name="naive_90")
    meta = json.loads((path / "assets" / "forecast.json").read_text())
    assert (meta["model"], meta["name"]) == ("ConformalForecaster", "naive_90")
    assert meta["quantile_levels"] == [0.05, 0.5, 0.95]
    assert meta["signature"]["outputs"] == ["forecast", "quantiles"]
    assert meta["inner_model"]["model"] == "Naive"
    assert meta["inner_model"]["params"]["input_width"] == 8
    conformal = meta["conformal"]
    assert conformal["levels"] == [0.05, 0.5, 0.95] and conformal["coverage"] == [0.9]
    assert (conformal["method"], conformal["scale"], conformal["cqr"]) == (
        "absolute",
        "local",
        False,
    )
    assert conformal["n_calibration_windows"] == model.n_calibration_windows_
    assert conformal["calibrated_until"] == str(frame.index[-1])
    assert "fixed at export" in conformal["calibration"]
    assert "in memory only" in conformal["calibration"]
    assert ConformalForecaster(Naive()).get_tag("exportable")


def test_a_refitted_wrapper_exports_its_refitted_model_with_the_same_offsets(tmp_path):
    frame = series()[["y"]]
    model = ConformalForecaster(forecast.LinearForecaster(input_width=12, horizon=3), coverage=0.8)
    model.fit(frame.iloc[:200]).refit_full(frame)
    loaded = forecast.load(model.export(tmp_path / "refitted"))
    assert loaded.fit_record.fit == "refit"
    assert_loaded_equals_in_memory(model, loaded, frame)


def test_cqr_around_a_one_epoch_quantile_lstm_moves_the_networks_own_bounds(tmp_path):
    frame = two_series()
    inner = LSTMForecaster(covariates=("temp",), quantiles=(0.05, 0.1, 0.5, 0.9, 0.95), **NEURAL)
    model = ConformalForecaster(inner, coverage=0.8).fit(frame)
    assert model.cqr_ and model.quantile_levels_ == (0.1, 0.5, 0.9)
    path = model.export(tmp_path / "cqr")
    loaded = forecast.load(path)
    assert loaded.quantile_levels == (0.1, 0.5, 0.9) and loaded.metadata["conformal"]["cqr"]
    assert_loaded_equals_in_memory(model, loaded, frame)
    windows = model.windows(frame)
    inputs, _ = windows.arrays("train")
    out = loaded._signature(
        past=tf.constant(inputs["past"][:4]), future=tf.constant(inputs["future"][:4])
    )
    own = model.model_.forecast_quantile_windows(windows, (0.1, 0.5, 0.9), "train")[:4]
    offsets = cs.cqr_offsets(model.scores_, (0.8,), (0.1, 0.5, 0.9))
    np.testing.assert_allclose(out["quantiles"].numpy(), own + offsets, rtol=1e-5)
    np.testing.assert_allclose(out["forecast"].numpy(), own[..., 1], rtol=1e-5)


def test_an_inner_model_that_cannot_be_exported_is_a_clear_error(tmp_path):
    model = ConformalForecaster(forecast.AutoETS(season_length=24, horizon=3), coverage=0.8)
    assert not model.get_tag("exportable")  # the inner model's tag
    with pytest.raises(NotImplementedError, match="ConformalForecaster cannot be exported"):
        model.export(tmp_path / "ets")
    assert not (tmp_path / "ets").exists()


FRESH_PROCESS = """
import json, sys
import numpy as np
import pandas as pd
import tensorflow as tf
signature = tf.saved_model.load(sys.argv[1]).signatures["serving_default"]
arrays = np.load(sys.argv[2])
out = signature(past=tf.constant(arrays["past"]), future=tf.constant(arrays["future"]))
import forecast
loaded = forecast.load(sys.argv[1])
frame = pd.read_pickle(sys.argv[3])
print(json.dumps({
    "graph_forecast": out["forecast"].numpy().tolist(),
    "graph_quantiles": out["quantiles"].numpy().tolist(),
    "forecast": loaded.predict(frame).to_numpy().tolist(),
    "quantiles": loaded.predict_quantiles(frame).to_numpy().tolist(),
    "interval": loaded.predict_interval(frame, (0.8, 0.95)).to_numpy().tolist(),
}))
"""


def test_a_conformal_one_epoch_lstm_has_parity_in_a_fresh_process_with_plain_tensorflow(tmp_path):
    frame = two_series()
    model = ConformalForecaster(
        LSTMForecaster(covariates=("temp",), **NEURAL),
        coverage=(0.8, 0.95),
        method="signed",
        scale="local",
    ).fit(frame)
    path = model.export(tmp_path / "conformal_lstm")
    windows = model.windows(frame)
    inputs, _ = windows.arrays("train")
    np.savez(tmp_path / "windows.npz", past=inputs["past"][:7], future=inputs["future"][:7])
    frame.to_pickle(tmp_path / "frame.pkl")  # the frame only: the model travels as a SavedModel
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            FRESH_PROCESS,
            str(path),
            str(tmp_path / "windows.npz"),
            str(tmp_path / "frame.pkl"),
        ],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
    )
    got = json.loads(result.stdout.strip().splitlines()[-1])
    levels = model.quantile_levels_
    np.testing.assert_allclose(
        got["graph_forecast"], model.forecast_windows(windows, "train")[:7], rtol=1e-5
    )
    np.testing.assert_allclose(
        got["graph_quantiles"],
        model.forecast_quantile_windows(windows, levels, "train")[:7],
        rtol=1e-5,
    )
    np.testing.assert_allclose(got["forecast"], model.predict(frame).to_numpy(), rtol=1e-5)
    np.testing.assert_allclose(
        got["quantiles"], model.predict_quantiles(frame).to_numpy(), rtol=1e-5
    )
    np.testing.assert_allclose(
        got["interval"], model.predict_interval(frame, (0.8, 0.95)).to_numpy(), rtol=1e-5
    )


def test_gaps_in_the_last_window_are_filled_before_the_local_spread(tmp_path):
    frame = two_series()[["y"]]
    frame.loc[("a", frame.loc["a"].index[-30:-27]), "y"] = np.nan  # an outage of three hours
    model = ConformalForecaster(
        SeasonalNaive(24, input_width=48, horizon=6), coverage=0.8, scale="local"
    ).fit(frame)
    loaded = forecast.load(model.export(tmp_path / "conformal"))
    assert_loaded_equals_in_memory(model, loaded, frame)
    # plain windows with the gap: the graph fills them as the estimator's windows are filled
    past = frame.loc["a", "y"].to_numpy()[-48:].reshape(1, 48, 1).astype(np.float32)
    out = loaded._signature(past=tf.constant(past))["quantiles"].numpy()
    expected = model.predict_quantiles(frame).loc["a"].to_numpy().reshape(1, 6, 1, 3)
    np.testing.assert_allclose(out, expected, rtol=1e-6)
