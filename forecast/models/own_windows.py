"""A forecaster's own view of windows cut by any forecaster: the batches it forecasts.

:meth:`~forecast.models.base.BaseForecaster.forecast_windows` (points) and
:meth:`~forecast.models.probabilistic.ProbabilisticContract.forecast_quantile_windows`
(quantiles) both read windows through :func:`own_batches`, so a seasonal-naive baseline reads
the very windows of an LSTM with calendar features, in batches of :data:`EVALUATION_BATCH`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from forecast.windowing.windows import Windows

#: Windows predicted at once by ``forecast_windows``, ``forecast_quantile_windows`` and ``score``.
EVALUATION_BATCH = 4096


def own_batches(
    forecaster, windows: Windows, split: str = "test", rows: np.ndarray | None = None
) -> Iterator[tuple[Any, np.ndarray]]:
    """``(inputs, series)`` batches of the windows of ``split`` (or at the origin ``rows``), the
    inputs cut to the columns and width ``forecaster`` reads, ``series`` the id of each window's
    series for a ``per_series`` forecaster (``None`` otherwise).

    Raises:
        ValueError: the windows lack a column the forecaster reads, are narrower than its
            input width, or have other targets or another horizon.
    """
    forecaster._check_fitted()
    own_future = forecaster.input_schema_.future_columns
    width, columns = forecaster.input_width_, forecaster.input_columns_
    if not (
        windows.target_columns == forecaster.target_columns_
        and windows.spec.horizon == forecaster.horizon
        and windows.spec.input_width >= width
        and set(columns) <= set(windows.input_columns)
        and set(own_future) <= set(windows.future_columns)
    ):
        raise ValueError(
            "these windows were not cut the way this forecaster reads them (input columns "
            f"{list(windows.input_columns)}, width {windows.spec.input_width}, horizon "
            f"{windows.spec.horizon}; expected {list(columns)}, width "
            f"{width} or more, horizon {forecaster.horizon}); build them with "
            "forecaster.windows(frame, ...)"
        )
    rows = windows._origins(split) if rows is None else np.asarray(rows, dtype=np.int64)
    series = np.full(len(rows), None, dtype=object)
    if forecaster.get_tag("per_series"):
        ids = np.asarray(windows.layout.series_ids, dtype=object)
        series = ids[windows.layout.series_index()[rows]]
    reshape = windows.input_columns != columns or windows.spec.input_width != width
    past_columns = [windows.input_columns.index(c) for c in columns]
    future_columns = [windows.future_columns.index(c) for c in own_future]
    reshape = reshape or windows.future_columns != own_future

    def own_columns(inputs):
        past = inputs["past"] if isinstance(inputs, dict) else inputs
        past = past[:, -width:, past_columns]
        if not own_future:
            return past
        return {"past": past, "future": inputs["future"][:, :, future_columns]}

    for i in range(0, len(rows), EVALUATION_BATCH):
        inputs = windows.gather(rows[i : i + EVALUATION_BATCH])[0]
        yield (own_columns(inputs) if reshape else inputs), series[i : i + EVALUATION_BATCH]
