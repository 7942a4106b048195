"""A network forecaster's static covariates and series embedding: where their values come from.

A forecaster with the tag ``reads_static_covariates`` (the recurrent ones) takes
``static_covariates=("region", "capacity")`` and ``series_embedding=<dim>`` (see
:mod:`forecast.features.static_features` for the checks and the encoding,
:mod:`forecast.nn.static_conditioning` for how they start the encoder). :class:`StaticInputs`
gives it:

* ``fit(frame, static=None)``: the values from ``static`` (a frame indexed by series id)
  when given, else from the frame's columns (constant within each series); the encoding is
  learned on the training series (``static_encoding_``) and their raw values kept
  (``static_values_``);
* ``predict(frame, static=None)`` (and ``score``, ``predict_quantiles``, ...): each series'
  values from ``static``, else from the frame's columns when it has them all, else those
  ``fit`` saw for that series; a series found in none is an error naming it. With a series
  embedding, a series ``fit`` did not see is an error naming it.

Example:
    >>> import forecast, numpy as np, pandas as pd
    >>> index = pd.MultiIndex.from_product(
    ...     [["a", "b"], pd.date_range("2024-01-01", periods=60, freq="D")])
    >>> flag = np.repeat([0.0, 1.0], 60)
    >>> frame = pd.DataFrame({"y": np.sin(np.arange(120)) + 10 * flag}, index=index)
    >>> static = pd.DataFrame({"flag": [0.0, 1.0]}, index=["a", "b"])
    >>> model = forecast.LSTMForecaster(input_width=7, horizon=2, units=(4,), dense_units=(),
    ...     epochs=1, static_covariates="flag", series_embedding=2, random_state=0,
    ...     verbose=0).fit(frame, static=static)
    >>> model.static_encoding_.encoded_columns, model.static_encoding_.series_ids
    (('flag',), ('a', 'b'))
    >>> model.predict(frame).shape
    (4, 1)
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pandas as pd

from forecast.data.columns import as_column_tuple
from forecast.data.long_format import read_long
from forecast.features.static_features import (
    STATIC_OF_CALL,
    fit_static_encoding,
    rows_of,
    static_rows,
    static_table,
)
from forecast.models.constraints import Columns, Integer


class StaticInputs:
    """``static=`` in ``fit``, ``predict`` and ``refit_full`` (see the module docstring)."""

    _tags = {"reads_static_covariates": True}
    _parameter_constraints = {
        "static_covariates": Columns(none=True),
        "series_embedding": Integer(minimum=1, none=True),
    }

    def fit(
        self,
        X: pd.DataFrame,
        y: Any = None,
        validation_frame: pd.DataFrame | None = None,
        *,
        static: pd.DataFrame | None = None,
        id_col: str | None = None,
        time_col: str | None = None,
    ):
        """:meth:`forecast.models.base.BaseForecaster.fit`, the static covariates read from
        ``static`` (a frame indexed by series id) or the frame's columns."""
        self._static_source = self._fit_static(X, validation_frame, static, id_col, time_col)
        try:
            return super().fit(X, y, validation_frame, id_col=id_col, time_col=time_col)
        finally:
            vars(self).pop("_static_source", None)

    def predict(self, X: pd.DataFrame, *, static: pd.DataFrame | None = None, **kwargs):
        """:meth:`forecast.models.base.BaseForecaster.predict`, each series' static covariates
        from ``static``, else the frame's columns, else those ``fit`` saw."""
        with STATIC_OF_CALL.given(self, static):
            return super().predict(X, **kwargs)

    def _static_for_refit(self, X: pd.DataFrame, static: pd.DataFrame | None) -> None:
        """Before ``refit_full``: the static covariates of ``X`` (or ``static``) replace
        those ``fit`` saw, which the refit reads otherwise."""
        columns = as_column_tuple(self.static_covariates)
        wide = read_long(X, None, None)[0]
        if columns and (static is not None or set(columns) <= set(wide.columns)):
            self.static_values_ = static_table(wide, columns, static)

    # ------------------------------------------------------------------ fitting

    def _fit_static(self, X, validation_frame, static, id_col, time_col) -> pd.DataFrame | None:
        """The static values of every series of the fit (``None`` without static covariates)."""
        columns = as_column_tuple(self.static_covariates)
        if not columns:
            if static is not None:
                raise ValueError(
                    f"{type(self).__name__}.fit was given static= but static_covariates is "
                    "None: name the columns to read, e.g. static_covariates=('region',)"
                )
            return None
        plan = getattr(self, "_refit_plan", None) or {}
        frames = [read_long(X, id_col, time_col)[0]]
        if validation_frame is not None:
            frames.append(read_long(validation_frame, id_col, time_col)[0])
        tables = []
        for frame in frames:
            in_frame = set(columns) <= set(frame.columns)
            if static is None and plan.get("static_values") is not None and not in_frame:
                tables.append(plan["static_values"])
                continue
            tables.append(static_table(frame, columns, static))
        table = pd.concat(tables)
        return table[~table.index.duplicated()]

    def _with_static_windows(self, windows):
        """The training ``windows`` with the per-series inputs (``static_encoding_`` and
        ``static_values_`` learned; ``None`` without static covariates and embedding)."""
        columns = as_column_tuple(self.static_covariates)
        dim = self.series_embedding
        self.static_encoding_ = self.static_values_ = None
        if not columns and not dim:
            return windows
        ids = list(windows.layout.series_ids)
        if columns:
            table = rows_of(self._static_source, ids, "the static covariates fit read")
        else:
            table = pd.DataFrame(index=pd.Index(ids, dtype=object))
        encoding = fit_static_encoding(table, dim, columns)
        inputs = {}
        if columns:
            inputs["static"] = encoding.encode(table)
            self.static_values_ = table
        if dim:
            inputs["series_index"] = np.arange(len(ids), dtype=np.int32)
        self.static_encoding_ = encoding
        return dataclasses.replace(windows, series_inputs=inputs)

    def _conditioning(self) -> dict | None:
        """The ``conditioning`` of :func:`~forecast.nn.networks.build_network`."""
        encoding = self.static_encoding_
        if encoding is None:
            return None
        return {
            "center": list(encoding.center),
            "scale": list(encoding.scale),
            "n_series": len(encoding.series_ids),
            "embedding_dim": encoding.embedding_dim,
        }

    # ------------------------------------------------------------------ forecasting

    def _latest_windows(self, X, future=None, future_grid: str = "grid"):
        latest = super()._latest_windows(X, future, future_grid)
        frame = X.frame if hasattr(X, "frame") else X
        inputs = self._with_series_inputs(latest.inputs, latest.layout.series_ids, frame)
        return dataclasses.replace(latest, inputs=inputs)

    def windows(self, X: pd.DataFrame, split=None, stride: int = 1):
        """:meth:`~forecast.models.window_contract.WindowContract.windows`, each window with
        its series' static covariates (and embedding index) as ``predict`` reads them: from
        the frame's columns when it has them, else those ``fit`` saw; so a backtest
        forecasts a series that begins after the training rows end from its own values."""
        windows = super().windows(X, *(() if split is None else (split,)), stride=stride)
        if getattr(self, "static_encoding_", None) is None or hasattr(self, "_static_source"):
            return windows  # not fitted with them, or fitting (the fit adds its own)
        frame = X.frame if hasattr(X, "frame") else X
        inputs = self._with_series_inputs({"past": None}, list(windows.layout.series_ids), frame)
        inputs.pop("past")
        return dataclasses.replace(windows, series_inputs=inputs)

    def _forecast_series(self, inputs, series: np.ndarray) -> np.ndarray:
        return super()._forecast_series(self._with_series_inputs(inputs, series), series)

    def _forecast_quantiles(self, inputs, series: np.ndarray, quantiles) -> np.ndarray:
        inputs = self._with_series_inputs(inputs, series)
        return super()._forecast_quantiles(inputs, series, quantiles)

    def _instance_tags(self) -> dict:
        """``per_series`` once fitted with static covariates or an embedding: its forecasts
        need each window's series."""
        tags = dict(super()._instance_tags())
        if getattr(self, "static_encoding_", None) is not None:
            tags["per_series"] = True
        return tags

    def _with_series_inputs(self, inputs, series, frame: pd.DataFrame | None = None):
        """``inputs`` with each window's ``"static"`` and ``"series_index"`` (as they are
        when they hold them already, or without static covariates and embedding)."""
        encoding = getattr(self, "static_encoding_", None)
        if encoding is None or (isinstance(inputs, dict) and "series_index" in inputs):
            return inputs
        if isinstance(inputs, dict) and "static" in inputs:
            return inputs
        out = dict(inputs) if isinstance(inputs, dict) else {"past": inputs}
        ids = list(series)
        if encoding.columns:
            out["static"] = encoding.encode(self._static_rows(ids, frame))
        if encoding.embedding_dim:
            out["series_index"] = encoding.series_index(ids)
        return out

    def _static_rows(self, ids: list, frame: pd.DataFrame | None) -> pd.DataFrame:
        """The static values of the series ``ids`` (see the module docstring for the order)."""
        columns = self.static_encoding_.columns
        return static_rows(columns, ids, frame, STATIC_OF_CALL.get(self), self.static_values_)
