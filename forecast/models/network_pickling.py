"""Pickling fitted networks: Keras models travel as ``.keras`` bytes.

A fitted recurrent forecaster holds Keras models (``model_``, ``network_``, ``networks_``),
which do not pickle; :class:`PicklableNetworks` writes them as the bytes of a ``.keras`` file
in ``__getstate__`` and reads them back in ``__setstate__``, so a fitted forecaster pickles
(``joblib``, ``GridSearchCV`` with ``n_jobs``, a Spark broadcast) like any sklearn estimator.
"""

from __future__ import annotations

import os
import tempfile


class PicklableNetworks:
    """``__getstate__``/``__setstate__`` for forecasters that hold Keras models."""

    def __getstate__(self):
        state = dict(super().__getstate__())  # sklearn records its version here
        for name in ("model_", "network_"):
            if name in state:
                state[name] = _keras_to_bytes(state[name])
        if "networks_" in state:
            state["networks_"] = [_keras_to_bytes(network) for network in state["networks_"]]
        return state

    def __setstate__(self, state):
        state = dict(state)
        if "freq_" in state:  # fitted before quantile networks existed: a point network
            state.setdefault("quantile_levels_", None)
        for name in ("model_", "network_"):
            if isinstance(state.get(name), bytes):
                state[name] = _keras_from_bytes(state[name])
        if "networks_" in state:
            state["networks_"] = [
                _keras_from_bytes(n) if isinstance(n, bytes) else n for n in state["networks_"]
            ]
        super().__setstate__(state)


def _keras_to_bytes(model) -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "model.keras")
        model.save(path)
        with open(path, "rb") as handle:
            return handle.read()


def _keras_from_bytes(data: bytes):
    import keras

    import forecast.nn.networks  # noqa: F401  (registers the custom layers)

    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "model.keras")
        with open(path, "wb") as handle:
            handle.write(data)
        return keras.saving.load_model(path, compile=False)
