"""Exported static covariates and series embedding: the signature's extra inputs, and the
loaded model's way of filling them.

A forecaster fitted with static covariates or a series embedding (its input schema's
``static``: :class:`~forecast.features.static_features.StaticEncoding`) exports a signature
with, beside ``past`` (and ``future``)::

    static:       float32 [batch, n_static]  the encoded static covariates, columns as in
                  metadata["static"]["encoded_columns"]: numeric values raw (scaled inside
                  the graph), categories one-hot
    series_index: int32 [batch]             each window's series, its position in
                  metadata["static"]["series_ids"]

The metadata also records the training series' raw static values (``"static_values"``), so
``forecast.load(path).predict(frame)`` forecasts those series without ``static=``, exactly
as the estimator does: each series' values come from ``static=``, else from the frame's
columns when it has them all, else from the training values; a series found in none (or, with
an embedding, a series not seen in training) is an error naming it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecast.features.static_features import STATIC_OF_CALL, StaticEncoding, plain, static_rows


def series_signature(forecaster, metadata: dict, past_spec, future_spec):
    """The ``serving_default`` function of a forecaster with static covariates or a series
    embedding (``None`` for any other: the export builds its own). Records the extra inputs
    and the training static values in ``metadata``."""
    import tensorflow as tf

    from forecast.serving.signature_parts import filled_graph, signature_outputs

    schema = forecaster.input_schema_
    encoding = schema.static
    if encoding is None:
        return None
    specs = {"past": past_spec}
    if metadata["future_columns"]:
        specs["future"] = future_spec
    if encoding.columns:
        specs["static"] = tf.TensorSpec([None, encoding.n_static], tf.float32, name="static")
    if encoding.embedding_dim:
        specs["series_index"] = tf.TensorSpec([None], tf.int32, name="series_index")
    names = list(specs)
    graph = forecaster._serving_function()
    missing = schema.missing
    metadata["signature"]["inputs"] = names
    metadata["static_values"] = _values_record(getattr(forecaster, "static_values_", None))

    def serve(*tensors):
        named = {n: tf.ensure_shape(t, specs[n].shape) for n, t in zip(names, tensors)}
        static, index = named.get("static"), named.get("series_index")
        call = filled_graph(lambda past, future: graph(past, future, static, index), missing)
        return signature_outputs(call(named["past"], named.get("future")))

    return tf.function(serve, input_signature=list(specs.values()), jit_compile=True)


def series_arguments(encoding: StaticEncoding | None, n: int, static, series_index) -> dict:
    """The signature's ``static`` and ``series_index`` arguments for ``n`` windows, checked
    (``{}`` without static covariates and embedding).

    Raises:
        ValueError: one is needed and missing or of the wrong shape.
    """
    import tensorflow as tf

    out: dict = {}
    if encoding is None:
        return out
    for name, value, shape, dtype, needed in (
        ("static", static, (n, encoding.n_static), np.float32, bool(encoding.columns)),
        ("series_index", series_index, (n,), np.int32, bool(encoding.embedding_dim)),
    ):
        if not needed:
            continue
        if value is None or np.shape(value) != shape:
            got = None if value is None else np.shape(value)
            raise ValueError(f"this model needs {name} of shape {shape}, got {got}")
        out[name] = tf.constant(np.asarray(value, dtype=dtype))
    return out


def _values_record(table: pd.DataFrame | None) -> dict | None:
    from forecast.windowing.input_schema import jsonable

    if table is None:
        return None
    return {
        "series": [jsonable(plain(s)) for s in table.index],
        "columns": list(table.columns),
        "rows": [[jsonable(plain(v)) for v in row] for row in table.itertuples(index=False)],
    }


def training_values(metadata: dict) -> pd.DataFrame | None:
    """The training series' static values recorded by the export (``None``: none)."""
    record = metadata.get("static_values")
    if not record:
        return None
    return pd.DataFrame(
        record["rows"], columns=record["columns"], index=pd.Index(record["series"], dtype=object)
    )


def loaded_series_inputs(loaded, latest, frame: pd.DataFrame):
    """The latest windows of a loaded model with their per-series inputs (the ``static=`` of
    its running ``predict``, else the frame's columns, else the export's training values)."""
    static, fitted = STATIC_OF_CALL.get(loaded), training_values(loaded.metadata)
    return with_series_inputs(loaded.input_schema.static, latest, frame, static, fitted)


def with_series_inputs(
    encoding: StaticEncoding | None,
    latest,
    frame: pd.DataFrame,
    static: pd.DataFrame | None,
    fitted: pd.DataFrame | None,
):
    """``latest`` with each window's ``"static"`` and ``"series_index"`` in its inputs (as
    it is without static covariates and embedding)."""
    import dataclasses

    if encoding is None:
        return latest
    inputs = latest.inputs if isinstance(latest.inputs, dict) else {"past": latest.inputs}
    inputs = dict(inputs)
    ids = list(latest.layout.series_ids)
    if encoding.columns:
        rows = static_rows(
            encoding.columns, ids, frame, static, fitted, "the export's training values"
        )
        inputs["static"] = encoding.encode(rows)
    if encoding.embedding_dim:
        inputs["series_index"] = encoding.series_index(ids)
    return dataclasses.replace(latest, inputs=inputs)
