"""Training a core network on scaled windows: pipelines, early stopping from the untrained state.

* :func:`scaled_dataset` maps a raw window dataset (:meth:`forecast.windowing.windows.Windows.dataset`)
  to the network's scaled inputs and labels;
* :func:`scaled_arrays` gathers a split's windows as scaled NumPy arrays (for choosing an
  anchor and fitting the linear one);
* :class:`KeepBest` stops training when the monitored loss has not improved for ``patience``
  epochs and restores the best weights, counting the weights training *started* from as epoch
  0: a network initialised to forecast its anchor is never worse than that anchor on
  validation;
* :func:`train_network` trains with it and halves the learning rate on plateaus;
* :func:`window_errors` scores a network on scaled windows, one error per window (what
  :mod:`forecast.nn.significance` compares).

Example:
    >>> import keras, numpy as np, tensorflow as tf
    >>> inputs = keras.Input((2,))
    >>> network = keras.Model(inputs, keras.layers.Dense(1, kernel_initializer="zeros")(inputs))
    >>> network.compile(optimizer=keras.optimizers.SGD(0.0), loss="mae")  # cannot improve
    >>> data = tf.data.Dataset.from_tensor_slices((np.ones((4, 2)), np.ones((4, 1)))).batch(2)
    >>> history, best_epoch, best = train_network(network, data, data, epochs=3, patience=2)
    >>> best_epoch, len(history["loss"]), best  # the untrained weights stayed the best
    (0, 2, 1.0)
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np

from forecast.nn.progress import training_progress
from forecast.nn.scaling import ScalingStats, scale_future, scale_window

#: the per-series inputs (static covariates, series embedding index), passed on unscaled: the
#: network scales its static covariates itself (:mod:`forecast.nn.static_conditioning`)
SERIES_INPUTS = ("static", "series_index")


def scaled_dataset(dataset, stats: ScalingStats):
    """Map a dataset of raw ``(inputs, labels)`` windows to scaled ones (the known-future part
    too: see :func:`~forecast.nn.scaling.scale_future`)."""
    import tensorflow as tf

    def scale(inputs, labels):
        past = inputs["past"] if isinstance(inputs, dict) else inputs
        scaled, center, spread = scale_window(past, stats)
        features = {"past": scaled}
        if isinstance(inputs, dict):
            if "future" in inputs:
                features["future"] = scale_future(inputs["future"], stats)
            features.update({k: v for k, v in inputs.items() if k in SERIES_INPUTS})
        return features, (labels - center) / spread

    return dataset.map(scale, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)


def scaled_arrays(windows, split: str, stats: ScalingStats, limit: int | None = None) -> dict:
    """The windows of a split (the latest ``limit`` ones) as scaled NumPy arrays: ``past``,
    ``future`` (scaled; ``None`` without known-future inputs), ``labels`` and ``spread``, each window's
    target scale relative to the training scale ``(n, 1, n_targets)``."""
    rows = windows.origins[split]
    if limit is not None:
        rows = rows[-int(limit) :]
    inputs, labels = windows.gather(rows)
    past = inputs["past"] if isinstance(inputs, dict) else inputs
    scaled, center, spread = (keras.ops.convert_to_numpy(a) for a in scale_window(past, stats))
    t = stats.n_targets
    has_future = isinstance(inputs, dict) and "future" in inputs
    arrays = {
        "past": scaled,
        "future": (
            keras.ops.convert_to_numpy(scale_future(inputs["future"], stats))
            if has_future
            else None
        ),
        "labels": (np.asarray(labels, np.float32) - center) / spread,
        "spread": spread / stats.scale[:t],
    }
    if isinstance(inputs, dict):
        arrays.update({k: v for k, v in inputs.items() if k in SERIES_INPUTS})
    return arrays


class KeepBest(keras.callbacks.Callback):
    """Early stopping that restores the best weights, the starting weights included.

    Args:
        monitor: the log to minimise (``"val_loss"`` or ``"loss"``).
        patience: epochs without improvement before stopping (``None``: never stop early).
        initial: the monitored loss of the starting weights (epoch 0).

    Attributes:
        best: the best monitored loss; ``best_epoch``: its epoch (0: the starting weights).
    """

    def __init__(self, monitor: str, patience: int | None, initial: float):
        super().__init__()
        self.monitor, self.patience, self.initial = monitor, patience, float(initial)

    def on_train_begin(self, logs=None):
        self.best, self.best_epoch, self.wait = self.initial, 0, 0
        self.best_weights = self.model.get_weights()

    def on_epoch_end(self, epoch, logs=None):
        value = float((logs or {}).get(self.monitor, np.inf))
        if value < self.best:
            self.best, self.best_epoch, self.wait = value, epoch + 1, 0
            self.best_weights = self.model.get_weights()
            return
        self.wait += 1
        if self.patience is not None and self.wait >= self.patience:
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        self.model.set_weights(self.best_weights)


def train_network(
    network: keras.Model,
    train,
    validation,
    *,
    epochs: int,
    patience: int | None,
    verbose: int | str = 0,
    fit: Any = None,
    initial: float | None = None,
    description: str = "training",
) -> tuple[dict[str, list[float]], int, float]:
    """Train a compiled network, keeping the best weights on the validation loss (the
    training loss without validation), the untrained ones included; returns the history, the
    best epoch (0: the starting weights) and the best monitored loss.

    ``fit`` replaces ``network.fit`` (same keyword arguments), e.g. the distributed loop of
    :func:`forecast.nn.training_loop.fit_distributed`; ``initial`` then gives the starting
    weights' loss (``inf``: do not consider them), which is otherwise evaluated here.

    ``verbose`` chooses the progress display (:func:`forecast.nn.progress.training_progress`:
    0 none, ``"auto"`` or 1 a live bar on a terminal or notebook and one line per epoch
    elsewhere, 2 lines always), labelled ``description``; Keras's own progress bar is off.
    """
    monitor = "val_loss" if validation is not None else "loss"
    if initial is None:
        initial = network.evaluate(validation if validation is not None else train, verbose=0)
    keep = KeepBest(monitor, patience, float(np.atleast_1d(initial)[0]))
    callbacks: list = [keep]
    if patience is not None:
        callbacks.append(
            keras.callbacks.ReduceLROnPlateau(
                monitor=monitor, factor=0.5, patience=max(1, int(patience) // 2)
            )
        )
    progress = training_progress(verbose, description)
    if progress is not None:
        callbacks.append(progress)
    fit = fit or (lambda **kwargs: network.fit(shuffle=False, **kwargs).history)
    history = fit(
        x=train, validation_data=validation, epochs=int(epochs), callbacks=callbacks, verbose=0,
    )  # fmt: skip
    history = {k: [float(v) for v in values] for k, values in dict(history).items()}
    return history, keep.best_epoch, keep.best


def window_errors(
    network: keras.Model, arrays: dict, batch_size: int = 1024, quantiles=None
) -> np.ndarray:
    """Each window's mean absolute error, in units of each target's training spread, of
    ``network`` on the scaled windows ``arrays`` (see :func:`scaled_arrays`); for a quantile
    network (its levels ``quantiles``), each window's mean pinball loss over the levels, in
    the same units.

    Example:
        >>> import keras, numpy as np
        >>> inputs = {"past": keras.Input((3, 1), name="past")}
        >>> last = keras.layers.Lambda(lambda p: p[:, -1:, :])(inputs["past"])
        >>> network = keras.Model(inputs, last)
        >>> past = np.arange(6.0, dtype="float32").reshape(2, 3, 1)
        >>> arrays = {"past": past, "future": None, "labels": past[:, -1:, :] + [[[1.0]], [[-3.0]]],
        ...           "spread": np.full((2, 1, 1), 2.0)}
        >>> window_errors(network, arrays).tolist()  # errors 1 and 3, spread twice the training one
        [2.0, 6.0]
    """
    forecasts = []
    for start in range(0, len(arrays["labels"]), batch_size):
        batch = {"past": arrays["past"][start : start + batch_size]}
        if arrays["future"] is not None:
            batch["future"] = arrays["future"][start : start + batch_size]
        for key in SERIES_INPUTS:
            if key in arrays:
                batch[key] = arrays[key][start : start + batch_size]
        forecasts.append(keras.ops.convert_to_numpy(network(batch, training=False)))
    forecast = np.concatenate(forecasts).astype(np.float64)
    labels = np.asarray(arrays["labels"], np.float64)
    if quantiles is None:
        error = np.abs(forecast - labels)
    else:
        levels, residual = np.asarray(quantiles, np.float64), labels[..., None] - forecast
        error = np.maximum(levels * residual, (levels - 1.0) * residual).mean(axis=-1)
    error = error * np.asarray(arrays["spread"], np.float64)
    return np.nanmean(error.reshape(len(error), -1), axis=1)
