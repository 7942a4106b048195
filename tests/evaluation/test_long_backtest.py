"""backtest / compare on long frames: the indexed path's numbers, the input's column names."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from conftest import hourly, panel  # noqa: E402

import forecast  # noqa: E402
from forecast import LinearForecaster, Naive, backtest, compare  # noqa: E402
from forecast.evaluation.comparison import TIDY_COLUMNS  # noqa: E402


def two_series() -> pd.DataFrame:
    """Two hourly series of 96 rows: y = row number, and 1000 + 2 x row number."""
    return panel({"a": hourly(range(96)), "b": hourly(range(96), 1000.0 + 2 * np.arange(96))})


@pytest.mark.parametrize(
    "model",
    [Naive(input_width=6, horizon=4), LinearForecaster(input_width=6, horizon=4)],
    ids=["naive", "linear"],
)
def test_a_long_backtest_equals_the_indexed_one_under_the_input_names(model):
    frame = two_series()
    indexed = backtest(model, frame, start=0.75)
    tidy = backtest(model, forecast.to_long(frame), start=0.75)
    renamed = [
        "unique_id" if c == "series_id" else "ds" if c == "timestamp" else c for c in TIDY_COLUMNS
    ]
    assert tidy.columns.tolist() == renamed
    pd.testing.assert_frame_equal(
        tidy, indexed.rename(columns={"series_id": "unique_id", "timestamp": "ds"})
    )
    first = tidy[(tidy["unique_id"] == "b") & (tidy["origin"] == tidy["origin"].min())]
    origin_row = int((first["origin"].iloc[0] - pd.Timestamp("2024-01-01")) / pd.Timedelta("1h"))
    assert first["actual"].tolist() == [1000.0 + 2 * (origin_row + k) for k in range(4)]
    if isinstance(model, Naive):
        assert first["forecast"].tolist() == [1000.0 + 2 * (origin_row - 1)] * 4


def test_named_columns_and_a_single_series_without_an_id():
    frame = two_series()
    long = forecast.to_long(frame, id_col="meter", time_col="hour")
    tidy = backtest(
        Naive(input_width=6, horizon=4), long, start=0.75, id_col="meter", time_col="hour"
    )
    assert tidy.columns.tolist()[:4] == ["meter", "target", "origin", "hour"]
    assert sorted(tidy["meter"].unique()) == ["a", "b"]
    one = forecast.to_long(frame.loc["a"], id_col=None)  # ds, y only
    tidy = backtest(Naive(input_width=6, horizon=4), one, start=0.75)
    assert tidy.columns.tolist()[:4] == ["series_id", "target", "origin", "ds"]
    assert set(tidy["series_id"]) == {"series"}
    assert (tidy["actual"] - tidy["forecast"]).tolist() == list(range(1, 5)) * 6  # y = row number


def test_compare_on_a_long_frame_ranks_as_on_the_indexed_one_and_keeps_the_names():
    frame = two_series()
    models = {
        "naive": Naive(input_width=6, horizon=4),
        "linear": LinearForecaster(input_width=6, horizon=4),
    }
    scores = ["mae", "rmse", "mase", "n"]
    indexed = compare(models, frame, start=0.75, verbose=False, details=True)
    long = compare(models, forecast.to_long(frame), start=0.75, verbose=False, details=True)
    pd.testing.assert_frame_equal(long.leaderboard[scores], indexed.leaderboard[scores])
    # naive misses by 1..4 steps of slope 1 (a) and 2 (b): MAE (2.5 + 5) / 2
    assert long.leaderboard.loc["naive", "mae"] == pytest.approx(3.75)
    assert long.leaderboard.loc["linear", "mae"] < 3.75  # straight lines: a ridge does better
    assert long.forecasts.columns.tolist()[:4] == ["unique_id", "target", "origin", "ds"]
    assert long.column_names == {"series_id": "unique_id", "timestamp": "ds"}
    pd.testing.assert_frame_equal(long._tidy, indexed.forecasts)
    figure = long.plot_forecasts()  # plots read the tidy names back
    assert figure.axes
    plt.close("all")


def test_a_long_column_named_like_another_tidy_column_is_refused():
    long = forecast.to_long(two_series(), id_col="model")
    with pytest.raises(
        ValueError, match="column 'model' would take the place of the tidy frame's 'series_id'"
    ):
        backtest(Naive(input_width=6, horizon=4), long, start=0.75, id_col="model")
