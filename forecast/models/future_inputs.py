"""A forecaster's known-future covariates: which it reads, and what ``predict`` needs for them.

A forecaster whose class has the tag ``reads_future_covariates`` (the networks,
:class:`~forecast.models.baselines.LinearForecaster`) reads the columns its
``future_covariates`` parameter names: in the input rows like any input and at the forecast
steps beside the calendar. ``predict`` then needs their values for the forecast steps as
``future=`` (see :mod:`forecast.windowing.future_frame`). The other forecasters accept the
parameter for interchangeability, never read the columns and ignore ``future=``.

Example:
    >>> import forecast
    >>> read_future_covariates(forecast.LinearForecaster(future_covariates="promo"))
    ('promo',)
    >>> read_future_covariates(forecast.Naive(future_covariates="promo")) is None
    True
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from forecast.data.columns import as_column_tuple
from forecast.windowing.future_frame import require_future
from forecast.windowing.input_schema import InputSchema


def read_future_covariates(forecaster: Any) -> tuple[str, ...] | None:
    """The ``future_covariates`` ``forecaster`` reads (``None``: none, or it reads none)."""
    if not forecaster.get_tag("reads_future_covariates"):
        return None
    return as_column_tuple(forecaster.get_params(deep=False).get("future_covariates")) or None


def future_for_predict(
    forecaster: Any, schema: InputSchema, future: pd.DataFrame | None
) -> pd.DataFrame | None:
    """The ``future=`` frame a ``predict`` of a fitted forecaster reads (``None`` when it was
    fitted without future covariates: the argument is then ignored).

    Raises:
        ValueError: the forecaster was fitted with future covariates and ``future`` is
            ``None``, naming the parameter and the columns.
    """
    name = type(forecaster).__name__
    return require_future(future, schema.future_covariate_columns, schema.horizon, name)
