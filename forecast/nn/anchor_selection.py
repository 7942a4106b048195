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

* ``"theta:<s>"``: the Theta method on the window, seasonally adjusted with season ``s``
  (each season that fits twice in the window; :mod:`forecast.nn.theta_anchor`), its smoothing
  weight fitted on the training windows: the classical forecast that wins on short trending
  series, where a ridge on a hundred windows has too many weights to fit (on the
  generalisation benchmark validation chose it for a year of daily electricity demand, 0.910
  times the best baseline's MAE instead of 1.072 with weekly seasonal naive, and for monthly
  wine sales, and nowhere else);

* ``"mean(a,b[,c])"``: the mean of the best two and of the best three single candidates
  (:data:`COMBINATION_SIZES`): averaging forecasts is the oldest robust trick in forecasting,
  and it hedges a choice that a few validation windows cannot make reliably.

Every anchor is an affine map of the window's targets (and calendar): the naive anchors copy
input rows (:func:`copying_anchor`), the linear ones are fitted, the Theta ones smooth it, and
a mean averages its members' maps, so any of them runs in the network as one fixed linear
layer.

The single candidate with the lowest validation error is kept, unless a mean is *clearly*
better than it (by one standard error of the paired per-window difference, see
:mod:`forecast.nn.significance`): on the generalisation benchmark, means chosen on the lowest
error alone won on some datasets and lost badly on others, where validation and test
disagreed. The same rule keeps ``"linear"`` over ``"linear+calendar"`` (the same ridge with the
known-future inputs added) unless the larger model is clearly better: on a year of daily
blog pageviews (fpp2's hyndsight) the calendar ridge was 4% better on validation, and 15%
worse on the test origins. Ties between single candidates go to the earlier one in the order of trust: the
linear model first (on the generalisation benchmark, ``benchmarks/generalization.py``, it is the best single baseline on most datasets, and with a
window at least a season long it can copy a seasonal-naive forecast), then the seasons, then
Theta, then the last value. (Requiring the others to beat the linear anchor by a standard error was
measured too, and lost more than it saved: on short monthly series it kept the linear anchor
where the season was right.)
A ridge relative to the last value (the window minus its last value, so its forecast moves
with the level instead of reverting to the training mean) was measured as a further
candidate on the eleven smaller datasets and not kept
(``benchmarks/results/generalization_relative_anchor.json``): it tied the ridge on the growing
visitor-nights panel, whose under-forecast is not a reversion to the training mean, and where
validation chose it (weekly CO2) it forecast the test origins 7% worse.
More evidence for the choice was measured too and not kept
(``benchmarks/results/generalization_earlier_folds.json``): scoring the candidates also on
two earlier rolling-origin folds of the training windows (each fold's ridges fitted on the
windows before it) made the choice worse on 15 datasets (half-hourly demand 1.205x the best
baseline instead of 1.061x, quarterly wool production 1.161x instead of 1.015x): the older
folds, their ridges fitted on fewer windows, favour the naive anchors, and the latest windows
say most about the test origins.

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
    ('linear', 'seasonal:2', 'seasonal:4', 'theta:2', 'theta:4', 'last')
    >>> candidate_anchors(seasons=(2, 4), input_width=24, calendar=True)[:2]
    ('linear', 'linear+calendar')
    >>> naive = ("last", "seasonal:2", "seasonal:4")
    >>> best, scores, _ = choose_anchor(naive, past, None, labels, past, None, labels)
    >>> best, round(scores["seasonal:4"], 6), round(scores["last"], 3)
    ('seasonal:4', 0.0, 0.5)
    >>> round(scores["mean(seasonal:4,last)"], 3)
    0.25
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from forecast.nn import anchors, theta_anchor

#: the ridge penalty of the linear anchor (on standardised features)
LINEAR_ALPHA = 1.0

#: the combinations scored besides the single anchors: the means of the best 2 and best 3
COMBINATION_SIZES = (2, 3)


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
    the window (at most ``input_width``), Theta adjusted for each season that fits twice,
    the last value."""
    fitting = [f"seasonal:{int(s)}" for s in seasons if 1 < int(s) <= input_width]
    theta = [f"theta:{int(s)}" for s in seasons if int(s) > 1 and 2 * int(s) <= input_width]
    return ("linear", *(("linear+calendar",) if calendar else ()), *fitting, *theta, "last")


def combination_name(members: Sequence[str]) -> str:
    """The name of the mean of single anchors.

    Example:
        >>> combination_name(["linear", "seasonal:24"])
        'mean(linear,seasonal:24)'
    """
    return f"mean({','.join(members)})"


def anchor_members(name: str) -> tuple[str, ...]:
    """The single anchors a name stands for: the members of a mean, else the name itself.

    Example:
        >>> anchor_members("mean(linear,seasonal:24)"), anchor_members("last")
        (('linear', 'seasonal:24'), ('last',))
    """
    if name.startswith("mean(") and name.endswith(")"):
        members = tuple(name[5:-1].split(","))
        for member in members:
            parse_anchor(member)
        return members
    return (name,)


def parse_anchor(name: str) -> tuple[str, int | None]:
    """``"seasonal:24"`` -> ``("seasonal", 24)``; ``"last"`` -> ``("last", None)``; the linear
    and Theta anchors and the means are of kind ``"linear"`` (their :class:`LinearAnchor` says what they
    read).

    Example:
        >>> parse_anchor("seasonal:168"), parse_anchor("linear"), parse_anchor("theta:12")
        (('seasonal', 168), ('linear', None), ('linear', None))
        >>> parse_anchor("mean(linear,last)")
        ('linear', None)
    """
    if name in ("linear", "linear+calendar") or name.startswith("theta:"):
        if name.startswith("theta:") and not name[6:].isdigit():
            raise ValueError(f"unknown anchor {name!r}: 'theta:<season>'")
        return "linear", None
    if name.startswith("mean("):
        anchor_members(name)
        return "linear", None
    kind, _, season = name.partition(":")
    if kind not in ("last", "seasonal") or (kind == "seasonal") != bool(season):
        raise ValueError(
            f"unknown anchor {name!r}: 'last', 'seasonal:<season>', 'linear', 'linear+calendar',"
            " 'theta:<season>' or 'mean(<anchor>,<anchor>...)'"
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


def copying_anchor(
    name: str, input_width: int, n_targets: int, horizon: int, n_future: int = 0
) -> LinearAnchor:
    """The naive anchor ``name`` (``"last"`` or ``"seasonal:<s>"``) as the affine map that
    copies its input rows, reading the same features as a fitted linear anchor (the
    ``n_future`` calendar columns of the ``horizon`` steps get zero weights).

    Example:
        >>> import numpy as np
        >>> past = np.array([[[1.0], [2.0], [3.0], [4.0]]])
        >>> copy = copying_anchor("seasonal:2", input_width=4, n_targets=1, horizon=3)
        >>> copy.forecast(np, past, None, n_targets=1, horizon=3)[0, :, 0].tolist()
        [3.0, 4.0, 3.0]
    """
    kind, season = parse_anchor(name)
    if kind == "seasonal":
        rows = anchors.seasonal_steps(input_width, season, horizon)
    elif kind == "last":
        rows = [input_width - 1] * horizon
    else:
        raise ValueError(f"{name!r} is not a naive anchor")
    n_features = input_width * n_targets + horizon * n_future
    weights = np.zeros((n_features, horizon * n_targets), np.float32)
    for step, row in enumerate(rows):
        for target in range(n_targets):
            weights[row * n_targets + target, step * n_targets + target] = 1.0
    return LinearAnchor(weights, np.zeros(horizon * n_targets, np.float32))


def fit_theta_anchor(name: str, past, future, labels, n_targets: int) -> LinearAnchor:
    """The Theta anchor ``name`` (``"theta:<s>"``) as an affine map reading the same features
    as a fitted linear anchor (each target's own window; zero weights on the calendar), its
    smoothing weight fitted on these scaled windows (:func:`forecast.nn.theta_anchor.fit_alpha`).

    Example:
        >>> import numpy as np
        >>> past = np.tile([1.0, 5.0, 3.0], 3)[None, :, None].repeat(4, axis=0)
        >>> labels = np.tile([1.0, 5.0], 4).reshape(4, 2, 1)
        >>> theta = fit_theta_anchor("theta:3", past, None, labels, n_targets=1)
        >>> np.round(theta.forecast(np, past, None, n_targets=1, horizon=2)[0, :, 0], 5).tolist()
        [1.0, 5.0]
    """
    season = int(name.partition(":")[2])
    horizon, input_width = labels.shape[1], past.shape[1]
    n_future = 0 if future is None else future.shape[2]
    targets = np.asarray(past[:, :, :n_targets], np.float64)
    alpha = theta_anchor.fit_alpha(targets, labels, season)
    matrix = theta_anchor.theta_weights(input_width, season, horizon, alpha)
    weights = np.zeros((input_width * n_targets + horizon * n_future, horizon * n_targets))
    for target in range(n_targets):
        weights[target : input_width * n_targets : n_targets, target::n_targets] = matrix
    return LinearAnchor(weights.astype(np.float32), np.zeros(horizon * n_targets, np.float32))


def _single_map(name: str, past, future, labels, n_targets: int) -> LinearAnchor:
    """The map of one single anchor: fitted (linear, Theta) or copying (naive)."""
    if name in ("linear", "linear+calendar"):
        return fit_linear_anchor(past, future, labels, n_targets, calendar=name != "linear")
    if name.startswith("theta:"):
        return fit_theta_anchor(name, past, future, labels, n_targets)
    n_future = 0 if future is None else future.shape[2]
    return copying_anchor(name, past.shape[1], n_targets, labels.shape[1], n_future)


def fit_anchor_map(name: str, past, future, labels, n_targets: int) -> LinearAnchor:
    """The affine map of an anchor of kind ``"linear"`` (a linear anchor or a mean), its
    linear members fitted on these scaled windows, its naive members copied, a mean the
    average of its members' maps."""
    maps = [_single_map(m, past, future, labels, n_targets) for m in anchor_members(name)]
    return _mean_map(maps)


def _mean_map(maps: Sequence[LinearAnchor]) -> LinearAnchor:
    if len(maps) == 1:
        return maps[0]
    weights = np.mean([m.weights.astype(np.float64) for m in maps], axis=0)
    bias = np.mean([m.bias.astype(np.float64) for m in maps], axis=0)
    return LinearAnchor(weights.astype(np.float32), bias.astype(np.float32))


def anchor_forecast(name: str, past, future, n_targets: int, horizon: int, linear=None):
    """The forecast of anchor ``name`` for scaled NumPy windows ``(n, horizon, n_targets)``
    (``linear``: the fitted :class:`LinearAnchor` of an anchor of kind ``"linear"``)."""
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
    combinations: Sequence[int] = COMBINATION_SIZES,
    block: int = 1,
) -> tuple[str, dict[str, float], LinearAnchor | None]:
    """Score every candidate, and the means of the best few, on the validation windows;
    return the chosen one, every score, and the chosen anchor's map fitted on the training
    windows (``None`` for a naive anchor).

    Args:
        candidates: single anchor names, in their order of trust (see :func:`candidate_anchors`).
        train_past, train_future, train_labels: scaled training windows (the linear anchors'
            fit); ``*_future`` is ``None`` without calendar features.
        val_past, val_future, val_labels: scaled validation windows.
        val_spread: each validation window's target scale relative to the training scale
            ``(n, 1, n_targets)`` (per-window scaling), ``None`` for 1.
        combinations: the sizes of the means scored too (of the best single candidates).
        block: the validation windows one horizon spans (their errors are correlated; see
            :func:`~forecast.nn.significance.clearly_better`).

    Returns:
        ``(chosen, scores, map)``; scores are mean absolute errors in units of each target's
        training spread. The best single candidate wins (ties: the earlier one) unless a mean
        is *clearly* better than it on the same windows (one standard error of the paired
        difference): a combination has to earn its place, not win on noise. So does
        ``"linear+calendar"`` against ``"linear"``: the same ridge with more inputs to fit and
        to extrapolate, it wins only when clearly better.
    """
    from forecast.nn.significance import clearly_better

    n_targets, horizon = val_labels.shape[2], val_labels.shape[1]
    maps = {
        name: _single_map(name, train_past, train_future, train_labels, n_targets)
        for name in candidates
    }
    weight = 1.0 if val_spread is None else np.asarray(val_spread, np.float64)

    def window_errors(name: str) -> np.ndarray:
        forecast = anchor_forecast(name, val_past, val_future, n_targets, horizon, maps[name])
        errors = np.abs(np.asarray(forecast, np.float64) - val_labels) * weight
        with np.errstate(invalid="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # a window of NaN labels only
            return np.nanmean(errors.reshape(len(errors), -1), axis=1)

    errors = {name: window_errors(name) for name in candidates}
    ranked = sorted(candidates, key=lambda name: (_mean(errors[name]), candidates.index(name)))
    nested = ranked[0] == "linear+calendar" and "linear" in errors
    if nested and not clearly_better(errors["linear+calendar"], errors["linear"], block):
        # the nested, larger model has to earn its known-future inputs
        ranked.remove("linear")
        ranked.insert(0, "linear")
    best = ranked[0]
    for size in combinations:
        if 2 <= size <= len(ranked):
            name = combination_name(ranked[:size])
            maps[name] = _mean_map([maps[member] for member in ranked[:size]])
            errors[name] = window_errors(name)
            if _mean(errors[name]) < _mean(errors[best]) and clearly_better(
                errors[name], errors[ranked[0]], block
            ):
                best = name
    scores = {name: _mean(values) for name, values in errors.items()}
    return best, scores, maps[best] if parse_anchor(best)[0] == "linear" else None


def _mean(window_errors: np.ndarray) -> float:
    """The mean error over every window (each window weighs the same)."""
    finite = window_errors[np.isfinite(window_errors)]
    return float(finite.mean()) if finite.size else float("nan")
