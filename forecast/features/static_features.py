"""Static covariates: one value per series (a region, a capacity), checked and encoded.

A forecaster with ``static_covariates=("region", "capacity")`` reads those columns once per
series, from one of two sources (see :func:`static_table`):

* columns of the frame itself, which must be constant within each series (a column that
  varies within a series, or is NaN, is an error naming the column, the series and the first
  timestamp where it changes or is NaN);
* a separate ``static=`` frame indexed by series id, one row per series.

:func:`fit_static_encoding` learns the encoding on the training series: a numeric column is
centred by its mean over the training series and divided by their standard deviation (1
when they all share one value, or for a single series); a categorical one (text,
``category``, ``bool``) is one-hot encoded as ``"column=category"`` with the training
categories, an unseen category becoming an all-zero row with the covariates' once-per-job
warning (:mod:`forecast.features.category_warnings`). The network reads the encoded vector
(:meth:`StaticEncoding.encode`: raw numeric values, one-hot categories) and scales it itself
with :attr:`StaticEncoding.center` and :attr:`StaticEncoding.scale`, inside the graph.

A series embedding (``series_embedding=<dim>``) maps each training series to an index
(:meth:`StaticEncoding.series_index`, the ids in :attr:`StaticEncoding.series_ids` order); a
series that was not seen in training is an error naming it.

Example:
    >>> import pandas as pd
    >>> index = pd.MultiIndex.from_product(
    ...     [["a", "b", "c"], pd.date_range("2024-01-01", periods=2, freq="D")])
    >>> frame = pd.DataFrame({"y": range(6), "region": ["n", "n", "s", "s", "n", "n"],
    ...                       "capacity": [10.0, 10.0, 20.0, 20.0, 30.0, 30.0]}, index=index)
    >>> table = static_table(frame, ("region", "capacity"))
    >>> encoding = fit_static_encoding(table)
    >>> encoding.encoded_columns
    ('region=n', 'region=s', 'capacity')
    >>> encoding.encode(table).tolist()
    [[1.0, 0.0, 10.0], [0.0, 1.0, 20.0], [1.0, 0.0, 30.0]]
    >>> encoding.center, [round(s, 4) for s in encoding.scale]
    ((0.0, 0.0, 20.0), [1.0, 1.0, 8.165])
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from forecast._call_values import CallValue
from forecast.data.columns import as_column_tuple, is_numeric_column
from forecast.errors import DataValidationError
from forecast.features.category_warnings import report_unseen


@dataclass(frozen=True)
class StaticEncoding:
    """How the static covariates (and the series id) reach a network, learned at fit.

    Attributes:
        columns: the static covariates, as named by the user.
        categories: for each categorical one, its training categories (in encoding order).
        center, scale: per encoded column, what the network subtracts and divides by (0 and 1
            for the one-hot columns).
        series_ids: the series of a series embedding, in index order (``()``: no embedding).
        embedding_dim: the embedding's width (``None``: no embedding).
    """

    columns: tuple[str, ...] = ()
    categories: Mapping[str, tuple] = field(default_factory=dict)
    center: tuple[float, ...] = ()
    scale: tuple[float, ...] = ()
    series_ids: tuple = ()
    embedding_dim: int | None = None

    @property
    def encoded_columns(self) -> tuple[str, ...]:
        """The columns of the encoded vector: one per numeric column, one per category."""
        out: list[str] = []
        for column in self.columns:
            if column in self.categories:
                out.extend(f"{column}={c}" for c in self.categories[column])
            else:
                out.append(column)
        return tuple(out)

    @property
    def n_static(self) -> int:
        """The width of the encoded vector (the signature's ``static`` input)."""
        return len(self.encoded_columns)

    def encode(self, table: pd.DataFrame) -> np.ndarray:
        """The raw encoded vectors ``(n_series, n_static)`` float32 of a :func:`static_table`
        (numeric values unscaled, categories one-hot)."""
        parts = []
        for column in self.columns:
            values = table[column]
            if column not in self.categories:
                parts.append(values.to_numpy(dtype=np.float64)[:, None])
                continue
            known = tuple(self.categories[column])
            codes = pd.Index(known, dtype=object).get_indexer(values.to_numpy(dtype=object))
            unseen = codes < 0
            if unseen.any():
                report_unseen(
                    column, sorted({str(v) for v in values[unseen]}),
                    series=table.index[unseen][0], timestamp="(static)",
                )  # fmt: skip
            encoded = np.zeros((len(values), len(known)))
            encoded[np.flatnonzero(~unseen), codes[~unseen]] = 1.0
            parts.append(encoded)
        if not parts:
            return np.zeros((len(table), 0), dtype=np.float32)
        return np.concatenate(parts, axis=1).astype(np.float32)

    def series_index(self, series: Sequence) -> np.ndarray:
        """The embedding index ``int32`` of every id in ``series``.

        Raises:
            DataValidationError: a series was not seen in training (naming it).
        """
        positions = {_key(s): i for i, s in enumerate(self.series_ids)}
        out = np.empty(len(series), dtype=np.int32)
        for i, sid in enumerate(series):
            if _key(sid) not in positions:
                raise DataValidationError(
                    f"series {sid!r} was not seen in training, so the series embedding has no "
                    f"vector for it (it knows {len(self.series_ids)} series)",
                    advice="refit with this series, or use a model without series_embedding",
                    series=sid,
                )
            out[i] = positions[_key(sid)]
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-able values (the export metadata's ``"static"``)."""
        return {
            "columns": list(self.columns),
            "categories": {k: [plain(c) for c in v] for k, v in self.categories.items()},
            "encoded_columns": list(self.encoded_columns),
            "center": [float(c) for c in self.center],
            "scale": [float(s) for s in self.scale],
            "series_ids": [plain(s) for s in self.series_ids],
            "embedding_dim": self.embedding_dim,
        }

    @classmethod
    def from_dict(cls, record: Mapping[str, Any]) -> StaticEncoding:
        """Read :meth:`to_dict` back."""
        dim = record.get("embedding_dim")
        return cls(
            columns=tuple(record["columns"]),
            categories={k: tuple(v) for k, v in dict(record["categories"]).items()},
            center=tuple(float(c) for c in record["center"]),
            scale=tuple(float(s) for s in record["scale"]),
            series_ids=tuple(record.get("series_ids", ())),
            embedding_dim=None if dim is None else int(dim),
        )


def plain(value: Any) -> Any:
    """A category or series id as a JSON value (NumPy scalars as Python ones, others that
    JSON cannot hold as their ``str``)."""
    value = _key(value)
    return value if isinstance(value, (str, int, float, bool, type(None))) else str(value)


def _key(series_id: Any) -> Any:
    """A series id as a dictionary key (NumPy scalars as Python ones)."""
    return series_id.item() if isinstance(series_id, np.generic) else series_id


def static_table(
    frame: pd.DataFrame, columns: str | Sequence[str], static: pd.DataFrame | None = None
) -> pd.DataFrame:
    """One row of static values per series of ``frame`` (indexed by series id; ``[None]``
    for a single series), from ``static`` when given, else from ``frame``'s columns.

    Raises:
        DataValidationError: a column is missing, NaN, or (in ``frame``) varies within a
            series; ``static`` lacks a series of ``frame`` or is not indexed by series id.
    """
    columns = as_column_tuple(columns)
    panel = isinstance(frame.index, pd.MultiIndex)
    ids = list(frame.index.get_level_values(0).unique()) if panel else [None]
    if static is not None:
        return _from_static_frame(static, columns, ids, panel)
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataValidationError(
            f"static covariate column(s) {missing} are neither in the frame nor given",
            advice="add them as columns (constant within each series) or pass static=<frame "
            "indexed by series id>",
            column=missing[0],
        )
    part = frame[list(columns)]
    groups = part.groupby(level=0, sort=False) if panel else [(None, part)]
    rows = []
    for sid, rows_of_series in groups:
        for column in columns:
            _check_constant(rows_of_series[column], column, sid)
        rows.append(rows_of_series.iloc[0])
    table = pd.DataFrame(rows, columns=list(columns))
    table.index = pd.Index(ids if panel else [None], dtype=object)
    return _checked_values(table, columns)


def static_rows(
    columns: Sequence[str],
    ids: Sequence,
    frame: pd.DataFrame | None,
    static: pd.DataFrame | None = None,
    fitted: pd.DataFrame | None = None,
    fitted_source: str = "the static covariates fit saw",
) -> pd.DataFrame:
    """The static values of the series ``ids`` (in that order, repeats allowed), from
    ``static`` when given, else ``frame``'s columns when it has them all, else ``fitted``
    (the training values, described as ``fitted_source`` in the error): the one rule of the
    estimator's ``predict``, backtests and a loaded model's ``predict``.

    Example:
        >>> index = pd.MultiIndex.from_product([["a", "b"], pd.date_range("2024", periods=2)])
        >>> frame = pd.DataFrame({"y": 0.0, "cap": [1.0, 1.0, 5.0, 5.0]}, index=index)
        >>> static_rows(("cap",), ["b", "a", "b"], frame)["cap"].tolist()
        [5.0, 1.0, 5.0]

    Raises:
        DataValidationError: a series has no values in the source read, naming it.
    """
    if static is not None:
        table, source = static_table(frame, columns, static), "static="
    elif frame is not None and set(columns) <= set(frame.columns):
        table, source = static_table(frame, columns), "the frame"
    else:
        table, source = fitted, fitted_source
    return rows_of(table, ids, source, columns)


def rows_of(
    table: pd.DataFrame | None, ids: Sequence, source: str, columns: Sequence[str] | None = None
) -> pd.DataFrame:
    """``table``'s rows (``columns``, default all) of the series ``ids``, in that order.

    Raises:
        DataValidationError: ``table`` is ``None`` or lacks a series, naming it and ``source``.
    """
    ids = list(ids)
    missing = list(dict.fromkeys(ids)) if table is None else [
        sid for sid in dict.fromkeys(ids) if sid not in table.index
    ]  # fmt: skip
    if missing:
        raise DataValidationError(
            f"no static covariates for series {missing[:5]!r} in {source}",
            advice="give them as columns of the frame or as static=<frame indexed by series id>",
            series=missing[0],
        )
    rows = table.loc[ids] if columns is None else table.loc[ids, list(columns)]
    rows.index = pd.Index(ids, dtype=object)
    return rows


#: the ``static=`` of a running ``predict`` (see :mod:`forecast._call_values`): the
#: estimator's and a loaded model's, read where the windows get their static values
STATIC_OF_CALL = CallValue("static")


def _check_constant(values: pd.Series, column: str, series: Any) -> None:
    missing = values.isna().to_numpy()
    if missing.any():
        where = values.index[np.flatnonzero(missing)[0]]
        raise DataValidationError(
            f"static covariate {column!r} is missing (NaN)",
            column=column, series=series,
            timestamp=where[-1] if isinstance(where, tuple) else where,
        )  # fmt: skip
    first = values.iloc[0]
    same = values.eq(first) | (values.isna() & pd.isna(first))
    if not same.all():
        where = values.index[np.flatnonzero(~same.to_numpy())[0]]
        timestamp = where[-1] if isinstance(where, tuple) else where
        raise DataValidationError(
            f"static covariate {column!r} varies within a series ({_key(first)!r}, then "
            f"{_key(values[~same].iloc[0])!r})",
            advice="a static covariate holds one value per series; pass a varying column as "
            "covariates= instead",
            column=column, series=series, timestamp=timestamp,
        )  # fmt: skip


def _from_static_frame(
    static: pd.DataFrame, columns: tuple[str, ...], ids: list, panel: bool
) -> pd.DataFrame:
    if not isinstance(static, pd.DataFrame):
        raise TypeError(f"static must be a DataFrame indexed by series id, got {type(static)}")
    if not panel:
        raise DataValidationError(
            "static= needs a panel (a frame indexed by series id and time); for one series "
            "give the static covariates as columns of the frame"
        )
    missing = [c for c in columns if c not in static.columns]
    if missing:
        raise DataValidationError(
            f"the static frame lacks column(s) {missing} (it has {list(static.columns)})",
            column=missing[0],
        )
    if static.index.has_duplicates:
        duplicate = static.index[static.index.duplicated()][0]
        raise DataValidationError("the static frame has several rows", series=duplicate)
    absent = [sid for sid in ids if sid not in static.index]
    if absent:
        raise DataValidationError(
            f"the static frame has no row for series {absent[:5]!r}"
            + (f" (and {len(absent) - 5} more)" if len(absent) > 5 else ""),
            advice="add a row for every series forecast",
            series=absent[0],
        )
    table = static.loc[ids, list(columns)]
    table.index = pd.Index(ids, dtype=object)
    return _checked_values(table, columns)


def _checked_values(table: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    for column in columns:
        values = table[column]
        if values.isna().any():
            raise DataValidationError(
                f"static covariate {column!r} is missing (NaN)",
                column=column, series=values.index[values.isna().to_numpy()][0],
            )  # fmt: skip
        if is_numeric_column(values) and not np.isfinite(values.to_numpy(np.float64)).all():
            bad = values.index[~np.isfinite(values.to_numpy(np.float64))][0]
            raise DataValidationError(
                f"static covariate {column!r} is not finite", column=column, series=bad
            )
    return table


def fit_static_encoding(
    table: pd.DataFrame, embedding_dim: int | None = None, columns: Sequence[str] | None = None
) -> StaticEncoding:
    """The :class:`StaticEncoding` learned from the training series' :func:`static_table`
    (its columns, or ``columns``; an embedding of ``embedding_dim`` over its series)."""
    columns = tuple(table.columns) if columns is None else tuple(columns)
    categories: dict[str, tuple] = {}
    center: list[float] = []
    scale: list[float] = []
    for column in columns:
        values = table[column]
        if is_numeric_column(values):
            numbers = values.to_numpy(np.float64)
            spread = float(numbers.std()) if len(numbers) > 1 else 0.0
            center.append(float(numbers.mean()))
            scale.append(spread if spread > 0 else 1.0)
            continue
        known = tuple(sorted(pd.unique(values.to_numpy(dtype=object)), key=str))
        categories[column] = known
        center.extend([0.0] * len(known))
        scale.extend([1.0] * len(known))
    ids = tuple(_key(s) for s in table.index) if embedding_dim else ()
    return StaticEncoding(
        columns, categories, tuple(center), tuple(scale), ids,
        None if not embedding_dim else int(embedding_dim),
    )  # fmt: skip
