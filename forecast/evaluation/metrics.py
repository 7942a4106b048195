"""Forecast accuracy metrics, in original units, on arrays and on tidy forecast frames.

On arrays, ``actual`` and ``forecast`` have the same shape (for windows: ``(n, horizon,
n_targets)``); NaN actuals are ignored.

* :func:`mae`, :func:`rmse`: mean absolute and root mean squared error;
* :func:`mape`: mean absolute percentage error, in percent. It is undefined where the actual is
  0: by default such pairs raise a ``ValueError`` that counts them; ``zero_actuals="nan"``
  returns NaN instead (what a leaderboard shows) and ``"drop"`` scores the other pairs only;
* :func:`smape`: symmetric MAPE in percent, ``200 * |f - a| / (|a| + |f|)``; a pair where both
  are 0 counts as a perfect forecast (0), not as a division by zero;
* :func:`mase`: MAE scaled by the in-sample MAE of the seasonal-naive forecast on the training
  series (season given by the user), so 1.0 means "as good as seasonal naive in sample";
* :func:`bias`: mean error ``forecast - actual`` (positive: the forecasts are too high);
* :func:`pinball_loss` and :func:`coverage`, for quantile and interval forecasts (and, in
  :mod:`forecast.evaluation.quantile_metrics`, the mean pinball loss over levels, the weighted
  quantile loss, the interval width, the Winkler score and MSIS).

On tidy forecast frames (the output of :func:`forecast.backtest`, see
:mod:`forecast.evaluation.schema`), :func:`score_forecasts` computes any of :data:`METRICS` by
model, by horizon step, by series, ...: the same element-wise errors as the functions on arrays,
averaged per group.

Example:
    >>> import numpy as np
    >>> a, f = np.array([1.0, 2.0, 4.0]), np.array([2.0, 2.0, 2.0])
    >>> mae(a, f), round(rmse(a, f), 4), round(smape(a, f), 2), round(mape(a, f), 2)
    (1.0, 1.291, 44.44, 50.0)
    >>> bias(a, f)
    -0.3333333333333333
    >>> mase(a, f, training=np.array([1.0, 3.0, 2.0, 4.0]), season_length=2)
    1.0
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from forecast.evaluation.quantile_metrics import interval_width as interval_width
from forecast.evaluation.quantile_metrics import mean_pinball_loss as mean_pinball_loss
from forecast.evaluation.quantile_metrics import msis as msis
from forecast.evaluation.quantile_metrics import probabilistic_scores
from forecast.evaluation.quantile_metrics import weighted_quantile_loss as weighted_quantile_loss
from forecast.evaluation.quantile_metrics import winkler_score as winkler_score
from forecast.evaluation.schema import METRICS as METRICS
from forecast.evaluation.schema import (
    POINT_METRICS,
    PROBABILISTIC_METRICS,
    SINGLE_SERIES_ID,
    check_metrics,
)


def _pair(actual, forecast) -> tuple[np.ndarray, np.ndarray]:
    a = np.asarray(actual, dtype=np.float64)
    f = np.asarray(forecast, dtype=np.float64)
    if a.shape != f.shape:
        raise ValueError(f"actual and forecast shapes differ: {a.shape} vs {f.shape}")
    keep = ~np.isnan(a)
    if not keep.any():
        raise ValueError("no actual values to score (all NaN or empty)")
    return a[keep], f[keep]


def _percentage_errors(actual: np.ndarray, forecast: np.ndarray) -> np.ndarray:
    """``100 * |f - a| / |a|`` element by element; NaN where the actual is 0 (undefined)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(actual == 0, np.nan, 100.0 * np.abs(forecast - actual) / np.abs(actual))


def _symmetric_percentage_errors(actual: np.ndarray, forecast: np.ndarray) -> np.ndarray:
    """``200 * |f - a| / (|a| + |f|)`` element by element (0 to 200); 0 where both are 0."""
    denominator = np.abs(actual) + np.abs(forecast)
    ratio = np.divide(
        np.abs(forecast - actual),
        denominator,
        out=np.zeros_like(denominator),
        where=denominator > 0,
    )
    return 200.0 * ratio


def mae(actual, forecast) -> float:
    """Mean absolute error."""
    a, f = _pair(actual, forecast)
    return float(np.mean(np.abs(a - f)))


def rmse(actual, forecast) -> float:
    """Root mean squared error."""
    a, f = _pair(actual, forecast)
    return float(np.sqrt(np.mean((a - f) ** 2)))


def mape(actual, forecast, zero_actuals: str = "raise") -> float:
    """Mean absolute percentage error, in percent: ``100 * mean(|f - a| / |a|)``.

    Args:
        zero_actuals: what to do where the actual is 0 (the percentage is undefined there):
            ``"raise"`` a ``ValueError`` (default), return ``"nan"``, or ``"drop"`` those pairs.
    """
    if zero_actuals not in ("raise", "nan", "drop"):
        raise ValueError(f"zero_actuals must be 'raise', 'nan' or 'drop', got {zero_actuals!r}")
    a, f = _pair(actual, forecast)
    zero = a == 0
    if zero.any():
        if zero_actuals == "raise":
            raise ValueError(
                f"MAPE is undefined where the actual is 0 ({int(zero.sum())} of {a.size} values); "
                "use smape or mase, or mape(..., zero_actuals='drop' or 'nan')"
            )
        if zero_actuals == "nan" or zero.all():
            return float("nan")
    return float(np.mean(_percentage_errors(a, f)[~zero]))


