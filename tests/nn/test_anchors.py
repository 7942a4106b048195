"""The baseline kernels: NumPy and keras.ops give the same hand-computed forecasts."""

from __future__ import annotations

import numpy as np
import pytest

from forecast.nn import anchors

keras = pytest.importorskip("keras")
ops = keras.ops


def window(*rows) -> np.ndarray:
    """One input window ``(1, len(rows), n_inputs)`` from its rows (a number: one column)."""
    return np.array([[row if isinstance(row, (list, tuple)) else [row] for row in rows]], float)


def run_both(kernel, *arrays, **params) -> np.ndarray:
    """``kernel`` on NumPy arrays and on Keras tensors: the two must agree (to float64
    rounding); returns the NumPy forecast."""
    with_numpy = kernel(np, *arrays, **params)
    tensors = [None if a is None else ops.convert_to_tensor(a) for a in arrays]
    with_keras = ops.convert_to_numpy(kernel(ops, *tensors, **params))
    assert with_numpy.dtype == with_keras.dtype == arrays[0].dtype
    np.testing.assert_allclose(with_keras, with_numpy, rtol=1e-15, atol=0)
    return with_numpy


@pytest.mark.parametrize(
    "width, season, horizon, rows",
    [(4, 2, 3, [2, 3, 2]), (4, 3, 4, [1, 2, 3, 1]), (4, 4, 5, [0, 1, 2, 3, 0]), (3, 1, 2, [2, 2])],
)
def test_seasonal_steps_read_the_last_season(width, season, horizon, rows):
    assert anchors.seasonal_steps(width, season, horizon) == rows


def test_last_value_repeats_the_last_target_row():
    past = window([1, 10, -1], [2, 20, -2], [3, 30, -3])  # two targets, then a covariate
    out = run_both(anchors.last_value, past, n_targets=2, horizon=2)
    assert out.tolist() == [[[3.0, 30.0], [3.0, 30.0]]]
    assert run_both(anchors.last_value, past, n_targets=1, horizon=3)[0, :, 0].tolist() == [3] * 3


def test_seasonal_naive_repeats_the_last_season():
    past = window(1, 2, 3, 4)
    assert run_both(anchors.seasonal_naive, past, n_targets=1, season_length=2, horizon=3)[
        0, :, 0
    ].tolist() == [3.0, 4.0, 3.0]
    assert run_both(anchors.seasonal_naive, past, n_targets=1, season_length=3, horizon=4)[
        0, :, 0
    ].tolist() == [2.0, 3.0, 4.0, 2.0]
    two = window([1, 10], [2, 20], [3, 30])
    out = run_both(anchors.seasonal_naive, two, n_targets=2, season_length=2, horizon=3)
    assert out.tolist() == [[[2.0, 20.0], [3.0, 30.0], [2.0, 20.0]]]


def test_window_average_is_the_mean_of_the_last_values():
    past = window([1, 100], [2, 100], [3, 100], [7, 100])  # the covariate is never averaged
    out = run_both(anchors.window_average, past, n_targets=1, window=3, horizon=2)
    assert out.tolist() == [[[4.0], [4.0]]]
    assert run_both(anchors.window_average, past, n_targets=1, window=4, horizon=1).tolist() == [
        [[3.25]]
    ]
    assert run_both(anchors.window_average, past, n_targets=2, window=1, horizon=1).tolist() == [
        [[7.0, 100.0]]
    ]


def test_drift_extends_the_line_through_the_first_and_last_values():
    assert run_both(anchors.drift, window(1, 3), n_targets=1, horizon=2).tolist() == [
        [[5.0], [7.0]]
    ]
    past = window([2, 10, 0], [-5, 0, 0], [8, 4, 0])  # slopes 3 and -3; the middle is unread
    assert run_both(anchors.drift, past, n_targets=2, horizon=2).tolist() == [
        [[11.0, 1.0], [14.0, -2.0]]
    ]


def test_linear_is_the_affine_map_of_the_flattened_past_and_future():
    past = window([1, 2], [3, 4])  # features 1, 2, 3, 4, then the future's 10, 20
    future = np.array([[[10.0], [20.0]]])
    assert run_both(anchors.flat_features, past, future).tolist() == [[1, 2, 3, 4, 10, 20]]
    assert run_both(anchors.flat_features, past, None).tolist() == [[1, 2, 3, 4]]
    weights = np.zeros((6, 4))  # two steps of two targets, step by step
    weights[2, 0] = 1.0  # step 1, target 1: the last value of column 1 (3)
    weights[3, 1] = 2.0  # step 1, target 2: twice the last value of column 2 (8)
    weights[4, 2] = weights[5, 3] = 0.1  # step 2: a tenth of each future feature (1, 2)
    bias = np.array([0.5, 0.0, 0.0, -1.0])
    out = run_both(anchors.linear, past, future, weights, bias, horizon=2)
    np.testing.assert_allclose(out, [[[3.5, 8.0], [1.0, 1.0]]], rtol=1e-15)
    batch = np.concatenate([past, 2 * past])  # a batch of two windows: row by row
    out = run_both(anchors.linear, batch, None, weights[:4, :2], bias[:2], horizon=1)
    assert out.tolist() == [[[3.5, 8.0]], [[6.5, 16.0]]]


def test_kernels_compute_in_the_dtype_of_their_inputs():
    past = window(1, 2, 3, 4).astype(np.float32)
    for kernel, params in [
        (anchors.last_value, dict(horizon=2)),
        (anchors.seasonal_naive, dict(season_length=2, horizon=3)),
        (anchors.window_average, dict(window=2, horizon=2)),
        (anchors.drift, dict(horizon=2)),
    ]:
        out = run_both(kernel, past, n_targets=1, **params)  # float32 in, float32 out
        assert out.dtype == np.float32, kernel.__name__


def test_the_residual_anchor_layer_is_the_seasonal_and_last_value_kernel():
    from forecast.nn.networks import ResidualAnchor

    past = window([1, 9], [2, 9], [3, 9], [4, 9]).astype(np.float32)
    seasonal = ResidualAnchor("seasonal", horizon=3, n_targets=1, season_length=2)(past)
    assert ops.convert_to_numpy(seasonal)[0, :, 0].tolist() == [3.0, 4.0, 3.0]
    last = ResidualAnchor("last", horizon=2, n_targets=2)(past)
    assert ops.convert_to_numpy(last).tolist() == [[[4.0, 9.0], [4.0, 9.0]]]
