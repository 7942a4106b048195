"""Quantile and interval metrics against hand-computed values, on arrays and tidy frames."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import mean_pinball_loss as sklearn_pinball

from forecast.evaluation.metrics import (
    interval_width,
    mean_pinball_loss,
    msis,
    score_forecasts,
    weighted_quantile_loss,
    winkler_score,
)
from forecast.evaluation.quantile_metrics import frame_coverages


def test_array_metrics_by_hand_and_against_scikit_learn():
    actual = np.array([10.0, 20.0, np.nan])
    bands = np.array([[8.0, 10.0, 12.0], [21.0, 22.0, 26.0], [0.0, 0.0, 0.0]])
    levels = (0.1, 0.5, 0.9)
    # pinball per level: 0.1 -> (0.2, 0.9), 0.5 -> (0, 1), 0.9 -> (0.2, 0.6); NaN ignored
    assert mean_pinball_loss(actual, bands, levels) == pytest.approx(2.9 / 6)
    expected = np.mean(
        [sklearn_pinball(actual[:2], bands[:2, i], alpha=q) for i, q in enumerate(levels)]
    )
    assert mean_pinball_loss(actual, bands, levels) == pytest.approx(expected)
    # WQL: 2 * (1.1, 1.0, 0.8) / sum|y| = 30, averaged
    assert weighted_quantile_loss(actual, bands, levels) == pytest.approx(2 * 2.9 / 90)
    lower, upper = bands[:2, 0], bands[:2, 2]
    assert interval_width(lower, upper) == 4.5
    # Winkler: 4 (inside) and 5 + 2 / 0.2 * (21 - 20) = 15
    assert winkler_score(actual[:2], lower, upper, 0.8) == pytest.approx(9.5)
    training = np.array([0.0, 1.0, 2.0, 4.0])  # season 1: |diffs| 1, 1, 2 -> scale 4/3
    assert msis(actual[:2], lower, upper, 0.8, training, 1) == pytest.approx(9.5 * 3 / 4)
    with pytest.raises(ValueError, match="plus one axis of 2 levels"):
        mean_pinball_loss(actual, bands, (0.1, 0.9))
    with pytest.raises(ValueError, match="undefined when every actual is 0"):
        weighted_quantile_loss([0.0], [[1.0]], (0.5,))


def tidy() -> pd.DataFrame:
    """Model a: two values with quantiles 0.1/0.5/0.9; model b: the same points, no quantiles."""
    a = pd.DataFrame(
        {
            "model": "a",
            "series_id": ["s", "t"],
            "step": [1, 2],
            "actual": [10.0, 20.0],
            "forecast": [10.0, 22.0],
            "q0.1": [8.0, 21.0],
            "q0.5": [10.0, 22.0],
            "q0.9": [12.0, 26.0],
        }
    )
    b = a[["model", "series_id", "step", "actual", "forecast"]].assign(model="b")
    return pd.concat([a, b], ignore_index=True)


def test_score_forecasts_gives_probabilistic_columns_per_model_and_coverage():
    metrics = ["mae", "pinball", "wql", "coverage", "width", "winkler", "msis"]
    board = score_forecasts(tidy(), metrics, scales={"s": 2.0, "t": 2.0})
    assert board.columns.tolist() == [
        "mae",
        "pinball",
        "wql",
        "coverage_80",
        "width_80",
        "winkler_80",
        "msis_80",
        "n",
    ]
    row = board.loc["a"]
    assert row["pinball"] == pytest.approx(2.9 / 6) and row["wql"] == pytest.approx(2 * 2.9 / 90)
    assert row["coverage_80"] == 0.5 and row["width_80"] == 4.5
    assert row["winkler_80"] == pytest.approx(9.5) and row["msis_80"] == pytest.approx(4.75)
    assert board.loc["b", ["mae", "n"]].tolist() == [1.0, 2]
    assert board.loc["b", ["pinball", "wql", "coverage_80"]].isna().all()  # points only
    by_step = score_forecasts(tidy(), ["coverage"], by=["model", "step"])
    assert by_step.loc[("a", 1), "coverage_80"] == 1.0 and by_step.loc[("a", 2), "coverage_80"] == 0


def test_missing_quantile_columns_or_bounds_are_clear_errors():
    points = tidy().drop(columns=["q0.1", "q0.5", "q0.9"])
    with pytest.raises(ValueError, match=r"need quantile columns .* coverage=\(0.8, 0.95\)"):
        score_forecasts(points, ["pinball"])
    with pytest.raises(ValueError, match=r"the 0.95 interval needs the quantile columns q0.025"):
        score_forecasts(tidy(), ["coverage"], coverage=0.95)
    assert frame_coverages((0.1, 0.25, 0.75)) == (0.5,)


def walk(n: int = 600, seed: int = 0) -> pd.DataFrame:
    from conftest import hourly

    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return hourly(t, 100 + 10 * np.sin(2 * np.pi * t / 24) + np.cumsum(rng.normal(size=n)))


def test_compare_wraps_point_baselines_in_conformal_and_ranks_by_interval_metrics():
    import forecast

    frame = walk()
    models = {
        "naive": forecast.Naive(input_width=24, horizon=6),
        "seasonal": forecast.SeasonalNaive(24, input_width=24, horizon=6),
    }
    comparison = forecast.compare(
        models,
        frame,
        start=0.7,
        stride=6,
        coverage=(0.8, 0.95),
        sort_by="wql",
        details=True,
        verbose=False,
    )
    board = comparison.leaderboard
    assert {"pinball", "wql", "coverage_80", "coverage_95", "width_80", "width_95"} <= set(board)
    assert board["intervals"].tolist() == ["conformal", "conformal"]
    assert board["wql"].is_monotonic_increasing
    assert all(isinstance(m, forecast.ConformalForecaster) for m in comparison.models.values())
    tidy = comparison.forecasts
    assert [c for c in tidy.columns if c.startswith("q")] == [
        "q0.025",
        "q0.1",
        "q0.5",
        "q0.9",
        "q0.975",
    ]
    # the leaderboard is the metrics of the tidy quantile columns, by hand for one model
    naive = tidy[tidy["model"] == "naive"]
    inside = (naive["actual"] >= naive["q0.1"]) & (naive["actual"] <= naive["q0.9"])
    assert board.loc["naive", "coverage_80"] == pytest.approx(inside.mean())
    assert board.loc["naive", "width_80"] == pytest.approx((naive["q0.9"] - naive["q0.1"]).mean())
    by_step = score_forecasts(tidy, ["coverage"], by=["model", "step"])
    assert len(by_step) == 2 * 6


def test_backtest_carries_the_quantiles_of_a_conformal_forecaster_and_overrides_its_horizon():
    import forecast

    frame = walk(400)
    model = forecast.ConformalForecaster(forecast.Naive(input_width=12, horizon=6), coverage=0.8)
    tidy = forecast.backtest(model, frame, horizon=3, start=0.75, coverage=0.8)
    assert tidy["step"].max() == 3 and model.horizon == 6  # cloned with horizon 3
    assert (tidy["q0.1"] <= tidy["q0.5"]).all() and (tidy["q0.5"] <= tidy["q0.9"]).all()
    np.testing.assert_allclose(tidy["q0.5"], tidy["forecast"])  # absolute: the median is the point


def test_a_comparison_asking_for_intervals_refuses_a_point_network_by_name():
    import forecast
    from forecast.models.probabilistic import PointForecastError

    models = {"lstm": forecast.LSTMForecaster(input_width=24, horizon=6, epochs=1)}
    with pytest.raises(
        PointForecastError, match="asks for intervals and 'lstm'.*ConformalForecaster"
    ):
        forecast.compare(models, walk(), metrics=["mae", "pinball"], verbose=False)
    with pytest.raises(ValueError, match="sort_by 'coverage' must be one of"):
        forecast.compare(models, walk(), coverage=0.8, sort_by="coverage", verbose=False)
