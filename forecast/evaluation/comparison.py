"""Rolling-origin backtests and leaderboards: every forecaster on exactly the same origins.

* :func:`backtest` evaluates one forecaster from a series of forecast origins (one series or a
  panel) and returns a tidy frame: ``series_id, target, origin, timestamp, step, actual,
  forecast, model`` (and, asked for ``quantiles`` or ``coverage``, one column per quantile
  level: ``q0.1``, ...);
* :func:`compare` runs several forecasters (baselines and networks through the same code path)
  on the same origins and returns a leaderboard, or with ``details=True`` a
  :class:`Comparison` that also holds the forecasts, the fitted models, the plots and the report.

An *origin* is the timestamp of the first forecast step (as in :mod:`forecast.windowing`): the
forecast made there reads the ``input_width`` rows before it. Origins lie on one grid common to
all series, from ``start`` every ``stride`` steps, up to the last origin whose whole horizon lies
in the data (see :mod:`forecast.evaluation.origins`). A series contributes at an origin when its
window there is valid (no gap, no NaN label, enough history); models are fitted only on rows
strictly before their first origin.

Prediction is batched: all origins of all series between two refits go through the network in
``ceil(windows / EVALUATION_BATCH)`` calls, never one call per origin.

Example:
    >>> import forecast
    >>> frame = forecast.load_dataset("electricity_hourly").iloc[-24 * 60:]
    >>> models = {"naive": forecast.Naive(input_width=48, horizon=24),
    ...           "seasonal": forecast.SeasonalNaive(24, input_width=48, horizon=24)}
    >>> board = forecast.compare(models, frame, start=0.8, verbose=False)
    >>> board[["mae", "mase", "skill"]].round(2)  # doctest: +NORMALIZE_WHITESPACE
                 mae  mase  skill
    model
    seasonal  210.98  3.44   0.00
    naive     601.99  9.82  -1.85
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone

from forecast.data.columns import as_column_tuple
from forecast.data.layout import SeriesLayout, describe_layout
from forecast.errors import DataValidationError
from forecast.evaluation import metrics as metrics_module
from forecast.evaluation.backtest_progress import BacktestProgress
from forecast.evaluation.intervals import (
    interval_source,
    leaderboard_metrics,
    requested_levels,
    sortable_columns,
    with_intervals,
)
from forecast.evaluation.origins import (
    common_origins,
    forecast_at_origins,
    origin_grid,
    rows_before,
)
from forecast.evaluation.origins import forecast_origins as forecast_origins
from forecast.evaluation.schema import SINGLE_SERIES_ID as SINGLE_SERIES_ID
from forecast.evaluation.schema import TIDY_COLUMNS as TIDY_COLUMNS
from forecast.features.calendar_features import default_input_width, infer_season_length
from forecast.features.category_warnings import one_warning_per_job
from forecast.models.base import BaseForecaster
from forecast.models.baselines import Naive, SeasonalNaive

#: Forecasters :func:`compare` treats as baselines (skill is measured against the best of them).


@dataclass
class BacktestRun:
    """What one forecaster's backtest produced (see :func:`backtest`)."""

    forecasts: pd.DataFrame
    model: BaseForecaster
    fit_seconds: float
    predict_seconds: float
    n_fits: int
    filled_inputs: int = 0


@one_warning_per_job("backtest")
def backtest(
    forecaster: BaseForecaster,
    frame: pd.DataFrame,
    horizon: int | None = None,
    start: float | str | pd.Timestamp = 0.8,
    stride: int | None = None,
    refit: bool | int = False,
    *,
    name: str | None = None,
    quantiles: Sequence[float] | None = None,
    coverage: float | Sequence[float] | None = None,
) -> pd.DataFrame:
    """Rolling-origin evaluation of one forecaster over one series or a panel.

    Args:
        forecaster: any forecaster of this package (it is cloned, never modified).
        frame: the whole data (one series or a panel), training and evaluation periods.
        horizon: steps to forecast at each origin; default the forecaster's own ``horizon``
            (otherwise the forecaster is cloned with this horizon).
        start: the first origin: a timestamp, or a fraction of the frame's time span (0.8: the
            origins cover the last 20%), rounded up to the first timestamp plus a multiple of
            ``stride`` (so daily origins on hourly data fall at the hour the data start).
        stride: steps between origins; default ``horizon`` (forecasts that do not overlap).
        refit: ``False`` fits once on all data before the first origin; ``True`` refits at
            every origin; an integer ``k`` refits every ``k`` origins. Each fit uses all rows
            before its first origin.
        name: the ``model`` column; default the forecaster's class name.
        quantiles: quantile levels to forecast too (the forecaster must be probabilistic:
            wrap a point forecaster in :class:`~forecast.models.conformal.ConformalForecaster`).
        coverage: interval coverages to forecast too: the quantiles bounding each and the median.

    Returns:
        A tidy frame with :data:`TIDY_COLUMNS`, sorted by series, origin and step, then one
        column per quantile level (``q0.1``, ..., ascending) when any is asked for.

    Example:
        >>> import forecast
        >>> frame = forecast.load_dataset("electricity_hourly").iloc[-24 * 30:]
        >>> tidy = forecast.backtest(forecast.Naive(input_width=24, horizon=24), frame, start=0.9)
        >>> tidy.columns.tolist()
        ['series_id', 'target', 'origin', 'timestamp', 'step', 'actual', 'forecast', 'model']
        >>> tidy.groupby("origin").size().tolist()  # three daily origins of 24 steps
        [24, 24, 24]
    """
    layout = describe_layout(frame)
    levels = requested_levels((), quantiles, coverage)[0]
    return _run_backtest(
        forecaster, frame, layout, horizon, start, stride, refit, name, levels
    ).forecasts


