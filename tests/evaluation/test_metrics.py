"""Metrics against hand-computed values and scikit-learn where they overlap."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import (
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_pinball_loss,
    mean_squared_error,
)

from forecast.evaluation.metrics import (
    bias,
    coverage,
    mae,
    mape,
    mase,
    pinball_loss,
    rmse,
    score_forecasts,
    series_scales,
    smape,
)


def test_against_scikit_learn():
    rng = np.random.default_rng(0)
    a, f = rng.normal(size=(5, 24, 1)), rng.normal(size=(5, 24, 1))
    assert mae(a, f) == pytest.approx(mean_absolute_error(a.ravel(), f.ravel()))
    assert rmse(a, f) == pytest.approx(np.sqrt(mean_squared_error(a.ravel(), f.ravel())))
    assert mape(a, f) == pytest.approx(100 * mean_absolute_percentage_error(a.ravel(), f.ravel()))
    for q in (0.1, 0.5, 0.9):
        assert pinball_loss(a, f, q) == pytest.approx(
            mean_pinball_loss(a.ravel(), f.ravel(), alpha=q)
        )


def test_mape_zero_actual_policy_bias_and_coverage():
    a, f = np.array([2.0, 0.0, 4.0]), np.array([1.0, 1.0, 5.0])
    with pytest.raises(ValueError, match="undefined where the actual is 0 .1 of 3"):
        mape(a, f)
    assert np.isnan(mape(a, f, zero_actuals="nan"))
    assert mape(a, f, zero_actuals="drop") == pytest.approx(100 * (0.5 + 0.25) / 2)
    assert bias(a, f) == pytest.approx((-1 + 1 + 1) / 3)  # forecasts too high on average
    assert coverage(
        [1.0, 2.0, 3.0, np.nan], [0.0, 2.5, 3.0, 0.0], [1.5, 3.0, 4.0, 1.0]
    ) == pytest.approx(2 / 3)
    with pytest.raises(ValueError, match="lower exceeds upper"):
        coverage([1.0], [2.0], [1.0])
    with pytest.raises(ValueError, match="quantile"):
        pinball_loss([1.0], [1.0], 1.5)


def tidy_frame() -> pd.DataFrame:
    """Two models, two series, two origins, two steps; errors chosen by hand."""
    rows = []
    for model, offset in (("a", 1.0), ("b", -2.0)):
        for series in ("s1", "s2"):
            for origin in (0, 1):
                for step in (1, 2):
                    actual = 10.0 * step + origin
                    error = offset * step if series == "s1" else 0.0
                    rows.append(
                        dict(
                            model=model,
                            series_id=series,
                            target="y",
                            origin=origin,
                            step=step,
                            actual=actual,
                            forecast=actual + error,
                        )
                    )
    return pd.DataFrame(rows)


def test_score_forecasts_breakdowns_by_model_step_and_series():
    tidy = tidy_frame()
    by_model = score_forecasts(tidy, ["mae", "rmse", "bias"])
    # model a: s1 errors 1, 2, 1, 2 and s2 errors 0 -> MAE 6/8
    assert by_model.loc["a", "mae"] == pytest.approx(6 / 8)
    assert by_model.loc["a", "rmse"] == pytest.approx(np.sqrt((1 + 4 + 1 + 4) / 8))
    assert by_model.loc["b", "bias"] == pytest.approx(-12 / 8)
    assert by_model["n"].tolist() == [8, 8]
    by_step = score_forecasts(tidy, ["mae"], by=["model", "step"])
    assert by_step.loc[("a", 2), "mae"] == pytest.approx((2 + 2 + 0 + 0) / 4)
    by_series = score_forecasts(tidy, ["mae"], by=["model", "series_id"])
    assert by_series.loc[("b", "s2"), "mae"] == 0.0
    assert by_series.loc[("b", "s1"), "mae"] == pytest.approx(3.0)
    whole = score_forecasts(tidy, ["mae", "smape"], by=None)
    assert len(whole) == 1 and whole["mae"].iloc[0] == pytest.approx((6 + 12) / 16)


def test_score_forecasts_mase_uses_each_series_scale():
    tidy = tidy_frame()
    training = pd.concat(
        {
            "s1": pd.DataFrame({"y": [0.0, 2.0, 0.0, 2.0]}),
            "s2": pd.DataFrame({"y": [0.0, 1.0, 2.0, 3.0]}),
        },
        names=["series_id", "row"],
    )
    scales = series_scales(training, "y", season_length=1)
    assert scales == {"s1": 2.0, "s2": 1.0}
    scored = score_forecasts(tidy, ["mase"], scales=scales)
    assert scored.loc["a", "mase"] == pytest.approx((1 + 2 + 1 + 2) / 2 / 8)
    with pytest.raises(ValueError, match="no MASE scale for series 's2'"):
        score_forecasts(tidy, ["mase"], scales={"s1": 1.0})
    with pytest.raises(ValueError, match="unknown metric"):
        score_forecasts(tidy, ["mad"])
    with pytest.raises(ValueError, match="cannot break down"):
        score_forecasts(tidy, ["mae"], by="week")


def test_hand_computed_values_and_nan_actuals():
    a = np.array([1.0, np.nan, 4.0, 0.0])
    f = np.array([2.0, 9.0, 2.0, 0.0])
    assert mae(a, f) == pytest.approx(1.0)  # (1 + 2 + 0) / 3, the NaN actual ignored
    assert smape(a, f) == pytest.approx(200 * (1 / 3 + 2 / 6 + 0) / 3)  # 0 vs 0 is perfect
    assert mase(a, f, training=[1.0, 2.0, 3.0, 5.0], season_length=1) == pytest.approx(
        1.0 / (4 / 3)
    )


def test_errors():
    with pytest.raises(ValueError, match="shapes differ"):
        mae([1.0], [1.0, 2.0])
    with pytest.raises(ValueError, match="no actual values"):
        mae([np.nan], [1.0])
    with pytest.raises(ValueError, match="more than season_length"):
        mase([1.0], [1.0], training=[1.0, 2.0], season_length=2)
