"""The report's "Intervals" section: how well each model's prediction intervals are calibrated.

Present only when the forecasts carry intervals (quantile columns bounding a central interval,
as :func:`forecast.compare` with ``coverage=`` writes them). :func:`interval_section` returns
its blocks (:mod:`forecast.evaluation.report_blocks`) and saves its two figures:

* a table per model: how it forecast its intervals (``conformal`` or its own ``quantile``
  levels), the pinball loss and WQL over the quantile levels, and for each coverage the
  empirical coverage against the nominal level and the mean width, with a sentence naming
  the models more than :data:`CALIBRATION_TOLERANCE` from nominal;
* the fan chart of the model with the lowest WQL at its worst, typical and best origins
  (:func:`forecast.evaluation.plots.plot_forecasts` with its bands), captioned with how many
  actuals fall inside each band there;
* coverage and width by horizon step (:func:`forecast.evaluation.plots.plot_coverage_by_step`).

Example:
    >>> import pandas as pd
    >>> stamps = pd.date_range("2024-01-01", periods=4, freq="h")
    >>> tidy = pd.DataFrame({"series_id": "s", "target": "y", "origin": stamps[[0, 0, 2, 2]],
    ...                      "timestamp": stamps, "step": [1, 2, 1, 2],
    ...                      "actual": [1.0, 2.0, 3.0, 4.0], "forecast": [1.0, 2.0, 3.0, 3.0],
    ...                      "model": "m", "q0.1": [0.5, 1.5, 2.5, 2.0],
    ...                      "q0.5": [1.0, 2.0, 3.0, 3.0], "q0.9": [1.5, 2.5, 3.5, 3.5]})
    >>> board = pd.DataFrame(index=pd.Index(["m"], name="model"))
    >>> interval_table(tidy, board, "kW").frame  # pinball (1.45 / 12), WQL 2 * 1.45 / 10 / 3
      model intervals Pinball (kW)     WQL coverage 80% width 80% (kW)
    0     m         –       0.1208  0.0967        75.0%          1.125
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from forecast.evaluation import plots
from forecast.evaluation.interval_plot import interval_scores_by_step
from forecast.evaluation.markdown_cells import decimals, escape, format_float, join
from forecast.evaluation.metrics import score_forecasts
from forecast.evaluation.origin_errors import ranked_origins
from forecast.evaluation.quantile_metrics import frame_coverages
from forecast.evaluation.report_blocks import Block, Heading, Image, Paragraph, Table
from forecast.evaluation.schema import level_column, quantile_column, quantile_levels
from forecast.models.probabilistic import interval_quantiles

#: A calibrated interval's empirical coverage is within this of nominal (5 points).
CALIBRATION_TOLERANCE = 0.05
_PICK_NAMES = {"worst": "worst", "typical": "typical (median)", "best": "best"}


def has_intervals(forecasts: pd.DataFrame) -> bool:
    """Whether the forecasts carry at least one central interval with forecast values."""
    levels = quantile_levels(forecasts.columns)
    coverages = frame_coverages(levels) if levels else ()
    return any(
        forecasts[[quantile_column(q) for q in interval_quantiles(c)]].notna().all(axis=1).any()
        for c in coverages
    )


def interval_section(
    folder: Path,
    *,
    forecasts: pd.DataFrame,
    leaderboard: pd.DataFrame,
    history: pd.DataFrame | None,
    settings: Mapping[str, Mapping[str, Any]] | None,
    unit: str | None,
) -> list[Block]:
    """The blocks of the section (none when the forecasts carry no interval); its figures
    are saved in ``folder`` (the report's ``figures/``)."""
    if not has_intervals(forecasts):
        return []
    scores = _scores(forecasts, leaderboard)
    coverages = frame_coverages(quantile_levels(forecasts.columns))
    shown = ", ".join(f"{100 * c:g}%" for c in coverages)
    intro = (
        f"Central prediction intervals of nominal coverage {shown}, scored on the same "
        "origins as the leaderboard. Coverage is the share of actuals inside the interval (a "
        "calibrated interval is close to nominal), width its mean width; pinball is the mean "
        "pinball loss over the quantile levels "
        f"({', '.join(quantile_column(q) for q in quantile_levels(forecasts.columns))}), "
        "WQL the weighted quantile loss (scale-free). Conformal intervals are split-conformal "
        "bands around the model's point forecast, calibrated on held-out windows; quantile "
        "intervals are the model's own quantiles."
    )
    blocks: list[Block] = [Heading(2, "Intervals"), Paragraph(intro)]
    blocks += [interval_table(forecasts, leaderboard, unit), Paragraph(_calibration(scores))]
    fan_model = _fan_model(scores)
    blocks += _fan_chart(folder, forecasts, history, settings, fan_model, unit)
    blocks += _coverage_figure(folder, forecasts, fan_model, coverages, unit)
    return blocks


def interval_table(forecasts: pd.DataFrame, leaderboard: pd.DataFrame, unit: str | None) -> Table:
    """Per model (in the leaderboard's order): how it forecast its intervals, pinball, WQL,
    and each coverage's empirical coverage and mean width."""
    scores = _scores(forecasts, leaderboard)
    names = list(scores.index)
    suffix = f" ({unit})" if unit else ""
    source = leaderboard["intervals"] if "intervals" in leaderboard.columns else pd.Series()
    cells = pd.DataFrame({"model": [str(m) for m in names]})
    cells["intervals"] = [str(source.get(m, "–")) for m in names]
    for metric, header in (("pinball", f"Pinball{suffix}"), ("wql", "WQL")):
        digits = decimals(scores[metric].to_numpy(np.float64))
        cells[header] = [
            format_float(v, max(digits, 4 if metric == "wql" else 0)) for v in scores[metric]
        ]
    for c in frame_coverages(quantile_levels(forecasts.columns)):
        label = f"{100 * c:g}%"
        covered = scores[level_column("coverage", c)]
        cells[f"coverage {label}"] = [_percent(v) for v in covered]
        widths = scores[level_column("width", c)].to_numpy(np.float64)
        digits = decimals(widths)
        cells[f"width {label}{suffix}"] = [format_float(v, digits) for v in widths]
    return Table(cells, ("left", "left") + ("right",) * (cells.shape[1] - 2))


def _scores(forecasts: pd.DataFrame, leaderboard: pd.DataFrame) -> pd.DataFrame:
    """Pinball, WQL, coverage and width of every model with intervals, in the
    leaderboard's order."""
    scores = score_forecasts(forecasts, ["pinball", "wql", "coverage", "width"], by="model")
    coverages = [c for c in scores.columns if c.startswith("coverage_")]
    scores = scores.loc[scores[coverages].notna().any(axis=1)]
    names = [m for m in leaderboard.index if m in scores.index]
    return scores.loc[names + [m for m in scores.index if m not in names]]


def _percent(value: float) -> str:
    return "–" if value is None or not np.isfinite(value) else f"{100 * value:.1f}%"


def _calibration(scores: pd.DataFrame) -> str:
    """Which models cover within the tolerance of nominal, and which do not."""
    off = []
    columns = [c for c in scores.columns if c.startswith("coverage_")]
    for name in scores.index:
        told = {"under": [], "over": []}
        for column in columns:
            nominal, value = float(column.split("_", 1)[1]) / 100, scores.loc[name, column]
            if np.isfinite(value) and abs(value - nominal) > CALIBRATION_TOLERANCE:
                told["under" if value < nominal else "over"].append(
                    f"{100 * nominal:g}% ({_percent(value)})"
                )
        for how, levels in told.items():
            if levels:
                noun = "interval" if len(levels) == 1 else "intervals"
                off.append(f"**{escape(name)}** {how}-covers its {join(levels)} {noun}")
    points = f"{100 * CALIBRATION_TOLERANCE:g} points"
    if not off:
        return f"Every interval covers within {points} of its nominal level."
    return f"Not within {points} of nominal: {'; '.join(off)}."


def _fan_model(scores: pd.DataFrame) -> str:
    """The model with the lowest WQL (pinball when no WQL is finite)."""
    for metric in ("wql", "pinball"):
        values = scores[metric].astype(np.float64)
        if values.notna().any():
            return str(values.idxmin())
    return str(scores.index[0])


def _fan_chart(folder, forecasts, history, settings, model, unit) -> list[Block]:
    rows = forecasts.loc[forecasts["model"] == model]
    series_id = pd.unique(rows["series_id"])[0]
    picks = ranked_origins(forecasts, model, series_id)
    horizon = int(forecasts["step"].max())
    figure = plots.plot_forecasts(
        forecasts,
        history,
        origins=list(picks.values()),
        series_id=series_id,
        models=[model],
        unit=unit,
        input_width=min(_input_width(settings, model, forecasts), 2 * horizon),
        titles=[f"{_PICK_NAMES[label]} for {model} (by MAE)" for label in picks],
    )
    shown = rows.loc[(rows["series_id"] == series_id) & rows["origin"].isin(list(picks.values()))]
    shown = shown.loc[shown["actual"].notna()]
    inside = []
    for c in frame_coverages(quantile_levels(forecasts.columns)):
        low, high = (shown[quantile_column(q)] for q in interval_quantiles(c))
        count = int(((shown["actual"] >= low) & (shown["actual"] <= high)).sum())
        inside.append(f"{count} of {len(shown)} inside the {100 * c:g}% band")
    which = "" if forecasts["series_id"].nunique() == 1 else f" of series {escape(series_id)}"
    caption = (
        f"The intervals of **{escape(model)}**, the model with the lowest WQL, at its worst, "
        f"typical and best origins{which} by MAE: each band shaded, darker for narrower, the "
        f"median line on top, black the actuals, grey the last {2 * horizon} steps (at most) "
        f"of the input window. Of the actuals shown, {join(inside)}."
    )
    path = _save(figure, folder, "intervals.png")
    return [Heading(3, "Forecast intervals"), Image(path, "Forecast intervals"), Paragraph(caption)]


def _coverage_figure(folder, forecasts, model, coverages, unit) -> list[Block]:
    figure = plots.plot_coverage_by_step(forecasts, unit=unit)
    by_step = interval_scores_by_step(forecasts).loc[model]
    told = []
    for c in coverages:
        covered = by_step[level_column("coverage", c)].astype(np.float64)
        first, last = covered.index[0], covered.index[-1]
        told.append(
            f"{100 * c:g}%: {_percent(covered[first])} at step {first}, "
            f"{_percent(covered[last])} at step {last}, lowest {_percent(covered.min())} "
            f"at step {int(covered.idxmin())}"
        )
    caption = (
        "Left, the share of actuals inside each model's interval at each step of the horizon, "
        "against the nominal level (dashed); right, the mean width of those intervals. For "
        f"**{escape(model)}**: {'; '.join(told)}."
    )
    path = _save(figure, folder, "coverage_by_step.png")
    return [
        Heading(3, "Coverage by forecast step"),
        Image(path, "Coverage by forecast step"),
        Paragraph(caption),
    ]


def _input_width(settings, model, forecasts) -> int:
    """The model's resolved input width (or its inner model's), else twice the horizon."""
    params = (settings or {}).get(model) or {}
    for key in ("input_width", "model__input_width"):
        value = params.get(key)
        if isinstance(value, (int, np.integer)) and value > 0:
            return int(value)
    return 2 * int(forecasts["step"].max())


def _save(figure, folder: Path, name: str) -> str:
    plots.save_figure(figure, Path(folder) / name)
    return f"{Path(folder).name}/{name}"


__all__ = ["CALIBRATION_TOLERANCE", "has_intervals", "interval_section", "interval_table"]
