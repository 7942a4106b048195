"""What a batch job did, and the line ``forecast batch`` prints about it.

A job of three series takes a second or two (most of it loading the model and compiling its
serving function), one of a million series minutes: the rate and the time are said in units
and precision that suit either, never ``0 series/s``.

Example:
    >>> summary = BatchSummary(n_series=3, n_forecast=3)
    >>> summary.seconds["total"] = 2.5
    >>> summary.describe()
    'forecast 3 of 3 series in 2.5 s (1.2 series/s)'
    >>> rate(2_000_000, 95.0), duration(95.0), rate(2, 9.0), rate(0, 1.0)
    ('21,053 series/s', '1 min 35 s', '4.5 s per series', '')
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

#: The stages timed by a job (see :class:`BatchSummary`).
STAGES = ("load", "compile", "read", "windows", "network", "write", "total")


@dataclass
class BatchSummary:
    """What a batch job did.

    Attributes:
        n_series: series in the input (and runs of rows skipped for an empty id).
        n_forecast: series forecast.
        n_failed: series (and runs of rows with an empty id) written to the errors file.
        filled_inputs: NaN input values the missing-value policy filled for the forecasts.
        unobserved_steps: forecast steps at times of day (or week) the training data had no
            values at (closed hours): see ``future_grid``.
        output: the forecasts file; errors: the errors file (``None`` when every series was
            forecast: no errors file is written then).
        seconds: time by stage (``load`` the model, ``compile`` its serving function,
            ``read``, ``windows``, ``network``, ``write``) and ``total`` wall time. Reading
            and windowing run in a background thread, beside compiling and the network.
    """

    n_series: int = 0
    n_forecast: int = 0
    n_failed: int = 0
    filled_inputs: int = 0
    unobserved_steps: int = 0
    output: Path | None = None
    errors: Path | None = None
    seconds: dict[str, float] = field(default_factory=lambda: dict.fromkeys(STAGES, 0.0))

    @property
    def series_per_second(self) -> float:
        return self.n_series / max(self.seconds["total"], 1e-9)

    def describe(self) -> str:
        """The job in one line: series forecast, time, rate and (when set) the output."""
        total = self.seconds["total"]
        speed = rate(self.n_series, total)
        line = f"forecast {self.n_forecast:,} of {self.n_series:,} series in {duration(total)}"
        line += f" ({speed})" if speed else ""
        return line + (f" -> {self.output}" if self.output is not None else "")


def rate(n: int, seconds: float, unit: str = "series") -> str:
    """``n`` items in ``seconds`` as a rate with two significant figures (whole numbers from
    10 up): items per second, or seconds per item when under one a second; ``""`` for none.

    Example:
        >>> [rate(n, 1.0) for n in (123_456, 42, 3)], rate(3, 2.5), rate(1, 12.0)
        (['123,456 series/s', '42 series/s', '3.0 series/s'], '1.2 series/s', '12 s per series')
    """
    if n <= 0 or seconds <= 0:
        return ""
    per_second = n / seconds
    if per_second < 1:
        return f"{_figures(seconds / n, 2)} s per {unit}"
    return f"{_figures(per_second, 2)} {unit}/s"


def duration(seconds: float) -> str:
    """A time span for a person: ``0.04 s``, ``2.5 s``, ``12 s``, ``1 min 35 s``, ``2 h 5 min``.

    Example:
        >>> [duration(s) for s in (0.0412, 2.46, 12.3, 95, 7530)]
        ['0.041 s', '2.5 s', '12 s', '1 min 35 s', '2 h 5 min']
    """
    if seconds < 60:
        return f"{_figures(seconds, 2)} s"
    whole = int(round(seconds))
    if whole < 3600:
        return f"{whole // 60} min {whole % 60} s"
    return f"{whole // 3600} h {whole % 3600 // 60} min"


def _figures(value: float, figures: int = 3) -> str:
    """``value`` with about ``figures`` significant figures, whole numbers with separators."""
    if value <= 0:
        return "0"
    decimals = figures - 1 - math.floor(math.log10(value))
    return f"{value:,.{max(decimals, 0)}f}"
