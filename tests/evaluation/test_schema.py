"""The evaluation vocabulary: the tidy frame's columns, its check, and the metric names."""

from __future__ import annotations

import typing

import pandas as pd
import pytest

import forecast.metrics
from forecast.app.config_schema import EvaluationConfig
from forecast.evaluation import comparison, origins, plots, schema
from forecast.evaluation.schema import (
    METRIC_NAMES,
    METRICS,
    METRICS_WITH_UNITS,
    PERCENT_METRICS,
    TIDY_COLUMNS,
    check_forecasts,
    check_metrics,
)


def tidy_frame() -> pd.DataFrame:
    stamps = pd.date_range("2024-01-01", periods=2, freq="h")
    return pd.DataFrame(
        {
            "series_id": schema.SINGLE_SERIES_ID,
            "target": "y",
            "origin": stamps[0],
            "timestamp": stamps,
            "step": [1, 2],
            "actual": [1.0, 2.0],
            "forecast": [1.5, 2.5],
            "model": "naive",
        }
    )


def test_a_tidy_frame_passes_with_extra_columns_and_in_any_order():
    tidy = tidy_frame()
    assert check_forecasts(tidy) is tidy
    shuffled = tidy[list(reversed(TIDY_COLUMNS))].assign(note="x")
    assert check_forecasts(shuffled) is shuffled


@pytest.mark.parametrize(
    ("bad", "error", "message"),
    [
        (tidy_frame().to_dict(), TypeError, "must be a tidy forecast DataFrame, got dict"),
        (tidy_frame().drop(columns=["step", "model"]), ValueError, r"\['step', 'model'\]"),
        (tidy_frame().iloc[:0], ValueError, "empty"),
    ],
)
def test_bad_tidy_frames(bad, error, message):
    with pytest.raises(error, match=message):
        check_forecasts(bad)


def test_metric_names():
    assert check_metrics(iter(["bias", "mae"])) == ["bias", "mae"]
    with pytest.raises(ValueError, match=r"unknown metric\(s\) \['mad', 'wape'\]"):
        check_metrics(["mae", "mad", "wape"])
    assert list(METRIC_NAMES) == list(METRICS)
    assert [METRIC_NAMES[m] for m in METRICS_WITH_UNITS] == [
        "MAE",
        "RMSE",
        "Bias",
        "Pinball",
        "Width",
        "Winkler",
    ]
    assert [METRIC_NAMES[m] for m in PERCENT_METRICS] == ["MAPE", "sMAPE"]
    assert not set(METRICS_WITH_UNITS) & set(PERCENT_METRICS)


def test_the_other_modules_use_the_schema():
    assert forecast.metrics.METRICS is METRICS
    assert comparison.TIDY_COLUMNS is plots.FORECAST_COLUMNS is TIDY_COLUMNS
    assert comparison.SINGLE_SERIES_ID is schema.SINGLE_SERIES_ID
    assert comparison.forecast_origins is origins.forecast_origins
    (metric,) = typing.get_args(EvaluationConfig.model_fields["metrics"].annotation)
    assert typing.get_args(metric) == METRICS
