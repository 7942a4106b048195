"""Export a fitted forecaster as a TensorFlow SavedModel, and load it back without pickles.

The SavedModel's ``serving_default`` signature takes raw input windows and returns forecasts in
original units (all scaling is inside the graph)::

    past:     float32 [batch, input_width, n_inputs]   (targets, covariates, future
                                                        covariates, calendar)
    future:   float32 [batch, horizon, n_future]        (encoded future covariates, then
                                                        calendar; only when there are some)
    static, series_index                                (only with static covariates or a
                                                        series embedding: serving/static_serving.py)
    -> {"forecast": float32 [batch, horizon, n_targets]}

The ``future`` columns are the metadata's ``future_columns``: a model fitted with
``future_covariates`` (their names in ``future_covariate_columns``) reads their values at the
forecast steps there, numeric ones raw, categorical ones one-hot with the training categories,
as :mod:`forecast.windowing.future_frame` encodes them; ``forecast.load(path).predict(frame,
future=...)`` takes them as the estimator's ``predict`` does.

A quantile network's also returns ``quantiles`` ``float32 [batch, horizon, n_targets,
n_levels]`` (``forecast`` is its median), its levels in the metadata's ``quantile_levels``
(see :mod:`forecast.serving.loaded_quantiles`). So does a
:class:`~forecast.models.conformal.ConformalForecaster`'s: its inner model's forecast and its
calibrated levels, the calibration fixed as of the end of the fitted data (metadata
``"conformal"`` and ``"inner_model"``, see :mod:`forecast.models.conformal_export`).

Under the ``"fill"`` missing-value policy (the default), the graph first fills the NaN inputs
of every window from that window's own observations, with the very
:func:`~forecast.data.missing.fill_windows` training used (on ``keras.ops``), so a plain
TensorFlow server given windows with gaps forecasts as the estimator does; a window with an
input column never observed still gives NaN there (:meth:`ExportedForecaster.predict_arrays`
refuses it first). Under ``"ffill"`` and ``"drop"`` the graph fills nothing: those policies
read rows before the window, or refuse NaN, so NaN inputs are refused before the graph.

The signature is compiled with XLA (``jit_compile``): a recurrent network's step loop then runs
several times faster on the CPU than as separate TensorFlow ops (each new batch size compiles
once, on its first call). The graph refuses windows of another length or width (an
``InvalidArgumentError`` naming the expected shape), as plain TensorFlow does not check the
shapes of a loaded signature's arguments.

Beside the graph, ``assets/forecast.json`` records what the windows hold (column roles and
order, input width, horizon, frequency, calendar features, categories, versions, the training
data range and metrics), so :func:`load` can cut windows from a frame exactly as in training,
and the fit record (key ``"fit"``, :mod:`forecast.serving.fit_record`): which fit the model is
(``refit`` on all the data, ``backtest``, ``fit``) and the span, rows and epochs it learned from
(``forecast.load(path).fit_record``).

Example:
    >>> import tempfile, forecast
    >>> frame = forecast.load_dataset("electricity_hourly").iloc[-1000:]
    >>> model = forecast.SeasonalNaive(input_width=48, horizon=24).fit(frame)
    >>> folder = tempfile.mkdtemp()
    >>> path = model.export(folder + "/seasonal_naive")
    >>> loaded = forecast.load(path)
    >>> bool((loaded.predict(frame) == model.predict(frame)).all().all())
    True
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from forecast._files import (
    move_directory_into_place,
    remove_stale_temporaries,
    temporary_directory_beside,
)
from forecast._version import __version__
from forecast.data.observed_times import check_future_grid
from forecast.data.validated import require_frame
from forecast.errors import DataValidationError
from forecast.serving.array_checks import check_finite as _check_finite
from forecast.serving.fit_record import FitRecord
from forecast.serving.loaded_long import LoadedPredict
from forecast.serving.loaded_quantiles import LoadedQuantiles
from forecast.serving.metadata_file import (
    FORMAT_VERSION,
    METADATA_FILE,
    check_saved_model_files,
    read_metadata,
)
from forecast.serving.signature_parts import (
    check_future_array,
    filled_graph,
    keras_model_of,
    signature_inputs,
    signature_outputs,
)
from forecast.serving.static_serving import loaded_series_inputs, series_arguments, series_signature
from forecast.windowing.future_frame import future_of_series, require_future
from forecast.windowing.input_schema import InputSchema, jsonable
from forecast.windowing.series_errors import (
    check_errors_mode,
    latest_windows_skipping,
)


def export_forecaster(
    forecaster,
    path: str | os.PathLike,
    overwrite: bool = False,
    metrics: dict | None = None,
    fit_record: FitRecord | None = None,
    name: str | None = None,
) -> Path:
    """Write ``forecaster`` as a SavedModel directory at ``path`` (see the module docstring).

    The directory is written under a temporary name beside ``path`` and renamed into place, so
    an interrupted export never leaves a half-written model that looks complete.

    Args:
        forecaster: a fitted forecaster.
        path: the directory to create.
        overwrite: replace an existing directory at ``path``.
        metrics: evaluation metrics to record in the metadata.
        fit_record: what the model learned from; default :meth:`FitRecord.of` the forecaster
            (a refit after ``refit_full``, else a plain fit).
        name: the model's name (metadata key ``"name"``, e.g. a run's ``LSTM``), written by
            ``forecast batch`` in its ``model`` column; default the class name.

    Returns:
        The path written.

    Raises:
        FileExistsError: ``path`` exists and ``overwrite`` is false.
    """
    import tensorflow as tf

    started = time.time()
    forecaster._check_fitted()
    target = Path(path)
    if target.exists() and not overwrite:
        raise FileExistsError(f"{target} exists; pass overwrite=True to replace it")
    target.parent.mkdir(parents=True, exist_ok=True)
    metadata = _metadata(forecaster, metrics, fit_record or FitRecord.of(forecaster), name)
    past_spec = tf.TensorSpec(
        [None, metadata["input_width"], len(metadata["input_columns"])], tf.float32, name="past"
    )
    future_spec = tf.TensorSpec(
        [None, metadata["horizon"], len(metadata["future_columns"])], tf.float32, name="future"
    )
    module = tf.Module()
    forecast_graph = filled_graph(forecaster._serving_function(), forecaster.input_schema_.missing)
    keras_model = keras_model_of(forecaster)
    if keras_model is not None:
        module.model = keras_model  # tracks the weights
    # A loaded signature does not check the shapes of the tensors it is given: ``ensure_shape``
    # makes the graph refuse windows of another length or width (it would read them).
    if metadata["future_columns"]:

        @tf.function(input_signature=[past_spec, future_spec], jit_compile=True)
        def serve(past, future):
            past = tf.ensure_shape(past, past_spec.shape)
            future = tf.ensure_shape(future, future_spec.shape)
            return signature_outputs(forecast_graph(past, future))
    else:

        @tf.function(input_signature=[past_spec], jit_compile=True)
        def serve(past):
            past = tf.ensure_shape(past, past_spec.shape)
            return signature_outputs(forecast_graph(past, None))

    serve = series_signature(forecaster, metadata, past_spec, future_spec) or serve
    module.serve = serve

    remove_stale_temporaries(target, started)  # left by an export that was killed
    temporary = temporary_directory_beside(target)
    try:
        tf.saved_model.save(module, str(temporary), signatures={"serving_default": serve})
        assets = temporary / "assets"
        assets.mkdir(exist_ok=True)
        (assets / METADATA_FILE).write_text(json.dumps(metadata, indent=2))
        move_directory_into_place(temporary, target)
    finally:
        shutil.rmtree(temporary, ignore_errors=True)
    return target


def load(path: str | os.PathLike) -> ExportedForecaster:
    """Load an exported forecaster: a predictor with the estimator's ``predict(frame)``.

    Only TensorFlow, pandas and NumPy are used to serve it; nothing is unpickled.
    """
    return ExportedForecaster(path)


class ExportedForecaster(LoadedPredict, LoadedQuantiles):
    """A forecaster loaded from a SavedModel written by ``export``.

    Attributes:
        metadata: the export's metadata (column roles, input width, horizon, frequency, ...).
        path: where it was loaded from, as given.
        source: the directory read (``path`` with symlinks resolved when it was loaded).
    """

    def __init__(self, path: str | os.PathLike):
        import tensorflow as tf

        self.path = Path(path)
        # Read every file from the one directory ``path`` names now: a published ``current``
        # link switched meanwhile cannot pair one version's metadata with another's graph.
        self.source = self.path.resolve()
        self.metadata = read_metadata(self.source)
        self.input_schema = InputSchema.from_metadata(
            self.metadata, source=str(self.source / "assets" / METADATA_FILE)
        )
        check_saved_model_files(self.source)
        try:
            self._loaded = tf.saved_model.load(str(self.source))
            self._signature = self._loaded.signatures["serving_default"]
        except Exception as exc:  # whatever TensorFlow raises on a damaged graph or weights
            first_line = (str(exc).strip().splitlines() or [""])[0]
            raise ValueError(
                f"{self.source / 'saved_model.pb'}: not a loadable SavedModel, the model cannot "
                f"be loaded ({type(exc).__name__}: {first_line}); the export is damaged: export "
                "it again"
            ) from None
        self._freq = self.input_schema.freq

    @property
    def name(self) -> str:
        """The name it was exported under (e.g. a run's ``LSTM``), else its class name."""
        return self.metadata.get("name") or self.metadata["model"]

    @property
    def input_width(self) -> int:
        return self.input_schema.input_width

    @property
    def horizon(self) -> int:
        return self.input_schema.horizon

    def predict_arrays(
        self, past, future=None, output: str | None = "forecast", static=None, series_index=None
    ) -> Any:
        """Forecasts ``(batch, horizon, n_targets)`` from raw windows (``output="quantiles"``:
        a quantile model's ``(batch, horizon, n_targets, n_levels)``; ``output=None``: a dict
        of every output of the signature, from one call).

        Args:
            past: ``(batch, input_width, n_inputs)`` raw inputs, columns as in
                ``metadata["input_columns"]``.
            future: ``(batch, horizon, n_future)`` known-future inputs of the forecast steps,
                columns as in ``metadata["future_columns"]`` (the encoded future covariates,
                then the calendar features), when the model has any.
            static, series_index: with static covariates or a series embedding, see
                :mod:`forecast.serving.static_serving`.

        Under the ``"fill"`` policy, NaN inputs are filled within their windows (by the graph);
        a window with an input column that is NaN throughout is refused.

        Raises:
            ValueError: an array of the wrong shape, a missing ``future``, an inf in ``past``
                or ``future``, or a NaN the missing-value policy does not fill (named by its
                column, window and step).
        """
        import tensorflow as tf

        past = np.asarray(past, dtype=np.float32)
        schema = self.input_schema
        expected = (self.input_width, len(schema.input_columns))
        if past.ndim != 3 or past.shape[1:] != expected:
            raise ValueError(
                f"past must be (batch, {expected[0]}, {expected[1]}) for input columns "
                f"{list(schema.input_columns)}, got shape {past.shape}"
            )
        fills = schema.missing.fills_windows
        _check_finite("past", past, "input", schema.input_columns, fills)
        arguments = {"past": tf.constant(past)}
        if schema.future_columns:
            arguments["future"] = tf.constant(check_future_array(future, schema, past.shape[0]))
        arguments.update(series_arguments(schema.static, len(past), static, series_index))
        outputs = self._signature(**arguments)
        if output is None:
            return {name: value.numpy() for name, value in outputs.items()}
        return outputs[output].numpy()

    def latest_windows(
        self, frame: pd.DataFrame, future_grid: str = "grid", future: pd.DataFrame | None = None
    ):
        """The validated inputs of the next forecast of every series of ``frame``.

        Windows are cut exactly as in training (the metadata's columns, categories and
        missing-value policy); the frame's frequency must be the model's. ``future_grid``
        and ``future``: as for :meth:`predict`.

        Returns:
            A :class:`~forecast.windowing.latest.LatestWindows`.

        Raises:
            DataValidationError: a missing column, too few rows, a timestamp off the model's
                frequency, or a NaN input the missing-value policy cannot fill.
        """
        try:
            latest = self.input_schema.latest_windows(frame, future_grid=future_grid, future=future)
        except DataValidationError as exc:
            self._check_frequency(frame, exc)
            raise
        return loaded_series_inputs(self, latest, frame)

    def _check_frequency(self, frame: pd.DataFrame, error: DataValidationError) -> None:
        """Raise a clearer error if the series at fault (or the frame) has another frequency:
        on the model's grid its rows would only look like gaps or off-grid timestamps."""
        from forecast.data.layout import describe_layout

        part = frame
        if isinstance(frame.index, pd.MultiIndex):
            if error.series is None:
                return
            part = frame.loc[[error.series]]
        try:
            own = describe_layout(part).freq
        except DataValidationError:
            return
        if own != self._freq:
            what = "the series'" if error.series is not None else "the frame's"
            raise DataValidationError(
                f"{what} frequency {own.freqstr} differs from the model's {self._freq.freqstr}",
                advice="resample it first",
                series=error.series,
            ) from error

    @property
    def fit_record(self) -> FitRecord | None:
        """What the model learned from (see :mod:`forecast.serving.fit_record`); ``None`` for
        an export written before fit records were kept.

        Raises:
            ValueError: the metadata's record is damaged (naming the file).
        """
        record = self.metadata.get("fit")
        if record is None:
            return None
        return FitRecord.from_dict(record, source=f"{self.source / 'assets' / METADATA_FILE}: fit")

    @property
    def columns(self) -> list[str]:
        """The frame columns the model reads: its targets, then its covariates."""
        return list(self.input_schema.columns)

    def _latest_for(
        self,
        frame: pd.DataFrame,
        extra_columns: str,
        errors: str,
        future_grid: str = "grid",
        future: pd.DataFrame | None = None,
    ) -> tuple:
        """``frame``'s latest windows (``None``: every series skipped) and skipped series."""
        schema = self.input_schema
        future = require_future(future, schema.future_covariate_columns, schema.horizon, self.name)
        if extra_columns not in ("error", "ignore"):
            raise ValueError(f"extra_columns must be 'error' or 'ignore', got {extra_columns!r}")
        check_errors_mode(errors)
        check_future_grid(future_grid)
        require_frame(frame, self.columns, arrays="predict_arrays")
        self._check_columns(frame, extra_columns)
        read = functools.partial(self.latest_windows, future_grid=future_grid)
        if errors == "raise":
            return read(frame, future=future), {}
        return latest_windows_skipping(
            lambda part: read(part, future=future_of_series(future, part)), frame
        )

    def _predict_latest(self, latest, output: str) -> np.ndarray:
        """The signature's ``output`` for the latest windows."""
        inputs = latest.inputs if isinstance(latest.inputs, dict) else {"past": latest.inputs}
        return self.predict_arrays(
            inputs["past"], inputs.get("future"), output,
            inputs.get("static"), inputs.get("series_index"),
        )  # fmt: skip

    def _check_columns(self, frame: pd.DataFrame, extra_columns: str) -> None:
        """Raise a DataValidationError naming the columns the model reads if ``frame`` lacks
        one, or (``extra_columns="error"``) holds others."""
        reads = self.columns
        missing = [column for column in reads if column not in frame.columns]
        if missing:
            raise DataValidationError(
                f"the frame lacks column(s) {missing} this model reads (it reads {reads}; "
                f"the frame has {list(frame.columns)})",
                column=missing[0],
            )
        static = () if self.input_schema.static is None else self.input_schema.static.columns
        extra = [column for column in frame.columns if column not in (*reads, *static)]
        if extra and extra_columns == "error":
            raise DataValidationError(
                f"the frame has column(s) {extra} this model does not read (it reads {reads}); "
                "select them with frame[model.columns] or pass extra_columns='ignore'"
            )

    def __repr__(self) -> str:
        return f"ExportedForecaster({self.name}, path={str(self.path)!r})"


def _metadata(
    forecaster, metrics: dict | None, fit_record: FitRecord, name: str | None = None
) -> dict[str, Any]:
    import tensorflow as tf

    start, end = forecaster.training_range_
    schema = forecaster.input_schema_
    if name is not None and (not isinstance(name, str) or not name.strip()):
        raise ValueError(f"name must be a non-empty string, got {name!r}")
    levels = getattr(forecaster, "quantile_levels_", None)
    quantiles = {} if levels is None else {"quantile_levels": [float(q) for q in levels]}
    extra = forecaster._export_metadata() if hasattr(forecaster, "_export_metadata") else {}
    return {
        "format_version": FORMAT_VERSION,
        "model": type(forecaster).__name__,
        "name": name or type(forecaster).__name__,
        "params": {k: jsonable(v) for k, v in forecaster.get_params().items()},
        **schema.to_metadata(),
        "season_length": int(forecaster.season_length_),
        "training_range": [str(start), str(end)],
        "fit": fit_record.to_dict(),
        "metrics": None if metrics is None else {k: float(v) for k, v in metrics.items()},
        "versions": {"forecast": __version__, "tensorflow": tf.__version__},
        "signature": {
            "name": "serving_default",
            "inputs": signature_inputs(schema),
            "outputs": ["forecast"] if levels is None else ["forecast", "quantiles"],
        },
        **quantiles,
        **extra,
    }