@one_warning_per_job("comparison")
def compare(
    forecasters: Mapping[str, BaseForecaster],
    frame: pd.DataFrame,
    horizon: int | None = None,
    start: float | str | pd.Timestamp = 0.8,
    stride: int | None = None,
    refit: bool | int = False,
    *,
    metrics: Sequence[str] = ("mae", "rmse", "smape", "mase", "bias"),
    sort_by: str = "mae",
    season_length: int | None = None,
    add_baselines: bool = True,
    details: bool = False,
    verbose: bool = True,
    coverage: float | Sequence[float] | None = None,
    quantiles: Sequence[float] | None = None,
) -> pd.DataFrame | Comparison:
    """Backtest several forecasters on exactly the same origins and rank them.

    Args:
        forecasters: ``{name: forecaster}``; baselines and networks alike.
        frame, horizon, start, stride, refit: as for :func:`backtest`, shared by all.
        metrics: columns of the leaderboard (see :data:`forecast.evaluation.schema.METRICS`);
            ``mase`` is scaled per series by the seasonal-naive MAE on the rows before the
            first origin.
        sort_by: the metric the leaderboard is sorted by (ascending; ``bias`` by its size).
        season_length: MASE's season; default inferred from the frequency (hourly 24, ...).
        add_baselines: when no forecaster is a baseline, add ``Naive`` and ``SeasonalNaive``
            so there is always something to beat.
        details: return a :class:`Comparison` (leaderboard, forecasts, fitted models, plots,
            report) instead of the leaderboard alone.
        verbose: print which model and origin block is being fitted, with the time the
            model has left (see :mod:`forecast.evaluation.backtest_progress`).
        coverage, quantiles: ask for intervals (see :mod:`forecast.evaluation.intervals`):
            every model forecasts these quantile levels (the bounds of every coverage and the
            median), point baselines through a ``ConformalForecaster``; a probabilistic
            metric alone asks for the coverages ``(0.8, 0.95)``, and ``coverage`` alone adds
            ``pinball``, ``wql``, ``coverage`` and ``width`` to the leaderboard.

    Returns:
        The leaderboard: one row per model (index ``model``), one column per metric, ``n``
        (values scored), ``baseline``, ``skill`` (``1 - MAE / MAE of the best baseline``: above
        0 beats every baseline), ``fit_seconds`` and ``predict_seconds``; with intervals, one
        column per interval metric and coverage (``coverage_80``, ``width_95``, ...) and
        ``intervals`` (``"conformal"`` or ``"quantile"``: how each model forecast them).
        Models are scored only on the (series, origin) pairs every model could forecast.

    Example:
        See the module docstring.
    """
    if not isinstance(forecasters, Mapping) or not forecasters:
        raise TypeError("forecasters must be a non-empty mapping {name: forecaster}")
    levels, coverages = requested_levels(metrics, quantiles, coverage)
    metrics = leaderboard_metrics(metrics, levels)
    _check_sort_by(sort_by, metrics, coverages)
    candidates = dict(forecasters)
    if add_baselines and not any(_is_baseline(m) for m in candidates.values()):
        candidates.update(_default_baselines(next(iter(candidates.values())), frame, horizon))
    candidates = with_intervals(candidates, coverages) if levels else candidates
    layout = describe_layout(frame)  # once: every model reads the same validated frame
    runs: dict[str, BacktestRun] = {}
    for i, (model_name, forecaster) in enumerate(candidates.items(), start=1):
        label = f"[{i}/{len(candidates)}] {model_name}" if verbose else None
        runs[model_name] = _run_backtest(
            forecaster, frame, layout, horizon, start, stride, refit, model_name, levels, label
        )
    forecasts = common_origins({k: r.forecasts for k, r in runs.items()})
    scales = None
    if "mase" in metrics or "msis" in metrics:
        scales = _mase_scales(forecasts, frame, layout, runs, season_length)
    board = metrics_module.score_forecasts(
        forecasts, metrics, by="model", scales=scales, coverage=coverages or None
    )
    board["baseline"] = [_is_baseline(candidates[m]) for m in board.index]
    best_baseline = board.loc[board["baseline"], "mae"].min() if board["baseline"].any() else np.nan
    board["skill"] = 1.0 - board["mae"] / best_baseline
    board["fit_seconds"] = [runs[m].fit_seconds for m in board.index]
    board["predict_seconds"] = [runs[m].predict_seconds for m in board.index]
    if levels:
        board["intervals"] = [interval_source(candidates[m]) for m in board.index]
    order = board[sort_by].abs() if sort_by == "bias" else board[sort_by]
    board = board.loc[order.sort_values(kind="stable").index]
    if not details:
        return board
    return Comparison(
        leaderboard=board,
        forecasts=forecasts,
        models={k: r.model for k, r in runs.items()},
        data=frame,
        summary=_data_summary(layout, forecasts, runs),
        filled_inputs={k: r.filled_inputs for k, r in runs.items()},
    )


