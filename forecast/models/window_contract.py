"""The window half of the estimator contract: ``windows``, ``forecast_windows`` and ``score``.

:class:`~forecast.models.base.BaseForecaster` inherits these: every forecaster cuts a frame
into windows the way it reads them, forecasts the windows of a split (in batches, the same
windows for every forecaster of a comparison), and scores itself sklearn's way
(higher is better: the negative MAE).

Example:
    >>> import forecast
    >>> frame = forecast.load_dataset("electricity_hourly").iloc[-200:]
    >>> model = forecast.Naive(input_width=24, horizon=2, calendar=()).fit(frame)
    >>> windows = model.windows(frame)
    >>> model.forecast_windows(windows, "train").shape == (windows.n_windows("train"), 2, 1)
    True
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from forecast.errors import DataValidationError
from forecast.features.category_warnings import one_warning_per_job
from forecast.models.own_windows import EVALUATION_BATCH, own_batches
from forecast.windowing.spec import Split, WindowSpec
from forecast.windowing.windows import Windows, make_windows


class WindowContract:
    """``windows``, ``forecast_windows`` and ``score`` on the machinery of
    :class:`~forecast.models.base.BaseForecaster` (which inherits this)."""

    @one_warning_per_job("score")
    def score(self, X: pd.DataFrame, y: Any = None) -> float:
        """Negative mean absolute error over every window whose labels lie in ``X``.

        Higher is better, as scikit-learn's model selection expects.
        """
        windows = self.windows(X)
        if windows.n_windows("train") == 0:
            raise DataValidationError(
                f"no window fits in the frame to score ({windows._why_empty()})"
            )
        forecasts = self.forecast_windows(windows, "train")
        labels = (
            windows.arrays("train")[1] if windows.n_windows("train") <= EVALUATION_BATCH else None
        )
        if labels is None:
            labels = np.concatenate([y for _, y in windows.batches("train", EVALUATION_BATCH)])
        return -float(np.mean(np.abs(forecasts - labels)))

    def windows(
        self, X: pd.DataFrame, split: Split | tuple = Split(0.0, 0.0), stride: int = 1
    ) -> Windows:
        """Cut ``X`` into windows the way this fitted forecaster reads them (its input width,
        horizon, columns, calendar and training categories). All windows are in the
        ``"train"`` split unless ``split`` says otherwise."""
        schema = self.input_schema_
        windows = make_windows(
            schema.validate(X),
            WindowSpec(schema.input_width, schema.horizon, stride),
            calendar=schema.calendar,
            split=split,
            missing=schema.missing,
            categories=dict(schema.categories),
        )
        self._check_frequency(windows.layout.freq)
        return windows

    def forecast_windows(
        self, windows: Windows, split: str = "test", rows: np.ndarray | None = None
    ) -> np.ndarray:
        """Forecasts ``(n, horizon, n_targets)`` for the windows of a split, in the order of
        ``windows.arrays(split)`` (so every forecaster can be scored on the very same windows).

        The windows may have been cut by another forecaster that reads more: they need the
        same targets (first, in the same order) and horizon, an input width at least this
        forecaster's, and every column it reads (its covariates in the past, its calendar
        features in the past and the future). This forecaster reads the last ``input_width_``
        rows of its own columns, picked by name: a seasonal-naive baseline reads the very
        windows of an LSTM with calendar features. (Under the ``"fill"`` policy those rows are
        filled within the wider window, so a gap at their start takes the last value observed
        before them rather than their first observation: still an input, never a label.)

        ``rows`` (origin rows, e.g. a selection of ``windows.origin_index(split)["row"]``)
        forecasts those windows instead of the whole split. Windows are forecast in batches of
        ``EVALUATION_BATCH``, never one call per window.

        Raises:
            ValueError: the windows lack a column this forecaster reads, are narrower than its
                input width, or have other targets or another horizon.
        """
        parts = [
            self._forecast_series(inputs, series)
            for inputs, series in own_batches(self, windows, split, rows)
        ]
        if not parts:
            return np.zeros((0, self.horizon, len(self.target_columns_)), dtype=np.float32)
        return np.concatenate([np.asarray(p) for p in parts])
