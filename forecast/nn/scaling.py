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
    """

    center: np.ndarray
    scale: np.ndarray
    n_targets: int
    per_window: bool = False
    floor: np.ndarray | None = None

    def get_config(self) -> dict:
        """Plain Python values, for Keras layer configs and metadata files."""
        return {
            "center": [float(v) for v in self.center],
            "scale": [float(v) for v in self.scale],
            "n_targets": int(self.n_targets),
            "per_window": bool(self.per_window),
            "floor": None if self.floor is None else [float(v) for v in self.floor],
        }

    @classmethod
    def from_config(cls, config: dict) -> ScalingStats:
        """Inverse of :meth:`get_config`."""
        floor = config.get("floor")
        return cls(
            center=np.asarray(config["center"], dtype=np.float32),
            scale=np.asarray(config["scale"], dtype=np.float32),
            n_targets=int(config["n_targets"]),
            per_window=bool(config["per_window"]),
            floor=None if floor is None else np.asarray(floor, dtype=np.float32),
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
    if mode is not None:
        train = values[train_rows]
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
    return ScalingStats(
        center=center.astype(np.float32),
        scale=scale.astype(np.float32),
        n_targets=n_targets,
        per_window=per_window,
        floor=floor,
    )


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
        others = (past[:, :, t:] - center[t:]) / scale[t:]
        scaled = ops.concatenate([(target - loc) / spread, others], axis=-1)
        return scaled, loc, spread
    scaled = (past - center) / scale
    batch = ops.shape(past)[0]
    loc = ops.broadcast_to(ops.reshape(center[:t], (1, 1, t)), (batch, 1, t))
    spread = ops.broadcast_to(ops.reshape(scale[:t], (1, 1, t)), (batch, 1, t))
    return scaled, loc, spread
