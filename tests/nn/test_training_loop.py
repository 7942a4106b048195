"""The distributed training loop: the same steps as ``Model.fit``, callbacks included.

Run here under TensorFlow's default strategy (one replica); the 2-worker cluster runs are in
``test_distribution.py``.
"""

from __future__ import annotations

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")
import keras  # noqa: E402

from forecast.nn.training_loop import fit_distributed  # noqa: E402


def network_and_data(loss="mae", learning_rate=0.05):
    keras.utils.set_random_seed(0)
    inputs = keras.Input((6, 1))
    outputs = keras.layers.Reshape((3, 1))(keras.layers.Dense(3)(keras.layers.LSTM(4)(inputs)))
    network = keras.Model(inputs, outputs)
    network.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss=loss if loss != "huber" else keras.losses.Huber(),
    )
    rng = np.random.default_rng(0)
    x = rng.normal(size=(10, 6, 1)).astype("float32")
    y = np.concatenate([x[:, -1:] * 2, x[:, -1:] * -1, x[:, :1]], axis=1)
    return network, x, y


@pytest.mark.parametrize("loss", ["mse", "mae", "huber"])
def test_steps_equal_model_fit(loss):
    # 10 windows in batches of 4: a last batch of 2, whose mean must not be over 4.
    network, x, y = network_and_data(loss)
    weights = network.get_weights()
    expected = network.fit(
        x, y, batch_size=4, epochs=3, shuffle=False, validation_data=(x[:5], y[:5]), verbose=0
    )
    fitted = network.get_weights()
    network.set_weights(weights)
    network.compile(optimizer=keras.optimizers.Adam(0.05), loss=network.loss)
    batches = tf.data.Dataset.from_tensor_slices((x, y)).batch(4)
    validation = tf.data.Dataset.from_tensor_slices((x[:5], y[:5])).batch(2)
    history = fit_distributed(
        network, batches, validation, tf.distribute.get_strategy(), loss=loss, epochs=3
    )
    for key in ("loss", "val_loss"):
        np.testing.assert_allclose(history[key], expected.history[key], rtol=1e-5, err_msg=key)
    for got, want in zip(network.get_weights(), fitted):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-7)


def test_early_stopping_restores_the_best_weights_and_the_learning_rate_is_halved():
    network, x, y = network_and_data("mse")
    # Validation labels of the opposite sign: every step on the training data makes it worse.
    validation = tf.data.Dataset.from_tensor_slices((x, -y)).batch(5)
    kept = {}

    class KeepWeights(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            kept[epoch] = self.model.get_weights()

    callbacks = [
        KeepWeights(),
        keras.callbacks.EarlyStopping(monitor="val_loss", patience=2, restore_best_weights=True),
        keras.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=1),
    ]
    history = fit_distributed(
        network,
        tf.data.Dataset.from_tensor_slices((x, y)).batch(5),
        validation,
        tf.distribute.get_strategy(),
        loss="mse",
        epochs=20,
        callbacks=callbacks,
    )
    val_loss = history["val_loss"]
    assert (
        len(val_loss) == 3 and val_loss[0] < val_loss[1] < val_loss[2]
    )  # stopped after 2 worse epochs
    np.testing.assert_allclose(history["learning_rate"], [0.05, 0.05, 0.025], rtol=1e-6)
    for got, best in zip(network.get_weights(), kept[0]):
        np.testing.assert_array_equal(got, best)
    assert network.evaluate(x, -y, verbose=0) == pytest.approx(val_loss[0], rel=1e-5)


def test_progress_and_errors(capsys):
    network, x, y = network_and_data()
    data = tf.data.Dataset.from_tensor_slices((x, y)).batch(4)
    history = fit_distributed(
        network, data, None, tf.distribute.get_strategy(), loss="mae", epochs=2, verbose=2
    )
    assert sorted(history) == ["learning_rate", "loss"] and len(history["loss"]) == 2
    printed = capsys.readouterr().out
    assert "Epoch 1/2" in printed and "Epoch 2/2" in printed and "loss:" in printed
    with pytest.raises(
        ValueError, match=r"loss must be one of \('mse', 'mae', 'huber'\), got 'hinge'"
    ):
        fit_distributed(network, data, None, tf.distribute.get_strategy(), loss="hinge", epochs=1)
