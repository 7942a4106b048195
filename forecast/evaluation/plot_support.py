"""What the figures share: choosing what to show, colours, labels, dates and gaps.

The tidy frame itself and the metric names are checked by :mod:`forecast.evaluation.schema`;
the helpers here choose within a checked frame and draw on matplotlib axes.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib import colormaps

from forecast.evaluation.schema import METRIC_NAMES, METRICS_WITH_UNITS, PERCENT_METRICS

# tab10 without its grey, which is kept for the input window
_PALETTE = tuple(c for i, c in enumerate(colormaps["tab10"].colors) if i != 7)
_LINESTYLES = ("-", "--", ":", "-.")


# ---------------------------------------------------------------------- choosing what to show


def select_models(frame: pd.DataFrame, models) -> list[str]:
    """The models to show, in the order given (duplicates dropped); ``None``: every model of
    the frame, in the order they appear."""
    available = list(pd.unique(frame["model"]))
    if models is None:
        return available
    chosen = [models] if isinstance(models, str) else list(models)
    unknown = [m for m in chosen if m not in available]
    if unknown:
        raise ValueError(f"unknown model(s) {unknown}; the forecast frame holds {available}")
    if not chosen:
        raise ValueError("models is empty: name at least one model")
    return list(dict.fromkeys(chosen))


def select_series(frame: pd.DataFrame, series_id):
    """``series_id`` when the frame holds it; ``None``: the frame's first series."""
    available = pd.unique(frame["series_id"])
    if series_id is None:
        return available[0]
    if series_id not in set(available):
        shown = ", ".join(map(repr, available[:10])) + (", ..." if len(available) > 10 else "")
        raise ValueError(f"unknown series_id {series_id!r}; the forecast frame holds {shown}")
    return series_id


def select_target(rows: pd.DataFrame, target) -> str:
    """``target`` when the rows hold it; ``None``: the rows' first target."""
    available = list(pd.unique(rows["target"]))
    if target is None:
        return available[0]
    if target not in available:
        raise ValueError(f"unknown target {target!r}; the forecast frame holds {available}")
    return target


def select_origins(available: pd.DatetimeIndex, origins) -> pd.DatetimeIndex:
    """A number of origins spread evenly over ``available`` (first and last included), or the
    listed origins (timestamps or strings), each of which must be available."""
    if isinstance(origins, (int, np.integer)) and not isinstance(origins, bool):
        if origins < 1:
            raise ValueError(f"origins must be at least 1, got {origins}")
        picks = np.unique(
            np.round(np.linspace(0, len(available) - 1, min(int(origins), len(available))))
        )
        return available[picks.astype(int)]
    if isinstance(origins, (str, pd.Timestamp)) or not isinstance(
        origins, (Sequence, np.ndarray, pd.Index)
    ):
        raise ValueError(
            f"origins must be a number of origins or a list of origins, got {origins!r}"
        )
    wanted = []
    for origin in origins:
        stamp = pd.Timestamp(origin)
        if stamp.tz is None and available.tz is not None:
            stamp = stamp.tz_localize(available.tz)
        if stamp not in available:
            raise ValueError(
                f"no forecast from origin {origin!r}; the origins run from {available[0]} to "
                f"{available[-1]} ({len(available)} of them)"
            )
        wanted.append(stamp)
    if not wanted:
        raise ValueError("origins is empty: give at least one origin")
    return pd.DatetimeIndex(wanted)


