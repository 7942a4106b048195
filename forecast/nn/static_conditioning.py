"""Static conditioning: the static covariates and a series embedding start the encoder.

A network built with a ``conditioning`` (see :func:`conditioning_inputs`) has up to two more
inputs beside ``"past"`` and ``"future"``:

* ``"static"``: ``(batch, n_static)`` float32, the raw encoded static covariates (numeric
  values, one-hot categories: :meth:`forecast.features.static_features.StaticEncoding.encode`),
  scaled inside the graph by :class:`StaticScaler`;
* ``"series_index"``: ``(batch,)`` int32, each window's series, looked up in a learned
  ``Embedding`` of ``embedding_dim``.

Their concatenation is mapped, by one ``Dense`` layer with ``tanh`` per recurrent state, to
the **initial state of every encoder layer** (``h``, and ``c`` for an LSTM; forward and
backward for a bidirectional one). The initial state conditions the encoder whatever the
multi-step strategy, as the decoders start from the encoder's states; the head and the
anchor are unchanged, so an untrained residual network still forecasts its anchor exactly.

Example:
    >>> import keras, numpy as np
    >>> conditioning = {"center": [0.0, 10.0], "scale": [1.0, 5.0], "n_series": 3,
    ...                 "embedding_dim": 2}
    >>> inputs = conditioning_inputs(conditioning)
    >>> sorted(inputs)
    ['series_index', 'static']
    >>> vector = conditioning_vector(inputs, conditioning)
    >>> states = initial_states(vector, "lstm", (4, 3), bidirectional=False)
    >>> [len(layer) for layer in states], states[1][0].shape
    ([2, 2], (None, 3))
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import keras
from keras import layers, ops


@keras.saving.register_keras_serializable(package="forecast")
class StaticScaler(layers.Layer):
    """``(static - center) / scale`` with the training statistics of the static covariates.

    Example:
        >>> import numpy as np
        >>> scaler = StaticScaler([0.0, 10.0], [1.0, 5.0])
        >>> np.asarray(scaler(np.array([[1.0, 20.0]], "float32"))).tolist()
        [[1.0, 2.0]]
    """

    def __init__(self, center: Sequence[float], scale: Sequence[float], **kwargs):
        super().__init__(**kwargs)
        self.center = [float(c) for c in center]
        self.scale = [float(s) for s in scale]

    def call(self, static):
        center = ops.convert_to_tensor(self.center, dtype=static.dtype)
        scale = ops.convert_to_tensor(self.scale, dtype=static.dtype)
        return (static - center) / scale

    def get_config(self) -> dict:
        return {**super().get_config(), "center": self.center, "scale": self.scale}


def conditioning_inputs(conditioning: Mapping[str, Any] | None) -> dict:
    """The Keras inputs a ``conditioning`` adds (``{}`` for ``None``): ``"static"`` when it
    has static columns (``center``), ``"series_index"`` when it has an ``embedding_dim``."""
    if not conditioning:
        return {}
    inputs = {}
    if conditioning.get("center"):
        inputs["static"] = keras.Input((len(conditioning["center"]),), name="static")
    if conditioning.get("embedding_dim"):
        inputs["series_index"] = keras.Input((), dtype="int32", name="series_index")
    return inputs


def conditioning_vector(inputs: Mapping[str, Any], conditioning: Mapping[str, Any] | None):
    """The scaled static covariates and the series embedding side by side (``None``
    without either)."""
    parts = []
    if "static" in inputs:
        scaler = StaticScaler(conditioning["center"], conditioning["scale"], name="static_scaler")
        parts.append(scaler(inputs["static"]))
    if "series_index" in inputs:
        embedding = layers.Embedding(
            int(conditioning["n_series"]), int(conditioning["embedding_dim"]),
            name="series_embedding",
        )  # fmt: skip
        parts.append(embedding(inputs["series_index"]))
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else layers.Concatenate(name="conditioning")(parts)


def initial_states(vector, cell: str, units: Sequence[int], bidirectional: bool) -> list | None:
    """For every encoder layer, its initial states from the conditioning ``vector`` (``None``
    without one): one ``Dense(width, tanh)`` per state."""
    if vector is None:
        return None
    per_direction = 2 if cell == "lstm" else 1
    n_states = per_direction * (2 if bidirectional else 1)
    return [
        [
            layers.Dense(width, activation="tanh", name=f"static_state_{i}_{k}")(vector)
            for k in range(n_states)
        ]
        for i, width in enumerate(units)
    ]
