"""The serving graph and metadata of an exported :class:`~forecast.models.conformal.ConformalForecaster`.

The SavedModel of a conformal wrapper returns, like a quantile network's (see
:mod:`forecast.serving.export`),

* ``forecast``: the inner model's point forecast, its very graph (a quantile network's median);
* ``quantiles`` ``[batch, horizon, n_targets, n_levels]``: the wrapper's default levels
  (``quantile_levels_``: the bounds ``(1 -+ c) / 2`` of every coverage and the median), the
  point forecast (around a quantile network, its own levels: CQR) moved by the calibrated
  offsets, one per step, target and level, constants of the graph; with ``scale="local"``
  multiplied by the floored local spread of each input window, computed in the graph from the
  window's targets as :func:`~forecast.models.conformal_scores.local_spread` does.

The offsets are the calibration *as of the end of the fitted data*: the scores of ``fit``'s
calibration windows (``scores_``), which is what ``predict`` on the training frame uses. With
``recalibrate=True`` the in-memory wrapper rolls its calibration forward over the errors it
observes in a later frame; the export does not (its calibration is fixed), and its metadata
says so (``"conformal"`` ``"calibration"``).

Example:
    >>> import forecast
    >>> frame = forecast.load_dataset("electricity_hourly").iloc[-24 * 30:]
    >>> model = forecast.ConformalForecaster(
    ...     forecast.SeasonalNaive(24, input_width=48, horizon=6), coverage=0.8).fit(frame)
    >>> meta = conformal_metadata(model)
    >>> meta["conformal"]["levels"], meta["conformal"]["method"], meta["inner_model"]["model"]
    ([0.1, 0.5, 0.9], 'absolute', 'SeasonalNaive')
"""

from __future__ import annotations

from typing import Any

import numpy as np

from forecast.windowing.input_schema import jsonable


def conformal_serving_function(wrapper) -> Any:
    """``(past, future or None) -> {"forecast", "quantiles"}`` on TensorFlow tensors: the
    fitted ``wrapper``'s point forecast and default quantiles (see the module docstring).

    Raises:
        NotImplementedError: the inner model cannot be exported.
    """
    import tensorflow as tf

    inner = wrapper.model_
    if not inner.get_tag("exportable"):
        raise NotImplementedError(
            f"ConformalForecaster around {type(inner).__name__} cannot be exported as a "
            "SavedModel: the inner model's forecasts are not a TensorFlow graph; pickle it"
        )
    inner_graph = inner._serving_function()
    levels = tuple(wrapper.quantile_levels_)
    offsets = tf.constant(wrapper._offsets(wrapper.scores_, levels), tf.float64)
    pick = _inner_levels(inner, levels) if wrapper.cqr_ else None
    n_targets = len(wrapper.target_columns_)
    floor = None
    if wrapper.scale_ == "local":
        floor = tf.constant(np.asarray(wrapper.spread_floor_, np.float64))

    def conformal_graph(past, future):
        out = inner_graph(past, future)
        point = out["forecast"] if isinstance(out, dict) else out
        if pick is None:
            base = tf.cast(point, tf.float64)[..., None]
        else:
            base = tf.gather(tf.cast(out["quantiles"], tf.float64), pick, axis=-1)
        if floor is None:
            return {"forecast": point, "quantiles": base + offsets[None]}
        spread = floored_local_spread(past[:, :, :n_targets], floor)
        return {"forecast": point, "quantiles": base + spread[..., None] * offsets}

    return conformal_graph


def floored_local_spread(targets, floor):
    """The graph of :func:`~forecast.models.conformal_scores.local_spread` then
    :func:`~forecast.models.conformal_scores.floored`: ``(n, 1, n_targets)`` float64 from the
    targets ``(n, input_width, n_targets)``.

    Example:
        >>> import tensorflow as tf
        >>> targets = tf.constant([[[1.0, 5.0], [3.0, 5.0], [2.0, 5.0]]])
        >>> floored_local_spread(targets, tf.constant([0.1, 0.1], tf.float64)).numpy().tolist()
        [[[1.5, 0.1]]]
    """
    import tensorflow as tf

    targets = tf.cast(targets, tf.float64)
    changes = tf.abs(targets[:, 1:] - targets[:, :-1])
    valid = tf.logical_not(tf.math.is_nan(changes))
    count = tf.reduce_sum(tf.cast(valid, tf.float64), axis=1, keepdims=True)
    total = tf.reduce_sum(tf.where(valid, changes, tf.zeros_like(changes)), axis=1, keepdims=True)
    spread = total / tf.maximum(count, 1.0)
    return tf.where(count > 0, tf.maximum(spread, floor), tf.broadcast_to(floor, tf.shape(spread)))


def _inner_levels(inner, levels: tuple) -> list[int]:
    """The positions of ``levels`` among the inner quantile network's trained levels."""
    trained = np.asarray(inner.quantile_levels_, np.float64)
    return [int(np.argmin(np.abs(trained - q))) for q in levels]


def conformal_metadata(wrapper) -> dict[str, Any]:
    """The export metadata a conformal wrapper adds: its inner model (``"inner_model"``) and
    its calibration (``"conformal"``); ``quantile_levels`` come from ``quantile_levels_``."""
    inner = wrapper.model_
    calibration = (
        f"fixed at export: the {wrapper.n_calibration_windows_} calibration windows of fit "
        f"({wrapper.calibration_}), the state predict uses at the end of the fitted data "
        f"({wrapper.calibrated_until_}); "
        + (
            "recalibrate=True rolls forward in memory only, not in the export"
            if wrapper.recalibrate
            else "recalibrate=False"
        )
    )
    return {
        "inner_model": {
            "model": type(inner).__name__,
            "params": {k: jsonable(v) for k, v in inner.get_params().items()},
        },
        "conformal": {
            "coverage": [float(c) for c in wrapper._coverages()],
            "levels": [float(q) for q in wrapper.quantile_levels_],
            "method": wrapper.method,
            "scale": wrapper.scale_,
            "cqr": bool(wrapper.cqr_),
            "recalibrate": bool(wrapper.recalibrate),
            "n_calibration_windows": int(wrapper.n_calibration_windows_),
            "calibrated_until": str(wrapper.calibrated_until_),
            "calibration": calibration,
        },
    }
