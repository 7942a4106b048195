"""Stream a long-format table, chunk by chunk, into batches of whole series' tails.

A long file (one row per series and timestamp, the rows of each series together) arrives in
chunks of rows (Arrow record batches from a Parquet or CSV reader, or from Spark). Forecasting
the next ``horizon`` steps of a series needs only its last rows, so this module keeps, for every
series, its last ``keep_rows`` rows and hands on batches of complete series, holding at most one
chunk, one unfinished series and one batch of tails in memory, however long the file.

Every row is checked on the way, not only the kept ones. A series is set aside, with the
reason, when one of its timestamps is missing, repeated or earlier than the one before it
(anywhere in the series, also across a chunk boundary), or when its reader could not parse one
of its cells (:data:`ROW_ERROR_COLUMN`); rows whose series id is empty are skipped and reported.
:meth:`SeriesStream.take_errors` hands these reasons on. Rows are numbered from 1 in the order
they arrive: in a file, row 1 is the first row after the header.

Example:
    >>> import pyarrow as pa
    >>> chunks = [pa.record_batch({"id": ["a", "a", "a", "b"], "y": [1.0, 2.0, 3.0, 4.0]}),
    ...           pa.record_batch({"id": ["b", "c"], "y": [5.0, 6.0]})]
    >>> stream = SeriesStream("id", keep_rows=2, series_per_batch=2)
    >>> [batch.to_pydict() for batch in stream.batches(chunks)]  # doctest: +NORMALIZE_WHITESPACE
    [{'id': ['a', 'a', 'b', 'b'], 'y': [2.0, 3.0, 4.0, 5.0]}, {'id': ['c'], 'y': [6.0]}]
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from forecast.errors import DataValidationError

#: A column a reader may add to a chunk: for each row, why one of its cells cannot be read
#: (null when all can). The row's series is set aside with that reason; the column is not
#: passed on.
ROW_ERROR_COLUMN = "__forecast_row_error__"


@dataclass(frozen=True)
class _Row:
    """The last row read that has a series id: what the next chunk's first row is checked
    against."""

    series: Any
    number: int  # its row number in the input
    time: pa.Array | None  # its timestamp, as a one-value array (None: not checked)


class SeriesStream:
    """Cut a stream of row chunks into batches of complete series, keeping each series' tail.

    Args:
        id_col: the series id column; the rows of a series must be contiguous (a file sorted
            or grouped by series id). A series whose rows appear again after another series
            raises :class:`DataValidationError` naming it.
        keep_rows: how many of the last rows of each series to keep.
        series_per_batch: how many complete series make a batch.
        time_col: the time column; when given (and an Arrow timestamp or date column), each
            timestamp must be later than the one before it in its series, or the series is
            set aside.

    Attributes:
        n_rows: rows read so far.
        n_series: complete series handed on so far (set-aside ones are not counted).
    """

    def __init__(
        self, id_col: str, keep_rows: int, series_per_batch: int, time_col: str | None = None
    ) -> None:
        if keep_rows < 1 or series_per_batch < 1:
            raise ValueError("keep_rows and series_per_batch must be >= 1")
        self.id_col = id_col
        self.time_col = time_col
        self.keep_rows = keep_rows
        self.series_per_batch = series_per_batch
        self.n_rows = 0
        self.n_series = 0
        self._seen: set = set()
        self._set_aside: set = set()
        self._errors: list[tuple] = []
        self._last: _Row | None = None

    def take_errors(self) -> list[tuple]:
        """``(series_id, reason)`` of the series set aside since the last call, and of the runs
        of rows skipped for an empty series id (``series_id`` ``None``); each is given once."""
        errors, self._errors = self._errors, []
        return errors

    def batches(self, chunks: Iterable[pa.RecordBatch | pa.Table]) -> Iterator[pa.Table]:
        """Yield tables of the last ``keep_rows`` rows of ``series_per_batch`` complete series
        (fewer in the last batch), rows in input order; set-aside series are left out."""
        pending: pa.Table | None = None  # the tail of the series that the last chunk ended in
        ready: list[pa.Table] = []
        n_ready = 0
        for chunk in chunks:
            table = chunk if isinstance(chunk, pa.Table) else pa.Table.from_batches([chunk])
            if table.num_rows == 0:
                continue
            table = self._checked(table)
            if pending is not None and pending.column(self.id_col)[0].as_py() in self._set_aside:
                pending = None  # set aside by this chunk's rows
            if table.num_rows == 0:
                continue
            if pending is not None:
                table = pa.concat_tables([pending, table.cast(pending.schema)])
            tails, pending, n_complete = self._split(table)
            if n_complete:
                ready.append(tails)
                n_ready += n_complete
            if n_ready >= self.series_per_batch:
                full, ready, n_ready = self._cut(ready, final=False)
                yield from full
        if pending is not None:
            self._mark_seen(pending.column(self.id_col).slice(0, 1))
            ready.append(pending)
            n_ready += 1
        if n_ready:
            yield from self._cut(ready, final=True)[0]

    # ----------------------------------------------------------------------- row checks

    def _checked(self, table: pa.Table) -> pa.Table:
        """The chunk without its rows of an empty id or of a set-aside series, and without
        :data:`ROW_ERROR_COLUMN`; the problems found are recorded."""
        first_row = self.n_rows + 1
        self.n_rows += table.num_rows
        table, problems = _reader_problems(table)
        ids = table.column(self.id_col).combine_chunks()
        empty = _empty_ids(ids)
        named = None  # the positions of the rows with an id (None: all rows)
        if empty.any():
            self._report_empty_ids(empty, first_row)
            named = np.flatnonzero(~empty)
            if len(named) == 0:
                return table.slice(0, 0)
        previous = self._last
        times = self._time_column(table)
        if times is not None:
            problems += self._time_problems(times, ids, named, first_row, previous)
        drop = set()  # the series set aside now (the first problem of each, in row order)
        for position, reason in sorted(problems, key=lambda problem: problem[0]):
            sid = ids[position].as_py()
            if not empty[position] and self._set_aside_series(sid, reason):
                drop.add(sid)
        last = len(ids) - 1 if named is None else int(named[-1])
        self._last = _Row(
            ids[last].as_py(), first_row + last, None if times is None else times.slice(last, 1)
        )
        if previous is not None and previous.series in self._set_aside:
            drop.add(previous.series)  # the rest of a series set aside in an earlier chunk
        if not drop and named is None:
            return table
        keep = ~empty
        if drop:
            dropped = pc.is_in(ids, value_set=pa.array(list(drop), type=ids.type))
            keep &= ~dropped.to_numpy(zero_copy_only=False)
        return table.filter(pa.array(keep))

    def _time_column(self, table: pa.Table) -> pa.Array | None:
        """The time column, if it is checked: given, and of an Arrow timestamp or date type."""
        if self.time_col is None or self.time_col not in table.column_names:
            return None
        kind = table.schema.field(self.time_col).type
        if not (pa.types.is_timestamp(kind) or pa.types.is_date(kind)):
            return None
        return table.column(self.time_col).combine_chunks()

    def _time_problems(
        self,
        times: pa.Array,
        ids: pa.Array,
        named: np.ndarray | None,
        first_row: int,
        previous: _Row | None,
    ) -> list[tuple[int, str]]:
        """``(position in the chunk, reason)`` of the first row of each series whose timestamp
        is missing, or not later than the one before it in its series (the chunk's first row
        is compared with the last row of the chunks before); ``named``: the positions of the
        rows with an id (``None``: all)."""

        def position(j) -> int:  # in the chunk, of the j-th row with an id
            return int(j) if named is None else position(j)

        missing = np.zeros(len(times), dtype=bool)
        if times.null_count:
            missing = pc.is_null(times).to_numpy(zero_copy_only=False)
        values = _as_int64(times)
        if named is not None:  # without the rows of an empty id
            ids, values, missing = ids.take(pa.array(named)), values[named], missing[named]
        same = pc.equal(ids.slice(1), ids.slice(0, len(ids) - 1)).fill_null(False)
        same = same.to_numpy(zero_copy_only=False)
        wrong = same & (np.diff(values) <= 0)
        if times.null_count:
            wrong &= ~missing[1:] & ~missing[:-1]
        wrong = np.flatnonzero(wrong)
        problems: list[tuple[int, str]] = []
        step_in = self._step_into(times, ids, values, missing, previous)
        if step_in is not None and step_in <= 0:
            before = (previous.number, _text(previous.time, 0))
            problems.append(_order_problem(before, times, position(0), first_row, step_in == 0))
        if not (len(wrong) or missing.any()):
            return problems
        run = np.concatenate([[0], np.cumsum(~same)])  # which series (run of ids) a row is in
        for j in _first_of_each_run(np.flatnonzero(missing), run):
            row = first_row + position(j)
            reason = (
                f"the timestamp (column {self.time_col!r}) is missing in row {row} of the input"
            )
            problems.append((position(j), reason))
        for k in _first_of_each_run(wrong, run[1:]):
            before = (first_row + position(k), _text(times, position(k)))
            problems.append(
                _order_problem(
                    before, times, position(k + 1), first_row, values[k + 1] == values[k]
                )
            )
        return problems

    @staticmethod
    def _step_into(
        times: pa.Array, ids: pa.Array, values: np.ndarray, missing: np.ndarray, previous
    ) -> int | None:
        """The time step from the last row of the chunks before to this chunk's first row
        with an id, when both are of one series and have a timestamp of the same type."""
        if previous is None or previous.time is None or previous.time.type != times.type:
            return None
        if not previous.time[0].is_valid or missing[0] or previous.series != ids[0].as_py():
            return None
        return int(values[0]) - int(_as_int64(previous.time)[0])

    def _set_aside_series(self, series: Any, reason: str) -> bool:
        """Set ``series`` aside for ``reason``; ``False`` if it already was."""
        if series in self._set_aside:
            return False
        self._set_aside.add(series)
        self._seen.add(series)  # its rows coming back after another series' is an error too
        self._errors.append((series, reason))
        return True

    def _report_empty_ids(self, empty: np.ndarray, first_row: int) -> None:
        """One error for each run of rows with an empty series id."""
        edges = np.flatnonzero(np.diff(np.concatenate([[0], empty.astype(np.int8), [0]])))
        for start, stop in zip(edges[::2], edges[1::2]):
            first, last = first_row + int(start), first_row + int(stop) - 1
            rows = f"row {first}" if first == last else f"rows {first} to {last}"
            skipped = "the row is skipped" if first == last else "those rows are skipped"
            reason = (
                f"the series id (column {self.id_col!r}) is empty in {rows} of the input; {skipped}"
            )
            self._errors.append((None, reason))

    # ----------------------------------------------------------------------- cutting

    def _split(self, table: pa.Table) -> tuple[pa.Table, pa.Table, int]:
        """The kept tails of the complete series of ``table``, the last (maybe unfinished)
        series' tail, and the number of complete series."""
        ids = table.column(self.id_col).combine_chunks()
        bounds = _series_bounds(ids)
        starts, ends = bounds[:-1], bounds[1:]
        self._mark_seen(ids.take(pa.array(starts[:-1], type=pa.int64())))
        keep_from = np.maximum(starts, ends - self.keep_rows)
        last_from = int(keep_from[-1])
        lengths = ends[:-1] - keep_from[:-1]  # the complete series' kept rows
        offsets = np.cumsum(lengths) - lengths
        rows = np.arange(lengths.sum(), dtype=np.int64) + np.repeat(
            keep_from[:-1] - offsets, lengths
        )
        tails = table.take(pa.array(rows, type=pa.int64()))
        pending = table.slice(last_from)
        return tails, pending, len(starts) - 1

    def _mark_seen(self, first_ids: pa.Array) -> None:
        for sid in first_ids.to_pylist():
            if sid in self._seen:
                raise DataValidationError(
                    "the rows of this series are not together in the input (another series' "
                    "rows lie between them); sort the file by series id and timestamp",
                    series=sid,
                )
            self._seen.add(sid)

    def _cut(
        self, ready: list[pa.Table], final: bool
    ) -> tuple[list[pa.Table], list[pa.Table], int]:
        """Cut the complete series of ``ready`` into batches of ``series_per_batch``: the
        batches, what is left over (emitted as a last, smaller batch when ``final``), and the
        number of series left."""
        table = pa.concat_tables(ready) if len(ready) > 1 else ready[0]
        bounds = _series_bounds(table.column(self.id_col).combine_chunks())
        n_series = len(bounds) - 1
        size = self.series_per_batch
        cuts = list(range(0, n_series, size)) + [n_series]
        if not final and n_series % size:
            cuts = cuts[:-1]  # the last, partial batch waits for more series
        batches = [
            table.slice(int(bounds[a]), int(bounds[b] - bounds[a]))
            for a, b in zip(cuts[:-1], cuts[1:])
        ]
        done = cuts[-1]
        self.n_series += done
        left = n_series - done
        return batches, ([table.slice(int(bounds[done]))] if left else []), left


