"""A frame is validated once: the validated frame carries its layout and columns downstream."""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import pytest
from conftest import hourly, panel

import forecast
import forecast.data.columns
import forecast.data.layout
from forecast import DataValidationError, LinearForecaster, SeasonalNaive, Split, WindowSpec
from forecast.data.validated import ValidatedFrame, ensure_validated, validate_frame
from forecast.windowing.latest import latest_windows
from forecast.windowing.windows import make_windows


@pytest.fixture
def calls(monkeypatch) -> dict[str, int]:
    """Counts of ``describe_layout`` and ``check_columns`` calls, wherever they are looked up."""
    counts = {"describe_layout": 0, "check_columns": 0}
    originals = {
        "describe_layout": forecast.data.layout.describe_layout,
        "check_columns": forecast.data.columns.check_columns,
    }
    for name, original in originals.items():

        def counting(*args, _name=name, _original=original, **kwargs):
            counts[_name] += 1
            return _original(*args, **kwargs)

        for module in list(sys.modules.values()):
            # getattr: some extension modules (statsforecast's) have no __name__
            named = str(getattr(module, "__name__", ""))
            if named.startswith("forecast") and getattr(module, name, None) is original:
                monkeypatch.setattr(module, name, counting)
    return counts


def test_validate_frame_carries_the_layout_and_the_columns():
    frame = panel({"a": hourly(range(4), temp=np.arange(4.0)), "b": hourly([0, 1, 3])})
    validated = validate_frame(frame, "y", "temp")
    assert validated.frame is frame
    assert (validated.targets, validated.covariates) == (("y",), ("temp",))
    assert validated.layout.series_ids == ("a", "b")
    assert validated.layout.positions.tolist() == [0, 1, 2, 3, 0, 1, 3]
    with pytest.raises(DataValidationError, match="did you mean 'temp'"):
        validate_frame(frame, "y", "tmp")


def test_a_validated_frame_is_not_validated_again(calls):
    validated = validate_frame(hourly(range(10), x=np.arange(100.0, 110.0)), "y", ["x"])
    assert calls == {"describe_layout": 1, "check_columns": 1}
    assert ensure_validated(validated, "y", ["x"], "h") is validated
    windows = make_windows(validated, WindowSpec(3, 2), split=Split(0.0, 0.0), calendar=())
    latest = latest_windows(validated, WindowSpec(3, 2))
    assert calls == {"describe_layout": 1, "check_columns": 1}
    assert windows.input_columns == ("y", "x")
    np.testing.assert_array_equal(windows.origins["train"], [3, 4, 5, 6, 7, 8])
    np.testing.assert_array_equal(latest.inputs[0], [[7, 107], [8, 108], [9, 109]])


def test_a_plain_frame_gives_the_same_windows_as_a_validated_one():
    frame = hourly([0, 1, 2, 3, 5, 6, 7, 8, 9], wind=list("NSNSNSNSN"))
    plain = make_windows(
        frame, WindowSpec(2, 1), target="y", covariates="wind", split=(0.6, 0.2, 0.2)
    )
    validated = make_windows(
        validate_frame(frame, "y", "wind"), WindowSpec(2, 1), split=(0.6, 0.2, 0.2)
    )
    np.testing.assert_array_equal(plain.values, validated.values)
    assert plain.origins.keys() == validated.origins.keys()
    for split in plain.origins:
        np.testing.assert_array_equal(plain.origins[split], validated.origins[split])
    assert (plain.input_columns, plain.categories) == (
        validated.input_columns,
        validated.categories,
    )


def test_arguments_that_contradict_the_validated_frame_are_refused():
    validated = validate_frame(hourly(range(6), x=np.arange(6.0)), "y", "x")
    with pytest.raises(ValueError, match=r"validated with covariates \('x',\), not \(\)"):
        make_windows(validated, WindowSpec(2, 1), covariates=())
    with pytest.raises(ValueError, match="validated on the h grid, not '30min'"):
        latest_windows(validated, WindowSpec(2, 1), freq="30min")
    with pytest.raises(DataValidationError, match="no target column given"):
        make_windows(hourly(range(6)), WindowSpec(2, 1))


def test_fit_validates_the_frame_once(calls):
    model = SeasonalNaive(season_length=2, input_width=4, horizon=2)
    model.fit(hourly(range(12)))
    assert calls == {"describe_layout": 1, "check_columns": 1}
    assert isinstance(model._training_frame(hourly(range(12)), None)[0], ValidatedFrame)


def test_fit_with_a_validation_frame_validates_each_frame_and_their_union_once(calls):
    frame = panel({"a": hourly(range(12)), "b": hourly(range(12))})
    later = panel({"a": hourly(range(12, 16)), "b": hourly(range(12, 16))})
    LinearForecaster(input_width=3, horizon=1).fit(frame, validation_frame=later)
    assert calls["describe_layout"] <= 3  # the frame, the validation frame, their union
    assert calls["check_columns"] == 1


def test_predict_score_and_windows_validate_once(calls):
    frame = hourly(range(12), values=np.arange(12.0) % 2)
    model = SeasonalNaive(season_length=2, input_width=4, horizon=2).fit(frame)
    for name, use in (
        ("predict", lambda: model.predict(frame)),
        ("score", lambda: model.score(frame)),
        ("windows", lambda: model.windows(frame)),
    ):
        before = dict(calls)
        use()
        assert calls["describe_layout"] - before["describe_layout"] == 1, name
        assert calls["check_columns"] - before["check_columns"] == 1, name
    assert model.predict(frame)["y"].tolist() == [0.0, 1.0]
    assert model.score(frame) == 0.0


def test_validation_frame_must_continue_each_series():
    frame = panel({"a": hourly(range(6)), "b": hourly(range(6))})
    overlapping = panel({"a": hourly(range(6, 9)), "b": hourly(range(5, 8))})
    with pytest.raises(DataValidationError, match="must continue the frame in time") as info:
        LinearForecaster(input_width=2, horizon=1).fit(frame, validation_frame=overlapping)
    assert (info.value.series, info.value.timestamp) == ("b", pd.Timestamp("2024-01-01 05:00"))


def test_compare_describes_the_frame_once_and_each_model_its_own_slices(calls):
    frame = hourly(range(24 * 10), values=np.tile(np.arange(24.0), 10))
    models = {
        "seasonal": SeasonalNaive(input_width=48, horizon=24),
        "linear": LinearForecaster(input_width=48, horizon=24),
    }
    board = forecast.compare(models, frame, start=0.7, stride=24)
    # once for the comparison, then per model: its training slice (fit) and the forecast frame
    assert calls["describe_layout"] == 1 + 2 * len(models)
    assert board.loc["seasonal", "mae"] == 0.0
