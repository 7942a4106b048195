"""Inputs of the next forecast: the last input_width rows of each series, and the future index."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import hourly, panel

from forecast import DataValidationError, MissingPolicy, WindowSpec
from forecast.features.calendar_features import calendar_features
from forecast.windowing.latest import latest_windows


def test_panel_series_ending_at_different_times():
    frame = panel(
        {"a": hourly(range(5)), "b": hourly([0, 1, 3, 4, 5, 6], values=[10.0, 11, 13, 14, 15, 16])}
    )
    latest = latest_windows(frame, WindowSpec(3, 2), target="y")
    np.testing.assert_array_equal(latest.inputs[:, :, 0], [[2, 3, 4], [14, 15, 16]])
    assert latest.index.get_level_values(0).tolist() == ["a", "a", "b", "b"]
    hours = (latest.index.get_level_values(1) - pd.Timestamp("2024-01-01")) / pd.Timedelta("1h")
    assert hours.tolist() == [5, 6, 7, 8]


def test_calendar_features_of_the_future_steps():
    frame = hourly(range(6))
    latest = latest_windows(frame, WindowSpec(2, 3), target="y", calendar="hour")
    future_stamps = pd.date_range("2024-01-01 06:00", periods=3, freq="h")
    np.testing.assert_allclose(
        latest.inputs["future"][0], calendar_features(future_stamps, "hour").to_numpy()
    )
    np.testing.assert_array_equal(latest.inputs["past"][0, :, 0], [4, 5])
    assert latest.index.equals(future_stamps.rename("timestamp"))


def test_a_gap_at_the_end_is_named():
    frame = panel({"ok": hourly(range(5)), "gappy": hourly([0, 1, 2, 4, 5])})
    with pytest.raises(DataValidationError, match="must be gap-free") as info:
        latest_windows(frame, WindowSpec(3, 1), target="y")
    assert (info.value.series, info.value.timestamp) == ("gappy", pd.Timestamp("2024-01-01 04:00"))


def test_nan_input_beyond_the_ffill_limit_is_named():
    ffill = MissingPolicy(inputs="ffill", limit=3)
    values = [1.0, 2.0, np.nan, np.nan, np.nan, np.nan]
    with pytest.raises(DataValidationError, match="input is NaN") as info:
        latest_windows(hourly(range(6), values=values), WindowSpec(3, 1), "y", missing=ffill)
    assert info.value.column == "y" and info.value.timestamp == pd.Timestamp("2024-01-01 05:00")
    short_run = latest_windows(
        hourly(range(6), values=[1.0, 2, 3, 4, np.nan, np.nan]),
        WindowSpec(3, 1),
        "y",
        missing=ffill,
    )
    np.testing.assert_array_equal(short_run.inputs[0, :, 0], [4, 4, 4])
    assert short_run.filled_inputs == 2


def test_training_categories_are_reused():
    frame = hourly(range(4), wind=["S", "S", "N", "S"])
    with pytest.warns(UserWarning, match=r"\['N'\] were not seen"):
        latest = latest_windows(
            frame, WindowSpec(3, 1), target="y", covariates="wind", categories={"wind": ("E", "S")}
        )
    assert latest.input_columns == ("y", "wind=E", "wind=S")
    np.testing.assert_array_equal(latest.inputs[0, :, 1:], [[0, 1], [0, 0], [0, 1]])


def test_too_short_for_the_input_width():
    with pytest.raises(DataValidationError, match=r"fewer than one window needs \(input_width 5\)"):
        latest_windows(hourly(range(4)), WindowSpec(5, 1), target="y")
