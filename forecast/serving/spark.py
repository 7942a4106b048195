"""Batch forecasting on Apache Spark: the ``forecast batch`` engine for a cluster.

:func:`forecast_spark` forecasts every series of a Spark DataFrame in long format with an exported
SavedModel. Rows are shuffled so that every series lies whole in one partition, sorted by series
and time, and each partition streams through the very same code as the local engine
(:func:`forecast.serving.batch_engine.forecast_stream`) inside ``mapInArrow``: series are cut into
batches, validated, and forecast in one network call per batch. The SavedModel is shipped to the
executors with ``SparkContext.addFile`` and loaded once per Python worker, not once per series.

Before the shuffle, each series is cut to the rows the model reads (its last ``input_width``
steps, plus what the missing-value policy may fill), so the shuffle moves a fraction of the data.

``pyspark`` is an optional extra: ``pip install 'forecast[spark]'`` (Spark needs Java 17+).

Example (not run here: it starts Spark)::

    from pyspark.sql import SparkSession
    from forecast.spark import forecast_spark, split_errors

    spark = SparkSession.builder.getOrCreate()
    rows = spark.read.parquet("s3://bucket/series/")          # unique_id, ds, y
    result = forecast_spark(rows, "exported/lstm").persist()
    forecasts, errors = split_errors(result)
    forecasts.write.parquet("s3://bucket/forecasts/")
"""

from __future__ import annotations

import functools
import itertools
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa

from forecast.serving.batch_engine import DEFAULT_SERIES_PER_BATCH
from forecast.serving.batch_output import quantile_columns

if TYPE_CHECKING:  # pragma: no cover
    from pyspark.sql import DataFrame, SparkSession

#: The extra error column of :func:`forecast_spark`'s result.
ERROR_COLUMN = "error"

#: Rows per Arrow batch handed to the Python workers (``spark.sql.execution.arrow.
#: maxRecordsPerBatch``) in a session that ``forecast batch --engine spark`` starts itself;
#: Spark's default, 10,000, makes many small hand-offs.
ARROW_BATCH_ROWS = 200_000


