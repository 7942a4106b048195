"""The quantile forecasts of a loaded SavedModel: ``predict_quantiles`` and ``predict_interval``.

An export of a quantile network (its metadata's ``quantile_levels``, its signature's
``quantiles`` output, see :mod:`forecast.serving.export`) gives the estimator's frames
(:mod:`forecast.windowing.quantile_frames`): the same columns, the same values, and for a long
frame (``id_col=``, ``time_col=``, see :mod:`forecast.data.long_format`) the same long frame.
:class:`~forecast.serving.export.ExportedForecaster` inherits :class:`LoadedQuantiles`.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from forecast.data.long_format import read_long
from forecast.windowing.quantile_frames import (
    check_quantiles,
    flat_columns,
    interval_frame,
    interval_quantiles,
    long_interval_column,
    long_quantile_column,
    quantile_frame,
)
from forecast.windowing.series_errors import attach_failures


class LoadedQuantiles:
    """Quantile forecasts from the ``quantiles`` output of a loaded model's signature."""

    @property
    def quantile_levels(self) -> tuple[float, ...] | None:
        """The levels the exported network trained (``None``: a point model)."""
        levels = self.metadata.get("quantile_levels")
        return None if levels is None else tuple(float(q) for q in levels)

    def predict_quantiles(
        self,
        frame: pd.DataFrame,
        quantiles: Iterable[float] | None = None,
        extra_columns: str = "error",
        *,
        errors: str = "raise",
        future: pd.DataFrame | None = None,
        id_col: str | None = None,
        time_col: str | None = None,
    ) -> pd.DataFrame:
        """Quantile forecasts of the ``horizon`` steps after every series of ``frame``, as
        the estimator's ``predict_quantiles`` gives them (``quantiles=None``: every trained
        level); ``extra_columns``, ``errors``, ``future``, ``id_col`` and ``time_col`` as for
        ``predict`` (a long frame gives a long frame, columns ``<target>_q<level>``).

        Raises:
            ValueError: a point model (no quantiles exported), or a level it did not train
                (naming those it did).
        """
        trained = self.quantile_levels
        if trained is None:
            raise ValueError(
                f"{self.metadata['model']} at {self.path} was exported from a point forecaster: "
                "it serves no quantiles; export a forecaster fitted with quantiles=(0.1, 0.5, 0.9)"
            )
        levels = trained if quantiles is None else check_quantiles(quantiles)
        missing = [q for q in levels if q not in trained]
        if missing:
            raise ValueError(
                f"the model at {self.path} serves the quantiles {list(trained)} it was exported "
                f"with, not {missing}: ask for those, or export a forecaster fitted for them "
                "(a network's quantiles=, a ConformalForecaster's coverage=)"
            )
        frame, long = read_long(frame, id_col, time_col)
        latest, failures = self._latest_for(frame, extra_columns, errors, future=future)
        values = None
        if latest is not None:
            values = self._predict_latest(latest, "quantiles")[
                ..., [trained.index(q) for q in levels]
            ]
        out = quantile_frame(latest, values, self.input_schema.target_columns, levels, frame)
        out = out if errors == "raise" else attach_failures(out, failures, frame)
        return out if long is None else long.write(flat_columns(out, long_quantile_column))

    def predict_interval(
        self,
        frame: pd.DataFrame,
        coverage: float | Iterable[float] = 0.8,
        extra_columns: str = "error",
        *,
        errors: str = "raise",
        future: pd.DataFrame | None = None,
        id_col: str | None = None,
        time_col: str | None = None,
    ) -> pd.DataFrame:
        """Central prediction intervals, as the estimator's ``predict_interval`` gives them:
        the columns ``(target, coverage, "lower"/"upper")``, from the trained levels
        ``(1 -+ c) / 2`` (a long frame gives a long frame, columns
        ``<target>_lower_<percent>`` and ``<target>_upper_<percent>``)."""
        frame, long = read_long(frame, id_col, time_col)
        coverages = check_quantiles(coverage, "coverage")
        levels = check_quantiles([q for c in coverages for q in interval_quantiles(c)])
        quantiles = self.predict_quantiles(
            frame, levels, extra_columns, errors=errors, future=future
        )
        out = interval_frame(quantiles, self.input_schema.target_columns, coverages)
        return out if long is None else long.write(flat_columns(out, long_interval_column))