@dataclass
class Comparison:
    """Everything :func:`compare` measured, with its figures and report.

    Attributes:
        leaderboard: the ranked metrics (see :func:`compare`).
        forecasts: the tidy forecasts of every model on the common origins.
        models: each model as last fitted.
        data: the frame the comparison ran on (for the input windows in plots).
        summary: range, frequency, series, training rows, origins, windows.
        filled_inputs: for each model, how many NaN input values the missing-value policy
            filled in its backtest windows (every origin it forecast, before the common ones
            were kept).
    """

    leaderboard: pd.DataFrame
    forecasts: pd.DataFrame
    models: dict[str, BaseForecaster]
    data: pd.DataFrame = field(repr=False)
    summary: dict[str, Any] = field(default_factory=dict)
    filled_inputs: dict[str, int] = field(default_factory=dict)

    @property
    def histories(self) -> dict[str, dict[str, list[float]]]:
        """Training histories (``loss``, ``val_loss``, ...) of the neural models."""
        return {k: m.history_ for k, m in self.models.items() if hasattr(m, "history_")}

    @property
    def settings(self) -> dict[str, dict[str, Any]]:
        """Each model's class and constructor parameters, with what the fit resolved them to
        (``input_width``, ``season_length``, ``calendar``, the anchor of ``residual``, the
        ``scaling`` mode) and what it chose (``covariates_used``, ``best_epochs``)."""
        return {
            k: {"class": type(m).__name__, **resolved_settings(m)} for k, m in self.models.items()
        }

    def plot_forecasts(self, **kwargs):
        """Forecasts against actuals at a few origins (see :func:`forecast.evaluation.plots.plot_forecasts`)."""
        from forecast.evaluation.plots import plot_forecasts

        return plot_forecasts(self.forecasts, self.data, **kwargs)

    def plot_error_by_step(self, metric: str = "mae", **kwargs):
        """Error by horizon step for each model."""
        from forecast.evaluation.plots import plot_error_by_step

        return plot_error_by_step(self.forecasts, metric=metric, **kwargs)

    def plot_training_history(self):
        """Training and validation loss of the neural models."""
        from forecast.evaluation.plots import plot_training_history

        return plot_training_history(
            self.histories, model_order=list(pd.unique(self.forecasts["model"]))
        )

    def plot_series_errors(self, metric: str = "mae", **kwargs):
        """Distribution of the per-series error of each model (panels)."""
        from forecast.evaluation.plots import plot_series_errors

        return plot_series_errors(self.forecasts, metric=metric, **kwargs)

    def report(
        self,
        path,
        title: str = "Forecast comparison",
        unit: str | None = None,
        overwrite: bool = False,
        exported: Mapping[str, Mapping[str, Any]] | None = None,
        timings: Mapping[str, float] | None = None,
    ):
        """Write a Markdown report with the figures, and the same as ``report.html``, into
        the directory ``path`` (atomically); returns the path of ``report.md``. ``exported``
        (``{model: fit record as data, or {"error": reason}}``) adds the "Exported models"
        table, ``timings`` (``{step: seconds}``) the run time (see
        :func:`forecast.evaluation.report.write_report`)."""
        from forecast.evaluation.report import write_report

        return write_report(
            path,
            leaderboard=self.leaderboard,
            forecasts=self.forecasts,
            history=self.data,
            data_summary=self.summary,
            settings=self.settings,
            histories=self.histories,
            filled_inputs=self.filled_inputs,
            title=title,
            unit=unit,
            overwrite=overwrite,
            exported=exported,
            timings=timings,
        )

    def __str__(self) -> str:
        return self.leaderboard.to_string(float_format=lambda v: f"{v:.4g}")

    def _repr_html_(self) -> str:
        return self.leaderboard.to_html(float_format=lambda v: f"{v:.4g}")


