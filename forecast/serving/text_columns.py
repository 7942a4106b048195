"""Parse the text columns of a chunk into numbers and timestamps, naming each cell that cannot be read.

A CSV's value and time columns are read as text, not typed by pyarrow's reader: the reader
infers types from the file's first block and stops the whole read at the first cell it cannot
convert. Each chunk is parsed here instead, and a cell that is not a number (or a timestamp)
becomes a missing value, its row getting the reason in
:data:`~forecast.serving.series_stream.ROW_ERROR_COLUMN`, so that the series stream sets that
one series aside and the job goes on.

Values are read as pyarrow's CSV reader reads them: spaces around a value are ignored, and the
reader's spellings of a missing value (:data:`MISSING_TEXT`: ``""``, ``NA``, ``nan``, ``null``,
...) are missing values. Timestamps in ISO 8601 are read by Arrow; a chunk holding other
spellings is read by :func:`pandas.to_datetime`, in the format of its first timestamp (time
zones kept, mixed offsets as UTC).

Example:
    >>> import pyarrow as pa
    >>> chunk = pa.table({"id": ["a", "a", "b"], "y": ["1.5", "abc", " 2 "],
    ...                   "ds": ["2024-01-01", "2024-01-01 01:00", "NA"]})
    >>> parsed = parse_text_columns(chunk, "id", ["y"], "ds", first_row=1)
    >>> parsed.column("y").to_pylist()
    [1.5, None, 2.0]
    >>> parsed.column(ROW_ERROR_COLUMN).to_pylist()
    [None, "cannot read 'abc' in column 'y', row 2 of the input, as a number", None]
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from forecast.serving.series_stream import ROW_ERROR_COLUMN

#: Texts read as a missing value: pyarrow's CSV defaults (and ``NaT`` for a timestamp).
MISSING_TEXT = tuple(pacsv.ConvertOptions().null_values)
#: What a number looks like to Arrow's parser (case ignored): ``12``, ``-1.5``, ``.5``, ``1e-3``,
#: ``inf``, ``nan``; a cell that does not is not a number (see :func:`parse_numbers`).
NUMBER_PATTERN = r"^[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?|inf(?:inity)?|nan)$"


def parse_text_columns(
    table: pa.Table, id_col: str, numeric: Sequence[str], time_col: str, first_row: int
) -> pa.Table:
    """``table`` with its text ``numeric`` columns as float64 and its text ``time_col`` as
    timestamps; columns of other types are left as they are.

    Args:
        table: a chunk of rows.
        id_col: the series id column: of a run of bad cells in one series, only the first
            gets a reason (its series is set aside whole anyway).
        numeric: the columns that hold numbers.
        time_col: the time column.
        first_row: the input's row number of the chunk's first row (for the reasons).

    Returns:
        The parsed table, with :data:`ROW_ERROR_COLUMN` appended when a cell cannot be read.
    """
    bad_rows: list[np.ndarray] = []
    reasons: list[np.ndarray] = []
    kinds = dict.fromkeys(numeric, "a number")
    kinds[time_col] = "a timestamp"
    for column, kind in kinds.items():
        text = table.column(column)
        if not (pa.types.is_string(text.type) or pa.types.is_large_string(text.type)):
            continue
        text = text.combine_chunks()
        values, bad = (parse_numbers if kind == "a number" else parse_timestamps)(text)
        table = table.set_column(table.schema.get_field_index(column), column, values)
        rows = _first_of_each_series(table.column(id_col), np.flatnonzero(bad))
        bad_rows.append(rows)
        reasons.append(
            np.array(
                [
                    f"cannot read {text[int(row)].as_py()!r} in column {column!r}, row "
                    f"{first_row + int(row)} of the input, as {kind}"
                    for row in rows
                ],
                dtype=object,
            )
        )
    if not any(len(rows) for rows in bad_rows):
        return table
    reason = np.full(table.num_rows, None, dtype=object)
    for rows, texts in zip(reversed(bad_rows), reversed(reasons)):  # the first column wins
        reason[rows] = texts
    return table.append_column(ROW_ERROR_COLUMN, pa.array(reason, type=pa.string()))


def parse_numbers(text: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """``text`` as float64, and a mask of the cells that are not numbers (missing there).

    Example:
        >>> values, bad = parse_numbers(pa.array(["1", " 2.5", "NA", "x", None]))
        >>> values.to_pylist(), bad.tolist()
        ([1.0, 2.5, None, None, None], [False, False, False, True, False])
    """
    text = _without_empty(text)
    try:
        return pc.cast(text, pa.float64()), np.zeros(len(text), dtype=bool)  # the usual case
    except pa.ArrowInvalid:
        pass
    text = _without_missing(text)
    looks_right = pc.match_substring_regex(text, NUMBER_PATTERN, ignore_case=True)
    bad = pc.invert(looks_right.fill_null(True))  # a missing cell is not a bad one
    try:
        values = pc.cast(pc.if_else(bad, pa.scalar(None, text.type), text), pa.float64())
    except pa.ArrowInvalid:  # a spelling the pattern lets through and Arrow does not read
        return _numbers_read_by_pandas(text)
    return values, bad.to_numpy(zero_copy_only=False)


def _numbers_read_by_pandas(text: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """``text`` read by :func:`pandas.to_numeric` (the last resort of :func:`parse_numbers`):
    a cell it cannot read (other than a spelling of NaN) is bad."""
    encoded = text.dictionary_encode()
    texts = encoded.dictionary
    parsed = pd.to_numeric(pd.Series(texts.to_pandas(), dtype=object), errors="coerce")
    nan_spelling = pc.match_substring_regex(texts, r"^[+-]?nan$", ignore_case=True)
    bad_text = parsed.isna().to_numpy() & ~nan_spelling.to_numpy(zero_copy_only=False)
    bad = _per_cell(bad_text, encoded.indices)
    values = parsed.to_numpy(dtype=np.float64)[encoded.indices.fill_null(0).to_numpy()]
    return pa.array(values, mask=bad | ~pc.is_valid(text).to_numpy(zero_copy_only=False)), bad


def parse_timestamps(text: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """``text`` as timestamps (ns), and a mask of the cells that are not timestamps.

    Example:
        >>> values, bad = parse_timestamps(pa.array(["01/31/2024 10:00", "", "02/01/2024 00:00", "x"]))
        >>> [str(v) for v in values.to_pandas()], bad.tolist()
        (['2024-01-31 10:00:00', 'NaT', '2024-02-01 00:00:00', 'NaT'], [False, False, False, True])
    """
    fine = np.zeros(len(text), dtype=bool)
    text = _without_empty(text)
    try:
        return pc.cast(text, pa.timestamp("ns")), fine  # ISO 8601, without a time zone
    except pa.ArrowInvalid:
        pass
    text = _without_missing(text, extra=("NaT",))
    try:
        return pc.cast(text, pa.timestamp("ns")), fine
    except pa.ArrowInvalid:
        pass
    encoded = text.dictionary_encode()
    texts = pd.Index(encoded.dictionary.to_pandas(), dtype=object)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "could not infer format": each is read
        try:
            stamps = pd.to_datetime(texts, errors="coerce")
        except ValueError:  # mixed time zones
            stamps = pd.to_datetime(texts, errors="coerce", utc=True)
    bad = _per_cell(np.asarray(stamps.isna()), encoded.indices)
    unit = pa.timestamp("ns", tz=None if stamps.tz is None else str(stamps.tz))
    values = pa.array(stamps).cast(unit).take(encoded.indices)
    return values, bad


def _without_empty(text: pa.Array) -> pa.Array:
    """``text`` with its empty cells made null: the usual missing value, checked first as it
    costs a fraction of a cast (a failed cast costs a whole one)."""
    empty = pc.equal(text, "")
    if not pc.any(empty).as_py():
        return text
    return pc.if_else(empty, pa.scalar(None, text.type), text)


def _without_missing(text: pa.Array, extra: tuple[str, ...] = ()) -> pa.Array:
    """``text`` without surrounding spaces, its spellings of a missing value made null."""
    text = pc.utf8_trim_whitespace(text)
    missing = pc.is_in(text, value_set=pa.array(MISSING_TEXT + extra, type=text.type))
    return pc.if_else(missing, pa.scalar(None, text.type), text)


def _per_cell(bad_text: np.ndarray, indices: pa.Array) -> np.ndarray:
    """A mask over the cells from a mask over the distinct texts (a missing cell is not bad)."""
    valid = pc.is_valid(indices).to_numpy(zero_copy_only=False)
    return bad_text[indices.fill_null(0).to_numpy(zero_copy_only=False)] & valid


def _first_of_each_series(ids: pa.ChunkedArray, rows: np.ndarray) -> np.ndarray:
    """Of ``rows`` (sorted), the first of each run with the same series id."""
    if len(rows) < 2:
        return rows
    at = ids.take(pa.array(rows, type=pa.int64())).combine_chunks()
    changed = pc.not_equal(at.slice(1), at.slice(0, len(at) - 1)).fill_null(True)
    return rows[np.concatenate([[True], changed.to_numpy(zero_copy_only=False)])]
