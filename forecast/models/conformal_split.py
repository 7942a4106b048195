"""Which rows a :class:`~forecast.models.conformal.ConformalForecaster` fits on and which
calibrate it.

With a ``validation_frame``, the model is fitted on the whole frame and the frame's
continuation calibrates. Otherwise the last ``validation`` fraction of each series
calibrates, and the model is not fitted on it. Where that fraction of a short series holds
too few windows to bound the widest coverage (19 windows for 95% with absolute scores), it
takes as many more rows as it needs, while the series keeps an input window and two horizons
to fit on.

Example:
    >>> import forecast
    >>> frame = forecast.load_dataset("electricity_hourly").iloc[-24 * 30:]
    >>> naive = forecast.SeasonalNaive(24, input_width=48, horizon=24)
    >>> train, combined, codes, source = calibration_split(naive, frame, None, 0.2, (0.8,), "absolute")
    >>> source, len(train), len(combined), int((codes == 1).sum())
    ('last 0.2 of each series', 576, 720, 144)
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from forecast.data.continuation import append_continuation
from forecast.data.validated import validate_frame
from forecast.features.calendar_features import default_input_width
from forecast.models import conformal_scores as cs
from forecast.models.probabilistic import levels_of_coverage
from forecast.windowing.spec import Split


def calibration_split(
    inner, X: pd.DataFrame, validation_frame, validation: float, coverage, method: str
) -> tuple:
    """``(rows to fit on, rows whose windows are cut, their split codes, the source)``: the
    source is ``"validation_frame"`` or ``"last <validation> of each series"``."""
    if validation_frame is not None:
        combined, codes = append_continuation(X, validation_frame)
        return X, combined, codes, "validation_frame"
    validated = validate_frame(X, inner.target, inner.covariates)
    layout = validated.layout
    width = inner.input_width or default_input_width(layout.freq, inner.horizon)
    split = Split(float(validation), 0.0).with_minimum_windows(width, inner.horizon)
    needed = cs.windows_needed(cs.level_needing_most(levels_of_coverage(coverage), method))
    # per series: a short one's last fraction may hold too few windows to bound a level
    per_series = -(-needed // max(int(layout.n_series), 1))
    rows = max(split.min_validation_rows, inner.horizon + per_series - 1)
    codes = replace(split, min_validation_rows=rows).row_splits(layout)
    train = validated.frame.iloc[np.flatnonzero(codes == 0)]
    return train, validated.frame, codes, f"last {validation:g} of each series"