def smape(actual, forecast) -> float:
    """Symmetric mean absolute percentage error, in percent (0 to 200)."""
    a, f = _pair(actual, forecast)
    return float(np.mean(_symmetric_percentage_errors(a, f)))


def bias(actual, forecast) -> float:
    """Mean error ``forecast - actual``: positive when the forecasts are too high."""
    a, f = _pair(actual, forecast)
    return float(np.mean(f - a))


def seasonal_naive_scale(training, season_length: int) -> float:
    """In-sample MAE of the seasonal-naive forecast on a training series (MASE's scale)."""
    series = np.asarray(training, dtype=np.float64).ravel()
    if season_length < 1 or len(series) <= season_length:
        raise ValueError(
            f"MASE needs more than season_length ({season_length}) training values, got {len(series)}"
        )
    diffs = np.abs(series[season_length:] - series[:-season_length])
    diffs = diffs[~np.isnan(diffs)]
    if diffs.size == 0 or diffs.mean() == 0:
        raise ValueError("the training series is constant at the seasonal lag: MASE is undefined")
    return float(diffs.mean())


def mase(actual, forecast, training, season_length: int) -> float:
    """Mean absolute scaled error against the in-sample seasonal-naive MAE of ``training``."""
    return mae(actual, forecast) / seasonal_naive_scale(training, season_length)


def pinball_loss(actual, forecast, quantile: float) -> float:
    """Mean pinball (quantile) loss of a forecast of the ``quantile`` (in ``(0, 1)``).

    ``0.5`` gives half the MAE; scikit-learn calls it ``mean_pinball_loss(..., alpha=quantile)``.

    Example:
        >>> pinball_loss([10.0, 10.0], [8.0, 12.0], quantile=0.9)
        1.0
    """
    if not 0.0 < float(quantile) < 1.0:
        raise ValueError(f"quantile must lie in (0, 1), got {quantile!r}")
    a, f = _pair(actual, forecast)
    error = a - f
    return float(np.mean(np.maximum(quantile * error, (quantile - 1.0) * error)))


def coverage(actual, lower, upper) -> float:
    """Share of actuals inside the interval ``[lower, upper]`` (0 to 1).

    Example:
        >>> coverage([1.0, 5.0, 3.0, 9.0], lower=[0.0, 0.0, 0.0, 0.0], upper=[2.0, 4.0, 6.0, 8.0])
        0.5
    """
    a = np.asarray(actual, dtype=np.float64)
    lo = np.asarray(lower, dtype=np.float64)
    hi = np.asarray(upper, dtype=np.float64)
    if not a.shape == lo.shape == hi.shape:
        raise ValueError(
            f"actual, lower and upper shapes differ: {a.shape}, {lo.shape}, {hi.shape}"
        )
    if np.any(lo > hi):
        raise ValueError("lower exceeds upper for some intervals")
    keep = ~np.isnan(a)
    if not keep.any():
        raise ValueError("no actual values to score (all NaN or empty)")
    return float(np.mean((a[keep] >= lo[keep]) & (a[keep] <= hi[keep])))


# ---------------------------------------------------------------------- tidy frames


def series_scales(frame: pd.DataFrame, target: str, season_length: int) -> dict:
    """MASE scales of every series of a frame: the in-sample seasonal-naive MAE of ``target``.

    Give it the training part only (data before the first forecast origin). A single series
    gets the key :data:`forecast.evaluation.schema.SINGLE_SERIES_ID` (``"series"``); series too
    short or constant at the seasonal lag get NaN: :func:`score_forecasts` leaves them out of MASE.
    """
    if isinstance(frame.index, pd.MultiIndex):
        groups = frame[target].groupby(level=0, sort=False)
        items = ((sid, values.to_numpy()) for sid, values in groups)
    else:
        items = iter([(SINGLE_SERIES_ID, frame[target].to_numpy())])
    scales = {}
    for sid, values in items:
        try:
            scales[sid] = seasonal_naive_scale(values, season_length)
        except ValueError:
            scales[sid] = float("nan")
    return scales