def require_pyspark():
    """Import ``pyspark``, or raise an ``ImportError`` that says how to install it."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        raise ImportError(
            "the Spark engine needs pyspark: pip install 'forecast[spark]' (and Java 17+, "
            "e.g. apt-get install openjdk-17-jre-headless)"
        ) from None
    return pyspark


def forecast_spark(
    rows: DataFrame,
    model_path: str | os.PathLike,
    id_col: str = "unique_id",
    time_col: str = "ds",
    series_per_batch: int = DEFAULT_SERIES_PER_BATCH,
    num_partitions: int | None = None,
    future_grid: str = "grid",
    future: DataFrame | None = None,
) -> DataFrame:
    """Forecast every series of a long Spark DataFrame with an exported model.

    Args:
        rows: one row per series and timestamp, with the id, time, target and covariate
            columns the model was trained on (any row order).
        model_path: the exported SavedModel directory (a local path on the driver; it is
            shipped to the executors).
        id_col, time_col: the series id and time columns.
        series_per_batch: series per network call on an executor.
        num_partitions: partitions of the shuffle by series (default: the cluster's cores,
            ``defaultParallelism``, so each task forecasts many series per network call).
        future_grid: ``"grid"`` or ``"observed"``, as for
            :class:`~forecast.serving.batch_engine.BatchForecaster`.
        future: for a model exported with future covariates, their values at the forecast
            steps (the id, time and future covariate columns); default: they come in
            ``rows``, as the rows after each series' last observed target (see
            :mod:`forecast.serving.batch_future`).

    Returns:
        A DataFrame with the columns ``<id_col>, <time_col>, step, forecast, model, version``
        (the input's id and time column names, ``target`` after the id for several targets,
        a model exported with quantiles' ``forecast_q<level>`` columns after ``forecast``, see
        :mod:`forecast.serving.batch_output`; ``model`` the name the model was exported
        under) and ``error``: a series that cannot
        be forecast has one row with only its id, ``model``, ``version`` and the reason in
        ``error``. Use :func:`split_errors` to separate them, after ``persist()`` so that the
        model runs once.

    Raises:
        ImportError: pyspark is not installed.
        DataValidationError: a column the model needs is missing.
    """
    require_pyspark()
    from pyspark.sql import functions as F

    from forecast.serving.batch_engine import BatchForecaster
    from forecast.serving.export import load

    model_path = Path(model_path).resolve()
    model = load(model_path)  # validates the export on the driver and gives its metadata
    forecaster = BatchForecaster(model, id_col, time_col, series_per_batch, future_grid)
    forecaster.check_columns(rows.columns)
    spark = rows.sparkSession
    spark.sparkContext.addFile(str(model_path), recursive=True)

    rows = rows.select(*forecaster.input_columns)
    if future is not None:
        rows = with_future_rows(rows, future, model, forecaster.input_columns)
    rows = rows.withColumn(time_col, F.col(time_col).cast("timestamp_ntz"))
    rows = _keep_tails(rows, forecaster, model.input_schema.freq.freqstr)
    partitions = num_partitions or spark.sparkContext.defaultParallelism
    shuffled = rows.repartition(partitions, id_col)
    ordered = shuffled.sortWithinPartitions(id_col, time_col)

    id_type = rows.schema[id_col].dataType.simpleString()
    target_field = "target string, " if len(model.input_schema.target_columns) > 1 else ""
    quantiles = "".join(f"`{name}` float, " for name in quantile_columns(model.quantile_levels))
    schema = (
        f"`{id_col}` {id_type}, {target_field}`{time_col}` timestamp_ntz, step int, "
        f"forecast float, {quantiles}model string, version string, {ERROR_COLUMN} string"
    )
    partition = functools.partial(
        _forecast_partition,
        model_path.name,
        id_col,
        time_col,
        series_per_batch,
        future_grid,
    )
    return ordered.mapInArrow(partition, schema)


def split_errors(result: DataFrame) -> tuple[DataFrame, DataFrame]:
    """The forecasts and the failed series (``<id column>, reason``) of :func:`forecast_spark`
    (the id column is the result's first)."""
    from pyspark.sql import functions as F

    failed = F.col(ERROR_COLUMN).isNotNull()
    forecasts = result.filter(~failed).drop(ERROR_COLUMN)
    id_col = result.columns[0]
    errors = result.filter(failed).select(F.col(f"`{id_col}`"), F.col(ERROR_COLUMN).alias("reason"))
    return forecasts, errors


def forecast_file_spark(
    model_path: str | os.PathLike,
    input_path: str,
    output_path: str,
    id_col: str = "unique_id",
    time_col: str = "ds",
    errors_path: str | None = None,
    series_per_batch: int = DEFAULT_SERIES_PER_BATCH,
    spark: SparkSession | None = None,
    master: str | None = None,
    overwrite: bool = False,
    future_grid: str = "grid",
    future_path: str | None = None,
) -> tuple[int, int]:
    """``forecast batch --engine spark``: read a long CSV or Parquet input with Spark, forecast
    every series, write the forecasts as a Parquet directory and the failed series as CSV.

    Spark's output committer writes each directory completely or not at all (a ``_SUCCESS``
    marker is written last). The errors directory is written only when some series failed;
    with ``overwrite``, a job where none did removes the one an earlier job left there.

    Args:
        model_path, id_col, time_col, series_per_batch: as for :func:`forecast_spark`.
        input_path: a Parquet file or directory, or CSV (by extension; a header row).
        output_path: the forecasts' Parquet directory.
        errors_path: the failed series' CSV directory (default ``<output>.errors``), when
            some failed.
        spark: the session (default: the active one, e.g. under ``spark-submit``, or a new one).
        master: the master of a new session (default: Spark's, ``local[*]`` outside a cluster).
        overwrite: replace existing output.
        future_grid: ``"grid"`` or ``"observed"`` (see :func:`forecast_spark`).
        future_path: a CSV or Parquet file of the future covariates at the forecast steps
            (``future`` of :func:`forecast_spark`; default: in the input).

    Returns:
        ``(n_forecast, n_failed)`` series.
    """
    require_pyspark()
    from pyspark.sql import SparkSession
    from pyspark.sql import functions as F

    errors_path = errors_path or f"{str(output_path).rstrip('/')}.errors"
    for path in (output_path, errors_path):
        if not overwrite and "://" not in str(path) and Path(path).exists():
            raise FileExistsError(f"{path} exists; pass overwrite=True (--overwrite) to replace it")
    if spark is None:
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)  # local workers: this Python
        builder = SparkSession.builder.appName("forecast batch").config(
            "spark.sql.execution.arrow.maxRecordsPerBatch", ARROW_BATCH_ROWS
        )
        spark = (builder.master(master) if master else builder).getOrCreate()
    rows = _read(spark, input_path)
    future = None if future_path is None else _read(spark, future_path)
    result = forecast_spark(
        rows, model_path, id_col, time_col, series_per_batch, future_grid=future_grid, future=future
    ).persist()
    try:
        forecasts, errors = split_errors(result)
        mode = "overwrite" if overwrite else "errorifexists"
        counts = result.groupBy(F.col(ERROR_COLUMN).isNull().alias("ok")).count().collect()
        rows = {row["ok"]: row["count"] for row in counts}
        n_failed = rows.get(False, 0)
        forecasts.write.mode(mode).parquet(str(output_path))
        if n_failed:
            errors.coalesce(1).write.mode(mode).csv(str(errors_path), header=True)
        elif overwrite:  # nothing failed: an earlier job's errors would mislead
            _delete(spark, str(errors_path))
        from forecast.windowing.input_schema import InputSchema

        schema = InputSchema.from_metadata(load_metadata(model_path))
        n_forecast = rows.get(True, 0) // (schema.horizon * len(schema.target_columns))
    finally:
        result.unpersist()
    return n_forecast, n_failed


