"""The origin rule: whether the window at an origin row (its first forecast step) is usable.

A window is usable when its rows lie in one gap-free block of its series, its inputs hold no
NaN the missing-value policy cannot fill (under the default ``"fill"`` policy: every input
column holds at least one observation in the window), and, when labels are needed, its labels
hold no NaN.
:func:`window_rules` is where this is decided, for training windows (:func:`valid_origins`,
labels needed) and for the windows a forecast starts from at the end of every series
(:mod:`forecast.windowing.latest`, no labels).

Example:
    >>> import numpy as np, pandas as pd
    >>> from forecast.data.layout import describe_layout
    >>> from forecast.data.missing import MissingPolicy
    >>> from forecast.features.encoding import build_features
    >>> frame = pd.DataFrame({"y": [0.0, 1.0, 2.0, np.nan, 4.0, 5.0]},
    ...                      index=pd.date_range("2024-01-01", periods=6, freq="h"))
    >>> layout = describe_layout(frame)
    >>> features = build_features(frame, layout, ("y",), (), (), MissingPolicy())
    >>> origins = np.array([2, 3, 4])
    >>> {rule: ok.tolist() for rule, ok in window_rules(origins, WindowSpec(2, 1), features)}
    {'gap': [True, True, True], 'nan_label': [True, False, True], 'nan_input': [True, True, True]}
    >>> strict = build_features(frame, layout, ("y",), (), (), MissingPolicy(inputs="drop"))
    >>> dict(window_rules(origins, WindowSpec(2, 1), strict))["nan_input"].tolist()
    [True, True, False]
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from forecast.data.layout import SeriesLayout
from forecast.features.encoding import Features
from forecast.windowing.spec import SPLITS, WindowSpec

#: Origin rows: an integer array, or a slice of consecutive rows (no index array needed).
Origins = slice | np.ndarray


def window_rules(
    origins: Origins, spec: WindowSpec, features: Features, labels: bool = True
) -> Iterator[tuple[str, np.ndarray]]:
    """The rules a window must pass to be usable, each as ``(name, ok)`` for every origin.

    The rules are, in this order: ``"gap"`` (the window's rows, inputs and, when ``labels``,
    labels, lie in one gap-free block, so also in one series), ``"nan_label"`` (only when
    ``labels``: no target is NaN in the labels), ``"nan_future"`` (only when ``labels``: no
    future covariate is NaN in the forecast steps, which the network reads as known; the
    policy never fills them) and ``"nan_input"`` (no input is NaN after the missing-value
    policy). A rule no row can break (no NaN at all) is left out. Each mask
    is computed only when the iterator reaches it, so a caller holds one at a time.

    Args:
        origins: the origin rows (the first forecast step of each window); each must have
            ``input_width`` rows before it and, when ``labels``, ``horizon`` rows from it on.
        spec: the window shape.
        features: the frame's features (block ids and NaN masks).
        labels: whether the windows need their labels (training and evaluation) or only
            their inputs (a forecast from the end of a series).

    Yields:
        ``(rule name, boolean array)``: ``True`` where the window at that origin passes.
    """
    width = spec.input_width
    first = _shift(origins, -width)
    extent = width + spec.horizon if labels else width
    blocks = features.block_ids
    yield "gap", blocks[first] == blocks[_shift(first, extent - 1)]
    if labels and features.label_nan.any():
        yield "nan_label", _none_flagged(features.label_nan, origins, spec.horizon)
    if labels and features.future_nan is not None:
        yield "nan_future", _none_flagged(features.future_nan, origins, spec.horizon)
    if features.input_nan.any():
        yield "nan_input", _inputs_fillable(features, first, width)


def valid_origins(
    layout: SeriesLayout, spec: WindowSpec, features: Features, row_split: np.ndarray
) -> tuple[dict[str, np.ndarray], dict[str, int]]:
    """The origin rows of every split's usable windows, and how many windows each rule dropped.

    Candidate origins are the rows with a whole window inside their series, on the stride's
    phase (counted on each series' own grid); a candidate is kept when it passes every
    :func:`window_rules` rule (labels needed) and its labels lie in its origin's split.

    Returns:
        ``(origins, dropped)``: for each split name, its sorted origin rows (and under
        :data:`BRIDGING`, the windows that begin in training and end in validation); for each rule
        (``"gap"``, ``"nan_label"``, ``"nan_input"``, ``"straddles_split"``), the candidates
        it dropped that no earlier rule had; with future covariates, also ``"nan_future"``.
    """
    width, horizon = spec.input_width, spec.horizon
    n_rows = layout.n_rows
    count = max(n_rows - width - horizon + 1, 0)
    # Candidate origins t = width .. n_rows - horizon, as slices: their first input rows,
    # the origins themselves and their last label rows are each consecutive.
    first = slice(0, count)
    origin = slice(width, width + count)
    last = slice(width + horizon - 1, width + horizon - 1 + count)
    series = layout.series_index()
    keep = series[first] == series[last]
    if spec.stride > 1:
        keep &= (layout.positions[origin] - width) % spec.stride == 0
    del series

    rules = ("gap", "nan_label", "nan_input", "straddles_split")
    if features.n_future > len(features.calendar_columns):  # the frame has future covariates
        rules = ("gap", "nan_label", "nan_future", "nan_input", "straddles_split")
    dropped = dict.fromkeys(rules, 0)
    for name, ok in window_rules(origin, spec, features, labels=True):
        dropped[name] = _drop(keep, ok)
    bridging = keep & (row_split[origin] == 0) & (row_split[last] == 1)
    dropped["straddles_split"] = _drop(keep, row_split[origin] == row_split[last])
    dtype = np.int32 if n_rows < 2**31 - 1 else np.int64
    candidates = (np.flatnonzero(keep) + width).astype(dtype, copy=False)
    origin_split = row_split[candidates]
    origins = {name: candidates[origin_split == i] for i, name in enumerate(SPLITS)}
    origins[BRIDGING] = (np.flatnonzero(bridging) + width).astype(dtype, copy=False)
    return origins, dropped


#: the origins of the windows whose labels begin in training and end in validation: in no
#: split of their own, but training data for a model fitted on both splits once validation
#: has made its choices (e.g. the linear anchor of :mod:`forecast.models.recurrent_fit`)
BRIDGING = "train_to_validation"


def _inputs_fillable(features: Features, first: Origins, width: int) -> np.ndarray:
    """For each window starting at ``first``, whether the policy leaves no NaN input in it."""
    if not features.missing.fills_windows:
        return _none_flagged(features.input_nan, first, width)
    ok = None
    for j in features.nan_columns:  # a column that is NaN throughout a window cannot be filled
        observed = ~_none_flagged(~np.isnan(features.values[:, j]), first, width)
        ok = observed if ok is None else ok & observed
    return ok


def _drop(keep: np.ndarray, ok: np.ndarray) -> int:
    """Unset ``keep`` where ``ok`` fails, in place; the number of windows this dropped."""
    dropped = int(np.count_nonzero(keep & ~ok))
    keep &= ok
    return dropped


def _shift(rows: Origins, by: int) -> Origins:
    """The rows ``by`` rows later (earlier when negative)."""
    if isinstance(rows, slice):
        return slice(rows.start + by, rows.stop + by)
    return rows + by


def _none_flagged(flags: np.ndarray, starts: Origins, length: int) -> np.ndarray:
    """For each of ``starts``, whether none of the ``length`` rows from it on is flagged."""
    dtype = np.int32 if len(flags) < 2**31 - 1 else np.int64
    before = np.concatenate([[0], np.cumsum(flags, dtype=dtype)])
    return before[_shift(starts, length)] == before[starts]
