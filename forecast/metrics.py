"""Forecast accuracy metrics, in original units, on arrays of any matching shape.

``actual`` and ``forecast`` are arrays of the same shape (for windows: ``(n, horizon,
n_targets)``); NaN actuals are ignored.

* :func:`mae`, :func:`rmse`: mean absolute and root mean squared error;
* :func:`smape`: symmetric MAPE in percent, ``200 * |f - a| / (|a| + |f|)``; a pair where both
  are 0 counts as a perfect forecast (0), not as a division by zero;
* :func:`mase`: MAE scaled by the in-sample MAE of the seasonal-naive forecast on the training
  series (season given by the user), so 1.0 means "as good as seasonal naive in sample".

Example:
    >>> import numpy as np
    >>> a, f = np.array([1.0, 2.0, 4.0]), np.array([2.0, 2.0, 2.0])
    >>> mae(a, f), round(rmse(a, f), 4), round(smape(a, f), 2)
    (1.0, 1.291, 44.44)
    >>> mase(a, f, training=np.array([1.0, 3.0, 2.0, 4.0]), season_length=2)
    1.0
"""

from __future__ import annotations

import numpy as np


def _pair(actual, forecast) -> tuple[np.ndarray, np.ndarray]:
    a = np.asarray(actual, dtype=np.float64)
    f = np.asarray(forecast, dtype=np.float64)
    if a.shape != f.shape:
        raise ValueError(f"actual and forecast shapes differ: {a.shape} vs {f.shape}")
    keep = ~np.isnan(a)
    if not keep.any():
        raise ValueError("no actual values to score (all NaN or empty)")
    return a[keep], f[keep]


def mae(actual, forecast) -> float:
    """Mean absolute error."""
    a, f = _pair(actual, forecast)
    return float(np.mean(np.abs(a - f)))


def rmse(actual, forecast) -> float:
    """Root mean squared error."""
    a, f = _pair(actual, forecast)
    return float(np.sqrt(np.mean((a - f) ** 2)))


def smape(actual, forecast) -> float:
    """Symmetric mean absolute percentage error, in percent (0 to 200)."""
    a, f = _pair(actual, forecast)
    denominator = np.abs(a) + np.abs(f)
    ratio = np.divide(np.abs(a - f), denominator, out=np.zeros_like(a), where=denominator > 0)
    return float(200.0 * np.mean(ratio))


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
