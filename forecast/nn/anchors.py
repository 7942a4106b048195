"""The baseline forecasts, written once for NumPy arrays and Keras tensors alike.

Every function reads a batch of input windows ``past`` ``(n, input_width, n_inputs)`` whose
first ``n_targets`` columns are the targets, and returns ``(n, horizon, n_targets)``. The array
namespace ``ops`` is either :mod:`numpy` (the baselines' in-memory forecasts) or ``keras.ops``
(their exported graphs, and the anchor a residual network corrects); only operations both
provide with the same meaning are used. The functions compute in the dtype of their inputs:
callers choose it (the baselines cast to float64, the networks stay in float32).

This module imports neither TensorFlow nor Keras: the baselines fit and forecast without them.

Example:
    >>> import numpy as np
    >>> past = np.array([[[1.0], [2.0], [3.0], [4.0]]])
    >>> seasonal_naive(np, past, n_targets=1, season_length=2, horizon=3)[0, :, 0].tolist()
    [3.0, 4.0, 3.0]
    >>> drift(np, past[:, [0, 2]], n_targets=1, horizon=2)[0, :, 0].tolist()
    [5.0, 7.0]
"""

from __future__ import annotations

from typing import Any

#: an array namespace: ``numpy`` or ``keras.ops``
Ops = Any


def seasonal_steps(input_width: int, season_length: int, horizon: int) -> list[int]:
    """The input rows the seasonal-naive forecast reads: step ``k`` repeats the value one
    season before it, row ``input_width - season_length + k % season_length``.

    Example:
        >>> seasonal_steps(input_width=4, season_length=2, horizon=3)
        [2, 3, 2]
    """
    return [input_width - season_length + (k % season_length) for k in range(horizon)]


def last_value(ops: Ops, past, n_targets: int, horizon: int):
    """Every step repeats the last observed target value.

    Example:
        >>> import numpy as np
        >>> last_value(np, np.array([[[1.0, 9.0], [2.0, 8.0]]]), 1, 3)[0, :, 0].tolist()
        [2.0, 2.0, 2.0]
    """
    return ops.repeat(past[:, -1:, :n_targets], horizon, axis=1)


def seasonal_naive(ops: Ops, past, n_targets: int, season_length: int, horizon: int):
    """Step ``k`` is the target value one season before it (the last season repeated);
    ``season_length`` must not exceed the window's width."""
    steps = seasonal_steps(past.shape[1], season_length, horizon)
    return ops.take(past[:, :, :n_targets], steps, axis=1)


def window_average(ops: Ops, past, n_targets: int, window: int, horizon: int):
    """Every step is the mean of the last ``window`` target values.

    Example:
        >>> import numpy as np
        >>> past = np.array([[[1.0], [2.0], [3.0], [7.0]]])
        >>> window_average(np, past, 1, window=3, horizon=2)[0, :, 0].tolist()
        [4.0, 4.0]
    """
    mean = ops.mean(past[:, -window:, :n_targets], axis=1, keepdims=True)
    return ops.repeat(mean, horizon, axis=1)


def drift(ops: Ops, past, n_targets: int, horizon: int):
    """Extend the straight line through the first and last target values of the window: step
    ``k`` (from 1) is ``last + k * (last - first) / (input_width - 1)``; the window needs at
    least two steps."""
    targets = past[:, :, :n_targets]
    last = targets[:, -1:, :]
    slope = (last - targets[:, :1, :]) / (past.shape[1] - 1)
    return ops.concatenate([last + float(k) * slope for k in range(1, horizon + 1)], axis=1)


def flat_features(ops: Ops, past, future=None):
    """The linear model's features ``(n, input_width * n_inputs [+ horizon * n_future])``: every
    column of the window, step by step, then the known-future features of the forecast steps.

    Example:
        >>> import numpy as np
        >>> past, future = np.arange(4.0).reshape(1, 2, 2), np.array([[[10.0], [11.0]]])
        >>> flat_features(np, past, future).tolist()
        [[0.0, 1.0, 2.0, 3.0, 10.0, 11.0]]
    """
    parts = [ops.reshape(past, (-1, past.shape[1] * past.shape[2]))]
    if future is not None:
        parts.append(ops.reshape(future, (-1, future.shape[1] * future.shape[2])))
    return ops.concatenate(parts, axis=1)


def linear(ops: Ops, past, future, weights, bias, horizon: int):
    """The linear model's affine map ``flat_features(past, future) @ weights + bias``, its
    ``horizon * n_targets`` outputs (step by step) reshaped to ``(n, horizon, n_targets)``.

    Args:
        ops: the array namespace.
        past: the input windows.
        future: the known-future features of the forecast steps ``(n, horizon, n_future)``,
            or ``None`` when the model reads none.
        weights: ``(n_features, horizon * n_targets)``.
        bias: ``(horizon * n_targets,)``.
        horizon: steps forecast.

    Example:
        >>> import numpy as np
        >>> past = np.array([[[1.0], [3.0]]])  # two steps of one column
        >>> weights = np.array([[0.0, -1.0], [1.0, 2.0]])  # step 1: x2; step 2: 2 x2 - x1
        >>> linear(np, past, None, weights, np.array([0.5, 0.0]), horizon=2)[0, :, 0].tolist()
        [3.5, 5.0]
    """
    out = ops.add(ops.matmul(flat_features(ops, past, future), weights), bias)
    return ops.reshape(out, (-1, horizon, weights.shape[-1] // horizon))