def score_forecasts(
    forecasts: pd.DataFrame,
    metrics: Sequence[str] = ("mae", "rmse", "smape"),
    by: str | Iterable[str] | None = "model",
    scales: Mapping | float | None = None,
    coverage: float | Sequence[float] | None = None,
) -> pd.DataFrame:
    """Metrics of a tidy forecast frame, broken down by any of its columns.

    Args:
        forecasts: a frame with ``actual`` and ``forecast`` columns and the columns in ``by``
            (the output of :func:`forecast.backtest`); the probabilistic metrics read its
            quantile columns (``q0.1``, ...; see :mod:`forecast.evaluation.schema`).
        metrics: names from :data:`METRICS`. ``mape`` is NaN for a group with a zero actual.
            ``pinball`` and ``wql`` average over every quantile column; ``coverage``,
            ``width``, ``winkler`` and ``msis`` give one column per interval coverage
            (``coverage_80``, ...). A model whose quantile columns are NaN (a point
            forecaster in a mixed frame) scores NaN in them.
        by: column(s) to break down by, e.g. ``"model"``, ``["model", "step"]``,
            ``["model", "series_id"]``; ``None`` scores the whole frame as one row.
        scales: for ``mase``: one scale, or a mapping ``series_id -> scale`` (see
            :func:`series_scales`) or ``(series_id, target) -> scale``. Rows whose scale is
            NaN (no usable training data) are left out of the MASE mean. Each absolute error is
            divided by its series' scale, so a panel's MASE is the mean scaled error. MSIS
            divides each Winkler score by the same scales.
        coverage: the interval coverages of the interval metrics; ``None``: every central
            interval whose two bounds are quantile columns of the frame.

    Returns:
        One row per group (index ``by``), one column per metric, plus ``n`` (values scored).

    Example:
        >>> import pandas as pd
        >>> tidy = pd.DataFrame({"model": ["a", "a", "b", "b"], "step": [1, 2, 1, 2],
        ...                      "actual": [1.0, 2.0, 1.0, 2.0], "forecast": [1.0, 4.0, 2.0, 2.0]})
        >>> score_forecasts(tidy, ["mae", "bias"])  # doctest: +NORMALIZE_WHITESPACE
               mae  bias  n
        model
        a      1.0   1.0  2
        b      0.5   0.5  2
    """
    metrics = check_metrics(metrics)
    missing = [c for c in ("actual", "forecast") if c not in forecasts.columns]
    if missing:
        raise ValueError(f"the forecast frame has no column(s) {missing}")
    keys = [] if by is None else [by] if isinstance(by, str) else list(by)
    absent = [k for k in keys if k not in forecasts.columns]
    if absent:
        raise ValueError(f"cannot break down by {absent}: not columns of the forecast frame")
    data = forecasts.loc[forecasts["actual"].notna(), keys + ["actual", "forecast"]].copy()
    actual = data["actual"].to_numpy(np.float64)
    predicted = data["forecast"].to_numpy(np.float64)
    error = predicted - actual
    data["_abs"] = np.abs(error)
    data["_sq"] = error**2
    data["_err"] = error
    data["_sym"] = _symmetric_percentage_errors(actual, predicted)
    data["_pct"] = _percentage_errors(actual, predicted)
    if "mase" in metrics:
        data["_scaled"] = data["_abs"] / _scale_of_rows(forecasts.loc[data.index], scales)

    def group(frame: pd.DataFrame):
        if keys:
            return frame.assign(**{k: data[k].to_numpy() for k in keys}).groupby(keys, sort=True)
        return frame.assign(_all="all").groupby("_all")

    grouped = group(data.drop(columns=keys))
    columns = {
        "mae": grouped["_abs"].mean(),
        "rmse": np.sqrt(grouped["_sq"].mean()),
        "mape": grouped["_pct"].agg(lambda v: v.mean(skipna=False)),
        "smape": grouped["_sym"].mean(),
        "mase": grouped["_scaled"].mean() if "mase" in metrics else None,
        "bias": grouped["_err"].mean(),
    }
    out = pd.DataFrame({m: columns[m] for m in metrics if m in POINT_METRICS})
    probabilistic = [m for m in metrics if m in PROBABILISTIC_METRICS]
    if probabilistic:
        rows = forecasts.loc[data.index]
        scored = probabilistic_scores(
            rows, group, probabilistic, coverage, lambda: _scale_of_rows(rows, scales)
        )
        out = out.join(scored, how="outer") if len(out.columns) else scored
        out = out[_column_order(metrics, list(out.columns))]
    out["n"] = grouped.size()
    if not keys:
        out.index.name = None
    return out


def _column_order(metrics: Sequence[str], columns: list[str]) -> list[str]:
    """The columns in the order of ``metrics``, an interval metric's columns together."""
    return [c for m in metrics for c in columns if c == m or c.startswith(f"{m}_")]


def _scale_of_rows(rows: pd.DataFrame, scales) -> np.ndarray:
    if scales is None:
        raise ValueError(
            "mase and msis need scales: the seasonal-naive MAE of each series' training data"
        )
    if isinstance(scales, Mapping):
        by_target = any(isinstance(key, tuple) for key in scales)
        needed = ["series_id", "target"] if by_target else ["series_id"]
        if any(c not in rows.columns for c in needed):
            raise ValueError(f"mase with per-series scales needs the column(s) {needed}")
        keys = (
            list(zip(rows["series_id"], rows["target"])) if by_target else list(rows["series_id"])
        )
        missing = next((k for k in keys if k not in scales), None)
        if missing is not None:
            raise ValueError(f"no MASE scale for series {missing!r}")
        return np.fromiter((scales[k] for k in keys), dtype=np.float64, count=len(keys))
    return np.full(len(rows), float(scales))
