"""One set of defaults: what ``forecast windows`` and ``forecast batch`` assume when an option is
left out, what a config assumes when a key is, and what the Python API assumes when an argument
is, are the same values (the calendar, the input width, the stride, the split fractions, the
time and id columns, the missing-value policy)."""

from __future__ import annotations

import argparse
import inspect
import re
from dataclasses import fields

import pandas as pd
import pytest

import forecast
from forecast.app import config as config_module
from forecast.app import config_schema
from forecast.app.cli import _build_parser, main, window_defaults
from forecast.data.missing import MissingPolicy
from forecast.features.calendar_features import resolve_calendar


def parameter_default(function, name: str):
    return inspect.signature(function).parameters[name].default


def subcommand(name: str) -> argparse.ArgumentParser:
    commands = next(
        action
        for action in _build_parser()._actions
        if isinstance(action, argparse._SubParsersAction)
    )
    return commands.choices[name]


def cli_default(command: str, option: str):
    """The value ``forecast COMMAND`` uses when ``--OPTION`` is left out."""
    parser = subcommand(command)
    dest = option.replace("-", "_")
    return next(action.default for action in parser._actions if action.dest == dest)


def config_default(block: type, key: str):
    return block.model_fields[key].default


NETWORKS = (forecast.LSTMForecaster, forecast.GRUForecaster, forecast.RNNForecaster)
FORECASTERS = (
    *NETWORKS,
    forecast.Naive,
    forecast.SeasonalNaive,
    forecast.WindowAverage,
    forecast.Drift,
    forecast.LinearForecaster,
)


def test_the_calendar_defaults_to_auto_for_every_cut_of_windows():
    expected = "auto"
    assert window_defaults()["calendar"] == expected
    assert cli_default("windows", "calendar") == expected
    assert config_default(config_schema.DataConfig, "calendar") == expected
    assert parameter_default(forecast.make_windows, "calendar") == expected
    for cls in NETWORKS:
        assert parameter_default(cls.__init__, "calendar") == expected, cls.__name__
    # The ridge baseline's own default stays the lags alone (the benchmarks' "ridge on the
    # 168 lags"); a config's data.calendar reaches it as it reaches every model reading one.
    assert parameter_default(forecast.LinearForecaster.__init__, "calendar") == ()
    linear = config_module.build_forecasters(
        config_module.parse_config(
            "data: {dataset: electricity_hourly, target: y}\nwindow: {horizon: 24}\n"
            "models: [{name: l, kind: linear}]"
        )
    )["l"]
    assert linear.calendar == expected


def test_the_input_width_is_inferred_everywhere_when_left_out():
    assert window_defaults()["input_width"] is None
    assert cli_default("windows", "input-width") is None
    assert config_default(config_schema.WindowConfig, "input_width") is None
    for cls in FORECASTERS:
        assert parameter_default(cls.__init__, "input_width") is None, cls.__name__


def test_stride_and_split_fractions_agree():
    spec_stride = {f.name: f.default for f in fields(forecast.WindowSpec)}["stride"]
    assert spec_stride == 1
    assert cli_default("windows", "stride") == spec_stride
    assert config_default(config_schema.WindowConfig, "stride") == spec_stride
    split = forecast.Split()
    assert (
        (cli_default("windows", "validation"), cli_default("windows", "test"))
        == (
            split.validation,
            split.test,
        )
        == (window_defaults()["validation"], window_defaults()["test"])
        == (0.2, 0.1)
    )
    assert parameter_default(forecast.make_windows, "split") == split


def test_time_and_id_columns_agree():
    time_col = "ds"
    for reader in (forecast.read_csv, forecast.read_parquet, forecast.read_frame):
        assert parameter_default(reader, "time_col") == time_col, reader.__name__
        assert parameter_default(reader, "id_col") is None, reader.__name__
    assert parameter_default(forecast.from_long, "time_col") == time_col
    assert parameter_default(forecast.to_long, "time_col") == time_col
    assert cli_default("windows", "time-col") == time_col
    assert cli_default("batch", "time-col") == time_col
    assert config_default(config_schema.DataConfig, "time_col") == time_col
    # one series unless an id column is named; long files of many series (from_long and
    # forecast batch) read Nixtla's unique_id
    assert cli_default("windows", "id-col") is None
    assert config_default(config_schema.DataConfig, "id_col") is None
    assert parameter_default(forecast.from_long, "id_col") == "unique_id"
    assert cli_default("batch", "id-col") == "unique_id"


