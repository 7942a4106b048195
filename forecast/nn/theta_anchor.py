"""The Theta method as one fixed linear map of the input window: an anchor a network can start from.

The Theta method (Assimakopoulos and Nikolopoulos, 2000), in the form Hyndman and Billah (2003)
showed it to be, simple exponential smoothing with a drift of half the trend's slope, is a
classical forecast that wins often on short trending series (it won the M3 competition).
Computed on each input window alone with a fixed smoothing weight ``alpha``, every step of it
is linear in the window's values:

* the seasonal indices (``season`` > 1, two whole seasons in the window): each phase's mean
  over the window, centred so that they sum to zero; the window is adjusted by them;
* the level: simple exponential smoothing of the adjusted window from its first value;
* the drift: half the least-squares slope of the adjusted window;
* step ``h``: ``level + slope / 2 * (h - 1 + 1 / alpha - (1 - alpha) ** input_width / alpha)``
  plus the seasonal index of its phase.

So the whole forecast is one ``(input_width, horizon)`` matrix (:func:`theta_weights`), which
runs in the network as the same fixed layer as the linear anchors. The weights of every step
sum to one (a constant window forecasts itself), so the map commutes with shifting and scaling
the data, and scaled windows give the scaled forecast. ``alpha`` is the one parameter fitted:
the value of :data:`ALPHAS` with the lowest mean absolute error on the training windows
(:func:`fit_alpha`), as exponential smoothing fits its weight on the past.

Example:
    >>> import numpy as np
    >>> weights = theta_weights(input_width=4, season=1, horizon=2, alpha=0.5)
    >>> np.round(np.array([0.0, 0.0, 0.0, 4.0]) @ weights, 6).tolist()  # level 2, slope 1.2
    [3.125, 3.725]
    >>> np.allclose(weights.sum(axis=0), 1.0)
    True
    >>> pattern = np.tile([1.0, 5.0, 3.0], 3)  # a season of 3, no trend: continued exactly
    >>> np.round(pattern @ theta_weights(9, season=3, horizon=4, alpha=0.3), 6).tolist()
    [1.0, 5.0, 3.0, 1.0]
"""

from __future__ import annotations

import warnings

import numpy as np

#: the smoothing weights :func:`fit_alpha` chooses from
ALPHAS = (0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9)


def theta_weights(input_width: int, season: int, horizon: int, alpha: float) -> np.ndarray:
    """The Theta forecast as a matrix: ``window @ theta_weights(...)`` gives the ``horizon``
    steps after a window of ``input_width`` values (see the module docstring).

    Raises:
        ValueError: a ``season`` above 1 whose two cycles do not fit in the window, or an
            ``alpha`` outside ``(0, 1]``.
    """
    width, season = int(input_width), int(season)
    if season > 1 and 2 * season > width:
        raise ValueError(
            f"the Theta anchor needs two seasons ({2 * season}) in the window ({width})"
        )
    if not 0.0 < alpha <= 1.0:
        raise ValueError(f"alpha must lie in (0, 1], got {alpha}")
    basis = np.eye(width)  # row i: the window that is 1 at step i; its forecast is row i
    steps = np.arange(1, int(horizon) + 1)
    indices = np.zeros((width, max(season, 1)))
    if season > 1:
        phase = (np.arange(width) - width) % season  # each row's phase, relative to the origin
        indices = np.stack([basis[:, phase == k].mean(axis=1) for k in range(season)], axis=1)
        indices -= indices.mean(axis=1, keepdims=True)
        adjusted = basis - indices[:, phase]
    else:
        adjusted = basis
    level = adjusted[:, 0]
    for t in range(1, width):
        level = alpha * adjusted[:, t] + (1.0 - alpha) * level
    time = np.arange(width) - (width - 1) / 2.0
    slope = (adjusted - adjusted.mean(axis=1, keepdims=True)) @ time / np.sum(time**2)
    drift = steps - 1 + 1.0 / alpha - (1.0 - alpha) ** width / alpha
    forecast = level[:, None] + 0.5 * slope[:, None] * drift[None, :]
    return forecast + indices[:, (steps - 1) % max(season, 1)]


def fit_alpha(past: np.ndarray, labels: np.ndarray, season: int) -> float:
    """The smoothing weight of :data:`ALPHAS` whose Theta forecasts of the windows ``past``
    ``(n, input_width, n_targets)`` have the lowest mean absolute error against ``labels``
    ``(n, horizon, n_targets)`` (NaN labels left out; ties: the smaller weight).

    Example:
        >>> import numpy as np
        >>> walk = np.cumsum(np.random.default_rng(0).normal(size=400))
        >>> past = np.stack([walk[i : i + 8] for i in range(390)])[:, :, None]
        >>> labels = np.stack([walk[i + 8 : i + 10] for i in range(390)])[:, :, None]
        >>> fit_alpha(past, labels, season=1)  # a random walk: the last value, smoothed least
        0.9
    """
    past, labels = np.asarray(past, np.float64), np.asarray(labels, np.float64)
    width, horizon = past.shape[1], labels.shape[1]
    errors = []
    for alpha in ALPHAS:
        weights = theta_weights(width, season, horizon, alpha)
        forecast = np.einsum("nwt,wh->nht", past, weights)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # windows of NaN labels only
            errors.append(float(np.nanmean(np.abs(forecast - labels))))
    return ALPHAS[int(np.nanargmin(errors))]
