"""A frame and its continuation in time as one frame with split codes (``fit``'s
``validation_frame``).

Example:
    >>> import pandas as pd
    >>> index = pd.date_range("2024-01-01", periods=5, freq="h")
    >>> frame = pd.DataFrame({"y": range(5)}, index=index)
    >>> combined, codes = append_continuation(frame.iloc[:3], frame.iloc[3:])
    >>> codes.tolist()
    [0, 0, 0, 1, 1]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecast.data.layout import SERIES_LEVEL, SeriesLayout, describe_layout
from forecast.errors import DataValidationError


def append_continuation(
    frame: pd.DataFrame, validation: pd.DataFrame
) -> tuple[pd.DataFrame, np.ndarray]:
    """``frame`` followed by ``validation`` (per series), and every row's split code (0 for
    the rows of ``frame``, 1 for those of ``validation``).

    Each frame is validated on its own first, so an error says which one is at fault."""
    frame_layout = describe_layout(frame)
    validation_layout = describe_layout(validation)
    if frame_layout.is_panel != validation_layout.is_panel:
        raise DataValidationError(
            "validation_frame must have the same layout (series or panel) as the frame"
        )
    if frame_layout.is_panel:
        ends = series_bound(frame_layout, "last")
        starts = series_bound(validation_layout, "first")
        for sid, start in starts.items():
            if sid in ends.index and start <= ends[sid]:
                raise DataValidationError(
                    f"validation_frame must continue the frame in time, but starts at or before "
                    f"the frame's end ({ends[sid]})",
                    series=sid,
                    timestamp=start,
                )
        combined = pd.concat([frame.assign(_split=0), validation.assign(_split=1)])
        order = np.lexsort(
            (np.arange(len(combined)), pd.factorize(combined.index.get_level_values(0))[0])
        )
        combined = combined.iloc[order]
        combined.index = combined.index.set_names(
            [
                SERIES_LEVEL if combined.index.names[0] is None else combined.index.names[0],
                combined.index.names[1],
            ]
        )
    else:
        if validation.index[0] <= frame.index[-1]:
            raise DataValidationError(
                f"validation_frame must continue the frame in time, but starts at or before the "
                f"frame's end ({frame.index[-1]})",
                timestamp=validation.index[0],
            )
        combined = pd.concat([frame.assign(_split=0), validation.assign(_split=1)])
    codes = combined.pop("_split").to_numpy(dtype=np.int8)
    return combined, codes


def series_bound(layout: SeriesLayout, which: str) -> pd.Series:
    """The ``"first"`` or ``"last"`` timestamp of every series, indexed by series id (the
    layout's series are sorted in time, so these are their earliest and latest)."""
    rows = layout.starts[:-1] if which == "first" else layout.starts[1:] - 1
    return pd.Series(layout.timestamps[rows], index=pd.Index(list(layout.series_ids)))
