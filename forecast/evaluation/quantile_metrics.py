"""Metrics of quantile and interval forecasts, on arrays and on the quantile columns of tidy frames.

On arrays, ``quantile_forecasts`` has the shape of ``actual`` plus a last axis of levels;
NaN actuals are ignored. With ``rho_q(e) = max(q e, (q - 1) e)`` the pinball loss of the error
``e = y - f_q``:

* :func:`mean_pinball_loss`: ``rho_q`` averaged over values, then over levels;
* :func:`weighted_quantile_loss`: GluonTS's ``mean_wQuantileLoss`` (the WQL of Chronos and
  the M5-style probabilistic benchmarks): per level ``2 * sum(rho_q) / sum(|y|)``, averaged
  over levels: scale-free, and pooled over every series, so large series weigh more;
* :func:`interval_width` and :func:`winkler_score` (the interval score of Gneiting and
  Raftery, 2007: the width plus ``2 / alpha`` times how far the actual falls outside);
  :func:`msis` divides it by MASE's in-sample seasonal-naive MAE (the M4 competition's MSIS).

:func:`probabilistic_scores` computes them per group of a tidy forecast frame, as
:func:`forecast.evaluation.metrics.score_forecasts` asks for them.

Example:
    >>> actual = np.array([10.0, 20.0])
    >>> bands = np.array([[8.0, 12.0], [21.0, 26.0]])  # quantiles 0.1 and 0.9 of each value
    >>> mean_pinball_loss(actual, bands, (0.1, 0.9))  # (0.2 + 0.2 + 0.9 + 0.6) / 4
    0.475
    >>> round(weighted_quantile_loss(actual, bands, (0.1, 0.9)), 4)  # 2 * (1.1 / 30 + 0.8 / 30) / 2
    0.0633
    >>> winkler_score(actual, bands[:, 0], bands[:, 1], coverage=0.8)  # (4 + 5 + 2 / 0.2 * 1) / 2
    9.5
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from forecast.evaluation.schema import (
    INTERVAL_METRICS,
    level_column,
    quantile_column,
    quantile_levels,
)
from forecast.models.probabilistic import check_quantiles, interval_quantiles


def _pinball(actual: np.ndarray, quantile_forecasts: np.ndarray, quantiles) -> np.ndarray:
    """``rho_q(y - f_q)`` element by element, the levels on the last axis."""
    q = np.asarray(quantiles, dtype=np.float64)
    error = actual[..., None] - quantile_forecasts
    return np.maximum(q * error, (q - 1.0) * error)


def _quantile_pair(actual, quantile_forecasts, quantiles) -> tuple[np.ndarray, np.ndarray, tuple]:
    a = np.asarray(actual, dtype=np.float64)
    f = np.asarray(quantile_forecasts, dtype=np.float64)
    levels = check_quantiles(quantiles)
    if f.shape != a.shape + (len(levels),):
        raise ValueError(
            f"quantile forecasts need the shape of actual {a.shape} plus one axis of "
            f"{len(levels)} levels, got {f.shape}"
        )
    keep = ~np.isnan(a)
    if not keep.any():
        raise ValueError("no actual values to score (all NaN or empty)")
    return a[keep], f[keep], levels


def mean_pinball_loss(actual, quantile_forecasts, quantiles: Sequence[float]) -> float:
    """The pinball loss averaged over values and over the levels ``quantiles`` (ascending, as
    the last axis of ``quantile_forecasts``)."""
    a, f, levels = _quantile_pair(actual, quantile_forecasts, quantiles)
    return float(np.mean(_pinball(a, f, levels)))


def weighted_quantile_loss(actual, quantile_forecasts, quantiles: Sequence[float]) -> float:
    """``mean over levels of 2 * sum(rho_q) / sum(|y|)`` (GluonTS's ``mean_wQuantileLoss``).

    Raises:
        ValueError: every actual is 0 (the loss is undefined).
    """
    a, f, levels = _quantile_pair(actual, quantile_forecasts, quantiles)
    total = np.abs(a).sum()
    if total == 0:
        raise ValueError("the weighted quantile loss is undefined when every actual is 0")
    return float(np.mean(2.0 * _pinball(a, f, levels).sum(axis=0) / total))


def _interval(actual, lower, upper) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    a, lo, hi = (np.asarray(v, dtype=np.float64) for v in (actual, lower, upper))
    if not a.shape == lo.shape == hi.shape:
        raise ValueError(
            f"actual, lower and upper shapes differ: {a.shape}, {lo.shape}, {hi.shape}"
        )
    keep = ~np.isnan(a)
    if not keep.any():
        raise ValueError("no actual values to score (all NaN or empty)")
    return a[keep], lo[keep], hi[keep]


def interval_width(lower, upper) -> float:
    """Mean width ``upper - lower`` of the intervals."""
    return float(np.mean(np.asarray(upper, np.float64) - np.asarray(lower, np.float64)))


def _winkler(actual, lower, upper, coverage: float) -> np.ndarray:
    alpha = 1.0 - float(coverage)
    below = np.where(actual < lower, lower - actual, 0.0)
    above = np.where(actual > upper, actual - upper, 0.0)
    return (upper - lower) + (2.0 / alpha) * (below + above)


def winkler_score(actual, lower, upper, coverage: float) -> float:
    """Mean interval (Winkler) score of central intervals of nominal ``coverage``: the width,
    plus ``2 / (1 - coverage)`` times the distance of each actual outside its interval."""
    a, lo, hi = _interval(actual, lower, upper)
    return float(np.mean(_winkler(a, lo, hi, coverage)))


def msis(actual, lower, upper, coverage: float, training, season_length: int) -> float:
    """Mean scaled interval score: :func:`winkler_score` over the in-sample seasonal-naive MAE
    of ``training`` (MASE's scale)."""
    from forecast.evaluation.metrics import seasonal_naive_scale

    scale = seasonal_naive_scale(training, season_length)
    return winkler_score(actual, lower, upper, coverage) / scale


def frame_coverages(levels: Sequence[float]) -> tuple[float, ...]:
    """The coverages of the central intervals whose two bounds are among ``levels``.

    Example:
        >>> frame_coverages((0.025, 0.1, 0.5, 0.9, 0.975))
        (0.8, 0.95)
    """
    present = set(check_quantiles(levels)) if len(levels) else set()
    found = [round(1.0 - 2.0 * q, 10) for q in present if q < 0.5 and round(1.0 - q, 10) in present]
    return tuple(sorted(found))


def probabilistic_scores(
    rows: pd.DataFrame,
    group: Callable[[pd.DataFrame], object],
    metrics: Sequence[str],
    coverage: Sequence[float] | float | None,
    scales: Callable[[], np.ndarray],
) -> pd.DataFrame:
    """The probabilistic ``metrics`` of the tidy ``rows`` (``actual`` and quantile columns),
    per group (``group(frame)`` groups a frame with ``rows``' index as the point metrics are
    grouped); ``scales()`` gives each row's MASE scale (for ``msis``).

    Returns:
        One column per quantile metric and one per interval metric and coverage
        (:func:`~forecast.evaluation.schema.level_column`), in the order of ``metrics``.

    Raises:
        ValueError: the frame has no quantile columns, or lacks a bound of ``coverage``.
    """
    levels = quantile_levels(rows.columns)
    if not levels:
        raise ValueError(
            f"the metric(s) {list(metrics)} need quantile columns (q0.1, q0.9, ...) in the forecast "
            "frame: backtest or compare with coverage=(0.8, 0.95) or quantiles=..."
        )
    actual = rows["actual"].to_numpy(np.float64)
    values = rows[[quantile_column(q) for q in levels]].to_numpy(np.float64)
    rho = _pinball(actual, values, levels)
    parts = pd.DataFrame(index=rows.index)
    parts["pinball"] = rho.mean(axis=1)
    parts["_abs"] = np.where(np.isnan(rho).any(axis=1), np.nan, np.abs(actual))
    for i in range(len(levels)):
        parts[f"_rho{i}"] = rho[:, i]
    coverages = frame_coverages(levels) if coverage is None else check_quantiles(coverage)
    wanted = [m for m in metrics if m in INTERVAL_METRICS]
    for c in coverages if wanted else ():
        lo_q, hi_q = interval_quantiles(c)
        if lo_q not in levels or hi_q not in levels:
            raise ValueError(
                f"the {c:g} interval needs the quantile columns {quantile_column(lo_q)} and "
                f"{quantile_column(hi_q)}; the frame has {[quantile_column(q) for q in levels]}"
            )
        lo, hi = values[:, levels.index(lo_q)], values[:, levels.index(hi_q)]
        inside = ((actual >= lo) & (actual <= hi)).astype(np.float64)
        parts[level_column("coverage", c)] = np.where(np.isnan(lo + hi), np.nan, inside)
        parts[level_column("width", c)] = hi - lo
        parts[level_column("winkler", c)] = _winkler(actual, lo, hi, c)
        if "msis" in metrics:
            parts[level_column("msis", c)] = parts[level_column("winkler", c)] / scales()
    grouped = group(parts)
    sums = grouped[["_abs", *[f"_rho{i}" for i in range(len(levels))]]].sum(min_count=1)
    out = {}
    for metric in metrics:
        if metric == "pinball":
            out["pinball"] = grouped["pinball"].mean()
        elif metric == "wql":
            rhos = sums[[f"_rho{i}" for i in range(len(levels))]].to_numpy()
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio = 2.0 * rhos / sums[["_abs"]].to_numpy()
            out["wql"] = pd.Series(np.mean(ratio, axis=1), index=sums.index)
        elif metric in INTERVAL_METRICS:
            for c in coverages:
                out[level_column(metric, c)] = grouped[level_column(metric, c)].mean()
    return pd.DataFrame(out)
