"""The report's figures and their captions, written from the data they show.

:func:`write_figures` draws and saves the report's figures (:mod:`forecast.evaluation.plots`)
and writes each caption from the numbers behind it:

* forecasts: the worst, a typical (median) and the best origin of the best model
  (:func:`forecast.evaluation.origin_errors.ranked_origins`), each with its error, and the
  input window the model really reads (its resolved ``input_width``);
* error by step: whether the best model's error grows with the step (the rank correlation of
  its per-step error with the step, :func:`step_trend`), and the models left off the scale;
* training curves: the loss and its unit, each network's best validation epoch or that it kept
  its anchor alone;
* error across series (panels).

Example:
    >>> import pandas as pd
    >>> step_trend(pd.Series([1.0, 2.0, 3.5, 4.0], index=[1, 2, 3, 4]), "MAE", "kW")
    'grows with the step, from 1.000 kW at step 1 to 4.000 kW at step 4 (rank correlation with the step 1.00)'
    >>> step_trend(pd.Series([3.0, 1.0, 4.0, 1.5], index=[1, 2, 3, 4]), "MAE", None)
    'does not grow steadily with the step (rank correlation 0.00): lowest at step 2 (1.000), highest at step 3 (4.000)'
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from forecast.evaluation import plots
from forecast.evaluation.loss_units import settings_loss_label
from forecast.evaluation.markdown_cells import decimals, escape, format_float, join
from forecast.evaluation.metrics import score_forecasts
from forecast.evaluation.origin_errors import origin_errors, ranked_origins
from forecast.evaluation.plot_support import format_stamp

#: A rank correlation of the per-step error with the step beyond this reads "grows" ("shrinks").
TREND = 0.7
#: The folder of the figures inside the report directory.
FIGURES_DIR = "figures"
_PICK_NAMES = {"worst": "worst", "typical": "typical (median)", "best": "best"}


def best_model(leaderboard: pd.DataFrame, forecasts: pd.DataFrame) -> str:
    """The model with the lowest MAE (the leaderboard's first when it has no MAE) that has
    forecasts in the frame."""
    present = set(pd.unique(forecasts["model"]))
    names = [n for n in leaderboard.index if n in present]
    if not names:
        return str(pd.unique(forecasts["model"])[0])
    if "mae" in leaderboard.columns and leaderboard.loc[names, "mae"].notna().any():
        return str(leaderboard.loc[names, "mae"].astype(np.float64).idxmin())
    return str(names[0])


def write_figures(
    folder: Path,
    *,
    forecasts: pd.DataFrame,
    leaderboard: pd.DataFrame,
    history: pd.DataFrame | None,
    histories: Mapping[str, Mapping[str, Any]] | None,
    settings: Mapping[str, Mapping[str, Any]] | None,
    unit: str | None,
) -> list[tuple[str, str, str]]:
    """Save the figures into ``folder``; returns ``(heading, file name relative to the report,
    caption)`` for each."""
    settings = settings or {}
    best = best_model(leaderboard, forecasts)
    out = [_forecast_figure(folder, forecasts, history, settings, best, unit)]
    out.append(_step_figure(folder, forecasts, best, unit))
    trained = {k: v for k, v in (histories or {}).items() if v}
    if trained:
        out.append(_training_figure(folder, forecasts, trained, settings, unit))
    n_series = forecasts["series_id"].nunique()
    if n_series > 1:
        figure = plots.plot_series_errors(forecasts, "mae", unit)
        out.append(
            (
                "Error across series",
                _save(figure, folder, "series_errors.png"),
                f"The MAE of each of the {n_series} series, one box per model (best median on top).",
            )
        )
    return out


def _forecast_figure(folder, forecasts, history, settings, best, unit) -> tuple[str, str, str]:
    series_id = pd.unique(forecasts.loc[forecasts["model"] == best, "series_id"])[0]
    picks = ranked_origins(forecasts, best, series_id)
    errors = origin_errors(forecasts, best, series_id=series_id)
    digits = decimals(errors.to_numpy(np.float64))
    suffix = f" {unit}" if unit else ""
    width = _input_width(settings, best, forecasts)
    titles = [
        f"{_PICK_NAMES[label]} for {best} (MAE {format_float(errors[origin], digits)}{suffix})"
        for label, origin in picks.items()
    ]
    figure = plots.plot_forecasts(
        forecasts,
        history,
        origins=list(picks.values()),
        series_id=series_id,
        unit=unit,
        input_width=width,
        titles=titles,
        coverage=(),  # every model's forecast; the bands are in the "Intervals" section
    )
    with_time = not all(o == o.normalize() for o in picks.values())
    told = join(
        [
            f"{_PICK_NAMES[label]} {format_stamp(origin, with_time)} with "
            f"{format_float(errors[origin], digits)}{suffix}"
            for label, origin in picks.items()
        ]
    )
    n_series = forecasts["series_id"].nunique()
    which = "" if n_series == 1 else f" for series {escape(series_id)}"
    window = (
        f"the grey line is the input window the model reads ({width} steps)"
        if history is not None
        else "no history was given, so no input window is drawn"
    )
    caption = (
        f"The origins of **{escape(best)}**, the best model, ranked by its MAE at each of its "
        f"{len(errors)} origins{which}: {told}. Every model's forecast is drawn; {window}, "
        "black the actuals, the dashed line the forecast origin."
    )
    return ("Forecasts against actuals", _save(figure, folder, "forecasts.png"), caption)


def _input_width(settings, best, forecasts) -> int:
    """The best model's resolved input width; else the widest of the models; else twice the
    horizon."""

    def width(params) -> int | None:
        value = (params or {}).get("input_width")
        return int(value) if isinstance(value, (int, np.integer)) and value > 0 else None

    own = width(settings.get(best))
    if own is not None:
        return own
    widths = [w for w in (width(p) for p in settings.values()) if w is not None]
    return max(widths) if widths else 2 * int(forecasts["step"].max())


def _step_figure(folder, forecasts, best, unit) -> tuple[str, str, str]:
    figure = plots.plot_error_by_step(forecasts, "mae", unit)
    per_step = score_forecasts(forecasts, ["mae"], by=["model", "step"])["mae"]
    overall = score_forecasts(forecasts, ["mae"], by="model")["mae"]
    far = plots.off_scale_models(overall)
    drawn = [m for m in pd.unique(forecasts["model"]) if m not in far]
    growing = [m for m in drawn if _rank_correlation(per_step.loc[m].dropna()) >= TREND]
    caption = (
        "MAE at each step of the horizon, over all origins and series. For "
        f"**{escape(best)}**, the best model, the error "
        f"{step_trend(per_step.loc[best].dropna(), 'MAE', unit)}."
    )
    if len(drawn) > 1:
        caption += (
            f" It grows with the step for {len(growing)} of the {len(drawn)} models drawn"
            + (f" ({join([escape(m) for m in growing])})" if 0 < len(growing) < len(drawn) else "")
            + "."
        )
    if far:
        digits = decimals(overall.to_numpy(np.float64))
        suffix = f" {unit}" if unit else ""
        listed = join(
            [f"{escape(m)} (MAE {format_float(overall[m], digits)}{suffix})" for m in far]
        )
        caption += f" Not drawn (an MAE over {plots.OFF_SCALE:g} times the best model's): {listed}."
    return ("Error by forecast step", _save(figure, folder, "error_by_step.png"), caption)


def step_trend(per_step: pd.Series, name: str, unit: str | None) -> str:
    """How an error (indexed by step) moves with the step, in words (see the module
    docstring): grows, shrinks, or does not move steadily, by its rank correlation with the
    step against :data:`TREND`."""
    values = per_step.astype(np.float64).sort_index()
    digits = decimals(values.to_numpy())
    suffix = f" {unit}" if unit else ""

    def at(step) -> str:
        return f"{format_float(values[step], digits)}{suffix}"

    if values.max() - values.min() <= 1e-9 * max(abs(values.max()), 1e-300):
        return f"is the same at every step ({at(values.index[0])})"
    if len(values) < 3:
        return f"is {join([f'{at(s)} at step {s}' for s in values.index])}"
    rho = _rank_correlation(values)
    first, last = values.index[0], values.index[-1]
    if rho >= TREND:
        return (
            f"grows with the step, from {at(first)} at step {first} to {at(last)} at step "
            f"{last} (rank correlation with the step {rho:.2f})"
        )
    if rho <= -TREND:
        return (
            f"shrinks with the step, from {at(first)} at step {first} to {at(last)} at step "
            f"{last} (rank correlation with the step {rho:.2f})"
        )
    low, high = values.idxmin(), values.idxmax()
    return (
        f"does not grow steadily with the step (rank correlation {rho:.2f}): lowest at step "
        f"{low} ({at(low)}), highest at step {high} ({at(high)})"
    )


def _rank_correlation(values: pd.Series) -> float:
    """Spearman's rank correlation of ``values`` with their index (0 when undefined)."""
    if len(values) < 2:
        return 0.0
    ranks = values.rank().to_numpy(np.float64)
    steps = pd.Series(values.index).rank().to_numpy(np.float64)
    if ranks.std() == 0 or steps.std() == 0:
        return 0.0
    rho = float(np.corrcoef(ranks, steps)[0, 1])
    return 0.0 if abs(rho) < 5e-3 else rho


def _training_figure(folder, forecasts, histories, settings, unit) -> tuple[str, str, str]:
    label = settings_loss_label(settings, list(histories), unit)
    kept = {name: (settings.get(name) or {}).get("best_epochs") for name in histories}
    figure = plots.plot_training_history(
        histories,
        model_order=list(pd.unique(forecasts["model"])),
        loss_label=label,
        kept_epochs=kept,
    )
    notes = []
    for name, history in histories.items():
        epochs = len(history.get("loss", ()))
        val = np.asarray(history.get("val_loss") or [], dtype=np.float64)
        held = kept.get(name)
        if held is not None and len(held) and all(int(e) == 0 for e in held):
            notes.append(
                f"{escape(name)} trained {epochs} epoch{'s' if epochs != 1 else ''} and kept its "
                "anchor alone (training did not beat it on the validation windows)"
            )
        elif val.size and np.isfinite(val).any():
            notes.append(
                f"{escape(name)}'s lowest validation loss is at epoch "
                f"{int(np.nanargmin(val)) + 1} of {epochs}"
            )
        else:
            notes.append(f"{escape(name)} trained {epochs} epoch{'s' if epochs != 1 else ''}")
    caption = (
        f"Training (solid) and validation (dashed) loss per epoch, as {label}; the star marks "
        f"the best validation epoch. {'; '.join(notes)}."
    )
    return ("Training curves", _save(figure, folder, "training_history.png"), caption)


def _save(figure, folder: Path, name: str) -> str:
    plots.save_figure(figure, folder / name)
    return f"{FIGURES_DIR}/{name}"


__all__ = ["FIGURES_DIR", "TREND", "best_model", "step_trend", "write_figures"]
