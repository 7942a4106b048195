"""Pieces of the exported serving signature: its outputs, and NaN-filling inside the graph."""

from __future__ import annotations


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