# ---------------------------------------------------------------------- implementation


#: constructor arguments and the fitted attributes that say what they resolved to
_RESOLVED = {
    "input_width": "input_width_",
    "season_length": "season_length_",
    "calendar": "calendar_",
    "residual": "anchor_",
    "scaling": "scaling_mode_",
}
#: fitted choices that have no constructor argument of their own
_CHOSEN = ("covariates_used_", "best_epochs_", "filled_inputs_")


def resolved_settings(model) -> dict[str, Any]:
    """A fitted model's parameters, each shown as the value the fit resolved it to (e.g.
    ``input_width`` None -> 168, ``residual`` "auto" -> "seasonal:168"), plus its choices.

    Example:
        >>> import forecast
        >>> frame = forecast.load_dataset("electricity_hourly").iloc[-500:]
        >>> model = forecast.SeasonalNaive(horizon=24).fit(frame)
        >>> resolved_settings(model)["season_length"], resolved_settings(model)["input_width"]
        (24, 168)
    """
    params = dict(model.get_params())
    for name, attribute in _RESOLVED.items():
        if name in params and hasattr(model, attribute):
            value = getattr(model, attribute)
            params[name] = list(value) if isinstance(value, tuple) else value
    for attribute in _CHOSEN:
        if hasattr(model, attribute):
            params[attribute.rstrip("_")] = getattr(model, attribute)
    return params


def _run_backtest(
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
    every = _refit_every(refit)
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


def _refit_every(refit) -> int:
    """0 = fit once; k = refit every k origins."""
    if refit is True:
        return 1
    if refit is False or refit is None:
        return 0
    if isinstance(refit, (int, np.integer)) and refit >= 1:
        return int(refit)
    raise ValueError(f"refit must be True, False or an integer >= 1, got {refit!r}")


def _mase_scales(
    forecasts: pd.DataFrame,
    frame: pd.DataFrame,
    layout: SeriesLayout,
    runs: dict[str, BacktestRun],
    season_length,
):
    """Seasonal-naive in-sample MAE per series (and target) on the rows before the first origin."""
    season = season_length or infer_season_length(layout.freq)
    first_origin = forecasts["origin"].min()
    training = rows_before(frame, layout, first_origin, 0)
    targets = next(iter(runs.values())).model.target_columns_
    scales = {
        (series_id, target): float("nan")
        for series_id in forecasts["series_id"].unique()
        for target in targets
    }
    for target in targets:
        for series_id, scale in metrics_module.series_scales(training, target, season).items():
            scales[(series_id, target)] = scale
    return scales


def _default_baselines(reference: BaseForecaster, frame: pd.DataFrame, horizon: int | None) -> dict:
    common = dict(
        input_width=reference.input_width,
        horizon=horizon or reference.horizon,
        target=reference.target,
    )
    return {"Naive": Naive(**common), "SeasonalNaive": SeasonalNaive(**common)}


def _data_summary(
    layout: SeriesLayout, forecasts: pd.DataFrame, runs: dict[str, BacktestRun]
) -> dict[str, Any]:
    first_origin = forecasts["origin"].min()
    per_model = forecasts.groupby("model")[["series_id", "origin"]]
    first = next(iter(runs.values()))
    return {
        "range": f"{layout.timestamps.min()} to {layout.timestamps.max()}",
        "frequency": layout.freq.freqstr,
        "series": int(layout.n_series),
        "series with backtest windows": int(forecasts["series_id"].nunique()),
        "rows": int(layout.n_rows),
        "targets": ", ".join(as_column_tuple(first.model.target_columns_)),
        "training rows (before the first origin)": int((layout.timestamps < first_origin).sum()),
        "first origin": str(first_origin),
        "last origin": str(forecasts["origin"].max()),
        "origins": int(forecasts["origin"].nunique()),
        "forecast windows per model": int(
            per_model.apply(lambda g: len(g.drop_duplicates())).iloc[0]
        ),
        "horizon": int(forecasts["step"].max()),
        "fits per model": int(first.n_fits),
    }


def _check_sort_by(sort_by: str, metrics: list[str], coverages: tuple) -> None:
    columns = sortable_columns(metrics, coverages)
    if sort_by not in columns:
        raise ValueError(f"sort_by {sort_by!r} must be one of the leaderboard's metrics {columns}")


def _is_baseline(model) -> bool:
    """Whether a model is one of the references (its class's ``baseline`` tag)."""
    return isinstance(model, BaseForecaster) and model.get_tag("baseline")
