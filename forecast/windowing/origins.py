"""The origin rule: which rows may start a window (no gap, series boundary or NaN label)."""

from __future__ import annotations

import numpy as np

from forecast.data.layout import SeriesLayout
from forecast.windowing.spec import SPLITS, WindowSpec


def _valid_origins(
    layout: SeriesLayout,
    spec: WindowSpec,
    block_ids: np.ndarray,
    label_nan: np.ndarray,
    input_nan: np.ndarray,
    row_split: np.ndarray,
) -> tuple[dict[str, np.ndarray], dict[str, int]]:
    width, horizon = spec.input_width, spec.horizon
    n_rows = layout.n_rows
    count = max(n_rows - width - horizon + 1, 0)
    # Candidate origins t = width .. n_rows - horizon, as slices: their first input rows,
    # the origins themselves and their last label rows are each consecutive.
    first = slice(0, count)
    origin = slice(width, width + count)
    last = slice(width + horizon - 1, width + horizon - 1 + count)
    series = layout.series_index()
    # Origins sit on the stride's phase, counted on each series' own time grid.
    keep = series[first] == series[last]
    if spec.stride > 1:
        keep &= (layout.positions[origin] - width) % spec.stride == 0
    del series

    def no_flags(flags: np.ndarray, start: int, length: int) -> np.ndarray | None:
        if not flags.any():
            return None
        cumulative = np.concatenate([[0], np.cumsum(flags, dtype=np.int32)])
        return (
            cumulative[start + length : start + length + count] == cumulative[start : start + count]
        )

    dropped: dict[str, int] = {}
    rules = (
        ("gap", lambda: block_ids[first] == block_ids[last]),
        ("nan_label", lambda: no_flags(label_nan, width, horizon)),
        ("nan_input", lambda: no_flags(input_nan, 0, width)),
        ("straddles_split", lambda: row_split[origin] == row_split[last]),
    )
    for name, rule in rules:
        ok = rule()
        if ok is None:
            dropped[name] = 0
            continue
        dropped[name] = int(np.count_nonzero(keep & ~ok))
        keep &= ok
    dtype = np.int32 if n_rows < 2**31 - 1 else np.int64
    candidates = (np.flatnonzero(keep) + width).astype(dtype, copy=False)
    origin_split = row_split[candidates]
    origins = {name: candidates[origin_split == i] for i, name in enumerate(SPLITS)}
    return origins, dropped
