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
    naming the farthest one: its column, series, timestamp and distance in training ranges."""
    from forecast.nn.scaling import out_of_range

    past = latest.inputs["past"] if isinstance(latest.inputs, dict) else latest.inputs
    far = out_of_range(past, stats)
    count = int((far > 0).sum())
    if count == 0:
        return
    window, row, column = np.unravel_index(int(np.argmax(far)), far.shape)
    index = latest.index
    horizon = len(index) // len(past)
    first = index[window * horizon]
    series, start = first if isinstance(index, pd.MultiIndex) else (None, first)
    stamp = start - (input_width - row) * freq
    where = f"at {stamp}" + ("" if series is None else f" in series {series!r}")
    warnings.warn(
        f"input column {latest.input_columns[column]!r} {where} is {far[window, row, column]:.1f} "
        "training ranges beyond the values seen in training; the network reads it clipped "
        f"to its training range ({count} input value(s) beyond the range in this predict)",
        InputRangeWarning,
        stacklevel=4,
    )
