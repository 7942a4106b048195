"""Reading user files into the data model, long <-> panel conversion, and regularisation.

Example:
    >>> import pandas as pd
    >>> long = pd.DataFrame({
    ...     "unique_id": ["a", "a", "b", "b"],
    ...     "ds": ["2024-01-01", "2024-01-02", "2024-01-01", "2024-01-02"],
    ...     "y": [1.0, 2.0, 10.0, 20.0],
    ... })
    >>> panel = from_long(long)
    >>> panel.index.names
    FrozenList(['series_id', 'timestamp'])
    >>> to_long(panel).equals(long.assign(ds=pd.to_datetime(long["ds"])))
    True
"""

from __future__ import annotations

import os
from collections.abc import Hashable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from forecast.data.columns import as_column_tuple, is_numeric_column
from forecast.data.layout import SERIES_LEVEL, SINGLE_SERIES_ID, TIME_LEVEL
from forecast.errors import DataValidationError

#: The time column a file or long frame is read by when none is named: the ``ds`` of Nixtla's
#: ``unique_id / ds / y`` layout; the same for :func:`read_csv`, ``forecast windows`` and
#: ``forecast batch`` (``--time-col``) and a config's ``data.time_col``.
TIME_COL = "ds"
#: The series id column of a long file of many series (:func:`from_long`, ``forecast batch``);
#: :func:`read_csv` and the others read one series unless ``id_col`` is given.
ID_COL = "unique_id"


def read_csv(
    path: str | os.PathLike,
    time_col: str | Sequence[str] = TIME_COL,
    id_col: str | None = None,
    **read_kwargs: Any,
) -> pd.DataFrame:
    """Read a CSV file (plain or compressed) into one series or a panel.

    Args:
        path: the file.
        time_col: the timestamp column (default ``"ds"``), or several columns that together
            make the timestamp (``("year", "month", "day", "hour")``).
        id_col: the series id column of a file holding many series, or ``None`` (one series).
        **read_kwargs: passed on to :func:`pandas.read_csv`.

    Returns:
        A frame in the data model, sorted by series and time.

    Example:
        >>> import io
        >>> text = io.StringIO("ts,y\\n2024-01-01 01:00,2\\n2024-01-01 00:00,1\\n")
        >>> read_csv(text, time_col="ts")["y"].tolist()
        [1, 2]
        >>> read_csv(io.StringIO("ds,y\\n2024-01-01,5\\n")).index[0]  # time_col="ds" by default
        Timestamp('2024-01-01 00:00:00')
    """
    frame = pd.read_csv(path, **read_kwargs)
    return from_long(frame, id_col=id_col, time_col=time_col)


def read_parquet(
    path: str | os.PathLike,
    time_col: str | Sequence[str] = TIME_COL,
    id_col: str | None = None,
    **read_kwargs: Any,
) -> pd.DataFrame:
    """Read a Parquet file into one series or a panel (see :func:`read_csv`)."""
    frame = pd.read_parquet(path, **read_kwargs)
    return from_long(frame, id_col=id_col, time_col=time_col)


def read_frame(
    path: str | os.PathLike,
    time_col: str | Sequence[str] = TIME_COL,
    id_col: str | None = None,
    **read_kwargs: Any,
) -> pd.DataFrame:
    """Read a CSV (``.csv``, ``.csv.gz``, ...) or Parquet (``.parquet``, ``.pq``) file by its suffix."""
    suffixes = [s.lower() for s in Path(path).suffixes]
    if suffixes and suffixes[-1] in (".parquet", ".pq"):
        return read_parquet(path, time_col=time_col, id_col=id_col, **read_kwargs)
    if ".csv" in suffixes or ".txt" in suffixes:
        return read_csv(path, time_col=time_col, id_col=id_col, **read_kwargs)
    raise ValueError(f"cannot tell the format of {str(path)!r}: expected .csv[.gz] or .parquet")


