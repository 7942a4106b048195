"""Baselines every model must beat, with the very same contract as the neural forecasters.

No TensorFlow is needed to fit or predict them. Each reads the same input windows as the
networks (``input_width`` past steps) and forecasts ``horizon`` steps:

* :class:`Naive`: repeat the last value;
* :class:`SeasonalNaive`: repeat the last season;
* :class:`WindowAverage`: the mean of the last ``window`` values;
* :class:`Drift`: extend the line from the first to the last value of the window;
* :class:`LinearForecaster`: ridge regression on the flattened input window (and the calendar
  features of the forecast steps), one output per step: the TensorFlow tutorial's linear model.

Example:
    >>> import forecast
    >>> frame = forecast.load_dataset("electricity_hourly")
    >>> train, test = frame.iloc[:-500], frame.iloc[-500:]
    >>> model = SeasonalNaive(season_length=24, input_width=168, horizon=24, target="y").fit(train)
    >>> model.predict(train).shape
    (24, 1)
    >>> round(-model.score(test), 1)  # MAE over every window of the last 500 hours
    187.6
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from forecast.models.base import BaseForecaster
from forecast.models.constraints import Integer, Real
from forecast.models.contract import store_params
from forecast.nn import anchors
from forecast.windowing.windows import Windows


class Naive(BaseForecaster):
    """Repeat the last observed value for every step.

    Args:
        input_width: steps of history read (the last one is used); ``None``: a default from
            the data's frequency.
        horizon: steps forecast.
        target: the column (or columns) to forecast.
        covariates: accepted for interchangeability; unused.
        calendar: accepted for interchangeability; unused.
        future_covariates: accepted for interchangeability; never read (the forecast is the
            target's own history), and ``predict`` ignores its ``future=``.
        static_covariates: accepted for interchangeability; never read (see
            :mod:`forecast.models.static_inputs` for the models that read them).
        missing: the :class:`~forecast.data.missing.MissingPolicy` for NaN inputs (or a dict of its
            fields); ``None``: the default (``"fill"``: each window filled from its own
            observations).
    """

    _tags = {"baseline": True}

    def __init__(
        self,
        input_width=None,
        *,
        horizon=1,
        target="y",
        covariates=None,
        calendar=(),
        missing=None,
        future_covariates=None,
        static_covariates=None,
    ):
        store_params(self, locals())

    def _fit_windows(self, windows: Windows) -> None:
        """Nothing to learn."""

    def _forecast(self, inputs) -> np.ndarray:
        n_targets = len(self.target_columns_)
        return anchors.last_value(np, self._targets_of(inputs), n_targets, self.horizon)

    def _serving_function(self):
        n_targets, horizon = len(self.target_columns_), self.horizon
        return _graph(lambda ops, past, future: anchors.last_value(ops, past, n_targets, horizon))


class SeasonalNaive(BaseForecaster):
    """Repeat the last season: step ``k`` is the value one season before it.

    Args:
        season_length: the season in steps; ``None`` infers it from the frequency (hourly 24,
            daily 7, monthly 12, ...). Must not exceed ``input_width``.
        input_width, horizon, target, covariates, calendar, future_covariates,
            static_covariates: as for :class:`Naive` (accepted, unused).

    Example:
        >>> import numpy as np
        >>> model = SeasonalNaive(season_length=2, input_width=4, horizon=3)
        >>> model.target_columns_ = ("y",); model.season_length_ = 2; model.input_width_ = 4
        >>> model._forecast(np.array([[[1.0], [2.0], [3.0], [4.0]]]))[0, :, 0].tolist()
        [3.0, 4.0, 3.0]
    """

    _tags = {"baseline": True}

    def __init__(
        self,
        season_length=None,
        *,
        input_width=None,
        horizon=1,
        target="y",
        covariates=None,
        calendar=(),
        missing=None,
        future_covariates=None,
        static_covariates=None,
    ):
        store_params(self, locals())

    def _fit_windows(self, windows: Windows) -> None:
        if self.season_length_ > self.input_width_:
            raise ValueError(
                f"season_length {self.season_length_} is longer than input_width "
                f"{self.input_width_}: the window must hold a whole season"
            )

    def _forecast(self, inputs) -> np.ndarray:
        n_targets, season, horizon = len(self.target_columns_), self.season_length_, self.horizon
        return anchors.seasonal_naive(np, self._targets_of(inputs), n_targets, season, horizon)

    def _serving_function(self):
        n_targets, season, horizon = len(self.target_columns_), self.season_length_, self.horizon
        return _graph(
            lambda ops, past, future: anchors.seasonal_naive(ops, past, n_targets, season, horizon)
        )


class WindowAverage(BaseForecaster):
    """Forecast the mean of the last ``window`` values for every step.

    Args:
        window: values averaged; ``None``: the whole input window.
        input_width, horizon, target, covariates, calendar, future_covariates,
            static_covariates: as for :class:`Naive` (accepted, unused).
    """

    _tags = {"baseline": True}
    _parameter_constraints = {"window": Integer(minimum=1, none=True)}

    def __init__(
        self,
        window=None,
        *,
        input_width=None,
        horizon=1,
        target="y",
        covariates=None,
        calendar=(),
        missing=None,
        future_covariates=None,
        static_covariates=None,
    ):
        store_params(self, locals())

    def _fit_windows(self, windows: Windows) -> None:
        window = self.input_width_ if self.window is None else self.window
        if not isinstance(window, (int, np.integer)) or not 1 <= window <= self.input_width_:
            raise ValueError(
                f"window must be an integer in [1, input_width={self.input_width_}], got {self.window!r}"
            )
        self.window_ = int(window)

    def _forecast(self, inputs) -> np.ndarray:
        n_targets, window, horizon = len(self.target_columns_), self.window_, self.horizon
        return anchors.window_average(np, self._targets_of(inputs), n_targets, window, horizon)

    def _serving_function(self):
        n_targets, window, horizon = len(self.target_columns_), self.window_, self.horizon
        return _graph(
            lambda ops, past, future: anchors.window_average(ops, past, n_targets, window, horizon)
        )


class Drift(BaseForecaster):
    """Extend the straight line through the first and last values of the input window.

    Args:
        input_width, horizon, target, covariates, calendar, future_covariates,
            static_covariates: as for :class:`Naive` (accepted, unused).
    """

    _tags = {"baseline": True}

    def __init__(
        self,
        input_width=None,
        *,
        horizon=1,
        target="y",
        covariates=None,
        calendar=(),
        missing=None,
        future_covariates=None,
        static_covariates=None,
    ):
        store_params(self, locals())

    def _fit_windows(self, windows: Windows) -> None:
        if self.input_width_ < 2:
            raise ValueError("Drift needs input_width >= 2 to measure a slope")

    def _forecast(self, inputs) -> np.ndarray:
        n_targets = len(self.target_columns_)
        return anchors.drift(np, self._targets_of(inputs), n_targets, self.horizon)

    def _serving_function(self):
        n_targets, horizon = len(self.target_columns_), self.horizon
        return _graph(lambda ops, past, future: anchors.drift(ops, past, n_targets, horizon))


class LinearForecaster(BaseForecaster):
    """Ridge regression from the flattened input window to every forecast step.

    The inputs are every column of the window (targets, covariates, future covariates,
    calendar) and the known-future inputs (future covariates, calendar) of the forecast steps;
    features are standardised on the training windows before the ridge penalty applies.

    Args:
        alpha: ridge penalty.
        max_train_windows: at most this many training windows (the most recent ones) are used,
            bounding memory at ``max_train_windows * input_width * n_inputs`` floats.
        input_width, horizon, target: as for :class:`Naive`.
        covariates: past-only input columns.
        calendar: calendar features (``"auto"`` picks them from the frequency, keeping those
            whose cycle the training rows span twice).
        stride: steps between the origins of consecutive training windows (1: every window).
        future_covariates: columns known in advance (planned promotions, a weather
            forecast): read in the input rows and at the forecast steps, whose values
            ``predict`` then takes from ``future=`` (categorical ones one-hot encoded).

    Example:
        >>> import numpy as np, pandas as pd
        >>> rng = np.random.default_rng(0)
        >>> index = pd.date_range("2024-01-01", periods=300, freq="D")
        >>> promo = rng.integers(0, 2, 300).astype(float)
        >>> frame = pd.DataFrame({"y": 3 * promo + rng.normal(0, 0.1, 300), "promo": promo},
        ...                      index=index)
        >>> model = LinearForecaster(input_width=7, horizon=1, future_covariates="promo")
        >>> future = pd.DataFrame({"promo": [1.0]}, index=[index[-1] + pd.Timedelta("1D")])
        >>> round(float(model.fit(frame).predict(frame, future=future)["y"].iloc[0]), 1)
        3.0
    """

    _tags = {
        "baseline": True,
        "reads_covariates": True,
        "reads_calendar": True,
        "reads_future_covariates": True,
    }
    _parameter_constraints = {
        "alpha": Real(low=0.0),
        "max_train_windows": Integer(minimum=1),
    }

    def __init__(
        self,
        alpha=1.0,
        *,
        max_train_windows=50_000,
        input_width=None,
        horizon=1,
        target="y",
        covariates=None,
        calendar=(),
        missing=None,
        stride=1,
        future_covariates=None,
    ):
        store_params(self, locals())

    def _fit_windows(self, windows: Windows) -> None:
        from sklearn.linear_model import Ridge
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        rows = windows.origins["train"][-int(self.max_train_windows) :]
        inputs, labels = windows.gather(rows)
        features = anchors.flat_features(np, *_past_and_future(inputs))
        self.model_ = make_pipeline(StandardScaler(), Ridge(alpha=self.alpha))
        self.model_.fit(features, labels.reshape(len(labels), -1))

    def _forecast(self, inputs) -> np.ndarray:
        past, future = _past_and_future(inputs, np.float64)
        weights, bias = _affine_map(self.model_)
        return anchors.linear(np, past, future, weights, bias, self.horizon)

    def _serving_function(self):
        weights, bias, horizon = *_affine_map(self.model_), self.horizon
        return _graph(
            lambda ops, past, future: anchors.linear(ops, past, future, weights, bias, horizon)
        )


def _past_and_future(inputs, dtype=None) -> tuple[np.ndarray, np.ndarray | None]:
    """The ``past`` windows and the ``future`` features (``None`` without known-future inputs) of
    a batch of inputs, as arrays of ``dtype`` (``None``: as they are)."""
    if isinstance(inputs, dict):
        return np.asarray(inputs["past"], dtype), np.asarray(inputs["future"], dtype)
    return np.asarray(inputs, dtype), None


def _affine_map(pipeline) -> tuple[np.ndarray, np.ndarray]:
    """A fitted standardise-then-ridge pipeline folded into one affine map, in float64:
    ``(weights (n_features, n_outputs), bias (n_outputs,))`` with
    ``features @ weights + bias`` is ``pipeline.predict(features)`` up to rounding."""
    scaler, ridge = pipeline[0], pipeline[-1]
    coef = np.asarray(ridge.coef_, np.float64) / scaler.scale_[None, :]
    return coef.T, np.asarray(ridge.intercept_, np.float64) - coef @ scaler.mean_


def _graph(kernel: Callable) -> Callable:
    """A serving function ``(past, future or None) -> forecast`` running
    ``kernel(ops, past, future)`` with ``keras.ops`` on the inputs cast to float64 (as the
    in-memory forecasts compute)."""
    from keras import ops

    def forecast_graph(past, future):
        past = ops.cast(past, "float64")
        future = None if future is None else ops.cast(future, "float64")
        return kernel(ops, past, future)

    return forecast_graph
