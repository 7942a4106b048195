"""Readers, long <-> panel conversion and regularisation."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from forecast import (
    DataValidationError,
    describe_layout,
    from_long,
    read_csv,
    read_frame,
    regularize,
    to_long,
)


def long_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "unique_id": ["b", "a", "a", "b"],
            "ds": ["2024-01-01 01:00", "2024-01-01 01:00", "2024-01-01 00:00", "2024-01-01 00:00"],
            "y": [4.0, 2.0, 1.0, 3.0],
        }
    )


def test_from_long_sorts_into_a_panel_and_to_long_goes_back():
    frame = from_long(long_frame())
    assert frame.index.names == ["series_id", "timestamp"]
    assert frame["y"].tolist() == [1.0, 2.0, 3.0, 4.0]
    assert describe_layout(frame).series_ids == ("a", "b")
    back = to_long(frame)
    assert list(back.columns) == ["unique_id", "ds", "y"]
    assert back["unique_id"].tolist() == ["a", "a", "b", "b"]


def test_from_long_duplicate_names_series_and_timestamp():
    frame = pd.concat([long_frame(), long_frame().iloc[[0]]])
    with pytest.raises(DataValidationError, match="duplicate timestamp") as info:
        from_long(frame)
    assert (info.value.series, info.value.timestamp) == ("b", pd.Timestamp("2024-01-01 01:00"))


def test_from_long_bad_timestamp_and_missing_column():
    frame = long_frame()
    frame.loc[2, "ds"] = "yesterday"
    with pytest.raises(DataValidationError, match="cannot parse 'yesterday' in row 2") as info:
        from_long(frame)
    assert info.value.column == "ds"
    with pytest.raises(DataValidationError, match="column not found"):
        from_long(long_frame(), id_col="series")


def test_read_csv_single_series_and_date_parts():
    text = "year,month,day,hour,pm\n2010,1,1,1,5\n2010,1,1,0,NA\n"
    frame = read_csv(io.StringIO(text), time_col=["year", "month", "day", "hour"])
    assert frame.index.tolist() == [
        pd.Timestamp("2010-01-01 00:00"),
        pd.Timestamp("2010-01-01 01:00"),
    ]
    assert np.isnan(frame["pm"].iloc[0]) and list(frame.columns) == ["pm"]


def test_read_frame_csv_and_parquet_round_trip(tmp_path):
    frame = long_frame()
    frame.to_csv(tmp_path / "data.csv.gz", index=False)
    frame.to_parquet(tmp_path / "data.parquet", index=False)
    from_csv = read_frame(tmp_path / "data.csv.gz", time_col="ds", id_col="unique_id")
    from_parquet = read_frame(tmp_path / "data.parquet", time_col="ds", id_col="unique_id")
    pd.testing.assert_frame_equal(from_csv, from_parquet, check_index_type=False)
    assert from_csv["y"].tolist() == [1.0, 2.0, 3.0, 4.0]
    with pytest.raises(ValueError, match="cannot tell the format"):
        read_frame(tmp_path / "data.xlsx", time_col="ds")


def test_regularize_panel_keeps_gaps_and_averages_duplicates():
    index = pd.MultiIndex.from_arrays(
        [
            ["p", "p", "p", "p", "q"],
            pd.DatetimeIndex(
                [
                    "2024-01-01 07:59:42",
                    "2024-01-01 08:00:30",
                    "2024-01-01 08:29:10",
                    "2024-01-01 10:01:00",
                    "2024-01-01 08:14:00",
                ]
            ),
        ],
        names=["series_id", "timestamp"],
    )
    frame = pd.DataFrame(
        {"occ": [10.0, 20.0, 30.0, 40.0, 5.0], "tag": ["a", "b", "c", "d", "e"]}, index=index
    )
    out = regularize(frame, "30min")
    assert out.index.get_level_values("timestamp").strftime("%H:%M").tolist() == [
        "08:00",
        "08:30",
        "10:00",
        "08:00",
    ]
    assert out["occ"].tolist() == [15.0, 30.0, 40.0, 5.0]  # 09:00 and 09:30 stay gaps
    assert out["tag"].tolist() == ["b", "c", "d", "e"]
    layout = describe_layout(out)
    assert layout.positions.tolist() == [0, 1, 4, 0]


def test_read_csv_defaults_to_the_ds_column_like_the_command_line(tmp_path):
    """Issue 18: ``read_csv(path)`` without ``time_col`` was a TypeError; it reads ``ds``, as
    ``forecast windows`` and ``forecast batch`` do, and says so when there is no such column."""
    (tmp_path / "one.csv").write_text("ds,y\n2024-01-01 01:00,2\n2024-01-01 00:00,1\n")
    frame = read_csv(tmp_path / "one.csv")
    assert frame.index.tolist() == [
        pd.Timestamp("2024-01-01 00:00"),
        pd.Timestamp("2024-01-01 01:00"),
    ]
    assert frame["y"].tolist() == [1, 2]
    pd.testing.assert_frame_equal(read_frame(tmp_path / "one.csv"), frame)

    (tmp_path / "other.csv").write_text("when,y\n2024-01-01,1\n")
    with pytest.raises(DataValidationError) as info:
        read_csv(tmp_path / "other.csv")
    message = str(info.value)
    assert info.value.column == "ds"
    assert "time column not found (time_col='ds', the default)" in message
    assert "['when', 'y']" in message and "time_col=" in message
    with pytest.raises(DataValidationError, match=r"series id column not found \(id_col='id'\)"):
        read_csv(tmp_path / "one.csv", id_col="id")