def _reader_problems(table: pa.Table) -> tuple[pa.Table, list[tuple[int, str]]]:
    """The table without :data:`ROW_ERROR_COLUMN`, and ``(position, reason)`` of its rows."""
    if ROW_ERROR_COLUMN not in table.column_names:
        return table, []
    reasons = table.column(ROW_ERROR_COLUMN).combine_chunks()
    positions = np.flatnonzero(pc.is_valid(reasons).to_numpy(zero_copy_only=False))
    problems = [(int(p), reasons[int(p)].as_py()) for p in positions]
    return table.drop_columns([ROW_ERROR_COLUMN]), problems


def _order_problem(
    before: tuple[int, str], times: pa.Array, position: int, first_row: int, repeated: bool
) -> tuple[int, str]:
    """``(position, reason)`` for the row at ``position`` of the chunk, whose timestamp is not
    later than the one of the row ``before`` (its number and timestamp) in the same series."""
    row, text = first_row + position, _text(times, position)
    if repeated:
        reason = (
            f"duplicate timestamp {text} in rows {before[0]} and {row} of the input; "
            "aggregate duplicates first"
        )
    else:
        reason = (
            f"timestamps are not in time order: {text} in row {row} of the input comes after "
            f"{before[1]} in row {before[0]}; sort the file by series id and timestamp"
        )
    return position, reason


