"""``forecast batch`` with a model exported with quantiles: the ``forecast_q<level>`` columns
beside the point forecast, equal to the loaded model's ``predict_quantiles``."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import forecast
from forecast.app.cli import main
from forecast.serving.batch_engine import BatchForecaster
from forecast.serving.batch_files import forecast_file


def long_panel(n_series: int = 6, rows: int = 120, seed: int = 0) -> pd.DataFrame:
    """Hourly series with a daily cycle, two targets ``y`` and ``z``, in long layout."""
    rng = np.random.default_rng(seed)
    parts = []
    for i in range(n_series):
        stamps = pd.date_range("2024-01-01", periods=rows + 5 * i, freq="h")
        level = 10.0 * (i + 1)
        cycle = np.sin(2 * np.pi * stamps.hour / 24) * level / 3
        parts.append(
            pd.DataFrame(
                {
                    "unique_id": f"s{i:02d}",
                    "ds": stamps,
                    "y": level + cycle + rng.normal(0, 1, len(stamps)),
                    "z": -level + rng.normal(0, 2, len(stamps)),
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def conformal_export(path, target="y", **options):
    panel = forecast.from_long(long_panel())
    inner = forecast.SeasonalNaive(24, input_width=48, horizon=4, target=target)
    model = ConformalForecaster(inner, coverage=(0.8, 0.95), **options).fit(panel)
    return model, model.export(path, name="conformal")


ConformalForecaster = forecast.ConformalForecaster
LEVELS = ["forecast_q0.025", "forecast_q0.1", "forecast_q0.5", "forecast_q0.9", "forecast_q0.975"]


def test_a_batch_writes_the_quantile_columns_beside_the_forecast(tmp_path):
    model, path = conformal_export(tmp_path / "conformal", scale="local")
    frame = long_panel()[["unique_id", "ds", "y"]]
    frame.to_parquet(tmp_path / "in.parquet")
    summary = forecast_file(
        path, tmp_path / "in.parquet", tmp_path / "out.parquet", series_per_batch=4, progress=False
    )
    assert (summary.n_series, summary.n_failed) == (6, 0)
    out = pd.read_parquet(tmp_path / "out.parquet")
    assert list(out.columns) == ["unique_id", "ds", "step", "forecast", *LEVELS, "model", "version"]
    expected = model.predict_quantiles(forecast.from_long(frame))
    got = out.set_index(["unique_id", "ds"])
    for level, column in zip((0.025, 0.1, 0.5, 0.9, 0.975), LEVELS):
        np.testing.assert_allclose(
            got[column].to_numpy(), expected.loc[got.index, ("y", level)].to_numpy(), rtol=1e-5
        )
    np.testing.assert_array_equal(got["forecast_q0.5"].to_numpy(), got["forecast"].to_numpy())
    assert (got["forecast_q0.025"] < got["forecast_q0.1"]).all()
    assert (got["forecast_q0.9"] < got["forecast_q0.975"]).all()


def test_several_targets_have_one_row_each_with_their_own_quantiles(tmp_path):
    model, path = conformal_export(tmp_path / "conformal", target=("y", "z"))
    frame = long_panel()
    frame.to_csv(tmp_path / "in.csv", index=False)
    options = ["--model", str(path), "--input", str(tmp_path / "in.csv")]
    assert main(["batch", *options, "--output", str(tmp_path / "out.csv")]) == 0
    out = pd.read_csv(tmp_path / "out.csv", parse_dates=["ds"])
    columns = ["unique_id", "target", "ds", "step", "forecast", *LEVELS, "model", "version"]
    assert list(out.columns) == columns
    expected = model.predict_quantiles(forecast.from_long(frame))
    for target in ("y", "z"):
        rows = out[out.target == target].set_index(["unique_id", "ds"])
        for level, column in zip((0.025, 0.1, 0.5, 0.9, 0.975), LEVELS):
            np.testing.assert_allclose(
                rows[column].to_numpy(),
                expected.loc[rows.index, (target, level)].to_numpy(),
                rtol=1e-5,
            )


def test_a_point_export_writes_no_quantile_columns_and_names_cannot_clash(tmp_path):
    panel = forecast.from_long(long_panel())
    path = forecast.Naive(input_width=8, horizon=2).fit(panel).export(tmp_path / "naive")
    batcher = BatchForecaster(forecast.load(path))
    assert batcher.output_columns == ["unique_id", "ds", "step", "forecast", "model", "version"]
    _, quantile_path = conformal_export(tmp_path / "conformal")
    with pytest.raises(ValueError, match="the id column is named 'forecast_q0.1'"):
        BatchForecaster(forecast.load(quantile_path), id_col="forecast_q0.1")
