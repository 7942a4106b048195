"""Batch forecasting: streaming series' tails, forecast_file and ``forecast batch``."""

from __future__ import annotations

import os
import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

import forecast
from forecast.app.cli import main
from forecast.errors import DataValidationError
from forecast.serving.batch_engine import BatchForecaster, forecast_stream
from forecast.serving.batch_files import forecast_file
from forecast.serving.batch_summary import rate
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


def test_series_stream_skips_and_reports_the_rows_of_a_missing_id():
    table = pa.table({"id": ["a", None, "a", "b", None], "y": [1.0, 2.0, 3.0, 4.0, 5.0]})
    stream = SeriesStream("id", 2, 10)
    assert [b.to_pydict() for b in stream.batches([table])] == [
        {"id": ["a", "a", "b"], "y": [1.0, 3.0, 4.0]}
    ]
    assert stream.take_errors() == [
        (None, "the series id (column 'id') is empty in row 2 of the input; the row is skipped"),
        (None, "the series id (column 'id') is empty in row 5 of the input; the row is skipped"),
    ]


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
    assert list(out.columns) == ["unique_id", "ds", "step", "forecast", "model", "version"]
    expected = forecast.load(models[kind]).predict(forecast.from_long(frame))
    got = out.set_index(["unique_id", "ds"])["forecast"]
    np.testing.assert_allclose(got.to_numpy(), expected.loc[got.index, "y"].to_numpy(), rtol=1e-5)
    assert out["step"].tolist()[:7] == [1, 2, 3, 4, 5, 6, 1]
    assert out["ds"].iloc[0] == frame.loc[frame.unique_id == "s00", "ds"].max() + pd.Timedelta(
        hours=1
    )
    assert summary.errors is None  # nothing failed: no errors file
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.parquet", "out.parquet"]


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
    np.testing.assert_allclose(out[out.unique_id == "s03"]["forecast"], s3[-24:][:6], rtol=1e-6)


def test_seasonal_naive_batch_forecasts_are_the_values_a_day_back(models, tmp_path):
    frame = long_panel(n_series=3)
    frame.to_csv(tmp_path / "in.csv", index=False)
    forecast_file(models["seasonal"], tmp_path / "in.csv", tmp_path / "out.csv", progress=False)
    out = pd.read_csv(tmp_path / "out.csv", parse_dates=["ds"])
    s1 = frame[frame.unique_id == "s01"]["y"].to_numpy()
    season = forecast.load(models["seasonal"]).metadata["season_length"]
    assert season == 24
    expected = s1[-season:][:6]  # the next 6 hours repeat the same hours of the last day
    np.testing.assert_allclose(out[out.unique_id == "s01"]["forecast"], expected, rtol=1e-6)


def test_bad_series_are_reported_and_the_job_goes_on(models, tmp_path, capsys):
    good = long_panel(n_series=4)
    short = pd.DataFrame(
        {"unique_id": "short", "ds": pd.date_range("2024-01-01", periods=10, freq="h"), "y": 1.0}
    )
    holes = long_panel(n_series=1).assign(unique_id="nan_last")
    holes.loc[holes.index[-24:], "y"] = np.nan  # the whole last window: nothing to fill from
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
    errors = pd.read_csv(tmp_path / "out.errors.csv").set_index("unique_id")["reason"]
    assert sorted(errors.index) == ["half_hourly", "nan_last", "short"]
    # reasons for the user of a command: what is wrong and where, no Python advice
    assert errors["short"] == (
        "series has 10 rows, fewer than one window needs (input_width 24) (at 2024-01-01 00:00:00)"
    )
    # the engine keeps the last input_width rows of a series (all the "fill" policy reads):
    # all NaN here, so validation refuses the target, and the reason says it read those only
    assert errors["nan_last"] == (
        "target column has no values in the last 24 rows of the series, the rows the model "
        "reads (column 'y')"
    )
    assert errors["half_hourly"] == "the series' frequency 30min differs from the model's h"
    assert not any("frame" in reason or "drop(" in reason for reason in errors)
    out = pd.read_parquet(tmp_path / "out.parquet")
    assert sorted(out.unique_id.unique()) == ["s00", "s01", "s02", "s03"]
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


# --------------------------------------------------------------------------- reliability


