"""Validation at the edge: layouts, frequencies, columns and missing values, with clear errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import hourly, panel

from forecast import DataValidationError, describe_layout
from forecast.data.columns import check_columns
from forecast.data.missing import forward_fill


def test_single_series_layout_with_a_gap():
    layout = describe_layout(hourly([0, 1, 2, 5, 6]))
    assert layout.freq == pd.offsets.Hour()
    assert layout.positions.tolist() == [0, 1, 2, 5, 6]
    assert layout.block_ids().tolist() == [0, 0, 0, 1, 1]
    assert layout.series_ids == (None,) and not layout.is_panel


def test_panel_layout():
    frame = panel({"a": hourly(range(3)), "b": hourly([1, 2, 4, 5])})
    layout = describe_layout(frame)
    assert layout.is_panel and layout.series_ids == ("a", "b")
    assert layout.starts.tolist() == [0, 3, 7]
    assert layout.positions.tolist() == [0, 1, 2, 0, 1, 3, 4]
    assert layout.block_ids().tolist() == [0, 0, 0, 1, 1, 2, 2]
    assert layout.where(5) == {"series": "b", "timestamp": pd.Timestamp("2024-01-01 04:00")}


@pytest.mark.parametrize(
    ("freq", "expected"),
    [
        ("10min", pd.offsets.Minute(10)),
        ("D", pd.offsets.Day()),
        ("MS", pd.offsets.MonthBegin()),
        ("W-SUN", pd.offsets.Week(weekday=6)),
        ("QS", pd.offsets.QuarterBegin(startingMonth=1)),
    ],
)
def test_frequency_is_inferred(freq, expected):
    frame = pd.DataFrame(
        {"y": np.arange(12.0)}, index=pd.date_range("2020-01-05", periods=12, freq=freq)
    )
    layout = describe_layout(frame)
    # the same offset, up to pandas' name for it (quarters starting in January or October)
    assert type(layout.freq) is type(expected) and layout.freq.n == expected.n
    assert pd.date_range(frame.index[0], periods=12, freq=layout.freq).equals(frame.index)
    assert pd.date_range(frame.index[0], periods=12, freq=expected).equals(frame.index)
    assert layout.positions.tolist() == list(range(12))


def test_monthly_series_with_a_gap():
    index = pd.date_range("2020-01-01", periods=8, freq="MS").delete(3)
    layout = describe_layout(pd.DataFrame({"y": np.arange(7.0)}, index=index))
    assert layout.freq == pd.offsets.MonthBegin()
    assert layout.positions.tolist() == [0, 1, 2, 4, 5, 6, 7]


def test_explicit_frequency_overrides_inference():
    layout = describe_layout(hourly([0, 2, 4]), freq="h")
    assert layout.positions.tolist() == [0, 2, 4]
    with pytest.raises(DataValidationError, match="unknown frequency"):
        describe_layout(hourly([0, 1]), freq="fortnightly")


def test_irregular_timestamps_say_how_to_regularise():
    index = pd.DatetimeIndex(
        ["2024-01-01 08:00", "2024-01-01 08:30", "2024-01-01 09:00", "2024-01-01 09:26"]
    )
    frame = pd.DataFrame({"y": [1.0, 2, 3, 4]}, index=index)
    with pytest.raises(
        DataValidationError, match=r"not on a regular grid.*forecast.regularize"
    ) as info:
        describe_layout(frame)
    assert info.value.timestamp == pd.Timestamp("2024-01-01 09:26")


def test_unsorted_and_duplicate_timestamps_are_named():
    frame = hourly([0, 2, 1, 3])
    with pytest.raises(DataValidationError, match="not sorted.*sort_index") as info:
        describe_layout(frame)
    assert info.value.timestamp == pd.Timestamp("2024-01-01 01:00")
    duplicated = panel({"a": hourly(range(3)), "b": hourly([0, 1, 1, 2])})
    with pytest.raises(DataValidationError, match="duplicate timestamp") as info:
        describe_layout(duplicated)
    assert (info.value.series, info.value.timestamp) == ("b", pd.Timestamp("2024-01-01 01:00"))
    assert "series 'b'" in str(info.value)


def test_interleaved_series_are_rejected():
    frame = panel({"a": hourly(range(2)), "b": hourly(range(2))})
    interleaved = frame.iloc[[0, 2, 1, 3]]
    with pytest.raises(DataValidationError, match="not together.*sort_index") as info:
        describe_layout(interleaved)
    assert info.value.series == "a"


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (pd.DataFrame({"y": [1.0, 2.0]}), "expected a DatetimeIndex.*set_index"),
        (pd.Series([1.0], index=pd.date_range("2024", periods=1)), "expected a pandas DataFrame"),
        (pd.DataFrame({"y": []}, index=pd.DatetimeIndex([])), "no rows"),
        (pd.DataFrame({"y": [1.0, 2.0]}, index=pd.DatetimeIndex(["2024-01-01", None])), "NaT"),
    ],
)
def test_bad_indexes(frame, message):
    with pytest.raises(DataValidationError, match=message):
        describe_layout(frame)


def test_unknown_column_suggests_the_closest_name():
    frame = hourly(range(3), temp=np.ones(3))
    with pytest.raises(DataValidationError, match="did you mean 'temp'") as info:
        check_columns(frame, "y", ["tmp"])
    assert info.value.column == "tmp"


def test_text_target_names_the_column_and_timestamp():
    frame = hourly(range(3))
    frame["sales"] = ["1", "2", "n/a"]
    layout = describe_layout(frame)
    with pytest.raises(DataValidationError, match="holds text such as 'n/a'") as info:
        check_columns(frame, "sales", layout=layout)
    assert (info.value.column, info.value.timestamp) == ("sales", pd.Timestamp("2024-01-01 02:00"))


def test_numbers_stored_as_text_are_an_error_not_categories():
    frame = hourly(range(3))
    frame["load"] = [" 60", "50", "70"]
    with pytest.raises(DataValidationError, match="numbers stored as text.*pd.to_numeric"):
        check_columns(frame, "y", ["load"])
    with pytest.raises(DataValidationError, match="numbers stored as text"):
        check_columns(frame, "load")


def test_categorical_target_is_rejected():
    frame = hourly(range(3), wind=pd.Categorical(["N", "S", "N"]))
    with pytest.raises(DataValidationError, match="categorical columns can only be covariates"):
        check_columns(frame, "wind")
    assert check_columns(frame, "y", "wind") == (("y",), ("wind",))


def test_inf_is_named_with_series_and_timestamp():
    bad = hourly(range(4), values=[1.0, 2.0, np.inf, 4.0])
    frame = panel({"ok": hourly(range(4)), "bad": bad})
    with pytest.raises(DataValidationError, match="value is inf") as info:
        check_columns(frame, "y", layout=describe_layout(frame))
    assert (info.value.column, info.value.series, info.value.timestamp) == (
        "y",
        "bad",
        pd.Timestamp("2024-01-01 02:00"),
    )


def test_column_named_twice_or_in_two_roles():
    frame = hourly(range(3), x=np.ones(3))
    with pytest.raises(DataValidationError, match="both as target and as covariate"):
        check_columns(frame, "y", ["y"])
    with pytest.raises(DataValidationError, match="named twice"):
        check_columns(frame, ["y", "y"])


def test_forward_fill_respects_limit_and_blocks():
    values = np.array([[1.0], [np.nan], [np.nan], [4.0], [np.nan], [np.nan]])
    blocks = np.array([0, 0, 0, 0, 1, 1])
    out = forward_fill(values, blocks, limit=1)
    np.testing.assert_array_equal(out[:, 0], [1.0, 1.0, np.nan, 4.0, np.nan, np.nan])
    assert np.isnan(values[1, 0])  # the input is not modified


def test_errors_are_value_errors_and_pickle():
    import pickle

    error = DataValidationError("bad", column="y", series="a", timestamp=pd.Timestamp("2024-01-01"))
    assert isinstance(error, ValueError)
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.column, copy.series, str(copy)) == ("y", "a", str(error))


# --------------------------------------------------------------------------- values and dtypes


@pytest.mark.parametrize("role", ["target", "covariate"])
def test_values_beyond_float32_are_named_at_validation(role):
    """1e39 is finite in float64 but inf in the network's float32 inputs (NaN forecasts)."""
    big = hourly(range(4), values=[1.0, 2.0, 3.0, 4.0], x=[1.0, -1e39, 2.0, 3.0])
    frame = panel({"ok": hourly(range(4), x=np.ones(4)), "big": big})
    target, covariates = ("x", None) if role == "target" else ("y", ["x"])
    with pytest.raises(DataValidationError, match=r"value -1e\+39 does not fit float32") as info:
        check_columns(frame, target, covariates, layout=describe_layout(frame))
    assert (info.value.column, info.value.series, info.value.timestamp) == (
        "x",
        "big",
        pd.Timestamp("2024-01-01 01:00"),
    )
    assert "3.4e+38" in str(info.value)
    edge = hourly(range(3), values=[-3.4e38, 0.0, 3.4e38])  # the largest float32 values fit
    assert check_columns(edge, "y") == (("y",), ())


