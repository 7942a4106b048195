"""Config validation: shipped configs load; every mistake names the file, the key and the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from forecast import GRUForecaster, LinearForecaster, LSTMForecaster, SeasonalNaive
from forecast.app.config import (
    ConfigError,
    build_forecasters,
    load_config,
    parse_config,
    resolved_config,
)

CONFIGS = Path(__file__).parents[2] / "configs"
BASE = """
data: {dataset: electricity_hourly, target: y}
window: {input_width: 48, horizon: 24}
"""


@pytest.mark.parametrize(
    "name", ["electricity", "electricity_intervals", "beijing_pm25", "appliances", "parking"]
)
def test_shipped_configs_validate_and_build(name):
    config = load_config(CONFIGS / f"{name}.yaml")
    assert config.name == name
    models = build_forecasters(config)
    assert [m.name for m in config.models] == list(models)
    assert all(m.horizon == config.window.horizon for m in models.values())


def test_electricity_config_builds_what_it_says():
    models = build_forecasters(load_config(CONFIGS / "electricity.yaml"))
    assert (
        isinstance(models["SeasonalNaive(168)"], SeasonalNaive)
        and models["SeasonalNaive(168)"].season_length == 168
    )
    assert isinstance(models["Linear"], LinearForecaster) and models["Linear"].calendar == "auto"
    lstm, gru = models["LSTM"], models["GRU"]
    assert isinstance(lstm, LSTMForecaster) and isinstance(gru, GRUForecaster)
    assert (lstm.units, lstm.epochs, lstm.patience, lstm.random_state, lstm.input_width) == (
        (64,),
        30,
        5,
        0,
        168,
    )
    assert (lstm.stride, gru.stride, lstm.batch_size, lstm.learning_rate) == (2, 2, 128, 0.002)
    assert models["Linear"].stride == 1


def test_model_block_overrides_training_defaults_and_yaml_numbers_are_coerced():
    config = parse_config(
        BASE
        + """
models:
  - {name: a, kind: gru, epochs: 3, learning_rate: 1e-2, units: [8, 4]}
  - {name: b, kind: lstm}
training: {epochs: 7, learning_rate: 5e-4}
"""
    )
    models = build_forecasters(config)
    assert (models["a"].epochs, models["a"].learning_rate, models["a"].units) == (3, 0.01, (8, 4))
    assert (models["b"].epochs, models["b"].learning_rate) == (7, 0.0005)
    resolved = resolved_config(config)
    assert resolved["evaluation"]["origins"] == {"start": 0.9, "stride": None, "refit": False}
    assert resolved["models"][0]["units"] == [8, 4]


@pytest.mark.parametrize(
    "text, message",
    [
        (BASE + "models: [{name: a, kind: naive}]\ncolour: red", r"x.yaml: colour: unknown key"),
        (
            BASE + "models: [{name: a, kind: lstm, unitz: [4]}]",
            r"x.yaml: models\[0\] \(a\).unitz: unknown key \(a lstm model takes: .*units",
        ),
        (
            BASE + "models: [{name: a, kind: lstm, epochs: many}]",
            r"models\[0\] \(a\).epochs: .*integer.*'many'",
        ),
        (
            BASE + "models: [{name: a, kind: prophet}]",
            r"models\[0\] \(a\).kind: expected one of \[.*'lstm'",
        ),
        (
            BASE + "models: [{name: a, kind: naive}, {name: a, kind: drift}]",
            r"the name 'a' is used twice",
        ),
        (
            BASE + "models: [{name: a, kind: naive, horizon: 3}]",
            r"horizon: set it in the data or window block",
        ),
        (
            BASE + "models: [{name: a, kind: naive}]\nevaluation: {sort_by: mape}",
            r"evaluation.sort_by: expected one of",
        ),
        (
            BASE + "models: [{name: a, kind: naive}]\nexport: {models: [b]}",
            r"export.models: no model named \['b'\]",
        ),
        (BASE + "models: []", r"x.yaml: models: List should have at least 1 item"),
        (
            BASE + "models: [{name: a, kind: naive}]\nexport: {refit: sometimes}",
            r"x.yaml: export.refit: Input should be a valid boolean",
        ),
        (
            BASE + "models: [{name: a, kind: lstm}]\ntraining: {distribution: horovod}",
            r"x.yaml: training.distribution: Input should be 'default', 'mirrored' or 'multi_worker' \(got 'horovod'\)",
        ),
        (
            BASE + "models: [{name: a, kind: gru, distribution: tpu}]",
            r"models\[0\] \(a\).distribution: Input should be 'default', 'mirrored' or 'multi_worker' \(got 'tpu'\)",
        ),
        (
            BASE + "models: [{name: a, kind: naive, distribution: mirrored}]",
            r"models\[0\] \(a\).distribution: unknown key",
        ),
        (
            "data: {target: y}\nwindow: {horizon: 2}\nmodels: [{name: a, kind: naive}]",
            r"data: give a bundled dataset",
        ),
        (
            "data: {path: f.csv, target: y, time_col: null}\nwindow: {horizon: 2}\n"
            "models: [{name: a, kind: naive}]",
            r"x.yaml: data.time_col: expected one of: Input should be a valid string",
        ),
        (
            "window: {horizon: 2}\nmodels: [{name: a, kind: naive}]",
            r"x.yaml: data: required key missing",
        ),
        ("- just\n- a list", r"expected a mapping"),
        ("data: [unclosed", r"not valid YAML"),
    ],
)
def test_mistakes_name_the_file_and_key(text, message):
    with pytest.raises(ConfigError, match=message):
        parse_config(text, source="x.yaml")


def test_training_distribution_reaches_the_neural_models_and_a_model_block_overrides_it():
    config = parse_config(
        BASE
        + """