def from_long(
    frame: pd.DataFrame,
    id_col: str | None = ID_COL,
    time_col: str | Sequence[str] = TIME_COL,
) -> pd.DataFrame:
    """Turn a long frame (one row per series and timestamp) into the data model.

    Works with Nixtla's ``unique_id / ds / y`` layout and with any frame holding a time
    column (or date-part columns) and, for many series, an id column.

    Args:
        frame: the long frame.
        id_col: the series id column, or ``None`` for one series.
        time_col: the timestamp column, or the date-part columns that make it.

    Returns:
        A ``DatetimeIndex``-ed frame (one series) or a ``(series_id, timestamp)``
        ``MultiIndex``-ed panel, sorted, with the id and time columns moved into the index.

    Raises:
        DataValidationError: a missing column, unparseable timestamps, or a duplicate
            (series, timestamp).
    """
    time_cols = as_column_tuple(time_col)
    for name in time_cols:
        if name not in frame.columns:
            raise DataValidationError(
                f"time column not found (time_col={time_col!r}"
                f"{', the default' if time_col == TIME_COL else ''}); the data have columns "
                f"{list(frame.columns)}: name the time column with time_col=... "
                "(--time-col on the command line)",
                column=name,
            )
    if id_col is not None and id_col not in frame.columns:
        raise DataValidationError(
            f"series id column not found (id_col={id_col!r}); the data have columns "
            f"{list(frame.columns)}: name it with id_col=..., or id_col=None for one series",
            column=id_col,
        )
    ids = None
    if id_col is not None:
        ids = frame[id_col]
        if ids.isna().any():
            row = int(np.argmax(ids.isna().to_numpy()))
            raise DataValidationError(
                f"series id is missing in row {row} (frame.iloc[{row}])", column=id_col
            )
    timestamps = _parse_time(frame, time_cols, ids)
    _check_unique(timestamps, ids, time_cols[0])
    data = frame.drop(columns=list(time_cols) + ([id_col] if id_col is not None else []))
    if ids is None:
        data.index = pd.DatetimeIndex(timestamps, name=TIME_LEVEL)
    else:
        data.index = pd.MultiIndex.from_arrays(
            [ids.to_numpy(), timestamps], names=[SERIES_LEVEL, TIME_LEVEL]
        )
    return data.sort_index(kind="stable")


def to_long(
    frame: pd.DataFrame,
    id_col: str | None = ID_COL,
    time_col: str = TIME_COL,
    series_id: Hashable = SINGLE_SERIES_ID,
) -> pd.DataFrame:
    """Turn a series or panel back into a long frame with ``id_col`` and ``time_col`` columns.

    A single series gets an ``id_col`` column too, holding ``series_id`` in every row, so
    the long frame is what ``forecast batch`` reads (``--id-col unique_id`` by default) and
    what :func:`from_long` turns into a panel of one series; ``id_col=None`` leaves it out.

    Args:
        frame: one series (``DatetimeIndex``) or a panel (``(series_id, timestamp)``).
        id_col: the series id column of the long frame, or ``None`` (a single series only:
            no id column).
        time_col: the time column of the long frame.
        series_id: the id of a single series.

    Returns:
        A frame with a ``RangeIndex`` and the columns ``id_col, time_col`` then ``frame``'s.

    Raises:
        ValueError: ``id_col=None`` for a panel, or ``id_col`` or ``time_col`` is already a
            column of ``frame``.

    Example:
        >>> import pandas as pd
        >>> one = pd.DataFrame({"y": [1.0, 2.0]},
        ...                    index=pd.date_range("2024-01-01", periods=2, freq="h"))
        >>> to_long(one)
          unique_id                  ds    y
        0    series 2024-01-01 00:00:00  1.0
        1    series 2024-01-01 01:00:00  2.0
        >>> to_long(one, id_col=None).columns.tolist()
        ['ds', 'y']
    """
    is_panel = isinstance(frame.index, pd.MultiIndex)
    if id_col is None and is_panel:
        raise ValueError("a panel needs an id column: give id_col (e.g. 'unique_id')")
    for name in (id_col, time_col):
        if name is not None and name in frame.columns:
            raise ValueError(
                f"the frame already has a column {name!r}; name the long frame's id and time "
                "columns otherwise (id_col=..., time_col=...)"
            )
    out = frame.reset_index()
    if is_panel:
        renames = {out.columns[0]: id_col, out.columns[1]: time_col}
    else:
        renames = {out.columns[0]: time_col}
    out = out.rename(columns=renames)
    if id_col is not None and not is_panel:
        out.insert(0, id_col, series_id)
    out.attrs = dict(frame.attrs)
    return out


