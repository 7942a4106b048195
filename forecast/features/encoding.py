"""The one float32 array that windows are cut from: targets, encoded covariates, calendar.

Columns come in a fixed order, which the windowing and the models rely on: the targets first,
then the covariates (categoricals one-hot encoded as ``"column=category"``), then the
known-future inputs: the future covariates (encoded the same way), then the calendar
features. The known-future inputs are the last columns (``future_columns``): a window reads
them for its input rows like any input, and for its forecast steps as its ``"future"`` part. NaN inputs are filled as the missing-value policy allows (the
``"fill"`` policy leaves them to each window, see :func:`~forecast.data.missing.fill_windows`);
the masks record which rows hold a NaN label (never filled) or a NaN input after filling, and
``input_nan_counts`` how many NaN input values each row held before any filling.

Example:
    >>> import pandas as pd
    >>> from forecast.data.layout import describe_layout
    >>> frame = pd.DataFrame({"y": [1.0, 2.0, 3.0], "wind": ["N", "S", "N"]},
    ...                      index=pd.date_range("2024-01-01", periods=3, freq="h"))
    >>> features = build_features(frame, describe_layout(frame), ("y",), ("wind",), (), MissingPolicy())
    >>> features.input_columns
    ('y', 'wind=N', 'wind=S')
    >>> features.values.tolist()
    [[1.0, 1.0, 0.0], [2.0, 0.0, 1.0], [3.0, 1.0, 0.0]]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from forecast.data.columns import as_column_tuple, is_numeric_column
from forecast.data.layout import SeriesLayout
from forecast.data.missing import MissingPolicy, aligned_empty, forward_fill
from forecast.features.calendar_features import calendar_columns, calendar_features
from forecast.features.category_warnings import report_unseen


@dataclass(frozen=True, eq=False)
class Features:
    """The input array of a frame and what is known about each of its rows.

    Attributes:
        values: ``(rows, n_inputs)`` float32 array, NaN inputs filled as the policy allows
            (none under ``"fill"``: each window is filled when it is gathered).
            When the frame already is exactly that (float32 columns in input order, one
            row-major, 64-byte aligned block) and nothing needs filling, this *is* the
            frame's memory; otherwise a 64-byte aligned array that TensorFlow can share.
        input_columns: the names of its columns.
        calendar_columns: the calendar columns (the last ones).
        future_columns: the known-future columns (the last ones): the encoded future
            covariates, then the calendar columns.
        categories: for each categorical covariate, its categories (in encoding order).
        label_nan: rows whose target holds a NaN (before any filling).
        input_nan: rows with a NaN input after filling.
        block_ids: each row's gap-free block (see :meth:`SeriesLayout.block_ids`).
        missing: the missing-value policy the features were built with.
        input_nan_counts: for every row, how many of its input values were NaN before any
            filling (``None`` when none was): a kept window filled exactly these.
        nan_columns: the input columns holding a NaN after filling.
    """

    values: np.ndarray
    input_columns: tuple[str, ...]
    calendar_columns: tuple[str, ...]
    categories: dict[str, tuple]
    label_nan: np.ndarray
    input_nan: np.ndarray
    block_ids: np.ndarray
    missing: MissingPolicy = MissingPolicy()
    input_nan_counts: np.ndarray | None = None
    nan_columns: tuple[int, ...] = ()
    future_columns: tuple[str, ...] = ()
    future_nan: np.ndarray | None = None

    @property
    def n_future(self) -> int:
        """The number of known-future columns (the last ones)."""
        return len(self.future_columns)


def build_features(
    frame: pd.DataFrame,
    layout: SeriesLayout,
    targets: tuple[str, ...],
    covariates: tuple[str, ...],
    calendar: str | Sequence[str],
    missing: MissingPolicy,
    categories: dict[str, tuple] | None = None,
    fit_rows: np.ndarray | None = None,
    future_covariates: tuple[str, ...] = (),
) -> Features:
    """Build the input array of a validated frame.

    Args:
        frame: the frame, already validated (:func:`~forecast.data.layout.describe_layout`,
            :func:`~forecast.data.columns.check_columns`).
        layout: its layout.
        targets: target columns.
        covariates: covariate columns.
        calendar: calendar feature names.
        missing: the :class:`~forecast.data.missing.MissingPolicy`.
        categories: the categories of each categorical covariate, when already known (at
            prediction time, the ones seen in training); learned from ``fit_rows`` otherwise.
        fit_rows: boolean mask of the rows categories are learned from (the training split);
            all rows when ``None``.
        future_covariates: known-future covariate columns, encoded as the covariates are
            and placed after them, before the calendar.

    Returns:
        The :class:`Features`.

    Example:
        >>> import pandas as pd
        >>> from forecast.data.layout import describe_layout
        >>> frame = pd.DataFrame({"y": [1.0, 2.0], "promo": [0.0, 1.0]},
        ...                      index=pd.date_range("2024-01-01", periods=2, freq="D"))
        >>> features = build_features(frame, describe_layout(frame), ("y",), (), ("month",),
        ...                           MissingPolicy(), future_covariates=("promo",))
        >>> features.future_columns
        ('promo', 'month_sin', 'month_cos')
    """
    covariate_columns, learned = _covariate_columns(frame, layout, covariates, categories, fit_rows)
    future_columns, learned_future = _covariate_columns(
        frame, layout, future_covariates, categories, fit_rows
    )
    learned = {**learned, **learned_future}
    columns = [(name, frame[name]) for name in targets] + covariate_columns + future_columns
    calendar_names = calendar_columns(calendar)
    if calendar_names:
        table = calendar_features(layout.timestamps, as_column_tuple(calendar))
        columns.extend((name, table[name]) for name in calendar_names)
    names = tuple(name for name, _ in columns)

    raw = _shared_block(frame, names) if not (learned or calendar_names) else None
    if raw is None:
        raw = aligned_empty((layout.n_rows, len(columns)))
        for j, (_, column) in enumerate(columns):
            raw[:, j] = (
                column.to_numpy(dtype=np.float32, na_value=np.nan)
                if isinstance(column, pd.Series)
                else column
            )
    block_ids = layout.block_ids()
    label_nan = _nan_rows(raw[:, : len(targets)])
    counts = _nan_counts(raw)
    values = raw
    if missing.inputs == "ffill" and counts is not None:
        values = forward_fill(raw, block_ids, missing.limit)
    nan_rows = np.zeros(layout.n_rows, dtype=bool) if counts is None else _nan_rows(values)
    n_future = len(future_columns) + len(calendar_names)
    future_nan = None
    if future_columns and counts is not None:  # a forecast step needs every future covariate
        future_nan = _nan_rows(values[:, len(names) - n_future : len(names) - len(calendar_names)])
    return Features(
        values=values,
        input_columns=names,
        calendar_columns=calendar_names,
        categories=learned,
        label_nan=label_nan,
        input_nan=nan_rows,
        block_ids=block_ids,
        missing=missing,
        input_nan_counts=counts,
        nan_columns=() if counts is None else _nan_columns(values),
        future_columns=names[len(names) - n_future :] if n_future else (),
        future_nan=future_nan if future_nan is not None and future_nan.any() else None,
    )


def _covariate_columns(
    frame: pd.DataFrame,
    layout: SeriesLayout,
    covariates: tuple[str, ...],
    categories: dict[str, tuple] | None,
    fit_rows: np.ndarray | None,
) -> tuple[list[tuple[str, Any]], dict[str, tuple]]:
    """The covariates' input columns as ``(name, values)`` in input order, and the categories
    of the categorical ones (as given in ``categories``, or learned from ``fit_rows``).

    A numeric covariate is one column; a categorical one (or one ``categories`` names) is
    one-hot encoded into a column per category, named ``"column=category"``.
    """
    known = dict(categories or {})
    learn_from = np.ones(layout.n_rows, dtype=bool) if fit_rows is None else fit_rows
    learned: dict[str, tuple] = {}
    columns: list[tuple[str, Any]] = []
    for name in covariates:
        column = frame[name]
        if is_numeric_column(column) and name not in known:
            columns.append((name, column))
            continue
        seen = known.get(name)
        if seen is None:
            present = ~pd.isna(column).to_numpy()
            seen = tuple(
                sorted(pd.unique(column.to_numpy(dtype=object)[learn_from & present]), key=str)
            )
        learned[name] = seen
        encoded = one_hot(column, seen, layout)
        columns.extend((f"{name}={value}", encoded[:, j]) for j, value in enumerate(seen))
    return columns, learned


def _nan_rows(values: np.ndarray) -> np.ndarray:
    """Rows holding a NaN, checked column by column (no rows x columns temporary)."""
    rows = np.zeros(len(values), dtype=bool)
    for j in range(values.shape[1]):
        rows |= np.isnan(values[:, j])
    return rows


def _nan_counts(values: np.ndarray) -> np.ndarray | None:
    """How many NaN values each row holds (``None`` when none does), column by column."""
    counts = None
    for j in range(values.shape[1]):
        nan = np.isnan(values[:, j])
        if nan.any():
            if counts is None:
                counts = np.zeros(len(values), dtype=np.int32)
            counts += nan
    return counts


def _nan_columns(values: np.ndarray) -> tuple[int, ...]:
    """The columns holding a NaN."""
    return tuple(j for j in range(values.shape[1]) if np.isnan(values[:, j]).any())


def _shared_block(frame: pd.DataFrame, names: tuple[str, ...]) -> np.ndarray | None:
    """The frame's own memory as a rows x columns float32 array, when its columns are exactly
    ``names``, all float32, stored as one row-major block on a 64-byte boundary (so that
    TensorFlow can share it too): then no copy is needed."""
    if tuple(frame.columns) != names or not all(dtype == np.float32 for dtype in frame.dtypes):
        return None
    values = frame.to_numpy(dtype=np.float32, copy=False)
    if not values.flags.c_contiguous or values.ctypes.data % 64:
        return None
    return values


def one_hot(column: pd.Series, categories: tuple, layout: SeriesLayout) -> np.ndarray:
    """One-hot encode a column with fixed categories.

    A value outside ``categories`` becomes an all-zero row (with a warning naming the values
    and where the first one is, once per job: see :mod:`forecast.features.category_warnings`);
    a missing value becomes a NaN row, left to the missing-value policy.
    """
    values = column.to_numpy(dtype=object)
    missing = pd.isna(column).to_numpy()
    codes = pd.Index(categories, dtype=object).get_indexer(values)
    unseen = (codes < 0) & ~missing
    if unseen.any():
        row = int(np.argmax(unseen))
        where = layout.where(row)
        report_unseen(
            str(column.name),
            {str(v) for v in values[unseen]},
            series=where["series"],
            timestamp=where["timestamp"],
            stacklevel=5,
        )
    encoded = np.zeros((len(values), len(categories)), dtype=np.float32)
    hit = codes >= 0
    encoded[np.flatnonzero(hit), codes[hit]] = 1.0
    encoded[missing] = np.nan
    return encoded
