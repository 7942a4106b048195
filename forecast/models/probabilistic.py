"""The probabilistic half of the estimator contract: one output convention for quantiles.

Every forecaster has the same three ways to forecast (sktime's shapes):

* ``predict(frame)``: the point forecast, one column per target;
* ``predict_quantiles(frame, quantiles=None)``: one column per ``(target, quantile)``;
* ``predict_interval(frame, coverage=0.8)``: one column per ``(target, coverage, bound)``,
  the bounds ``"lower"`` and ``"upper"`` being the quantiles ``(1 - c) / 2`` and ``(1 + c) / 2``.

A forecaster that can give quantiles has the tag ``probabilistic`` and, once fitted, the
attribute ``quantile_levels_`` (the levels it gives by default), and implements
``_forecast_quantiles(inputs, series, quantiles)`` -> ``(n, horizon, n_targets, n_levels)``
in original units, the levels ascending. A point forecaster asked for quantiles raises a
:class:`PointForecastError` that says what to do: set ``quantiles=`` (a quantile network) or
wrap it in :class:`~forecast.models.conformal.ConformalForecaster`.

Example:
    >>> import forecast
    >>> frame = forecast.load_dataset("electricity_hourly").iloc[-1000:]
    >>> forecast.SeasonalNaive(24, input_width=48, horizon=24).fit(frame).predict_quantiles(frame)
    Traceback (most recent call last):
    ...
    forecast.models.probabilistic.PointForecastError: SeasonalNaive forecasts points only, not quantiles: wrap it in forecast.ConformalForecaster(model, coverage=(0.8, 0.95)) for calibrated intervals
    >>> check_quantiles([0.9, 0.1, 0.5])
    (0.1, 0.5, 0.9)
    >>> interval_quantiles(0.8)
    (0.1, 0.9)
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from forecast.data.long_format import read_long
from forecast.windowing.quantile_frames import (  # noqa: F401  (re-exported)
    LEVEL_DIGITS,
    check_quantiles,
    flat_columns,
    interval_frame,
    interval_quantiles,
    long_interval_column,
    long_quantile_column,
    quantile_frame,
)


class PointForecastError(ValueError):
    """A forecaster that forecasts points only was asked for quantiles or intervals."""


def levels_of_coverage(coverage: float | Iterable[float]) -> tuple:
    """The median and the bounds of every interval of ``coverage``, ascending: the levels a
    forecaster calibrated for these intervals gives by default.

    Example:
        >>> levels_of_coverage((0.8, 0.95))
        (0.025, 0.1, 0.5, 0.9, 0.975)
    """
    bounds = [q for c in check_quantiles(coverage, "coverage") for q in interval_quantiles(c)]
    return check_quantiles([*bounds, 0.5])


class ProbabilisticContract:
    """``predict_quantiles``, ``predict_interval`` and ``forecast_quantile_windows`` on the
    machinery of :class:`~forecast.models.base.BaseForecaster` (which inherits this)."""

    def predict_quantiles(
        self,
        X: pd.DataFrame,
        quantiles: Iterable[float] | None = None,
        *,
        future: pd.DataFrame | None = None,
        errors: str = "raise",
        id_col: str | None = None,
        time_col: str | None = None,
    ) -> pd.DataFrame:
        """Quantile forecasts of the ``horizon`` steps after the end of every series of ``X``.

        Args:
            X: as for ``predict`` (indexed by time, or long).
            quantiles: levels in ``(0, 1)``; ``None``: the forecaster's ``quantile_levels_``.
            future: the future covariates of the forecast steps, as for ``predict``.
            errors: as for ``predict``.
            id_col, time_col: a long ``X``'s series id and time columns, as for ``fit``.

        Returns:
            A frame with ``predict``'s index and the columns ``(target, quantile)`` (a
            ``MultiIndex``, levels ascending), in original units. For a long ``X``, a long
            frame: ``id_col`` (if ``X`` has one), ``time_col``, then one column per target
            and level named ``<target>_q<level>`` (:func:`long_quantile_column`: ``y_q0.1``).

        Raises:
            PointForecastError: the forecaster forecasts points only.
        """
        X, long = read_long(X, id_col, time_col)
        frame = self._predict_quantiles(X, quantiles, errors, future)
        return frame if long is None else long.write(flat_columns(frame, long_quantile_column))

    def _predict_quantiles(
        self,
        X: pd.DataFrame,
        quantiles: Iterable[float] | None,
        errors: str,
        future: pd.DataFrame | None = None,
    ) -> pd.DataFrame:
        """:meth:`predict_quantiles` of a frame in the data model."""
        levels = self._quantile_request(quantiles)
        latest, failures = self._predict_windows(X, errors, future)
        values = None
        if latest is not None:
            series = np.asarray(latest.layout.series_ids, dtype=object)
            values = self._forecast_quantiles(latest.inputs, series, levels)
        frame = quantile_frame(latest, values, self.target_columns_, levels, X)
        if errors == "skip":
            from forecast.windowing.series_errors import attach_failures

            attach_failures(frame, failures, X)
        return frame

    def predict_interval(
        self,
        X: pd.DataFrame,
        coverage: float | Iterable[float] = 0.8,
        *,
        future: pd.DataFrame | None = None,
        errors: str = "raise",
        id_col: str | None = None,
        time_col: str | None = None,
    ) -> pd.DataFrame:
        """Central prediction intervals of the ``horizon`` steps after every series of ``X``.

        Args:
            X: as for ``predict`` (indexed by time, or long).
            coverage: the nominal coverage of each interval (one or several, in ``(0, 1)``).
            future: the future covariates of the forecast steps, as for ``predict``.
            errors: as for ``predict``.
            id_col, time_col: a long ``X``'s series id and time columns, as for ``fit``.

        Returns:
            A frame with ``predict``'s index and the columns ``(target, coverage, bound)``,
            ``bound`` being ``"lower"`` (the quantile ``(1 - c) / 2``) and ``"upper"`` (the
            quantile ``(1 + c) / 2``). For a long ``X``, a long frame: ``id_col`` (if ``X``
            has one), ``time_col``, then per target and coverage ``<target>_lower_<percent>``
            and ``<target>_upper_<percent>`` (:func:`long_interval_column`: ``y_lower_80``).

        Raises:
            PointForecastError: the forecaster forecasts points only.
        """
        X, long = read_long(X, id_col, time_col)
        coverages = check_quantiles(coverage, "coverage")
        levels = check_quantiles([q for c in coverages for q in interval_quantiles(c)])
        quantiles = self._predict_quantiles(X, levels, errors, future)
        frame = interval_frame(quantiles, self.target_columns_, coverages)
        return frame if long is None else long.write(flat_columns(frame, long_interval_column))

    def forecast_quantile_windows(
        self, windows, quantiles: Iterable[float], split: str = "test", rows=None
    ) -> np.ndarray:
        """Quantile forecasts ``(n, horizon, n_targets, n_levels)`` for the windows of a split
        (or at the origin ``rows``), in the order of ``forecast_windows``; the levels are
        ``check_quantiles(quantiles)`` (ascending)."""
        from forecast.models.own_windows import own_batches

        levels = self._quantile_request(quantiles)
        parts = [
            np.asarray(self._forecast_quantiles(inputs, series, levels))
            for inputs, series in own_batches(self, windows, split, rows)
        ]
        if not parts:
            return np.zeros((0, self.horizon, len(self.target_columns_), len(levels)))
        return np.concatenate(parts)

    def _quantile_request(self, quantiles) -> tuple:
        """The levels asked for (``None``: the fitted ``quantile_levels_``), once it is clear
        this forecaster gives quantiles at all."""
        if not self.get_tag("probabilistic"):
            raise self._point_forecast_error()
        self._check_fitted()
        own = getattr(self, "quantile_levels_", None)
        if own is None:
            raise self._point_forecast_error()
        return tuple(own) if quantiles is None else check_quantiles(quantiles)

    def _point_forecast_error(self) -> PointForecastError:
        name = type(self).__name__
        network = (
            "set quantiles=(0.1, 0.5, 0.9) on it to train a quantile network, or "
            if "quantiles" in self.get_params(deep=False)
            else ""
        )
        return PointForecastError(
            f"{name} forecasts points only, not quantiles: {network}wrap it in "
            "forecast.ConformalForecaster(model, coverage=(0.8, 0.95)) for calibrated intervals"
        )

    def _forecast_quantiles(self, inputs, series: np.ndarray, quantiles: tuple) -> np.ndarray:
        """``(n, horizon, n_targets, n_levels)`` quantile forecasts of a batch of inputs; a
        probabilistic forecaster implements it."""
        raise self._point_forecast_error()
