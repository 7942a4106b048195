"""Is one forecaster clearly better than another on the validation windows?

Validation sets are often small (a monthly series gives a dozen windows, all overlapping) and
their scores noisy: a choice made on the lowest mean error alone follows the noise. The
choices a fit makes between a simpler and a more complex network on validation (whether to
keep the trained weights over the untrained anchor, whether to read the covariates)
therefore go to the more complex option only when it is *clearly* better: when its mean error per window is lower by more than one
standard error of the paired difference (the one-standard-error rule of model selection).
Keeping the trained weights whenever their mean validation error is merely lower was measured
on the generalisation benchmark and not kept
(``benchmarks/results/generalization_keep_trained.json``): it changed two of 20 datasets, daily
pageviews 1% better and monthly wine sales 3.7% worse than before.

Consecutive windows of one series overlap (a window of ``horizon`` steps shares all but one
of them with the next when ``stride=1``), so their errors are far from independent: the
standard error counts ``n_windows / block`` effective windows, with ``block`` the windows one
horizon spans (``ceil(horizon / stride)``).

Example:
    >>> import numpy as np
    >>> noise = np.random.default_rng(0).normal(size=200)
    >>> clearly_better(1.0 + noise, 2.0 + noise, block=1)  # always 1 better
    True
    >>> clearly_better(1.0 + noise, 1.0 + noise[::-1], block=1)  # better on some windows only
    False
    >>> clearly_better(np.array([1.0]), np.array([2.0]), block=1)  # one window proves nothing
    False
"""

from __future__ import annotations

import numpy as np


def standard_error(differences: np.ndarray, block: int = 1) -> float:
    """The standard error of the mean of per-window ``differences``, counting
    ``len(differences) / block`` effective windows (at least one); ``inf`` with fewer than two
    windows.

    Example:
        >>> standard_error(np.array([0.0, 2.0, 0.0, 2.0])), standard_error(np.array([0.0, 2.0, 0.0, 2.0]), block=4)
        (0.5773502691896257, 1.1547005383792515)
    """
    differences = np.asarray(differences, np.float64)
    differences = differences[np.isfinite(differences)]
    if differences.size < 2:
        return float("inf")
    effective = max(1.0, differences.size / max(1, int(block)))
    return float(differences.std(ddof=1) / np.sqrt(effective))


def clearly_better(errors: np.ndarray, reference: np.ndarray, block: int = 1) -> bool:
    """Whether ``errors`` (one per validation window) are lower than the ``reference``'s on
    the same windows by more than one standard error of their paired difference."""
    difference = np.asarray(reference, np.float64) - np.asarray(errors, np.float64)
    finite = difference[np.isfinite(difference)]
    if finite.size < 2:
        return False
    return bool(finite.mean() > standard_error(finite, block))


def windows_per_horizon(horizon: int, stride: int = 1) -> int:
    """The windows one forecast horizon spans: ``ceil(horizon / stride)``.

    Example:
        >>> windows_per_horizon(24), windows_per_horizon(24, stride=24), windows_per_horizon(5, 2)
        (24, 1, 3)
    """
    return max(1, -(-int(horizon) // max(1, int(stride))))
