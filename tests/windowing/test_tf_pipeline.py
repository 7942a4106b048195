"""The tf.data pipeline yields exactly the NumPy windows; shuffling is seeded and per epoch."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import hourly

from forecast import DataValidationError, Split, WindowSpec, make_windows

tf = pytest.importorskip("tensorflow")


def collect(dataset):
    inputs, labels = [], []
    for x, y in dataset:
        inputs.append(
            x.numpy() if not isinstance(x, dict) else {k: v.numpy() for k, v in x.items()}
        )
        labels.append(y.numpy())
    return inputs, labels


@pytest.fixture
def windows():
    frame = hourly(range(50), x=np.arange(50.0) * 2)
    return make_windows(
        frame, WindowSpec(4, 3), target="y", covariates=["x"], split=Split(0.2, 0.2), calendar=()
    )


def test_unshuffled_dataset_equals_arrays_in_order(windows):
    for split in ("train", "validation", "test"):
        inputs, labels = collect(windows.dataset(split, batch_size=4, shuffle=False))
        expected_x, expected_y = windows.arrays(split)
        np.testing.assert_array_equal(np.concatenate(inputs), expected_x)
        np.testing.assert_array_equal(np.concatenate(labels), expected_y)
        assert all(len(y) <= 4 for y in labels)


def test_evaluation_splits_are_not_shuffled_by_default(windows):
    _, labels = collect(windows.dataset("test", batch_size=2))
    np.testing.assert_array_equal(np.concatenate(labels), windows.arrays("test")[1])


def test_training_shuffle_is_a_seeded_permutation_new_each_epoch(windows):
    _, expected = windows.arrays("train")
    dataset = windows.dataset("train", batch_size=5, seed=7)
    epoch1 = np.concatenate(collect(dataset)[1])
    epoch2 = np.concatenate(collect(dataset)[1])
    same_seed = np.concatenate(collect(windows.dataset("train", batch_size=5, seed=7))[1])
    other_seed = np.concatenate(collect(windows.dataset("train", batch_size=5, seed=8))[1])
    key = lambda y: sorted(map(tuple, y[:, :, 0]))  # noqa: E731
    assert key(epoch1) == key(expected) == key(epoch2)  # every window exactly once
    np.testing.assert_array_equal(epoch1, same_seed)
    assert not np.array_equal(epoch1, expected)
    assert not np.array_equal(epoch1, epoch2)
    assert not np.array_equal(epoch1, other_seed)


def test_shuffled_pairs_stay_together(windows):
    inputs, labels = collect(windows.dataset("train", batch_size=8, seed=3))
    x, y = np.concatenate(inputs), np.concatenate(labels)
    # y counts the hour: labels continue the target inputs, and x = 2 * y
    np.testing.assert_array_equal(y[:, 0, 0], x[:, -1, 0] + 1)
    np.testing.assert_array_equal(x[:, :, 1], 2 * x[:, :, 0])


def test_calendar_windows_come_as_past_and_future():
    frame = hourly(range(30))
    windows = make_windows(
        frame, WindowSpec(4, 2), target="y", calendar=("hour",), split=Split(0.0, 0.0)
    )
    inputs, labels = collect(windows.dataset("train", batch_size=64, shuffle=False))
    expected_x, expected_y = windows.arrays("train")
    np.testing.assert_array_equal(inputs[0]["past"], expected_x["past"])
    np.testing.assert_array_equal(inputs[0]["future"], expected_x["future"])
    np.testing.assert_array_equal(labels[0], expected_y)


def test_empty_split_is_a_clear_error():
    windows = make_windows(
        hourly(range(10)), WindowSpec(2, 2), target="y", split=Split(0.0, 0.1), calendar=()
    )
    assert windows.n_windows("test") == 0
    with pytest.raises(DataValidationError, match="the test split has no windows"):
        windows.dataset("test")
    with pytest.raises(ValueError, match="batch_size must be an integer >= 1"):
        windows.dataset("train", batch_size=0)


def test_a_keras_model_trains_on_the_dataset(windows):
    import keras

    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((4, 2)), keras.layers.Flatten(), keras.layers.Dense(3)])
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
    history = model.fit(
        windows.dataset("train", batch_size=8, seed=0), epochs=2, verbose=0, shuffle=False
    )
    assert len(history.history["loss"]) == 2
    assert np.isfinite(history.history["loss"]).all()
    assert model.predict(windows.dataset("test", batch_size=8), verbose=0).shape == (
        windows.n_windows("test"),
        3,
    )


def test_keras_sees_every_batch_of_every_epoch(windows):
    import warnings

    import keras

    dataset = windows.dataset("train", batch_size=4, seed=0)
    n_batches = -(-windows.n_windows("train") // 4)
    assert int(dataset.cardinality()) == n_batches
    model = keras.Sequential([keras.Input((4, 2)), keras.layers.Flatten(), keras.layers.Dense(3)])
    model.compile(optimizer="sgd", loss="mse")
    batches = []
    counter = keras.callbacks.LambdaCallback(
        on_train_batch_end=lambda batch, logs: batches.append(batch)
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # "ran out of data" would fail here
        model.fit(dataset, epochs=3, verbose=0, shuffle=False, callbacks=[counter])
    assert len(batches) == 3 * n_batches