def test_the_missing_value_policy_agrees():
    policy = MissingPolicy()
    config = config_schema.MissingConfig()
    assert (config.inputs, config.limit) == (policy.inputs, policy.limit)
    assert parameter_default(forecast.make_windows, "missing") == policy


def test_the_windows_command_cuts_what_make_windows_cuts_with_its_defaults(capsys):
    """Left out, --calendar and --input-width mean what the API does: the calendar picked
    from the frequency and the input width a forecaster infers (168 hours)."""
    assert main(["windows", "electricity_hourly", "--target", "y", "--horizon", "24"]) == 0
    out = capsys.readouterr().out
    frame = forecast.load_dataset("electricity_hourly")
    model = forecast.LinearForecaster(horizon=24).fit(frame.iloc[:500])
    expected = forecast.make_windows(frame, forecast.WindowSpec(model.input_width_, 24), target="y")
    assert model.input_width_ == 168
    assert "input width 168 (inferred from the frequency), horizon 24" in out
    columns = ", ".join(expected.input_columns)
    assert columns == "y, hour_sin, hour_cos, dayofweek_sin, dayofweek_cos"
    assert f"inputs per step (5): {columns}" in out
    for split in ("train", "validation", "test"):
        assert re.search(rf"{split}\s+{expected.n_windows(split)}\s", out), split


@pytest.mark.parametrize(
    ("arguments", "columns"),
    [
        (["--calendar", "auto"], "y, hour_sin, hour_cos, dayofweek_sin, dayofweek_cos"),
        (["--calendar", "hour"], "y, hour_sin, hour_cos"),
        (["--calendar"], "y"),
        (["--calendar", "none"], "y"),
    ],
)
def test_the_windows_command_reads_the_calendar_as_configs_do(arguments, columns, capsys):
    code = main(
        ["windows", "electricity_hourly", "--target", "y", "--input-width", "48"]
        + ["--horizon", "24", *arguments]
    )
    assert code == 0
    assert f"): {columns}\n" in capsys.readouterr().out


def test_the_windows_command_refuses_auto_among_feature_names(capsys):
    code = main(
        ["windows", "electricity_hourly", "--target", "y", "--horizon", "24"]
        + ["--calendar", "auto", "hour"]
    )
    assert code == 2
    assert "--calendar: auto and none stand alone" in capsys.readouterr().err


def test_the_windows_command_reads_a_file_by_its_ds_column(tmp_path, capsys):
    stamps = pd.date_range("2024-01-01", periods=24 * 20, freq="h")
    frame = pd.DataFrame({"ds": stamps, "y": (stamps.hour + 10.0).to_numpy()})
    frame.to_csv(tmp_path / "load.csv", index=False)
    code = main(["windows", str(tmp_path / "load.csv"), "--target", "y", "--horizon", "24"])
    assert code == 0
    out = capsys.readouterr().out
    assert "480 rows, 1 series, freq h" in out
    assert "input width 168 (inferred from the frequency)" in out
    assert resolve_calendar("auto", "h") == ("hour", "dayofweek")

    frame.rename(columns={"ds": "time"}).to_csv(tmp_path / "other.csv", index=False)
    assert main(["windows", str(tmp_path / "other.csv"), "--target", "y", "--horizon", "4"]) == 2
    err = capsys.readouterr().err
    assert "time column not found (time_col='ds', the default)" in err and "'time'" in err
    assert main(["windows", str(tmp_path / "missing.csv"), "--target", "y", "--horizon", "4"]) == 2
    assert "neither a bundled dataset" in capsys.readouterr().err
