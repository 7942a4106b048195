"""Early stopping that counts the starting weights as epoch 0 (forecast.nn.training)."""

import keras
import numpy as np
import tensorflow as tf

from forecast.nn.training import KeepBest, train_network


def dense_model(value: float) -> keras.Model:
    inputs = keras.Input((1,))
    model = keras.Model(inputs, keras.layers.Dense(1, kernel_initializer="zeros")(inputs))
    model.layers[-1].kernel.assign([[value]])
    return model


def test_keep_best_restores_the_weights_of_the_best_epoch_in_the_middle():
    model = dense_model(0.0)
    keep = KeepBest("val_loss", patience=2, initial=5.0)
    keep.set_model(model)
    keep.on_train_begin()
    for epoch, (weight, loss) in enumerate([(1.0, 4.0), (2.0, 3.0), (3.0, 3.5), (4.0, 3.2)]):
        model.layers[-1].kernel.assign([[weight]])
        keep.on_epoch_end(epoch, {"val_loss": loss})
    assert model.stop_training and keep.best_epoch == 2 and keep.best == 3.0
    keep.on_train_end()
    assert float(model.layers[-1].kernel.numpy()[0, 0]) == 2.0


def test_keep_best_restores_the_starting_weights_when_no_epoch_beats_them():
    model = dense_model(7.0)
    keep = KeepBest("val_loss", patience=None, initial=1.0)
    keep.set_model(model)
    keep.on_train_begin()
    model.layers[-1].kernel.assign([[8.0]])
    keep.on_epoch_end(0, {"val_loss": 1.5})
    assert not getattr(model, "stop_training", False)  # patience None: never stops early
    keep.on_train_end()
    assert keep.best_epoch == 0 and float(model.layers[-1].kernel.numpy()[0, 0]) == 7.0


def test_train_network_evaluates_the_starting_weights_and_reports_the_best_loss():
    """Training says y = 2x, validation y = x: the starting weights (y = x) are exact on
    validation, every step only hurts, so they come back with a best loss of 0."""
    model = dense_model(1.0)
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mae")
    x = np.linspace(-1, 1, 16).reshape(-1, 1).astype("float32")
    train = tf.data.Dataset.from_tensor_slices((x, 2 * x)).batch(16)
    validation = tf.data.Dataset.from_tensor_slices((x, x)).batch(16)
    history, best_epoch, best = train_network(model, train, validation, epochs=4, patience=1)
    assert best_epoch == 0 and best == 0.0
    assert len(history["val_loss"]) == 1 and history["val_loss"][0] > 0
    np.testing.assert_allclose(model.predict(x, verbose=0), x, atol=1e-6)
