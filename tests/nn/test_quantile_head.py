"""Quantile heads: pinball values by hand, a fan that never crosses, an untrained median that
is the anchor, in every strategy."""

from __future__ import annotations

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from forecast.nn.networks import build_network  # noqa: E402
from forecast.nn.quantile_head import (  # noqa: E402
    INITIAL_SPREAD,
    PinballLoss,
    QuantileFan,
    initial_increments,
    pinball,
    with_median,
)

LEVELS = (0.1, 0.5, 0.9)


def test_pinball_loss_values_by_hand():
    y = np.array([[[1.0]], [[4.0]]], "float32")  # two windows, one step, one target
    f = np.array([[[[0.0, 0.0, 2.0]]], [[[1.0, 5.0, 6.0]]]], "float32")
    # window 1: errors 1, 1, -1 -> 0.1 * 1, 0.5 * 1, 0.1 * 1 (the 0.9 level is 1 above)
    # window 2: errors 3, -1, -2 -> 0.1 * 3, 0.5 * 1, 0.1 * 2
    by_level = keras.ops.convert_to_numpy(pinball(y, f, LEVELS))
    np.testing.assert_allclose(by_level[:, 0, 0], [[0.1, 0.5, 0.1], [0.3, 0.5, 0.2]], rtol=1e-6)
    assert float(PinballLoss(LEVELS)(y, f)) == pytest.approx((0.7 / 3 + 1.0 / 3) / 2)
    elements = PinballLoss(LEVELS, reduction=None)(y, f)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(elements)[:, 0, 0], [0.7 / 3, 1 / 3])


def test_pinball_at_the_median_is_half_the_absolute_error():
    y = np.array([[[3.0, -2.0]]], "float32")
    f = np.array([[[[1.0], [0.5]]]], "float32")
    assert float(PinballLoss((0.5,))(y, f)) == pytest.approx((0.5 * 2 + 0.5 * 2.5) / 2)


def test_the_fan_adds_cumulative_softplus_gaps_outward_from_the_median():
    levels = (0.05, 0.25, 0.5, 0.75, 0.95)
    raw = np.array([[[[0.0, np.log(np.e - 1), 1.0, -1.0]]]], "float32")  # softplus: ln2, 1, ..
    median = np.array([[[10.0]]], "float32")
    out = keras.ops.convert_to_numpy(QuantileFan(levels)([median, raw]))[0, 0, 0]
    sp = np.log1p(np.exp([0.0, np.log(np.e - 1), 1.0, -1.0]))
    expected = [10 - sp[1] - sp[0], 10 - sp[1], 10, 10 + sp[2], 10 + sp[2] + sp[3]]
    np.testing.assert_allclose(out, expected, rtol=1e-6)


def test_the_untrained_fan_is_a_narrow_normal_one():
    gaps = np.log1p(np.exp(initial_increments((0.1, 0.5, 0.9))))
    np.testing.assert_allclose(gaps, INITIAL_SPREAD * 1.2815516, rtol=1e-5)
    assert with_median((0.9, 0.1, 0.1)) == (0.1, 0.5, 0.9)


def _network(strategy, residual="last", **extra):
    return build_network(
        input_width=12, horizon=4, n_inputs=3, n_targets=2, n_future=2, cell="gru",
        units=(5,), dense_units=(3,), strategy=strategy, residual=residual, season_length=6,
        quantiles=(0.025, 0.1, 0.9, 0.975), **extra,
    )  # fmt: skip


def _inputs(seed=0, n=16):
    rng = np.random.default_rng(seed)
    return {
        "past": rng.normal(size=(n, 12, 3)).astype("float32"),
        "future": rng.normal(size=(n, 4, 2)).astype("float32"),
    }


@pytest.mark.parametrize("strategy", ["direct", "seq2seq", "autoregressive"])
def test_quantiles_never_cross_whatever_the_weights(strategy):
    network = _network(strategy)
    assert network.output_shape == (None, 4, 2, 5)
    rng = np.random.default_rng(1)
    network.set_weights([rng.normal(0, 3, w.shape).astype("float32") for w in network.weights])
    out = keras.ops.convert_to_numpy(network(_inputs()))
    assert np.isfinite(out).all()
    assert (np.diff(out, axis=-1) >= 0).all()
    assert np.ptp(out[..., 2]) > 0.1  # the random weights do move the median


@pytest.mark.parametrize("strategy", ["direct", "seq2seq", "autoregressive"])
@pytest.mark.parametrize("residual", ["last", "seasonal"])
def test_the_untrained_median_is_the_anchor_and_the_fan_is_narrow(strategy, residual):
    inputs = _inputs(2)
    out = keras.ops.convert_to_numpy(_network(strategy, residual)(inputs))
    targets = inputs["past"][:, :, :2]
    if residual == "last":
        anchor = np.repeat(targets[:, -1:, :], 4, axis=1)
    else:  # the last season of 6 steps, its first 4
        anchor = targets[:, -6:-2, :]
    np.testing.assert_allclose(out[..., 2], anchor, rtol=1e-6, atol=1e-6)
    # the 10% and 90% levels sit INITIAL_SPREAD normal deviations from it, in scaled units
    np.testing.assert_allclose(out[..., 3] - out[..., 2], INITIAL_SPREAD * 1.2815516, rtol=1e-4)
    np.testing.assert_allclose(out[..., 2] - out[..., 1], INITIAL_SPREAD * 1.2815516, rtol=1e-4)


def test_a_quantile_network_survives_a_keras_round_trip(tmp_path):
    network = _network("autoregressive")
    path = tmp_path / "net.keras"
    network.save(path)
    again = keras.saving.load_model(path, compile=False)
    inputs = _inputs(3)
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(again(inputs)), keras.ops.convert_to_numpy(network(inputs))
    )
