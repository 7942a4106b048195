"""Known-future covariates in a batch job: where the values of the forecast steps come from.

A model exported with ``future_covariates`` forecasts each series from its last rows *and* the
values those columns take over the ``horizon`` steps that follow. A batch job finds them in
one of two places:

- in the input itself (the default): the rows of a series after its last observed target
  (every target empty or NaN, the future covariates filled) are its forecast steps;
- in a second file (``forecast batch --future PATH``, :class:`FutureRows`): the id, time and
  future covariate columns, one row per series and forecast step; the input then holds the
  history only. The file is read whole (``horizon`` rows per series, the size of the output).

Either way, the rows of a series' forecast steps are checked as ``predict(frame, future=...)``
checks them (:mod:`forecast.windowing.future_frame`): a series with a missing step, a NaN or a
cell that cannot be read, an extra row or a timestamp off the grid is reported in the errors
file (naming the column and timestamp), and the other series are forecast.

Example:
    >>> import numpy as np, pandas as pd
    >>> index = pd.MultiIndex.from_product(
    ...     [["a"], pd.date_range("2024-01-01", periods=4, freq="D")])
    >>> panel = pd.DataFrame({"y": [1.0, 2.0, np.nan, np.nan], "promo": [0.0, 1.0, 1.0, 0.0]},
    ...                      index=index)
    >>> history, future = rows_after_last_target(panel, ("y",), ("promo",))
    >>> len(history), future["promo"].tolist()
    (2, [1.0, 0.0])
"""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from forecast.errors import DataValidationError
from forecast.serving.series_stream import ROW_ERROR_COLUMN
from forecast.serving.text_columns import parse_text_columns
from forecast.windowing.future_frame import future_of_series
from forecast.windowing.series_errors import read_by_series

#: A column that marks the rows of the forecast steps in a stream of rows (Spark unions the
#: ``--future`` file's rows into the input's with it); rows without it are read by
#: :func:`rows_after_last_target`.
FUTURE_ROW_COLUMN = "__forecast_future_row__"