def _read(spark: SparkSession, path: str) -> DataFrame:
    """A CSV (by extension; a header row) or Parquet file or directory."""
    if str(path).lower().rstrip("/").endswith((".csv", ".csv.gz")):
        return spark.read.csv(str(path), header=True, inferSchema=True)
    return spark.read.parquet(str(path))


def with_future_rows(rows: DataFrame, future: DataFrame, model, columns: list[str]) -> DataFrame:
    """``rows`` and the rows of ``future`` (the forecast steps' future covariates, the other
    input columns null), the latter marked by
    :data:`~forecast.serving.batch_future.FUTURE_ROW_COLUMN`.

    Raises:
        ValueError: ``model`` reads no future covariates.
        DataValidationError: ``future`` lacks a column (naming it).
    """
    from pyspark.sql import functions as F

    from forecast.serving.batch_future import FUTURE_ROW_COLUMN, check_future_columns

    check_future_columns(model, future.columns, columns[:2], "the future DataFrame")
    given = set(columns[:2]) | set(model.input_schema.future_covariate_columns)
    types = {field.name: field.dataType for field in rows.schema.fields}
    future = future.select(
        *[(F.col(c) if c in given else F.lit(None)).cast(types[c]).alias(c) for c in columns]
    )
    marked = future.withColumn(FUTURE_ROW_COLUMN, F.lit(True))
    return rows.withColumn(FUTURE_ROW_COLUMN, F.lit(False)).unionByName(marked)


def _delete(spark: SparkSession, path: str) -> None:
    """Remove a file or directory, local or remote, through Spark's Hadoop file system."""
    jvm = spark.sparkContext._jvm
    hadoop_path = jvm.org.apache.hadoop.fs.Path(path)
    hadoop_path.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration()).delete(
        hadoop_path, True
    )


