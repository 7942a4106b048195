"""One warning per job about categories the training split never saw, saying how many times.

Encoding a categorical covariate with the training categories turns a value outside them into
an all-zero row (:func:`forecast.features.encoding.one_hot`), which deserves a warning. A
backtest encodes the frame at every refit and every forecast, though, so warning at each
encoding said the same thing once per origin. A *job* (a ``fit``, a ``predict``, a
``backtest``, a ``compare``: the functions decorated with :func:`one_warning_per_job`)
collects what its encodings met and warns once at its end, per column, with the number of
encodings that met unseen categories; a job inside a job (the fits of a backtest) adds to the
outer one. An encoding outside any job warns at once.

Example:
    >>> import warnings
    >>> @one_warning_per_job("backtest")
    ... def job(times):
    ...     for i in range(times):
    ...         report_unseen("wind", ["W"], series="a", timestamp=f"2024-01-0{i + 1}")
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     job(3)
    >>> [str(w.message) for w in caught]  # doctest: +NORMALIZE_WHITESPACE
    ["covariate 'wind': categories ['W'] were not seen in the training split and are encoded
      as all zeros, 3 times in this backtest (first at series 'a', timestamp 2024-01-01)"]
"""

from __future__ import annotations

import contextvars
import functools
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class _Unseen:
    """What the encodings of one job met in one column."""

    categories: set[str] = field(default_factory=set)
    times: int = 0
    series: Any = None
    timestamp: Any = None


@dataclass
class _Job:
    """The unseen categories met so far by the running job, per column (first met first)."""

    name: str
    columns: dict[str, _Unseen] = field(default_factory=dict)


#: the running job of this thread or task (``None``: encodings warn at once)
_RUNNING: contextvars.ContextVar[_Job | None] = contextvars.ContextVar(
    "forecast_unseen_category_job", default=None
)


def unseen_message(
    column: str, categories: Iterable[str], times: int, job: str | None, series, timestamp
) -> str:
    """The warning's text: the column, its unseen categories, how many encodings met them
    in which job, and where the first one is (the series is ``None`` for a single series)."""
    how_often = f", {times} times in this {job}" if job and times > 1 else ""
    where = (
        f"timestamp {timestamp}" if series is None else f"series {series!r}, timestamp {timestamp}"
    )
    return (
        f"covariate {column!r}: categories {sorted(set(categories))} were not seen in the "
        f"training split and are encoded as all zeros{how_often} (first at {where})"
    )


def report_unseen(
    column: str, categories: Iterable[str], *, series, timestamp, stacklevel: int = 2
) -> None:
    """Say that an encoding of ``column`` met ``categories`` outside the training ones, the
    first at ``series`` and ``timestamp``: to the running job, or as a warning now."""
    job = _RUNNING.get()
    if job is None:
        warnings.warn(
            unseen_message(column, categories, 1, None, series, timestamp),
            UserWarning,
            stacklevel=stacklevel + 1,
        )
        return
    seen = job.columns.setdefault(column, _Unseen(series=series, timestamp=timestamp))
    seen.categories.update(str(c) for c in categories)
    seen.times += 1


def one_warning_per_job(name: str) -> Callable[[F], F]:
    """Decorate a function as a job called ``name``: the unseen categories its encodings meet
    are warned about once per column when it returns (not when it raises: its error says
    more), pointing at its caller. Called inside another job, it adds to that one."""

    def decorate(function: F) -> F:
        @functools.wraps(function)
        def job(*args, **kwargs):
            if _RUNNING.get() is not None:
                return function(*args, **kwargs)
            running = _Job(name)
            token = _RUNNING.set(running)
            try:
                result = function(*args, **kwargs)
            finally:
                _RUNNING.reset(token)
            for column, seen in running.columns.items():
                message = unseen_message(
                    column, seen.categories, seen.times, name, seen.series, seen.timestamp
                )
                warnings.warn(message, UserWarning, stacklevel=2)
            return result

        return job  # type: ignore[return-value]

    return decorate