def rows_after_last_target(
    panel: pd.DataFrame, targets: Sequence[str], columns: Sequence[str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split the rows of a ``(series_id, timestamp)`` panel grouped by series: the history,
    and the future covariates ``columns`` of the rows after each series' last observed target.

    A series without any observed target keeps all its rows as history (its error is that it
    has no target values, not that it has no history).
    """
    observed = panel[list(targets)].notna().to_numpy().any(axis=1)
    codes = panel.index.codes[0] if isinstance(panel.index, pd.MultiIndex) else None
    groups = pd.Series(np.zeros(len(panel), int) if codes is None else np.asarray(codes))
    flags = pd.Series(observed.astype(np.int8))
    reached = flags[::-1].groupby(groups[::-1]).cummax()[::-1].to_numpy() > 0
    any_observed = flags.groupby(groups).transform("max").to_numpy() > 0
    future = ~reached & any_observed
    return panel[~future], panel.loc[future, list(columns)]


def marked_rows(panel: pd.DataFrame, columns: Sequence[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split a panel by :data:`FUTURE_ROW_COLUMN`: its unmarked rows (the history, without
    the mark) and the future covariates ``columns`` of its marked ones."""
    mark = panel[FUTURE_ROW_COLUMN].fillna(False).to_numpy(dtype=bool)
    history = panel.loc[~mark].drop(columns=FUTURE_ROW_COLUMN)
    return history, panel.loc[mark, list(columns)]


class FutureRows:
    """The rows of a ``--future`` file, by series: what :meth:`of` hands each batch.

    Args:
        frame: the future covariates, indexed by ``(series_id, timestamp)``.
        problems: ``{series_id: reason}`` of the series with a cell of the file that cannot be
            read (set aside by the batch job).
    """

    def __init__(self, frame: pd.DataFrame, problems: dict[Any, str] | None = None) -> None:
        self.frame = frame
        self.problems = dict(problems or {})

    def of(self, series_ids: Sequence[Any]) -> pd.DataFrame:
        """The rows of the series ``series_ids``."""
        return self.frame[self.frame.index.get_level_values(0).isin(list(series_ids))]

    @classmethod
    def read(
        cls,
        path: str | os.PathLike,
        id_col: str,
        time_col: str,
        columns: Sequence[str],
        numeric: Sequence[str],
        check: Any = None,
    ) -> FutureRows:
        """Read a CSV or Parquet ``--future`` file: ``id_col``, ``time_col`` and the future
        covariate ``columns`` (``numeric``: those that hold numbers; a CSV's are parsed cell by
        cell, a cell that is not a number failing its series only). ``check(names, source=)``
        checks the file's columns (default: that it has those).

        Raises:
            FileNotFoundError: no such file.
            DataValidationError: the file lacks one of the columns (naming it and the file).
        """
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"no future file {path}")
        wanted = [id_col, time_col, *columns]
        table = _read_table(path, wanted, [*numeric, time_col], check or _has_columns(wanted))
        table = parse_text_columns(table, id_col, list(numeric), time_col, first_row=1)
        problems = _row_problems(table, id_col)
        if ROW_ERROR_COLUMN in table.column_names:
            table = table.drop_columns([ROW_ERROR_COLUMN])
        frame = table.to_pandas()
        times = pd.DatetimeIndex(pd.to_datetime(frame[time_col]), name=time_col)
        for sid in frame.loc[times.isna(), id_col].unique():
            problems.setdefault(
                sid, f"a timestamp (column {time_col!r}) is missing in the future file"
            )
        index = pd.MultiIndex.from_arrays(
            [frame[id_col].to_numpy(), times], names=[id_col, time_col]
        )
        return cls(frame[list(columns)].set_axis(index)[~times.isna()], problems)


def _read_table(path: Path, wanted: list[str], text: list[str], check: Any) -> pa.Table:
    """The ``wanted`` columns of a Parquet or CSV file (a CSV's ``text`` columns as text),
    its column names checked by ``check`` first."""
    source = f"the future file {path}"
    suffixes = "".join(path.suffixes).lower()
    if ".parquet" in suffixes or ".pq" in suffixes:
        import pyarrow.parquet as pq

        check(pq.ParquetFile(path).schema_arrow.names, source=source)
        return pq.read_table(path, columns=wanted)
    if ".csv" not in suffixes:
        raise ValueError(f"cannot read {path}: use a .csv or .parquet file")
    import pyarrow.csv as pacsv

    check(pacsv.open_csv(path).schema.names, source=source)
    options = pacsv.ConvertOptions(
        include_columns=wanted, column_types={name: pa.string() for name in text}
    )
    return pacsv.read_csv(path, convert_options=options)


def _has_columns(wanted: list[str]):
    def check(names: Sequence[str], source: str) -> None:
        missing = [c for c in wanted if c not in names]
        if missing:
            raise DataValidationError(
                f"{source} has no column {missing[0]!r}; it needs {wanted}", column=missing[0]
            )

    return check


def _row_problems(table: pa.Table, id_col: str) -> dict[Any, str]:
    """``{series_id: reason}`` of the first cell of each series that cannot be read."""
    if ROW_ERROR_COLUMN not in table.column_names:
        return {}
    problems: dict[Any, str] = {}
    reasons = table.column(ROW_ERROR_COLUMN).to_pylist()
    for sid, reason in zip(table.column(id_col).to_pylist(), reasons):
        if reason is not None and sid not in problems:
            problems[sid] = reason.replace("of the input", "of the future file")
    return problems


def windows_of_batch(
    model: Any,
    panel: pd.DataFrame,
    future_rows: FutureRows | None,
    future_grid: str,
    describe: Any,
) -> tuple[list, list[tuple]]:
    """The latest windows of the series of a batch's ``panel`` that can be forecast, and
    ``(series_id, reason)`` of the others (see
    :func:`~forecast.windowing.series_errors.read_by_series`), the future covariates of their
    forecast steps taken from ``future_rows`` or, without, from the panel's own rows."""
    read = functools.partial(model.latest_windows, future_grid=future_grid)
    columns = model.input_schema.future_covariate_columns
    if not columns:
        plain = panel.drop(columns=FUTURE_ROW_COLUMN, errors="ignore")
        return read_by_series(read, plain, describe=describe)
    errors: list[tuple] = []
    if future_rows is not None:
        ids = pd.unique(panel.index.get_level_values(0))
        errors = [(sid, future_rows.problems[sid]) for sid in ids if sid in future_rows.problems]
        history = panel[~panel.index.get_level_values(0).isin([e[0] for e in errors])]
        future = future_rows.of(ids)
    elif FUTURE_ROW_COLUMN in panel.columns:
        history, future = marked_rows(panel, columns)
    else:
        history, future = rows_after_last_target(panel, model.input_schema.target_columns, columns)
        errors = [(e.series, describe(e)) for e in _too_many_steps(future, model.horizon)]
        history = history[~history.index.get_level_values(0).isin([e[0] for e in errors])]
    if len(history) == 0:
        return [], errors
    valid, failed = read_by_series(
        lambda part: read(part, future=future_of_series(future, part)), history, describe=describe
    )
    return valid, errors + failed


def check_future_columns(
    model: Any, names: Sequence[str], keys: Sequence[str], source: Any
) -> list[str]:
    """The columns a future file (or DataFrame) ``source`` needs for ``model``: ``keys`` (the
    id and time columns) and the future covariates, checked against its column ``names``.

    Raises:
        ValueError: ``model`` reads no future covariates (it needs no future file).
        DataValidationError: ``source`` lacks a column, naming it and ``source``.
    """
    columns = model.input_schema.future_covariate_columns
    if not columns:
        raise ValueError(
            f"the model {model.name} reads no future covariates: it needs no future file "
            f"({source}); leave --future out"
        )
    wanted = [*keys, *columns]
    for column in wanted:
        if column not in names:
            raise DataValidationError(
                f"{source} has no column {column!r}; it needs the series id, time and future "
                f"covariate columns {wanted} (got {list(names)})",
                column=column,
            )
    return wanted


def read_future_rows(
    model: Any, path: str | os.PathLike | None, id_col: str, time_col: str
) -> FutureRows | None:
    """The ``--future`` file of a batch job with ``model`` (``None``: none given).

    Raises:
        ValueError: a future file for a model without future covariates.
        FileNotFoundError, DataValidationError: as for :meth:`FutureRows.read`.
    """
    if path is None:
        return None
    schema = model.input_schema
    columns = schema.future_covariate_columns
    numeric = [c for c in columns if c not in schema.categories]
    check = functools.partial(check_future_columns, model, keys=(id_col, time_col))
    return FutureRows.read(path, id_col, time_col, columns, numeric, check)


def _too_many_steps(future: pd.DataFrame, horizon: int) -> list[DataValidationError]:
    """The error of each series with more rows after its last observed target than the
    ``horizon`` (at its first row beyond the forecast steps)."""
    ids = future.index.get_level_values(0)
    counts = pd.Series(1, index=ids).groupby(level=0, sort=False).size()
    found = []
    for sid, n in counts[counts > horizon].items():
        stamp = future.index[np.flatnonzero(ids == sid)[horizon]][1]
        found.append(
            DataValidationError(
                f"the input holds {n} rows after the series' last observed target, more than "
                f"the {horizon} forecast steps whose future covariates a forecast reads (the "
                "target of a row of history must be given)",
                column=future.columns[0],
                series=sid,
                timestamp=stamp,
            )
        )
    return found
