"""What a comparison is doing: which model, which origin block, how long the model has left.

:func:`forecast.compare` (and so ``forecast run``) prints, for each model, one line per block
of origins it fits and forecasts (a block is the origins between two refits; one block when
the model is fitted once), with the time left for that model estimated from its blocks so far;
a fast model's blocks are said at most every :data:`EVERY` seconds. The lines go to stdout,
never as redraws, so they read the same in a terminal and in a log.

Example:
    >>> import io, pandas as pd
    >>> out = io.StringIO()
    >>> origins = pd.date_range("2024-01-01", periods=4, freq="D")
    >>> progress = BacktestProgress("[2/3] LSTM", n_blocks=2, stream=out, every=0.0)
    >>> progress.block(0, origins[:2], training_rows=480)
    >>> progress.block(1, origins[2:], training_rows=528)
    >>> progress.done(n_origins=4)
    >>> print(out.getvalue().replace("0.0 s", "T"))  # doctest: +NORMALIZE_WHITESPACE
    [2/3] LSTM: origin block 1/2 (2 origins, 2024-01-01 .. 2024-01-02): fitting on 480 rows
    [2/3] LSTM: origin block 2/2 (2 origins, 2024-01-03 .. 2024-01-04): fitting on 528 rows;
      about T left for LSTM
    [2/3] LSTM: 4 origins backtested in T
"""

from __future__ import annotations

import sys
import time
from typing import IO

import pandas as pd

from forecast._progress import format_duration

#: the fewest seconds between two block lines of one model (its first and last always shown)
EVERY = 5.0


class BacktestProgress:
    """The progress lines of one model's backtest.

    Args:
        label: how the model is named, e.g. ``"[5/6] LSTM"``.
        n_blocks: how many origin blocks it fits and forecasts.
        stream: where the lines go (default ``sys.stdout``).
        every: the fewest seconds between two block lines.
    """

    def __init__(
        self, label: str, n_blocks: int, stream: IO[str] | None = None, every: float = EVERY
    ):
        self.label, self.n_blocks, self.every = label, int(n_blocks), float(every)
        self.stream = sys.stdout if stream is None else stream
        self.started = time.perf_counter()
        self.last_line = -float("inf")

    def block(self, index: int, origins: pd.DatetimeIndex, training_rows: int) -> None:
        """Say that block ``index`` (from 0) starts: its origins and the rows it is fitted
        on, and once a block is done, about how long the model's remaining blocks take."""
        now = time.perf_counter()
        last = index == self.n_blocks - 1
        if index and not last and now - self.last_line < self.every:
            return
        self.last_line = now
        span = f"{len(origins)} origin{'s' * (len(origins) != 1)}, {origins[0]}"
        if len(origins) > 1:
            span += f" .. {origins[-1]}"
        if self.n_blocks == 1:
            line = (
                f"{self.label}: fitting on {training_rows:,} rows, then forecasting {_short(span)}"
            )
        else:
            line = (
                f"{self.label}: origin block {index + 1}/{self.n_blocks} ({_short(span)}): "
                f"fitting on {training_rows:,} rows"
            )
        if index:
            left = (now - self.started) / index * (self.n_blocks - index)
            name = self.label.split("] ", 1)[-1]
            line += f"; about {format_duration(left)} left for {name}"
        print(line, file=self.stream, flush=True)

    def done(self, n_origins: int) -> None:
        """Say that the model's backtest is over, and how long it took."""
        seconds = format_duration(time.perf_counter() - self.started)
        print(f"{self.label}: {n_origins} origins backtested in {seconds}", file=self.stream)


def _short(text: str) -> str:
    """Timestamps at midnight without their time of day."""
    return text.replace(" 00:00:00", "")
