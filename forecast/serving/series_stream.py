"""Stream a long-format table, chunk by chunk, into batches of whole series' tails.

A long file (one row per series and timestamp, the rows of each series together) arrives in
chunks of rows (Arrow record batches from a Parquet or CSV reader, or from Spark). Forecasting
the next ``horizon`` steps of a series needs only its last rows, so this module keeps, for every
series, its last ``keep_rows`` rows and hands on batches of complete series, holding at most one
chunk, one unfinished series and one batch of tails in memory, however long the file.

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

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from forecast.errors import DataValidationError


class SeriesStream:
    """Cut a stream of row chunks into batches of complete series, keeping each series' tail.

    Args:
        id_col: the series id column; the rows of a series must be contiguous (a file sorted
            or grouped by series id). A series whose rows appear again after another series
            raises :class:`DataValidationError` naming it.
        keep_rows: how many of the last rows of each series to keep.
        series_per_batch: how many complete series make a batch.

    Attributes:
        n_rows: rows read so far.
        n_series: complete series handed on so far.
    """

    def __init__(self, id_col: str, keep_rows: int, series_per_batch: int) -> None:
        if keep_rows < 1 or series_per_batch < 1:
            raise ValueError("keep_rows and series_per_batch must be >= 1")
        self.id_col = id_col
        self.keep_rows = keep_rows
        self.series_per_batch = series_per_batch
        self.n_rows = 0
        self.n_series = 0
        self._seen: set = set()

    def batches(self, chunks: Iterable[pa.RecordBatch | pa.Table]) -> Iterator[pa.Table]:
        """Yield tables of the last ``keep_rows`` rows of ``series_per_batch`` complete series
        (fewer in the last batch), rows in input order."""
        pending: pa.Table | None = None  # the tail of the series that the last chunk ended in
        ready: list[pa.Table] = []
        n_ready = 0
        for chunk in chunks:
            table = chunk if isinstance(chunk, pa.Table) else pa.Table.from_batches([chunk])
            if table.num_rows == 0:
                continue
            self.n_rows += table.num_rows
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

    def _split(self, table: pa.Table) -> tuple[pa.Table, pa.Table, int]:
        """The kept tails of the complete series of ``table``, the last (maybe unfinished)
        series' tail, and the number of complete series."""
        ids = table.column(self.id_col).combine_chunks()
        if ids.null_count:
            raise DataValidationError(
                f"series id is missing in row {self.n_rows - table.num_rows + _first_null(ids)} "
                "of the input",
                column=self.id_col,
            )
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


def _first_null(array: pa.Array) -> int:
    return int(np.argmax(pc.is_null(array).to_numpy(zero_copy_only=False)))
