"""What the figures share: checking their inputs, choosing rows, colours, dates and gaps."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib import colormaps

from forecast.evaluation.metrics import METRICS

FORECAST_COLUMNS = (
    "series_id",
    "target",
    "origin",
    "timestamp",
    "step",
    "actual",
    "forecast",
    "model",
)
#: Metrics in the units of the data (their axis labels carry the unit).
METRICS_WITH_UNITS = ("mae", "rmse", "bias")

_METRIC_NAMES = {
    "mae": "MAE",
    "rmse": "RMSE",
    "bias": "Bias",
    "mape": "MAPE",
    "smape": "sMAPE",
    "mase": "MASE",
}
# tab10 without its grey, which is kept for the input window
_PALETTE = tuple(c for i, c in enumerate(colormaps["tab10"].colors) if i != 7)
_LINESTYLES = ("-", "--", ":", "-.")


# ---------------------------------------------------------------------- validation


def _check_forecasts(forecasts) -> pd.DataFrame:
    if not isinstance(forecasts, pd.DataFrame):
        raise TypeError(
            f"forecasts must be a tidy forecast DataFrame, got {type(forecasts).__name__}"
        )
    missing = [c for c in FORECAST_COLUMNS if c not in forecasts.columns]
    if missing:
        raise ValueError(
            f"the forecast frame has no column(s) {missing}; expected the tidy frame of "
            f"forecast.backtest with columns {list(FORECAST_COLUMNS)}"
        )
    if forecasts.empty:
        raise ValueError("the forecast frame is empty: nothing to plot")
    return forecasts


def _check_metric(metric: str) -> None:
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}; choose from {list(METRICS)}")


def _select_models(frame: pd.DataFrame, models) -> list[str]:
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


def _select_series(frame: pd.DataFrame, series_id):
    available = pd.unique(frame["series_id"])
    if series_id is None:
        return available[0]
    if series_id not in set(available):
        shown = ", ".join(map(repr, available[:10])) + (", ..." if len(available) > 10 else "")
        raise ValueError(f"unknown series_id {series_id!r}; the forecast frame holds {shown}")
    return series_id


def _select_target(rows: pd.DataFrame, target) -> str:
    available = list(pd.unique(rows["target"]))
    if target is None:
        return available[0]
    if target not in available:
        raise ValueError(f"unknown target {target!r}; the forecast frame holds {available}")
    return target


def _select_origins(available: pd.DatetimeIndex, origins) -> pd.DatetimeIndex:
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


def _positive_int(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
    return int(value)


def _history_series(history, series_id, target: str, n_series: int) -> pd.Series:
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


def _colours(names: Sequence[str]) -> dict[str, tuple]:
    """A (colour, line style) per name: nine distinct colours, then the same with dashes."""
    return {
        name: (_PALETTE[i % len(_PALETTE)], _LINESTYLES[(i // len(_PALETTE)) % len(_LINESTYLES)])
        for i, name in enumerate(names)
    }


def _metric_label(metric: str, unit: str | None) -> str:
    name = _METRIC_NAMES[metric]
    if metric in METRICS_WITH_UNITS:
        return f"{name} ({unit})" if unit else name
    if metric in ("mape", "smape"):
        return f"{name} (%)"
    return f"{name} (1 = in-sample seasonal naive)"


def _dates(stamps) -> np.ndarray:
    """Timestamps as matplotlib understands them (tz-aware ones keep their time zone)."""
    index = pd.DatetimeIndex(stamps)
    return index.to_pydatetime() if index.tz is not None else index.to_numpy()


def _time_step(rows: pd.DataFrame, past: pd.Series | None) -> pd.Timedelta | None:
    """The time between two steps: from the forecasts (step k is k - 1 steps after the origin),
    or the history's most common spacing when every forecast is one step."""
    later = rows.loc[rows["step"] > 1]
    if len(later):
        return ((later["timestamp"] - later["origin"]) / (later["step"] - 1)).min()
    if past is not None and len(past) > 1:
        return pd.Series(np.diff(past.index)).mode().iloc[0]
    return None


def _joins(before: pd.Timestamp, after: pd.Timestamp, step) -> bool:
    return step is None or after - before <= 1.5 * step


def _break_at_gaps(values: pd.Series, step) -> pd.Series:
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


def _date_axis(axes) -> None:
    locator = mdates.AutoDateLocator(minticks=3, maxticks=8)
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def _format_stamp(stamp: pd.Timestamp, with_time: bool = True) -> str:
    return (
        f"{pd.Timestamp(stamp):%Y-%m-%d %H:%M (%a)}"
        if with_time
        else f"{pd.Timestamp(stamp):%Y-%m-%d (%a)}"
    )


def _horizontal_boxplot(axes, data: list, positions: np.ndarray) -> dict:
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
