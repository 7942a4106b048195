"""A loaded model's ``predict`` of a frame, indexed by time or long.

:class:`~forecast.serving.export.ExportedForecaster` inherits :class:`LoadedPredict`: its
``predict(frame)`` takes the frames the estimator's ``predict`` takes, a long one (one row per
series and timestamp, ``unique_id, ds, y``; see :mod:`forecast.data.long_format`) included, and
gives the estimator's forecasts back in the same layout: for a long frame, a long frame with
the input's id and time column names.

Example:
    >>> import tempfile, forecast
    >>> long = forecast.to_long(forecast.load_dataset("electricity_hourly").iloc[-100:])
    >>> path = forecast.Naive(input_width=24, horizon=2).fit(long).export(tempfile.mkdtemp() + "/m")
    >>> forecast.load(path).predict(long)
      unique_id                  ds           y
    0    series 2015-01-01 00:00:00  1439.39563
    1    series 2015-01-01 01:00:00  1439.39563
"""

from __future__ import annotations

import pandas as pd

from forecast.data.long_format import read_long, write_long
from forecast.features.category_warnings import one_warning_per_job
from forecast.features.static_features import STATIC_OF_CALL
from forecast.windowing.series_errors import attach_failures, forecast_frame


class LoadedPredict:
    """``predict`` on the loaded model's windows (``_latest_for``, ``_predict_latest``)."""

    @one_warning_per_job("predict")
    def predict(
        self,
        frame: pd.DataFrame,
        extra_columns: str = "error",
        *,
        errors: str = "raise",
        future_grid: str = "grid",
        future: pd.DataFrame | None = None,
        static: pd.DataFrame | None = None,
        id_col: str | None = None,
        time_col: str | None = None,
    ) -> pd.DataFrame:
        """Forecast the ``horizon`` steps after the end of every series of ``frame``.

        Args:
            frame: the model's data layout (one series, or a panel indexed by series and time)
                holding :attr:`columns`, or a long frame (see :mod:`forecast.data.long_format`).
            extra_columns: ``"error"`` (default): a column the model does not read is an error
                (a frame from another dataset or a renamed column is caught, not forecast);
                ``"ignore"``: read :attr:`columns` and leave the rest.
            errors: ``"raise"`` (default): a series that cannot be forecast is an error;
                ``"skip"``: for a panel, forecast the other series and report the failed
                ones (see :mod:`forecast.windowing.series_errors`).
            future_grid: ``"grid"`` (default) or ``"observed"``: start each forecast at the
                next time of day (or week) the training data had values at (the export's
                ``observed_times``), as the estimator's ``predict`` does.
            future: for a model exported with future covariates (``future_covariate_columns``
                in its metadata), their values at the forecast steps, exactly as the
                estimator's ``predict(frame, future=...)`` takes them (see
                :mod:`forecast.windowing.future_frame`); ignored by a model without.
            static: the static covariates, as for the estimator's ``predict`` (default: the
                frame's columns, else the training values the export recorded).
            id_col, time_col: a long ``frame``'s series id and time columns, as for the
                estimator's ``predict`` (defaults: ``unique_id`` and ``ds`` when the frame
                has them).

        Returns:
            The forecasts, as the estimator's ``predict`` returns them: indexed by the future
            timestamps (and the series id for a panel), one column per target; for a long
            ``frame``, a long frame (``id_col`` if it has one, ``time_col``, the targets).
            With ``errors="skip"``, ``forecasts.attrs["errors"]`` is ``{series_id: reason}``
            of the skipped series (empty when none was), and a ``UserWarning`` says how many.

        Raises:
            TypeError: ``frame`` is not a ``DataFrame`` (a ``Series`` or an array, say: raw
                windows go to :meth:`predict_arrays`).
            DataValidationError: a missing or extra column (naming what the model reads), too
                few rows, another frequency, or a NaN input the missing-value policy cannot fill
                (with ``errors="skip"``, only the columns or a single series' error).
        """
        frame, long = read_long(frame, id_col, time_col)
        with STATIC_OF_CALL.given(self, static):  # read by latest_windows
            latest, failures = self._latest_for(frame, extra_columns, errors, future_grid, future)
        values = None if latest is None else self._predict_latest(latest, "forecast")
        forecasts = forecast_frame(latest, values, self.input_schema.target_columns, frame)
        if errors != "raise":
            forecasts = attach_failures(forecasts, failures, frame)
        return write_long(forecasts, long)