models:
  - {name: a, kind: lstm}
  - {name: b, kind: gru, distribution: default}
  - {name: c, kind: seasonal_naive}
training: {distribution: mirrored}
"""
    )
    models = build_forecasters(config)
    assert (models["a"].distribution, models["b"].distribution) == ("mirrored", "default")
    assert not hasattr(models["c"], "distribution")
    assert resolved_config(config)["training"]["distribution"] == "mirrored"
    assert (
        build_forecasters(parse_config(BASE + "models: [{name: a, kind: rnn}]"))["a"].distribution
        == "default"
    )


def test_load_config_names_a_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="nope.yaml: cannot read"):
        load_config(tmp_path / "nope.yaml")


def test_missing_policy_reaches_every_model():
    config = parse_config(
        BASE.replace("target: y}", "target: y, missing: {inputs: drop, limit: 0}}")
        + "models: [{name: a, kind: naive}, {name: b, kind: lstm}, {name: c, kind: linear}]"
    )
    assert all(
        m.missing == {"inputs": "drop", "limit": 0} for m in build_forecasters(config).values()
    )
    with pytest.raises(ConfigError, match="data.missing.inputs"):
        parse_config(
            BASE.replace("target: y}", "target: y, missing: {inputs: interpolate}}")
            + "models: [{name: a, kind: naive}]"
        )


def test_window_stride_reaches_the_models_that_train_on_windows():
    config = parse_config(
        BASE.replace("horizon: 24}", "horizon: 24, stride: 2}")
        + """
models:
  - {name: lstm, kind: lstm}
  - {name: linear, kind: linear}
  - {name: naive, kind: naive}
"""
    )
    models = build_forecasters(config)
    assert (models["lstm"].stride, models["linear"].stride) == (2, 2)
    assert "stride" not in models["naive"].get_params()
    # a model block may set its own (the networks strided, the ridge baseline on every window)
    config = parse_config(
        BASE + "models: [{name: lstm, kind: lstm, stride: 3}, {name: linear, kind: linear}]"
    )
    models = build_forecasters(config)
    assert (models["lstm"].stride, models["linear"].stride) == (3, 1)


def test_exported_models_are_refitted_unless_the_config_says_not():
    config = parse_config(BASE + "models: [{name: a, kind: naive}]", source="x.yaml")
    assert config.export.refit is True and resolved_config(config)["export"]["refit"] is True
    off = parse_config(BASE + "models: [{name: a, kind: naive}]\nexport: {refit: false}")
    assert off.export.refit is False
    for name in ("electricity", "beijing_pm25", "appliances", "parking"):
        assert load_config(CONFIGS / f"{name}.yaml").export.refit is True


def test_static_covariates_reach_the_models_that_read_them():
    config = parse_config(
        BASE.replace("target: y}", "target: y, static_covariates: [capacity, region]}")
        + "models: [{name: lstm, kind: lstm}, {name: gru, kind: gru}, {name: naive, kind: naive}]"
    )
    models = build_forecasters(config)
    assert models["lstm"].static_covariates == ("capacity", "region")
    assert models["gru"].static_covariates == ("capacity", "region")
    assert models["naive"].static_covariates is None  # accepted, never read
    with pytest.raises(ConfigError, match="static_covariates"):
        parse_config(
            BASE.replace("target: y}", "target: y, static_covariates: 3}")
            + "models: [{name: a, kind: naive}]"
        )
    config = parse_config(BASE + "models: [{name: lstm, kind: lstm, series_embedding: 4}]")
    assert build_forecasters(config)["lstm"].series_embedding == 4
