"""``scale="auto"``: whether a conformal forecaster's scores are better in the data's units or
in each window's local spread, judged on its own calibration windows.

Scores in the data's units give every window the same interval width; divided by the local
spread of each input window (``scale="local"``) the intervals widen where, and when, the
series is volatile. Which calibrates better depends on the data: on a trending series whose
errors grow with its swings the local spread keeps up, on a series whose volatility does not
foretell its errors it only adds noise. :func:`choose_scale` asks the calibration windows:
it calibrates on their older half (by the time of their last label), measures on the newer
half how far each interval's coverage lands from its nominal level, and keeps the local
spread only when its mean coverage error there is *clearly* smaller, by more than the
sampling error of a coverage measured on that many windows (``sqrt(c (1 - c) / n)``, averaged
over the coverages, ``n`` counting ``block`` overlapping windows as one, as
:mod:`forecast.nn.significance` does): with exchangeable windows both calibrate and the choice would follow the
noise, so it takes a drift that one of them follows (errors that grow with a trend, a calmer
or stormier recent past) to leave the data's units. Only the coverages that the older
half holds enough windows to bound take part (4 for 80%, 19 for 95% with absolute scores); with
none, the scores stay in the data's units. Windows with a NaN score (a NaN label) are left out
of the choice.

Example:
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> ends = np.arange(200)
    >>> spread = np.linspace(1.0, 4.0, 200)[:, None, None]  # a series whose swings grow
    >>> raw = np.abs(rng.normal(size=(200, 3, 1))) * spread  # and its errors with them
    >>> choice, errors = choose_scale(raw, spread, np.ones(1), ends, (0.8,), "absolute")
    >>> choice, errors["none"] > 0.1, errors["local"] < 0.05
    ('local', True, True)
    >>> steady = np.abs(rng.normal(size=(200, 3, 1)))  # errors that do not grow
    >>> choose_scale(steady, spread, np.ones(1), ends, (0.8,), "absolute")[0] is None
    True
"""

from __future__ import annotations

import numpy as np

from forecast.models import conformal_scores as cs


def choose_scale(
    raw: np.ndarray,
    spread: np.ndarray,
    floor: np.ndarray,
    ends: np.ndarray,
    coverages: tuple,
    method: str,
    block: int = 1,
) -> tuple[str | None, dict[str, float]]:
    """``(None or "local", {"none"/"local": mean absolute coverage error on the newer half})``.

    Args:
        raw: the calibration windows' scores in the data's units, ``(n, horizon, n_targets)``
            (with a last axis of coverages for conformalised quantile regression, in the order
            of ``coverages``).
        spread: each window's local spread ``(n, 1, n_targets)``; ``floor``: its per-target
            floor (:func:`~forecast.models.conformal_scores.spread_floor`).
        ends: each window's last label timestamp (what orders older and newer).
        coverages: the nominal coverages, ascending.
        method: ``"absolute"`` or ``"signed"`` (CQR's scores are read as absolute ones).
        block: the windows one horizon spans (``ceil(horizon / stride)``): their coverages
            are far from independent.
    """
    floored = cs.floored(spread, floor)
    local = raw / (floored[..., None] if raw.ndim == 4 else floored)
    finite = np.isfinite(raw.reshape(len(raw), -1)).all(axis=1)
    order = np.argsort(np.asarray(ends)[finite], kind="stable")
    errors = {
        name: _coverage_error(scores[finite][order], coverages, method)
        for name, scores in (("none", raw), ("local", local))
    }
    newer = (int(finite.sum()) - int(finite.sum()) // 2) / max(int(block), 1)
    noise = float(np.mean([np.sqrt(c * (1 - c) / max(newer, 1.0)) for c in coverages]))
    better = np.isfinite(errors["local"]) and errors["none"] - errors["local"] > noise
    return ("local" if better else None), errors


def _coverage_error(scores: np.ndarray, coverages: tuple, method: str) -> float:
    """Mean ``|coverage - nominal|`` on the newer half of ``scores`` (in time order) of the
    intervals calibrated on the older half; NaN when the older half bounds no coverage."""
    half = len(scores) // 2
    older, newer = np.sort(scores[:half], axis=0), scores[half:]
    if not len(newer):
        return float("nan")
    gaps = []
    for k, coverage in enumerate(coverages):
        if scores.ndim == 4:  # CQR: one column of scores per coverage
            bound = cs.quantile_offsets(older[..., k], (0.5 + coverage / 2,), "absolute")[..., 0]
            if not np.isfinite(bound).all():  # too few older windows to bound it
                continue
            covered = newer[..., k] <= bound
        else:
            offsets = cs.quantile_offsets(older, (0.5 - coverage / 2, 0.5 + coverage / 2), method)
            if not np.isfinite(offsets).all():
                continue
            covered = (newer >= offsets[..., 0]) & (newer <= offsets[..., 1])
        gaps.append(abs(float(covered.mean()) - coverage))
    return float(np.mean(gaps)) if gaps else float("nan")
