"""The rows ``forecast batch`` writes: one per series, target and step, the same for every engine.

The columns are the input's id and time columns (``target`` between them for several
targets), ``step`` (1 .. horizon), ``forecast``, then, for a model exported with quantiles (its
metadata's ``quantile_levels``: a quantile network, a
:class:`~forecast.models.conformal.ConformalForecaster`), one column per level named
``forecast_q<level>`` (:func:`~forecast.windowing.quantile_frames.long_quantile_column` of
``"forecast"``: ``forecast_q0.1``, ``forecast_q0.5``, ``forecast_q0.9``), and ``model`` and
``version``. The local files (:mod:`forecast.serving.batch_files`) and Spark
(:mod:`forecast.serving.spark`) both write these.

Example:
    >>> quantile_columns((0.1, 0.5, 0.9))
    ['forecast_q0.1', 'forecast_q0.5', 'forecast_q0.9']
    >>> output_columns("store", "ds", 1, (0.05, 0.95))
    ['store', 'ds', 'step', 'forecast', 'forecast_q0.05', 'forecast_q0.95', 'model', 'version']
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from forecast.windowing.quantile_frames import long_quantile_column


def quantile_columns(levels: Sequence[float] | None) -> list[str]:
    """The quantile columns of a model exported with ``levels`` (none for a point model)."""
    return [long_quantile_column("forecast", q) for q in levels or ()]


def output_columns(
    id_col: str, time_col: str, n_targets: int, levels: Sequence[float] | None
) -> list[str]:
    """Every column of the forecasts, in order (see the module docstring)."""
    target = ["target"] if n_targets > 1 else []
    return [
        id_col,
        *target,
        time_col,
        "step",
        "forecast",
        *quantile_columns(levels),
        "model",
        "version",
    ]


def forecast_rows(
    index: pd.MultiIndex | None,
    values: np.ndarray | None,
    quantiles: np.ndarray | None,
    *,
    columns: Sequence[str],
    targets: Sequence[str],
    levels: Sequence[float] | None,
    labels: tuple[str, str],
) -> pd.DataFrame:
    """The long frame of one batch's forecasts.

    Args:
        index: the forecast steps ``(series_id, timestamp)``, ``horizon`` per series
            (``None``: no series forecast, an empty frame).
        values: ``(n_series, horizon, n_targets)`` point forecasts.
        quantiles: ``(n_series, horizon, n_targets, n_levels)``, for a model with ``levels``.
        columns: :func:`output_columns` (the id and time columns first, then ``target`` if
            there are several targets, ...).
        targets: the target names.
        levels: the quantile levels (``None``: a point model).
        labels: the ``model`` and ``version`` written in every row.
    """
    id_col, time_col = columns[0], columns[2 if len(targets) > 1 else 1]
    names = quantile_columns(levels)
    if index is None:
        empty = {id_col: pd.Series([], dtype=object), "target": pd.Series([], dtype=object)}
        empty |= {time_col: pd.DatetimeIndex([]), "step": np.zeros(0, np.int32)}
        empty |= {name: np.zeros(0, np.float32) for name in ["forecast", *names]}
        empty |= {"model": pd.Series([], dtype=object), "version": pd.Series([], dtype=object)}
        return pd.DataFrame({name: empty[name] for name in columns})
    horizon = values.shape[1]
    frames = []
    for k, target in enumerate(targets):
        frame = pd.DataFrame(
            {
                id_col: index.get_level_values(0),
                time_col: index.get_level_values(1),
                "step": np.tile(np.arange(1, horizon + 1, dtype=np.int32), len(index) // horizon),
                "forecast": values[:, :, k].reshape(-1),
                **{name: quantiles[:, :, k, j].reshape(-1) for j, name in enumerate(names)},
            }
        )
        if len(targets) > 1:
            frame.insert(1, "target", target)
        frames.append(frame)
    out = frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
    out["model"], out["version"] = labels
    return out
