"""A loaded model forecasts a long frame as the estimator does: ``predict``, ``predict_quantiles``
and ``predict_interval`` give the estimator's long frames (same columns, same values)."""

from __future__ import annotations

import pandas as pd
import pytest
from serving.test_batch_quantiles import long_panel

import forecast
from forecast import DataValidationError

pytest.importorskip("tensorflow")


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """A conformal seasonal naive (it serves quantiles) fitted on a long frame with its own id
    and time column names, exported."""
    frame = long_panel(n_series=3)[["unique_id", "ds", "y"]]
    frame = frame.rename(columns={"unique_id": "store", "ds": "hour"})
    inner = forecast.SeasonalNaive(24, input_width=48, horizon=4)
    model = forecast.ConformalForecaster(inner, coverage=(0.8,)).fit(
        frame, id_col="store", time_col="hour"
    )
    path = model.export(tmp_path_factory.mktemp("loaded_long") / "conformal")
    return model, forecast.load(path), frame


def test_long_predict_quantiles_and_intervals_equal_the_estimators(exported):
    model, loaded, frame = exported
    names = {"id_col": "store", "time_col": "hour"}
    got = loaded.predict(frame, **names)
    expected = model.predict(frame, **names)
    assert list(got.columns) == ["store", "hour", "y"]
    assert got["store"].tolist() == ["s00"] * 4 + ["s01"] * 4 + ["s02"] * 4
    pd.testing.assert_frame_equal(got, expected, rtol=1e-5, check_dtype=False)
    quantiles = loaded.predict_quantiles(frame, **names)
    assert list(quantiles.columns) == ["store", "hour", "y_q0.1", "y_q0.5", "y_q0.9"]
    pd.testing.assert_frame_equal(
        quantiles, model.predict_quantiles(frame, **names), rtol=1e-5, check_dtype=False
    )
    interval = loaded.predict_interval(frame, 0.8, **names)
    assert list(interval.columns) == ["store", "hour", "y_lower_80", "y_upper_80"]
    pd.testing.assert_frame_equal(
        interval, model.predict_interval(frame, 0.8, **names), rtol=1e-5, check_dtype=False
    )
    for predictor in (model, loaded):  # without its id column: one series, as the estimator
        with pytest.raises(DataValidationError, match="duplicate timestamp: rows 0 and 120"):
            predictor.predict(frame, time_col="hour")


def test_default_columns_and_skipped_series(exported):
    model, loaded, frame = exported
    plain = frame.rename(columns={"store": "unique_id", "hour": "ds"})
    short = plain[plain.unique_id == "s02"].iloc[:10]
    plain = pd.concat([plain[plain.unique_id != "s02"], short], ignore_index=True)
    with pytest.warns(UserWarning, match="skipped 1 of 3 series"):
        got = loaded.predict(plain, errors="skip")
    assert list(got.columns) == ["unique_id", "ds", "y"]
    assert list(got.attrs["errors"]) == ["s02"]
    with pytest.warns(UserWarning, match="skipped 1 of 3 series"):
        expected = model.predict(plain, errors="skip")
    pd.testing.assert_frame_equal(got, expected, rtol=1e-5, check_dtype=False)
    # a frame in the data model still gives the data model's frame
    panel = forecast.from_long(plain[plain.unique_id != "s02"])
    pd.testing.assert_frame_equal(
        loaded.predict(panel), model.predict(panel), rtol=1e-5, check_dtype=False
    )
