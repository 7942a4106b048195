"""Conformal calibration that follows the data: the most recent honest windows.

Split conformal assumes the calibration errors look like the future ones. When the series
changes regime (a heating season, a new product line, a sensor replaced), the errors of the
windows just before the forecast tell more than those of the fixed calibration period. With
``recalibrate=True`` (the default of
:class:`~forecast.models.conformal.ConformalForecaster`), every forecast is calibrated on the
``n_calibration_windows_`` most recent *honest* windows it can see:

* the calibration windows of ``fit`` (whose labels the inner model never saw), and
* every window of the forecast frame whose labels all lie after the data the forecaster was
  fitted on (``calibrated_until_``) and before the forecast origin: errors observed since,
  again on data the model never saw.

So the window count, and with it the finite-sample guarantee, stays that of ``fit``; only
which windows calibrate moves with time. No label at or after the origin is read: a window
whose labels end at the origin's first step or later is left out (a backtest test poisons
those values and checks that the intervals do not move).

Example:
    >>> import numpy as np, pandas as pd
    >>> stored = np.arange(5.0)[:, None, None]  # five calibration scores 0..4
    >>> stored_ends = pd.date_range("2024-01-01", periods=5, freq="h").to_numpy()
    >>> new = np.array([10.0, 20.0])[:, None, None]  # two windows after the fit
    >>> new_ends = pd.date_range("2024-01-02", periods=2, freq="h").to_numpy()
    >>> recent = recent_scores(stored, stored_ends, new, new_ends, np.datetime64("2024-01-02T01"))
    >>> recent[:, 0, 0].tolist()  # the 2nd new window ends at the origin: not yet observed
    [1.0, 2.0, 3.0, 4.0, 10.0]
"""

from __future__ import annotations

import numpy as np


def label_ends(windows, rows: np.ndarray) -> np.ndarray:
    """The timestamp of the last label of the windows at the origin ``rows``."""
    stamps = windows.layout.timestamps
    return stamps[np.asarray(rows, dtype=np.int64) + windows.spec.horizon - 1].to_numpy()


def windows_after(windows, after) -> np.ndarray:
    """The origin rows of the windows whose first label comes after ``after`` (a timestamp):
    windows the forecaster was neither fitted nor calibrated on."""
    index = windows.origin_index("train")
    rows = index["row"].to_numpy()
    if after is None or not len(rows):
        return rows[:0]
    return rows[windows.layout.timestamps[rows].to_numpy() > np.datetime64(after)]


def recent_scores(
    stored: np.ndarray,
    stored_ends: np.ndarray,
    new: np.ndarray,
    new_ends: np.ndarray,
    origin,
) -> np.ndarray:
    """The ``len(stored)`` most recent scores (by the time of their last label) among the
    stored ones and the new ones whose labels end before ``origin`` (``None``: all of them),
    sorted along the first axis (as :func:`~forecast.models.conformal_scores.quantile_offsets`
    reads them)."""
    observed = np.ones(len(new_ends), bool) if origin is None else new_ends < np.datetime64(origin)
    scores = np.concatenate([stored, new[observed]])
    ends = np.concatenate([stored_ends, new_ends[observed]])
    keep = np.argsort(ends, kind="stable")[-len(stored) :]
    return np.sort(scores[keep], axis=0)
