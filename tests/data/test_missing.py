"""The missing-value policy and fill_windows: each window filled from its own observations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import hourly, panel

from forecast import DataValidationError, MissingPolicy, WindowSpec
from forecast.data.missing import fill_windows, unobserved_columns
from forecast.windowing.latest import latest_windows

NAN = np.nan


def test_the_policy_fills_windows_by_default_and_checks_its_fields():
    assert MissingPolicy() == MissingPolicy(inputs="fill", limit=3)
    assert MissingPolicy().fills_windows
    assert not MissingPolicy(inputs="ffill").fills_windows
    assert not MissingPolicy(inputs="drop").fills_windows
    with pytest.raises(ValueError, match="must be 'fill', 'ffill' or 'drop', got 'interpolate'"):
        MissingPolicy(inputs="interpolate")
    for limit in (-1, 1.5, True):
        with pytest.raises(ValueError, match="MissingPolicy.limit must be an integer >= 0"):
            MissingPolicy(inputs="ffill", limit=limit)


def test_fill_windows_carries_forward_and_fills_the_start_from_the_first_observation():
    windows = np.array(
        [
            [[NAN, 1.0], [2.0, NAN], [NAN, NAN], [5.0, 4.0]],
            [[7.0, NAN], [NAN, NAN], [NAN, NAN], [NAN, NAN]],  # column 1 never observed
        ]
    )
    filled = fill_windows(windows)
    np.testing.assert_array_equal(
        filled[0], [[2.0, 1.0], [2.0, 1.0], [2.0, 1.0], [5.0, 4.0]]
    )  # step 0 of column 0 takes the first observation (step 1), the rest the last one before
    np.testing.assert_array_equal(filled[1, :, 0], [7.0, 7.0, 7.0, 7.0])
    assert np.isnan(filled[1, :, 1]).all()  # nothing to fill it from: left to the caller
    assert unobserved_columns(windows).tolist() == [[False, False], [False, True]]
    assert np.isnan(windows).sum() == 4 + 7  # the input is not modified
    full = np.arange(6.0).reshape(1, 3, 2)
    assert fill_windows(full) is full  # nothing to fill: no copy


def test_each_window_is_filled_from_itself_only():
    # the same row (value NaN) in two overlapping windows: each fills it from its own rows
    series = np.array([1.0, 2.0, NAN, 4.0])
    windows = np.stack([series[0:3], series[1:4], series[2:4].repeat([2, 1])])[:, :, None]
    filled = fill_windows(windows)[:, :, 0]
    np.testing.assert_array_equal(filled, [[1, 2, 2], [2, 2, 4], [4, 4, 4]])


@pytest.mark.parametrize("width", [1, 7, 72])
def test_keras_ops_fill_windows_is_identical_to_numpy_eager_in_a_graph_and_under_xla(width):
    import keras
    import tensorflow as tf

    rng = np.random.default_rng(width)
    windows = rng.normal(size=(6, width, 3)).astype(np.float32)
    windows[rng.random(windows.shape) < 0.5] = np.nan
    windows[0, :, 2] = np.nan  # a column never observed in a window
    windows[1, : width // 2, 0] = np.nan  # a run at the start
    windows[2, width // 2 :, 1] = np.nan  # a run at the end
    expected = fill_windows(windows)

    def graph(x):
        return fill_windows(x, keras.ops)

    spec = [tf.TensorSpec([None, width, 3], tf.float32)]
    for run in (graph, tf.function(graph, input_signature=spec)):
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(run(windows)), expected)
    xla = tf.function(graph, input_signature=spec, jit_compile=True)
    np.testing.assert_array_equal(xla(windows).numpy(), expected)


def test_a_latest_window_with_a_column_never_observed_is_refused_naming_it():
    x = np.array([1.0, 2.0, 3.0, NAN, NAN, NAN])
    ok = hourly(range(6), x=np.arange(6.0))
    frame = panel({"ok": ok, "outage": hourly(range(6), x=x)})
    with pytest.raises(DataValidationError, match="holds no observed value") as info:
        latest_windows(frame, WindowSpec(3, 2), target="y", covariates="x")
    error = info.value
    assert (error.column, error.series) == ("x", "outage")
    assert error.timestamp == pd.Timestamp("2024-01-01 05:00")  # the window's last row
    assert "input column 'x' holds no observed value in the last 3 rows" in str(error)
    assert "from origin 2024-01-01 06:00:00" in str(error)
    # one more row observed in the window: filled from it, forecast
    x[3] = 30.0
    latest = latest_windows(
        panel({"ok": ok, "outage": hourly(range(6), x=x)}), WindowSpec(3, 2), "y", "x"
    )
    np.testing.assert_array_equal(latest.inputs[1, :, 1], [30.0, 30.0, 30.0])
    assert latest.filled_inputs == 2


def test_a_categorical_column_never_observed_is_named_as_the_frames_column():
    wind = pd.Series(["N", "S", "N", None, None, None], dtype=object)
    frame = hourly(range(6), wind=wind.to_numpy())
    with pytest.raises(DataValidationError, match="input column 'wind' holds no observed") as info:
        latest_windows(frame, WindowSpec(3, 1), target="y", covariates="wind")
    assert info.value.column == "wind"
    latest = latest_windows(frame, WindowSpec(4, 1), target="y", covariates="wind")
    np.testing.assert_array_equal(latest.inputs[0, :, 1:], [[1, 0]] * 4)  # 'N' carried forward
    assert latest.filled_inputs == 6  # three rows of two one-hot columns
