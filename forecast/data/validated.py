"""A frame validated once: its layout and checked columns travel with it.

:func:`validate_frame` runs every check of the data model (:func:`~forecast.data.layout.
describe_layout` and :func:`~forecast.data.columns.check_columns`); the layers above take the
:class:`ValidatedFrame` it returns and trust it instead of checking the frame again.
:func:`require_frame` refuses, before any of that, what is not a frame at all.

Example:
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"y": [1.0, 2.0, 3.0], "temp": [4.0, 5.0, 6.0]},
    ...                      index=pd.date_range("2024-01-01", periods=3, freq="h"))
    >>> validated = validate_frame(frame, "y", ["temp"])
    >>> validated.targets, validated.covariates, validated.layout.freq
    (('y',), ('temp',), <Hour>)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from forecast.data.columns import as_column_tuple, check_columns
from forecast.data.layout import SeriesLayout, describe_layout
from forecast.errors import DataValidationError


@dataclass(frozen=True, eq=False)
class ValidatedFrame:
    """A frame that passed validation, with what the checks found.

    Make it with :func:`validate_frame`; the frame is not copied, so it must not be changed
    afterwards.

    Attributes:
        frame: the frame.
        layout: its :class:`~forecast.data.layout.SeriesLayout`.
        targets: the target columns, checked numeric and free of ``inf``.
        covariates: the covariate columns, checked numeric (free of ``inf``) or categorical.
        future_covariates: the known-future covariate columns, checked like the covariates.
    """

    frame: pd.DataFrame
    layout: SeriesLayout
    targets: tuple[str, ...]
    covariates: tuple[str, ...]
    future_covariates: tuple[str, ...] = ()


def validate_frame(
    frame: pd.DataFrame,
    target: str | Sequence[str],
    covariates: str | Sequence[str] | None = None,
    freq: str | pd.DateOffset | None = None,
    future_covariates: str | Sequence[str] | None = None,
) -> ValidatedFrame:
    """Validate a frame's index, time grid and columns, once.

    Args:
        frame: one series or a panel (see :mod:`forecast.data.layout`).
        target: the column (or columns) to forecast.
        covariates: past-only input columns, or ``None``.
        freq: the grid step if it should not be inferred.
        future_covariates: columns whose values are known in advance (checked as the
            covariates are, and never also named as one), or ``None``.

    Returns:
        The :class:`ValidatedFrame`.

    Raises:
        DataValidationError: the index, the grid or a column fails validation.

    Example:
        >>> frame = pd.DataFrame({"y": [1.0, 2.0], "promo": [0.0, 1.0]},
        ...                      index=pd.date_range("2024-01-01", periods=2, freq="D"))
        >>> validate_frame(frame, "y", future_covariates="promo").future_covariates
        ('promo',)
    """
    layout = describe_layout(frame, freq=freq)
    covs, futures = as_column_tuple(covariates), as_column_tuple(future_covariates)
    for name in set(covs) & set(futures):
        raise DataValidationError(
            "column is named both as covariate (past only) and as future covariate",
            column=name,
        )
    targets, both = check_columns(frame, target, (*covs, *futures), layout)
    return ValidatedFrame(
        frame=frame,
        layout=layout,
        targets=targets,
        covariates=both[: len(covs)],
        future_covariates=both[len(covs) :],
    )


def ensure_validated(
    frame: pd.DataFrame | ValidatedFrame,
    target: str | Sequence[str] | None = None,
    covariates: str | Sequence[str] | None = None,
    freq: str | pd.DateOffset | None = None,
    future_covariates: str | Sequence[str] | None = None,
) -> ValidatedFrame:
    """A :class:`ValidatedFrame` as it is, or a plain frame validated by :func:`validate_frame`.

    A validated frame is not checked again; ``target``, ``covariates``, ``future_covariates``
    and ``freq`` may then
    be left out (``None``), and when given must be the ones it was validated with.

    Raises:
        DataValidationError: a plain frame fails validation.
        ValueError: the arguments contradict the validated frame.

    Example:
        >>> import pandas as pd
        >>> frame = pd.DataFrame({"y": [1.0, 2.0, 3.0]},
        ...                      index=pd.date_range("2024-01-01", periods=3, freq="h"))
        >>> validated = validate_frame(frame, "y")
        >>> ensure_validated(validated) is validated
        True
        >>> ensure_validated(validated, target="x")
        Traceback (most recent call last):
        ...
        ValueError: the frame was validated with target ('y',), not ('x',)
    """
    if not isinstance(frame, ValidatedFrame):
        return validate_frame(
            frame, () if target is None else target, covariates, freq, future_covariates
        )
    given = {"target": target, "covariates": covariates, "future_covariates": future_covariates}
    for name, checked in (
        ("target", frame.targets),
        ("covariates", frame.covariates),
        ("future_covariates", frame.future_covariates),
    ):
        if given[name] is not None and as_column_tuple(given[name]) != checked:
            raise ValueError(
                f"the frame was validated with {name} {checked}, not {as_column_tuple(given[name])}"
            )
    if freq is not None and pd.tseries.frequencies.to_offset(freq) != frame.layout.freq:
        raise ValueError(
            f"the frame was validated on the {frame.layout.freq.freqstr} grid, not {freq!r}"
        )
    return frame


def require_frame(frame: Any, columns: Sequence[str], arrays: str | None = None) -> None:
    """Raise a ``TypeError`` naming what ``predict`` expects unless ``frame`` is a ``DataFrame``
    (or a :class:`ValidatedFrame`).

    Args:
        frame: what was passed to ``predict``.
        columns: the columns the model reads, to name them.
        arrays: the method that takes raw windows instead, if any, to point an array to it.

    Raises:
        TypeError: ``frame`` is a ``Series``, an array or anything else but a frame.

    Example:
        >>> import pandas as pd
        >>> try:
        ...     require_frame(pd.Series([1.0, 2.0], name="y"), ["y"])
        ... except TypeError as error:
        ...     print(error)
        predict expects a pandas DataFrame holding the column(s) ['y'], indexed by timestamp (or by series id and timestamp for a panel), got a Series; use series.to_frame('y')
    """
    if isinstance(frame, (pd.DataFrame, ValidatedFrame)):
        return
    columns = list(columns)
    expected = (
        f"predict expects a pandas DataFrame holding the column(s) {columns}, indexed by "
        f"timestamp (or by series id and timestamp for a panel), got a {type(frame).__name__}"
    )
    if isinstance(frame, pd.Series):
        hint = f"; use series.to_frame({columns[0]!r})" if len(columns) == 1 else ""
    elif isinstance(frame, np.ndarray):
        hint = "; an array has no timestamps: build a DataFrame with a DatetimeIndex"
        hint += f", or pass input windows to {arrays}" if arrays else ""
    else:
        hint = ""
    raise TypeError(expected + hint)
