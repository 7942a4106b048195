"""`forecast run`: the run directory, its exported and published models, atomicity and the
command line."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

import forecast
from forecast.app.cli import main
from forecast.app.config import load_config, parse_config
from forecast.app.publish import KEPT_VERSIONS, publish_run
from forecast.app.runs import run_experiment

CONFIG = """
name: tiny
data: {dataset: electricity_hourly, target: y}
window: {input_width: 48, horizon: 24}
models:
  - {name: seasonal, kind: seasonal_naive}
  - {name: LSTM, kind: lstm, units: [4], dense_units: []}
training: {epochs: 5, seed: 0}
evaluation: {origins: {start: "2014-12-01", stride: 24}, unit: kW}
"""


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    runs = tmp_path_factory.mktemp("runs")
    return run_experiment(
        parse_config(CONFIG, source="tiny.yaml"), runs_dir=runs, quick=True, verbose=False
    )


def test_run_directory_holds_everything(quick_run):
    path = quick_run.path
    assert path.parent.name == "tiny" and [p.name for p in path.parent.iterdir()] == [path.name]
    resolved = yaml.safe_load((path / "config.yaml").read_text())
    assert resolved["quick"] is True and resolved["training"]["epochs"] == 5
    board = pd.read_csv(path / "leaderboard.csv", index_col="model")
    np.testing.assert_allclose(
        board.loc[quick_run.leaderboard.index, "mae"], quick_run.leaderboard["mae"]
    )
    metrics = json.loads((path / "metrics.json").read_text())
    assert set(metrics["leaderboard"]) == {"seasonal", "LSTM"}
    assert {row["step"] for row in metrics["by_step"]} == set(range(1, 25))
    assert metrics["summary"]["origins"] == 5  # --quick keeps five origins
    history = json.loads((path / "history" / "LSTM.json").read_text())
    assert len(history["loss"]) == 1  # --quick trains one epoch
    tidy = pd.read_parquet(path / "forecasts.parquet")
    assert len(tidy) == 2 * 5 * 24
    report = (path / "report" / "report.md").read_text()
    assert "seasonal" in report and "LSTM" in report and "kW" in report
    assert (path / "leaderboard.md").read_text().count("|") > 10


def test_leaderboard_md_is_formatted_as_the_report(quick_run):
    text = (quick_run.path / "leaderboard.md").read_text()
    assert "True" not in text and "False" not in text  # flags read yes / no
    rows = {
        cells[0]: cells
        for line in text.splitlines()
        if line.startswith("| ") and not line.startswith("| model")
        for cells in [[c.strip() for c in line.strip("|").split("|")]]
    }
    header = [c.strip() for c in text.splitlines()[2].strip("|").split("|")]
    assert header[:3] == ["model", "MAE", "RMSE"] and "baseline" in header
    board = quick_run.leaderboard
    for name in board.index:
        cells = dict(zip(header, rows[name]))
        assert cells["baseline"] == ("yes" if board.loc[name, "baseline"] else "no")
        assert cells["n"] == f"{int(board.loc[name, 'n']):,}"
        # MAE rounded to about four significant digits of the column's largest value
        assert float(cells["MAE"].replace(",", "")) == pytest.approx(
            board.loc[name, "mae"], abs=0.5
        )
        assert len(cells["skill"].split(".")[1]) == 3
    assert text.startswith("Lower errors are better. MAE, RMSE and Bias are in kW")


def test_exported_models_serve_the_run_forecasts(quick_run):
    frame = forecast.load_dataset("electricity_hourly").loc[:"2014-11-30 23:00"]
    for name in ("seasonal", "LSTM"):
        served = forecast.load(quick_run.path / "models" / name)
        expected = quick_run.final_fit.models[name].predict(frame)  # refitted on all the data
        np.testing.assert_allclose(
            served.predict(frame).to_numpy(), expected.to_numpy(), rtol=1e-5, atol=1e-3
        )
        assert served.metadata["metrics"]["mae"] == pytest.approx(
            quick_run.leaderboard.loc[name, "mae"]
        )
        assert served.name == name  # the run's name, not the class name


def test_a_batch_with_a_run_model_writes_the_runs_model_name(quick_run, tmp_path, capsys):
    frame = forecast.load_dataset("electricity_hourly").iloc[-100:]
    rows = pd.DataFrame({"meter": "MT_1", "when": frame.index, "y": frame["y"].to_numpy()})
    rows.to_csv(tmp_path / "in.csv", index=False)
    model = quick_run.path / "models" / "LSTM"
    command = ["batch", "--model", str(model), "--input", str(tmp_path / "in.csv")]
    command += ["--output", str(tmp_path / "out.csv"), "--id-col", "meter", "--time-col", "when"]
    assert main([*command, "--no-progress"]) == 0
    out = pd.read_csv(tmp_path / "out.csv")
    assert list(out.columns) == ["meter", "when", "step", "forecast", "model", "version"]
    assert set(out["model"]) == {"LSTM"} and len(out) == 24


def test_a_failing_run_leaves_no_directory(tmp_path, monkeypatch):
    def broken_export(self, *args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(forecast.SeasonalNaive, "export", broken_export)
    config = parse_config(
        CONFIG.replace("  - {name: LSTM, kind: lstm, units: [4], dense_units: []}\n", "")
    )
    with pytest.raises(RuntimeError, match="disk full"):
        run_experiment(config, runs_dir=tmp_path, quick=True, verbose=False)
    assert list((tmp_path / "tiny").iterdir()) == []


def test_command_line_run_and_errors(tmp_path, capsys):
    config = tmp_path / "naive.yaml"
    config.write_text(
        CONFIG.replace("  - {name: LSTM, kind: lstm, units: [4], dense_units: []}\n", "")
    )
    assert (
        main(["run", str(config), "--quick", "--quiet", "--runs-dir", str(tmp_path / "runs")]) == 0
    )
    printed = Path(capsys.readouterr().out.strip())
    assert (printed / "leaderboard.csv").exists()
    config.write_text(CONFIG.replace("kind: seasonal_naive", "kind: seasonal_naive, seasons: 2"))
    assert main(["run", str(config), "--quick"]) == 2
    err = capsys.readouterr().err
    assert (
        err.startswith("forecast: error: ")
        and "seasons: unknown key" in err
        and "Traceback" not in err
    )


@pytest.mark.slow
@pytest.mark.parametrize(
    "name", ["electricity", "electricity_intervals", "beijing_pm25", "appliances", "parking"]
)
def test_shipped_configs_run_quick(tmp_path, name):
    config = load_config(Path(__file__).parents[2] / "configs" / f"{name}.yaml")
    result = run_experiment(config, runs_dir=tmp_path, quick=True, verbose=False)
    board = result.leaderboard
    assert set(board.index) == {m.name for m in config.models}
    assert board["mae"].notna().all() and board["baseline"].any()
    assert any((result.path / "models").iterdir())


def test_export_path_publishes_the_models_as_one_version(tmp_path):
    registry = tmp_path / "registry"
    config = parse_config(
        "data: {dataset: electricity_hourly, target: y}\n"
        "window: {input_width: 48, horizon: 24}\n"
        "models: [{name: naive, kind: naive}, {name: seasonal, kind: seasonal_naive}]\n"
        "evaluation: {origins: {start: 0.98}}\n"
        f"export: {{models: best, path: {registry}}}\n",
        source="publish.yaml",
    )
    first = run_experiment(config, runs_dir=tmp_path / "runs", verbose=False)
    best = first.leaderboard.index[0]
    assert sorted(p.name for p in registry.iterdir()) == ["current", "versions"]
    assert os.readlink(registry / "current") == f"versions/{first.path.name}"
    manifest = json.loads((registry / "current" / "manifest.json").read_text())
    assert {k: v for k, v in manifest.items() if k not in ("published", "fits")} == {
        "version": first.path.name,
        "run": first.path.name,
        "run_directory": str(first.path.resolve()),
        "config": "experiment",
        "models": [best],
    }
    # the published model is the refit on all the data: it ends at the dataset's last hour
    fits = manifest["fits"]
    assert list(fits) == [best] and fits[best]["fit"] == "refit"
    assert fits[best]["end"] == "2014-12-31 23:00:00"
    assert fits[best] == forecast.load(registry / "current" / best).metadata["fit"]
    assert sorted(p.name for p in (registry / "current").iterdir()) == sorted(
        [best, "manifest.json"]
    )
    frame = forecast.load_dataset("electricity_hourly")
    served = forecast.load(registry / "current" / best).predict(frame)
    pd.testing.assert_frame_equal(
        served, forecast.load(first.path / "models" / best).predict(frame)
    )
    second = run_experiment(config, runs_dir=tmp_path / "runs", verbose=False)
    assert os.readlink(registry / "current") == f"versions/{second.path.name}"
    assert sorted(p.name for p in (registry / "versions").iterdir()) == sorted(
        [first.path.name, second.path.name]
    )  # the previous version stays, and no temporaries are left
    assert sorted(p.name for p in registry.iterdir()) == ["current", "versions"]


def _fake_run(folder: Path, name: str, models: list[str]) -> Path:
    """A run directory holding only ``models/NAME/weights`` (each file says its run)."""
    (folder / name / "models").mkdir(parents=True)
    for model in models:
        (folder / name / "models" / model).mkdir()
        (folder / name / "models" / model / "weights").write_text(f"{name}/{model}")
    return folder / name


def test_publishing_keeps_the_previous_version_and_a_few_more(tmp_path):
    registry = tmp_path / "registry"
    for name in ("r1", "r2"):
        publish_run(_fake_run(tmp_path, name, ["a", "b"]), "fake", registry, time.time())
    # a complete version that never became current (its publisher was killed before the
    # switch), published later than any other
    stray = registry / "versions" / "stray"
    stray.mkdir()
    (stray / "manifest.json").write_text(json.dumps({"published": "9999-01-01T00:00:00+00:00"}))

    def versions() -> list[str]:
        return sorted(p.name for p in (registry / "versions").iterdir())

    publish_run(_fake_run(tmp_path, "r3", ["a"]), "fake", registry, time.time())
    assert versions() == ["r2", "r3", "stray"] and KEPT_VERSIONS == 3
    publish_run(_fake_run(tmp_path, "r4", ["c"]), "fake", registry, time.time())
    assert versions() == ["r3", "r4", "stray"]  # r3 was current before: it stays
    assert sorted(p.name for p in (registry / "current").iterdir()) == ["c", "manifest.json"]
    assert (registry / "current" / "c" / "weights").read_text() == "r4/c"
    # a run that exported nothing publishes nothing
    assert publish_run(_fake_run(tmp_path, "r5", []), "fake", registry, time.time()) is None
    assert os.readlink(registry / "current") == "versions/r4"


def test_runs_started_in_the_same_second_get_their_own_directories(tmp_path, monkeypatch):
    monkeypatch.setattr("forecast.app.runs._run_stamp", lambda: "20260101-000000")
    config = parse_config(
        "data: {dataset: electricity_hourly, target: y}\n"
        "window: {input_width: 48, horizon: 24}\n"
        "models: [{name: naive, kind: naive}]\n"
        "evaluation: {origins: {start: 0.99}}\n",
        source="same.yaml",
    )
    paths = [run_experiment(config, runs_dir=tmp_path, verbose=False).path for _ in range(3)]
    assert [p.name for p in paths] == ["20260101-000000", "20260101-000000-2", "20260101-000000-3"]
    assert sorted(p.name for p in paths[0].parent.iterdir()) == [p.name for p in paths]
    assert all((p / "leaderboard.csv").exists() for p in paths)


def test_only_the_chief_of_a_multi_worker_cluster_writes_the_run(monkeypatch):
    from forecast.app.config import build_forecasters
    from forecast.app.runs import writes_run

    text = CONFIG.replace(
        "training: {epochs: 5, seed: 0}", "training: {epochs: 5, seed: 0, distribution: DIST}"
    )
    cluster = {"worker": ["localhost:1", "localhost:2"]}
    for index, chief in ((0, True), (1, False)):
        monkeypatch.setenv(
            "TF_CONFIG",
            json.dumps({"cluster": cluster, "task": {"type": "worker", "index": index}}),
        )
        assert (
            writes_run(build_forecasters(parse_config(text.replace("DIST", "multi_worker"))))
            is chief
        )
        assert writes_run(build_forecasters(parse_config(text.replace("DIST", "default")))) is True
