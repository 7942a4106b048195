"""Known-future covariates in windows and in the future= frame of a forecast, value by value."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import hourly, panel

from forecast import DataValidationError, Split, WindowSpec, make_windows
from forecast.features.calendar_features import calendar_features
from forecast.windowing.latest import latest_windows

KINDS = np.array(list("abcabcabca"))


def promo_frame() -> pd.DataFrame:
    """Ten hourly rows: y = 0..9, promo = 10 * row, kind a/b/c by turns, temp = 100 + row."""
    return hourly(range(10), promo=np.arange(10.0) * 10, kind=KINDS, temp=np.arange(100.0, 110.0))


def test_windows_read_future_covariates_in_the_input_rows_and_the_forecast_rows():
    windows = make_windows(
        promo_frame(),
        WindowSpec(3, 2),
        target="y",
        covariates="temp",
        future_covariates=("promo", "kind"),
        calendar=(),
        split=Split(0.0, 0.0),
    )
    assert windows.input_columns == ("y", "temp", "promo", "kind=a", "kind=b", "kind=c")
    assert windows.future_covariate_columns == ("promo", "kind")
    assert windows.future_columns == ("promo", "kind=a", "kind=b", "kind=c")
    inputs, labels = windows.arrays()
    # origin row 3: inputs rows 0..2, forecast rows 3..4
    np.testing.assert_array_equal(
        inputs["past"][0],
        [[0, 100, 0, 1, 0, 0], [1, 101, 10, 0, 1, 0], [2, 102, 20, 0, 0, 1]],
    )
    np.testing.assert_array_equal(inputs["future"][0], [[30, 1, 0, 0], [40, 0, 1, 0]])
    np.testing.assert_array_equal(labels[0, :, 0], [3, 4])
    # the last window (origin row 8) reads the future covariates of rows 8 and 9
    np.testing.assert_array_equal(inputs["future"][-1], [[80, 0, 0, 1], [90, 1, 0, 0]])


def test_the_tf_pipeline_gives_the_same_future_part():
    windows = make_windows(
        promo_frame(), WindowSpec(3, 2), target="y", future_covariates="promo",
        calendar="hour", split=Split(0.0, 0.0),
    )  # fmt: skip
    assert windows.future_columns == ("promo", "hour_sin", "hour_cos")
    (inputs, labels), *_ = windows.dataset("train", batch_size=64, shuffle=False)
    expected, expected_labels = windows.arrays()
    np.testing.assert_allclose(inputs["future"].numpy(), expected["future"])
    np.testing.assert_allclose(inputs["past"].numpy(), expected["past"])
    np.testing.assert_array_equal(expected["future"][0, :, 0], [30, 40])
    hours = calendar_features(windows.layout.timestamps[3:5], "hour").to_numpy()
    np.testing.assert_allclose(expected["future"][0, :, 1:], hours)


def test_a_nan_future_covariate_in_the_forecast_rows_drops_the_window():
    frame = promo_frame()
    frame.loc[frame.index[6], "promo"] = np.nan
    windows = make_windows(
        frame, WindowSpec(3, 2), target="y", future_covariates="promo", calendar=(),
        split=Split(0.0, 0.0),
    )  # fmt: skip
    # origins 5 (rows 5, 6) and 6 (rows 6, 7) lose their known future; 7 reads row 6 as an
    # input, filled from its own window
    assert windows.dropped["nan_future"] == 2
    assert windows.origin_index()["row"].tolist() == [3, 4, 7, 8]
    inputs, _ = windows.arrays()
    np.testing.assert_array_equal(inputs["past"][2, :, 1], [40, 50, 50])


def test_future_categories_come_from_the_training_rows_only():
    with pytest.warns(UserWarning, match="categories \\['c'\\] were not seen"):
        windows = make_windows(
            promo_frame(), WindowSpec(2, 1), target="y", future_covariates="kind", calendar=(),
            split=(0.2, 0.0, 0.8),
        )  # fmt: skip
    assert windows.categories == {"kind": ("a", "b")}


def test_a_column_cannot_be_past_and_future_covariate():
    with pytest.raises(DataValidationError, match="both as covariate") as info:
        make_windows(
            promo_frame(), WindowSpec(3, 2), target="y", covariates="promo",
            future_covariates="promo",
        )  # fmt: skip
    assert info.value.column == "promo"


# ---------------------------------------------------------------------- the future= frame


def next_steps(frame: pd.DataFrame, horizon: int = 2, **values) -> pd.DataFrame:
    last = frame.index.get_level_values(-1)[-1]
    index = pd.date_range(last + pd.Timedelta("1h"), periods=horizon, freq="h", name="timestamp")
    return pd.DataFrame(values or {"promo": [1.0, 2.0]}, index=index)


def latest(frame, future, **kwargs):
    arguments = dict(target="y", future_covariates="promo", calendar=(), **kwargs)
    return latest_windows(frame, WindowSpec(3, 2), future=future, **arguments)


def test_the_future_frame_gives_the_future_part_of_a_forecast():
    frame = promo_frame()
    future = next_steps(frame, promo=[7.0, 8.0])
    windows = latest_windows(
        frame, WindowSpec(3, 2), target="y", future_covariates=("promo", "kind"),
        calendar="hour", categories={"kind": ("a", "b", "c")},
        future=future.assign(kind=["c", "a"]).iloc[::-1],  # any row order
    )  # fmt: skip
    np.testing.assert_array_equal(windows.inputs["past"][0, :, 1], [70, 80, 90])
    hours = calendar_features(future.index, "hour").to_numpy()
    np.testing.assert_allclose(
        windows.inputs["future"][0], np.column_stack([[7, 8], [0, 1], [0, 0], [1, 0], hours])
    )


def test_a_missing_future_row_is_named():
    frame = promo_frame()
    with pytest.raises(DataValidationError, match="lacks the row") as info:
        latest(frame, next_steps(frame).iloc[:1])
    assert info.value.timestamp == pd.Timestamp("2024-01-01 11:00")
    assert info.value.column == "promo"


def test_a_nan_in_the_future_frame_is_named():
    frame = promo_frame()
    with pytest.raises(DataValidationError, match="NaN at a forecast step") as info:
        latest(frame, next_steps(frame, promo=[1.0, np.nan]))
    assert (info.value.column, info.value.timestamp) == ("promo", pd.Timestamp("2024-01-01 11:00"))


def test_missing_and_extra_columns_of_the_future_frame_are_named():
    frame = promo_frame()
    with pytest.raises(DataValidationError, match="lacks a future covariate") as info:
        latest(frame, next_steps(frame, other=[1.0, 2.0]))
    assert info.value.column == "promo"
    with pytest.raises(DataValidationError, match="not a future covariate") as info:
        latest(frame, next_steps(frame).assign(y=[0.0, 0.0]))
    assert info.value.column == "y"


def test_timestamps_off_the_grid_or_beyond_the_horizon_are_named():
    frame = promo_frame()
    future = next_steps(frame)
    off = future.rename(index={future.index[1]: future.index[1] + pd.Timedelta("30min")})
    with pytest.raises(DataValidationError, match="lacks the row"):
        latest(frame, off)
    extra = pd.concat([future, next_steps(frame, 3, promo=[1.0, 2.0, 3.0]).iloc[2:]])
    with pytest.raises(DataValidationError, match="outside the 2 forecast steps") as info:
        latest(frame, extra)
    assert info.value.timestamp == pd.Timestamp("2024-01-01 12:00")
    stray = pd.concat([future, future.iloc[:1].rename(index=lambda t: t + pd.Timedelta("15min"))])
    with pytest.raises(DataValidationError, match="off the model's h grid") as info:
        latest(frame, stray)
    assert info.value.timestamp == pd.Timestamp("2024-01-01 10:15")
    with pytest.raises(DataValidationError, match="twice"):
        latest(frame, pd.concat([future, future.iloc[:1]]))


def test_a_panel_future_frame_is_checked_series_by_series():
    frame = panel({"a": promo_frame()[["y", "promo"]], "b": promo_frame()[["y", "promo"]]})
    steps = next_steps(promo_frame())
    future = panel({"a": steps, "b": steps.assign(promo=[5.0, 6.0])})
    windows = latest(frame, future)
    np.testing.assert_array_equal(windows.inputs["future"][:, :, 0], [[1, 2], [5, 6]])
    with pytest.raises(DataValidationError, match="lacks the row") as info:
        latest(frame, future.drop(index="b", level=0))
    assert info.value.series == "b"
    with pytest.raises(DataValidationError, match="series that the data do not") as info:
        latest(frame, pd.concat([future, panel({"c": steps})]))
    assert info.value.series == "c"
    with pytest.raises(DataValidationError, match=r"indexed by \(series id, timestamp\)"):
        latest(frame, steps)


def test_future_covariates_without_a_future_frame_are_an_error():
    with pytest.raises(ValueError, match="future=<frame>"):
        latest(promo_frame(), None)
