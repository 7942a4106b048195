"""The figure of forecasts against actuals: what it shows, then one panel per forecast origin.

:func:`plot_forecasts` (also :func:`forecast.evaluation.plots.plot_forecasts`) first chooses
what to show from a tidy forecast frame (one series, one target, the models, a few origins and
the history before them), then draws each origin's panel: the input window, the actuals over
the horizon and each model's forecast. When the frame carries quantile columns (``q0.1``, ...,
a probabilistic backtest), each model's central intervals are drawn as a fan chart: one shaded
band per coverage ``c`` between the quantiles ``(1 - c) / 2`` and ``(1 + c) / 2``, darker for
narrower, under the model's median (point) line.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from forecast.evaluation.plot_support import (
    break_at_gaps,
    colours,
    date_axis,
    format_stamp,
    history_series,
    joins,
    matplotlib_dates,
    positive_int,
    select_models,
    select_origins,
    select_series,
    select_target,
    time_step,
)
from forecast.evaluation.quantile_metrics import frame_coverages
from forecast.evaluation.schema import check_forecasts, quantile_column, quantile_levels
from forecast.models.probabilistic import check_quantiles, interval_quantiles

_ACTUAL_COLOUR = "black"
_INPUT_COLOUR = "0.55"
#: The opacity of the narrowest and of the widest band of a fan chart (darker for narrower).
BAND_ALPHA = (0.45, 0.15)


@dataclass(frozen=True)
class _Shown:
    """What the figure shows: the forecasts of one series and target by the chosen models."""

    rows: pd.DataFrame  # the tidy rows of the series, target and models
    series_id: Any
    target: str
    models: list[str]
    origins: pd.DatetimeIndex  # one panel each
    past: pd.Series | None  # the target's history, for the input windows
    width: int  # rows of input window before each origin
    step: pd.Timedelta | None  # the time between two forecast steps
    panel: bool  # the frame holds several series, so titles name the series
    coverages: tuple[float, ...] = ()  # the bands of the fan chart, ascending

    def band_label(self, model: str, coverage: float) -> str:
        """The legend label of a model's band: ``"LSTM 80%"``."""
        return f"{model} {100 * coverage:g}%"

    @property
    def horizon(self) -> int:
        return int(self.rows["step"].max())


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
    titles: Sequence[str] | None = None,
    coverage: float | Sequence[float] | None = None,
) -> Figure:
    """Each model's forecasts against the actuals at a few origins of one series.

    One subplot per origin shows the input window (the rows of ``history`` before the origin,
    grey), the actuals over the horizon (black), each model's forecast (one colour per model)
    and a dashed vertical line at the origin (the first forecast step).

    Args:
        forecasts: a tidy forecast frame (see :mod:`forecast.evaluation.schema`).
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
        titles: one text per shown origin, put before its panel's title (``"worst origin of
            LSTM (MAE 120 kW)"``: ``"worst origin of LSTM (MAE 120 kW): origin 2024-01-03"``).
        coverage: the central intervals to shade (a fan chart) for every model whose quantile
            columns hold them; ``None``: every coverage whose two bounds are quantile columns
            of the frame (``q0.1`` and ``q0.9``: 80%); ``()``: none.

    Returns:
        The figure; its legend names the models, each model's bands after it (``"LSTM 80%"``),
        ``"actual"`` and ``"input window"``.

    Raises:
        ValueError: missing columns, an empty frame, an unknown series, target, model or
            origin, as many ``titles`` as origins missing, or a ``coverage`` whose bounds the
            frame has no quantile columns for.

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

        With quantile columns, the 80% band (``q0.1`` to ``q0.9``) is shaded under the line:

        >>> tidy["q0.1"], tidy["q0.5"], tidy["q0.9"] = [3.0, 2.5], [4.0, 4.0], [5.0, 5.5]
        >>> figure = plot_forecasts(tidy, history)
        >>> [t.get_text() for t in figure.legends[0].get_texts()]
        ['naive', 'naive 80%', 'actual', 'input window']
        >>> band = figure.axes[0].collections[0]
        >>> band.get_label(), sorted(set(band.get_paths()[0].vertices[:, 1].tolist()))
        ('naive 80%', [2.5, 3.0, 5.0, 5.5])
    """
    frame = check_forecasts(forecasts)
    shown = _choose(frame, history, origins, series_id, models, input_width, target)
    shown = _with_coverages(shown, frame, coverage)
    if titles is not None and len(titles) != len(shown.origins):
        raise ValueError(
            f"titles: give one per shown origin ({len(shown.origins)}), got {len(titles)}"
        )
    model_colours = colours(list(pd.unique(frame["model"])))  # as in the frame's other figures
    ncols = 1 if len(shown.origins) <= 3 else 2
    nrows = math.ceil(len(shown.origins) / ncols)
    figure = Figure(figsize=(10.5 if ncols == 1 else 14.0, 0.9 + 2.7 * nrows), layout="constrained")
    grid = figure.subplots(nrows, ncols, squeeze=False)
    with_time = not (shown.origins == shown.origins.normalize()).all()  # dates alone at midnights
    label = f"{shown.target} ({unit})" if unit else str(shown.target)
    handles: dict[str, Artist] = {}
    for i, (axes, origin) in enumerate(zip(grid.ravel(), shown.origins)):
        for name, line in _draw_panel(axes, shown, origin, model_colours).items():
            handles.setdefault(name, line)
        stamp = format_stamp(origin, with_time)
        title = f"{shown.series_id}: origin {stamp}" if shown.panel else f"origin {stamp}"
        if titles is not None:
            title = f"{titles[i]}: {title}"
        axes.set_title(title, fontsize=10)
        axes.set_ylabel(label)
    for axes in grid.ravel()[len(shown.origins) :]:
        axes.set_visible(False)
    order = []
    for name in shown.models:
        bands = [shown.band_label(name, c) for c in shown.coverages]
        order += [n for n in (name, *bands) if n in handles]
    order += [n for n in ("actual", "input window") if n in handles]
    figure.legend([handles[n] for n in order], order, loc="outside right upper", frameon=False)
    about = f"{shown.series_id}, {shown.target}" if shown.panel else str(shown.target)
    figure.suptitle(f"Forecasts against actuals: {about}", fontsize=12)
    return figure


