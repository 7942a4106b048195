"""Column checks: names, roles, numeric types and finite values, with errors naming the cell."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from forecast.data.layout import SeriesLayout
from forecast.errors import DataValidationError

# --------------------------------------------------------------------------- columns


def as_column_tuple(columns: str | Iterable[str] | None) -> tuple[str, ...]:
    """Normalise a column argument (one name, several, or ``None``) to a tuple of names.

    Example:
        >>> as_column_tuple("y"), as_column_tuple(["a", "b"]), as_column_tuple(None)
        (('y',), ('a', 'b'), ())
    """
    if columns is None:
        return ()
    if isinstance(columns, str):
        return (columns,)
    return tuple(columns)


def check_columns(
    frame: pd.DataFrame,
    target: str | Sequence[str],
    covariates: str | Sequence[str] | None = None,
    layout: SeriesLayout | None = None,
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Check the columns named as target and covariates and return them as tuples.

    Targets must be numeric. Covariates may be numeric or categorical (pandas ``category``,
    ``bool`` or text columns), which the windowing one-hot encodes. Numeric columns must
    not hold ``inf``; NaN is left to the :class:`MissingPolicy`.

    Args:
        frame: the frame whose columns are checked.
        target: the column (or columns) to forecast.
        covariates: past-only input columns, or ``None``.
        layout: the frame's layout (only used to say where a bad value is).

    Returns:
        ``(targets, covariates)`` as tuples of column names.

    Raises:
        DataValidationError: an unknown column, a column named twice, a target that is not
            numeric, numbers stored as text, or an ``inf`` value.

    Example:
        >>> import pandas as pd
        >>> frame = pd.DataFrame({"y": [1.0, 2.0], "temp": [3.0, 4.0]},
        ...                      index=pd.date_range("2024-01-01", periods=2, freq="h"))
        >>> check_columns(frame, "y", ["temp"])
        (('y',), ('temp',))
    """
    targets = as_column_tuple(target)
    covs = as_column_tuple(covariates)
    if not targets:
        raise DataValidationError("no target column given")
    for role, names in (("target", targets), ("covariate", covs)):
        for name in names:
            if name not in frame.columns:
                close = difflib.get_close_matches(str(name), [str(c) for c in frame.columns], n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                raise DataValidationError(
                    f"{role} column not found; the frame has columns {list(frame.columns)}{hint}",
                    column=name,
                )
    for name in set(targets) & set(covs):
        raise DataValidationError("column is named both as target and as covariate", column=name)
    for names in (targets, covs):
        if len(set(names)) != len(names):
            dup = next(n for n in names if names.count(n) > 1)
            raise DataValidationError("column is named twice", column=dup)
    for name in targets:
        if not is_numeric_column(frame[name]):
            _raise_not_numeric(frame, name, layout, role="target")
    for name in covs:
        column = frame[name]
        if not is_numeric_column(column) and _looks_numeric_text(column):
            _raise_not_numeric(frame, name, layout, role="covariate")
    for name in targets + covs:
        if is_numeric_column(frame[name]):
            _check_finite_or_nan(frame, name, layout)
    return targets, covs


def is_numeric_column(column: pd.Series) -> bool:
    """Whether a column holds numbers (booleans are categories, not numbers)."""
    return pd.api.types.is_numeric_dtype(column.dtype) and not pd.api.types.is_bool_dtype(
        column.dtype
    )


def _looks_numeric_text(column: pd.Series) -> bool:
    if not (
        pd.api.types.is_object_dtype(column.dtype) or pd.api.types.is_string_dtype(column.dtype)
    ):
        return False
    present = column.dropna()
    if present.empty:
        return False
    parsed = pd.to_numeric(present.astype(str).str.strip(), errors="coerce")
    return bool(parsed.notna().all())


def _raise_not_numeric(
    frame: pd.DataFrame, name: str, layout: SeriesLayout | None, role: str
) -> None:
    column = frame[name]
    where: dict[str, Any] = {}
    if pd.api.types.is_object_dtype(column.dtype) or pd.api.types.is_string_dtype(column.dtype):
        text = column.astype(str).str.strip()
        parsed = pd.to_numeric(text.where(column.notna(), "nan"), errors="coerce")
        bad = np.flatnonzero(parsed.isna().to_numpy() & column.notna().to_numpy())
        if len(bad) == 0:
            raise DataValidationError(
                f"{role} column holds numbers stored as text ({column.dtype}); convert it with "
                f"frame[{name!r}] = pd.to_numeric(frame[{name!r}].str.strip())",
                column=name,
            )
        row = int(bad[0])
        where = layout.where(row) if layout is not None else {"timestamp": frame.index[row]}
        raise DataValidationError(
            f"{role} column must be numeric, but holds text such as {column.iloc[row]!r}; "
            "convert it with pd.to_numeric or, for a covariate, make it a category",
            column=name,
            **where,
        )
    raise DataValidationError(
        f"{role} column must be numeric, got dtype {column.dtype}"
        + ("; categorical columns can only be covariates" if role == "target" else ""),
        column=name,
    )


def _check_finite_or_nan(frame: pd.DataFrame, name: str, layout: SeriesLayout | None) -> None:
    values = frame[name].to_numpy(dtype=np.float64, na_value=np.nan)
    bad = np.flatnonzero(np.isinf(values))
    if len(bad):
        row = int(bad[0])
        where = layout.where(row) if layout is not None else {"timestamp": frame.index[row]}
        raise DataValidationError(
            f"value is {values[row]}; replace infinities with NaN (frame.replace([np.inf, "
            "-np.inf], np.nan)) to treat them as missing",
            column=name,
            **where,
        )
