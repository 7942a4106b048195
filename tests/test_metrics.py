"""Metrics against hand-computed values and scikit-learn where they overlap."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import mean_absolute_error, mean_squared_error

from forecast.metrics import mae, mase, rmse, smape


def test_against_scikit_learn():
    rng = np.random.default_rng(0)
    a, f = rng.normal(size=(5, 24, 1)), rng.normal(size=(5, 24, 1))
    assert mae(a, f) == pytest.approx(mean_absolute_error(a.ravel(), f.ravel()))
    assert rmse(a, f) == pytest.approx(np.sqrt(mean_squared_error(a.ravel(), f.ravel())))


def test_hand_computed_values_and_nan_actuals():
    a = np.array([1.0, np.nan, 4.0, 0.0])
    f = np.array([2.0, 9.0, 2.0, 0.0])
    assert mae(a, f) == pytest.approx(1.0)  # (1 + 2 + 0) / 3, the NaN actual ignored
    assert smape(a, f) == pytest.approx(200 * (1 / 3 + 2 / 6 + 0) / 3)  # 0 vs 0 is perfect
    assert mase(a, f, training=[1.0, 2.0, 3.0, 5.0], season_length=1) == pytest.approx(1.0 / (4 / 3))


def test_errors():
    with pytest.raises(ValueError, match="shapes differ"):
        mae([1.0], [1.0, 2.0])
    with pytest.raises(ValueError, match="no actual values"):
        mae([np.nan], [1.0])
    with pytest.raises(ValueError, match="more than season_length"):
        mase([1.0], [1.0], training=[1.0, 2.0], season_length=2)
