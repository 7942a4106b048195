"""The static conditioning starts every encoder layer, for every cell and strategy."""

from __future__ import annotations

import numpy as np
import pytest

from forecast.nn.networks import build_network

CONDITIONING = {"center": [0.0, 10.0], "scale": [1.0, 5.0], "n_series": 3, "embedding_dim": 2}


@pytest.mark.parametrize(
    "cell, strategy, bidirectional",
    [("lstm", "direct", False), ("gru", "seq2seq", True), ("lstm", "autoregressive", False)],
)
def test_static_inputs_and_series_index_change_the_forecast(cell, strategy, bidirectional):
    network = build_network(
        input_width=6, horizon=3, n_inputs=1, n_targets=1, cell=cell, units=(4, 3),
        strategy=strategy, bidirectional=bidirectional, dense_units=(), conditioning=CONDITIONING,
    )  # fmt: skip
    assert sorted(network.input) == ["past", "series_index", "static"]
    past = np.random.default_rng(0).normal(size=(2, 6, 1)).astype("float32")
    # an untrained network's output layer is not zero without an anchor: the states matter
    base = {"past": past, "static": np.array([[1.0, 10.0]] * 2, "float32")}
    one = network({**base, "series_index": np.array([0, 0], "int32")}).numpy()
    other = network({**base, "series_index": np.array([0, 2], "int32")}).numpy()
    np.testing.assert_allclose(one[0], other[0], rtol=1e-6)
    assert not np.allclose(one[1], other[1])
    moved = network({**base, "static": np.array([[0.0, 30.0]] * 2, "float32"),
                     "series_index": np.array([0, 0], "int32")}).numpy()  # fmt: skip
    assert not np.allclose(moved, one)
    states = [layer.name for layer in network.layers if layer.name.startswith("static_state")]
    per_layer = (2 if cell == "lstm" else 1) * (2 if bidirectional else 1)
    assert len(states) == 2 * per_layer


def test_the_static_scaler_uses_the_training_statistics():
    network = build_network(
        input_width=2, horizon=1, n_inputs=1, n_targets=1, units=(2,), dense_units=(),
        conditioning={"center": [10.0], "scale": [5.0]},
    )  # fmt: skip
    scaler = network.get_layer("static_scaler")
    assert np.asarray(scaler(np.array([[20.0]], "float32"))).tolist() == [[2.0]]
    assert sorted(network.input) == ["past", "static"]
