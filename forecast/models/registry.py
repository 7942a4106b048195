"""The forecaster kinds a config may name, and the class each builds.

A new model kind is one module in this folder and one entry here. The classical kinds
(``auto_ets``, ``auto_theta``) need the ``stats`` extra when they are fitted, not to be named.

Example:
    >>> MODEL_KINDS["lstm"].__name__, MODEL_KINDS["lstm"].get_tag("neural")
    ('LSTMForecaster', True)
"""

from __future__ import annotations

from forecast.models import baselines, classical, recurrent

MODEL_KINDS = {
    "lstm": recurrent.LSTMForecaster,
    "gru": recurrent.GRUForecaster,
    "rnn": recurrent.RNNForecaster,
    "naive": baselines.Naive,
    "seasonal_naive": baselines.SeasonalNaive,
    "window_average": baselines.WindowAverage,
    "drift": baselines.Drift,
    "linear": baselines.LinearForecaster,
    "auto_ets": classical.AutoETS,
    "auto_theta": classical.AutoTheta,
}