def run_batch(model, input_path, output_path, *options: str) -> int:
    """``forecast batch`` in this process; the exit code."""
    return main(
        [
            "batch",
            "--model",
            str(model),
            "--input",
            str(input_path),
            "--output",
            str(output_path),
            "--no-progress",
            *options,
        ]
    )


def errors_of(path) -> dict:
    """The errors file as ``{series id: reason}`` (an empty id read as ``""``)."""
    errors = pd.read_csv(path, keep_default_na=False, dtype=str)
    return dict(zip(errors["unique_id"], errors["reason"]))


def one_line_error(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("forecast: error: "), err
    return lines[0]


@pytest.mark.parametrize("chunk_rows", [1000, 50, 92])
def test_a_series_stored_second_half_first_is_refused_not_forecast_from_its_middle(
    models, tmp_path, capsys, chunk_rows
):
    # s01 (63 rows, rows 61-123 of the file) is stored as its last 32 rows, then its first 31:
    # its last rows are sorted, so the kept tail alone looked fine. The jump back is in file
    # row 93; with 92-row chunks it is the first row of the second chunk.
    frame = long_panel(n_series=4)
    frame = pd.concat(
        [frame.iloc[:60], frame.iloc[91:123], frame.iloc[60:91], frame.iloc[123:]],
        ignore_index=True,
    )
    frame.to_parquet(tmp_path / "in.parquet")
    with pytest.raises(DataValidationError, match="not sorted"):
        forecast.load(models["seasonal"]).predict(
            frame.set_index(["unique_id", "ds"]).rename_axis(["series_id", "timestamp"])
        )
    code = run_batch(
        models["seasonal"],
        tmp_path / "in.parquet",
        tmp_path / "out.parquet",
        "--chunk-rows",
        str(chunk_rows),
        "--series-per-batch",
        "2",
    )
    assert code == 1
    errors = errors_of(tmp_path / "out.errors.csv")
    assert list(errors) == ["s01"]
    assert errors["s01"] == (
        f"timestamps are not in time order: {frame.loc[92, 'ds']} in row 93 of the input comes "
        f"after {frame.loc[91, 'ds']} in row 92; sort the file by series id and timestamp"
    )
    out = pd.read_parquet(tmp_path / "out.parquet")
    assert sorted(out.unique_id.unique()) == ["s00", "s02", "s03"]
    assert "1 series failed" in capsys.readouterr().err


def test_a_repeated_timestamp_across_a_chunk_boundary_is_reported(models, tmp_path):
    frame = long_panel(n_series=3)
    frame.loc[40, "ds"] = frame.loc[39, "ds"]  # s00: rows 40 and 41 of the file, chunks 1 and 2
    frame.to_parquet(tmp_path / "in.parquet")
    code = run_batch(
        models["seasonal"], tmp_path / "in.parquet", tmp_path / "out.parquet", "--chunk-rows", "40"
    )
    assert code == 1
    assert errors_of(tmp_path / "out.errors.csv") == {
        "s00": f"duplicate timestamp {frame.loc[39, 'ds']} in rows 40 and 41 of the input; "
        "aggregate duplicates first"
    }
    assert sorted(pd.read_parquet(tmp_path / "out.parquet").unique_id.unique()) == ["s01", "s02"]


def test_series_stream_sets_aside_a_series_out_of_time_order_across_chunks():
    stamps = pd.date_range("2024-01-01", periods=6, freq="h")
    table = pa.table(
        {
            "id": ["a", "a", "a", "b", "b", "b", "c", "c"],
            "ds": stamps[[0, 1, 2, 3, 4, 5, 0, 1]],  # fine so far
            "y": np.arange(8.0),
        }
    )
    late = pa.table({"id": ["c", "c", "d"], "ds": stamps[[5, 2, 0]], "y": [8.0, 9.0, 10.0]})
    stream = SeriesStream("id", keep_rows=2, series_per_batch=10, time_col="ds")
    batches = [
        b.to_pydict()["id"] for b in stream.batches([table.slice(0, 4), table.slice(4), late])
    ]
    assert batches == [["a", "a", "b", "b", "d"]]
    assert stream.take_errors() == [
        (
            "c",
            f"timestamps are not in time order: {stamps[2]} in row 10 of the input comes "
            f"after {stamps[5]} in row 9; sort the file by series id and timestamp",
        )
    ]
    assert stream.take_errors() == [] and (stream.n_rows, stream.n_series) == (11, 3)


# paths


@pytest.mark.parametrize(
    "output, errors",
    [
        ("in.parquet", None),  # the output is the input
        ("./in.parquet", None),
        ("link.parquet", None),  # a symbolic link to the input
        ("out.parquet", "in.parquet"),  # the errors file is the input
        ("out.parquet", "out.parquet"),  # the errors file is the output
        ("out.parquet", "sub/../out.parquet"),
    ],
)
def test_a_file_is_never_both_read_and_written(
    models, tmp_path, monkeypatch, capsys, output, errors
):
    monkeypatch.chdir(tmp_path)
    long_panel(n_series=2).to_parquet("in.parquet")
    (tmp_path / "sub").mkdir()
    (tmp_path / "link.parquet").symlink_to(tmp_path / "in.parquet")
    before = (tmp_path / "in.parquet").read_bytes()
    extra = ["--errors", errors] if errors else []
    # a missing model: the paths are refused before anything is read
    code = run_batch(tmp_path / "no-model", "in.parquet", output, *extra)
    assert code == 2
    line = one_line_error(capsys.readouterr().err)
    assert "same file" in line
    assert (tmp_path / "in.parquet").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.parquet", "link.parquet", "sub"]


def test_the_default_errors_file_is_not_the_input_either(models, tmp_path, capsys):
    long_panel(n_series=2).to_csv(tmp_path / "x.errors.csv", index=False)
    code = run_batch(models["seasonal"], tmp_path / "x.errors.csv", tmp_path / "x.csv")
    assert code == 2 and "same file" in one_line_error(capsys.readouterr().err)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.errors.csv"]


# cells


def test_a_cell_that_is_not_a_number_fails_its_series_only(models, tmp_path, capsys):
    frame = long_panel(n_series=4).astype({"y": object})
    frame.loc[70, "y"] = "abc"  # s01, row 71 of the file
    frame.loc[180, "y"] = ""  # s02: a missing value in its last day, filled by the model's policy
    frame.to_csv(tmp_path / "in.csv", index=False)
    code = run_batch(
        models["seasonal"], tmp_path / "in.csv", tmp_path / "out.csv", "--chunk-rows", "50"
    )
    assert code == 1
    assert errors_of(tmp_path / "out.errors.csv") == {
        "s01": "cannot read 'abc' in column 'y', row 71 of the input, as a number"
    }
    out = pd.read_csv(tmp_path / "out.csv")
    assert sorted(out.unique_id.unique()) == ["s00", "s02", "s03"]
    s03 = frame[frame.unique_id == "s03"]["y"].to_numpy(dtype=float)
    np.testing.assert_allclose(out[out.unique_id == "s03"]["forecast"], s03[-24:][:6], rtol=1e-6)


def test_csv_value_columns_read_as_text_keep_the_readers_missing_values(models, tmp_path):
    frame = long_panel(n_series=2).astype({"y": object})
    frame.loc[[100, 110, 115], "y"] = ["NA", "nan", "NaN"]  # s01's last day, filled (ffill)
    frame.to_csv(tmp_path / "in.csv", index=False)
    assert run_batch(models["seasonal"], tmp_path / "in.csv", tmp_path / "out.csv") == 0
    assert len(pd.read_csv(tmp_path / "out.csv")) == 12


def test_an_outage_in_the_last_window_is_filled_and_counted(models, tmp_path, capsys):
    frame = long_panel(n_series=2)
    s01 = np.flatnonzero(frame.unique_id == "s01")
    frame.loc[s01[-20:-1], "y"] = np.nan  # 19 of its last 24 hours; the last one observed
    frame.to_parquet(tmp_path / "in.parquet")
    assert run_batch(models["seasonal"], tmp_path / "in.parquet", tmp_path / "out.parquet") == 0
    assert "19 NaN input values filled" in capsys.readouterr().out
    out = pd.read_parquet(tmp_path / "out.parquet")
    y = frame.loc[s01, "y"].to_numpy()
    # the window [y[-24..-21], NaN x 19, y[-1]] filled: rows -20..-2 carry y[-21] forward
    expected = np.r_[y[-24:-20], [y[-21]] * 19, y[-1:]][:6]
    np.testing.assert_allclose(out[out.unique_id == "s01"]["forecast"], expected, rtol=1e-6)


def test_a_bad_timestamp_names_its_row_and_value(models, tmp_path):
    frame = long_panel(n_series=3).astype({"ds": str})
    frame.loc[5, "ds"] = "2024-13-45 00:00"  # s00, row 6
    frame.loc[130, "ds"] = ""  # s02, row 131
    frame.to_csv(tmp_path / "in.csv", index=False)
    assert run_batch(models["seasonal"], tmp_path / "in.csv", tmp_path / "out.csv") == 1
    assert errors_of(tmp_path / "out.errors.csv") == {
        "s00": "cannot read '2024-13-45 00:00' in column 'ds', row 6 of the input, as a timestamp",
        "s02": "the timestamp (column 'ds') is missing in row 131 of the input",
    }
    assert pd.read_csv(tmp_path / "out.csv").unique_id.unique().tolist() == ["s01"]


def test_an_empty_id_cell_has_its_own_reason(models, tmp_path):
    frame = long_panel(n_series=3)
    frame["unique_id"] = frame["unique_id"].astype(object)
    frame.loc[[70, 71], "unique_id"] = ""  # in the middle of s01: rows 71 and 72 of the file
    frame.to_csv(tmp_path / "in.csv", index=False)
    assert run_batch(models["seasonal"], tmp_path / "in.csv", tmp_path / "out.csv") == 1
    assert errors_of(tmp_path / "out.errors.csv") == {
        "": "the series id (column 'unique_id') is empty in rows 71 to 72 of the input; "
        "those rows are skipped"
    }
    # s01's rows on both sides of the skipped ones are still one series, and forecast
    assert sorted(pd.read_csv(tmp_path / "out.csv").unique_id.unique()) == ["s00", "s01", "s02"]


# the model and the output


def damage(export, kind: str) -> None:
    """Damage an export as an interrupted copy would."""
    meta = export / "assets" / "forecast.json"
    if kind == "truncated saved_model.pb":
        graph = export / "saved_model.pb"
        graph.write_bytes(graph.read_bytes()[: graph.stat().st_size // 2])
    elif kind == "no variables":
        import shutil

        shutil.rmtree(export / "variables")
    elif kind == "truncated variables":
        (export / "variables" / "variables.data-00000-of-00001").write_bytes(b"")
    elif kind == "truncated forecast.json":
        meta.write_text(meta.read_text()[:40])
    elif kind == "incomplete forecast.json":
        import json

        metadata = json.loads(meta.read_text())
        del metadata["horizon"]
        meta.write_text(json.dumps(metadata))


@pytest.mark.parametrize(
    "kind, named",
    [
        ("truncated saved_model.pb", "saved_model.pb"),
        ("no variables", "variables"),
        ("truncated variables", "cannot be loaded"),
        ("truncated forecast.json", "forecast.json"),
        ("incomplete forecast.json", "forecast.json"),
    ],
)
def test_a_damaged_model_is_one_line_and_exit_code_2(models, tmp_path, capsys, kind, named):
    import shutil

    export = tmp_path / "model"
    shutil.copytree(models["seasonal"], export)
    damage(export, kind)
    long_panel(n_series=2).to_parquet(tmp_path / "in.parquet")
    assert run_batch(export, tmp_path / "in.parquet", tmp_path / "out.parquet") == 2
    line = one_line_error(capsys.readouterr().err)
    assert named in line and str(export) in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.parquet", "model"]


def test_an_output_that_is_a_directory_is_refused_before_forecasting(models, tmp_path, capsys):
    long_panel(n_series=2).to_parquet(tmp_path / "in.parquet")
    (tmp_path / "out.parquet").mkdir()
    assert run_batch(models["seasonal"], tmp_path / "in.parquet", tmp_path / "out.parquet") == 2
    line = one_line_error(capsys.readouterr().err)
    assert "out.parquet" in line and "directory" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.parquet", "out.parquet"]


def test_when_the_output_cannot_be_renamed_no_temporary_and_no_errors_file_remain(
    models, tmp_path, capsys, monkeypatch
):
    long_panel(n_series=2).to_parquet(tmp_path / "in.parquet")
    real_replace = os.replace

    def refuse_the_output(source, target):
        if str(target).endswith("out.parquet"):
            raise PermissionError(13, "Permission denied", str(target))
        return real_replace(source, target)

    monkeypatch.setattr(os, "replace", refuse_the_output)
    assert run_batch(models["seasonal"], tmp_path / "in.parquet", tmp_path / "out.parquet") == 2
    assert "out.parquet" in one_line_error(capsys.readouterr().err)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.parquet"]


def test_batch_help_documents_the_exit_codes(capsys):
    with pytest.raises(SystemExit):
        main(["batch", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert (
        "exit codes: 0 every series was forecast 1 some series failed: the errors file lists "
        "them with the reason 2 bad input, model or arguments" in text
    )


# --------------------------------------------------------------------------- what the output says


def test_the_output_keeps_the_input_names_the_model_name_and_whole_second_times(
    models, tmp_path, capsys
):
    frame = long_panel(n_series=3).rename(columns={"unique_id": "store", "ds": "when"})
    frame.to_csv(tmp_path / "in.csv", index=False)
    named = forecast.SeasonalNaive(input_width=24, horizon=6).fit(
        forecast.from_long(frame, id_col="store", time_col="when")
    )
    path = named.export(tmp_path / "model", name="daily profile")
    assert forecast.load(path).name == "daily profile"
    options = ["--id-col", "store", "--time-col", "when"]
    assert run_batch(path, tmp_path / "in.csv", tmp_path / "out.csv", *options) == 0
    text = (tmp_path / "out.csv").read_text().splitlines()
    assert text[0] == '"store","when","step","forecast","model","version"'
    first_end = frame.loc[frame.store == "s00", "when"].max() + pd.Timedelta(hours=1)
    assert text[1].startswith(f'"s00","{first_end:%Y-%m-%d %H:%M:%S}",1,')
    assert ".000000" not in "".join(text)
    out = pd.read_csv(tmp_path / "out.csv", parse_dates=["when"])
    assert set(out["model"]) == {"daily profile"}
    assert out["when"].iloc[0] == first_end
    # an export without a name (by hand, as the fixture's) is named by its class
    assert run_batch(models["seasonal"], tmp_path / "in.csv", tmp_path / "o.parquet", *options) == 0
    assert set(pd.read_parquet(tmp_path / "o.parquet")["model"]) == {"SeasonalNaive"}


def test_the_errors_file_is_written_only_when_something_failed(models, tmp_path):
    good = long_panel(n_series=2)
    short = good.iloc[:5].assign(unique_id="short")
    pd.concat([good, short], ignore_index=True).to_parquet(tmp_path / "bad.parquet")
    good.to_parquet(tmp_path / "good.parquet")
    out, errors = tmp_path / "out.parquet", tmp_path / "out.errors.csv"
    assert run_batch(models["seasonal"], tmp_path / "bad.parquet", out) == 1
    assert list(errors_of(errors)) == ["short"]
    # the next job in the same place fails nothing: the old errors file would mislead
    assert run_batch(models["seasonal"], tmp_path / "good.parquet", out) == 0
    assert not errors.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "bad.parquet",
        "good.parquet",
        "out.parquet",
    ]


def test_the_summary_line_says_a_sensible_rate(models, tmp_path, capsys):
    long_panel(n_series=2).to_parquet(tmp_path / "in.parquet")
    assert run_batch(models["seasonal"], tmp_path / "in.parquet", tmp_path / "out.parquet") == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith("forecast 2 of 2 series in ") and " 0 series/s" not in line
    assert re.search(r"\((\d[\d.,]* series/s|\d[\d.]* s per series)\)", line), line


@pytest.mark.parametrize(
    ("n", "seconds", "expected"),
    [
        (2, 9.0, "4.5 s per series"),
        (3, 2.5, "1.2 series/s"),
        (42, 1.0, "42 series/s"),
        (2_000_000, 95.0, "21,053 series/s"),
        (0, 3.0, ""),
    ],
)
def test_rates_keep_two_figures_and_turn_to_seconds_per_series_under_one(n, seconds, expected):
    assert rate(n, seconds) == expected


def test_an_id_column_named_as_an_output_column_is_refused(models):
    model = forecast.load(models["seasonal"])
    with pytest.raises(ValueError, match="the id column is named 'step'"):
        BatchForecaster(model, id_col="step")
    with pytest.raises(ValueError, match="must differ"):
        BatchForecaster(model, id_col="ds", time_col="ds")