def load_metadata(model_path: str | os.PathLike) -> dict:
    """The export's metadata (``assets/forecast.json``), read and checked without TensorFlow."""
    from forecast.serving.export import read_metadata

    return read_metadata(model_path)


# --------------------------------------------------------------------------- executors


def _keep_tails(rows: DataFrame, forecaster, freq: str) -> DataFrame:
    """Drop the rows before each series' last ``keep_rows`` steps (fixed frequencies only;
    calendar frequencies such as months keep every row)."""
    import pandas as pd
    from pyspark.sql import functions as F

    from forecast.data.frequency import is_fixed

    offset = pd.tseries.frequencies.to_offset(freq)
    if not is_fixed(offset):
        return rows
    span_us = pd.Timedelta(offset).value // 1000 * forecaster.keep_rows
    last = rows.groupBy(forecaster.id_col).agg(F.max(forecaster.time_col).alias("_last"))
    time = forecaster.time_col
    return (
        rows.join(F.broadcast(last), forecaster.id_col)
        .filter(F.col(time) > F.col("_last") - F.expr(f"INTERVAL {span_us} MICROSECONDS"))
        .drop("_last")
    )


@functools.lru_cache(maxsize=4)
def _worker_forecaster(
    model_name: str, id_col: str, time_col: str, series_per_batch: int, future_grid: str
):
    """The model, loaded once per Python worker (workers are reused across tasks)."""
    from pyspark import SparkFiles

    from forecast.serving.batch_engine import BatchForecaster, use_compilation_cache
    from forecast.serving.export import load

    use_compilation_cache()
    model = load(SparkFiles.get(model_name))
    return BatchForecaster(model, id_col, time_col, series_per_batch, future_grid)


def _forecast_partition(
    model_name: str,
    id_col: str,
    time_col: str,
    series_per_batch: int,
    future_grid: str,
    batches: Iterator[pa.RecordBatch],
) -> Iterator[pa.RecordBatch]:
    from forecast.serving.batch_engine import forecast_stream

    forecaster = _worker_forecaster(model_name, id_col, time_col, series_per_batch, future_grid)
    batches = iter(batches)
    first = next(batches, None)
    if first is None:  # an empty partition
        return
    schema = _output_schema(first.schema.field(id_col).type, forecaster)
    for result in forecast_stream(forecaster, itertools.chain([first], batches), background=False):
        if len(result.forecasts):
            frame = result.forecasts.assign(**{ERROR_COLUMN: None}).reindex(columns=schema.names)
            yield pa.RecordBatch.from_pandas(frame, schema=schema, preserve_index=False)
        if result.errors:
            yield _error_rows(result.errors, schema, forecaster)


def _error_rows(errors: list[tuple], schema: pa.Schema, forecaster) -> pa.RecordBatch:
    """One row per failed series: its id, the reason, the model; the rest null."""
    n = len(errors)
    id_field = schema.field(forecaster.id_col)
    given = {
        id_field.name: pa.array([e[0] for e in errors], type=id_field.type),
        ERROR_COLUMN: pa.array([str(e[1]) for e in errors], type=pa.string()),
        "model": pa.array([forecaster.name] * n, type=pa.string()),
        "version": pa.array([forecaster.version] * n, type=pa.string()),
    }
    columns = [given.get(f.name, pa.nulls(n, type=f.type)) for f in schema]
    return pa.RecordBatch.from_arrays(columns, schema=schema)


def _output_schema(id_type: pa.DataType, forecaster) -> pa.Schema:
    """The Arrow schema of the rows: the batch engine's columns (its quantile columns
    included, see :mod:`forecast.serving.batch_output`) and ``error``."""
    types = {forecaster.id_col: id_type, forecaster.time_col: pa.timestamp("us")}
    types |= {"target": pa.string(), "step": pa.int32(), "model": pa.string()}
    types |= {"version": pa.string(), ERROR_COLUMN: pa.string()}
    columns = [*forecaster.output_columns, ERROR_COLUMN]
    return pa.schema([pa.field(name, types.get(name, pa.float32())) for name in columns])