def test_an_all_nan_target_says_it_has_no_values():
    empty = hourly(range(4), values=[np.nan] * 4)
    with pytest.raises(DataValidationError, match="target column has no values") as info:
        check_columns(empty, "y", layout=describe_layout(empty))
    assert (info.value.column, info.value.series) == ("y", None)
    frame = panel({"ok": hourly(range(4)), "empty": empty, "late": hourly(range(4))})
    with pytest.raises(
        DataValidationError, match=r"target column has no values \(every value is NaN\)"
    ) as info:
        check_columns(frame, "y", layout=describe_layout(frame))
    assert (info.value.column, info.value.series) == ("y", "empty")
    assert info.value.timestamp is None
    covariate_only = hourly(range(4), x=[np.nan] * 4)  # a covariate may be all NaN
    assert check_columns(covariate_only, "y", ["x"]) == (("y",), ("x",))


def test_a_warning_says_when_float32_rounding_blurs_a_target():
    """Values near 1e8 that vary by less than ~10 lose their shape in float32 (its step there
    is 8): one warning per call, naming the column and the series."""
    hours = range(48)
    wobble = 1e8 + np.arange(48) % 4  # 1e8, 1e8 + 1, ...: float32 reads 1e8 or 1e8 + 8
    assert set(wobble.astype(np.float32) - np.float32(1e8)) <= {0.0, 8.0}
    frame = panel(
        {
            "fine": hourly(hours, values=np.arange(48.0)),
            "blurred": hourly(hours, values=wobble),
            "also": hourly(hours, values=wobble + 2),
        }
    )
    with pytest.warns(RuntimeWarning, match="float32") as record:
        check_columns(frame, "y", layout=describe_layout(frame))
    assert len(record) == 1
    message = str(record[0].message)
    assert "target column 'y'" in message and "'blurred'" in message and "2 series" in message
    assert "1e+08" in message and "step of 8" in message
    coarse = hourly(hours, values=1e8 + 64 * (np.arange(48) % 2) + np.arange(48) % 4)
    with pytest.warns(RuntimeWarning, match="target column 'y': its values near 1e"):
        check_columns(coarse, "y", layout=describe_layout(coarse))  # 67: under 10 steps
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        steep = hourly(hours, values=1e8 + 2 * np.arange(48))  # 94: float32's 8 reads it
        check_columns(steep, "y", layout=describe_layout(steep))
        flat = hourly(hours, values=np.full(48, 1e8))  # nothing to blur
        check_columns(flat, "y", layout=describe_layout(flat))
        small = hourly(hours, values=1e-3 * (np.arange(48) % 4))  # small values are fine
        check_columns(small, "y", layout=describe_layout(small))
