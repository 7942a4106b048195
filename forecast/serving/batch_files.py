"""Batch forecasting: every series of a long CSV or Parquet file, with an exported model.

:func:`forecast_file` streams the input in chunks of rows (pyarrow), keeps only the last rows
each series needs, forecasts the series in batches through the SavedModel's serving function,
and writes a long output file::

    <id column>, <time column>, step, forecast, model, version  (``target`` after the id column
                                                                 for several targets)

and, for a model exported with quantiles, ``forecast_q<level>`` columns after ``forecast``
(:mod:`forecast.serving.batch_output`).

The id and time columns keep the input's names; ``model`` is the name the model was exported
under (a run's model name, e.g. ``LSTM``; its class name for an export made by hand without
one). A CSV's timestamps are written to the second (``2024-01-04 00:00:00``; sub-second
digits only for a timestamp that has them).

Memory is bounded by the chunk and batch sizes, not by the number of series in the file. A series
that cannot be forecast (too short, an input column never observed in its last window, off the
model's frequency, a timestamp out of time order anywhere in it, a cell that is not a number, ...)
is written to an errors file with the reason (:mod:`forecast.serving.batch_reasons`), and the
job goes on; so is a run of rows whose series id is empty (skipped). The errors file is written
only when something failed; a job where nothing did removes the one an earlier job left there. A CSV's value and time columns are read as text and parsed chunk by chunk
(:mod:`forecast.serving.text_columns`), so one bad cell fails its series, not the job.

A model exported with future covariates reads their values at the forecast steps from the
input's rows after each series' last observed target, or from a ``future_path`` file
(``--future``); see :mod:`forecast.serving.batch_future`.

The input's rows must be grouped by series (all rows of a series together, in time order), as a
file sorted by series id and timestamp is; a series whose rows are apart stops the job.

Both files are written under temporary names (:func:`forecast._files.atomic_files`) and renamed
when complete, the forecasts last; a job that fails or is killed leaves the previous files as
they were, and the next job removes the temporaries a killed one left. A file is never both read
and written: an output or errors file that is the input (or the errors file that is the output),
under any name, is refused before anything is read.

Example:
    >>> import tempfile, numpy as np, pandas as pd, forecast
    >>> folder = tempfile.mkdtemp()
    >>> long = pd.DataFrame({"unique_id": np.repeat(["a", "b", "c"], 72),
    ...                      "ds": np.tile(pd.date_range("2024-01-01", periods=72, freq="h"), 3),
    ...                      "y": np.arange(216.0)})
    >>> long.to_parquet(folder + "/series.parquet")
    >>> model = forecast.SeasonalNaive(input_width=48, horizon=24).fit(forecast.from_long(long))
    >>> path = model.export(folder + "/model")
    >>> summary = forecast_file(path, folder + "/series.parquet", folder + "/forecasts.parquet",
    ...                         progress=False)
    >>> summary.n_series, summary.n_failed, summary.errors
    (3, 0, None)
    >>> first = pd.read_parquet(folder + "/forecasts.parquet").iloc[0]
    >>> first.unique_id, str(first.ds), int(first.step), float(first.forecast), first.model
    ('a', '2024-01-04 00:00:00', 1, 48.0, 'SeasonalNaive')
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from forecast._files import atomic_files, remove_stale_temporaries, same_file
from forecast.features.category_warnings import one_warning_per_job
from forecast.serving.batch_engine import (
    DEFAULT_SERIES_PER_BATCH,
    BatchForecaster,
    forecast_stream,
)
from forecast.serving.batch_future import read_future_rows
from forecast.serving.batch_summary import BatchSummary, rate
from forecast.serving.export import load
from forecast.serving.text_columns import parse_text_columns

#: Bytes of a CSV parsed at a time (pyarrow's block size).
CSV_BLOCK_BYTES = 64 << 20
#: Rows read from the input per chunk.
DEFAULT_CHUNK_ROWS = 1_000_000


@one_warning_per_job("batch job")
def forecast_file(
    model_path: str | os.PathLike,
    input_path: str | os.PathLike,
    output_path: str | os.PathLike,
    id_col: str = "unique_id",
    time_col: str = "ds",
    errors_path: str | os.PathLike | None = None,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    series_per_batch: int = DEFAULT_SERIES_PER_BATCH,
    progress: bool | None = None,
    future_grid: str = "grid",
    future_path: str | os.PathLike | None = None,
) -> BatchSummary:
    """Forecast every series of a long CSV or Parquet file with an exported model.

    Args:
        model_path: a SavedModel written by ``forecaster.export``.
        input_path: a long-format ``.csv`` or ``.parquet`` file (one row per series and
            timestamp, rows grouped by series in time order).
        output_path: the forecasts file (``.csv`` or ``.parquet``, by its extension).
        id_col, time_col: the input's series id and time columns.
        errors_path: where series that could not be forecast are listed with the reason
            (CSV), when some could not; default: beside the output,
            ``<output stem>.errors.csv``. A job where every series is forecast writes none,
            and removes one left there by an earlier job.
        chunk_rows: input rows read at a time.
        series_per_batch: series per network call.
        progress: show a progress bar (default: when stderr is a terminal; otherwise log
            a line every few seconds).
        future_grid: ``"grid"`` (default): the steps continue each series' grid, closed
            hours included (counted in the summary's ``unobserved_steps``); ``"observed"``:
            each forecast starts at the next time of day (or week) the training data had
            values at (a car park's next opening; see :mod:`forecast.data.observed_times`).
        future_path: for a model exported with future covariates, a CSV or Parquet file of
            their values at the forecast steps (the id, time and future covariate columns);
            default: they come in the input, as the rows after each series' last observed
            target (see :mod:`forecast.serving.batch_future`).

    Returns:
        A :class:`~forecast.serving.batch_summary.BatchSummary`.

    Raises:
        FileNotFoundError: no such model or input.
        ValueError: the output or errors file is the input (or the errors file the output),
            or a directory; the output's suffix is not ``.csv`` or ``.parquet``; the model
            cannot be loaded (a damaged export).
        DataValidationError: the input lacks a column the model needs, or its rows are not
            grouped by series.
    """
    from forecast._memory import bound_heap_growth

    bound_heap_growth()  # freed batch buffers go back to the OS: memory stays flat over a long file
    job_started, start = time.time(), time.perf_counter()  # wall clock: for temporaries' ages
    input_path, output_path = Path(input_path), Path(output_path)
    errors_path = (
        Path(errors_path)
        if errors_path is not None
        else output_path.with_name(output_path.name.split(".")[0] + ".errors.csv")
    )
    _check_paths(input_path, output_path, errors_path, future_path)
    reader = _Reader(input_path, chunk_rows)
    model = load(model_path)
    future_rows = read_future_rows(model, future_path, id_col, time_col)
    forecaster = BatchForecaster(
        model, id_col, time_col, series_per_batch, future_grid=future_grid, future_rows=future_rows
    )
    forecaster.check_columns(reader.schema.names)
    summary = BatchSummary(output=output_path, errors=errors_path)
    summary.seconds["load"] = time.perf_counter() - start
    for path in (output_path, errors_path):
        remove_stale_temporaries(path, before=job_started)  # a killed job's leftovers
    with atomic_files(errors_path, output_path) as (err_tmp, out_tmp), _Progress(progress) as bar:
        writer = _Writer(out_tmp, _output_kind(output_path), forecaster.output_columns)
        errors: list[tuple] = []
        try:
            chunks = reader.chunks(forecaster)
            for result in forecast_stream(forecaster, chunks, seconds=summary.seconds):
                write_start = time.perf_counter()
                writer.write(result.forecasts)
                summary.seconds["write"] += time.perf_counter() - write_start
                errors.extend(result.errors)
                summary.n_series += result.n_series
                summary.n_failed += len(result.errors)
                summary.filled_inputs += result.filled_inputs
                summary.unobserved_steps += result.unobserved_steps
                bar.update(result.n_series, len(errors))
        finally:
            writer.close()
        pd.DataFrame(errors, columns=[id_col, "reason"]).to_csv(err_tmp, index=False)
    if not errors:  # nothing failed: no errors file, and none left from an earlier job
        errors_path.unlink(missing_ok=True)
        summary.errors = None
    summary.n_forecast = summary.n_series - summary.n_failed
    summary.seconds.update(forecaster.seconds)
    summary.seconds["total"] = time.perf_counter() - start
    return summary


def _check_paths(input_path: Path, output_path: Path, errors_path: Path, future_path=None) -> None:
    """Refuse, before anything is read, a job that would write over its own input or write
    both its files to one path, whatever the names (``./x``, ``a/../x``, a symbolic or hard
    link), or write to a directory.

    Raises:
        ValueError: naming the paths and what is wrong.
    """
    _output_kind(output_path)
    for role, path in (("output", output_path), ("errors file", errors_path)):
        if path.is_dir():
            raise ValueError(f"the {role} {path} is a directory; name a file to write")
    pairs = [
        ("output", output_path, "input", input_path),
        ("errors file", errors_path, "input", input_path),
        ("errors file", errors_path, "output", output_path),
    ]
    if future_path is not None:
        pairs += [(role, path, "future file", Path(future_path)) for role, path, *_ in pairs[:2]]
    for role, path, other_role, other in pairs:
        if same_file(path, other):
            raise ValueError(
                f"the {role} {path} and the {other_role} {other} are the same file; writing "
                f"the {role} would destroy the {other_role}: choose another path"
            )


# --------------------------------------------------------------------------- helpers


def _output_kind(path: Path) -> str:
    """``"parquet"`` or ``"csv"``, by the output's suffix."""
    suffix = path.suffix.lower()
    if suffix not in (".parquet", ".csv"):
        raise ValueError(f"the output must end in .parquet or .csv, got {path.name!r}")
    return suffix[1:]


class _Reader:
    """Chunks of rows of a CSV or Parquet file, as Arrow tables."""

    def __init__(self, path: Path, chunk_rows: int) -> None:
        if not path.is_file():
            raise FileNotFoundError(f"no input file {path}")
        self.path = path
        self.chunk_rows = chunk_rows
        suffixes = "".join(path.suffixes).lower()
        if ".parquet" in suffixes or ".pq" in suffixes:
            import pyarrow.parquet as pq

            self._parquet = pq.ParquetFile(path)
            self.schema = self._parquet.schema_arrow
        elif ".csv" in suffixes:
            self._parquet = None
            self.schema = self._csv().schema
        else:
            raise ValueError(f"cannot read {path}: use a .csv or .parquet file")

    def _csv(self, convert_options=None):
        import pyarrow.csv as pacsv

        return pacsv.open_csv(
            self.path,
            read_options=pacsv.ReadOptions(block_size=CSV_BLOCK_BYTES),
            convert_options=convert_options,
        )

    def chunks(self, forecaster: BatchForecaster) -> Iterator[pa.Table]:
        """The columns ``forecaster`` reads, chunk by chunk. Text value and time columns (all
        of a CSV's: its types would otherwise be inferred from its first block, and one bad
        cell would stop the read) are parsed per chunk, a cell that cannot be read naming its
        row (:func:`~forecast.serving.text_columns.parse_text_columns`)."""
        columns, numeric = forecaster.input_columns, forecaster.numeric_columns
        if self._parquet is not None:
            batches = self._parquet.iter_batches(batch_size=self.chunk_rows, columns=columns)
        else:
            import pyarrow.csv as pacsv

            text = {column: pa.string() for column in [*numeric, forecaster.time_col]}
            batches = self._csv(pacsv.ConvertOptions(include_columns=columns, column_types=text))
        first_row = 1
        for batch in batches:
            table = pa.Table.from_batches([batch])
            yield parse_text_columns(
                table, forecaster.id_col, numeric, forecaster.time_col, first_row
            )
            first_row += table.num_rows


class _Writer:
    """Append forecast frames to a Parquet or CSV file (a CSV's timestamps as
    :func:`csv_timestamps` writes them)."""

    def __init__(self, path: Path, kind: str, columns: list[str]) -> None:
        self.path = path
        self.parquet = kind == "parquet"
        self.columns = columns
        self._writer = None
        self._schema = None

    def write(self, frame: pd.DataFrame) -> None:
        if self._schema is None and len(frame) == 0:
            return
        table = pa.Table.from_pandas(frame, preserve_index=False)
        if not self.parquet:
            table = _with_csv_timestamps(table)
        if self._schema is not None:
            table = table.cast(self._schema)
        if self._writer is None:
            self._schema = table.schema
            if self.parquet:
                import pyarrow.parquet as pq

                self._writer = pq.ParquetWriter(self.path, table.schema)
            else:
                import pyarrow.csv as pacsv

                self._writer = pacsv.CSVWriter(self.path, table.schema)
        self._writer.write_table(table)

    def close(self) -> None:
        if self._writer is None:  # no forecasts at all: still write a valid, empty file
            empty = pa.table({name: pa.array([], type=pa.string()) for name in self.columns})
            if self.parquet:
                import pyarrow.parquet as pq

                pq.write_table(empty, self.path)
            else:
                import pyarrow.csv as pacsv

                pacsv.write_csv(empty, self.path)
            return
        self._writer.close()


def csv_timestamps(times: pa.Array) -> pa.Array:
    """Timestamps as a CSV shows them: to the second, with sub-second digits only where a
    timestamp has them, and the UTC offset of a time zone's.

    Example:
        >>> stamps = pa.array(pd.to_datetime(["2024-01-04 00:00:00", "2024-01-04 00:00:00.25"],
        ...                                  format="ISO8601"))
        >>> csv_timestamps(stamps).to_pylist()
        ['2024-01-04 00:00:00', '2024-01-04 00:00:00.250000000']
    """
    kind = times.type
    text_format = "%Y-%m-%d %H:%M:%S" + ("%z" if kind.tz else "")
    seconds = pc.cast(times, pa.timestamp("s", tz=kind.tz), safe=False)
    text = pc.strftime(seconds, format=text_format)
    if kind.unit == "s":
        return text
    fraction = pc.not_equal(pc.cast(pc.cast(seconds, kind), pa.int64()), pc.cast(times, pa.int64()))
    if not pc.any(fraction).as_py():
        return text
    return pc.if_else(fraction, pc.strftime(times, format=text_format), text)


def _with_csv_timestamps(table: pa.Table) -> pa.Table:
    """``table`` with its timestamp columns as :func:`csv_timestamps` text."""
    for i, column in enumerate(table.schema):
        if pa.types.is_timestamp(column.type):
            text = csv_timestamps(table.column(i).combine_chunks())
            table = table.set_column(i, column.name, text)
    return table


class _Progress:
    """A tqdm bar on a terminal, a log line every few seconds otherwise, or nothing."""

    LOG_EVERY = 5.0

    def __init__(self, enabled: bool | None) -> None:
        self.tty = sys.stderr.isatty() if enabled is None else bool(enabled)
        self.log = enabled is None and not self.tty
        self.start = self.last = time.perf_counter()
        self.n = 0
        self.bar = None

    def __enter__(self) -> _Progress:
        if self.tty:
            from tqdm.auto import tqdm

            self.bar = tqdm(
                unit=" series", desc="forecast batch", file=sys.stderr, dynamic_ncols=True
            )
        return self

    def update(self, n: int, failed: int) -> None:
        self.n += n
        if self.bar is not None:
            self.bar.update(n)
            self.bar.set_postfix(failed=failed, refresh=False)
        elif self.log and time.perf_counter() - self.last >= self.LOG_EVERY:
            self.last = time.perf_counter()
            speed = rate(self.n, self.last - self.start)
            print(
                f"forecast batch: {self.n:,} series{f' ({speed})' if speed else ''}, "
                f"{failed} failed",
                file=sys.stderr,
                flush=True,
            )

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.close()
