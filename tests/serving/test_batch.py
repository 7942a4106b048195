"""Batch forecasting: streaming series' tails, forecast_file and ``forecast batch``."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

import forecast
from forecast.app.cli import main
from forecast.errors import DataValidationError
from forecast.serving.batch_engine import BatchForecaster, forecast_stream
from forecast.serving.batch_files import forecast_file
from forecast.serving.series_stream import SeriesStream


def long_panel(n_series: int = 12, rows: int = 60, seed: int = 0) -> pd.DataFrame:
    """Hourly series of different lengths in long layout, grouped by series, with a daily cycle."""
    rng = np.random.default_rng(seed)
    parts = []
    for i in range(n_series):
        length = rows + 3 * i
        stamps = pd.date_range("2024-01-01", periods=length, freq="h") + pd.Timedelta(hours=i)
        level = 10.0 * (i + 1)
        y = level + np.sin(2 * np.pi * stamps.hour / 24) * level / 3 + rng.normal(0, 0.1, length)
        parts.append(pd.DataFrame({"unique_id": f"s{i:02d}", "ds": stamps, "y": y}))
    return pd.concat(parts, ignore_index=True)


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    folder = tmp_path_factory.mktemp("models")
    panel = forecast.from_long(long_panel())
    seasonal = (
        forecast.SeasonalNaive(input_width=24, horizon=6).fit(panel).export(folder / "seasonal")
    )
    lstm = (
        forecast.LSTMForecaster(
            input_width=24, horizon=6, units=(4,), dense_units=(), epochs=1, random_state=0
        )
        .fit(panel)
        .export(folder / "lstm")
    )
    return {"seasonal": seasonal, "lstm": lstm}


# --------------------------------------------------------------------------- SeriesStream


def test_series_stream_keeps_each_series_tail_across_chunk_boundaries():
    ids = ["a"] * 5 + ["b"] * 2 + ["c"] * 4
    table = pa.table({"id": ids, "y": np.arange(11.0)})
    chunks = [table.slice(0, 3), table.slice(3, 0), table.slice(3, 5), table.slice(8, 3)]
    stream = SeriesStream("id", keep_rows=3, series_per_batch=2)
    batches = [b.to_pydict() for b in stream.batches(chunks)]
    assert batches == [
        {"id": ["a", "a", "a", "b", "b"], "y": [2.0, 3.0, 4.0, 5.0, 6.0]},
        {"id": ["c", "c", "c"], "y": [8.0, 9.0, 10.0]},
    ]
    assert (stream.n_rows, stream.n_series) == (11, 3)


def test_series_stream_cuts_one_large_chunk_into_several_batches():
    ids = [s for s in "abcdefg" for _ in range(3)]  # 7 series of 3 rows
    table = pa.table({"id": ids, "y": np.arange(21.0)})
    stream = SeriesStream("id", keep_rows=2, series_per_batch=3)
    batches = [b.to_pydict() for b in stream.batches([table])]
    assert [b["id"] for b in batches] == [
        ["a", "a", "b", "b", "c", "c"],
        ["d", "d", "e", "e", "f", "f"],
        ["g", "g"],
    ]
    assert batches[1]["y"] == [10.0, 11.0, 13.0, 14.0, 16.0, 17.0]
    assert (stream.n_rows, stream.n_series) == (21, 7)


def test_series_stream_rejects_a_series_whose_rows_are_apart():
    table = pa.table({"id": ["a", "a", "b", "a"], "y": [1.0, 2.0, 3.0, 4.0]})
    with pytest.raises(DataValidationError, match="not together") as info:
        list(SeriesStream("id", 2, 10).batches([table.slice(0, 2), table.slice(2)]))
    assert info.value.series == "a"


def test_series_stream_names_the_row_of_a_missing_id():
    table = pa.table({"id": ["a", None], "y": [1.0, 2.0]})
    with pytest.raises(DataValidationError, match="missing in row 1"):
        list(SeriesStream("id", 2, 10).batches([table]))


# --------------------------------------------------------------------------- forecast_file


@pytest.mark.parametrize("kind", ["seasonal", "lstm"])
def test_forecast_file_equals_the_loaded_models_predict(models, tmp_path, kind):
    frame = long_panel()
    frame.to_parquet(tmp_path / "in.parquet")
    # chunks of 50 rows split series across chunks; 5 series per batch: several batches
    summary = forecast_file(
        models[kind],
        tmp_path / "in.parquet",
        tmp_path / "out.parquet",
        chunk_rows=50,
        series_per_batch=5,
        progress=False,
    )
    assert (summary.n_series, summary.n_forecast, summary.n_failed) == (12, 12, 0)
    out = pd.read_parquet(tmp_path / "out.parquet")
    assert list(out.columns) == ["series_id", "timestamp", "step", "forecast", "model", "version"]
    expected = forecast.load(models[kind]).predict(forecast.from_long(frame))
    got = out.set_index(["series_id", "timestamp"])["forecast"]
    np.testing.assert_allclose(got.to_numpy(), expected.loc[got.index, "y"].to_numpy(), rtol=1e-5)
    assert out["step"].tolist()[:7] == [1, 2, 3, 4, 5, 6, 1]
    assert out["timestamp"].iloc[0] == frame.loc[
        frame.unique_id == "s00", "ds"
    ].max() + pd.Timedelta(hours=1)
    assert pd.read_csv(tmp_path / "out.errors.csv").empty
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "in.parquet",
        "out.errors.csv",
        "out.parquet",
    ]


def test_a_csv_of_whole_numbers_then_decimals_is_read_as_numbers(models, tmp_path, monkeypatch):
    # pyarrow infers a CSV's types from its first block: whole numbers there made y int64 and
    # the first decimal in a later block failed ("conversion error to int64").
    import forecast.serving.batch_files

    monkeypatch.setattr(forecast.batch, "CSV_BLOCK_BYTES", 1 << 10)
    frame = long_panel(n_series=4)
    frame["extra"] = "unused"  # a column the model does not read is not parsed
    whole = frame["y"].round().astype(int)
    frame["y"] = whole.astype(object).where(
        frame.unique_id != "s03", whole + 0.25
    )  # "10", ..., "10.25"
    frame.to_csv(tmp_path / "in.csv", index=False)
    summary = forecast_file(
        models["seasonal"], tmp_path / "in.csv", tmp_path / "out.csv", progress=False
    )
    assert (summary.n_forecast, summary.n_failed) == (4, 0)
    out = pd.read_csv(tmp_path / "out.csv")
    s3 = frame[frame.unique_id == "s03"]["y"].to_numpy(dtype=float)
    np.testing.assert_allclose(out[out.series_id == "s03"]["forecast"], s3[-24:][:6], rtol=1e-6)


def test_seasonal_naive_batch_forecasts_are_the_values_a_day_back(models, tmp_path):
    frame = long_panel(n_series=3)
    frame.to_csv(tmp_path / "in.csv", index=False)
    forecast_file(models["seasonal"], tmp_path / "in.csv", tmp_path / "out.csv", progress=False)
    out = pd.read_csv(tmp_path / "out.csv", parse_dates=["timestamp"])
    s1 = frame[frame.unique_id == "s01"]["y"].to_numpy()
    season = forecast.load(models["seasonal"]).metadata["season_length"]
    assert season == 24
    expected = s1[-season:][:6]  # the next 6 hours repeat the same hours of the last day
    np.testing.assert_allclose(out[out.series_id == "s01"]["forecast"], expected, rtol=1e-6)


def test_bad_series_are_reported_and_the_job_goes_on(models, tmp_path, capsys):
    good = long_panel(n_series=4)
    short = pd.DataFrame(
        {"unique_id": "short", "ds": pd.date_range("2024-01-01", periods=10, freq="h"), "y": 1.0}
    )
    holes = long_panel(n_series=1).assign(unique_id="nan_last")
    holes.loc[holes.index[-8:], "y"] = np.nan  # beyond what ffill (3 steps) fills
    half_hourly = pd.DataFrame(
        {
            "unique_id": "half_hourly",
            "ds": pd.date_range("2024-01-01", periods=80, freq="30min"),
            "y": 2.0,
        }
    )
    frame = pd.concat(
        [half_hourly, good.iloc[:60], short, holes, good.iloc[60:]], ignore_index=True
    )
    frame.to_parquet(tmp_path / "in.parquet")
    code = main(
        [
            "batch",
            "--model",
            str(models["lstm"]),
            "--input",
            str(tmp_path / "in.parquet"),
            "--output",
            str(tmp_path / "out.parquet"),
            "--series-per-batch",
            "3",
            "--chunk-rows",
            "40",
            "--no-progress",
        ]
    )
    assert code == 1
    errors = pd.read_csv(tmp_path / "out.errors.csv").set_index("series_id")["reason"]
    assert sorted(errors.index) == ["half_hourly", "nan_last", "short"]
    assert "fewer than one window" in errors["short"]
    assert (
        "NaN" in errors["nan_last"]
        and "'y'" in errors["nan_last"]
        and "timestamp 2024-01-03" in errors["nan_last"]
    )
    assert "frequency 30min differs" in errors["half_hourly"]
    out = pd.read_parquet(tmp_path / "out.parquet")
    assert sorted(out.series_id.unique()) == ["s00", "s01", "s02", "s03"]
    assert "3 series failed" in capsys.readouterr().err


def test_missing_column_is_one_clear_line_and_no_output(models, tmp_path, capsys):
    long_panel().rename(columns={"y": "load"}).to_parquet(tmp_path / "in.parquet")
    code = main(
        [
            "batch",
            "--model",
            str(models["seasonal"]),
            "--input",
            str(tmp_path / "in.parquet"),
            "--output",
            str(tmp_path / "out.parquet"),
        ]
    )
    assert code == 2
    err = capsys.readouterr().err
    assert "no column 'y'" in err and "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.parquet"]


def test_interrupted_job_leaves_no_output(models, tmp_path):
    frame = long_panel(n_series=6)
    frame = pd.concat(
        [frame, frame[frame.unique_id == "s00"]], ignore_index=True
    )  # s00 again at the end
    frame.to_parquet(tmp_path / "in.parquet")
    with pytest.raises(DataValidationError, match="not together"):
        forecast_file(
            models["seasonal"],
            tmp_path / "in.parquet",
            tmp_path / "out.parquet",
            series_per_batch=2,
            chunk_rows=100,
            progress=False,
        )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.parquet"]


def test_forecast_stream_sets_aside_a_batch_with_only_bad_series(models):
    model = forecast.load(models["seasonal"])
    rows = pd.DataFrame(
        {"unique_id": ["a"] * 3, "ds": pd.date_range("2024-01-01", periods=3, freq="h"), "y": 1.0}
    )
    results = list(
        forecast_stream(BatchForecaster(model), [pa.Table.from_pandas(rows)], background=False)
    )
    assert len(results) == 1 and results[0].forecasts.empty
    assert results[0].errors[0][0] == "a" and results[0].n_series == 1


def test_progress_logs_plain_lines_when_not_on_a_terminal(models, tmp_path, capsys, monkeypatch):
    from forecast.serving import batch_files as batch

    monkeypatch.setattr(batch._Progress, "LOG_EVERY", 0.0)
    long_panel().to_parquet(tmp_path / "in.parquet")
    forecast_file(
        models["seasonal"],
        tmp_path / "in.parquet",
        tmp_path / "out.parquet",
        series_per_batch=4,
        progress=None,
    )
    lines = [
        line for line in capsys.readouterr().err.splitlines() if line.startswith("forecast batch:")
    ]
    assert lines and lines[-1].startswith("forecast batch: 12 series")
