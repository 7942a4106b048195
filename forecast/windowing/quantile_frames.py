"""Frames of quantile forecasts, and the arithmetic of their levels.

One layout for every forecaster and every exported model (sktime's shapes):
:func:`quantile_frame` puts ``(n, horizon, n_targets, n_levels)`` values in the columns
``(target, quantile)``; :func:`interval_frame` reads the bounds of central intervals from such
a frame into the columns ``(target, coverage, bound)``, ``bound`` being ``"lower"`` (the level
``(1 - c) / 2``) and ``"upper"`` (``(1 + c) / 2``). The estimators
(:mod:`forecast.models.probabilistic`) and the loaded SavedModels
(:mod:`forecast.serving.export`) both build their frames here.

Example:
    >>> check_quantiles([0.9, 0.1, 0.5])
    (0.1, 0.5, 0.9)
    >>> interval_quantiles(0.8)
    (0.1, 0.9)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from forecast.data.validated import ValidatedFrame
from forecast.windowing.latest import LatestWindows
from forecast.windowing.series_errors import FILLED_ATTR

#: Digits quantile levels are rounded to, so ``(1 - 0.8) / 2`` is the level ``0.1``.
LEVEL_DIGITS = 10


def check_quantiles(quantiles: float | Iterable[float], name: str = "quantiles") -> tuple:
    """Quantile levels as a sorted tuple of distinct floats in ``(0, 1)``.

    Raises:
        ValueError: an empty list, or a level that is not a number in ``(0, 1)`` (naming
            ``name``).
    """
    values = [quantiles] if isinstance(quantiles, (int, float, np.number)) else list(quantiles)
    if not values:
        raise ValueError(f"{name} must hold at least one level in (0, 1)")
    for value in values:
        if isinstance(value, bool) or not isinstance(value, (int, float, np.number)):
            raise ValueError(f"{name} must be numbers in (0, 1), got {value!r}")
        if not 0.0 < float(value) < 1.0:
            raise ValueError(f"{name} must lie in (0, 1), got {value!r}")
    return tuple(sorted({round(float(v), LEVEL_DIGITS) for v in values}))


def interval_quantiles(coverage: float) -> tuple[float, float]:
    """The quantile levels ``((1 - c) / 2, (1 + c) / 2)`` bounding the central interval of
    coverage ``c``."""
    (c,) = check_quantiles(coverage, "coverage")
    return round((1.0 - c) / 2.0, LEVEL_DIGITS), round((1.0 + c) / 2.0, LEVEL_DIGITS)


def long_quantile_column(target: str, level: float) -> str:
    """The column of a long ``predict_quantiles`` (and, as ``forecast_q<level>``, of
    ``forecast batch``) holding ``target``'s quantile ``level``.

    Example:
        >>> long_quantile_column("y", 0.1)
        'y_q0.1'
    """
    return f"{target}_q{float(level):g}"


def long_interval_column(target: str, coverage: float, bound: str) -> str:
    """The column of a long ``predict_interval`` holding a bound of ``target``'s interval of
    ``coverage`` (in percent, as the leaderboard's ``coverage_80``).

    Example:
        >>> long_interval_column("y", 0.8, "lower"), long_interval_column("y", 0.95, "upper")
        ('y_lower_80', 'y_upper_95')
    """
    return f"{target}_{bound}_{100 * float(coverage):g}"


def flat_columns(frame: pd.DataFrame, name) -> pd.DataFrame:
    """``frame`` with its ``MultiIndex`` columns named ``name(*levels)``, one level each (the
    columns of a long quantile or interval frame); its ``attrs`` kept.

    Example:
        >>> columns = pd.MultiIndex.from_tuples([("y", 0.1), ("y", 0.9)])
        >>> flat_columns(pd.DataFrame([[1.0, 2.0]], columns=columns), long_quantile_column)
           y_q0.1  y_q0.9
        0     1.0     2.0
    """
    flat = frame.copy(deep=False)
    flat.columns = [name(*column) for column in frame.columns]
    flat.attrs = dict(frame.attrs)
    return flat


def quantile_frame(
    latest: LatestWindows | None,
    values: np.ndarray | None,
    targets: Sequence[str],
    levels: Sequence[float],
    frame: pd.DataFrame | ValidatedFrame,
) -> pd.DataFrame:
    """The frame of ``predict_quantiles``: ``values`` ``(n, horizon, n_targets, n_levels)``
    indexed by ``latest.index``, the columns ``(target, quantile)`` (a ``MultiIndex``); with
    no ``latest`` (every series skipped), an empty frame with the index of ``frame``.
    ``attrs["filled_inputs"]`` as ``predict`` sets it."""
    columns = pd.MultiIndex.from_product(
        [list(targets), list(levels)], names=["target", "quantile"]
    )
    if latest is None:
        index = (frame.frame if isinstance(frame, ValidatedFrame) else frame).index[:0]
        data = np.zeros((0, len(columns)))
    else:
        index = latest.index
        data = np.asarray(values, dtype=np.float64).reshape(len(index), -1)
    out = pd.DataFrame(data, index, columns)
    out.attrs[FILLED_ATTR] = 0 if latest is None else int(latest.filled_inputs)
    return out


def interval_frame(
    quantiles: pd.DataFrame, targets: Sequence[str], coverages: Iterable[float]
) -> pd.DataFrame:
    """The frame of ``predict_interval`` from a :func:`quantile_frame` holding the bounds of
    every coverage: the columns ``(target, coverage, bound)`` (its ``attrs`` kept)."""
    columns, parts = [], []
    for target in targets:
        for c in coverages:
            for bound, level in zip(("lower", "upper"), interval_quantiles(c)):
                columns.append((target, c, bound))
                parts.append(quantiles[(target, level)].to_numpy())
    values = np.column_stack(parts) if parts else np.zeros((len(quantiles), 0))
    names = ["target", "coverage", "bound"]
    frame = pd.DataFrame(values, quantiles.index, pd.MultiIndex.from_tuples(columns, names=names))
    frame.attrs.update(quantiles.attrs)
    return frame
