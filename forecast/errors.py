"""Errors raised for bad input, each naming where the problem is."""

from __future__ import annotations

from typing import Any


class DataValidationError(ValueError):
    """A frame, column or value that the toolkit cannot use as given.

    The message says what is wrong and how to fix it; the attributes say where, so a
    caller (a batch job, a notebook) can act on it without parsing the message.

    Attributes:
        column: the column at fault, or ``None``.
        series: the series id at fault (panels), or ``None``.
        timestamp: the timestamp (or row label) at fault, or ``None``.

    Example:
        >>> err = DataValidationError("value is inf", column="y", timestamp="2020-01-01")
        >>> str(err)
        "value is inf [column 'y', timestamp 2020-01-01]"
        >>> isinstance(err, ValueError)
        True
    """

    def __init__(
        self,
        message: str,
        *,
        column: Any = None,
        series: Any = None,
        timestamp: Any = None,
    ) -> None:
        self.column = column
        self.series = series
        self.timestamp = timestamp
        where = []
        if column is not None:
            where.append(f"column {column!r}")
        if series is not None:
            where.append(f"series {series!r}")
        if timestamp is not None:
            where.append(f"timestamp {timestamp}")
        self.reason = message
        super().__init__(f"{message} [{', '.join(where)}]" if where else message)

    def __reduce__(self):  # keep attributes through pickling (multiprocessing, joblib)
        return (
            _rebuild_error,
            (type(self), self.reason, self.column, self.series, self.timestamp),
        )


def _rebuild_error(cls, message, column, series, timestamp):
    return cls(message, column=column, series=series, timestamp=timestamp)
