"""Matplotlib figures of a comparison: forecasts against actuals, error by step, training, per series.

Every function takes the tidy forecast frame of :func:`forecast.backtest` / :func:`forecast.compare`
(columns :data:`FORECAST_COLUMNS`, see :mod:`forecast.evaluation.schema`) or the training
histories of the neural models, and returns a :class:`matplotlib.figure.Figure`:

* :func:`plot_forecasts`: each model's forecast against the actuals at a few origins, with the
  input window the forecast was made from (drawn by :mod:`forecast.evaluation.forecast_plot`);
* :func:`plot_error_by_step`: a metric per horizon step, one line per model (those far worse
  than the best left out and named, :func:`off_scale_models`);
* :func:`plot_training_history`: training and validation loss per epoch;
* :func:`plot_series_errors`: the spread of a per-series metric across the series of a panel;
* :func:`plot_coverage_by_step`: interval coverage against the nominal level, and interval
  width, by horizon step (:mod:`forecast.evaluation.interval_plot`);
* :func:`save_figure`: write a figure to PNG atomically.

The figures are built on :class:`~matplotlib.figure.Figure` directly, never through
``pyplot``: no global state, nothing to close, and they work on headless machines. Jupyter
displays a returned figure. Errors are computed by
:func:`forecast.evaluation.metrics.score_forecasts`, so a figure always agrees with the
leaderboard. A model keeps its colour within a figure; the figures of one comparison colour
models in the order they appear in the forecast frame.

Example:
    >>> import pandas as pd
    >>> stamps = pd.date_range("2024-01-01", periods=4, freq="h")
    >>> tidy = pd.DataFrame({"series_id": "series", "target": "y",
    ...                      "origin": stamps[[0, 0, 2, 2]], "timestamp": stamps,
    ...                      "step": [1, 2, 1, 2], "actual": [1.0, 2.0, 3.0, 4.0],
    ...                      "forecast": [1.5, 2.0, 3.0, 3.0], "model": "naive"})
    >>> figure = plot_error_by_step(tidy, unit="kW")
    >>> axes = figure.axes[0]
    >>> axes.get_xlabel(), axes.get_ylabel()
    ('forecast step (horizon)', 'MAE (kW)')
    >>> axes.lines[0].get_ydata().tolist()  # step 1: |1.5 - 1| and 0; step 2: 0 and 1
    [0.25, 0.5]
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from forecast._files import atomic_file
from forecast.evaluation.forecast_plot import plot_forecasts
from forecast.evaluation.interval_plot import plot_coverage_by_step
from forecast.evaluation.metrics import score_forecasts
from forecast.evaluation.plot_support import colours, horizontal_boxplot, metric_label
from forecast.evaluation.schema import (
    METRIC_NAMES,
    METRICS_WITH_UNITS,
    PERCENT_METRICS,
    check_forecasts,
    check_metrics,
)
from forecast.evaluation.schema import TIDY_COLUMNS as FORECAST_COLUMNS
from forecast.evaluation.training_plot import MARKED_EPOCHS, plot_training_history

# ---------------------------------------------------------------------- public API


#: :func:`plot_error_by_step` leaves out the models whose overall error is more than this many
#: times the best model's, so that they do not squash the others (the figure names them).
OFF_SCALE = 4.0


def plot_error_by_step(
    forecasts: pd.DataFrame,
    metric: str = "mae",
    unit: str | None = None,
    *,
    scales: Mapping | float | None = None,
    off_scale: float | None = OFF_SCALE,
) -> Figure:
    """A metric per horizon step, one line per model (one subplot per target).

    The y axis is linear, from zero (errors) or around zero (``bias``), scaled to the models
    that matter: a model whose overall error (its size, for ``bias``) is more than
    ``off_scale`` times the best model's is not drawn, and a note on the figure (gid
    ``"off-scale"``) names it with its overall error.

    Args:
        forecasts: a tidy forecast frame.
        metric: a name from :data:`forecast.evaluation.schema.METRICS`.
        unit: the unit of the target, for the y label of metrics in the data's units
            (``mae``, ``rmse``, ``bias``).
        scales: for ``mase``, as for :func:`forecast.evaluation.metrics.score_forecasts`.
        off_scale: the factor above which a model is left out; ``None`` draws every model.

    Returns:
        The figure: x ``"forecast step (horizon)"``, y the metric (``"MAE (kW)"``,
        ``"sMAPE (%)"``); each line's y data are
        ``score_forecasts(forecasts, [metric], by=["model", "step"])`` for its model.

    Example:
        See the module docstring; a model 10 times worse than the best is left out:

        >>> import pandas as pd
        >>> stamps = pd.date_range("2024-01-01", periods=2, freq="h")
        >>> good = pd.DataFrame({"series_id": "s", "target": "y", "origin": stamps[0],
        ...                      "timestamp": stamps, "step": [1, 2], "actual": [1.0, 2.0],
        ...                      "forecast": [1.5, 2.5], "model": "good"})
        >>> bad = good.assign(forecast=[6.0, 7.0], model="bad")
        >>> axes = plot_error_by_step(pd.concat([good, bad]), unit="kW").axes[0]
        >>> [line.get_label() for line in axes.lines], axes.get_yscale()
        (['good'], 'linear')
        >>> [t.get_text() for t in axes.texts if t.get_gid() == "off-scale"]
        ['not drawn, over 4× the best MAE:\\nbad (MAE 5 kW)']
    """
    frame = check_forecasts(forecasts)
    check_metrics([metric])
    model_names = list(pd.unique(frame["model"]))
    model_colours = colours(model_names)
    targets = list(pd.unique(frame["target"]))
    figure = Figure(figsize=(10.5, 0.6 + 3.6 * len(targets)), layout="constrained")
    grid = figure.subplots(len(targets), 1, squeeze=False)
    for axes, target in zip(grid[:, 0], targets):
        rows = frame.loc[frame["target"] == target]
        scores = score_forecasts(rows, [metric], by=["model", "step"], scales=scales)
        overall = score_forecasts(rows, [metric], by="model", scales=scales)[metric]
        far = off_scale_models(overall, off_scale)
        horizon = int(scores.index.get_level_values("step").max())
        drawn = []
        for name in model_names:
            if name in far or name not in scores.index.get_level_values("model"):
                continue
            per_step = scores.loc[name, metric].sort_index()
            colour, style = model_colours[name]
            axes.plot(
                per_step.index.to_numpy(),
                per_step.to_numpy(np.float64),
                color=colour,
                linestyle=style,
                marker="o" if horizon <= 48 else None,
                markersize=3.5,
                linewidth=1.6,
                label=name,
            )
            drawn.append(per_step.to_numpy(np.float64))
        _error_axis(axes, metric, np.concatenate(drawn) if drawn else np.array([]))
        if far:
            _off_scale_note(axes, {n: overall[n] for n in far}, metric, unit, off_scale)
        axes.set_xlabel("forecast step (horizon)")
        axes.set_ylabel(metric_label(metric, unit))
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        axes.set_xlim(0.5, horizon + 0.5)
        axes.grid(alpha=0.3)
        axes.legend(frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1.0))
        title = f"{METRIC_NAMES[metric]} by forecast step"
        axes.set_title(title if len(targets) == 1 else f"{title}: {target}", fontsize=11)
    return figure


def off_scale_models(overall: pd.Series, factor: float | None = OFF_SCALE) -> list[str]:
    """The models (index of ``overall``, one error per model) whose error's size is more than
    ``factor`` times the smallest one's, in their order (none when ``factor`` is ``None``).

    Example:
        >>> off_scale_models(pd.Series({"a": 1.0, "b": 3.9, "c": -5.0}))
        ['c']
    """
    size = overall.astype(np.float64).abs()
    finite = size[np.isfinite(size)]
    if factor is None or finite.empty or finite.min() <= 0:
        return []
    return [str(name) for name, value in size.items() if value > factor * finite.min()]


def _off_scale_note(axes, far: dict, metric: str, unit: str | None, factor: float) -> None:
    """Name the models left out, with their overall error, beside the axes."""
    values = ",\n".join(
        f"{name} ({METRIC_NAMES[metric]} {_format_error(value, metric, unit)})"
        for name, value in far.items()
    )
    axes.text(
        1.01,
        0.0,
        f"not drawn, over {factor:g}× the best {METRIC_NAMES[metric]}:\n{values}",
        transform=axes.transAxes,
        fontsize=8.5,
        color="0.3",
        va="bottom",
        ha="left",
        gid="off-scale",
    )


def _error_axis(axes, metric: str, drawn: np.ndarray) -> None:
    """A linear axis from zero, or around zero for ``bias``, with room above the lines."""
    drawn = drawn[np.isfinite(drawn)]
    if metric == "bias":
        axes.axhline(0.0, color="0.3", linewidth=0.8)
        reach = float(np.abs(drawn).max()) if drawn.size else 1.0
        axes.set_ylim(-1.08 * reach or -1.0, 1.08 * reach or 1.0)
        return
    top = float(drawn.max()) if drawn.size else 1.0
    axes.set_ylim(0.0, 1.08 * top if top > 0 else 1.0)  # from zero: ratios read right


def _format_error(value: float, metric: str, unit: str | None) -> str:
    text = f"{value:,.3g}" if abs(value) < 1000 else f"{value:,.0f}"
    if metric in PERCENT_METRICS:
        return f"{text}%"
    return f"{text} {unit}" if unit and metric in METRICS_WITH_UNITS else text


def plot_series_errors(
    forecasts: pd.DataFrame,
    metric: str = "mae",
    unit: str | None = None,
    *,
    scales: Mapping | float | None = None,
) -> Figure:
    """How a metric varies across the series of a panel: one box per model, best median on top.

    Each series contributes one value per model (its metric over all its origins and steps),
    drawn as a dot over the box.

    Args:
        forecasts: a tidy forecast frame of a panel (more than one ``series_id``).
        metric: a name from :data:`forecast.evaluation.schema.METRICS`.
        unit: the unit of the target, for metrics in the data's units.
        scales: for ``mase``, as for :func:`forecast.evaluation.metrics.score_forecasts`.

    Returns:
        The figure (one subplot per target); the median line of each box has the gid
        ``"median:<model>"``.

    Raises:
        ValueError: the frame holds one series only (it needs a panel), or as for the others.

    Example:
        >>> import pandas as pd
        >>> stamps = pd.date_range("2024-01-01", periods=2, freq="h")
        >>> tidy = pd.DataFrame({"series_id": ["a", "a", "b", "b"], "target": "y",
        ...                      "origin": stamps[0], "timestamp": [*stamps, *stamps],
        ...                      "step": [1, 2, 1, 2], "actual": [1.0, 2.0, 1.0, 2.0],
        ...                      "forecast": [1.0, 3.0, 3.0, 4.0], "model": "naive"})
        >>> figure = plot_series_errors(tidy)
        >>> [line.get_xdata()[0] for line in figure.axes[0].lines if line.get_gid() == "median:naive"]
        [np.float64(1.25)]
    """
    frame = check_forecasts(forecasts)
    check_metrics([metric])
    n_series = frame["series_id"].nunique()
    if n_series < 2:
        raise ValueError(
            "plot_series_errors needs a panel (more than one series_id): this frame holds one "
            "series; see plot_error_by_step or the leaderboard instead"
        )
    targets = list(pd.unique(frame["target"]))
    model_names = list(pd.unique(frame["model"]))
    model_colours = colours(model_names)
    n_models = len(model_names)
    figure = Figure(
        figsize=(9.0, 0.8 + len(targets) * (1.0 + 0.55 * n_models)), layout="constrained"
    )
    grid = figure.subplots(len(targets), 1, squeeze=False)
    rng = np.random.default_rng(0)  # jitter of the dots: the same picture every time
    for axes, target in zip(grid[:, 0], targets):
        scores = score_forecasts(
            frame.loc[frame["target"] == target], [metric], by=["model", "series_id"], scales=scales
        )[metric]
        per_model = {
            name: scores.loc[name].dropna().to_numpy(np.float64)
            for name in model_names
            if name in scores.index.get_level_values("model") and scores.loc[name].notna().any()
        }
        if not per_model:
            raise ValueError(f"no finite {metric} for any series of target {target!r}")
        # best (lowest) median on top; bias ranks by its size
        key = (lambda v: abs(np.median(v))) if metric == "bias" else np.median
        order = sorted(per_model, key=lambda n: key(per_model[n]))
        positions = np.arange(len(order), 0, -1, dtype=float)
        _draw_boxes(axes, {n: per_model[n] for n in order}, positions, model_colours, rng)
        if metric == "bias":
            axes.axvline(0.0, color="0.3", linewidth=0.8)
        axes.set_yticks(positions, order)
        axes.set_ylim(0.4, len(order) + 0.6)
        axes.set_xlabel(metric_label(metric, unit) + " per series")
        axes.grid(alpha=0.3, axis="x")
        title = f"{METRIC_NAMES[metric]} across {n_series} series (one dot per series; best median on top)"
        axes.set_title(title if len(targets) == 1 else f"{title}: {target}", fontsize=10)
    return figure


def _draw_boxes(
    axes,
    per_model: dict[str, np.ndarray],
    positions: np.ndarray,
    model_colours: dict[str, tuple],
    rng: np.random.Generator,
) -> None:
    """One box per model at ``positions`` (in the order of ``per_model``), in the model's
    colour, with one jittered dot per value over it."""
    boxes = horizontal_boxplot(axes, list(per_model.values()), positions)
    for name, patch, median in zip(per_model, boxes["boxes"], boxes["medians"]):
        colour, _ = model_colours[name]
        patch.set_facecolor(colour)
        patch.set_alpha(0.35)
        patch.set_edgecolor(colour)
        median.set_color("black")
        median.set_linewidth(1.8)
        median.set_gid(f"median:{name}")
    for (name, values), position in zip(per_model.items(), positions):
        axes.scatter(
            values,
            position + rng.uniform(-0.12, 0.12, size=values.size),
            s=14,
            color=model_colours[name][0],
            edgecolors="black",
            linewidths=0.3,
            zorder=3,
        )


def save_figure(figure: Figure, path: str | os.PathLike, dpi: int = 110) -> Path:
    """Write ``figure`` to a PNG file atomically, creating the parent directories.

    The image goes to a temporary file in the same directory first, then replaces ``path`` in
    one ``os.replace``: a reader never sees a half-written PNG.

    Args:
        figure: the figure.
        path: the file to write; it must end in ``.png``.
        dpi: resolution (110 gives about 1150 pixels across a 10.5-inch figure).

    Returns:
        The path written.

    Example:
        >>> import shutil, tempfile
        >>> from pathlib import Path
        >>> folder = Path(tempfile.mkdtemp())
        >>> figure = plot_training_history({"LSTM": {"loss": [2.0, 1.0]}})
        >>> save_figure(figure, folder / "figures" / "training.png").read_bytes()[:4]
        b'\\x89PNG'
        >>> shutil.rmtree(folder)
    """
    if not isinstance(figure, Figure):
        raise TypeError(f"save_figure needs a matplotlib Figure, got {type(figure).__name__}")
    path = Path(path)
    if path.suffix.lower() != ".png":
        raise ValueError(
            f"save_figure writes PNG files: give a path ending in .png, got {str(path)!r}"
        )
    with atomic_file(path) as temporary:
        figure.savefig(temporary, format="png", dpi=dpi)
    return path


__all__ = [
    "FORECAST_COLUMNS",
    "MARKED_EPOCHS",
    "METRICS_WITH_UNITS",
    "plot_coverage_by_step",
    "plot_error_by_step",
    "plot_forecasts",
    "plot_series_errors",
    "plot_training_history",
    "save_figure",
]