def _first_of_each_run(positions: np.ndarray, run: np.ndarray) -> np.ndarray:
    """Of ``positions`` (sorted), the first in each run (``run[position]``: its run's number)."""
    if len(positions) < 2:
        return positions
    runs = run[positions]
    return positions[np.concatenate([[True], runs[1:] != runs[:-1]])]


def _empty_ids(ids: pa.Array) -> np.ndarray:
    """Rows whose series id is missing, or an empty string."""
    empty = pc.is_null(ids)
    if pa.types.is_string(ids.type) or pa.types.is_large_string(ids.type):
        empty = pc.or_(empty, pc.equal(ids, "").fill_null(False))
    return empty.to_numpy(zero_copy_only=False)


def _as_int64(times: pa.Array) -> np.ndarray:
    """Timestamps or dates as integers in their own unit (nulls as 0: masked by the caller)."""
    if pa.types.is_date32(times.type):
        times = pc.cast(times, pa.int32())
    return pc.cast(times, pa.int64()).fill_null(0).to_numpy(zero_copy_only=False)


def _text(times: pa.Array, position: int) -> str:
    """One timestamp as pandas prints it (``2024-01-03 07:00:00``)."""
    return str(times.slice(position, 1).to_pandas().iloc[0])


def _series_bounds(ids: pa.Array) -> np.ndarray:
    """The first row of each run of equal ids, and the number of rows at the end."""
    n = len(ids)
    changes = (
        np.flatnonzero(
            pc.not_equal(ids.slice(1), ids.slice(0, n - 1)).to_numpy(zero_copy_only=False)
        )
        + 1
    )
    return np.concatenate([[0], changes, [n]]).astype(np.int64)
