"""Split-conformal arithmetic: nonconformity scores, the finite-sample rank, quantile offsets.

On ``n`` calibration windows, the score of every horizon step and target is

* ``method="absolute"``: ``|y - f| / s``, symmetric intervals ``f +- s * Q``;
* ``method="signed"``: ``(y - f) / s``, each quantile from its own tail (an interval that may
  lean to the side the model errs on);

``s`` being ``1`` or, with ``scale="local"``, the local spread of the window (:func:`local_spread`).
The interval of coverage ``c`` reads the ``k``-th smallest score with
``k = ceil((n + 1) * c)`` (the ``ceil((n + 1)(1 - alpha)) / n`` empirical quantile, alpha =
``1 - c``): with exchangeable windows it covers at least ``c`` of new ones. A quantile level
``q`` above 1/2 is the upper bound of the interval of coverage ``2q - 1`` (absolute) or the
``ceil((n + 1) q)``-th smallest signed score; below 1/2, the mirror image.

Example:
    >>> scores = np.arange(1.0, 10.0)  # nine calibration windows: 1, 2, ..., 9
    >>> finite_sample_rank(9, 0.8)  # ceil(10 * 0.8) = 8: the 8th smallest score
    8
    >>> quantile_offsets(scores[:, None, None], (0.1, 0.5, 0.9), "absolute")[0, 0].tolist()
    [-8.0, 0.0, 8.0]
    >>> quantile_offsets(np.arange(-4.0, 5.0)[:, None, None], (0.1, 0.9), "signed")[0, 0].tolist()
    [-4.0, 4.0]
    >>> windows_needed(0.95)  # ceil(20 * 0.95) = 19 <= 19 scores
    19
"""

from __future__ import annotations

import math
import warnings

import numpy as np

#: Tolerance of the rank arithmetic (``(n + 1) * 0.8`` must not round above an integer).
_EPS = 1e-9


def finite_sample_rank(n: int, level: float) -> int:
    """``ceil((n + 1) * level)``: the rank (1 = smallest) of the score that bounds ``level``
    of ``n`` calibration scores and one new one; above ``n`` the bound is infinite."""
    return int(math.ceil((n + 1) * level - _EPS))


def windows_needed(level: float) -> int:
    """The fewest calibration scores whose rank :func:`finite_sample_rank` is finite."""
    return int(math.ceil(level / (1.0 - level) - _EPS))


def nonconformity(actual: np.ndarray, forecast: np.ndarray, spread, method: str) -> np.ndarray:
    """The scores of calibration windows ``(n, horizon, n_targets)``, ``spread`` broadcasting
    (``(n, 1, n_targets)`` or ``1``)."""
    residual = (np.asarray(actual, np.float64) - np.asarray(forecast, np.float64)) / spread
    return np.abs(residual) if method == "absolute" else residual


def quantile_offsets(scores: np.ndarray, quantiles: tuple, method: str) -> np.ndarray:
    """The offsets ``(horizon, n_targets, n_levels)`` (in units of the spread) that move a
    point forecast to each quantile level, from the scores ``(n, horizon, n_targets)`` sorted
    along the first axis; ``inf`` (or ``-inf``) where too few scores bound a level."""
    n = scores.shape[0]

    def kth(rank: int) -> np.ndarray:
        if rank > n:
            return np.full(scores.shape[1:], np.inf)
        if rank < 1:
            return np.full(scores.shape[1:], -np.inf)
        return scores[rank - 1]

    columns = []
    for q in quantiles:
        if method == "absolute":
            if abs(q - 0.5) < _EPS:
                columns.append(np.zeros(scores.shape[1:]))
                continue
            magnitude = kth(finite_sample_rank(n, abs(2.0 * q - 1.0)))
            columns.append(magnitude if q > 0.5 else -magnitude)
        elif q >= 0.5:
            columns.append(kth(finite_sample_rank(n, q)))
        else:  # the mirror of the upper rule: the (n + 1 - ceil((n + 1)(1 - q)))-th smallest
            columns.append(kth(n + 1 - finite_sample_rank(n, 1.0 - q)))
    return np.stack(columns, axis=-1)


def level_needing_most(quantiles: tuple, method: str) -> float:
    """The rank level of the most extreme of ``quantiles`` (what decides how many
    calibration windows they need)."""
    if method == "absolute":
        return max(abs(2.0 * q - 1.0) for q in quantiles)
    return max(max(q, 1.0 - q) for q in quantiles)


