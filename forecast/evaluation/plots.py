"""Matplotlib figures of a comparison: forecasts against actuals, error by step, training, per series.

Every function takes the tidy forecast frame of :func:`forecast.backtest` / :func:`forecast.compare`
(columns ``series_id, target, origin, timestamp, step, actual, forecast, model``) or the training
histories of the neural models, and returns a :class:`matplotlib.figure.Figure`:

* :func:`plot_forecasts`: each model's forecast against the actuals at a few origins, with the
  input window the forecast was made from;
* :func:`plot_error_by_step`: a metric per horizon step, one line per model;
* :func:`plot_training_history`: training and validation loss per epoch;
* :func:`plot_series_errors`: the spread of a per-series metric across the series of a panel;
* :func:`save_figure`: write a figure to PNG atomically.

The figures are built on :class:`~matplotlib.figure.Figure` directly, never through
``pyplot``: no global state, nothing to close, and they work on headless machines. Jupyter
displays a returned figure. Errors are computed by :func:`forecast.evaluation.metrics.score_forecasts`, so
a figure always agrees with the leaderboard. A model keeps its colour within a figure; the
figures of one comparison colour models in the order they appear in the forecast frame.

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

import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from forecast._files import atomic_file
from forecast.evaluation.metrics import score_forecasts
from forecast.evaluation.plot_support import (
    _METRIC_NAMES,
    FORECAST_COLUMNS,
    METRICS_WITH_UNITS,
    _break_at_gaps,
    _check_forecasts,
    _check_metric,
    _colours,
    _date_axis,
    _dates,
    _format_stamp,
    _history_series,
    _horizontal_boxplot,
    _joins,
    _metric_label,
    _positive_int,
    _select_models,
    _select_origins,
    _select_series,
    _select_target,
    _time_step,
)

_ACTUAL_COLOUR = "black"
_INPUT_COLOUR = "0.55"


# ---------------------------------------------------------------------- public API


def plot_forecasts(
    forecasts: pd.DataFrame,
    history: pd.DataFrame | None = None,
    *,
    origins: int | Sequence = 3,
    series_id=None,
    models: Sequence[str] | None = None,
    unit: str | None = None,
    input_width: int | None = None,
    target: str | None = None,
) -> Figure:
    """Each model's forecasts against the actuals at a few origins of one series.

    One subplot per origin shows the input window (the rows of ``history`` before the origin,
    grey), the actuals over the horizon (black), each model's forecast (one colour per model)
    and a dashed vertical line at the origin (the first forecast step).

    Args:
        forecasts: a tidy forecast frame (see the module docstring).
        history: the data the forecasts were made from (one series with a ``DatetimeIndex``, or
            a panel indexed by ``(series_id, timestamp)``), for the input windows; ``None``
            draws the horizon only.
        origins: how many origins to show, spread evenly over the available ones (first and
            last included), or a list of origins (timestamps or strings).
        series_id: the series to show; default the first in the frame.
        models: the models to show, in this order; default all of them.
        unit: the unit of the target, for the y label (``"y (kW)"``).
        input_width: rows of input window shown before each origin; default twice the horizon.
        target: the target to show when the frame holds several; default the first.

    Returns:
        The figure; its legend names the models, ``"actual"`` and ``"input window"``.

    Raises:
        ValueError: missing columns, an empty frame, or an unknown series, target, model or
            origin.

    Example:
        >>> import pandas as pd
        >>> stamps = pd.date_range("2024-01-01", periods=6, freq="h")
        >>> history = pd.DataFrame({"y": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]}, index=stamps)
        >>> tidy = pd.DataFrame({"series_id": "series", "target": "y", "origin": stamps[4],
        ...                      "timestamp": stamps[4:], "step": [1, 2], "actual": [5.0, 6.0],
        ...                      "forecast": [4.0, 4.0], "model": "naive"})
        >>> figure = plot_forecasts(tidy, history, unit="kW")
        >>> axes = figure.axes[0]
        >>> axes.get_ylabel(), [t.get_text() for t in figure.legends[0].get_texts()]
        ('y (kW)', ['naive', 'actual', 'input window'])
        >>> [line.get_ydata().tolist() for line in axes.lines if line.get_label() == "naive"]
        [[4.0, 4.0]]
    """
    frame = _check_forecasts(forecasts)
    model_names = _select_models(frame, models)
    series_id = _select_series(frame, series_id)
    rows = frame.loc[(frame["series_id"] == series_id) & frame["model"].isin(model_names)]
    if rows.empty:
        raise ValueError(
            f"the forecast frame has no forecasts of {model_names} for series {series_id!r}"
        )
    target = _select_target(rows, target)
    rows = rows.loc[rows["target"] == target]
    horizon = int(rows["step"].max())
    width = 2 * horizon if input_width is None else _positive_int(input_width, "input_width")
    chosen = _select_origins(pd.DatetimeIndex(sorted(rows["origin"].unique())), origins)
    past = (
        None
        if history is None
        else _history_series(history, series_id, target, frame["series_id"].nunique())
    )
    step = _time_step(rows, past)
    colours = _colours(list(pd.unique(frame["model"])))  # as in the other figures of the frame
    label = f"{target} ({unit})" if unit else str(target)

    ncols = 1 if len(chosen) <= 3 else 2
    nrows = math.ceil(len(chosen) / ncols)
    figure = Figure(figsize=(10.5 if ncols == 1 else 14.0, 0.9 + 2.7 * nrows), layout="constrained")
    grid = figure.subplots(nrows, ncols, squeeze=False)
    handles: dict[str, object] = {}
    with_time = not (
        chosen == chosen.normalize()
    ).all()  # dates alone when all origins are midnights
    panel = frame["series_id"].nunique() > 1  # one series: its placeholder id says nothing
    for axes, origin in zip(grid.ravel(), chosen):
        at_origin = rows.loc[rows["origin"] == origin]
        actual = at_origin.groupby("timestamp", sort=True)["actual"].first()
        if past is not None:
            window = past.loc[past.index < origin].iloc[-width:]
            if len(window):
                if len(actual) and _joins(window.index[-1], actual.index[0], step):
                    # continue the grey line to the first actual, so that the two lines join
                    window = pd.concat([window, actual.iloc[:1]])
                window = _break_at_gaps(window, step)
                (line,) = axes.plot(
                    _dates(window.index),
                    window.to_numpy(np.float64),
                    color=_INPUT_COLOUR,
                    linewidth=1.3,
                    label="input window",
                )
                handles.setdefault("input window", line)
        actual_line = _break_at_gaps(actual, step)
        (line,) = axes.plot(
            _dates(actual_line.index),
            actual_line.to_numpy(np.float64),
            color=_ACTUAL_COLOUR,
            linewidth=2.2,
            marker="o" if horizon <= 48 else None,
            markersize=3,
            label="actual",
            zorder=3,
        )
        handles.setdefault("actual", line)
        for name in model_names:
            one = at_origin.loc[at_origin["model"] == name].sort_values("step")
            if one.empty:
                continue
            colour, style = colours[name]
            values = _break_at_gaps(
                pd.Series(one["forecast"].to_numpy(np.float64), index=one["timestamp"]), step
            )
            (line,) = axes.plot(
                _dates(values.index),
                values.to_numpy(np.float64),
                color=colour,
                linestyle=style,
                linewidth=1.5,
                label=name,
                zorder=4,
            )
            handles.setdefault(name, line)
        axes.axvline(_dates([origin])[0], color="0.3", linestyle="--", linewidth=1.0)
        stamp = _format_stamp(origin, with_time)
        axes.set_title(f"{series_id}: origin {stamp}" if panel else f"origin {stamp}", fontsize=10)
        axes.set_ylabel(label)
        axes.grid(alpha=0.3)
        _date_axis(axes)
    for axes in grid.ravel()[len(chosen) :]:
        axes.set_visible(False)
    order = [n for n in model_names if n in handles] + [
        n for n in ("actual", "input window") if n in handles
    ]
    figure.legend([handles[n] for n in order], order, loc="outside right upper", frameon=False)
    about = f"{series_id}, {target}" if panel else str(target)
    figure.suptitle(f"Forecasts against actuals: {about}", fontsize=12)
    return figure


def plot_error_by_step(
    forecasts: pd.DataFrame,
    metric: str = "mae",
    unit: str | None = None,
    *,
    scales: Mapping | float | None = None,
) -> Figure:
    """A metric per horizon step, one line per model (one subplot per target).

    Args:
        forecasts: a tidy forecast frame.
        metric: a name from :data:`forecast.evaluation.metrics.METRICS`.
        unit: the unit of the target, for the y label of metrics in the data's units
            (``mae``, ``rmse``, ``bias``).
        scales: for ``mase``, as for :func:`forecast.evaluation.metrics.score_forecasts`.

    Returns:
        The figure: x ``"forecast step (horizon)"``, y the metric (``"MAE (kW)"``,
        ``"sMAPE (%)"``); each line's y data are
        ``score_forecasts(forecasts, [metric], by=["model", "step"])`` for its model.

    Example:
        See the module docstring.
    """
    frame = _check_forecasts(forecasts)
    _check_metric(metric)
    model_names = list(pd.unique(frame["model"]))
    colours = _colours(model_names)
    targets = list(pd.unique(frame["target"]))
    figure = Figure(figsize=(10.5, 0.6 + 3.6 * len(targets)), layout="constrained")
    grid = figure.subplots(len(targets), 1, squeeze=False)
    for axes, target in zip(grid[:, 0], targets):
        scores = score_forecasts(
            frame.loc[frame["target"] == target], [metric], by=["model", "step"], scales=scales
        )
        horizon = int(scores.index.get_level_values("step").max())
        for name in model_names:
            if name not in scores.index.get_level_values("model"):
                continue
            per_step = scores.loc[name, metric].sort_index()
            colour, style = colours[name]
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
        positive = scores[metric].to_numpy(np.float64)
        positive = positive[np.isfinite(positive) & (positive > 0)]
        if metric == "bias":
            axes.axhline(0.0, color="0.3", linewidth=0.8)
        elif positive.size and positive.max() > 20 * positive.min():
            axes.set_yscale("log")  # models 20x apart: a linear axis would flatten the good ones
        else:
            axes.set_ylim(bottom=0.0)  # errors from zero, so that their ratios read right
        axes.set_xlabel("forecast step (horizon)")
        axes.set_ylabel(_metric_label(metric, unit))
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        axes.set_xlim(0.5, horizon + 0.5)
        axes.grid(alpha=0.3, which="both")
        axes.legend(frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1.0))
        title = f"{_METRIC_NAMES[metric]} by forecast step"
        axes.set_title(title if len(targets) == 1 else f"{title}: {target}", fontsize=11)
    return figure


def plot_training_history(
    histories: Mapping[str, Mapping[str, Sequence[float]]],
    *,
    model_order: Sequence[str] | None = None,
) -> Figure:
    """Training (solid) and validation (dashed) loss per epoch, one colour per model.

    The epoch with the lowest validation loss (the weights early stopping restores) is marked
    with a star. The y axis is logarithmic when the losses span more than a factor of 10.

    Args:
        histories: ``{model name: Keras history dict}``, each with a ``"loss"`` list and
            optionally ``"val_loss"`` (other keys are ignored).
        model_order: the names whose order sets the colours, e.g. every model of a
            comparison, so that a model has the colour it has in the other figures; default the
            order of ``histories``.

    Returns:
        The figure: x ``"epoch"`` (from 1), y ``"loss"``.

    Raises:
        ValueError: no history, or a history without ``loss`` values.

    Example:
        >>> figure = plot_training_history({"LSTM": {"loss": [3.0, 2.0, 1.5],
        ...                                          "val_loss": [3.5, 2.5, 2.8]}})
        >>> [t.get_text() for t in figure.axes[0].get_legend().get_texts()]
        ['LSTM (train)', 'LSTM (validation, best epoch 2)']
    """
    if not isinstance(histories, Mapping) or not histories:
        raise ValueError(
            "no training history to plot (histories is empty); only neural models have one"
        )
    curves = {}
    for name, history in histories.items():
        if not isinstance(history, Mapping) or len(history.get("loss", ())) == 0:
            raise ValueError(f"the history of {name!r} has no 'loss' values")
        loss = np.asarray(history["loss"], dtype=np.float64)
        val = history.get("val_loss")
        val = None if val is None or len(val) == 0 else np.asarray(val, dtype=np.float64)
        curves[str(name)] = (loss, val)
    order = list(dict.fromkeys([str(m) for m in (model_order or ())] + list(curves)))
    colours = _colours(order)
    figure = Figure(figsize=(9.0, 4.6), layout="constrained")
    axes = figure.subplots()
    for name, (loss, val) in curves.items():
        colour, _ = colours[name]
        axes.plot(
            np.arange(1, len(loss) + 1), loss, color=colour, linewidth=1.6, label=f"{name} (train)"
        )
        if val is None:
            continue
        label = f"{name} (validation)"
        if np.isfinite(val).any():
            best = int(np.nanargmin(val))
            label = f"{name} (validation, best epoch {best + 1})"
        axes.plot(
            np.arange(1, len(val) + 1),
            val,
            color=colour,
            linestyle="--",
            linewidth=1.6,
            label=label,
        )
        if np.isfinite(val).any():
            axes.plot(
                [best + 1],
                [val[best]],
                marker="*",
                markersize=13,
                color=colour,
                markeredgecolor="black",
                markeredgewidth=0.6,
                linestyle="none",
                zorder=5,
                label="_best",
            )
    values = np.concatenate(
        [np.concatenate([c[0], c[1] if c[1] is not None else []]) for c in curves.values()]
    )
    values = values[np.isfinite(values)]
    log = values.size > 0 and values.min() > 0 and values.max() / values.min() > 10
    if log:
        axes.set_yscale("log")
    axes.set_xlabel("epoch")
    axes.set_ylabel("loss")
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.grid(alpha=0.3, which="both" if log else "major")
    axes.legend(frameon=False, loc="best")
    axes.set_title(
        "Training history (solid: training, dashed: validation, star: best validation epoch)",
        fontsize=10,
    )
    return figure


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
        metric: a name from :data:`forecast.evaluation.metrics.METRICS`.
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
    frame = _check_forecasts(forecasts)
    _check_metric(metric)
    n_series = frame["series_id"].nunique()
    if n_series < 2:
        raise ValueError(
            "plot_series_errors needs a panel (more than one series_id): this frame holds one "
            "series; see plot_error_by_step or the leaderboard instead"
        )
    targets = list(pd.unique(frame["target"]))
    model_names = list(pd.unique(frame["model"]))
    colours = _colours(model_names)
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
        boxes = _horizontal_boxplot(axes, [per_model[n] for n in order], positions)
        for name, patch, median in zip(order, boxes["boxes"], boxes["medians"]):
            colour, _ = colours[name]
            patch.set_facecolor(colour)
            patch.set_alpha(0.35)
            patch.set_edgecolor(colour)
            median.set_color("black")
            median.set_linewidth(1.8)
            median.set_gid(f"median:{name}")
        for name, position in zip(order, positions):
            values = per_model[name]
            axes.scatter(
                values,
                position + rng.uniform(-0.12, 0.12, size=values.size),
                s=14,
                color=colours[name][0],
                edgecolors="black",
                linewidths=0.3,
                zorder=3,
            )
        if metric == "bias":
            axes.axvline(0.0, color="0.3", linewidth=0.8)
        axes.set_yticks(positions, order)
        axes.set_ylim(0.4, len(order) + 0.6)
        axes.set_xlabel(_metric_label(metric, unit) + " per series")
        axes.grid(alpha=0.3, axis="x")
        title = f"{_METRIC_NAMES[metric]} across {n_series} series (one dot per series; best median on top)"
        axes.set_title(title if len(targets) == 1 else f"{title}: {target}", fontsize=10)
    return figure


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
    "METRICS_WITH_UNITS",
    "plot_error_by_step",
    "plot_forecasts",
    "plot_series_errors",
    "plot_training_history",
    "save_figure",
]
