"""``to_long`` of a single series is what ``forecast batch`` reads (it needs an id column)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from conftest import hourly

import forecast
from forecast.serving.batch_files import forecast_file


def test_to_long_of_a_single_series_is_forecast_by_batch(tmp_path):
    frame = hourly(range(72), values=np.arange(72.0) % 24)
    model = forecast.SeasonalNaive(24, input_width=48, horizon=24).fit(frame)
    path = model.export(tmp_path / "model")
    forecast.to_long(frame).to_parquet(tmp_path / "series.parquet")  # unique_id, ds, y
    summary = forecast_file(
        path, tmp_path / "series.parquet", tmp_path / "forecasts.parquet", progress=False
    )
    assert (summary.n_series, summary.n_forecast, summary.n_failed) == (1, 1, 0)
    output = pd.read_parquet(tmp_path / "forecasts.parquet")
    assert len(output) == 24
    assert output.iloc[:, 0].tolist() == ["series"] * 24  # the id column comes first
    expected = model.predict(frame)["y"].to_numpy()
    np.testing.assert_array_equal(expected, np.arange(24.0))  # the season repeated
    numeric = output.select_dtypes("float")
    assert any(np.array_equal(numeric[c].to_numpy(), expected) for c in numeric.columns)
