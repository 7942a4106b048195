"""Scaling fitted on the training split only, applied inside the Keras graph.

Statistics come from the training rows (never validation or test). The scaling itself runs
as Keras layers at the model's input and output, so the exported model takes raw windows and
returns forecasts in original units, and the very same functions scale the labels of the
training pipeline.

Modes:

* ``"standard"``: every numeric input column centred by its training mean, divided by its
  training standard deviation;
* ``"robust"``: the same with the median and the inter-quartile range / 1.349 (outliers in
  the training data do not set the scale);
* ``"window"``: the targets of each window centred and scaled by that window's own mean and
  standard deviation (for panels of series on different scales), the other numeric columns
  as in ``"robust"``;
* ``None``: no scaling.

One-hot and calendar columns are left as they are.

Known-future inputs: the ``"future"`` part of a window holds the values of the last input
columns (the future covariates, then the calendar) at the forecast steps; :func:`scale_future`
scales it with those columns' statistics and bounds, exactly as the same columns of the input
rows are scaled (a no-op on the calendar and one-hot columns).

Bounded inputs: in every mode the numeric covariates (not the targets, whose level may
legitimately move, nor the one-hot and calendar columns, bounded by construction) are clipped,
after scaling, to their training range widened by :data:`BOUND_MARGIN` of its width on each
side. A column that is almost always zero in training (rain, a rare event flag) cannot hand
the network a value a hundred training deviations away at predict time, and a column constant
in training (zero spread) reaches it as that constant. :func:`out_of_range` finds the raw
values beyond those bounds, for the warning ``predict`` gives.

The statistics are computed in float64 (a float32 variance overflows from values near 1e19 on),
then stored in float32, the dtype of the network. Per-window statistics are computed on the
targets divided by their training scale, so no raw value is squared or summed in float32: the
scaled windows are the same whatever the unit of the data, up to float32's largest values.

Example:
    >>> import numpy as np
    >>> stats = fit_scaling(np.array([[1.0], [3.0], [100.0]]), np.array([True, True, False]),
    ...                     numeric=(True,), mode="standard")
    >>> stats.center.tolist(), stats.scale.tolist()
    ([2.0], [1.0])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from forecast.nn.options import SCALING_MODES  # noqa: F401  (re-exported)

#: the share of a covariate's training range it may exceed on each side before it is clipped
BOUND_MARGIN = 0.25


@dataclass(frozen=True)
class ScalingStats:
    """Per-input-column centre and scale, and whether targets are scaled per window.

    Attributes:
        center: ``(n_inputs,)`` values subtracted from each input column.
        scale: ``(n_inputs,)`` values each centred column is divided by (never 0).
        n_targets: the number of target columns (the first input columns).
        per_window: scale the targets by each window's own mean and standard deviation.
        floor: for per-window scaling, the smallest scale of each target (a fraction of its
            training scale), so a flat window does not blow up.
        low, high: ``(n_inputs,)`` bounds of every scaled column (``-inf``/``inf`` for the
            columns that are not clipped), or ``None`` for no clipping.
    """

    center: np.ndarray
    scale: np.ndarray
    n_targets: int
    per_window: bool = False
    floor: np.ndarray | None = None
    low: np.ndarray | None = None
    high: np.ndarray | None = None

    def get_config(self) -> dict:
        """Plain Python values, for Keras layer configs and metadata files."""
        return {
            "center": [float(v) for v in self.center],
            "scale": [float(v) for v in self.scale],
            "n_targets": int(self.n_targets),
            "per_window": bool(self.per_window),
            "floor": None if self.floor is None else [float(v) for v in self.floor],
            "low": None if self.low is None else [float(v) for v in self.low],
            "high": None if self.high is None else [float(v) for v in self.high],
        }

    @classmethod
    def from_config(cls, config: dict) -> ScalingStats:
        """Inverse of :meth:`get_config`."""
        floor = config.get("floor")
        bounds = {
            name: None if config.get(name) is None else np.asarray(config[name], np.float32)
            for name in ("low", "high")
        }
        return cls(
            center=np.asarray(config["center"], dtype=np.float32),
            scale=np.asarray(config["scale"], dtype=np.float32),
            n_targets=int(config["n_targets"]),
            per_window=bool(config["per_window"]),
            floor=None if floor is None else np.asarray(floor, dtype=np.float32),
            **bounds,
        )


def fit_scaling(
    values: np.ndarray,
    train_rows: np.ndarray,
    numeric: Sequence[bool],
    mode: str | None = "standard",
    n_targets: int = 1,
) -> ScalingStats:
    """Fit scaling statistics on the training rows.

    Args:
        values: ``(rows, n_inputs)`` input array.
        train_rows: boolean mask of the training rows.
        numeric: for every column, whether it is a numeric column to scale (``False`` for
            one-hot and calendar columns).
        mode: one of :data:`SCALING_MODES`.
        n_targets: the number of target columns (the first columns).

    Returns:
        The :class:`ScalingStats` (one entry per input column), computed in float64 and stored
        in float32.
    """
    if mode not in SCALING_MODES:
        raise ValueError(f"scaling must be one of {SCALING_MODES}, got {mode!r}")
    n_inputs = values.shape[1]
    center = np.zeros(n_inputs, dtype=np.float64)
    scale = np.ones(n_inputs, dtype=np.float64)
    train = values[train_rows]
    if mode is not None:
        for j in np.flatnonzero(np.asarray(numeric, dtype=bool)):
            column = train[:, j].astype(np.float64)
            column = column[~np.isnan(column)]
            if column.size == 0:
                continue
            if mode == "standard":
                middle, spread = float(column.mean()), float(column.std())
            else:
                q1, middle, q3 = np.percentile(column, [25, 50, 75])
                spread = float(q3 - q1) / 1.349 or float(column.std())
            center[j] = middle
            scale[j] = spread if spread > 0 and np.isfinite(spread) else 1.0
    per_window = mode == "window"
    floor = (0.01 * scale[:n_targets]).astype(np.float32) if per_window else None
    low, high = _bounds(train, numeric, n_targets, center, scale)
    return ScalingStats(
        center=center.astype(np.float32),
        scale=scale.astype(np.float32),
        n_targets=n_targets,
        per_window=per_window,
        floor=floor,
        low=low,
        high=high,
    )


def _bounds(train, numeric, n_targets: int, center, scale) -> tuple[np.ndarray, np.ndarray]:
    """The clipping bounds of every scaled column: the numeric covariates' training range
    widened by :data:`BOUND_MARGIN` on each side, ``-inf``/``inf`` elsewhere."""
    n_inputs = train.shape[1]
    low, high = np.full(n_inputs, -np.inf), np.full(n_inputs, np.inf)
    for j in np.flatnonzero(np.asarray(numeric, dtype=bool)):
        column = train[:, j].astype(np.float64)
        column = column[np.isfinite(column)]
        if j < n_targets or column.size == 0:
            continue
        lo, hi = (np.array([column.min(), column.max()]) - center[j]) / scale[j]
        margin = BOUND_MARGIN * (hi - lo)
        low[j], high[j] = lo - margin, hi + margin
    return low.astype(np.float32), high.astype(np.float32)


def out_of_range(past: np.ndarray, stats: ScalingStats) -> np.ndarray:
    """How far beyond the clipping bounds every value of raw input windows
    ``(n, width, n_inputs)`` lies, in training ranges (``(past - bound) / range``; 0 inside
    the bounds and for the columns that are not clipped).

    Example:
        >>> import numpy as np
        >>> stats = fit_scaling(np.array([[0.0, 0.0], [1.0, 2.0]]), np.array([True, True]),
        ...                     numeric=(True, True), mode="standard")
        >>> far = out_of_range(np.array([[[5.0, 2.0], [9.0, 7.0]]]), stats)
        >>> far[0].round(2).tolist()  # the target (column 0) is never clipped
        [[0.0, 0.0], [0.0, 2.25]]
    """
    past = np.asarray(past, np.float64)
    if stats.low is None:
        return np.zeros(past.shape)
    scaled = (past - stats.center) / stats.scale
    width = (stats.high - stats.low) / (1 + 2 * BOUND_MARGIN)
    width = np.where(np.isfinite(width) & (width > 0), width, 1.0)
    beyond = np.maximum(scaled - stats.high, 0) + np.maximum(stats.low - scaled, 0)
    return np.where(np.isfinite(beyond), beyond / width, 0.0)


def choose_scaling(
    values: np.ndarray, train_rows: np.ndarray, series: np.ndarray, n_targets: int
) -> str:
    """The scaling mode ``scaling="auto"`` picks from the training rows: ``"window"`` for a
    panel whose series differ in spread by more than :data:`SCALE_RATIO` for some target (one
    set of statistics cannot describe them all), else ``"standard"``.

    A single trending series keeps standard scaling: its anchor (the last value, a season, a
    linear model of the window) carries the level, and on the generalisation benchmark
    per-window scaling forecast such series worse (``benchmarks/generalization.py --set
    scaling=window`` measures it).

    Example:
        >>> import numpy as np
        >>> rows = np.ones(200, bool); two = np.repeat([0, 1], 100)
        >>> wave = np.sin(np.arange(200.0))[:, None]
        >>> scales = wave * np.where(two == 0, 1.0, 50.0)[:, None]
        >>> choose_scaling(scales, rows, two, 1), choose_scaling(wave, rows, two, 1)
        ('window', 'standard')
    """
    for j in range(n_targets):
        spreads = []
        for s in np.unique(series[train_rows]):
            column = values[train_rows & (series == s), j].astype(np.float64)
            column = column[np.isfinite(column)]
            if column.size >= 2 and column.std() > 0:
                spreads.append(column.std())
        if len(spreads) > 1 and max(spreads) > SCALE_RATIO * min(spreads):
            return "window"
    return "standard"


#: series spreads differing by more than this factor call for per-window scaling
SCALE_RATIO = 10.0


def scale_window(past, stats: ScalingStats):
    """Scale a batch of raw input windows; return the scaled inputs and the targets' centre
    and scale (each ``(batch, 1, n_targets)``), to scale labels and unscale forecasts with.

    Works on TensorFlow tensors and NumPy arrays alike (it uses ``keras.ops``). Per-window
    statistics are computed on the targets in units of their training scale, so that squares
    and sums of large raw values do not overflow float32.
    """
    from keras import ops

    past = ops.convert_to_tensor(past, dtype="float32")
    center = ops.convert_to_tensor(stats.center, dtype="float32")
    scale = ops.convert_to_tensor(stats.scale, dtype="float32")
    t = stats.n_targets
    if stats.per_window:
        target = past[:, :, :t]
        unit = scale[:t]
        relative = target / unit
        relative_loc = ops.mean(relative, axis=1, keepdims=True)
        relative_spread = ops.sqrt(
            ops.mean(ops.square(relative - relative_loc), axis=1, keepdims=True)
        )
        loc = relative_loc * unit
        spread = ops.maximum(
            relative_spread * unit, ops.convert_to_tensor(stats.floor, dtype="float32")
        )
        others = _clip((past[:, :, t:] - center[t:]) / scale[t:], stats, t)
        scaled = ops.concatenate([(target - loc) / spread, others], axis=-1)
        return scaled, loc, spread
    scaled = _clip((past - center) / scale, stats, 0)
    batch = ops.shape(past)[0]
    loc = ops.broadcast_to(ops.reshape(center[:t], (1, 1, t)), (batch, 1, t))
    spread = ops.broadcast_to(ops.reshape(scale[:t], (1, 1, t)), (batch, 1, t))
    return scaled, loc, spread


def scale_future(future, stats: ScalingStats):
    """Scale the known-future part of a batch of windows ``(batch, horizon, n_future)``: its
    columns are the last ``n_future`` input columns, scaled and clipped with their statistics
    (the calendar and one-hot columns pass unchanged).

    Works on TensorFlow tensors and NumPy arrays alike (it uses ``keras.ops``).

    Example:
        >>> import numpy as np
        >>> stats = ScalingStats(center=np.array([5.0, 10.0, 0.0], np.float32),
        ...                      scale=np.array([2.0, 4.0, 1.0], np.float32), n_targets=1)
        >>> future = np.array([[[18.0, 0.5], [6.0, -0.5]]], np.float32)  # promo, hour_sin
        >>> np.asarray(scale_future(future, stats)).tolist()
        [[[2.0, 0.5], [-1.0, -0.5]]]
    """
    from keras import ops

    future = ops.convert_to_tensor(future, dtype="float32")
    n = future.shape[-1]
    first = len(stats.center) - n
    center = ops.convert_to_tensor(stats.center[first:], dtype="float32")
    scale = ops.convert_to_tensor(stats.scale[first:], dtype="float32")
    return _clip((future - center) / scale, stats, first)


def _clip(scaled, stats: ScalingStats, first: int):
    """Clip scaled columns ``first..`` to the stats' bounds (no-op without bounds)."""
    if stats.low is None:
        return scaled
    from keras import ops

    low = ops.convert_to_tensor(stats.low[first:], dtype="float32")
    high = ops.convert_to_tensor(stats.high[first:], dtype="float32")
    return ops.minimum(ops.maximum(scaled, low), high)
