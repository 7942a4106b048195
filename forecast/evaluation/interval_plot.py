"""Calibration of interval forecasts by horizon step: empirical coverage against the nominal
level, and the width that bought it.

:func:`interval_scores_by_step` is the table (``coverage_80``, ``width_80``, ... per model and
step, from :func:`forecast.evaluation.metrics.score_forecasts`, so it agrees with the
leaderboard); :func:`plot_coverage_by_step` draws it: one row of two panels per target, the
share of actuals inside each model's interval at each step (one line per model and coverage)
with a dashed line at each nominal level, and the mean width of those intervals (the legend,
beside the width panel, holds for both).

Models without quantiles (NaN quantile columns, a point forecaster in a mixed frame) are
left out.

Example:
    >>> import pandas as pd
    >>> stamps = pd.date_range("2024-01-01", periods=2, freq="h")
    >>> tidy = pd.DataFrame({"series_id": "s", "target": "y", "origin": stamps[0],
    ...                      "timestamp": stamps, "step": [1, 2], "actual": [1.0, 3.0],
    ...                      "forecast": [1.0, 2.0], "model": "m",
    ...                      "q0.1": [0.5, 1.0], "q0.5": [1.0, 2.0], "q0.9": [1.5, 2.5]})
    >>> interval_scores_by_step(tidy)  # doctest: +NORMALIZE_WHITESPACE
                coverage_80  width_80
    model step
    m     1             1.0       1.0
          2             0.0       1.5
    >>> figure = plot_coverage_by_step(tidy, unit="kW")
    >>> coverage_axes, width_axes = figure.axes
    >>> [(line.get_label(), line.get_ydata().tolist()) for line in coverage_axes.lines]
    [('m 80%', [100.0, 0.0]), ('nominal 80%', [80.0, 80.0])]
    >>> width_axes.get_ylabel(), width_axes.lines[0].get_ydata().tolist()
    ('interval width (kW)', [1.0, 1.5])
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, PercentFormatter

from forecast.evaluation.metrics import score_forecasts
from forecast.evaluation.plot_support import colours
from forecast.evaluation.quantile_metrics import frame_coverages
from forecast.evaluation.schema import check_forecasts, level_column, quantile_levels
from forecast.models.probabilistic import check_quantiles

_NOMINAL_COLOUR = "0.35"
#: Line styles and markers of the coverages, narrowest first.
_COVERAGE_STYLES = (("-", "o"), ("--", "s"), (":", "^"), ("-.", "D"))


def interval_coverages(forecasts: pd.DataFrame, coverage=None) -> tuple[float, ...]:
    """``coverage`` checked (ascending), or every central interval whose two bounds are
    quantile columns of ``forecasts`` when ``None``.

    Raises:
        ValueError: the frame has no interval (no pair of quantile columns around 0.5).
    """
    if coverage is not None:
        return check_quantiles(coverage, "coverage")
    found = frame_coverages(quantile_levels(forecasts.columns))
    if not found:
        raise ValueError(
            "the forecast frame has no interval: it needs the quantile columns of both bounds "
            "(q0.1 and q0.9 for 80%); backtest or compare with coverage=(0.8, 0.95)"
        )
    return found


def interval_scores_by_step(forecasts: pd.DataFrame, coverage=None) -> pd.DataFrame:
    """Empirical coverage and mean width of each interval, per model and step.

    Args:
        forecasts: a tidy forecast frame with quantile columns.
        coverage: the coverages; default every interval the frame's quantile columns hold.

    Returns:
        Index ``(model, step)``; columns ``coverage_80``, ``width_80``, ... (coverage as a
        share, width in the data's units), pooled over series, targets and origins; models
        without quantiles are left out.
    """
    frame = check_forecasts(forecasts)
    coverages = interval_coverages(frame, coverage)
    scores = score_forecasts(frame, ["coverage", "width"], by=["model", "step"], coverage=coverages)
    columns = [level_column(m, c) for c in coverages for m in ("coverage", "width")]
    return scores[columns].dropna(how="all")


def plot_coverage_by_step(
    forecasts: pd.DataFrame,
    coverage: float | Sequence[float] | None = None,
    unit: str | None = None,
) -> Figure:
    """Coverage and width of each model's intervals by horizon step (one row per target).

    Args:
        forecasts: a tidy forecast frame with quantile columns.
        coverage: the coverages to draw; default every interval the quantile columns hold.
        unit: the unit of the target, for the width axis.

    Returns:
        The figure: left, the percentage of actuals inside the interval at each step, one
        line per model and coverage (``"LSTM 80%"``; the model's colour, one line style per
        coverage) and a dashed line at each nominal level (``"nominal 80%"``); right, the
        mean width of the same intervals. Each line's y data are
        :func:`interval_scores_by_step` (coverage in percent).

    Raises:
        ValueError: the frame has no interval, or lacks a bound of ``coverage``.

    Example:
        See the module docstring.
    """
    frame = check_forecasts(forecasts)
    coverages = interval_coverages(frame, coverage)
    model_colours = colours(list(pd.unique(frame["model"])))
    targets = list(pd.unique(frame["target"]))
    horizon = int(frame["step"].max())
    figure = Figure(figsize=(13.0, 0.7 + 3.6 * len(targets)), layout="constrained")
    grid = figure.subplots(len(targets), 2, squeeze=False)
    for (cover_axes, width_axes), target in zip(grid, targets):
        rows = frame.loc[frame["target"] == target]
        _draw_lines(cover_axes, width_axes, rows, coverages, model_colours, horizon <= 48)
        for c in coverages:
            _nominal_line(cover_axes, c, horizon)
        about = "" if len(targets) == 1 else f": {target}"
        cover_axes.set_title(f"Coverage by forecast step{about}", fontsize=11)
        cover_axes.set_ylabel("actuals inside the interval (%)")
        cover_axes.set_ylim(0.0, 102.0)
        cover_axes.yaxis.set_major_formatter(PercentFormatter())
        width_axes.set_title(f"Interval width by forecast step{about}", fontsize=11)
        width_axes.set_ylabel(f"interval width ({unit})" if unit else "interval width")
        drawn = np.concatenate([line.get_ydata() for line in width_axes.lines] or [np.zeros(1)])
        top = float(np.nanmax(drawn)) if np.isfinite(drawn).any() else 1.0
        width_axes.set_ylim(0.0, 1.08 * top if top > 0 else 1.0)
        for axes in (cover_axes, width_axes):
            axes.set_xlabel("forecast step (horizon)")
            axes.xaxis.set_major_locator(MaxNLocator(integer=True))
            axes.set_xlim(0.5, horizon + 0.5)
            axes.grid(alpha=0.3)
        width_axes.legend(frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8.5)
    return figure


def _draw_lines(cover_axes, width_axes, rows, coverages, model_colours, marked: bool) -> None:
    """One coverage and one width line per model (in the frame's order) and coverage."""
    scores = interval_scores_by_step(rows, coverages)
    present = set(scores.index.get_level_values("model"))
    for name in [m for m in pd.unique(rows["model"]) if m in present]:
        per_step = scores.loc[name].sort_index()
        steps = per_step.index.to_numpy()
        for i, c in enumerate(coverages):
            if per_step[level_column("coverage", c)].isna().all():
                continue
            style, marker = _COVERAGE_STYLES[i % len(_COVERAGE_STYLES)]
            common = dict(
                color=model_colours[name][0],
                linestyle=style,
                marker=marker if marked else None,
                markersize=3.5,
                linewidth=1.5,
                label=f"{name} {100 * c:g}%",
            )
            covered = 100.0 * per_step[level_column("coverage", c)].to_numpy()
            cover_axes.plot(steps, covered, **common)
            width_axes.plot(steps, per_step[level_column("width", c)].to_numpy(), **common)


def _nominal_line(axes, coverage: float, horizon: int) -> None:
    """A dashed line at the nominal level, named at its right end."""
    label = f"nominal {100 * coverage:g}%"
    axes.plot(
        [0.5, horizon + 0.5],
        [100.0 * coverage] * 2,
        color=_NOMINAL_COLOUR,
        linestyle="--",
        linewidth=1.0,
        label=label,
        zorder=1,
    )
    axes.annotate(
        label,
        (horizon + 0.5, 100.0 * coverage),
        xytext=(-3, 2),
        textcoords="offset points",
        ha="right",
        va="bottom",
        fontsize=8,
        color=_NOMINAL_COLOUR,
        gid="nominal",
    )


__all__ = ["interval_coverages", "interval_scores_by_step", "plot_coverage_by_step"]