def _choose(frame, history, origins, series_id, models, input_width, target) -> _Shown:
    """The series, target, models, origins and history :func:`plot_forecasts` shows."""
    model_names = select_models(frame, models)
    series_id = select_series(frame, series_id)
    rows = frame.loc[(frame["series_id"] == series_id) & frame["model"].isin(model_names)]
    if rows.empty:
        raise ValueError(
            f"the forecast frame has no forecasts of {model_names} for series {series_id!r}"
        )
    target = select_target(rows, target)
    rows = rows.loc[rows["target"] == target]
    horizon = int(rows["step"].max())
    width = 2 * horizon if input_width is None else positive_int(input_width, "input_width")
    chosen = select_origins(pd.DatetimeIndex(sorted(rows["origin"].unique())), origins)
    n_series = frame["series_id"].nunique()
    past = None if history is None else history_series(history, series_id, target, n_series)
    return _Shown(
        rows=rows,
        series_id=series_id,
        target=target,
        models=model_names,
        origins=chosen,
        past=past,
        width=width,
        step=time_step(rows, past),
        panel=n_series > 1,
    )


def _with_coverages(shown: _Shown, frame: pd.DataFrame, coverage) -> _Shown:
    """``shown`` with the coverages of its fan chart (see :func:`plot_forecasts`)."""
    levels = quantile_levels(frame.columns)
    if coverage is None:
        chosen = frame_coverages(levels) if levels else ()
    else:
        chosen = check_quantiles(coverage, "coverage") if np.size(coverage) else ()
        for c in chosen:
            missing = [q for q in interval_quantiles(c) if q not in levels]
            if missing:
                raise ValueError(
                    f"coverage {c:g}: the forecast frame has no quantile column(s) "
                    f"{[quantile_column(q) for q in missing]} (it has "
                    f"{[quantile_column(q) for q in levels]})"
                )
    return replace(shown, coverages=tuple(chosen))


