"""One forecaster's rolling-origin backtest: a fit per block of origins, forecasts at each.

:func:`run_backtest` is what :func:`forecast.backtest` and :func:`forecast.compare` run for every
forecaster (on a frame already in the data model, described once); :class:`BacktestRun` holds
what it produced, with its timings; :func:`refit_every` reads the ``refit`` argument.

Example:
    >>> import forecast
    >>> from forecast.data.layout import describe_layout
    >>> frame = forecast.load_dataset("electricity_hourly").iloc[-24 * 30:]
    >>> run = run_backtest(forecast.Naive(input_width=24, horizon=24), frame,
    ...                    describe_layout(frame), None, 0.9, None, 2, None)
    >>> run.n_fits, run.forecasts["origin"].nunique()  # three origins, a refit every two
    (2, 3)
    >>> refit_every(True), refit_every(False), refit_every(3)
    (1, 0, 3)
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.base import clone

from forecast.data.layout import SeriesLayout
from forecast.errors import DataValidationError
from forecast.evaluation.backtest_progress import BacktestProgress
from forecast.evaluation.origins import forecast_at_origins, origin_grid, rows_before
from forecast.features.calendar_features import default_input_width
from forecast.models.base import BaseForecaster


@dataclass
class BacktestRun:
    """What one forecaster's backtest produced (see :func:`backtest`)."""

    forecasts: pd.DataFrame
    model: BaseForecaster
    fit_seconds: float
    predict_seconds: float
    n_fits: int
    filled_inputs: int = 0


def run_backtest(
    forecaster,
    frame: pd.DataFrame,
    layout: SeriesLayout,
    horizon,
    start,
    stride,
    refit,
    name,
    levels: tuple = (),
    progress_label: str | None = None,
) -> BacktestRun:
    """Fit and forecast one model at the origins (and its quantiles at ``levels``);
    ``layout`` is ``frame``'s, described once. With a ``progress_label``, each origin block is
    said as it starts (:class:`BacktestProgress`)."""
    if not isinstance(forecaster, BaseForecaster):
        raise TypeError(
            f"backtest needs a forecaster of this package, got {type(forecaster).__name__}"
        )
    template = clone(forecaster)
    if horizon is not None:
        # a wrapper's horizon is its model's
        key = "horizon" if "horizon" in template.get_params(deep=False) else "model__horizon"
        template.set_params(**{key: horizon})
    horizon = template.horizon
    stride = horizon if stride is None else stride
    for label, value in (("horizon", horizon), ("stride", stride)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{label} must be an integer >= 1, got {value!r}")
    every = refit_every(refit)
    origins = origin_grid(layout, start, stride, horizon)
    blocks = (
        [origins] if every == 0 else [origins[i : i + every] for i in range(0, len(origins), every)]
    )
    width = template.input_width or default_input_width(layout.freq, horizon)
    name = name or type(forecaster).__name__
    parts, fit_seconds, predict_seconds, model = [], 0.0, 0.0, None
    progress = None if progress_label is None else BacktestProgress(progress_label, len(blocks))
    for index, block in enumerate(blocks):
        model = clone(template)
        training = rows_before(frame, layout, block[0], width + horizon)
        if progress is not None:
            progress.block(index, block, len(training))
        started = time.perf_counter()
        model.fit(training)
        fit_seconds += time.perf_counter() - started
        started = time.perf_counter()
        parts.append(forecast_at_origins(model, frame, block, name, levels))
        predict_seconds += time.perf_counter() - started
    filled = sum(int(part.attrs.get("filled_inputs", 0)) for part in parts)
    forecasts = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    if progress is not None:
        progress.done(int(forecasts["origin"].nunique()))
    if forecasts.empty:
        raise DataValidationError(
            f"no series has a valid window at any origin from {origins[0]} (every {stride} steps): "
            "the windows cross gaps or NaN labels, or the series are too short"
        )
    return BacktestRun(forecasts, model, fit_seconds, predict_seconds, len(blocks), filled)


def refit_every(refit) -> int:
    """0 = fit once; k = refit every k origins."""
    if refit is True:
        return 1
    if refit is False or refit is None:
        return 0
    if isinstance(refit, (int, np.integer)) and refit >= 1:
        return int(refit)
    raise ValueError(f"refit must be True, False or an integer >= 1, got {refit!r}")
