"""`forecast run` with ``evaluation.intervals``: every model's intervals in the leaderboard,
the forecasts, metrics.json and the report; the point models exported as before."""

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


def test_the_exported_network_serves_the_point_forecasts(run):
    fitted = run.final_fit.models["LSTM"]
    assert isinstance(fitted, forecast.LSTMForecaster)  # the conformal wrapper's inner model
    assert run.final_fit.records["LSTM"].fit == "refit"
    served = forecast.load(run.path / "models" / "LSTM")
    # its metadata records the point metrics: the intervals were the conformal wrapper's
    recorded = json.loads((run.path / "models" / "LSTM" / "assets" / "forecast.json").read_text())
    assert set(recorded["metrics"]) == {"mae", "mase"}
    assert recorded["metrics"]["mae"] == pytest.approx(run.leaderboard.loc["LSTM", "mae"])
    assert served.predict is not None


def test_export_scores_of_a_model_with_its_own_intervals(run):
    from forecast.app.runs import _export_scores

    row = run.leaderboard.loc["LSTM"]
    wrapped = run.comparison.models["LSTM"]  # the ConformalForecaster: probabilistic
    scores = _export_scores(parse_config(CONFIG), row, wrapped)
    assert set(scores) == {"mae", "mase", "wql", "coverage_80", "coverage_95"}
    assert scores["coverage_95"] == pytest.approx(row["coverage_95"])
