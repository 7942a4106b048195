"""How a model did at each forecast origin: its worst, typical and best origins.

:func:`origin_errors` scores one model at each ``(series, origin)`` with
:func:`forecast.evaluation.metrics.score_forecasts` (so the numbers agree with the
leaderboard); :func:`ranked_origins` picks the worst, a typical (the median) and the best origin
of one series, the ones the report's forecast figure shows; :func:`worst_origins` lists the
origins where the model erred most, with every model's error there.

Example:
    >>> import pandas as pd
    >>> stamps = pd.date_range("2024-01-01", periods=6, freq="h")
    >>> tidy = pd.DataFrame({"series_id": "s", "target": "y", "origin": stamps[[0, 0, 2, 2, 4, 4]],
    ...                      "timestamp": stamps, "step": [1, 2] * 3,
    ...                      "actual": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
    ...                      "forecast": [1.0, 3.0, 1.0, 1.0, 5.0, 6.5], "model": "naive"})
    >>> origin_errors(tidy, "naive").tolist()  # MAE at each origin
    [0.5, 2.5, 0.25]
    >>> {k: str(v) for k, v in ranked_origins(tidy, "naive").items()}
    {'worst': '2024-01-01 02:00:00', 'typical': '2024-01-01 00:00:00', 'best': '2024-01-01 04:00:00'}
"""

from __future__ import annotations

import pandas as pd

from forecast.evaluation.metrics import score_forecasts
from forecast.evaluation.schema import check_forecasts


def origin_errors(
    forecasts: pd.DataFrame, model: str, metric: str = "mae", series_id=None
) -> pd.Series:
    """``metric`` of ``model`` at each origin, over its steps (and targets).

    Args:
        forecasts: a tidy forecast frame.
        model: the model to score.
        metric: a metric that needs no scales (``mae``, ``rmse``, ``smape``, ``bias``, ...).
        series_id: one series only (indexed by origin); default every series (indexed by
            ``(series_id, origin)``).

    Raises:
        ValueError: ``model`` or ``series_id`` is not in the frame.
    """
    frame = check_forecasts(forecasts)
    rows = frame.loc[frame["model"] == model]
    if rows.empty:
        raise ValueError(
            f"no forecasts of model {model!r}; the frame holds {list(pd.unique(frame['model']))}"
        )
    if series_id is not None:
        rows = rows.loc[rows["series_id"] == series_id]
        if rows.empty:
            raise ValueError(f"no forecasts of model {model!r} for series {series_id!r}")
        return score_forecasts(rows, [metric], by="origin")[metric].dropna()
    return score_forecasts(rows, [metric], by=["series_id", "origin"])[metric].dropna()


def ranked_origins(
    forecasts: pd.DataFrame, model: str, series_id=None, metric: str = "mae"
) -> dict[str, pd.Timestamp]:
    """The worst, a typical (the median error; the lower one of an even count) and the best
    origin of ``model`` for one series (default the first), by ``metric``: ``{"worst": ...,
    "typical": ..., "best": ...}``, fewer keys when there are fewer than three origins (ties
    go to the earlier origin)."""
    frame = check_forecasts(forecasts)
    if series_id is None:
        series_id = pd.unique(frame.loc[frame["model"] == model, "series_id"])[0]
    errors = origin_errors(frame, model, metric, series_id)
    if errors.empty:
        raise ValueError(f"model {model!r} has no finite {metric} at any origin")
    ordered = errors.sort_index().sort_values(kind="stable")  # lowest first, ties by time
    picks = {
        "worst": ordered.index[-1],
        "typical": ordered.index[(len(ordered) - 1) // 2],
        "best": ordered.index[0],
    }
    out: dict[str, pd.Timestamp] = {}
    for label, origin in picks.items():
        if origin not in out.values():
            out[label] = pd.Timestamp(origin)
    return out


def worst_origins(
    forecasts: pd.DataFrame, model: str, n: int = 5, metric: str = "mae"
) -> pd.DataFrame:
    """The ``n`` ``(series, origin)`` where ``model`` erred most, worst first: one column per
    model (its ``metric`` there, the models in the frame's order), indexed by
    ``(series_id, origin)``."""
    frame = check_forecasts(forecasts)
    errors = origin_errors(frame, model, metric).sort_values(ascending=False, kind="stable")
    top = errors.index[:n]
    every = score_forecasts(frame, [metric], by=["model", "series_id", "origin"])[metric]
    table = every.unstack("model").reindex(top)
    return table[[m for m in pd.unique(frame["model"]) if m in table.columns]]


__all__ = ["origin_errors", "ranked_origins", "worst_origins"]