def _band_alphas(coverages: tuple[float, ...]) -> dict[float, float]:
    """The opacity of each band: :data:`BAND_ALPHA` from the narrowest to the widest."""
    if len(coverages) == 1:
        return {coverages[0]: float(np.mean(BAND_ALPHA))}
    alphas = np.linspace(BAND_ALPHA[0], BAND_ALPHA[1], len(coverages))
    return dict(zip(sorted(coverages), alphas.tolist()))


def _draw_bands(
    axes: Axes, shown: _Shown, one: pd.DataFrame, name: str, colour
) -> dict[str, Artist]:
    """Shade a model's bands at one origin (widest first); returns them by legend label."""
    bands = {}
    alphas = _band_alphas(shown.coverages)
    for c in sorted(shown.coverages, reverse=True):
        low, high = (one[quantile_column(q)].to_numpy(np.float64) for q in interval_quantiles(c))
        if np.isnan(low).all() or np.isnan(high).all():
            continue  # a point forecaster in a mixed frame
        low = break_at_gaps(pd.Series(low, index=one["timestamp"]), shown.step)
        high = break_at_gaps(pd.Series(high, index=one["timestamp"]), shown.step)
        label = shown.band_label(name, c)
        bands[label] = axes.fill_between(
            matplotlib_dates(low.index),
            low.to_numpy(np.float64),
            high.to_numpy(np.float64),
            color=colour,
            alpha=alphas[c],
            linewidth=0,
            label=label,
            zorder=2,
        )
    return bands


def _draw_panel(
    axes: Axes, shown: _Shown, origin: pd.Timestamp, model_colours: dict[str, tuple]
) -> dict[str, Artist]:
    """Draw the panel of one origin; returns its lines and bands by legend label."""
    at_origin = shown.rows.loc[shown.rows["origin"] == origin]
    actual = at_origin.groupby("timestamp", sort=True)["actual"].first()
    lines: dict[str, Artist] = {}
    window = _input_window(shown, origin, actual)
    if window is not None:
        lines["input window"] = _line(
            axes, window, color=_INPUT_COLOUR, linewidth=1.3, label="input window"
        )
    lines["actual"] = _line(
        axes,
        break_at_gaps(actual, shown.step),
        color=_ACTUAL_COLOUR,
        linewidth=2.2,
        marker="o" if shown.horizon <= 48 else None,
        markersize=3,
        label="actual",
        zorder=3,
    )
    for name in shown.models:
        one = at_origin.loc[at_origin["model"] == name].sort_values("step")
        if one.empty:
            continue
        colour, style = model_colours[name]
        if shown.coverages:
            lines.update(_draw_bands(axes, shown, one, name, colour))
        values = pd.Series(one["forecast"].to_numpy(np.float64), index=one["timestamp"])
        lines[name] = _line(
            axes,
            break_at_gaps(values, shown.step),
            color=colour,
            linestyle=style,
            linewidth=1.5,
            label=name,
            zorder=4,
        )
    axes.axvline(matplotlib_dates([origin])[0], color="0.3", linestyle="--", linewidth=1.0)
    axes.grid(alpha=0.3)
    date_axis(axes)
    return lines


def _input_window(shown: _Shown, origin: pd.Timestamp, actual: pd.Series) -> pd.Series | None:
    """The history's last ``shown.width`` rows before ``origin`` (``None`` when there are
    none), joined to the first actual when it follows within a step."""
    if shown.past is None:
        return None
    window = shown.past.loc[shown.past.index < origin].iloc[-shown.width :]
    if not len(window):
        return None
    if len(actual) and joins(window.index[-1], actual.index[0], shown.step):
        # continue the grey line to the first actual, so that the two lines join
        window = pd.concat([window, actual.iloc[:1]])
    return break_at_gaps(window, shown.step)


def _line(axes: Axes, values: pd.Series, **style) -> Line2D:
    """Plot a series with a time index as one line."""
    (line,) = axes.plot(matplotlib_dates(values.index), values.to_numpy(np.float64), **style)
    return line
