"""Forecasters with known-future covariates: what they learn, read and refuse."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
from conftest import panel

import forecast
from forecast import DataValidationError
from forecast.models.baselines import _affine_map
from forecast.models.input_range import InputRangeWarning


def promo_days(n: int = 300, seed: int = 0, freq: str = "D") -> pd.DataFrame:
    """y_t = 3 * promo_t + noise, promo random: only the promotion of the day says y."""
    rng = np.random.default_rng(seed)
    promo = rng.integers(0, 2, n).astype(float)
    index = pd.date_range("2024-01-01", periods=n, freq=freq, name="timestamp")
    return pd.DataFrame({"y": 3.0 * promo + rng.normal(0, 0.1, n), "promo": promo}, index=index)


def next_promos(frame: pd.DataFrame, values) -> pd.DataFrame:
    freq = frame.index.freq or pd.infer_freq(frame.index)
    index = pd.date_range(frame.index[-1], periods=len(values) + 1, freq=freq)[1:]
    return pd.DataFrame({"promo": np.asarray(values, float)}, index=index.rename("timestamp"))


def test_linear_forecaster_learns_the_promotion_effect_only_from_future_covariates():
    frame = promo_days()
    train, test = frame.iloc[:240], frame.iloc[240:]
    known = forecast.LinearForecaster(
        1e-3, input_width=7, horizon=1, calendar=(), future_covariates="promo"
    ).fit(train)
    blind = forecast.LinearForecaster(1e-3, input_width=7, horizon=1, calendar=()).fit(train)
    assert known.input_columns_ == ("y", "promo") and known.future_covariates_ == ("promo",)
    weights, _ = _affine_map(known.model_)
    # features: 7 rows of (y, promo), then promo at the forecast step
    assert weights[-1, 0] == pytest.approx(3.0, abs=0.05)
    lags = weights[:-1, 0].reshape(7, 2)  # past y = 3 promo: only their sum effect is defined
    assert np.abs(3 * lags[:, 0] + lags[:, 1]).max() < 0.1
    assert -known.score(test) < 0.12  # the noise is 0.1 * sqrt(2 / pi) = 0.08 in MAE
    assert -blind.score(test) > 1.2  # without promo_t: about half of 3 on average
    forecasts = known.predict(train, future=next_promos(train, [1.0]))
    assert forecasts["y"].iloc[0] == pytest.approx(3.0, abs=0.2)
    assert forecasts.index[0] == test.index[0]


def test_predict_without_future_names_the_parameter():
    frame = promo_days(60)
    model = forecast.LinearForecaster(input_width=7, horizon=2, future_covariates="promo")
    model.fit(frame)
    with pytest.raises(ValueError, match=r"future_covariates=\['promo'\].*future=<frame>"):
        model.predict(frame)
    with pytest.raises(DataValidationError, match="NaN at a forecast step") as info:
        model.predict(frame, future=next_promos(frame, [1.0, np.nan]))
    assert info.value.timestamp == frame.index[-1] + 2 * pd.Timedelta("1D")


def test_naive_baselines_accept_future_covariates_and_ignore_them():
    frame = promo_days(60)
    plain = forecast.SeasonalNaive(7, input_width=14, horizon=2).fit(frame)
    given = forecast.SeasonalNaive(7, input_width=14, horizon=2, future_covariates="promo")
    given.fit(frame)
    assert given.future_covariates_ == () and given.input_columns_ == ("y",)
    future = next_promos(frame, [1.0, 1.0])
    pd.testing.assert_frame_equal(given.predict(frame, future=future), plain.predict(frame))
    pd.testing.assert_frame_equal(given.predict(frame), plain.predict(frame))


def test_a_panel_series_without_future_rows_is_skipped_with_its_reason():
    frame = panel({"a": promo_days(60, 1), "b": promo_days(60, 2)})
    model = forecast.LinearForecaster(input_width=7, horizon=2, future_covariates="promo")
    model.fit(frame)
    future = panel({"a": next_promos(promo_days(60), [1.0, 0.0])})
    with pytest.raises(DataValidationError, match="lacks the row") as info:
        model.predict(frame, future=future)
    assert info.value.series == "b"
    with pytest.warns(UserWarning, match="skipped 1 of 2 series"):
        forecasts = model.predict(frame, future=future, errors="skip")
    assert forecasts.index.get_level_values(0).unique().tolist() == ["a"]
    assert "lacks the row" in forecasts.attrs["errors"]["b"]


def test_conformal_intervals_take_the_future_frame():
    frame = promo_days(200)
    inner = forecast.LinearForecaster(input_width=7, horizon=1, future_covariates="promo")
    model = forecast.ConformalForecaster(inner, coverage=0.8).fit(frame)
    interval = model.predict_interval(frame, 0.8, future=next_promos(frame, [1.0]))
    lower, upper = interval.iloc[0].to_numpy()
    assert lower < 3.0 < upper and upper - lower < 1.0


@pytest.mark.parametrize("strategy", ["direct", "seq2seq", "autoregressive"])
def test_every_strategy_of_the_network_reads_the_future_covariates(strategy):
    frame = promo_days(120, freq="h")
    model = forecast.LSTMForecaster(
        input_width=12, horizon=3, units=(4,), dense_units=(), epochs=1, batch_size=32,
        strategy=strategy, residual=None, calendar=(), future_covariates="promo",
        random_state=0, verbose=0,
    ).fit(frame)  # fmt: skip
    assert model.network_.input["future"].shape[1:] == (3, 1)
    on = model.predict(frame, future=next_promos(frame, [1.0, 1.0, 1.0]))["y"].to_numpy()
    off = model.predict(frame, future=next_promos(frame, [0.0, 0.0, 0.0]))["y"].to_numpy()
    assert np.abs(on - off).min() > 1e-4  # every step moves with its own promotion
    # scaled on the training rows like the covariates: centred on the training mean
    j = model.input_columns_.index("promo")
    train = frame["promo"].iloc[: model.training_rows_ - model.validation_rows_]
    assert model.scaling_.center[j] == pytest.approx(train.mean(), abs=1e-6)
    if strategy == "direct":  # pickling keeps the future path (its scaling layer)
        copy = pickle.loads(pickle.dumps(model))
        again = copy.predict(frame, future=next_promos(frame, [1.0, 1.0, 1.0]))["y"].to_numpy()
        np.testing.assert_allclose(again, on, rtol=1e-6)
        with pytest.warns(InputRangeWarning, match="'promo' at 2024-01-06 01:00:00"):
            model.predict(frame, future=next_promos(frame, [1.0, 50.0, 1.0]))
