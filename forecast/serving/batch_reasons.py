"""Why a series could not be forecast, said for the user of a batch job.

A :class:`~forecast.errors.DataValidationError` says what is wrong and, for a Python user, how
to fix it (``frame.drop(...)``, ``forecast.regularize(...)``). The errors file of
``forecast batch`` is read by someone who fixes an input file, not a frame: its reasons keep
what is wrong and where (the column and the timestamp), without the Python advice, and say
that a batch job reads only the last rows of each series.

Example:
    >>> from forecast.errors import DataValidationError
    >>> error = DataValidationError("value is inf", advice="replace it with frame.replace(...)",
    ...                             column="y", series="a", timestamp="2024-01-03 23:00:00")
    >>> batch_reason(error)
    "value is inf (column 'y', at 2024-01-03 23:00:00)"
"""

from __future__ import annotations

from forecast.data.columns import NO_TARGET_VALUES
from forecast.errors import DataValidationError


def batch_reason(error: DataValidationError, rows_read: int | None = None) -> str:
    """The reason for the errors file: what is wrong, then the column and timestamp at fault
    (the series is the file's other column); no Python advice.

    Args:
        error: why the series cannot be forecast.
        rows_read: the rows the job reads at the end of each series, said where the reason
            is about them only (a target without a value there may have values before).

    Example:
        >>> error = DataValidationError(NO_TARGET_VALUES, advice="drop the series or fill "
        ...                             "its target", column="y", series="a")
        >>> batch_reason(error, rows_read=24)
        "target column has no values in the last 24 rows of the series, the rows the model reads (column 'y')"
    """
    reason = error.reason.replace("the future frame", "the future covariates' input").replace(
        "future= needs", "a forecast needs"
    )
    if reason == NO_TARGET_VALUES and rows_read is not None:
        reason = (
            f"target column has no values in the last {rows_read} rows of the series, the "
            "rows the model reads"
        )
    where = []
    if error.column is not None:
        where.append(f"column {error.column!r}")
    if error.timestamp is not None:
        where.append(f"at {error.timestamp}")
    return f"{reason} ({', '.join(where)})" if where else reason
