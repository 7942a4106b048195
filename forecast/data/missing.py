"""Missing values: the policy for NaN inputs, filling windows within themselves, forward filling.

Labels are never filled: a window whose labels hold a NaN is dropped. NaN *inputs* are handled
as the :class:`MissingPolicy` says; its default, ``"fill"``, fills every window from its own
observations (:func:`fill_windows`), so a window is only refused when one of its input columns
holds no observation at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

#: The values of :attr:`MissingPolicy.inputs`.
INPUT_POLICIES = ("fill", "ffill", "drop")


@dataclass(frozen=True)
class MissingPolicy:
    """What to do with NaN values: labels are never filled, inputs may be.

    A window whose labels hold a NaN is always dropped, so no label is ever fabricated. NaN
    inputs are handled as ``inputs`` says:

    * ``"fill"`` (default): each window is filled from its own observed inputs only
      (:func:`fill_windows`): a NaN takes the last value observed before it in the window, and
      the NaNs before the window's first observation take that first observation. Every row of
      an input window lies before the origin, so no label is read. A window is dropped (refused
      by ``predict``) only when an input column holds no observation at all in it.
    * ``"ffill"``: carry the last observed value of the same series and gap-free block forward
      for at most ``limit`` steps (it may come from before the window); a window whose inputs
      still hold a NaN is dropped.
    * ``"drop"``: the strict option: every window with a NaN input is dropped.

    Linear interpolation would read the value after a hole, which may be a label, so it is
    not offered.

    Args:
        inputs: ``"fill"``, ``"ffill"`` or ``"drop"``.
        limit: the longest run of NaN steps that ``"ffill"`` fills (default 3); the other
            policies ignore it.

    Example:
        >>> MissingPolicy()
        MissingPolicy(inputs='fill', limit=3)
        >>> MissingPolicy(inputs="drop").fills_windows, MissingPolicy().fills_windows
        (False, True)
        >>> MissingPolicy(inputs="interpolate")
        Traceback (most recent call last):
        ...
        ValueError: MissingPolicy.inputs must be 'fill', 'ffill' or 'drop', got 'interpolate'
    """

    inputs: Literal["fill", "ffill", "drop"] = "fill"
    limit: int = 3

    def __post_init__(self) -> None:
        if self.inputs not in INPUT_POLICIES:
            raise ValueError(
                f"MissingPolicy.inputs must be 'fill', 'ffill' or 'drop', got {self.inputs!r}"
            )
        if (
            isinstance(self.limit, bool)
            or not isinstance(self.limit, (int, np.integer))
            or self.limit < 0
        ):
            raise ValueError(f"MissingPolicy.limit must be an integer >= 0, got {self.limit!r}")

    @property
    def fills_windows(self) -> bool:
        """Whether windows are filled within themselves (``inputs="fill"``)."""
        return self.inputs == "fill"


# --------------------------------------------------------------------------- filling windows


def fill_windows(windows: Any, ops: Any = np) -> Any:
    """Fill the NaN inputs of a batch of windows from each window's own observations.

    Along the steps of every window and column, a NaN takes the last value observed before it;
    the NaNs before the first observation take that first observation. A column with no
    observation in a window stays NaN there (the caller drops or refuses that window). Only
    values of the same window are read, all of them inputs (before the origin): never a label.

    The same function runs on NumPy arrays (``ops=numpy``, the default) and in TensorFlow
    graphs (``ops=keras.ops``: the ``tf.data`` pipeline, the exported SavedModel); both pick
    the very same source value for every entry, so their results are identical.

    Args:
        windows: ``(batch, width, columns)`` float array (the width must be known statically).
        ops: ``numpy`` or ``keras.ops``.

    Returns:
        The filled windows; with NumPy, ``windows`` itself when it holds no NaN.

    Example:
        >>> import numpy as np
        >>> x = np.array([[[np.nan, 1.0], [2.0, np.nan], [np.nan, np.nan], [5.0, 4.0]]])
        >>> fill_windows(x)[0].tolist()
        [[2.0, 1.0], [2.0, 1.0], [2.0, 1.0], [5.0, 4.0]]
        >>> import keras
        >>> bool((keras.ops.convert_to_numpy(fill_windows(x, keras.ops)) == fill_windows(x)).all())
        True
    """
    if ops is not np:
        return _filled(windows, ops)
    windows = np.asarray(windows)
    nan = np.isnan(windows)
    if not nan.any():
        return windows
    # only the windows and columns holding a NaN: the same values, a fraction of the work
    rows, columns = np.flatnonzero(nan.any(axis=(1, 2))), np.flatnonzero(nan.any(axis=(0, 1)))
    part = np.ix_(rows, np.arange(windows.shape[1]), columns)
    out = windows.copy()
    out[part] = _filled(windows[part], np)
    return out


def _filled(windows: Any, ops: Any) -> Any:
    """:func:`fill_windows` on every window and column, with ``ops`` (NumPy or keras.ops)."""
    width = int(windows.shape[1])
    observed = ops.logical_not(ops.isnan(windows))
    steps = ops.reshape(ops.arange(width, dtype="int32"), (1, width, 1))
    last = ops.where(observed, steps, -1)  # the step itself where observed, else -1
    if ops is np:
        last = np.maximum.accumulate(last, axis=1)
    else:  # a running maximum in log2(width) shifted maxima (keras.ops has no cummax)
        shift = 1
        while shift < width:
            earlier = ops.concatenate([ops.full_like(last[:, :shift], -1), last[:, :-shift]], 1)
            last = ops.maximum(last, earlier)
            shift *= 2
    first = ops.min(ops.where(observed, steps, width - 1), axis=1, keepdims=True)
    source = ops.where(last < 0, first, last)
    return ops.take_along_axis(windows, source, axis=1)


def unobserved_columns(windows: np.ndarray) -> np.ndarray:
    """For a batch of windows ``(batch, width, columns)``, whether each column holds no
    observation at all in each window, ``(batch, columns)``: what :func:`fill_windows` cannot
    fill.

    Example:
        >>> import numpy as np
        >>> unobserved_columns(np.array([[[np.nan, 1.0], [np.nan, np.nan]]])).tolist()
        [[True, False]]
    """
    return np.isnan(np.asarray(windows)).all(axis=1)


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
