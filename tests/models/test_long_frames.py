"""fit / predict on long frames: the same forecasts as the data model's path, named like the input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import forecast
from forecast import DataValidationError


def indexed_panel(n: int = 120) -> pd.DataFrame:
    """Two hourly series with a daily cycle and noise (their forecasts differ), in values
    float32 holds exactly (the dtype the models read)."""
    rng = np.random.default_rng(3)
    stamps = pd.date_range("2024-01-01", periods=n, freq="h")
    parts = {
        sid: pd.DataFrame(
            {"load": level + 5 * np.sin(np.arange(n) * 2 * np.pi / 24) + rng.normal(size=n)},
            dtype=np.float32,
            index=stamps,
        )
        for sid, level in (("north", 50.0), ("south", 80.0))
    }
    return pd.concat(parts, names=["series_id", "timestamp"]).astype(np.float64)


def long_of(frame: pd.DataFrame) -> pd.DataFrame:
    """The panel as a long frame, rows shuffled (fit sorts them)."""
    return forecast.to_long(frame).sample(frac=1.0, random_state=0).reset_index(drop=True)


MODELS = {
    "naive": lambda: forecast.Naive(input_width=24, horizon=6, target="load"),
    "linear": lambda: forecast.LinearForecaster(input_width=24, horizon=6, target="load"),
}


@pytest.mark.parametrize("kind", sorted(MODELS))
def test_a_long_panel_gives_the_long_forecast_of_the_indexed_path(kind):
    frame = indexed_panel()
    long = long_of(frame)
    expected = MODELS[kind]().fit(frame).predict(frame)
    forecasts = MODELS[kind]().fit(long).predict(long)
    assert forecasts.columns.tolist() == ["unique_id", "ds", "load"]
    assert isinstance(forecasts.index, pd.RangeIndex)
    pd.testing.assert_frame_equal(forecasts, forecast.to_long(expected))
    assert forecasts["unique_id"].tolist() == ["north"] * 6 + ["south"] * 6
    assert forecasts["ds"].iloc[0] == pd.Timestamp("2024-01-06 00:00")
    if kind == "naive":  # the last observed value of each series, repeated
        last = frame.groupby(level=0)["load"].last()
        assert forecasts.groupby("unique_id")["load"].unique().map(list).to_dict() == {
            sid: [value] for sid, value in last.items()
        }
    assert forecasts.attrs["filled_inputs"] == 0


def test_the_columns_of_a_long_frame_may_be_named_and_keep_their_names():
    frame = indexed_panel()
    long = forecast.to_long(frame, id_col="store", time_col="hour")
    model = forecast.LinearForecaster(input_width=24, horizon=6, target="load")
    model.fit(long, id_col="store", time_col="hour")
    forecasts = model.predict(long, id_col="store", time_col="hour")
    assert forecasts.columns.tolist() == ["store", "hour", "load"]
    expected = forecast.LinearForecaster(input_width=24, horizon=6, target="load").fit(frame)
    np.testing.assert_allclose(forecasts["load"], expected.predict(frame)["load"].to_numpy())
    # the layout is per call: the model fitted on a long frame forecasts the indexed panel
    pd.testing.assert_frame_equal(model.predict(frame), expected.predict(frame))


def test_a_long_single_series_without_an_id_comes_back_without_one():
    frame = indexed_panel().loc["north"]
    long = forecast.to_long(frame, id_col=None)  # ds, load
    forecasts = forecast.Naive(input_width=24, horizon=3, target="load").fit(long).predict(long)
    assert forecasts.columns.tolist() == ["ds", "load"]
    assert forecasts["load"].tolist() == [frame["load"].iloc[-1]] * 3
    with_id = forecast.to_long(frame)  # unique_id "series", what forecast batch reads
    model = forecast.Naive(input_width=24, horizon=3, target="load").fit(with_id)
    assert model.predict(with_id)["unique_id"].tolist() == ["series"] * 3


def test_long_quantiles_and_intervals_equal_the_indexed_ones():
    frame = indexed_panel()
    long = long_of(frame)

    def conformal():
        return forecast.ConformalForecaster(
            forecast.Naive(input_width=24, horizon=6, target="load"), coverage=0.8
        )

    expected = conformal().fit(frame)
    model = conformal().fit(long)
    quantiles = model.predict_quantiles(long)
    assert quantiles.columns.tolist() == ["unique_id", "ds", "load_q0.1", "load_q0.5", "load_q0.9"]
    reference = expected.predict_quantiles(frame)
    for level in (0.1, 0.5, 0.9):
        np.testing.assert_array_equal(quantiles[f"load_q{level}"], reference[("load", level)])
    intervals = model.predict_interval(long, coverage=0.8)
    assert intervals.columns.tolist() == ["unique_id", "ds", "load_lower_80", "load_upper_80"]
    np.testing.assert_array_equal(intervals["load_lower_80"], reference[("load", 0.1)])
    np.testing.assert_array_equal(intervals["load_upper_80"], reference[("load", 0.9)])
    assert (intervals["load_lower_80"] < intervals["load_upper_80"]).all()


def test_a_long_validation_frame_calibrates_as_the_indexed_one():
    frame = indexed_panel()
    stamps = frame.index.get_level_values(1)
    train, calibration = frame[stamps < "2024-01-04"], frame[stamps >= "2024-01-04"]

    def fitted(*frames):
        model = forecast.ConformalForecaster(
            forecast.Naive(input_width=24, horizon=6, target="load"), coverage=0.8
        )
        return model.fit(frames[0], validation_frame=frames[1])

    indexed = fitted(train, calibration)
    long = fitted(long_of(train), long_of(calibration))
    np.testing.assert_array_equal(long.scores_, indexed.scores_)
    assert long.n_calibration_windows_ == indexed.n_calibration_windows_ > 0


def test_skipped_series_of_a_long_frame_are_reported_by_id():
    frame = indexed_panel()
    long = forecast.to_long(frame)
    short = long[~((long["unique_id"] == "south") & (long["ds"] < "2024-01-05 12:00"))]
    model = forecast.Naive(input_width=24, horizon=6, target="load").fit(long)
    with pytest.warns(UserWarning, match="skipped 1 of 2 series"):
        forecasts = model.predict(short, errors="skip")
    assert forecasts["unique_id"].unique().tolist() == ["north"]
    assert list(forecasts.attrs["errors"]) == ["south"]


def test_bad_long_frames_are_errors_naming_the_cell():
    long = forecast.to_long(indexed_panel())
    model = forecast.Naive(input_width=24, horizon=6, target="load")
    doubled = pd.concat([long, long.iloc[[130]]], ignore_index=True)
    with pytest.raises(DataValidationError, match=r"rows 130 and 240") as info:
        model.fit(doubled)
    assert (info.value.column, info.value.series) == ("ds", "south")
    fitted = model.fit(long)
    with pytest.raises(DataValidationError, match="series id column not found") as info:
        fitted.predict(long, id_col="store")
    assert info.value.column == "store"
    text = long.assign(ds=long["ds"].astype(str))
    text.loc[7, "ds"] = "2024-13-45"
    with pytest.raises(DataValidationError, match="cannot parse '2024-13-45' in row 7") as info:
        fitted.predict(text)
    assert (info.value.column, info.value.series) == ("ds", "north")
    with pytest.raises(DataValidationError, match=r"time_col=\.\.\., id_col=\.\.\."):
        fitted.predict(long.rename(columns={"ds": "when", "unique_id": "who"}))
    with pytest.raises(ValueError, match="indexed by MultiIndex"):
        fitted.predict(indexed_panel(), time_col="ds")
