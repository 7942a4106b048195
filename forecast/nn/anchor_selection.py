"""Which baseline a residual network starts from: scored on the validation windows.

A residual network forecasts ``anchor + correction``. With ``residual="auto"`` the anchor is
the candidate that forecasts the validation windows best, so the network starts from the
best one-line baseline the data offers and learns only what that baseline misses:

* ``"last"``: the last observed target value, repeated;
* ``"seasonal:<s>"``: the seasonal-naive forecast of every season ``s`` the frequency suggests
  (:func:`forecast.features.calendar_features.candidate_seasons`) that fits in the window;
* ``"linear"``: a ridge regression from the window's targets (and the calendar of the forecast
  steps) to the forecast steps, fitted on the training windows.

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
    ('last', 'seasonal:2', 'seasonal:4', 'linear')
    >>> best, scores, _ = choose_anchor(candidates, past, None, labels, past, None, labels)
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


def candidate_anchors(seasons: Sequence[int], input_width: int) -> tuple[str, ...]:
    """The anchors ``residual="auto"`` scores: last value, each season that fits in the window
    (at most ``input_width``), and the linear model."""
    fitting = [f"seasonal:{int(s)}" for s in seasons if 1 < int(s) <= input_width]
    return ("last", *fitting, "linear")


def parse_anchor(name: str) -> tuple[str, int | None]:
    """``"seasonal:24"`` -> ``("seasonal", 24)``; ``"last"`` -> ``("last", None)``.

    Example:
        >>> parse_anchor("seasonal:168"), parse_anchor("linear")
        (('seasonal', 168), ('linear', None))
    """
    kind, _, season = name.partition(":")
    if kind not in ("last", "seasonal", "linear") or (kind == "seasonal") != bool(season):
        raise ValueError(f"unknown anchor {name!r}: 'last', 'seasonal:<season>' or 'linear'")
    return kind, int(season) if season else None


def fit_linear_anchor(past, future, labels, n_targets: int) -> LinearAnchor:
    """Ridge from the scaled target windows (and future calendar) to the scaled labels,
    features standardised before the penalty, folded into one float32 affine map."""
    from sklearn.linear_model import Ridge

    features = anchors.flat_features(np, np.asarray(past[:, :, :n_targets], np.float64), future)
    targets = np.asarray(labels, np.float64).reshape(len(labels), -1)
    mean, spread = features.mean(axis=0), features.std(axis=0)
    spread[spread == 0] = 1.0
    ridge = Ridge(alpha=LINEAR_ALPHA).fit((features - mean) / spread, targets)
    coef = np.asarray(ridge.coef_, np.float64) / spread[None, :]
    bias = np.asarray(ridge.intercept_, np.float64) - coef @ mean
    return LinearAnchor(coef.T.astype(np.float32), bias.astype(np.float32))


def anchor_forecast(name: str, past, future, n_targets: int, horizon: int, linear=None):
    """The forecast of anchor ``name`` for scaled NumPy windows ``(n, horizon, n_targets)``."""
    kind, season = parse_anchor(name)
    if kind == "last":
        return anchors.last_value(np, past, n_targets, horizon)
    if kind == "seasonal":
        return anchors.seasonal_naive(np, past, n_targets, season, horizon)
    if linear is None:
        raise ValueError("the linear anchor needs its fitted LinearAnchor")
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
    """Score every candidate on the validation windows; return the best, every score, and
    the fitted linear anchor (``None`` when it is not a candidate).

    Args:
        candidates: anchor names (see :func:`candidate_anchors`).
        train_past, train_future, train_labels: scaled training windows (the linear anchor's
            fit); ``*_future`` is ``None`` without calendar features.
        val_past, val_future, val_labels: scaled validation windows.
        val_spread: each validation window's target scale relative to the training scale
            ``(n, 1, n_targets)`` (per-window scaling), ``None`` for 1.

    Returns:
        ``(best, scores, linear)``; scores are mean absolute errors in units of each target's
        training spread. Ties go to the earlier (simpler) candidate.
    """
    n_targets, horizon = val_labels.shape[2], val_labels.shape[1]
    linear = None
    if "linear" in candidates:
        linear = fit_linear_anchor(train_past, train_future, train_labels, n_targets)
    weight = 1.0 if val_spread is None else np.asarray(val_spread, np.float64)
    scores = {}
    for name in candidates:
        forecast = anchor_forecast(name, val_past, val_future, n_targets, horizon, linear)
        error = np.abs(np.asarray(forecast, np.float64) - val_labels) * weight
        scores[name] = float(np.nanmean(error))
    best = min(candidates, key=lambda name: (scores[name], candidates.index(name)))
    return best, scores, linear
