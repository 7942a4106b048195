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

import numpy as np

from forecast.models.base import BaseForecaster
from forecast.models.constraints import Integer, Real
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
        missing: the :class:`~forecast.data.missing.MissingPolicy` for NaN inputs (or a dict of its
            fields); ``None``: the default (carry forward at most 3 steps).
    """

    _tags = {"baseline": True}

    def __init__(
        self, input_width=None, *, horizon=1, target="y", covariates=None, calendar=(), missing=None
    ):
        self.input_width = input_width
        self.horizon = horizon
        self.target = target
        self.covariates = covariates
        self.calendar = calendar
        self.missing = missing

    def _fit_windows(self, windows: Windows) -> None:
        """Nothing to learn."""

    def _forecast(self, inputs) -> np.ndarray:
        last = self._targets_of(inputs)[:, -1:, :]
        return np.repeat(last, self.horizon, axis=1)

    def _serving_function(self):
        import tensorflow as tf

        n_targets, horizon = len(self.target_columns_), self.horizon
        return lambda past, future: tf.repeat(past[:, -1:, :n_targets], horizon, axis=1)


class SeasonalNaive(BaseForecaster):
    """Repeat the last season: step ``k`` is the value one season before it.

    Args:
        season_length: the season in steps; ``None`` infers it from the frequency (hourly 24,
            daily 7, monthly 12, ...). Must not exceed ``input_width``.
        input_width, horizon, target, covariates, calendar: as for :class:`Naive`.

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
    ):
        self.season_length = season_length
        self.input_width = input_width
        self.horizon = horizon
        self.target = target
        self.covariates = covariates
        self.calendar = calendar
        self.missing = missing

    def _fit_windows(self, windows: Windows) -> None:
        if self.season_length_ > self.input_width_:
            raise ValueError(
                f"season_length {self.season_length_} is longer than input_width "
                f"{self.input_width_}: the window must hold a whole season"
            )

    def _forecast(self, inputs) -> np.ndarray:
        return self._targets_of(inputs)[:, self._steps(), :]

    def _steps(self) -> list[int]:
        width, season = self.input_width_, self.season_length_
        return [width - season + (k % season) for k in range(self.horizon)]

    def _serving_function(self):
        import tensorflow as tf

        n_targets, steps = len(self.target_columns_), self._steps()
        return lambda past, future: tf.gather(past[:, :, :n_targets], steps, axis=1)


