"""Series with daily gaps (a car park open 08:00-16:30): forecasting the closed hours (the
grid, said in a warning) or the next opening (``future_grid="observed"``), from the estimator,
the loaded export and ``forecast batch``."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import forecast
from forecast.app.cli import main
from forecast.serving.batch_files import forecast_file

NIGHTS = forecast.MissingPolicy(inputs="ffill", limit=31)  # 17:00 .. 07:30: 30 half hours


def car_park(days: int = 21, level: float = 50.0) -> pd.DataFrame:
    """Half-hourly occupancy on the full grid, values from 08:00 to 16:30, nights missing."""
    grid = pd.date_range("2024-01-01 08:00", periods=(days - 1) * 48 + 18, freq="30min")
    hours = (grid.hour + grid.minute / 60).to_numpy()
    y = level + 30 * np.sin(np.pi * (hours - 8) / 9) + grid.day.to_numpy() % 3
    y[(hours < 8) | (hours > 16.5)] = np.nan
    return pd.DataFrame({"y": y}, index=grid.rename("timestamp"))


@pytest.fixture(scope="module")
def fitted():
    frame = car_park()
    return forecast.LinearForecaster(input_width=48, horizon=4, missing=NIGHTS).fit(frame)


def test_the_grid_forecasts_closed_hours_and_says_so(fitted):
    frame = car_park()
    with pytest.warns(UserWarning, match=r"4 of 4 forecast steps \(the first at 2024-01-21 17:00"):
        grid = fitted.predict(frame)
    assert grid.index.strftime("%H:%M").tolist() == ["17:00", "17:30", "18:00", "18:30"]
    assert grid.attrs["unobserved_steps"] == 4
    assert fitted.observed_times_.describe() == "08:00 to 16:30"


def test_the_observed_grid_forecasts_the_next_opening(fitted):
    frame = car_park()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # every step is in opening hours: no warning
        observed = fitted.predict(frame, future_grid="observed")
    assert observed.index.strftime("%m-%d %H:%M").tolist() == [
        "01-22 08:00",
        "01-22 08:30",
        "01-22 09:00",
        "01-22 09:30",
    ]
    assert observed.attrs["unobserved_steps"] == 0
    # the same forecast as from the frame continued by hand with the night as missing values
    night = pd.date_range("2024-01-21 17:00", "2024-01-22 07:30", freq="30min", name="timestamp")
    by_hand = pd.concat([frame, pd.DataFrame({"y": np.nan}, index=night)])
    np.testing.assert_allclose(observed["y"], fitted.predict(by_hand)["y"], rtol=1e-6)
    assert not np.allclose(observed["y"], fitted.predict(frame)["y"])  # not the evening's


def test_a_series_that_ends_in_opening_hours_continues_as_on_the_grid(fitted):
    frame = car_park().loc[:"2024-01-21 12:00"]
    observed = fitted.predict(frame, future_grid="observed")
    assert observed.index.strftime("%H:%M").tolist() == ["12:30", "13:00", "13:30", "14:00"]
    pd.testing.assert_frame_equal(observed, fitted.predict(frame), check_freq=False)


def test_a_night_the_policy_cannot_fill_is_refused_naming_the_origin():
    frame = car_park()
    strict = forecast.Naive(input_width=8, horizon=4).fit(frame)  # "fill": the window only
    with pytest.raises(forecast.DataValidationError, match="origin 2024-01-22 08:00:00"):
        strict.predict(frame, future_grid="observed")
    with pytest.raises(ValueError, match="future_grid must be 'grid' or 'observed'"):
        strict.predict(frame, future_grid="open")


def test_the_export_keeps_the_observed_times_and_forecasts_the_same(fitted, tmp_path):
    frame = car_park()
    loaded = forecast.load(fitted.export(tmp_path / "model"))
    assert loaded.input_schema.observed_times == fitted.observed_times_
    assert loaded.metadata["observed_times"]["slots"] == list(range(16, 34))
    expected = fitted.predict(frame, future_grid="observed")
    got = loaded.predict(frame, future_grid="observed")
    np.testing.assert_allclose(got["y"], expected["y"], rtol=1e-5)
    assert got.index.equals(expected.index)


def test_forecast_batch_future_grid_observed(fitted, tmp_path, capsys):
    path = fitted.export(tmp_path / "model")
    panel = pd.concat(
        {"north": car_park(), "south": car_park(level=20).loc[:"2024-01-21 12:00"]},
        names=["car_park", "timestamp"],
    )
    forecast.to_long(panel, id_col="car_park", time_col="when").to_csv(
        tmp_path / "in.csv", index=False
    )
    command = ["batch", "--model", str(path), "--input", str(tmp_path / "in.csv")]
    command += ["--id-col", "car_park", "--time-col", "when", "--no-progress"]
    assert main([*command, "--output", str(tmp_path / "grid.csv")]) == 0
    said = capsys.readouterr().out
    assert "4 forecast steps fall at times of day (or week) the training data had no" in said
    assert "--future-grid observed" in said
    grid = pd.read_csv(tmp_path / "grid.csv", parse_dates=["when"])
    assert grid.loc[grid.car_park == "north", "when"].dt.strftime("%H:%M").tolist()[0] == "17:00"

    out = tmp_path / "observed.csv"
    assert main([*command, "--output", str(out), "--future-grid", "observed"]) == 0
    assert "forecast steps fall" not in capsys.readouterr().out
    observed = pd.read_csv(out, parse_dates=["when"]).set_index(["car_park", "when"])
    assert observed.loc["north"].index.strftime("%m-%d %H:%M").tolist() == [
        "01-22 08:00",
        "01-22 08:30",
        "01-22 09:00",
        "01-22 09:30",
    ]
    assert observed.loc["south"].index.strftime("%H:%M").tolist() == [
        "12:30",
        "13:00",
        "13:30",
        "14:00",
    ]
    expected = fitted.predict(panel.rename_axis(["series_id", "timestamp"]), future_grid="observed")
    np.testing.assert_allclose(observed["forecast"], expected["y"], rtol=1e-5)
    summary = forecast_file(
        path,
        tmp_path / "in.csv",
        tmp_path / "again.parquet",
        id_col="car_park",
        time_col="when",
        progress=False,
    )
    assert summary.unobserved_steps == 4
