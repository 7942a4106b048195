"""The declared estimator contract: tags, parameter constraint tables, signatures, the YAML schema."""

from __future__ import annotations

import inspect

import numpy as np
import pytest
from conftest import hourly

import forecast
from forecast.app.config import ConfigError, parse_config
from forecast.models.constraints import Choice, Columns, Integer, Real, Seed, Widths
from forecast.models.registry import MODEL_KINDS

FORECASTERS = sorted(set(MODEL_KINDS.values()), key=lambda cls: cls.__name__)


@pytest.mark.parametrize("cls", FORECASTERS, ids=lambda cls: cls.__name__)
def test_every_parameter_has_a_constraint_and_every_default_meets_it(cls):
    constraints = cls.parameter_constraints()
    assert sorted(constraints) == sorted(cls._get_param_names())
    for name, value in cls().get_params(deep=False).items():
        constraints[name].check(name, value)  # the defaults are valid


@pytest.mark.parametrize("cls", FORECASTERS, ids=lambda cls: cls.__name__)
def test_parameters_after_the_first_are_keyword_only(cls):
    parameters = list(inspect.signature(cls.__init__).parameters.values())[1:]
    assert parameters[0].kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in parameters[1:])


@pytest.mark.parametrize("cls", [forecast.LSTMForecaster, forecast.GRUForecaster])
def test_fixed_cell_forecasters_have_the_rnn_signature_but_cell(cls):
    rnn = inspect.signature(forecast.RNNForecaster.__init__).parameters
    fixed = inspect.signature(cls.__init__).parameters
    expected = {n: p.default for n, p in rnn.items() if n not in ("self", "cell")}
    assert {n: p.default for n, p in fixed.items() if n != "self"} == expected
    assert cls().cell == cls.cell


def test_tags_declare_what_each_forecaster_is():
    assert [cls.__name__ for cls in FORECASTERS if cls.get_tag("neural")] == [
        "GRUForecaster",
        "LSTMForecaster",
        "RNNForecaster",
    ]
    assert all(cls.get_tag("baseline") != cls.get_tag("neural") for cls in FORECASTERS)
    assert forecast.LSTMForecaster.get_tag("uses_validation")
    assert not forecast.LinearForecaster.get_tag("uses_validation")
    assert forecast.LinearForecaster.get_tag("reads_calendar")
    assert not forecast.SeasonalNaive.get_tag("reads_covariates")
    per_series = [cls.__name__ for cls in FORECASTERS if cls.get_tag("per_series")]
    assert per_series == ["AutoETS", "AutoTheta"]  # fitted per series, not exportable
    assert [cls for cls in FORECASTERS if not cls.get_tag("exportable")] == [
        forecast.AutoETS,
        forecast.AutoTheta,
    ]
    with pytest.raises(KeyError, match="unknown tag 'bogus'"):
        forecast.Naive.get_tag("bogus")


@pytest.mark.parametrize(
    ("constraint", "good", "bad"),
    [
        (Integer(minimum=1), [1, np.int64(7)], [0, 1.5, "1", True, None]),
        (Integer(minimum=1, none=True), [None, 3], [0, 2.0]),
        (Real(low=0.0, open_low=True), [1e-3, 2], [0.0, -1, "fast", True, float("nan")]),
        (Real(low=0.0, high=1.0, open_high=True), [0.0, 0.5], [1.0, -0.1]),
        (Choice(("mae", "mse")), ["mae"], ["MAE", None, 1]),
        (Choice((None, "last")), [None, "last"], ["first"]),
        (Choice((0, 1, 2)), [0, 2], [True, 3, 1.0]),
        (Widths(), [(64,), [8, 4], 16], [(), (0,), (1.5,), "64"]),
        (Widths(empty=True), [()], [(-1,)]),
        (Columns(empty=False), ["y", ("a", "b")], [(), "", (1,)]),
        (Seed(), [None, 0, 2**32 - 1], [-1, 2**32, 1.5, "0", True]),
    ],
)
def test_constraints_accept_and_refuse_by_value(constraint, good, bad):
    for value in good:
        constraint.check("p", value)
    for value in bad:
        with pytest.raises(ValueError, match=r"^p must be "):
            constraint.check("p", value)


def test_fit_names_the_parameter_at_fault():
    frame = hourly(range(60))
    for params, message in [
        ({"learning_rate": "fast"}, "learning_rate must be a number > 0, got 'fast'"),
        ({"random_state": 1.5}, "random_state must be an integer in"),
        ({"random_state": "0"}, "random_state must be an integer in"),
        ({"random_state": np.random.RandomState(0)}, "got a numpy.random.RandomState"),
        ({"patience": 0}, "patience must be an integer >= 1 or None, got 0"),
        ({"units": (0,)}, "units must be a tuple of integers >= 1"),
    ]:
        model = forecast.LSTMForecaster(horizon=2, epochs=1, **params)
        with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
            model.fit(frame)


CONFIG = """
data: {{dataset: electricity_hourly, target: y}}
window: {{horizon: 24}}
models:
  - {{name: m, kind: {kind}, {argument}}}
"""


@pytest.mark.parametrize(
    ("kind", "argument", "key"),
    [
        ("lstm", "patience: soon", "patience"),  # defaults to 5, but None is allowed too
        ("lstm", "clipnorm: strong", "clipnorm"),
        ("lstm", "random_state: 1.5", "random_state"),
        ("lstm", "residual: first", "residual"),
        ("lstm", "units: [0]", "units"),
        ("seasonal_naive", "season_length: 1.5", "season_length"),  # defaults to None
        ("window_average", "window: many", "window"),  # defaults to None
        ("linear", "alpha: -1", "alpha"),
    ],
)
def test_a_config_with_a_wrong_type_fails_at_load_naming_the_key(kind, argument, key):
    text = CONFIG.format(kind=kind, argument=argument)
    with pytest.raises(ConfigError, match=rf"bad\.yaml: models\[0\] \(m\)\.{key}"):
        parse_config(text, source="bad.yaml")


def test_a_config_accepts_what_the_constraints_accept():
    text = CONFIG.format(kind="lstm", argument="patience: null, units: [8, 4], clipnorm: 0.5")
    config = parse_config(text, source="good.yaml")
    assert config.models[0].arguments() == {"patience": None, "units": [8, 4], "clipnorm": 0.5}
