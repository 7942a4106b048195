"""The warning ``predict`` gives when an input lies beyond the range the network was trained on.

The networks clip their numeric covariates to the training range widened by a quarter of it on
each side (:mod:`forecast.nn.scaling`), so such a value cannot blow the forecast up; the user is
still told, once per ``predict``, which column, where and how far out it was.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd


class InputRangeWarning(UserWarning):
    """An input of ``predict`` lies beyond the training range; it was clipped."""


def warn_out_of_range(latest, stats, input_width: int, freq) -> None:
    """Warn once about the inputs of ``latest`` beyond the clipping bounds of ``stats``,
    naming the farthest one: its column, series, timestamp and distance in training ranges.
    The known-future inputs of the forecast steps (the future covariates from ``future=``)
    are checked too, with the bounds of their columns."""
    from forecast.nn.scaling import out_of_range

    past = latest.inputs["past"] if isinstance(latest.inputs, dict) else latest.inputs
    far = out_of_range(past, stats)
    index = latest.index
    horizon = len(index) // len(past)
    candidates = []
    if far.size:
        window, row, column = np.unravel_index(int(np.argmax(far)), far.shape)
        first = index[window * horizon]
        series, start = first if isinstance(index, pd.MultiIndex) else (None, first)
        candidates.append(
            (far[window, row, column], series, start - (input_width - row) * freq, column)
        )
    count = int((far > 0).sum())
    if isinstance(latest.inputs, dict) and "future" in latest.inputs:
        ahead = _future_out_of_range(latest.inputs["future"], stats)
        count += int((ahead > 0).sum())
        if ahead.size:
            window, step, j = np.unravel_index(int(np.argmax(ahead)), ahead.shape)
            stamp = index[window * horizon + step]
            series, stamp = stamp if isinstance(index, pd.MultiIndex) else (None, stamp)
            column = len(latest.input_columns) - ahead.shape[-1] + j
            candidates.append((ahead[window, step, j], series, stamp, column))
    if count == 0:
        return
    distance, series, stamp, column = max(candidates, key=lambda c: c[0])
    where = f"at {stamp}" + ("" if series is None else f" in series {series!r}")
    warnings.warn(
        f"input column {latest.input_columns[column]!r} {where} is {distance:.1f} "
        "training ranges beyond the values seen in training; the network reads it clipped "
        f"to its training range ({count} input value(s) beyond the range in this predict)",
        InputRangeWarning,
        stacklevel=4,
    )


def _future_out_of_range(future: np.ndarray, stats) -> np.ndarray:
    """:func:`~forecast.nn.scaling.out_of_range` of the known-future inputs, whose columns
    are the last input columns."""
    from dataclasses import replace

    from forecast.nn.scaling import out_of_range

    n = future.shape[-1]
    first = len(stats.center) - n
    if stats.low is None:
        return np.zeros(future.shape)
    tail = replace(
        stats,
        center=stats.center[first:],
        scale=stats.scale[first:],
        low=stats.low[first:],
        high=stats.high[first:],
    )
    return out_of_range(future, tail)
