"""Quantile networks (``quantiles=`` on the recurrent forecasters): the median is the point
forecast, the levels are those trained, units and panels scale every level alike, and a short
fit on noisy data covers about what it should."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
from conftest import hourly, panel

from forecast import GRUForecaster, LSTMForecaster, RNNForecaster, SeasonalNaive
from forecast.models.probabilistic import PointForecastError

keras = pytest.importorskip("keras")

TINY = dict(units=(4,), dense_units=(4,), epochs=1, random_state=0)


def noisy_cycle(n=24 * 10, seed=0, scale=1.0):
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    y = 10 * np.sin(2 * np.pi * t / 24) + rng.normal(size=n)
    return hourly(t, scale * y, z=scale * (2 * y + rng.normal(size=n)))


def test_predict_is_the_median_and_only_trained_levels_are_given():
    frame = noisy_cycle()
    model = LSTMForecaster(input_width=24, horizon=3, quantiles=(0.9, 0.1), **TINY).fit(frame)
    assert model.quantile_levels_ == (0.1, 0.5, 0.9)  # the median added, sorted
    assert model.get_tag("probabilistic") and not LSTMForecaster().get_tag("probabilistic")
    assert model.get_params()["quantiles"] == (0.9, 0.1)  # stored unchanged
    quantiles = model.predict_quantiles(frame)
    assert quantiles.columns.tolist() == [("y", 0.1), ("y", 0.5), ("y", 0.9)]
    np.testing.assert_array_equal(model.predict(frame)["y"], quantiles[("y", 0.5)])
    values = quantiles.to_numpy()
    assert (np.diff(values, axis=1) > 0).all()
    bands = model.predict_interval(frame, 0.8)
    np.testing.assert_array_equal(bands[("y", 0.8, "upper")], quantiles[("y", 0.9)])
    windows = model.windows(frame)
    np.testing.assert_allclose(
        model.forecast_quantile_windows(windows, (0.5,), "train")[..., 0],
        model.forecast_windows(windows, "train"),
    )
    with pytest.raises(
        ValueError, match=r"trained for the quantiles \[0.1, 0.5, 0.9\], not \[0.05"
    ):
        model.predict_interval(frame, 0.9)
    again = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(again.predict_quantiles(frame).to_numpy(), values)


def test_refit_full_keeps_a_quantile_network():
    frame = noisy_cycle()
    model = GRUForecaster(input_width=24, horizon=2, quantiles=(0.25, 0.75), **TINY)
    model.fit(frame.iloc[:-48]).refit_full(frame)
    assert model.refitted_ and model.quantile_levels_ == (0.25, 0.5, 0.75)
    quantiles = model.predict_quantiles(frame)
    assert quantiles.index[0] == frame.index[-1] + pd.Timedelta(hours=1)
    np.testing.assert_array_equal(model.predict(frame)["y"], quantiles[("y", 0.5)])


def test_a_point_network_names_the_parameter_to_set():
    model = GRUForecaster(input_width=24, horizon=2, **TINY).fit(noisy_cycle())
    assert model.quantile_levels_ is None
    with pytest.raises(PointForecastError, match=r"set quantiles=\(0.1, 0.5, 0.9\) on it"):
        model.predict_quantiles(noisy_cycle())
    with pytest.raises(ValueError, match=r"quantiles must be a number in \(0, 1\)"):
        LSTMForecaster(quantiles=(0.1, 1.5)).fit(noisy_cycle())
    with pytest.raises(ValueError, match=r"loss='mse' cannot be combined with quantiles"):
        LSTMForecaster(input_width=24, horizon=2, quantiles=(0.1, 0.9), loss="mse").fit(
            noisy_cycle()
        )


def test_the_untrained_median_is_the_anchor_in_original_units():
    frame = noisy_cycle(scale=100.0)
    model = LSTMForecaster(
        input_width=48, horizon=6, residual="seasonal", season_length=24, quantiles=(0.1, 0.9),
        **TINY,
    ).fit(frame)  # fmt: skip
    median_layer = [
        layer
        for layer in model.network_.layers
        if isinstance(layer, keras.layers.Dense) and layer.name != "increments"
    ][-1]
    median_layer.set_weights([np.zeros_like(w) for w in median_layer.get_weights()])
    expected = SeasonalNaive(24, input_width=48, horizon=6).fit(frame).predict(frame)["y"]
    np.testing.assert_allclose(model.predict(frame)["y"], expected, rtol=1e-5)
    quantiles = model.predict_quantiles(frame)
    assert (quantiles[("y", 0.1)] < expected).all() and (quantiles[("y", 0.9)] > expected).all()


@pytest.mark.parametrize(
    "strategy, residual", [("direct", "last"), ("seq2seq", "seasonal"), ("autoregressive", None)]
)
def test_a_panel_tenfold_scaled_gets_every_quantile_tenfold(strategy, residual):
    """Per-window scaling sees the same scaled windows in both series, so every level of every
    step and target of the series ten times larger is ten times larger: unscaling keeps the
    order and scales the fan."""
    frame = panel({"a": noisy_cycle(), "b": noisy_cycle(scale=10.0)})
    model = RNNForecaster(
        "gru", input_width=24, horizon=3, target=("y", "z"), scaling="window", strategy=strategy,
        residual=residual, season_length=24, calendar=(), quantiles=(0.05, 0.25, 0.75, 0.95),
        **TINY,
    ).fit(frame)  # fmt: skip
    quantiles = model.predict_quantiles(frame)
    assert quantiles.columns.get_level_values("target").unique().tolist() == ["y", "z"]
    a, b = quantiles.loc["a"].to_numpy(), quantiles.loc["b"].to_numpy()
    np.testing.assert_allclose(b, 10.0 * a, rtol=1e-4, atol=1e-4)
    for target in ("y", "z"):
        assert (np.diff(quantiles[target].to_numpy(), axis=1) > 0).all()
        np.testing.assert_array_equal(model.predict(frame)[target], quantiles[(target, 0.5)])


def test_a_seed_ensemble_averages_every_level():
    frame = noisy_cycle()
    model = LSTMForecaster(
        input_width=24, horizon=2, quantiles=(0.1, 0.9), n_models=2, calendar=(), residual=None,
        **TINY,
    ).fit(frame)  # fmt: skip
    windows = model.windows(frame)
    inputs, _ = windows.arrays("train")
    scaled, center, scale = model.model_.get_layer("scaler")(inputs)
    members = [keras.ops.convert_to_numpy(net({"past": scaled})) for net in model.networks_]
    center, scale = (keras.ops.convert_to_numpy(v)[..., None] for v in (center, scale))
    expected = (members[0] + members[1]) / 2 * scale + center
    got = model.forecast_quantile_windows(windows, (0.1, 0.5, 0.9), "train")
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)
    assert (np.diff(got, axis=-1) > 0).all() and not np.allclose(members[0], members[1])


def test_a_short_fit_on_noisy_data_covers_about_ten_percent_in_each_tail():
    """About three seconds: 3 epochs at a high learning rate widen the narrow untrained fan
    to the unit noise (N(0, 1) around a daily cycle the seasonal anchor knows)."""
    rng = np.random.default_rng(0)
    t = np.arange(24 * 80)
    frame = hourly(t, 10 * np.sin(2 * np.pi * t / 24) + rng.normal(size=t.size))
    model = LSTMForecaster(
        input_width=24, horizon=2, units=(8,), dense_units=(), epochs=3, learning_rate=1e-2,
        batch_size=128, random_state=0, quantiles=(0.1, 0.9), residual="seasonal", calendar=(),
    ).fit(frame.iloc[: 24 * 60])  # fmt: skip
    assert model.best_epochs_[0] > 0  # training beat the narrow untrained fan on pinball
    windows = model.windows(frame.iloc[24 * 60 - 24 :])  # the windows after the fitted rows
    labels = windows.arrays("train")[1][..., 0]
    bands = model.forecast_quantile_windows(windows, (0.1, 0.9), "train")[..., 0, :]
    below, above = np.mean(labels < bands[..., 0]), np.mean(labels > bands[..., 1])
    assert below == pytest.approx(0.1, abs=0.04) and above == pytest.approx(0.1, abs=0.04)


DISTRIBUTED_RUN = r"""
import json, os, socket, sys
import numpy as np
import pandas as pd
import tensorflow as tf

