"""The vocabulary of evaluation: the tidy forecast frame and the metrics' names.

Every forecast the evaluation layer produces or reads is a *tidy forecast frame*: one row per
(series, target, origin, step, model) with the columns :data:`TIDY_COLUMNS`, as
:func:`forecast.backtest` returns it; :func:`check_forecasts` checks one. A probabilistic
backtest adds one column per quantile level, named by :func:`quantile_column` (``q0.1``,
``q0.5``, ``q0.9``, ...; NaN for a model that forecast points only); :func:`quantile_levels`
reads them back. The metrics are named
by :data:`METRICS` and shown (leaderboard headers, axis labels) by :data:`METRIC_NAMES`;
:data:`METRICS_WITH_UNITS` are in the units of the data, :data:`PERCENT_METRICS` in percent,
``mase`` relative to the in-sample seasonal-naive MAE. The :data:`INTERVAL_METRICS` give one
leaderboard column per interval coverage, named by :func:`level_column` (``coverage_80``).

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
    ['MAE', 'RMSE', 'MAPE', 'sMAPE', 'MASE', 'Bias', 'Pinball', 'WQL', 'Coverage', 'Width', 'Winkler', 'MSIS']
    >>> quantile_column(0.025), level_column("coverage", 0.95), quantile_levels(["q0.9", "q0.1", "x"])
    ('q0.025', 'coverage_95', (0.1, 0.9))
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pandas as pd

from forecast.data.layout import SINGLE_SERIES_ID as _SINGLE_SERIES_ID
from forecast.data.long_format import LongFormat

#: Columns of a tidy forecast frame, in order.
TIDY_COLUMNS = ("series_id", "target", "origin", "timestamp", "step", "actual", "forecast", "model")
#: ``series_id`` of the rows of a single-series frame (the data layer's, as ``to_long`` gives it).
SINGLE_SERIES_ID = _SINGLE_SERIES_ID

#: Metrics of point forecasts.
POINT_METRICS = ("mae", "rmse", "mape", "smape", "mase", "bias")
#: Metrics of quantile forecasts, averaged over the levels of the frame: the mean pinball loss
#: and the weighted quantile loss (GluonTS's ``mean_wQuantileLoss``).
QUANTILE_METRICS = ("pinball", "wql")
#: Metrics of central intervals, one column per coverage: the share of actuals inside, the
#: mean width, the Winkler (interval) score and MSIS (the Winkler score over MASE's scale).
INTERVAL_METRICS = ("coverage", "width", "winkler", "msis")
#: Every metric that needs quantile columns.
PROBABILISTIC_METRICS = QUANTILE_METRICS + INTERVAL_METRICS
#: Metrics :func:`forecast.evaluation.metrics.score_forecasts` knows, by name (``mase`` and
#: ``msis`` need per-series scales).
METRICS = POINT_METRICS + PROBABILISTIC_METRICS
#: How each metric is shown in leaderboards and on axes.
METRIC_NAMES = {
    "mae": "MAE",
    "rmse": "RMSE",
    "mape": "MAPE",
    "smape": "sMAPE",
    "mase": "MASE",
    "bias": "Bias",
    "pinball": "Pinball",
    "wql": "WQL",
    "coverage": "Coverage",
    "width": "Width",
    "winkler": "Winkler",
    "msis": "MSIS",
}
#: Metrics in the units of the data (their axis labels carry the unit).
METRICS_WITH_UNITS = ("mae", "rmse", "bias", "pinball", "width", "winkler")
#: Metrics in percent.
PERCENT_METRICS = ("mape", "smape")


_QUANTILE_COLUMN = re.compile(r"^q(\d*\.?\d+(?:e-\d+)?)$")


def quantile_column(level: float) -> str:
    """The tidy frame's column of the quantile ``level`` (``0.1`` -> ``"q0.1"``)."""
    return f"q{float(level):g}"


def quantile_levels(columns: Iterable) -> tuple[float, ...]:
    """The quantile levels of the columns named by :func:`quantile_column`, ascending."""
    levels = []
    for column in columns:
        match = _QUANTILE_COLUMN.match(str(column))
        if match and 0.0 < float(match.group(1)) < 1.0:
            levels.append(float(match.group(1)))
    return tuple(sorted(levels))


def level_column(metric: str, coverage: float) -> str:
    """The leaderboard column of an interval metric at one coverage (``coverage_80``)."""
    return f"{metric}_{100 * float(coverage):g}"


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
        ValueError: unknown metric(s) ['mad']; choose from ['mae', 'rmse', 'mape', 'smape', 'mase', 'bias', 'pinball', 'wql', 'coverage', 'width', 'winkler', 'msis']
    """
    names = list(metrics)
    unknown = [m for m in names if m not in METRICS]
    if unknown:
        raise ValueError(f"unknown metric(s) {unknown}; choose from {list(METRICS)}")
    return names


def tidy_names(long: LongFormat | None) -> dict[str, str]:
    """How a tidy frame's ``series_id`` and ``timestamp`` are renamed for a long input (its id
    and time columns; nothing for a frame in the data model).

    Raises:
        ValueError: the id or time column has the name of another tidy column.

    Example:
        >>> tidy_names(LongFormat("unique_id", "ds")), tidy_names(None)
        ({'timestamp': 'ds', 'series_id': 'unique_id'}, {})
    """
    if long is None:
        return {}
    names = long.names()
    for tidy, name in names.items():
        if name != tidy and name in TIDY_COLUMNS:
            raise ValueError(
                f"the long frame's column {name!r} would take the place of the tidy frame's "
                f"{tidy!r} next to its own {name!r} column; rename it in the frame first"
            )
    return names
