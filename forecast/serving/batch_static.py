"""Static covariates and a series embedding in a batch job: which columns are read, and the
signature's ``static`` and ``series_index`` arrays of a batch.

A model exported with static covariates (metadata ``static.columns``) reads them, for each
series, from the input's columns when the input has them all: they must then be constant over
the rows of the series the job reads (a series where one varies or is NaN goes to the errors
file, naming the column and the timestamp). An input without them forecasts the training
series with the values the export recorded (metadata ``static_values``); a series with none
goes to the errors file, as does a series not seen in training for a model with a series
embedding. The windows carry the arrays (see
:func:`~forecast.serving.static_serving.with_series_inputs`, named :data:`SERIES_INPUTS`), and
the batch engine pads them to its network call's batch size like the past windows.

Example:
    >>> from forecast.features.static_features import StaticEncoding
    >>> encoding = StaticEncoding(columns=("region", "capacity"),
    ...                           categories={"region": ("n", "s")}, center=(0.0, 0.0, 2.0),
    ...                           scale=(1.0, 1.0, 1.0))
    >>> input_static_columns(encoding, ["unique_id", "ds", "y", "region", "capacity"])
    ('region', 'capacity')
    >>> input_static_columns(encoding, ["unique_id", "ds", "y"])
    ()
    >>> warm_up_arrays(encoding, 2)["static"].shape
    (2, 3)
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from forecast.errors import DataValidationError
from forecast.features.static_features import StaticEncoding

#: The signature inputs that hold one row per series: the encoded static covariates and the
#: series' embedding index.
SERIES_INPUTS = ("static", "series_index")


def static_columns(encoding: StaticEncoding | None) -> tuple[str, ...]:
    """The static covariates a model reads (``()``: none)."""
    return () if encoding is None else tuple(encoding.columns)


def input_static_columns(encoding: StaticEncoding | None, names: Iterable[str]) -> tuple[str, ...]:
    """The static covariates to read from an input with the columns ``names``: all of them
    when it has them all, none when it has none (the export's training values are read).

    Raises:
        DataValidationError: the input has some of them only (naming one it lacks).
    """
    columns = static_columns(encoding)
    names = set(names)
    present = [column for column in columns if column in names]
    if present and len(present) < len(columns):
        missing = [column for column in columns if column not in names]
        raise DataValidationError(
            f"the input has the static covariate column(s) {present} but not {missing}; the "
            f"model reads them all ({list(columns)}) from the input, or else takes every one "
            "from its training values",
            advice="add the missing columns, or drop the static columns from the input",
            column=missing[0],
        )
    return tuple(present)


def warm_up_arrays(encoding: StaticEncoding | None, n: int) -> dict[str, np.ndarray]:
    """Zero ``static`` and ``series_index`` arrays of ``n`` rows, as a model needs them."""
    out: dict[str, np.ndarray] = {}
    if encoding is None:
        return out
    if encoding.columns:
        out["static"] = np.zeros((n, encoding.n_static), np.float32)
    if encoding.embedding_dim:
        out["series_index"] = np.zeros(n, np.int32)
    return out