if sys.argv[1] == "mirrored":
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
import forecast

t = np.arange(24 * 12)
rng = np.random.default_rng(0)
index = __import__("pandas").date_range("2024-01-01", periods=t.size, freq="h", name="timestamp")
frame = __import__("pandas").DataFrame({"y": 10 * np.sin(2 * np.pi * t / 24) + rng.normal(size=t.size)}, index)
out = {}
for distribution in (sys.argv[1], "default"):  # a multi-worker strategy first of all
    model = forecast.LSTMForecaster(input_width=24, horizon=3, units=(4,), dense_units=(), epochs=2,
                                    batch_size=32, random_state=0, residual=None, calendar=(),
                                    quantiles=(0.1, 0.9), distribution=distribution).fit(frame)
    out[distribution] = {"loss": model.history_["loss"],
                         "quantiles": model.predict_quantiles(frame).to_numpy().tolist()}
print(json.dumps(out))
"""


@pytest.mark.slow
@pytest.mark.parametrize("distribution", ["mirrored", "multi_worker"])
def test_a_quantile_network_trains_under_a_distribution_as_on_one_device(distribution):
    """Under "mirrored" Keras's fit trains with the compiled pinball loss; under
    "multi_worker" (a one-worker cluster) the distributed loop does, per loss element."""
    import json
    import os
    import socket
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "TF_CONFIG"}
    env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    if distribution == "multi_worker":
        with socket.socket() as probe:
            probe.bind(("localhost", 0))
            port = probe.getsockname()[1]
        cluster = {
            "cluster": {"worker": [f"localhost:{port}"]},
            "task": {"type": "worker", "index": 0},
        }
        env["TF_CONFIG"] = json.dumps(cluster)
    result = subprocess.run(
        [sys.executable, "-c", DISTRIBUTED_RUN, distribution], capture_output=True, text=True,
        env=env, timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    out = json.loads(result.stdout.strip().splitlines()[-1])
    default, distributed = out["default"], out[distribution]
    assert np.isfinite(distributed["loss"]).all()
    # the same pinball loss on the same windows: the losses agree to the order of the batches
    np.testing.assert_allclose(distributed["loss"], default["loss"], rtol=0.1)
    quantiles = np.asarray(distributed["quantiles"])
    assert (np.diff(quantiles, axis=1) > 0).all()