def local_spread(targets: np.ndarray) -> np.ndarray:
    """The local spread of every window's targets ``(n, input_width, n_targets)``: the mean
    absolute change from one step to the next over the window, ``(n, 1, n_targets)`` (NaN
    where the window has fewer than two values)."""
    changes = np.abs(np.diff(np.asarray(targets, np.float64), axis=1))
    with np.errstate(invalid="ignore"):
        count = np.sum(~np.isnan(changes), axis=1, keepdims=True)
        total = np.nansum(changes, axis=1, keepdims=True)
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def spread_floor(spreads: np.ndarray) -> np.ndarray:
    """Per target, the smallest spread used: 1% of the median calibration spread (1 where
    that is 0 or undefined), so a flat window does not give a zero-width interval."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a target without any spread: 1
        median = np.nanmedian(spreads.reshape(-1, spreads.shape[-1]), axis=0)
    floor = 0.01 * median
    return np.where(np.isfinite(floor) & (floor > 0), floor, 1.0)


def floored(spreads: np.ndarray, floor: np.ndarray) -> np.ndarray:
    """``spreads`` with NaN and values below ``floor`` (per target) raised to it."""
    return np.where(np.isnan(spreads), floor, np.maximum(spreads, floor))


def cqr_scores(actual: np.ndarray, bounds: np.ndarray, spread) -> np.ndarray:
    """Conformalised quantile regression's scores ``(n, horizon, n_targets, n_coverages)``:
    ``max(lo - y, y - hi) / s`` for each coverage's trained bounds, ``bounds`` holding
    ``(lo, hi)`` of every coverage in turn along its last axis (``lo_1, hi_1, lo_2, ...``);
    negative where the label lies inside, by its distance to the nearer bound.

    Example:
        >>> bounds = np.array([[[[1.0, 3.0]]], [[[1.0, 3.0]]]])  # two windows, one coverage
        >>> cqr_scores(np.array([[[2.5]], [[5.0]]]), bounds, 1.0)[:, 0, 0].tolist()
        [[-0.5], [2.0]]
    """
    actual = np.asarray(actual, np.float64)[..., None]
    lower, upper = (
        np.asarray(bounds, np.float64)[..., 0::2],
        np.asarray(bounds, np.float64)[..., 1::2],
    )
    spread = spread if np.isscalar(spread) else np.asarray(spread)[..., None]
    return np.maximum(lower - actual, actual - upper) / spread


def cqr_offsets(scores: np.ndarray, coverages: tuple, quantiles: tuple) -> np.ndarray:
    """The offsets ``(horizon, n_targets, n_levels)`` (in units of the spread) that move a
    quantile network's own levels to their calibrated values: ``-Q`` for the lower bound of
    the interval of coverage ``c``, ``+Q`` for its upper bound (``Q`` the
    ``ceil((n + 1) c)``-th smallest CQR score of that coverage: it widens the interval when
    positive, narrows it when negative), 0 for the median; ``inf`` where too few scores bound
    it.

    Raises:
        ValueError: a level that is neither the median nor a bound of a calibrated coverage.

    Example:
        >>> scores = np.arange(-4.0, 5.0)[:, None, None, None]  # nine windows: -4, ..., 4
        >>> cqr_offsets(scores, (0.8,), (0.1, 0.5, 0.9))[0, 0].tolist()  # rank 8: 3
        [-3.0, 0.0, 3.0]
    """
    n = scores.shape[0]
    columns = []
    for q in quantiles:
        if abs(q - 0.5) < _EPS:
            columns.append(np.zeros(scores.shape[1:-1]))
            continue
        matches = [j for j, c in enumerate(coverages) if abs(abs(2.0 * q - 1.0) - c) < 1e-7]
        if not matches:
            raise ValueError(
                f"the quantile {q} bounds none of the calibrated coverages {list(coverages)}: "
                "conformalised quantile regression gives their bounds and the median only"
            )
        rank = finite_sample_rank(n, coverages[matches[0]])
        magnitude = scores[rank - 1, ..., matches[0]] if rank <= n else np.inf
        columns.append(np.broadcast_to(magnitude if q > 0.5 else -magnitude, scores.shape[1:-1]))
    return np.stack(columns, axis=-1)
