"""The Spark engine of ``forecast batch``: same forecasts as the local engine, Spark in local mode."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import forecast
from forecast.app.cli import main
from forecast.serving.batch_files import forecast_file

JAVA_HINT = "the Spark tests need Java 17+: apt-get install openjdk-17-jre-headless"


def java_major_version() -> int | None:
    if shutil.which("java") is None:
        return None
    out = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr
    version = out.split('"')[1] if '"' in out else "0"
    return int(version.split(".")[0] if not version.startswith("1.") else version.split(".")[1])


@pytest.fixture(scope="module")
def spark():
    version = java_major_version()
    if version is None or version < 17:
        pytest.fail(f"{JAVA_HINT} (found: {version or 'no java'})")
    os.environ["PYSPARK_PYTHON"] = sys.executable
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]")
        .appName("forecast-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def long_panel(n_series: int, rows: int = 80, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    stamps = pd.date_range("2024-01-01", periods=rows, freq="h")
    level = rng.uniform(10, 100, size=(n_series, 1))
    y = level * (1 + 0.3 * np.sin(2 * np.pi * stamps.hour.to_numpy() / 24)) + rng.normal(
        0, 1, (n_series, rows)
    )
    frame = pd.DataFrame(
        {
            "unique_id": np.repeat([f"s{i:04d}" for i in range(n_series)], rows),
            "ds": np.tile(stamps, n_series),
            "y": y.reshape(-1),
        }
    )
    # a few bad series: too short, NaN throughout the last input window (nothing to fill from)
    frame = frame[~((frame.unique_id == "s0007") & (frame.ds > stamps[10]))].copy()
    frame.loc[(frame.unique_id == "s0011") & (frame.ds > stamps[-25]), "y"] = np.nan
    return frame.sample(frac=1.0, random_state=0)  # Spark must not depend on row order


@pytest.fixture(scope="module")
def model_path(tmp_path_factory):
    frame = long_panel(20).query("unique_id not in ('s0007', 's0011')")
    model = forecast.LSTMForecaster(input_width=24, horizon=6, units=(8,), epochs=1, random_state=0)
    folder = tmp_path_factory.mktemp("spark")
    return model.fit(forecast.from_long(frame)).export(folder / "lstm", name="LSTM")


@pytest.mark.slow
def test_spark_engine_equals_the_local_engine(spark, model_path, tmp_path):
    from forecast.serving.spark import forecast_spark, split_errors

    frame = long_panel(300)
    frame.sort_values(["unique_id", "ds"]).to_parquet(tmp_path / "in.parquet")
    forecast_file(model_path, tmp_path / "in.parquet", tmp_path / "local.parquet", progress=False)
    local = pd.read_parquet(tmp_path / "local.parquet")
    local_errors = pd.read_csv(tmp_path / "local.errors.csv")

    result = forecast_spark(spark.createDataFrame(frame), model_path, series_per_batch=64).persist()
    forecasts, errors = split_errors(result)
    remote = forecasts.toPandas()
    remote_errors = errors.toPandas()
    assert len(remote) == len(local) == 298 * 6
    assert list(remote.columns) == list(local.columns)  # the input's names, as locally
    merged = local.merge(remote, on=["unique_id", "ds", "step"], suffixes=("_local", "_spark"))
    assert len(merged) == len(local)
    np.testing.assert_allclose(merged.forecast_spark, merged.forecast_local, rtol=1e-5, atol=1e-5)
    assert (merged.model_spark == "LSTM").all() and (merged.model_local == "LSTM").all()
    assert sorted(remote_errors.unique_id) == sorted(local_errors.unique_id) == ["s0007", "s0011"]
    assert set(remote_errors.set_index("unique_id").reason) == set(
        local_errors.set_index("unique_id").reason
    )


@pytest.mark.slow
def test_forecast_batch_engine_spark_writes_parquet_and_errors(spark, model_path, tmp_path, capsys):
    frame = long_panel(30).rename(columns={"unique_id": "store", "ds": "when"})
    frame.to_csv(tmp_path / "in.csv", index=False)
    args = [
        "batch",
        "--engine",
        "spark",
        "--model",
        str(model_path),
        "--output",
        str(tmp_path / "out"),
    ]
    args += ["--id-col", "store", "--time-col", "when"]
    assert main([*args, "--input", str(tmp_path / "in.csv")]) == 1  # two series failed
    out = pd.read_parquet(tmp_path / "out")
    assert list(out.columns) == ["store", "when", "step", "forecast", "model", "version"]
    assert out.store.nunique() == 28 and (tmp_path / "out" / "_SUCCESS").exists()
    assert set(out.model) == {"LSTM"}
    errors = pd.concat(pd.read_csv(p) for p in (tmp_path / "out.errors").glob("*.csv"))
    assert sorted(errors.store) == ["s0007", "s0011"]
    assert "2 series failed" in capsys.readouterr().err
    assert main([*args, "--input", str(tmp_path / "in.csv")]) == 2  # refused unless --overwrite
    assert "--overwrite" in capsys.readouterr().err
    # a job where nothing fails removes the errors an earlier one left there
    frame[~frame.store.isin(["s0007", "s0011"])].to_csv(tmp_path / "good.csv", index=False)
    assert main([*args, "--input", str(tmp_path / "good.csv"), "--overwrite"]) == 0
    assert not (tmp_path / "out.errors").exists()
    assert pd.read_parquet(tmp_path / "out").store.nunique() == 28


@pytest.mark.slow
def test_spark_writes_the_quantile_columns_of_the_local_engine(spark, tmp_path):
    from forecast.serving.spark import forecast_spark, split_errors

    frame = long_panel(12)
    good = frame.query("unique_id not in ('s0007', 's0011')")
    model = forecast.ConformalForecaster(
        forecast.SeasonalNaive(24, input_width=24, horizon=6), coverage=0.8, scale="local"
    )
    path = model.fit(forecast.from_long(good)).export(tmp_path / "conformal")
    frame.sort_values(["unique_id", "ds"]).to_parquet(tmp_path / "in.parquet")
    forecast_file(path, tmp_path / "in.parquet", tmp_path / "local.parquet", progress=False)
    local = pd.read_parquet(tmp_path / "local.parquet")
    result = forecast_spark(spark.createDataFrame(frame), path, series_per_batch=4).persist()
    forecasts, errors = split_errors(result)
    remote = forecasts.toPandas()
    columns = ["unique_id", "ds", "step", "forecast", "forecast_q0.1", "forecast_q0.5"]
    assert (
        list(remote.columns)
        == list(local.columns)
        == [*columns, "forecast_q0.9", "model", "version"]
    )
    assert sorted(errors.toPandas().unique_id) == ["s0007", "s0011"]
    merged = local.merge(remote, on=["unique_id", "ds", "step"], suffixes=("_local", "_spark"))
    assert len(merged) == len(local) == 10 * 6
    for column in ("forecast", "forecast_q0.1", "forecast_q0.5", "forecast_q0.9"):
        np.testing.assert_allclose(merged[f"{column}_spark"], merged[f"{column}_local"], rtol=1e-6)
    expected = model.predict_quantiles(forecast.from_long(good))
    got = local.set_index(["unique_id", "ds"])
    np.testing.assert_allclose(
        got["forecast_q0.9"], expected.loc[got.index, ("y", 0.9)].to_numpy(), rtol=1e-5
    )


def test_missing_pyspark_says_how_to_install(monkeypatch):
    from forecast.serving import spark as engine

    monkeypatch.setitem(sys.modules, "pyspark", None)
    with pytest.raises(ImportError, match=r"pip install 'forecast\[spark\]'"):
        engine.require_pyspark()
