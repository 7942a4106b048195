"""The bundled datasets load offline, cleaned as their README says."""

from __future__ import annotations

from importlib import resources

import numpy as np
import pandas as pd
import pytest

import forecast
from forecast import describe_layout


def test_list_and_unknown_name():
    assert forecast.list_datasets() == (
        "appliances_energy",
        "beijing_pm25",
        "electricity_hourly",
        "parking_birmingham",
    )
    with pytest.raises(ValueError, match="unknown dataset 'electricity'.*electricity_hourly"):
        forecast.load_dataset("electricity")


def test_electricity_hourly():
    frame = forecast.load_dataset("electricity_hourly")
    layout = describe_layout(frame)
    assert list(frame.columns) == ["y"] and len(frame) == 26304
    assert layout.freq == pd.offsets.Hour() and layout.positions[-1] == 26303  # no gaps
    assert frame.index[0] == pd.Timestamp("2012-01-01") and frame.index[-1] == pd.Timestamp(
        "2014-12-31 23:00"
    )
    assert frame["y"].iloc[0] == pytest.approx(1300.576323987539)
    assert frame["y"].notna().all()


def test_beijing_pm25():
    frame = forecast.load_dataset("beijing_pm25")
    assert list(frame.columns) == ["pm2.5", "DEWP", "TEMP", "PRES", "cbwd", "Iws", "Is", "Ir"]
    assert len(frame) == 43824 and describe_layout(frame).freq == pd.offsets.Hour()
    assert frame.index[0] == pd.Timestamp("2010-01-01 00:00")
    assert int(frame["pm2.5"].isna().sum()) == 2067
    assert isinstance(frame["cbwd"].dtype, pd.CategoricalDtype)
    assert set(frame["cbwd"].cat.categories) == {"NE", "NW", "SE", "cv"}
    assert frame.loc["2010-01-02 00:00", "pm2.5"] == 129.0


def test_appliances_energy_numbers_are_parsed():
    frame = forecast.load_dataset("appliances_energy")
    assert len(frame) == 19735 and frame.shape[1] == 28
    assert describe_layout(frame).freq == pd.offsets.Minute(10)
    assert all(dtype == np.float64 for dtype in frame.dtypes)
    first = frame.iloc[0]
    assert first["Appliances"] == 60.0 and first["T_out"] == pytest.approx(6.6)
    assert {"rv1", "rv2"} <= set(frame.columns)


def test_parking_birmingham_is_a_regular_panel_with_gaps():
    frame = forecast.load_dataset("parking_birmingham")
    layout = describe_layout(frame)
    assert layout.is_panel and layout.n_series == 30
    assert layout.freq == pd.Timedelta("30min")
    stamps = frame.index.get_level_values("timestamp")
    assert (stamps.second == 0).all() and set(stamps.minute) == {0, 30}
    assert not frame.index.duplicated().any()
    steps = np.diff(layout.positions)[np.diff(layout.series_index()) == 0]
    assert (steps > 1).sum() > 1000  # nights and missing days stay gaps
    assert not frame.isna().any().any()  # nothing invented
    first = frame.loc[("BHMBCCMKT01", pd.Timestamp("2016-10-04 08:00"))]
    assert first["occupancy"] == 61.0 and first["occupancy_rate"] == pytest.approx(61 / 577)


def test_attribution_ships_with_the_data():
    text = resources.files("forecast.datasets").joinpath("README.md").read_text()
    assert "CC BY 4.0" in text and "UCI" in text
    for name in forecast.list_datasets():
        assert f"{name}.csv.gz" in text
    assert "CC BY 4.0" in forecast.load_dataset.__doc__
