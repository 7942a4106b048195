"""The models of a run with ``evaluation.intervals``: calibrated intervals for every one.

:func:`interval_forecasters` wraps every point forecaster of the run (baselines and networks
alike: whoever sets ``intervals:`` wants every model's intervals, on the same origins) in a
:class:`~forecast.models.conformal.ConformalForecaster` with the config's ``coverage``,
``method`` and ``scale``; a probabilistic forecaster (a quantile network) keeps its own
quantiles. A run that exports a wrapped model exports the wrapper itself (its SavedModel
serves the point forecast and the calibrated quantiles, see
:mod:`forecast.models.conformal_export`), so ``forecast batch`` on the run's export writes the
intervals too.

Example:
    >>> import forecast
    >>> from forecast.app.config_schema import IntervalsConfig
    >>> models = {"seasonal": forecast.SeasonalNaive(24, horizon=24)}
    >>> wrapped = interval_forecasters(models, IntervalsConfig(coverage=[0.9], scale="local"))
    >>> type(wrapped["seasonal"]).__name__, wrapped["seasonal"].coverage
    ('ConformalForecaster', (0.9,))
    >>> wrapped["seasonal"].scale, wrapped["seasonal"].model is models["seasonal"]
    ('local', True)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from forecast.app.config_schema import IntervalsConfig
from forecast.models.base import BaseForecaster
from forecast.models.conformal import ConformalForecaster


def interval_forecasters(
    forecasters: Mapping[str, BaseForecaster], intervals: IntervalsConfig
) -> dict[str, BaseForecaster]:
    """The run's forecasters with intervals (see the module docstring), by the same names."""
    out = {}
    for name, model in forecasters.items():
        if model.get_tag("probabilistic"):
            out[name] = model
        else:
            out[name] = ConformalForecaster(
                model,
                coverage=tuple(intervals.coverage),
                method=intervals.method,
                scale=intervals.scale,
            )
    return out


def interval_sources(models: Mapping[str, Any]) -> dict[str, str]:
    """How each model forecast its intervals: ``"conformal"`` (with its ``method`` and
    ``scale``) or ``"quantile"`` (its own)."""
    out = {}
    for name, model in models.items():
        if isinstance(model, ConformalForecaster):
            used = getattr(model, "scale_", model.scale)
            scale = "" if used is None else f", scale={used}"
            out[name] = f"conformal (method={model.method}{scale})"
        else:
            out[name] = "quantile"
    return out
