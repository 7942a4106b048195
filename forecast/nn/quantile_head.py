"""Quantile heads: every quantile of every step and target, non-crossing by construction.

A quantile network emits its median as a point network emits its forecast (the anchor plus a
correction, so the untrained network still forecasts its anchor) and, beside it, one raw
*increment* per gap between neighbouring levels. :class:`QuantileFan` turns them into the
levels: those below the median are the median minus the cumulative softplus of the
increments outward, those above the median plus them, so a level never falls below the one
beneath it, whatever the weights. The increments start small but non-zero
(:func:`initial_increments`: the gaps of a normal distribution of :data:`INITIAL_SPREAD`
training standard deviations), so the untrained fan is narrow and every gap has a gradient.

:class:`PinballLoss` trains them: the mean over levels of ``max(q (y - f), (q - 1) (y - f))``.

Example:
    >>> import numpy as np
    >>> levels = (0.1, 0.5, 0.9)
    >>> fan = QuantileFan(levels)
    >>> median = np.zeros((1, 1, 1), "float32"); raw = np.zeros((1, 1, 1, 2), "float32")
    >>> keras.ops.convert_to_numpy(fan([median, raw]))[0, 0, 0].astype(float).round(4).tolist()
    [-0.6931, 0.0, 0.6931]
    >>> y = np.array([[[1.0]]], "float32"); f = np.array([[[[0.0, 0.0, 2.0]]]], "float32")
    >>> float(PinballLoss(levels)(y, f))  # (0.1 * 1 + 0.5 * 1 + 0.1 * 1) / 3
    0.2333...
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from statistics import NormalDist

import keras
import numpy as np
from keras import ops

#: The untrained fan's spread: the gaps of a normal distribution with this standard
#: deviation, in scaled units (a tenth of a training standard deviation).
INITIAL_SPREAD = 0.1
#: The level every quantile network trains: its point forecast.
MEDIAN = 0.5


def with_median(levels: Sequence[float]) -> tuple[float, ...]:
    """``levels`` sorted, with the median added if missing (every quantile network trains it).

    Example:
        >>> with_median((0.9, 0.1))
        (0.1, 0.5, 0.9)
    """
    return tuple(sorted({*(float(q) for q in levels), MEDIAN}))


def initial_increments(levels: Sequence[float], spread: float = INITIAL_SPREAD) -> np.ndarray:
    """The raw increments (before softplus) of the untrained fan, one per gap between
    neighbouring ``levels``: the gaps of a normal distribution of standard deviation
    ``spread``, so the softplus of each is that gap.

    Example:
        >>> initial_increments((0.1, 0.5, 0.9)).astype(float).round(3).tolist()
        [-1.99, -1.99]
    """
    z = [NormalDist().inv_cdf(q) for q in levels]
    gaps = [spread * (b - a) for a, b in zip(z[:-1], z[1:])]
    return np.array([math.log(math.expm1(g)) for g in gaps], dtype=np.float32)


def increments_layer(levels: Sequence[float], n_outputs: int, name: str | None = None):
    """A ``Dense`` layer emitting ``n_outputs`` groups of ``len(levels) - 1`` raw increments,
    its kernel at zero and its bias at :func:`initial_increments` (set it with
    :func:`start_increments` once the layer is built)."""
    return keras.layers.Dense(n_outputs * (len(levels) - 1), kernel_initializer="zeros", name=name)


def start_increments(dense, levels: Sequence[float]) -> None:
    """Set a built :func:`increments_layer`'s bias to the untrained fan's increments."""
    start = initial_increments(levels)
    dense.bias.assign(np.tile(start, dense.units // len(start)))


@keras.saving.register_keras_serializable(package="forecast")
class QuantileFan(keras.layers.Layer):
    """``[median (..., n), raw increments (..., n, n_levels - 1)]`` -> the levels
    ``(..., n, n_levels)``, ascending: the median minus (below) or plus (above) the
    cumulative softplus of the increments, counted outward from the median.

    Args:
        levels: the ascending levels, the median among them.
    """

    def __init__(self, levels: Sequence[float], **kwargs):
        super().__init__(**kwargs)
        self.levels = tuple(float(q) for q in levels)
        if MEDIAN not in self.levels or list(self.levels) != sorted(set(self.levels)):
            raise ValueError(f"levels must be ascending and hold 0.5, got {self.levels}")
        self.median_index = self.levels.index(MEDIAN)

    def call(self, inputs):
        median, raw = inputs
        steps = ops.softplus(raw)
        m = self.median_index
        centre = ops.expand_dims(median, -1)
        parts = []
        if m > 0:  # the gaps below, summed from the median down
            below = ops.flip(ops.cumsum(ops.flip(steps[..., :m], axis=-1), axis=-1), axis=-1)
            parts.append(centre - below)
        parts.append(centre)
        if m < len(self.levels) - 1:
            parts.append(centre + ops.cumsum(steps[..., m:], axis=-1))
        return ops.concatenate(parts, axis=-1)

    def get_config(self) -> dict:
        return {**super().get_config(), "levels": list(self.levels)}


def pinball(labels, forecasts, levels: Sequence[float]):
    """The pinball loss of every level, ``(..., n_levels)``, of ``forecasts (..., n_levels)``
    for ``labels (...)`` (on ``keras.ops``: tensors and arrays alike)."""
    q = ops.convert_to_tensor(np.asarray(levels, dtype="float32"))
    error = ops.expand_dims(ops.cast(labels, "float32"), -1) - ops.cast(forecasts, "float32")
    return ops.maximum(q * error, (q - 1.0) * error)


@keras.saving.register_keras_serializable(package="forecast")
class PinballLoss(keras.losses.Loss):
    """The mean pinball loss over ``levels`` of forecasts ``(batch, horizon, n_targets,
    n_levels)`` for labels ``(batch, horizon, n_targets)``; per element (``reduction=None``)
    ``(batch, horizon, n_targets)``, else their mean."""

    def __init__(self, levels: Sequence[float], name: str = "pinball", **kwargs):
        super().__init__(name=name, **kwargs)
        self.levels = tuple(float(q) for q in levels)

    def call(self, y_true, y_pred):
        return ops.mean(pinball(y_true, y_pred, self.levels), axis=-1)

    def get_config(self) -> dict:
        return {**super().get_config(), "levels": list(self.levels)}
