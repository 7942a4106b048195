"""Forecast batches of series with an exported model: the engine under ``forecast batch``.

Whatever brings the rows (a Parquet or CSV reader on one machine, Spark's ``mapInArrow`` on a
cluster), the work is the same: chunks of long-format rows, grouped by series, go through a
:class:`~forecast.serving.series_stream.SeriesStream` that keeps each series' last rows; each batch of
series is validated and windowed (:meth:`BatchForecaster.prepare`), a series that cannot be
forecast is set aside with its reason, and the rest go through the SavedModel's serving
function in one call (:meth:`BatchForecaster.predict`). :func:`forecast_stream` chains these,
preparing the next batch in a background thread while the network runs.

Example:
    >>> import numpy as np, pandas as pd, pyarrow as pa, tempfile, forecast
    >>> long = pd.DataFrame({"store": np.repeat(["a", "b", "short"], [72, 72, 10]),
    ...                      "ds": pd.date_range("2024-01-01", periods=72, freq="h")[
    ...                          np.r_[0:72, 0:72, 0:10]],
    ...                      "y": np.arange(154.0)})
    >>> model = forecast.Naive(input_width=48, horizon=3).fit(
    ...     forecast.from_long(long[:144], id_col="store"))
    >>> path = model.export(tempfile.mkdtemp() + "/m", name="last value")
    >>> batcher = BatchForecaster(forecast.load(path), id_col="store")
    >>> chunks = pa.Table.from_pandas(long).to_batches(max_chunksize=50)
    >>> results = list(forecast_stream(batcher, chunks))
    >>> results[0].forecasts[["store", "step", "forecast", "model"]].values.tolist()[-2:]
    [['b', 2, 143.0, 'last value'], ['b', 3, 143.0, 'last value']]
    >>> results[0].errors[0]
    ('short', 'series has 10 rows, fewer than one window needs (input_width 48) (at 2024-01-01 00:00:00)')
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from forecast.data.observed_times import check_future_grid
from forecast.errors import DataValidationError
from forecast.serving.background import Background, timed
from forecast.serving.batch_future import FUTURE_ROW_COLUMN, FutureRows, windows_of_batch
from forecast.serving.batch_output import forecast_rows, output_columns, quantile_columns
from forecast.serving.batch_reasons import batch_reason
from forecast.serving.batch_static import (
    SERIES_INPUTS,
    input_static_columns,
    static_columns,
    warm_up_arrays,
)
from forecast.serving.series_stream import SeriesStream

#: Series forecast per network call; batches are padded to a few sizes (see ``_padded_size``) so
#: that the compiled serving function is reused.
DEFAULT_SERIES_PER_BATCH = 2048

#: Columns of the forecasts after the input's id and time columns (and ``target`` between them
#: for several targets): see :meth:`BatchForecaster.output_columns`.
VALUE_COLUMNS = ("step", "forecast", "model", "version")
#: Names the id and time columns cannot have: the output's own columns, the errors file's
#: ``reason`` and Spark's ``error``.
RESERVED_NAMES = ("target", *VALUE_COLUMNS, "reason", "error")


@dataclass
class PreparedBatch:
    """A batch of series ready for the network.

    Attributes:
        latest: their validated input windows (``None`` if every series failed).
        errors: ``(series_id, reason)`` of the series that cannot be forecast.
        n_series: series in the batch, failed ones included.
    """

    latest: Any
    errors: list[tuple]
    n_series: int


@dataclass
class BatchForecasts:
    """The forecasts of one batch (long frame, :meth:`BatchForecaster.output_columns`), its
    failed series, and how many NaN input values the missing-value policy filled for them."""

    forecasts: pd.DataFrame
    errors: list[tuple]
    n_series: int
    filled_inputs: int = 0
    unobserved_steps: int = 0


class BatchForecaster:
    """Forecast batches of series' tails with an exported model.

    Args:
        model: an :class:`~forecast.serving.export.ExportedForecaster` (``forecast.load(path)``).
        id_col, time_col: the series id and time columns of the input rows; the forecasts
            keep these names.
        series_per_batch: series per network call.
        future_grid: ``"grid"`` (default): the forecast steps continue each series' grid,
            closed hours included (counted in ``unobserved_steps``); ``"observed"``: each
            forecast starts at the next time of day (or week) the training data had values at
            (see :func:`~forecast.windowing.latest.latest_windows`).
        future_rows: for a model with future covariates, the rows of a ``--future`` file;
            ``None``: the forecast steps' rows come with the input's (see
            :mod:`forecast.serving.batch_future`).

    Attributes:
        static_in_input: the static covariates read from the input (all of the model's when
            the input has them, see :meth:`check_columns`; ``()``: the export's training
            values are read, see :mod:`forecast.serving.batch_static`).
        name: the model's name, written in the forecasts' ``model`` column: the name it was
            exported under (a run's model name, e.g. ``LSTM``), else its class name.
        seconds: time spent so far in ``compile`` (the serving function's first call),
            ``windows`` (validation and windowing) and ``network``.

    Raises:
        ValueError: the id and time columns are one column, or one of them has the name of a
            column the job writes (:data:`RESERVED_NAMES`).
    """

    def __init__(
        self,
        model,
        id_col: str = "unique_id",
        time_col: str = "ds",
        series_per_batch: int = DEFAULT_SERIES_PER_BATCH,
        future_grid: str = "grid",
        future_rows: FutureRows | None = None,
    ) -> None:
        if series_per_batch < 1:
            raise ValueError(f"series_per_batch must be >= 1, got {series_per_batch}")
        _check_names(id_col, time_col, quantile_columns(model.quantile_levels))
        check_future_grid(future_grid)
        if future_grid == "observed" and model.input_schema.observed_times is None:
            raise ValueError(
                "future_grid='observed' (--future-grid observed) needs the times of day the "
                "training data had values "
                "at, and this model recorded none (exported before they were recorded, or its "
                "grid is not one the time of day or week describes): export it again"
            )
        self.future_grid = future_grid
        self.future_rows = future_rows
        self.model = model
        self.id_col = id_col
        self.time_col = time_col
        self.series_per_batch = series_per_batch
        self.schema = model.input_schema
        self.columns = self.schema.columns
        self.name = model.name
        self.quantile_levels = model.quantile_levels
        self.version = model.metadata["versions"]["forecast"]
        self.seconds = {"compile": 0.0, "windows": 0.0, "network": 0.0}
        self.static_in_input: tuple[str, ...] = ()

    @property
    def numeric_columns(self) -> list[str]:
        """The targets and the covariates that are not categorical (and the numeric static
        covariates read from the input)."""
        categories = {**self.schema.categories, **self._static_categories}
        columns = [*self.columns, *self.static_in_input]
        return [column for column in columns if column not in categories]

    @property
    def _static_categories(self) -> dict:
        return {} if self.schema.static is None else dict(self.schema.static.categories)

    @property
    def output_columns(self) -> list[str]:
        """The forecasts' columns: the input's id and time columns (``target`` between them
        for several targets), then :data:`VALUE_COLUMNS` with a model's quantile columns after
        ``forecast`` (see :mod:`forecast.serving.batch_output`)."""
        n_targets = len(self.schema.target_columns)
        return output_columns(self.id_col, self.time_col, n_targets, self.quantile_levels)

    @property
    def input_columns(self) -> list[str]:
        """The columns read from the input: id, time, targets and covariates (and the static
        covariates, when :meth:`check_columns` found them in the input)."""
        return [self.id_col, self.time_col, *self.columns, *self.static_in_input]

    @property
    def keep_rows(self) -> int:
        """Rows each series needs: the input window, what the missing-value policy may fill,
        and the forecast steps' rows when they come with the input's."""
        missing = self.schema.missing
        extra = int(missing.limit) if missing.inputs == "ffill" else 0
        steps = self.model.horizon if self.future_in_stream else 0
        return self.model.input_width + extra + steps

    @property
    def future_in_stream(self) -> bool:
        """Whether the future covariates of the forecast steps come in the input's rows."""
        return bool(self.schema.future_covariate_columns) and self.future_rows is None

    def stream(self) -> SeriesStream:
        """A :class:`SeriesStream` that cuts input chunks into this forecaster's batches."""
        return SeriesStream(
            self.id_col, self.keep_rows, self.series_per_batch, time_col=self.time_col
        )

    def check_columns(self, names: Iterable[str]) -> None:
        """Raise :class:`DataValidationError` if the input lacks a column the model needs;
        note whether it holds the static covariates (:attr:`static_in_input`).

        Raises:
            DataValidationError: a missing column, or some static covariates only.
        """
        names = set(names)
        self.static_in_input = ()
        for column in self.input_columns:
            if column not in names:
                raise DataValidationError(
                    f"the input has no column {column!r}; the model needs the series id "
                    f"({self.id_col!r}), time ({self.time_col!r}) and input columns "
                    f"{list(self.columns)} (got {sorted(names)})",
                    column=column,
                )
        self.static_in_input = input_static_columns(self.schema.static, names)

    def warm_up(self) -> None:
        """Compile the serving function for the batch shape (once per process)."""
        start = time.perf_counter()
        schema = self.schema
        past = np.zeros(
            (self.series_per_batch, schema.input_width, len(schema.input_columns)), np.float32
        )
        future = None
        if schema.future_columns:
            future = np.zeros(
                (self.series_per_batch, schema.horizon, len(schema.future_columns)), np.float32
            )
        arrays = warm_up_arrays(schema.static, self.series_per_batch)
        self.model.predict_arrays(past, future, **arrays)
        self.seconds["compile"] += time.perf_counter() - start

    def prepare(self, tails: pa.Table) -> PreparedBatch:
        """Validate and window a table of series' tails (rows grouped by series).

        A validation error names its series, which is set aside and the rest retried; an
        error that names no series splits the batch in halves until it does.
        """
        start = time.perf_counter()
        panel = self._panel(tails)
        n_series = len(panel.index.levels[0])
        valid, errors = windows_of_batch(
            self.model, panel, self.future_rows, self.future_grid, self.reason
        )
        self.seconds["windows"] += time.perf_counter() - start
        return PreparedBatch(_concat_latest(valid) if valid else None, errors, n_series)

    def reason(self, error: DataValidationError) -> str:
        """Why a series cannot be forecast, for the errors file (see
        :func:`~forecast.serving.batch_reasons.batch_reason`)."""
        return batch_reason(error, rows_read=self.keep_rows)

    def predict(self, batch: PreparedBatch) -> BatchForecasts:
        """Run the network on a prepared batch; the forecasts as a long frame."""
        if batch.latest is None:
            return BatchForecasts(self._frame(None, None), batch.errors, batch.n_series)
        start = time.perf_counter()
        inputs = batch.latest.inputs
        inputs = inputs if isinstance(inputs, dict) else {"past": inputs}
        past, future = inputs["past"], inputs.get("future")
        n = past.shape[0]
        size = _padded_size(n, self.series_per_batch)
        padded_future = None if future is None else _pad(future, size)
        arrays = {name: _pad(inputs[name], size) for name in SERIES_INPUTS if name in inputs}
        outputs = self.model.predict_arrays(_pad(past, size), padded_future, None, **arrays)
        self.seconds["network"] += time.perf_counter() - start
        quantiles = outputs["quantiles"][:n] if self.quantile_levels else None
        frame = self._frame(batch.latest.index, outputs["forecast"][:n], quantiles)
        latest = batch.latest
        return BatchForecasts(
            frame, batch.errors, batch.n_series, latest.filled_inputs, latest.unobserved_steps
        )

    def _panel(self, tails: pa.Table) -> pd.DataFrame:
        """The tails as a ``(series_id, timestamp)`` panel, in the table's row order.

        The index is built from Arrow's dictionary encoding rather than sorted: the rows are
        already grouped by series, and rows out of time order are reported by validation.
        """
        levels, codes = [], []
        for name in (self.id_col, self.time_col):
            encoded = tails.column(name).combine_chunks().dictionary_encode()
            codes.append(encoded.indices.to_numpy(zero_copy_only=False))
            levels.append(pd.Index(encoded.dictionary.to_pandas(), name=name))
        if not isinstance(levels[1], pd.DatetimeIndex):
            try:
                levels[1] = pd.DatetimeIndex(pd.to_datetime(levels[1]), name=self.time_col)
            except (ValueError, TypeError) as exc:
                raise DataValidationError(
                    f"cannot read the timestamps: {exc}", column=self.time_col
                ) from None
        index = pd.MultiIndex(levels=levels, codes=codes, verify_integrity=False)
        optional = (*static_columns(self.schema.static), FUTURE_ROW_COLUMN)
        names = [*self.columns, *[c for c in optional if c in tails.column_names]]
        return pd.DataFrame({name: tails.column(name).to_numpy() for name in names}, index=index)

    def _frame(self, index, values, quantiles=None) -> pd.DataFrame:
        return forecast_rows(
            index,
            values,
            quantiles,
            columns=self.output_columns,
            targets=self.schema.target_columns,
            levels=self.quantile_levels,
            labels=(self.name, self.version),
        )


def forecast_stream(
    forecaster: BatchForecaster,
    chunks: Iterable[pa.RecordBatch | pa.Table],
    background: bool = True,
    seconds: dict | None = None,
) -> Iterator[BatchForecasts]:
    """Forecast every series of a stream of long-format chunks (rows grouped by series).

    Args:
        forecaster: the :class:`BatchForecaster`.
        chunks: Arrow record batches or tables holding :attr:`BatchForecaster.input_columns`.
        background: read and window the next batch in a thread while the network runs
            (and compile the serving function while the first batch is read).
        seconds: if given, ``seconds["read"]`` accumulates the time spent reading chunks and
            cutting them into batches.

    Yields:
        One :class:`BatchForecasts` per batch of series. Its ``errors`` also hold the series
        the stream set aside (see :class:`~forecast.serving.series_stream.SeriesStream`), and
        rows skipped for an empty series id (with the id ``None``), each counted in
        ``n_series``.
    """
    timing = seconds if seconds is not None else {}
    timing.setdefault("read", 0.0)
    prepared = _prepared(forecaster, chunks, timing)
    if not background:
        for batch in prepared:
            yield forecaster.predict(batch)
        return
    with Background(prepared) as ready:
        forecaster.warm_up()
        for batch in ready:
            yield forecaster.predict(batch)


def _prepared(
    forecaster: BatchForecaster, chunks: Iterable[pa.RecordBatch | pa.Table], timing: dict
) -> Iterator[PreparedBatch]:
    """The stream's batches, prepared; the series the stream set aside (out of time order, a
    cell that cannot be read, ...) join the errors of the batch after them, or of a last batch
    of no series."""
    stream = forecaster.stream()
    for tails in timed(stream.batches(chunks), timing):
        batch = forecaster.prepare(tails)
        set_aside = stream.take_errors()
        yield PreparedBatch(batch.latest, set_aside + batch.errors, batch.n_series + len(set_aside))
    set_aside = stream.take_errors()
    if set_aside:
        yield PreparedBatch(None, set_aside, len(set_aside))


def use_compilation_cache(directory: str | os.PathLike | None = None) -> Path | None:
    """Keep XLA's compiled serving functions on disk, so a repeated job skips compiling.

    The exported serving function is compiled with XLA on its first call in each process
    (a second or more on a CPU); with this cache the next process loads it in a fraction of
    that. Call it before TensorFlow is first used; ``TF_XLA_FLAGS`` set by the user wins.

    Args:
        directory: where to keep the cache (default ``$XDG_CACHE_HOME/forecast/xla`` or
            ``~/.cache/forecast/xla``).

    Returns:
        The cache directory, or ``None`` when it is not used (flags set by the user, or the
        directory cannot be created).
    """
    flags = os.environ.get("TF_XLA_FLAGS", "")
    if "tf_xla_persistent_cache_directory" in flags:
        return None
    if directory is None:
        directory = (
            Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "forecast" / "xla"
        )
    directory = Path(directory)
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    os.environ["TF_XLA_FLAGS"] = f"{flags} --tf_xla_persistent_cache_directory={directory}".strip()
    return directory


def _check_names(id_col: str, time_col: str, quantiles: list[str]) -> None:
    """Refuse id and time columns that are one column, or named as a column the job writes
    (the model's ``quantiles`` columns too)."""
    if id_col == time_col:
        raise ValueError(f"the id and time columns must differ, both are {id_col!r}")
    reserved = (*RESERVED_NAMES, *quantiles)
    for role, name in (("id", id_col), ("time", time_col)):
        if name in reserved:
            raise ValueError(
                f"the {role} column is named {name!r}, as a column of the forecasts or errors "
                f"({', '.join(reserved)}); rename it in the input (and pass the new name)"
            )


def _padded_size(n: int, series_per_batch: int) -> int:
    """Batches are padded to a few sizes, so the serving function compiles a few times at most:
    the full batch size, or for a batch under half of it, the next power of two (at least 64).

    Example:
        >>> [_padded_size(n, 2048) for n in (2048, 1500, 1000, 3, 100)]
        [2048, 2048, 1024, 64, 128]
    """
    if n > series_per_batch // 2:
        return -(-n // series_per_batch) * series_per_batch
    return max(64, 1 << (n - 1).bit_length())


def _pad(array: np.ndarray, size: int) -> np.ndarray:
    if array.shape[0] == size:
        return array
    padded = np.zeros((size,) + array.shape[1:], dtype=array.dtype)
    padded[: array.shape[0]] = array
    return padded


def _concat_latest(parts: list):
    if len(parts) == 1:
        return parts[0]
    first = parts[0]
    index = first.index.append([p.index for p in parts[1:]])
    if isinstance(first.inputs, dict):
        inputs = {k: np.concatenate([p.inputs[k] for p in parts]) for k in first.inputs}
    else:
        inputs = np.concatenate([p.inputs for p in parts])
    return type(first)(
        inputs=inputs,
        index=index,
        layout=first.layout,
        input_columns=first.input_columns,
        filled_inputs=sum(p.filled_inputs for p in parts),
        unobserved_steps=sum(p.unobserved_steps for p in parts),
        observed_times=first.observed_times,
    )
