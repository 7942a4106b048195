"""What a probabilistic backtest or comparison forecasts: its quantile levels and its models.

A comparison *asks for intervals* when it is given ``coverage`` or ``quantiles``, or a
probabilistic metric (:data:`~forecast.evaluation.schema.PROBABILISTIC_METRICS`; then the
coverage is :data:`DEFAULT_COVERAGE`). Every model must then forecast quantiles: a baseline
that forecasts points only is wrapped in a
:class:`~forecast.models.conformal.ConformalForecaster` calibrated for those coverages, so
every probabilistic model is compared with calibrated baselines on the same origins; any other
point forecaster is an error that says what to set.

Example:
    >>> requested_levels(["mae", "wql"], quantiles=None, coverage=None)
    ((0.025, 0.1, 0.5, 0.9, 0.975), (0.8, 0.95))
    >>> requested_levels(["mae"], quantiles=(0.5,), coverage=0.5)
    ((0.25, 0.5, 0.75), (0.5,))
    >>> requested_levels(["mae"], quantiles=None, coverage=None)
    ((), ())
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from forecast.evaluation.quantile_metrics import frame_coverages
from forecast.evaluation.schema import INTERVAL_METRICS, PROBABILISTIC_METRICS, level_column
from forecast.models.base import BaseForecaster
from forecast.models.conformal import ConformalForecaster
from forecast.models.probabilistic import PointForecastError, check_quantiles, levels_of_coverage

#: The interval coverages of a comparison that asks for probabilistic metrics only.
DEFAULT_COVERAGE = (0.8, 0.95)
#: The probabilistic metrics a comparison given ``coverage`` or ``quantiles`` but none of them
#: puts on its leaderboard.
DEFAULT_PROBABILISTIC_METRICS = ("pinball", "wql", "coverage", "width")


def requested_levels(
    metrics: Sequence[str],
    quantiles: Sequence[float] | None,
    coverage: float | Sequence[float] | None,
) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """``(quantile levels to forecast, interval coverages)``, both empty when nothing
    probabilistic is asked for; the levels hold the bounds of every coverage and the median."""
    asks = any(m in PROBABILISTIC_METRICS for m in metrics)
    if coverage is None and quantiles is None:
        if not asks:
            return (), ()
        coverage = DEFAULT_COVERAGE
    coverages = () if coverage is None else check_quantiles(coverage, "coverage")
    bounds = levels_of_coverage(coverages) if coverages else ()
    levels = check_quantiles([*(quantiles or ()), *bounds])
    return levels, coverages or frame_coverages(levels)


def leaderboard_metrics(metrics: Sequence[str], levels: tuple) -> list[str]:
    """``metrics``, with :data:`DEFAULT_PROBABILISTIC_METRICS` added when levels are
    forecast and no probabilistic metric is asked for."""
    metrics = list(metrics)
    if levels and not any(m in PROBABILISTIC_METRICS for m in metrics):
        metrics += list(DEFAULT_PROBABILISTIC_METRICS)
    return metrics


def sortable_columns(metrics: Sequence[str], coverages: Sequence[float]) -> list[str]:
    """The leaderboard columns of ``metrics`` (an interval metric's per coverage)."""
    columns = []
    for metric in metrics:
        if metric in INTERVAL_METRICS:
            columns += [level_column(metric, c) for c in coverages]
        else:
            columns.append(metric)
    return columns


def with_intervals(
    forecasters: Mapping[str, BaseForecaster], coverages: Sequence[float]
) -> dict[str, BaseForecaster]:
    """The forecasters of a comparison that asks for intervals: probabilistic ones as they
    are, point baselines wrapped in a :class:`ConformalForecaster` for ``coverages``.

    Raises:
        PointForecastError: a forecaster that is neither (naming it and what to set).
    """
    out = {}
    for name, model in forecasters.items():
        if isinstance(model, BaseForecaster) and model.get_tag("probabilistic"):
            out[name] = model
        elif isinstance(model, BaseForecaster) and model.get_tag("baseline"):
            out[name] = ConformalForecaster(model, coverage=tuple(coverages or DEFAULT_COVERAGE))
        elif isinstance(model, BaseForecaster):
            error = model._point_forecast_error()
            raise PointForecastError(f"the comparison asks for intervals and {name!r}: {error}")
        else:
            out[name] = model  # the backtest says what is wrong with it
    return out


def interval_source(model: BaseForecaster) -> str:
    """How a model of a probabilistic comparison forecast its quantiles (a leaderboard
    column): ``"conformal"`` or ``"quantile"`` (its own)."""
    return "conformal" if isinstance(model, ConformalForecaster) else "quantile"
