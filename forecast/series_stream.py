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

from typing import Iterable, Iterator

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
            while n_ready >= self.series_per_batch:
                batch, ready, n_ready = self._take(ready, self.series_per_batch)
                yield batch
        if pending is not None:
            self._mark_seen(pending.column(self.id_col).slice(0, 1))
            ready.append(pending)
            n_ready += 1
        while n_ready:
            batch, ready, n_ready = self._take(ready, min(n_ready, self.series_per_batch))
            yield batch

    def _split(self, table: pa.Table) -> tuple[pa.Table, pa.Table, int]:
        """The kept tails of the complete series of ``table``, the last (maybe unfinished)
        series' tail, and the number of complete series."""
        ids = table.column(self.id_col).combine_chunks()
        if ids.null_count:
            raise DataValidationError(
                f"series id is missing in row {self.n_rows - table.num_rows + _first_null(ids)} "
                "of the input", column=self.id_col,
            )
        n = len(ids)
        changes = np.flatnonzero(
            pc.not_equal(ids.slice(1), ids.slice(0, n - 1)).to_numpy(zero_copy_only=False)
        ) + 1
        starts = np.concatenate([[0], changes]).astype(np.int64)
        ends = np.concatenate([changes, [n]]).astype(np.int64)
        self._mark_seen(ids.take(pa.array(starts[:-1], type=pa.int64())))
        keep_from = np.maximum(starts, ends - self.keep_rows)
        last_from = int(keep_from[-1])
        rows = np.concatenate(
            [np.arange(a, b) for a, b in zip(keep_from[:-1], ends[:-1])] or [np.zeros(0, np.int64)]
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

    def _take(self, ready: list[pa.Table], count: int) -> tuple[pa.Table, list[pa.Table], int]:
        """The first ``count`` series of ``ready`` as one table, and what is left."""
        table = pa.concat_tables(ready) if len(ready) > 1 else ready[0]
        ids = table.column(self.id_col).combine_chunks()
        n = len(ids)
        changes = np.flatnonzero(
            pc.not_equal(ids.slice(1), ids.slice(0, n - 1)).to_numpy(zero_copy_only=False)
        ) + 1
        n_series = len(changes) + 1
        cut = int(changes[count - 1]) if count < n_series else n
        self.n_series += count
        rest = table.slice(cut)
        left = n_series - count
        return table.slice(0, cut), ([rest] if left else []), left


def _first_null(array: pa.Array) -> int:
    return int(np.argmax(pc.is_null(array).to_numpy(zero_copy_only=False)))
