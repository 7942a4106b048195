"""`forecast run` with ``evaluation.intervals``: every model's intervals in the leaderboard,
the forecasts, metrics.json and the report; the conformal wrappers exported with their
quantiles, which ``forecast batch`` writes."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

import forecast
from forecast.app.config import parse_config
from forecast.app.runs import run_experiment

CONFIG = """
name: tiny_intervals
data: {dataset: electricity_hourly, target: y}
window: {input_width: 48, horizon: 24}
models:
  - {name: seasonal, kind: seasonal_naive}
  - {name: LSTM, kind: lstm, units: [4], dense_units: []}
training: {epochs: 1, seed: 0}
evaluation:
  origins: {start: "2014-12-01", stride: 24}
  unit: kW
  metrics: [mae, mase, wql, coverage]
  intervals: {coverage: [0.8, 0.95], method: absolute, scale: local}
export: {models: [LSTM]}
"""


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    runs = tmp_path_factory.mktemp("runs")
    config = parse_config(CONFIG, source="tiny_intervals.yaml")
    return run_experiment(config, runs_dir=runs, quick=True, verbose=False)


def test_every_model_is_scored_on_its_calibrated_intervals(run):
    board = run.leaderboard
    assert set(board.index) == {"seasonal", "LSTM"}
    for column in ("mae", "mase", "wql", "coverage_80", "coverage_95"):  # the config's metrics
        assert board[column].notna().all(), column
    assert "pinball" not in board.columns and "width_80" not in board.columns
    assert (board["intervals"] == "conformal").all()  # the LSTM is a point network: wrapped
    assert bool(board.loc["seasonal", "baseline"]) and not bool(board.loc["LSTM", "baseline"])
    tidy = pd.read_parquet(run.path / "forecasts.parquet")
    levels = ["q0.025", "q0.1", "q0.5", "q0.9", "q0.975"]
    assert [c for c in tidy.columns if c.startswith("q")] == levels
    assert (tidy["q0.025"] <= tidy["q0.1"]).all() and (tidy["q0.9"] <= tidy["q0.975"]).all()
    inside = (tidy["actual"] >= tidy["q0.1"]) & (tidy["actual"] <= tidy["q0.9"])
    np.testing.assert_allclose(
        inside.groupby(tidy["model"]).mean().loc[board.index], board["coverage_80"]
    )
    saved = pd.read_csv(run.path / "leaderboard.csv", index_col="model")
    np.testing.assert_allclose(saved.loc[board.index, "wql"], board["wql"])
    width = (tidy["q0.975"] - tidy["q0.025"]) - (tidy["q0.9"] - tidy["q0.1"])
    assert (width > 0).all()  # the 95% interval is the wider
    assert re.search(r"\|\s*Coverage 80%\s*\|", (run.path / "leaderboard.md").read_text())


def test_metrics_json_and_the_report_hold_the_intervals(run):
    metrics = json.loads((run.path / "metrics.json").read_text())
    assert metrics["intervals"]["coverage"] == [0.8, 0.95]
    assert metrics["intervals"]["models"] == {
        "seasonal": "conformal (method=absolute, scale=local)",
        "LSTM": "conformal (method=absolute, scale=local)",
    }
    row = metrics["by_step"][0]
    assert {"mae", "coverage_80", "coverage_95", "wql"} <= set(row) and "mase" not in row
    assert {r["step"] for r in metrics["by_step"]} == set(range(1, 25))
    report = (run.path / "report" / "report.md").read_text()
    assert "## Intervals" in report and "figures/coverage_by_step.png" in report
    assert "<h2>Intervals</h2>" in (run.path / "report" / "report.html").read_text()


def test_the_exported_wrapper_serves_the_intervals_and_batch_writes_them(run, tmp_path):
    from forecast.serving.batch_files import forecast_file

    fitted = run.final_fit.models["LSTM"]
    assert isinstance(fitted, forecast.ConformalForecaster)  # exported as the wrapper
    assert isinstance(fitted.model_, forecast.LSTMForecaster)
    assert run.final_fit.records["LSTM"].fit == "refit" and fitted.refitted_
    path = run.path / "models" / "LSTM"
    served = forecast.load(path)
    assert served.quantile_levels == (0.025, 0.1, 0.5, 0.9, 0.975)
    recorded = json.loads((path / "assets" / "forecast.json").read_text())
    assert recorded["model"] == "ConformalForecaster" and recorded["name"] == "LSTM"
    assert recorded["conformal"]["scale"] == "local"
    # its metadata records the point and the interval metrics: it serves both
    assert set(recorded["metrics"]) == {"mae", "mase", "wql", "coverage_80", "coverage_95"}
    assert recorded["metrics"]["mae"] == pytest.approx(run.leaderboard.loc["LSTM", "mae"])
    start, end = fitted.training_range_
    frame = forecast.load_dataset("electricity_hourly").loc[start:end, ["y"]]
    np.testing.assert_allclose(
        served.predict_interval(frame, (0.8, 0.95)).to_numpy(),
        fitted.predict_interval(frame, (0.8, 0.95)).to_numpy(),
        rtol=1e-5,
    )
    forecast.to_long(frame).to_parquet(tmp_path / "in.parquet")
    forecast_file(path, tmp_path / "in.parquet", tmp_path / "out.parquet", progress=False)
    out = pd.read_parquet(tmp_path / "out.parquet")
    assert [c for c in out.columns if c.startswith("forecast_q")] == [
        "forecast_q0.025",
        "forecast_q0.1",
        "forecast_q0.5",
        "forecast_q0.9",
        "forecast_q0.975",
    ]
    expected = fitted.predict_quantiles(frame)
    np.testing.assert_allclose(out["forecast_q0.9"], expected[("y", 0.9)], rtol=1e-5)
    metrics = json.loads((run.path / "metrics.json").read_text())
    assert metrics["intervals"]["exported"].startswith("point forecasts and quantiles")


def test_export_scores_of_a_model_with_its_own_intervals(run):
    from forecast.app.runs import _export_scores

    row = run.leaderboard.loc["LSTM"]
    wrapped = run.comparison.models["LSTM"]  # the ConformalForecaster: probabilistic
    scores = _export_scores(parse_config(CONFIG), row, wrapped)
    assert set(scores) == {"mae", "mase", "wql", "coverage_80", "coverage_95"}
    assert scores["coverage_95"] == pytest.approx(row["coverage_95"])
