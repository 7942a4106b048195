"""Windows cut exactly as DESIGN.md's arithmetic says, checked row by row on tiny frames."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import hourly, panel

from forecast import DataValidationError, MissingPolicy, Split, WindowSpec, make_windows
from forecast.data.validated import validate_frame
from forecast.features.calendar_features import calendar_features
from forecast.features.encoding import build_features
from forecast.windowing.latest import latest_windows
from forecast.windowing.origins import window_rules

ALL_TRAIN = Split(0.0, 0.0)


def origin_hours(windows, split="train", series=None):
    frame = windows.origin_index(split)
    if series is not None:
        frame = frame[frame["series_id"] == series]
    start = pd.Timestamp("2024-01-01")
    return [int((t - start) / pd.Timedelta("1h")) for t in frame["origin"]]


def test_single_series_windows_are_the_exact_rows(ten_hours):
    windows = make_windows(
        ten_hours, WindowSpec(3, 2), target="y", covariates=["x"], split=ALL_TRAIN, calendar=()
    )
    inputs, labels = windows.arrays("train")
    assert windows.input_columns == ("y", "x")
    assert origin_hours(windows) == [3, 4, 5, 6, 7, 8]
    assert inputs.shape == (6, 3, 2) and labels.shape == (6, 2, 1)
    for k, t in enumerate(range(3, 9)):
        np.testing.assert_array_equal(inputs[k, :, 0], [t - 3, t - 2, t - 1])
        np.testing.assert_array_equal(inputs[k, :, 1], [97 + t, 98 + t, 99 + t])
        np.testing.assert_array_equal(labels[k, :, 0], [t, t + 1])


def test_values_are_held_once_as_float32(ten_hours):
    windows = make_windows(
        ten_hours, WindowSpec(3, 2), target="y", covariates=["x"], split=ALL_TRAIN, calendar=()
    )
    assert windows.values.dtype == np.float32
    assert windows.values.shape == (10, 2)


def test_no_window_crosses_a_gap():
    frame = hourly([0, 1, 2, 3, 4, 6, 7, 8, 9, 10, 11])  # hour 5 is missing
    windows = make_windows(frame, WindowSpec(2, 1), target="y", split=ALL_TRAIN, calendar=())
    assert origin_hours(windows) == [2, 3, 4, 8, 9, 10, 11]
    inputs, labels = windows.arrays()
    np.testing.assert_array_equal(inputs[3, :, 0], [6, 7])  # origin 8 reads 6, 7: not 4
    np.testing.assert_array_equal(labels[:, 0, 0], [2, 3, 4, 8, 9, 10, 11])
    assert windows.dropped["gap"] == 2  # origins 6 (reads 4, 5) and 7 (reads 5, 6)


def test_panel_of_different_lengths_with_a_gap_never_mixes_series():
    a = hourly(range(6), values=[10 + h for h in range(6)])
    b = hourly([0, 1, 2, 4, 5, 6, 7], values=[20 + h for h in [0, 1, 2, 4, 5, 6, 7]])
    windows = make_windows(
        panel({"a": a, "b": b}), WindowSpec(2, 2), target="y", split=ALL_TRAIN, calendar=()
    )
    assert origin_hours(windows, series="a") == [2, 3, 4]
    assert origin_hours(windows, series="b") == [6]
    inputs, labels = windows.arrays()
    np.testing.assert_array_equal(inputs[:, :, 0], [[10, 11], [11, 12], [12, 13], [24, 25]])
    np.testing.assert_array_equal(labels[:, :, 0], [[12, 13], [13, 14], [14, 15], [26, 27]])
    assert list(windows.origin_index()["series_id"]) == ["a", "a", "a", "b"]


def test_nan_label_drops_the_window_and_is_never_filled():
    values = np.arange(10.0)
    values[5] = np.nan
    windows = make_windows(
        hourly(range(10), values=values), WindowSpec(2, 2), target="y", split=ALL_TRAIN, calendar=()
    )
    # Origins 4 and 5 would forecast row 5; origins 6 and 7 read it as an input, filled within
    # their windows (default "fill"): from row 4 at origin 6, from row 6 (the window's first
    # observation, an input too) at origin 7.
    assert origin_hours(windows) == [2, 3, 6, 7, 8]
    inputs, labels = windows.arrays()
    np.testing.assert_array_equal(inputs[2, :, 0], [4, 4])
    np.testing.assert_array_equal(inputs[3, :, 0], [6, 6])
    assert not np.isnan(labels).any()
    assert windows.dropped["nan_label"] == 2
    assert windows.filled_inputs() == 2
    ffill = make_windows(
        hourly(range(10), values=values),
        WindowSpec(2, 2),
        target="y",
        split=ALL_TRAIN,
        missing=MissingPolicy(inputs="ffill"),
        calendar=(),
    )  # carried forward from row 4, before the window
    np.testing.assert_array_equal(ffill.arrays()[0][3, :, 0], [4, 6])


def test_drop_policy_drops_windows_with_nan_inputs():
    values = np.arange(10.0)
    values[5] = np.nan
    windows = make_windows(
        hourly(range(10), values=values),
        WindowSpec(2, 2),
        target="y",
        split=ALL_TRAIN,
        missing=MissingPolicy(inputs="drop"),
    )
    assert origin_hours(windows) == [2, 3, 8]
    assert windows.dropped["nan_input"] == 2


def test_forward_fill_stops_at_its_limit_and_at_gaps():
    x = np.arange(100.0, 112.0)
    x[[3, 4, 5, 6]] = np.nan  # a run of 4: the limit of 3 fills rows 3..5 only
    frame = hourly(range(12), x=x)
    windows = make_windows(
        frame,
        WindowSpec(2, 1),
        target="y",
        covariates=["x"],
        split=ALL_TRAIN,
        missing=MissingPolicy(inputs="ffill", limit=3),
    )
    np.testing.assert_array_equal(windows.values[:, 1][:7], [100, 101, 102, 102, 102, 102, np.nan])
    assert 7 not in origin_hours(windows) and 8 not in origin_hours(windows)  # read row 6
    gapped = hourly([0, 1, 3, 4], x=[1.0, 2.0, np.nan, 5.0])
    filled = make_windows(
        gapped,
        WindowSpec(1, 1),
        target="y",
        covariates=["x"],
        split=ALL_TRAIN,
        missing=MissingPolicy(inputs="ffill"),
    )
    assert np.isnan(filled.values[2, 1])  # the value before the gap is not carried over it


def test_fraction_split_keeps_labels_inside_their_split():
    windows = make_windows(
        hourly(range(20)), WindowSpec(2, 2), target="y", split=Split(0.25, 0.25), calendar=()
    )
    assert origin_hours(windows, "train") == [2, 3, 4, 5, 6, 7, 8]
    assert origin_hours(windows, "validation") == [10, 11, 12, 13]
    assert origin_hours(windows, "test") == [15, 16, 17, 18]
    assert windows.dropped["straddles_split"] == 2
    # the two dropped: origin 9 (labels at 9, 10) bridges train and validation and is kept
    # aside for fits on both; origin 14 (labels 14, 15) runs into the test split
    assert origin_hours(windows, "train_to_validation") == [9]
    inputs, labels = windows.arrays("validation")
    np.testing.assert_array_equal(inputs[0, :, 0], [8, 9])  # inputs may reach back into train
    assert labels.min() >= 10 and labels.max() <= 14


def test_timestamp_split_matches_the_fraction_split():
    by_time = make_windows(
        hourly(range(20)),
        WindowSpec(2, 2),
        target="y",
        split=Split("2024-01-01 10:00", "2024-01-01 15:00"),
    )
    by_fraction = make_windows(
        hourly(range(20)), WindowSpec(2, 2), target="y", split=Split(0.25, 0.25)
    )
    for split in ("train", "validation", "test"):
        np.testing.assert_array_equal(by_time.origins[split], by_fraction.origins[split])


def test_fraction_split_is_per_series():
    a, b = hourly(range(20)), hourly(range(10), values=np.arange(10.0) + 100)
    windows = make_windows(
        panel({"a": a, "b": b}), WindowSpec(2, 1), target="y", split=Split(0.2, 0.2)
    )
    # b: 10 rows -> train rows 0..5, validation 6..7, test 8..9
    assert origin_hours(windows, "validation", series="b") == [6, 7]
    assert origin_hours(windows, "test", series="b") == [8, 9]
    assert origin_hours(windows, "test", series="a") == [16, 17, 18, 19]


def test_tuple_split_and_bad_splits():
    windows = make_windows(hourly(range(20)), WindowSpec(2, 2), target="y", split=(0.5, 0.25, 0.25))
    assert origin_hours(windows, "test") == [15, 16, 17, 18]
    with pytest.raises(ValueError, match="add up to 1"):
        make_windows(hourly(range(20)), WindowSpec(2, 2), target="y", split=(0.5, 0.2, 0.2))
    with pytest.raises(ValueError, match="both be fractions or both be timestamps"):
        Split(0.2, "2024-01-01")
    with pytest.raises(ValueError, match="leave some training data"):
        Split(0.5, 0.5)


def test_stride_is_on_each_series_time_grid():
    frame = hourly([0, 1, 2, 3, 4, 6, 7, 8, 9, 10, 11])
    windows = make_windows(frame, WindowSpec(2, 1, stride=2), target="y", split=ALL_TRAIN)
    assert origin_hours(windows) == [2, 4, 8, 10]
    daily = make_windows(
        hourly(range(100)), WindowSpec(24, 24, stride=24), target="y", split=ALL_TRAIN
    )
    assert origin_hours(daily) == [24, 48, 72]


def test_calendar_features_are_inputs_and_known_future(ten_hours):
    windows = make_windows(
        ten_hours, WindowSpec(3, 2), target="y", calendar=("hour",), split=ALL_TRAIN
    )
    inputs, labels = windows.arrays()
    expected = calendar_features(ten_hours.index, ("hour",)).to_numpy()
    assert windows.input_columns == ("y", "hour_sin", "hour_cos")
    np.testing.assert_allclose(inputs["past"][0, :, 1:], expected[0:3])
    np.testing.assert_allclose(inputs["future"][0], expected[3:5])
    np.testing.assert_allclose(inputs["future"][-1], expected[8:10])
    np.testing.assert_array_equal(labels[0, :, 0], [3, 4])


def test_categorical_covariate_uses_training_categories_only():
    wind = ["N", "S", "N", "S", "N", "S", "N", "S", "E", "N"]
    frame = hourly(range(10), wind=pd.Categorical(wind))
    with pytest.warns(UserWarning, match=r"\['E'\] were not seen in the training split"):
        windows = make_windows(
            frame,
            WindowSpec(2, 1),
            target="y",
            covariates=["wind"],
            split=Split(0.0, 0.2),
            calendar=(),
        )
    assert windows.categories == {"wind": ("N", "S")}
    assert windows.input_columns == ("y", "wind=N", "wind=S")
    np.testing.assert_array_equal(windows.values[:, 1:][[0, 1, 8]], [[1, 0], [0, 1], [0, 0]])


def test_text_covariates_are_categories_too():
    frame = hourly(range(6), kind=["a", "b", "a", "b", "a", "b"])
    windows = make_windows(
        frame, WindowSpec(2, 1), target="y", covariates="kind", split=ALL_TRAIN, calendar=()
    )
    assert windows.input_columns == ("y", "kind=a", "kind=b")


def test_multiple_targets_come_first_and_are_all_labels():
    frame = hourly(range(6), z=np.arange(6.0) * 10)
    windows = make_windows(frame, WindowSpec(2, 1), target=["z", "y"], split=ALL_TRAIN)
    _, labels = windows.arrays()
    np.testing.assert_array_equal(labels[0, 0], [20.0, 2.0])


def test_series_shorter_than_a_window_is_named():
    frame = panel({"long": hourly(range(10)), "short": hourly(range(3))})
    with pytest.raises(
        DataValidationError, match="series has 3 rows, fewer than one window"
    ) as info:
        make_windows(frame, WindowSpec(3, 2), target="y")
    assert info.value.series == "short"


def test_bad_window_spec():
    with pytest.raises(ValueError, match="input_width must be an integer >= 1"):
        WindowSpec(0, 2)
    with pytest.raises(ValueError, match="horizon"):
        WindowSpec(2, 1.5)


def test_numpy_batches_match_arrays_and_shuffle_is_seeded(ten_hours):
    windows = make_windows(ten_hours, WindowSpec(2, 1), target="y", split=ALL_TRAIN, calendar=())
    inputs, labels = windows.arrays()
    batched = list(windows.batches(batch_size=3))
    assert [len(y) for _, y in batched] == [3, 3, 2]
    np.testing.assert_array_equal(np.concatenate([x for x, _ in batched]), inputs)
    first = np.concatenate([y for _, y in windows.batches(batch_size=3, shuffle=True, seed=1)])
    again = np.concatenate([y for _, y in windows.batches(batch_size=3, shuffle=True, seed=1)])
    np.testing.assert_array_equal(first, again)
    assert sorted(first[:, 0, 0]) == sorted(labels[:, 0, 0]) and not np.array_equal(first, labels)


def test_summary_and_unknown_split(ten_hours):
    windows = make_windows(ten_hours, WindowSpec(2, 1), target="y", split=Split(0.0, 0.3))
    summary = windows.summary()
    assert summary.loc["train", "windows"] == 5 and summary.loc["test", "windows"] == 3
    assert summary.loc["test", "first_origin"] == pd.Timestamp("2024-01-01 07:00")
    with pytest.raises(ValueError, match="unknown split 'tset'"):
        windows.arrays("tset")


def test_electricity_midnight_origins_of_the_test_split():
    import forecast

    frame = forecast.load_dataset("electricity_hourly")
    windows = make_windows(frame, WindowSpec(168, 24, stride=24), target="y", split=Split(0.2, 0.1))
    origins = windows.origin_index("test")["origin"]
    assert len(origins) == 109 and (origins.dt.hour == 0).all()
    assert origins.iloc[-1] == pd.Timestamp("2014-12-31")


def test_explicit_row_splits_and_fixed_categories():
    frame = hourly(range(8), wind=["a", "b", "a", "b", "c", "c", "c", "c"])
    codes = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    windows = make_windows(
        frame,
        WindowSpec(2, 1),
        target="y",
        covariates="wind",
        split=codes,
        categories={"wind": ("a", "b", "c")},
        calendar=(),
    )
    assert origin_hours(windows, "train") == [2, 3] and origin_hours(windows, "validation") == [
        4,
        5,
        6,
        7,
    ]
    assert windows.input_columns == ("y", "wind=a", "wind=b", "wind=c")
    with pytest.raises(ValueError, match="one code in"):
        make_windows(frame, WindowSpec(2, 1), target="y", split=np.zeros(3, dtype=int), calendar=())


def test_a_float32_frame_in_input_order_is_not_copied():
    from forecast.data.missing import aligned_empty

    block = aligned_empty((20, 2))  # 64-byte aligned, as TensorFlow needs to share it
    block[:] = np.arange(40, dtype=np.float32).reshape(20, 2)
    frame = pd.DataFrame(
        block,
        columns=["y", "x"],
        index=pd.date_range("2024-01-01", periods=20, freq="h"),
        copy=False,
    )  # a frame over a row-major array (pandas copies by default)
    windows = make_windows(
        frame, WindowSpec(3, 2), target="y", covariates=["x"], split=ALL_TRAIN, calendar=()
    )
    assert np.shares_memory(windows.values, block)
    copied = make_windows(
        frame, WindowSpec(3, 2), target="y", split=ALL_TRAIN, calendar=()
    )  # x unused: a copy
    assert not np.shares_memory(copied.values, block)
    assert copied.values.ctypes.data % 64 == 0  # aligned, so TensorFlow can share it in turn
    inputs, labels = windows.arrays()
    np.testing.assert_array_equal(inputs[0], block[0:3])
    np.testing.assert_array_equal(labels[0, :, 0], block[3:5, 0])


def test_one_origin_rule_for_training_windows_and_the_forecast_window():
    # rows 0..6 at hours 0, 1, 2, 4, 5, 6, 7: a gap after row 2, whose value is NaN (kept NaN)
    frame = hourly([0, 1, 2, 4, 5, 6, 7], values=[0.0, 1.0, np.nan, 3.0, 4.0, 5.0, 6.0])
    drop = MissingPolicy(inputs="drop")
    validated = validate_frame(frame, "y")
    features = build_features(frame, validated.layout, ("y",), (), (), drop)
    spec = WindowSpec(2, 1)

    def rules(origins, labels):
        return {name: ok.tolist() for name, ok in window_rules(origins, spec, features, labels)}

    assert rules(np.arange(2, 7), labels=True) == {
        "gap": [True, False, False, True, True],
        "nan_label": [False, True, True, True, True],
        "nan_input": [True, False, False, True, True],
    }
    assert rules(np.arange(2, 8), labels=False) == {
        "gap": [True, True, False, True, True, True],
        "nan_input": [True, False, False, True, True, True],
    }
    windows = make_windows(validated, spec, split=ALL_TRAIN, missing=drop)
    assert windows.origins["train"].tolist() == [5, 6]
    assert windows.dropped == {"gap": 2, "nan_label": 1, "nan_input": 0, "straddles_split": 0}
    latest = latest_windows(frame.iloc[:5], spec, "y", missing=drop)
    assert latest.inputs[0, :, 0].tolist() == [3.0, 4.0]
    with pytest.raises(DataValidationError, match="must be gap-free") as info:
        latest_windows(frame.iloc[:4], spec, "y", missing=drop)
    assert info.value.timestamp == pd.Timestamp("2024-01-01 04:00")
    with pytest.raises(DataValidationError, match="input is NaN") as info:
        latest_windows(frame.iloc[:3], spec, "y", missing=drop)
    assert info.value.timestamp == pd.Timestamp("2024-01-01 02:00")


def test_without_a_test_fraction_no_row_is_a_test_row():
    """119 rows, validation 0.2: 95 train rows (floor of 95.2) and the 24 others validate; the
    row rounding leaves over used to become a test split of one row, and the latest window
    was lost to both fit and validation."""
    windows = make_windows(hourly(range(119)), WindowSpec(4, 2), target="y", split=Split(0.2, 0.0))
    assert (windows.row_split == 1).sum() == 24 and (windows.row_split == 2).sum() == 0
    assert origin_hours(windows, "validation")[-1] == 117  # the last window, labels 117, 118
    assert origin_hours(windows, "test") == []