def regularize(
    frame: pd.DataFrame,
    freq: str | pd.DateOffset,
    how: str = "nearest",
    agg: str = "mean",
) -> pd.DataFrame:
    """Put jittered timestamps on a regular grid, keeping gaps as gaps.

    Every timestamp moves to its grid step (``how``: ``"nearest"``, ``"floor"`` or
    ``"ceil"``); rows that land on the same step are combined (``agg`` for numeric columns,
    the last value for the others). Steps with no observation stay absent: nothing is
    invented, and windowing treats them as gaps.

    Args:
        frame: one series or a panel whose timestamps are irregular.
        freq: the grid step (a fixed step such as ``"30min"`` or ``"h"``).
        how: how timestamps move onto the grid.
        agg: how numeric values landing on one step combine (``"mean"``, ``"last"``, ...).

    Example:
        >>> import pandas as pd
        >>> frame = pd.DataFrame({"y": [1.0, 3.0, 5.0]}, index=pd.DatetimeIndex(
        ...     ["2024-01-01 07:59:42", "2024-01-01 08:02:00", "2024-01-01 08:31:10"],
        ...     name="timestamp"))
        >>> regularize(frame, "30min")["y"].to_dict()
        {Timestamp('2024-01-01 08:00:00'): 2.0, Timestamp('2024-01-01 08:30:00'): 5.0}
    """
    if how not in ("nearest", "floor", "ceil"):
        raise ValueError(f"how must be 'nearest', 'floor' or 'ceil', got {how!r}")
    is_panel = isinstance(frame.index, pd.MultiIndex)
    stamps = pd.DatetimeIndex(frame.index.get_level_values(-1))
    move = {"nearest": stamps.round, "floor": stamps.floor, "ceil": stamps.ceil}[how]
    gridded = move(freq)
    keys = [frame.index.get_level_values(0), gridded] if is_panel else [gridded]
    names = [frame.index.names[0] or SERIES_LEVEL, TIME_LEVEL] if is_panel else [TIME_LEVEL]
    aggregations = {
        name: (agg if is_numeric_column(frame[name]) else "last") for name in frame.columns
    }
    out = frame.groupby(keys, sort=True).agg(aggregations)
    out.index = (
        out.index.set_names(names) if is_panel else pd.DatetimeIndex(out.index, name=TIME_LEVEL)
    )
    return out


def _parse_time(
    frame: pd.DataFrame, time_cols: tuple[str, ...], ids: pd.Series | None = None
) -> pd.DatetimeIndex:
    if not time_cols:
        raise DataValidationError("no time column given")
    if len(time_cols) > 1:
        parts = frame[list(time_cols)]
        try:
            return pd.DatetimeIndex(pd.to_datetime(parts))
        except (ValueError, TypeError) as exc:
            raise DataValidationError(
                f"cannot assemble timestamps from columns {list(time_cols)} ({exc}); name them "
                "year, month, day[, hour, minute, second] or build the timestamp yourself",
                column=time_cols[0],
            ) from None
    column = frame[time_cols[0]]
    parsed = pd.to_datetime(column, errors="coerce")
    bad = parsed.isna() & column.notna()
    if bad.any() or column.isna().any():
        row = int(np.argmax((bad | column.isna()).to_numpy()))
        raise DataValidationError(
            f"cannot parse {column.iloc[row]!r} in row {row} (frame.iloc[{row}]) as a timestamp",
            column=time_cols[0],
            series=None if ids is None else ids.iloc[row],
        )
    return pd.DatetimeIndex(parsed)


def _check_unique(timestamps: pd.DatetimeIndex, ids: pd.Series | None, time_col: str) -> None:
    """Refuse two rows of one series at one timestamp, naming both rows (positions)."""
    keys = (
        pd.Index(timestamps)
        if ids is None
        else pd.MultiIndex.from_arrays([ids.to_numpy(), timestamps])
    )
    repeated = keys.duplicated(keep="first")
    if not repeated.any():
        return
    row = int(np.argmax(repeated))
    same = np.asarray(timestamps == timestamps[row])
    if ids is not None:
        same &= (ids == ids.iloc[row]).to_numpy()
    first = int(np.argmax(same))
    series = None if ids is None else ids.iloc[row]
    raise DataValidationError(
        f"duplicate timestamp: rows {first} and {row} (frame.iloc[[{first}, {row}]]) are both "
        "at this timestamp; aggregate duplicates first, e.g. forecast.regularize(frame, "
        "freq=...) or frame.groupby(...).mean()",
        column=time_col,
        series=series,
        timestamp=timestamps[row],
    )