class WindowAverage(BaseForecaster):
    """Forecast the mean of the last ``window`` values for every step.

    Args:
        window: values averaged; ``None``: the whole input window.
        input_width, horizon, target, covariates, calendar: as for :class:`Naive`.
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
    ):
        self.window = window
        self.input_width = input_width
        self.horizon = horizon
        self.target = target
        self.covariates = covariates
        self.calendar = calendar
        self.missing = missing

    def _fit_windows(self, windows: Windows) -> None:
        window = self.input_width_ if self.window is None else self.window
        if not isinstance(window, (int, np.integer)) or not 1 <= window <= self.input_width_:
            raise ValueError(
                f"window must be an integer in [1, input_width={self.input_width_}], got {self.window!r}"
            )
        self.window_ = int(window)

    def _forecast(self, inputs) -> np.ndarray:
        mean = self._targets_of(inputs)[:, -self.window_ :, :].mean(axis=1, keepdims=True)
        return np.repeat(mean, self.horizon, axis=1)

    def _serving_function(self):
        import tensorflow as tf

        n_targets, window, horizon = len(self.target_columns_), self.window_, self.horizon

        def forecast_graph(past, future):
            recent = tf.cast(past[:, -window:, :n_targets], tf.float64)
            return tf.repeat(tf.reduce_mean(recent, axis=1, keepdims=True), horizon, axis=1)

        return forecast_graph


class Drift(BaseForecaster):
    """Extend the straight line through the first and last values of the input window.

    Args:
        input_width, horizon, target, covariates, calendar: as for :class:`Naive`.
    """

    _tags = {"baseline": True}

    def __init__(
        self, input_width=None, *, horizon=1, target="y", covariates=None, calendar=(), missing=None
    ):
        self.input_width = input_width
        self.horizon = horizon
        self.target = target
        self.covariates = covariates
        self.calendar = calendar
        self.missing = missing

    def _fit_windows(self, windows: Windows) -> None:
        if self.input_width_ < 2:
            raise ValueError("Drift needs input_width >= 2 to measure a slope")

    def _forecast(self, inputs) -> np.ndarray:
        targets = self._targets_of(inputs)
        slope = (targets[:, -1, :] - targets[:, 0, :]) / (targets.shape[1] - 1)
        steps = np.arange(1, self.horizon + 1, dtype=np.float64)[None, :, None]
        return targets[:, -1:, :] + steps * slope[:, None, :]

    def _serving_function(self):
        import tensorflow as tf

        n_targets = len(self.target_columns_)
        steps = tf.constant(np.arange(1, self.horizon + 1, dtype=np.float64)[None, :, None])

        def forecast_graph(past, future):
            targets = tf.cast(past[:, :, :n_targets], tf.float64)
            slope = (targets[:, -1, :] - targets[:, 0, :]) / float(self.input_width_ - 1)
            return targets[:, -1:, :] + steps * slope[:, None, :]

        return forecast_graph


class LinearForecaster(BaseForecaster):
    """Ridge regression from the flattened input window to every forecast step.

    The inputs are every column of the window (targets, covariates, calendar) and, when
    calendar features are used, their values for the forecast steps; features are standardised
    on the training windows before the ridge penalty applies.

    Args:
        alpha: ridge penalty.
        max_train_windows: at most this many training windows (the most recent ones) are used,
            bounding memory at ``max_train_windows * input_width * n_inputs`` floats.
        input_width, horizon, target: as for :class:`Naive`.
        covariates: past-only input columns.
        calendar: calendar features (``"auto"`` picks them from the frequency).
        stride: steps between the origins of consecutive training windows (1: every window).
    """

    _tags = {"baseline": True, "reads_covariates": True, "reads_calendar": True}
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
    ):
        self.alpha = alpha
        self.max_train_windows = max_train_windows
        self.input_width = input_width
        self.horizon = horizon
        self.target = target
        self.covariates = covariates
        self.calendar = calendar
        self.missing = missing
        self.stride = stride

    def _fit_windows(self, windows: Windows) -> None:
        from sklearn.linear_model import Ridge
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        rows = windows.origins["train"][-int(self.max_train_windows) :]
        inputs, labels = windows.gather(rows)
        features = _flatten(inputs)
        self.model_ = make_pipeline(StandardScaler(), Ridge(alpha=self.alpha))
        self.model_.fit(features, labels.reshape(len(labels), -1))

    def _forecast(self, inputs) -> np.ndarray:
        out = self.model_.predict(_flatten(inputs))
        return out.reshape(len(out), self.horizon, len(self.target_columns_))

    def _serving_function(self):
        import tensorflow as tf

        scaler, ridge = self.model_[0], self.model_[-1]
        # Standardise-then-ridge folded into one affine map, in float64 like scikit-learn.
        weights = tf.constant((ridge.coef_ / scaler.scale_[None, :]).T)
        bias = tf.constant(ridge.intercept_ - (ridge.coef_ / scaler.scale_[None, :]) @ scaler.mean_)
        shape = (self.horizon, len(self.target_columns_))

        def forecast_graph(past, future):
            batch = tf.shape(past)[0]
            parts = [tf.reshape(past, (batch, -1))]
            if future is not None:
                parts.append(tf.reshape(future, (batch, -1)))
            features = tf.cast(tf.concat(parts, axis=1), tf.float64)
            return tf.reshape(features @ weights + bias, (batch, *shape))

        return forecast_graph


def _flatten(inputs) -> np.ndarray:
    if isinstance(inputs, dict):
        past, future = inputs["past"], inputs["future"]
        return np.concatenate(
            [past.reshape(len(past), -1), future.reshape(len(future), -1)], axis=1
        )
    return np.asarray(inputs).reshape(len(inputs), -1)
