"""Missing values: the policy for NaN inputs and forward filling within gap-free blocks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np


@dataclass(frozen=True)
class MissingPolicy:
    """What to do with NaN values: labels are never filled, inputs may be.

    A window whose labels hold a NaN is always dropped, so no label is ever fabricated.
    NaN inputs are carried forward from the last observed value of the same series and block
    (no gap in between) for at most ``limit`` steps; a window whose inputs still hold a NaN
    is dropped. Carrying forward reads only the past: linear interpolation would read the
    value after the hole, which may be a label, so it is not offered.

    Args:
        inputs: ``"ffill"`` (default) to carry the last value forward up to ``limit`` steps,
            or ``"drop"`` to drop every window with a NaN input.
        limit: the longest run of NaN steps that ``"ffill"`` fills (default 3).

    Example:
        >>> MissingPolicy()
        MissingPolicy(inputs='ffill', limit=3)
        >>> MissingPolicy(inputs="drop")
        MissingPolicy(inputs='drop', limit=3)
    """

    inputs: Literal["ffill", "drop"] = "ffill"
    limit: int = 3

    def __post_init__(self) -> None:
        if self.inputs not in ("ffill", "drop"):
            raise ValueError(f"MissingPolicy.inputs must be 'ffill' or 'drop', got {self.inputs!r}")
        if not isinstance(self.limit, (int, np.integer)) or self.limit < 0:
            raise ValueError(f"MissingPolicy.limit must be an integer >= 0, got {self.limit!r}")


# --------------------------------------------------------------------------- missing values


def aligned_empty(shape: tuple[int, int]) -> np.ndarray:
    """An uninitialised C-contiguous float32 array whose data starts on a 64-byte boundary
    (so TensorFlow can use it without a copy)."""
    n = int(np.prod(shape))
    buffer = np.empty(n + 16, dtype=np.float32)
    offset = (-buffer.ctypes.data % 64) // 4
    return buffer[offset : offset + n].reshape(shape)


def forward_fill(values: np.ndarray, block_ids: np.ndarray, limit: int) -> np.ndarray:
    """Carry the last observed value forward within each gap-free block, up to ``limit`` steps.

    Args:
        values: ``(rows, columns)`` float array.
        block_ids: for every row, its gap-free block (:meth:`SeriesLayout.block_ids`).
        limit: the longest NaN run that is filled.

    Returns:
        A new array; values before a block's first observation, and NaN runs longer than
        ``limit`` beyond the limit, stay NaN.

    Example:
        >>> import numpy as np
        >>> x = np.array([[1.0], [np.nan], [np.nan], [np.nan], [5.0]])
        >>> forward_fill(x, np.zeros(5, dtype=int), limit=2)[:, 0].tolist()
        [1.0, 1.0, 1.0, nan, 5.0]
    """
    out = aligned_empty(values.shape) if values.ndim == 2 else np.empty_like(values)
    out[...] = values
    if limit <= 0 or out.size == 0:
        return out
    rows = np.arange(out.shape[0])
    block_start = np.zeros(out.shape[0], dtype=np.int64)
    first = np.flatnonzero(np.r_[True, np.diff(block_ids) != 0])
    block_start[first] = first
    block_start = np.maximum.accumulate(block_start)
    for j in range(out.shape[1]):
        observed = ~np.isnan(out[:, j])
        if observed.all():
            continue
        last = np.maximum.accumulate(np.where(observed, rows, -1))
        fill = ~observed & (last >= block_start) & (rows - last <= limit)
        out[fill, j] = out[last[fill], j]
    return out
