"""`forecast run` exports the final fit: every exported model refitted on all the run's data.

The quick runs here read the electricity data from 2014-11-07 00:00 (8 windows of 48 + 24 hours
before the first origin) to 2014-12-05 23:00 (the last hour of the fifth daily origin): 696 rows,
of which the 576 before the first origin (2014-12-01) are what the backtest fits learned from.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
import yaml

import forecast
from forecast.app.cli import main
from forecast.app.config import parse_config
from forecast.app.runs import run_experiment

CONFIG = """
name: final
data: {dataset: electricity_hourly, target: y}
window: {input_width: 48, horizon: 24}
models:
  - {name: seasonal, kind: seasonal_naive}
  - {name: Linear, kind: linear}
  - {name: LSTM, kind: lstm, units: [4], dense_units: []}
training: {epochs: 2, seed: 0}
evaluation: {origins: {start: "2014-12-01", stride: 24}}
"""
BASELINES_ONLY = CONFIG.replace("  - {name: LSTM, kind: lstm, units: [4], dense_units: []}\n", "")
FIRST, LAST, BEFORE_ORIGIN = "2014-11-07 00:00:00", "2014-12-05 23:00:00", "2014-11-30 23:00:00"


def _run_frame():
    return forecast.load_dataset("electricity_hourly").loc[FIRST:LAST]


@pytest.fixture(scope="module")
def refit_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("final")
    config = parse_config(
        CONFIG + f"export: {{path: {folder / 'registry'}}}\n", source="final.yaml"
    )
    return run_experiment(config, runs_dir=folder / "runs", quick=True, verbose=False)


def test_the_exported_models_learned_up_to_the_last_row_not_the_test_split(refit_run):
    assert len(_run_frame()) == 696
    metrics = json.loads((refit_run.path / "metrics.json").read_text())
    for name in ("seasonal", "Linear", "LSTM"):
        fit = forecast.load(refit_run.path / "models" / name).metadata["fit"]
        assert (fit["fit"], fit["start"], fit["end"], fit["rows"], fit["validation_rows"]) == (
            "refit",
            FIRST,
            LAST,
            696,
            0,
        )
        assert (fit["validated"]["end"], fit["validated"]["rows"]) == (BEFORE_ORIGIN, 576)
        assert metrics["exported"][name] == fit  # metrics.json holds the same record
        backtest = refit_run.comparison.models[name]  # the backtest fit is left as it was
        assert str(backtest.training_range_[1]) == BEFORE_ORIGIN
        assert (backtest.training_rows_, backtest.refitted_) == (576, False)
    lstm = refit_run.comparison.models["LSTM"]
    fit = metrics["exported"]["LSTM"]
    assert fit["validated"]["epochs"] == lstm.best_epochs_  # the epochs validation chose
    assert (fit["anchor"], fit["scaling"]) == (lstm.anchor_, lstm.scaling_mode_)
    assert metrics["final_fit_seconds"] > 0
    history = json.loads((refit_run.path / "history" / "LSTM.json").read_text())
    assert history == lstm.history_  # the report's training curves are the backtest fit's


def test_the_manifest_and_the_report_show_the_final_fits(refit_run):
    registry = refit_run.path.parents[2] / "registry"
    manifest = json.loads((registry / "current" / "manifest.json").read_text())
    exported = json.loads((refit_run.path / "metrics.json").read_text())["exported"]
    assert manifest["fits"] == exported
    report = (refit_run.path / "report" / "report.md").read_text()
    section = report.split("## Exported models")[1].split("## Figures")[0]
    rows = [line for line in section.splitlines() if line.startswith("| ")]
    names = [row.split("|")[1].strip() for row in rows]
    assert names == ["model", "seasonal", "Linear", "LSTM"]  # the header, then each model
    for row in rows[1:]:
        assert "refit on all the data" in row and f"{FIRST} .. {LAST}" in row and "696" in row
    # the run directory says it too, beside the models
    beside = (refit_run.path / "exported.md").read_text()
    assert beside.startswith("# Exported models\n")
    assert [line for line in beside.splitlines() if line.startswith("| ")] == rows


def test_the_exported_forecast_is_the_refitted_estimators(refit_run):
    frame = _run_frame()
    for name in ("seasonal", "Linear", "LSTM"):
        served = forecast.load(refit_run.path / "models" / name).predict(frame)
        refitted = refit_run.final_fit.models[name].predict(frame)
        np.testing.assert_allclose(served.to_numpy(), refitted.to_numpy(), rtol=1e-5, atol=1e-3)
    # the ridge regression learned from 120 more rows: not the backtest fit's forecast
    backtest = refit_run.comparison.models["Linear"].predict(frame)
    assert np.abs(refit_run.final_fit.models["Linear"].predict(frame) - backtest).max().max() > 1.0


def test_no_refit_exports_the_backtest_fits(tmp_path, capsys):
    config = tmp_path / "final.yaml"
    config.write_text(BASELINES_ONLY)
    arguments = ["run", str(config), "--quick", "--no-refit", "--quiet"]
    assert main([*arguments, "--runs-dir", str(tmp_path / "runs")]) == 0
    run = Path(capsys.readouterr().out.strip())
    assert yaml.safe_load((run / "config.yaml").read_text())["export"]["refit"] is False
    served = forecast.load(run / "models" / "Linear")
    fit = served.metadata["fit"]
    assert (fit["fit"], fit["end"], fit["rows"], fit["validated"]) == (
        "backtest",
        BEFORE_ORIGIN,
        576,
        None,
    )
    # the same ridge regression as one fitted by hand on the rows before the first origin
    frame = _run_frame()
    by_hand = forecast.LinearForecaster(input_width=48, horizon=24, calendar="auto")
    by_hand.fit(frame.loc[:BEFORE_ORIGIN])
    np.testing.assert_allclose(
        served.predict(frame).to_numpy(), by_hand.predict(frame).to_numpy(), rtol=1e-5
    )
    report = (run / "report" / "report.md").read_text()
    assert "Backtest fits are exported as the leaderboard scored them." in report
    beside = (run / "exported.md").read_text()
    (linear,) = [line for line in beside.splitlines() if line.startswith("| Linear")]
    cells = [c.strip() for c in linear.strip("|").split("|")]
    assert cells[1:4] == ["backtest fit", f"{FIRST} .. {BEFORE_ORIGIN}", "576"]


def test_a_failing_refit_exports_the_others_and_publishes_nothing(tmp_path, capsys, monkeypatch):
    registry = tmp_path / "registry"
    config = tmp_path / "final.yaml"
    config.write_text(BASELINES_ONLY + f"export: {{path: {registry}}}\n")
    arguments = ["run", str(config), "--quick", "--quiet", "--runs-dir", str(tmp_path / "runs")]
    assert main(arguments) == 0
    published = os.readlink(registry / "current")
    capsys.readouterr()

    def diverging(self, X):
        raise ValueError("the solver diverged\nand more detail")

    monkeypatch.setattr(forecast.LinearForecaster, "refit_full", diverging)
    assert main(arguments) == 1
    captured = capsys.readouterr()
    run = Path(captured.out.strip())
    assert (
        "Linear: the final fit on all the data failed (ValueError: the solver diverged); "
        "Linear is not exported" in captured.err
    )
    assert "nothing published" in captured.err
    assert (
        captured.err.rstrip()
        .splitlines()[-1]
        .startswith("forecast: error: 1 model(s) not exported, their final fit failed: Linear")
    )
    assert sorted(p.name for p in (run / "models").iterdir()) == ["seasonal"]
    exported = json.loads((run / "metrics.json").read_text())["exported"]
    assert exported["Linear"] == {"error": "ValueError: the solver diverged"}
    assert exported["seasonal"]["fit"] == "refit"
    report = (run / "report" / "report.md").read_text()
    assert "- **Linear** was not exported: its final fit failed (ValueError: the solver" in report
    assert os.readlink(registry / "current") == published  # the published set stays whole
