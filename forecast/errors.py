"""Errors raised for bad input, each naming where the problem is."""

from __future__ import annotations

from typing import Any


class DataValidationError(ValueError):
    """A frame, column or value that the toolkit cannot use as given.

    The message says what is wrong and how to fix it; the attributes say where, so a
    caller (a batch job, a notebook) can act on it without parsing the message.

    Attributes:
        reason: what is wrong (the message without the advice and the place).
        advice: how to fix it in Python (``frame.drop(...)``, ``forecast.regularize(...)``),
            or ``None``; kept apart so that a command-line job can say what is wrong
            without advice its user cannot follow (:mod:`forecast.serving.batch_reasons`).
        column: the column at fault, or ``None``.
        series: the series id at fault (panels), or ``None``.
        timestamp: the timestamp (or row label) at fault, or ``None``.

    Example:
        >>> err = DataValidationError("value is inf", column="y", timestamp="2020-01-01")
        >>> str(err)
        "value is inf [column 'y', timestamp 2020-01-01]"
        >>> isinstance(err, ValueError)
        True
        >>> err = DataValidationError("too short", advice="drop it", series="a")
        >>> str(err), err.reason, err.advice
        ("too short; drop it [series 'a']", 'too short', 'drop it')
    """

    def __init__(
        self,
        message: str,
        *,
        column: Any = None,
        series: Any = None,
        timestamp: Any = None,
        advice: str | None = None,
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
        self.advice = advice
        text = f"{message}; {advice}" if advice else message
        super().__init__(f"{text} [{', '.join(where)}]" if where else text)

    def __reduce__(self):  # keep attributes through pickling (multiprocessing, joblib)
        return (
            _rebuild_error,
            (type(self), self.reason, self.column, self.series, self.timestamp, self.advice),
        )


def _rebuild_error(cls, message, column, series, timestamp, advice=None):
    return cls(message, column=column, series=series, timestamp=timestamp, advice=advice)
