"""Column checks: names, roles, numeric types and values, with errors naming the cell.

Numeric columns reach every model as float32 (the input array of :mod:`forecast.features`), so
their values are checked against float32 here: a value beyond its range is an error, and a
target whose variation float32 cannot resolve at its magnitude draws a warning.
"""

from __future__ import annotations

import difflib
import warnings
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from forecast.data.layout import SeriesLayout
from forecast.errors import DataValidationError

#: The dtype numeric columns are read in by the models (the features layer's input array).
INPUT_DTYPE = np.float32
#: The reason of a target column without a value (in a series, or in the frame).
NO_TARGET_VALUES = "target column has no values (every value is NaN)"
#: A target whose range in a series spans fewer float32 steps (at its magnitude) than this draws
#: a warning: rounded to those steps, its values lose up to 5% of their range.
BLUR_WARNING_STEPS = 10

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

    Targets must be numeric and hold values (not only NaN, in every series). Covariates may be
    numeric or categorical (pandas ``category``, ``bool`` or text columns), which the windowing
    one-hot encodes. Numeric columns must not hold ``inf`` or values beyond the float32 range
    (about ``±3.4e38``); other NaN values are left to the :class:`MissingPolicy`.

    A target whose range in a series spans fewer than :data:`BLUR_WARNING_STEPS` float32 steps
    at its magnitude (values near ``1e8`` varying by less than 80: float32 steps by 8 there)
    draws one ``RuntimeWarning`` per column and call, naming the first such series: the
    models read its values rounded to those steps.

    Args:
        frame: the frame whose columns are checked.
        target: the column (or columns) to forecast.
        covariates: past-only input columns, or ``None``.
        layout: the frame's layout (only used to say where a bad value is).

    Returns:
        ``(targets, covariates)`` as tuples of column names.

    Raises:
        DataValidationError: an unknown column, a column named twice, a target that is not
            numeric or has no values (in a series), numbers stored as text, an ``inf`` value,
            or a value beyond the float32 range.

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
        if not is_numeric_column(frame[name]):
            continue
        values = frame[name].to_numpy(dtype=np.float64, na_value=np.nan)
        _check_values(values, frame, name, layout)
        if name in targets:
            _check_target_has_values(values, name, layout)
            _warn_if_float32_blurs(values, name, layout)
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


def _where(frame: pd.DataFrame, layout: SeriesLayout | None, row: int) -> dict[str, Any]:
    return layout.where(row) if layout is not None else {"timestamp": frame.index[row]}


def _series_starts(layout: SeriesLayout | None) -> np.ndarray:
    """The first row of every series (the whole frame is one without a layout)."""
    return np.asarray(layout.starts[:-1] if layout is not None else [0], dtype=np.int64)


def _check_values(
    values: np.ndarray, frame: pd.DataFrame, name: str, layout: SeriesLayout | None
) -> None:
    """Refuse ``inf``, and finite values that float32 (the models' inputs) turns into ``inf``."""
    bad = np.flatnonzero(np.isinf(values))
    if len(bad):
        row = int(bad[0])
        raise DataValidationError(
            f"value is {values[row]}",
            advice="replace infinities with NaN (frame.replace([np.inf, -np.inf], np.nan)) to "
            "treat them as missing",
            column=name,
            **_where(frame, layout, row),
        )
    largest = float(np.finfo(INPUT_DTYPE).max)
    bad = np.flatnonzero(np.abs(values) > largest)
    if len(bad):
        row = int(bad[0])
        raise DataValidationError(
            f"value {values[row]:.3g} does not fit float32, the dtype the models read (its "
            f"largest value is {largest:.2g}); rescale the column (e.g. divide it by a power "
            "of ten) first",
            column=name,
            **_where(frame, layout, row),
        )


def _check_target_has_values(values: np.ndarray, name: str, layout: SeriesLayout | None) -> None:
    """Refuse a target that is NaN in every row of a series: there is nothing to learn from
    or forecast."""
    has_values = np.logical_or.reduceat(~np.isnan(values), _series_starts(layout))
    if has_values.all():
        return
    empty = int(np.argmin(has_values))
    series = layout.series_ids[empty] if layout is not None else None
    fix = "drop the series or fill its target" if series is not None else "check the column"
    raise DataValidationError(
        NO_TARGET_VALUES,
        advice=fix,
        column=name,
        series=series,
    )


def _warn_if_float32_blurs(values: np.ndarray, name: str, layout: SeriesLayout | None) -> None:
    """Warn (once) when a target's range in some series spans fewer than
    :data:`BLUR_WARNING_STEPS` float32 steps at its magnitude: the models read values rounded
    to those steps, which blurs its shape."""
    starts = _series_starts(layout)
    highest = np.fmax.reduceat(values, starts)
    lowest = np.fmin.reduceat(values, starts)
    spread = highest - lowest
    magnitude = np.maximum(np.abs(highest), np.abs(lowest))
    step = np.spacing(magnitude.astype(INPUT_DTYPE)).astype(np.float64)
    blurred = np.flatnonzero((spread > 0) & (spread < BLUR_WARNING_STEPS * step))
    if len(blurred) == 0:
        return
    first = int(blurred[0])
    series = layout.series_ids[first] if layout is not None else None
    where = "" if series is None else f" in {len(blurred)} series (first {series!r})"
    warnings.warn(
        f"float32 rounding blurs target column {name!r}{where}: its values near "
        f"{magnitude[first]:.3g} vary by {spread[first]:.3g}, but float32 has a step of "
        f"{step[first]:.3g} there, so the models read them rounded; subtract a level (e.g. "
        f"frame[{name!r}] - {lowest[first]:.6g}) or rescale the column first",
        RuntimeWarning,
        stacklevel=2,
    )
