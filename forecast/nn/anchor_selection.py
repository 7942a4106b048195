"""Which baseline a residual network starts from: scored on the validation windows.

A residual network forecasts ``anchor + correction``. With ``residual="auto"`` the anchor is
the candidate that forecasts the validation windows best, so the network starts from the
best one-line baseline the data offers and learns only what that baseline misses:

* ``"last"``: the last observed target value, repeated;
* ``"seasonal:<s>"``: the seasonal-naive forecast of every season ``s`` the frequency suggests
  (:func:`forecast.features.calendar_features.candidate_seasons`) that fits in the window;
* ``"linear"``: a ridge regression from the window's targets to the forecast steps, fitted on
  the training windows; ``"linear+calendar"`` also reads the known-future inputs of the
  forecast steps (when the network has some: the calendar and the future covariates, scaled
  like the network's inputs; the name is kept from when the calendar was the only one).

The candidate with the lowest validation error is kept; ties go to the earlier one in the
order of trust: the linear model first (on the generalisation benchmark,
``benchmarks/generalization.py``, it is the best single baseline on most datasets, and with a
window at least a season long it can copy a seasonal-naive forecast), then the seasons, then
the last value. (Requiring the others to beat the linear anchor by a standard error was
measured too, and lost more than it saved: on short monthly series it kept the linear anchor
where the season was right.)

Everything here works in the network's scaled units (see :mod:`forecast.nn.scaling`): the
candidates read scaled windows and are scored on scaled labels divided back by each window's
scale relative to the training scale, i.e. by the mean absolute error in units of each
target's training spread, so several targets weigh alike and per-window scaling changes
nothing in the ranking.

Example:
    >>> import numpy as np
    >>> past = np.tile([0.0, 1.0, 2.0, 1.0], 6)[None, :, None].repeat(8, axis=0)
    >>> labels = past[:, :4, :]
    >>> candidates = candidate_anchors(seasons=(2, 4), input_width=24)
    >>> candidates
    ('linear', 'seasonal:2', 'seasonal:4', 'last')
    >>> candidate_anchors(seasons=(2, 4), input_width=24, calendar=True)[:2]
    ('linear', 'linear+calendar')
    >>> naive = ("last", "seasonal:2", "seasonal:4")
    >>> best, scores, _ = choose_anchor(naive, past, None, labels, past, None, labels)
    >>> best, round(scores["seasonal:4"], 6), round(scores["last"], 3)
    ('seasonal:4', 0.0, 0.5)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from forecast.nn import anchors

#: the ridge penalty of the linear anchor (on standardised features)
LINEAR_ALPHA = 1.0


@dataclass(frozen=True)
class LinearAnchor:
    """A fitted linear anchor: ``flat_features(targets, future) @ weights + bias``, in scaled
    units (float32 arrays, ``weights`` ``(n_features, horizon * n_targets)``)."""

    weights: np.ndarray
    bias: np.ndarray

    def forecast(self, ops, past, future, n_targets: int, horizon: int):
        """The anchor of a batch of scaled windows, ``(n, horizon, n_targets)``."""
        return anchors.linear(ops, past[:, :, :n_targets], future, self.weights, self.bias, horizon)


def candidate_anchors(
    seasons: Sequence[int], input_width: int, calendar: bool = False
) -> tuple[str, ...]:
    """The anchors ``residual="auto"`` scores, in their order of trust: the linear model and,
    with calendar features, the linear model that reads them too, each season that fits in
    the window (at most ``input_width``), the last value."""
    fitting = [f"seasonal:{int(s)}" for s in seasons if 1 < int(s) <= input_width]
    return ("linear", *(("linear+calendar",) if calendar else ()), *fitting, "last")


def parse_anchor(name: str) -> tuple[str, int | None]:
    """``"seasonal:24"`` -> ``("seasonal", 24)``; ``"last"`` -> ``("last", None)``; both linear
    anchors are of kind ``"linear"`` (their :class:`LinearAnchor` says what they read).

    Example:
        >>> parse_anchor("seasonal:168"), parse_anchor("linear"), parse_anchor("linear+calendar")
        (('seasonal', 168), ('linear', None), ('linear', None))
    """
    if name in ("linear", "linear+calendar"):
        return "linear", None
    kind, _, season = name.partition(":")
    if kind not in ("last", "seasonal") or (kind == "seasonal") != bool(season):
        raise ValueError(
            f"unknown anchor {name!r}: 'last', 'seasonal:<season>', 'linear' or 'linear+calendar'"
        )
    return kind, int(season) if season else None


def fit_linear_anchor(past, future, labels, n_targets: int, calendar: bool = True) -> LinearAnchor:
    """Ridge from the scaled target windows (and, with ``calendar``, the future calendar) to
    the scaled labels, features standardised before the penalty, folded into one float32
    affine map. Without ``calendar`` the future features get zero weights: the map reads the
    same inputs either way."""
    from sklearn.linear_model import Ridge

    read = future if calendar else None
    features = anchors.flat_features(np, np.asarray(past[:, :, :n_targets], np.float64), read)
    targets = np.asarray(labels, np.float64).reshape(len(labels), -1)
    mean, spread = features.mean(axis=0), features.std(axis=0)
    spread[spread == 0] = 1.0
    ridge = Ridge(alpha=LINEAR_ALPHA).fit((features - mean) / spread, targets)
    coef = np.asarray(ridge.coef_, np.float64) / spread[None, :]
    bias = np.asarray(ridge.intercept_, np.float64) - coef @ mean
    weights = coef.T
    if future is not None and read is None:  # the calendar it does not read: zero weights
        unused = np.zeros((future.shape[1] * future.shape[2], weights.shape[1]))
        weights = np.concatenate([weights, unused])
    return LinearAnchor(weights.astype(np.float32), bias.astype(np.float32))


def anchor_forecast(name: str, past, future, n_targets: int, horizon: int, linear=None):
    """The forecast of anchor ``name`` for scaled NumPy windows ``(n, horizon, n_targets)``
    (``linear``: the fitted :class:`LinearAnchor` of a linear anchor)."""
    kind, season = parse_anchor(name)
    if kind == "last":
        return anchors.last_value(np, past, n_targets, horizon)
    if kind == "seasonal":
        return anchors.seasonal_naive(np, past, n_targets, season, horizon)
    if linear is None:
        raise ValueError(f"the {name} anchor needs its fitted LinearAnchor")
    return linear.forecast(np, past, future, n_targets, horizon)


def choose_anchor(
    candidates: Sequence[str],
    train_past,
    train_future,
    train_labels,
    val_past,
    val_future,
    val_labels,
    val_spread=None,
) -> tuple[str, dict[str, float], LinearAnchor | None]:
    """Score every candidate on the validation windows; return the chosen one, every score,
    and the chosen linear anchor fitted on the training windows (``None`` unless linear).

    Args:
        candidates: anchor names, in their order of trust (see :func:`candidate_anchors`).
        train_past, train_future, train_labels: scaled training windows (the linear anchors'
            fit); ``*_future`` is ``None`` without calendar features.
        val_past, val_future, val_labels: scaled validation windows.
        val_spread: each validation window's target scale relative to the training scale
            ``(n, 1, n_targets)`` (per-window scaling), ``None`` for 1.

    Returns:
        ``(chosen, scores, linear)``; scores are mean absolute errors in units of each target's
        training spread. Ties go to the earlier candidate.
    """
    n_targets, horizon = val_labels.shape[2], val_labels.shape[1]
    linears = {
        name: fit_linear_anchor(
            train_past, train_future, train_labels, n_targets, calendar=name != "linear"
        )
        for name in candidates
        if parse_anchor(name)[0] == "linear"
    }
    weight = 1.0 if val_spread is None else np.asarray(val_spread, np.float64)
    scores = {}
    for name in candidates:
        forecast = anchor_forecast(
            name, val_past, val_future, n_targets, horizon, linears.get(name)
        )
        error = np.abs(np.asarray(forecast, np.float64) - val_labels) * weight
        scores[name] = float(np.nanmean(error))
    best = min(candidates, key=lambda name: (scores[name], candidates.index(name)))
    return best, scores, linears.get(best)
