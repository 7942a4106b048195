"""Pieces of the exported serving signature: its inputs and outputs, and NaN-filling inside
the graph."""

from __future__ import annotations

import numpy as np

from forecast.serving.array_checks import check_finite
from forecast.windowing.input_schema import InputSchema


def signature_inputs(schema: InputSchema) -> list[str]:
    """The signature's inputs: ``past`` and, with known-future columns (future covariates or
    calendar features), ``future``.

    Example:
        >>> import pandas as pd
        >>> schema = InputSchema(
        ...     target_columns=("y",), covariate_columns=(), calendar=(),
        ...     input_columns=("y", "promo"), categories={}, input_width=4, horizon=2,
        ...     freq=pd.tseries.frequencies.to_offset("D"), future_covariate_columns=("promo",))
        >>> signature_inputs(schema)
        ['past', 'future']
    """
    return ["past", "future"] if schema.future_columns else ["past"]


def check_future_array(future, schema: InputSchema, batch: int) -> np.ndarray:
    """The ``future`` argument of a signature call, checked: given, float32
    ``(batch, horizon, len(schema.future_columns))``, finite.

    Raises:
        ValueError: it is missing, of another shape, or holds a NaN or inf (naming the column).
    """
    columns = list(schema.future_columns)
    role = "known-future" if schema.future_covariate_columns else "calendar"
    if future is None:
        what = "calendar features" if role == "calendar" else "covariates and calendar features"
        raise ValueError(f"this model needs future {what} {columns}")
    future = np.asarray(future, dtype=np.float32)
    if future.shape != (batch, schema.horizon, len(columns)):
        raise ValueError(
            f"future must be ({batch}, {schema.horizon}, {len(columns)}) for {columns}, got "
            f"shape {future.shape}"
        )
    check_finite("future", future, role, columns)
    return future


def signature_outputs(forecasts) -> dict:
    """The signature's outputs: ``forecast`` and, from a quantile model, ``quantiles``."""
    import tensorflow as tf

    named = forecasts if isinstance(forecasts, dict) else {"forecast": forecasts}
    return {name: tf.cast(value, tf.float32) for name, value in named.items()}


def filled_graph(forecast_graph, missing):
    """``forecast_graph`` reading windows filled as training filled them (``"fill"`` policy)."""
    if not missing.fills_windows:
        return forecast_graph
    import keras
    import tensorflow as tf

    from forecast.data.missing import fill_windows

    def filled(past):  # windows without a NaN skip the work
        gaps = tf.reduce_any(tf.math.is_nan(past))
        return tf.cond(gaps, lambda: fill_windows(past, keras.ops), lambda: past)

    return lambda past, future: forecast_graph(filled(past), future)


def keras_model_of(forecaster):
    """The Keras model holding ``forecaster``'s weights (for the SavedModel to track them),
    looking through wrappers (a conformal wrapper's ``model_`` is its inner forecaster);
    ``None`` for a model without weights."""
    model = getattr(forecaster, "model_", None)
    while model is not None and not hasattr(model, "trainable_variables"):
        model = getattr(model, "model_", None)
    return model
