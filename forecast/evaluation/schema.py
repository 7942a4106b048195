"""The vocabulary of evaluation: the tidy forecast frame and the metrics' names.

Every forecast the evaluation layer produces or reads is a *tidy forecast frame*: one row per
(series, target, origin, step, model) with the columns :data:`TIDY_COLUMNS`, as
:func:`forecast.backtest` returns it; :func:`check_forecasts` checks one. The metrics are named
by :data:`METRICS` and shown (leaderboard headers, axis labels) by :data:`METRIC_NAMES`;
:data:`METRICS_WITH_UNITS` are in the units of the data, :data:`PERCENT_METRICS` in percent,
``mase`` relative to the in-sample seasonal-naive MAE.

Example:
    >>> import pandas as pd
    >>> stamp = pd.Timestamp("2024-01-01")
    >>> tidy = pd.DataFrame({"series_id": [SINGLE_SERIES_ID], "target": ["y"], "origin": [stamp],
    ...                      "timestamp": [stamp], "step": [1], "actual": [1.0],
    ...                      "forecast": [1.5], "model": ["naive"]})
    >>> check_forecasts(tidy) is tidy
    True
    >>> check_forecasts(tidy.drop(columns="step"))
    Traceback (most recent call last):
    ...
    ValueError: the forecast frame has no column(s) ['step']; expected the tidy frame of forecast.backtest with columns ['series_id', 'target', 'origin', 'timestamp', 'step', 'actual', 'forecast', 'model']
    >>> [METRIC_NAMES[m] for m in METRICS]
    ['MAE', 'RMSE', 'MAPE', 'sMAPE', 'MASE', 'Bias']
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

#: Columns of a tidy forecast frame, in order.
TIDY_COLUMNS = ("series_id", "target", "origin", "timestamp", "step", "actual", "forecast", "model")
#: ``series_id`` of the rows of a single-series frame.
SINGLE_SERIES_ID = "series"

#: Metrics :func:`forecast.evaluation.metrics.score_forecasts` knows, by name (``mase`` needs
#: per-series scales).
METRICS = ("mae", "rmse", "mape", "smape", "mase", "bias")
#: How each metric is shown in leaderboards and on axes.
METRIC_NAMES = {
    "mae": "MAE",
    "rmse": "RMSE",
    "mape": "MAPE",
    "smape": "sMAPE",
    "mase": "MASE",
    "bias": "Bias",
}
#: Metrics in the units of the data (their axis labels carry the unit).
METRICS_WITH_UNITS = ("mae", "rmse", "bias")
#: Metrics in percent.
PERCENT_METRICS = ("mape", "smape")


def check_forecasts(forecasts) -> pd.DataFrame:
    """``forecasts`` itself when it is a non-empty DataFrame with every column of
    :data:`TIDY_COLUMNS` (others may follow).

    Raises:
        TypeError: ``forecasts`` is not a DataFrame.
        ValueError: a column is missing or the frame is empty.
    """
    if not isinstance(forecasts, pd.DataFrame):
        raise TypeError(
            f"forecasts must be a tidy forecast DataFrame, got {type(forecasts).__name__}"
        )
    missing = [c for c in TIDY_COLUMNS if c not in forecasts.columns]
    if missing:
        raise ValueError(
            f"the forecast frame has no column(s) {missing}; expected the tidy frame of "
            f"forecast.backtest with columns {list(TIDY_COLUMNS)}"
        )
    if forecasts.empty:
        raise ValueError("the forecast frame is empty: it holds no forecast")
    return forecasts


def check_metrics(metrics: Iterable[str]) -> list[str]:
    """The metric names as a list, when each is one of :data:`METRICS`.

    Raises:
        ValueError: an unknown name (the message lists the known ones).

    Example:
        >>> check_metrics(("mae", "bias"))
        ['mae', 'bias']
        >>> check_metrics(["mad"])
        Traceback (most recent call last):
        ...
        ValueError: unknown metric(s) ['mad']; choose from ['mae', 'rmse', 'mape', 'smape', 'mase', 'bias']
    """
    names = list(metrics)
    unknown = [m for m in names if m not in METRICS]
    if unknown:
        raise ValueError(f"unknown metric(s) {unknown}; choose from {list(METRICS)}")
    return names
