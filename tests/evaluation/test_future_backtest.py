"""Backtests with known-future covariates read them per origin exactly as predict does."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecast import LinearForecaster, LSTMForecaster, SeasonalNaive, backtest, compare
from forecast.evaluation.origins import forecast_at_origins

HORIZON = 3


def promo_days(n: int = 200, seed: int = 0) -> pd.DataFrame:
    """y_t = 3 * promo_t + noise, promo random."""
    rng = np.random.default_rng(seed)
    promo = rng.integers(0, 2, n).astype(float)
    index = pd.date_range("2024-01-01", periods=n, freq="D", name="timestamp")
    return pd.DataFrame({"y": 3.0 * promo + rng.normal(0, 0.1, n), "promo": promo}, index=index)


def linear() -> LinearForecaster:
    return LinearForecaster(input_width=7, horizon=HORIZON, calendar=(), future_covariates="promo")


def poisoned_after(frame: pd.DataFrame, origin: pd.Timestamp, value: float) -> pd.DataFrame:
    """``frame`` with the future covariate replaced by ``value`` from the first row after the
    horizon of ``origin`` on."""
    out = frame.copy()
    beyond = out.index >= origin + HORIZON * pd.Timedelta("1D")
    out.loc[beyond, "promo"] = value
    return out


@pytest.mark.parametrize("poison", [1e30, np.nan])
def test_values_beyond_each_origins_horizon_never_reach_its_forecast(poison):
    frame = promo_days()
    clean = backtest(linear(), frame, start=0.8)
    origins = pd.DatetimeIndex(clean["origin"].unique())
    assert len(origins) >= 10
    for origin in origins:
        tidy = backtest(linear(), poisoned_after(frame, origin, poison), start=origins[0])
        got = tidy.loc[tidy["origin"] == origin, "forecast"].to_numpy()
        expected = clean.loc[clean["origin"] == origin, "forecast"].to_numpy()
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)  # batch rounding
    # ... while the values inside the horizon are read: flipping the last step's promotion
    # moves the last step by the promotion's effect (the others hardly: ridge noise)
    inside = frame.copy()
    last_step = origins[0] + (HORIZON - 1) * pd.Timedelta("1D")
    inside.loc[last_step, "promo"] = 1.0 - inside.loc[last_step, "promo"]
    moved = backtest(linear(), inside, start=origins[0])
    first = moved.loc[moved["origin"] == origins[0], "forecast"].to_numpy()
    before = clean.loc[clean["origin"] == origins[0], "forecast"].to_numpy()
    np.testing.assert_allclose(first[:-1], before[:-1], atol=0.1)
    assert abs(first[-1] - before[-1]) == pytest.approx(3.0, abs=0.3)


def test_a_backtest_forecast_is_the_forecast_predict_makes_from_the_same_rows():
    frame = promo_days()
    origin = frame.index[150]
    model = linear().fit(frame.iloc[:150])
    tidy = forecast_at_origins(model, frame, pd.DatetimeIndex([origin]), "linear")
    future = frame.iloc[150 : 150 + HORIZON][["promo"]]
    predicted = model.predict(frame.iloc[:150], future=future)
    np.testing.assert_allclose(tidy["forecast"].to_numpy(), predicted["y"].to_numpy(), rtol=1e-12)
    assert tidy["timestamp"].tolist() == predicted.index.tolist()


def test_the_network_backtest_is_blind_beyond_the_horizon_too():
    frame = promo_days(160)

    def network():
        return LSTMForecaster(
            input_width=7, horizon=HORIZON, units=(4,), dense_units=(), epochs=1,
            calendar=(), future_covariates="promo", random_state=0, verbose=0,
        )  # fmt: skip

    clean = backtest(network(), frame, start=0.8)
    first = clean["origin"].min()
    tidy = backtest(network(), poisoned_after(frame, first, 1e30), start=first)
    np.testing.assert_allclose(
        tidy.loc[tidy["origin"] == first, "forecast"].to_numpy(),
        clean.loc[clean["origin"] == first, "forecast"].to_numpy(),
        rtol=1e-6,
    )


def test_compare_ranks_the_model_that_knows_the_promotions_first():
    models = {
        "knows promotions": linear(),
        "blind": LinearForecaster(input_width=7, horizon=HORIZON, calendar=()),
        "seasonal": SeasonalNaive(7, input_width=7, horizon=HORIZON, future_covariates="promo"),
    }
    board = compare(models, promo_days(), start=0.8, verbose=False)
    assert board.index[0] == "knows promotions"
    assert board.loc["knows promotions", "mae"] < 0.15
    assert board.loc["blind", "mae"] > 1.0 and board.loc["seasonal", "mae"] > 1.0
