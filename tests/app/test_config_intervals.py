"""Config of probabilistic runs: ``quantiles:`` on a model block, ``evaluation.intervals``."""

from __future__ import annotations

import inspect

import pytest

from forecast import ConformalForecaster, LSTMForecaster, Naive
from forecast.app.config import ConfigError, build_forecasters, parse_config, resolved_config
from forecast.app.intervals import interval_forecasters, interval_sources

BASE = """
data: {dataset: electricity_hourly, target: y}
window: {input_width: 48, horizon: 24}
"""
POINT_MODELS = """
models:
  - {name: s, kind: seasonal_naive}
  - {name: lstm, kind: lstm, units: [4]}
"""
QUANTILE_NETWORKS = "quantiles" in inspect.signature(LSTMForecaster.__init__).parameters
needs_quantile_networks = pytest.mark.skipif(
    not QUANTILE_NETWORKS, reason="the RNN forecasters take no quantiles= on this branch yet"
)


def test_intervals_block_is_validated_and_resolved():
    config = parse_config(
        BASE
        + POINT_MODELS
        + "evaluation: {intervals: {coverage: [0.95, 0.8], method: signed, scale: local}}",
        source="run.yaml",
    )
    intervals = config.evaluation.intervals
    assert (intervals.coverage, intervals.method, intervals.scale) == (
        [0.8, 0.95],
        "signed",
        "local",
    )
    assert resolved_config(config)["evaluation"]["intervals"] == {
        "coverage": [0.8, 0.95],
        "method": "signed",
        "scale": "local",
    }
    one = parse_config(BASE + POINT_MODELS + "evaluation: {intervals: {coverage: 0.9}}")
    assert one.evaluation.intervals.coverage == [0.9]
    default = parse_config(BASE + POINT_MODELS + "evaluation: {intervals: {}}")
    assert default.evaluation.intervals.coverage == [0.8, 0.95]
    assert default.evaluation.intervals.method == "absolute"
    assert default.evaluation.intervals.scale is None
    assert parse_config(BASE + POINT_MODELS).evaluation.intervals is None


@pytest.mark.parametrize(
    "evaluation, message",
    [
        ("{intervals: {coverage: [1.5]}}", r"run.yaml: evaluation.intervals.coverage: .*1.5"),
        ("{intervals: {coverage: []}}", r"evaluation.intervals.coverage: .*at least 1"),
        ("{intervals: {method: median}}", r"evaluation.intervals.method: .*'absolute' or 'signed'"),
        ("{intervals: {scale: global}}", r"evaluation.intervals.scale: .*'local'"),
        ("{intervals: {level: [80]}}", r"evaluation.intervals.level: unknown key"),
        (
            "{metrics: [mae, wql], sort_by: mae}",
            r"evaluation.metrics: \['wql'\] score intervals; set",
        ),
        (
            "{sort_by: coverage_80}",
            r"evaluation.sort_by: expected one of .*'mae'.*coverage_80'.*set evaluation.intervals",
        ),
        (
            "{intervals: {coverage: [0.8]}, sort_by: coverage_95}",
            r"evaluation.sort_by: .*'coverage_80'.*got 'coverage_95'",
        ),
    ],
)
def test_interval_mistakes_name_the_key(evaluation, message):
    with pytest.raises(ConfigError, match=message):
        parse_config(BASE + POINT_MODELS + f"evaluation: {evaluation}", source="run.yaml")


def test_sort_by_an_interval_column():
    config = parse_config(
        BASE + POINT_MODELS + "evaluation: {intervals: {coverage: [0.8]}, sort_by: wql}"
    )
    assert config.evaluation.sort_by == "wql"
    parse_config(BASE + POINT_MODELS + "evaluation: {intervals: {}, sort_by: width_95}")


def test_quantiles_on_a_point_kind_points_to_intervals():
    text = BASE + "models:\n  - {name: s, kind: seasonal_naive, quantiles: [0.1, 0.5, 0.9]}"
    with pytest.raises(ConfigError) as error:
        parse_config(text, source="run.yaml")
    message = str(error.value)
    assert message.startswith("run.yaml: models[0] (s).quantiles: a seasonal_naive model")
    assert "evaluation: {intervals: {coverage: [0.8, 0.95]}}" in message


@needs_quantile_networks
def test_quantiles_reach_the_network_and_bound_the_intervals():
    text = BASE + "models:\n  - {name: q, kind: lstm, quantiles: [0.1, 0.5, 0.9]}\n"
    config = parse_config(text)
    assert build_forecasters(config)["q"].quantiles == (0.1, 0.5, 0.9)
    assert config.evaluation.intervals.coverage == [0.8]  # what its quantiles bound
    with pytest.raises(ConfigError, match=r"models\[0\] \(q\).quantiles: the 0.95 interval"):
        parse_config(text + "evaluation: {intervals: {coverage: [0.8, 0.95]}}")


def test_every_point_model_gets_conformal_intervals_with_the_configs_method():
    config = parse_config(
        BASE + POINT_MODELS + "evaluation: {intervals: {coverage: [0.9], method: signed}}"
    )
    forecasters = build_forecasters(config)
    wrapped = interval_forecasters(forecasters, config.evaluation.intervals)
    assert all(isinstance(m, ConformalForecaster) for m in wrapped.values())
    assert wrapped["lstm"].model is forecasters["lstm"]
    assert (wrapped["lstm"].coverage, wrapped["lstm"].method, wrapped["lstm"].scale) == (
        (0.9,),
        "signed",
        None,
    )
    assert wrapped["s"].get_tag("baseline") and not wrapped["lstm"].get_tag("baseline")
    assert interval_sources(wrapped) == {
        "s": "conformal (method=signed)",
        "lstm": "conformal (method=signed)",
    }
    kept = ConformalForecaster(Naive(horizon=2))
    assert interval_forecasters({"k": kept}, config.evaluation.intervals)["k"] is kept
