"""Long frames: telling one from the data model, the round trip, and the errors naming the cell."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import hourly, panel

from forecast import DataValidationError, from_long, to_long
from forecast.data.long_format import LongFormat, long_format, read_long, write_long
from forecast.data.validated import validate_frame


def long_panel() -> pd.DataFrame:
    stamps = pd.date_range("2024-01-01", periods=3, freq="h")
    return pd.DataFrame(
        {
            "unique_id": ["a", "a", "a", "b", "b", "b"],
            "ds": list(stamps) * 2,
            "y": [1.0, 2.0, 3.0, 10.0, 20.0, 30.0],
        }
    )


def test_defaults_are_found_only_in_a_frame_not_indexed_by_time():
    assert long_format(long_panel()) == LongFormat("unique_id", "ds")
    assert long_format(long_panel().drop(columns="unique_id")) == LongFormat(None, "ds")
    renamed = long_panel().rename(columns={"unique_id": "store", "ds": "day"})
    assert long_format(renamed) is None  # no sign of a long frame: describe_layout explains
    assert long_format(renamed, id_col="store", time_col="day") == LongFormat("store", "day")
    indexed = from_long(long_panel())
    assert long_format(indexed) is None
    assert long_format(hourly(range(3)).assign(ds=0)) is None  # a DatetimeIndex wins
    assert long_format(validate_frame(indexed, "y")) is None


def test_columns_named_for_a_frame_indexed_by_time_is_an_error():
    with pytest.raises(ValueError, match=r"indexed by MultiIndex \['series_id', 'timestamp'\]"):
        long_format(from_long(long_panel()), time_col="ds")
    with pytest.raises(ValueError, match="time_col must name one column"):
        long_format(long_panel(), time_col=["year", "month"])


def test_round_trip_of_a_panel_and_of_a_single_series():
    long = long_panel()
    indexed, layout = read_long(long)
    pd.testing.assert_frame_equal(indexed, from_long(long))
    assert indexed.loc["b", "y"].tolist() == [10.0, 20.0, 30.0]
    pd.testing.assert_frame_equal(write_long(indexed, layout), long)
    pd.testing.assert_frame_equal(to_long(from_long(long)), long)

    one = hourly(range(3), values=[5.0, 6.0, 7.0])
    long_one = to_long(one)
    assert long_one.columns.tolist() == ["unique_id", "ds", "y"]
    assert long_one["unique_id"].tolist() == ["series"] * 3
    assert long_one["y"].tolist() == [5.0, 6.0, 7.0]
    back = from_long(long_one)  # a panel of the one series "series"
    pd.testing.assert_frame_equal(back.loc["series"], one, check_names=False)
    assert to_long(one, series_id="meter-1")["unique_id"].unique().tolist() == ["meter-1"]
    no_id = to_long(one, id_col=None)
    assert no_id.columns.tolist() == ["ds", "y"]
    pd.testing.assert_frame_equal(from_long(no_id, id_col=None), one, check_names=False)
    # a long single series without an id column comes back without one
    assert write_long(one, LongFormat(None, "ds")).columns.tolist() == ["ds", "y"]


def test_to_long_refuses_what_it_cannot_name():
    two = panel({"a": hourly(range(2)), "b": hourly(range(2))})
    with pytest.raises(ValueError, match="a panel needs an id column"):
        to_long(two, id_col=None)
    with pytest.raises(ValueError, match="already has a column 'ds'"):
        to_long(hourly(range(2), ds=[1, 2]))


def test_duplicate_row_names_column_series_and_both_rows():
    long = pd.concat([long_panel(), long_panel().iloc[[4]]], ignore_index=True)
    with pytest.raises(
        DataValidationError, match=r"rows 4 and 6 \(frame.iloc\[\[4, 6\]\]\)"
    ) as info:
        read_long(long)
    error = info.value
    assert (error.column, error.series, error.timestamp) == (
        "ds",
        "b",
        pd.Timestamp("2024-01-01 01:00"),
    )
    single = long_panel().drop(columns="unique_id").iloc[[0, 1, 0]]
    with pytest.raises(DataValidationError, match="rows 0 and 2") as info:
        read_long(single)
    assert (info.value.column, info.value.series) == ("ds", None)


def test_unparsable_time_names_column_series_and_row():
    long = long_panel()
    long["ds"] = long["ds"].astype(str)
    long.loc[4, "ds"] = "not a time"
    with pytest.raises(DataValidationError, match=r"cannot parse 'not a time' in row 4") as info:
        read_long(long)
    assert (info.value.column, info.value.series) == ("ds", "b")


def test_missing_columns_and_ids_are_named():
    with pytest.raises(DataValidationError, match="time column not found") as info:
        read_long(long_panel().drop(columns="ds"))  # unique_id present: a long frame lacking ds
    assert info.value.column == "ds"
    with pytest.raises(DataValidationError, match="series id column not found") as info:
        read_long(long_panel(), id_col="store")
    assert info.value.column == "store"
    with pytest.raises(DataValidationError, match="time column not found") as info:
        read_long(long_panel(), time_col="day")
    assert info.value.column == "day"
    long = long_panel()
    long.loc[2, "unique_id"] = np.nan
    with pytest.raises(DataValidationError, match=r"series id is missing in row 2") as info:
        read_long(long)
    assert info.value.column == "unique_id"