def positive_int(value, name: str) -> int:
    """``value`` as an ``int`` when it is an integer >= 1 (not a bool); ``name`` is for the error."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
    return int(value)


def history_series(history, series_id, target: str, n_series: int) -> pd.Series:
    """The target column of one series of the history, sorted by time."""
    if not isinstance(history, pd.DataFrame):
        raise TypeError(f"history must be a DataFrame, got {type(history).__name__}")
    if target not in history.columns:
        raise ValueError(f"the history has no column {target!r} (the forecasts' target)")
    if isinstance(history.index, pd.MultiIndex):
        if history.index.nlevels != 2:
            raise ValueError("a panel history must be indexed by (series_id, timestamp)")
        if series_id not in history.index.get_level_values(0):
            raise ValueError(f"the history has no series {series_id!r}")
        values = history.xs(series_id, level=0)[target]
    elif isinstance(history.index, pd.DatetimeIndex):
        if n_series > 1:
            raise ValueError(
                "the history is one series but the forecasts are a panel; pass the panel"
            )
        values = history[target]
    else:
        raise ValueError(
            "the history must have a DatetimeIndex or a (series_id, timestamp) MultiIndex"
        )
    return values.sort_index()


# ---------------------------------------------------------------------- drawing helpers


def colours(names: Sequence[str]) -> dict[str, tuple]:
    """A (colour, line style) per name: nine distinct colours, then the same with dashes."""
    return {
        name: (_PALETTE[i % len(_PALETTE)], _LINESTYLES[(i // len(_PALETTE)) % len(_LINESTYLES)])
        for i, name in enumerate(names)
    }


def metric_label(metric: str, unit: str | None) -> str:
    """The axis label of a metric: its name and unit (``"MAE (kW)"``, ``"sMAPE (%)"``)."""
    name = METRIC_NAMES[metric]
    if metric in METRICS_WITH_UNITS:
        return f"{name} ({unit})" if unit else name
    if metric in PERCENT_METRICS:
        return f"{name} (%)"
    return f"{name} (1 = in-sample seasonal naive)"


def matplotlib_dates(stamps) -> np.ndarray:
    """Timestamps as matplotlib understands them (tz-aware ones keep their time zone)."""
    index = pd.DatetimeIndex(stamps)
    return index.to_pydatetime() if index.tz is not None else index.to_numpy()


def time_step(rows: pd.DataFrame, past: pd.Series | None) -> pd.Timedelta | None:
    """The time between two steps: from the forecasts (step k is k - 1 steps after the origin),
    or the history's most common spacing when every forecast is one step."""
    later = rows.loc[rows["step"] > 1]
    if len(later):
        return ((later["timestamp"] - later["origin"]) / (later["step"] - 1)).min()
    if past is not None and len(past) > 1:
        return pd.Series(np.diff(past.index)).mode().iloc[0]
    return None


def joins(before: pd.Timestamp, after: pd.Timestamp, step) -> bool:
    """Whether a line may join two points: at most one step apart (or the step is unknown)."""
    return step is None or after - before <= 1.5 * step


def break_at_gaps(values: pd.Series, step) -> pd.Series:
    """``values`` with a NaN inserted wherever time jumps by more than a step, so that lines
    break at gaps (nights, missing days) instead of drawing a straight line across them."""
    if step is None or len(values) < 2:
        return values
    index = pd.DatetimeIndex(values.index)
    gaps = np.flatnonzero(np.diff(index) > 1.5 * step)
    if not len(gaps):
        return values
    filler = pd.Series(np.nan, index=index[gaps] + step)
    return pd.concat([values.set_axis(index), filler]).sort_index(kind="stable")


def date_axis(axes) -> None:
    """Concise date ticks (3 to 8) on the x axis."""
    locator = mdates.AutoDateLocator(minticks=3, maxticks=8)
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def format_stamp(stamp: pd.Timestamp, with_time: bool = True) -> str:
    """``2024-03-01 06:00 (Fri)``, or ``2024-03-01 (Fri)`` without the time."""
    return (
        f"{pd.Timestamp(stamp):%Y-%m-%d %H:%M (%a)}"
        if with_time
        else f"{pd.Timestamp(stamp):%Y-%m-%d (%a)}"
    )


def horizontal_boxplot(axes, data: list, positions: np.ndarray) -> dict:
    """Horizontal boxes (whiskers at the minimum and maximum, no fliers) at ``positions``;
    returns matplotlib's boxplot dict."""
    common = dict(
        positions=positions,
        widths=0.5,
        patch_artist=True,
        showfliers=False,
        whis=(0, 100),
        manage_ticks=False,
    )
    try:  # matplotlib >= 3.10
        return axes.boxplot(data, orientation="horizontal", **common)
    except TypeError:
        return axes.boxplot(data, vert=False, **common)
