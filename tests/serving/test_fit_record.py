"""The fit record: what a fitted model learned from, exported with it and read back."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

import forecast
from forecast.serving.export import METADATA_FILE
from forecast.serving.fit_record import FitRecord


def _hourly(n: int, start: str = "2024-01-01") -> pd.DataFrame:
    """A daily-seasonal hourly series with a slow trend: ``n`` rows from ``start``."""
    t = np.arange(n, dtype=np.float64)
    y = 10.0 + 3.0 * np.sin(2 * np.pi * t / 24) + 0.01 * t
    return pd.DataFrame({"y": y}, index=pd.date_range(start, periods=n, freq="h"))


def test_a_baseline_fit_records_its_span_and_rows():
    frame = _hourly(200)
    model = forecast.SeasonalNaive(24, input_width=48, horizon=6).fit(frame.iloc[:150])
    record = FitRecord.of(model)
    # 150 hourly rows from midnight on 1 January: the last is 149 hours later, 7 Jan 05:00
    assert record == FitRecord(
        fit="fit",
        start="2024-01-01 00:00:00",
        end="2024-01-07 05:00:00",
        rows=150,
        validation_rows=0,
        series=1,
    )
    assert model.training_rows_ == 150 and model.validation_rows_ == 0
    assert record.describe() == "fit on 2024-01-01 00:00:00 .. 2024-01-07 05:00:00 (150 rows)"


def test_a_refitted_linear_baseline_learns_again_from_every_row():
    frame = _hourly(200)
    backtest = forecast.LinearForecaster(input_width=48, horizon=6).fit(frame.iloc[:150])
    before = backtest.predict(frame)
    refitted = backtest.refit_full(frame)
    assert refitted is backtest and backtest.refitted_ is True
    record = FitRecord.of(backtest)
    assert (record.fit, record.start, record.end, record.rows) == (
        "refit",
        "2024-01-01 00:00:00",
        "2024-01-09 07:00:00",  # row 199: 8 days and 7 hours after the first
        200,
    )
    assert record.validated == {
        "start": "2024-01-01 00:00:00",
        "end": "2024-01-07 05:00:00",
        "rows": 150,
        "epochs": None,
    }
    # the ridge regression is the one a fresh fit on all 200 rows learns, not the earlier one
    fresh = clone(backtest).fit(frame)
    np.testing.assert_allclose(backtest.predict(frame), fresh.predict(frame), rtol=1e-12)
    assert not np.allclose(before.to_numpy(), backtest.predict(frame).to_numpy(), rtol=1e-9)
    assert backtest.get_params() == fresh.get_params()  # the constructor arguments stay
    # a new fit forgets the refit
    backtest.fit(frame.iloc[:150])
    assert backtest.refitted_ is False and not hasattr(backtest, "validated_")
    assert FitRecord.of(backtest).fit == "fit"


def test_a_naive_baseline_refitted_forecasts_as_before():
    frame = _hourly(200)
    model = forecast.Naive(input_width=24, horizon=6).fit(frame.iloc[:150])
    before = model.predict(frame)
    pd.testing.assert_frame_equal(model.refit_full(frame).predict(frame), before)
    assert FitRecord.of(model).rows == 200


def test_a_panel_records_its_overall_span_rows_and_series():
    a, b = _hourly(120), _hourly(80, start="2024-01-02")
    panel = pd.concat({"a": a, "b": b}, names=["series_id", "timestamp"])
    record = FitRecord.of(forecast.Naive(input_width=24, horizon=6).fit(panel))
    # a: 1 Jan 00:00 .. 5 Jan 23:00; b: 2 Jan 00:00 .. 5 Jan 07:00 (79 hours later)
    assert (record.start, record.end, record.rows, record.series) == (
        "2024-01-01 00:00:00",
        "2024-01-05 23:00:00",
        200,
        2,
    )
    assert record.describe().endswith("(200 rows, 2 series)")


def test_a_network_records_its_choices_and_the_epochs_validation_chose():
    frame = _hourly(400)
    model = forecast.LSTMForecaster(
        input_width=24, horizon=6, units=(4,), dense_units=(), epochs=2, random_state=0
    ).fit(frame.iloc[:300])
    record = FitRecord.of(model)
    assert record.validation_rows == model.validation_rows_ > 0
    assert record.rows == 300 and record.epochs == tuple(model.best_epochs_)
    assert (record.anchor, record.scaling, record.covariates_used) == (
        model.anchor_,
        model.scaling_mode_,
        None,  # no covariates to choose from
    )
    chosen = list(model.best_epochs_)
    model.refit_full(frame)
    refit = FitRecord.of(model)
    assert (refit.fit, refit.end, refit.rows, refit.validation_rows) == (
        "refit",
        str(frame.index[-1]),
        400,
        0,  # nothing is held out in the refit
    )
    assert refit.validated["epochs"] == chosen and refit.validated["rows"] == 300
    assert refit.anchor == record.anchor and refit.scaling == record.scaling
    assert FitRecord.from_dict(json.loads(json.dumps(refit.to_dict()))) == refit


def test_a_network_given_covariates_records_whether_it_reads_them():
    frame = _hourly(300).assign(noise=np.random.default_rng(0).normal(size=300))
    model = forecast.LSTMForecaster(
        input_width=24, horizon=6, covariates=("noise",), units=(4,), dense_units=(),
        epochs=1, random_state=0,
    ).fit(frame)  # fmt: skip
    assert FitRecord.of(model).covariates_used is model.covariates_used_
    assert isinstance(model.covariates_used_, bool)


def test_the_kind_of_fit_must_agree_with_the_model():
    frame = _hourly(200)
    model = forecast.Naive(input_width=24, horizon=6).fit(frame.iloc[:150])
    assert FitRecord.of(model, "backtest").fit == "backtest"
    with pytest.raises(ValueError, match="was not refitted: its fit is not 'refit'"):
        FitRecord.of(model, "refit")
    model.refit_full(frame)
    with pytest.raises(ValueError, match="was refitted on all the data: its fit is not 'backtest'"):
        FitRecord.of(model, "backtest")
    with pytest.raises(ValueError, match="fit must be one of"):
        FitRecord("final", "a", "b", 1, 0, 1)


def test_a_record_round_trips_through_json_and_bad_ones_are_named():
    record = FitRecord(
        fit="refit",
        start="2024-01-01 00:00:00",
        end="2024-01-09 07:00:00",
        rows=200,
        validation_rows=0,
        series=1,
        epochs=(3, 0),
        anchor="seasonal:24",
        scaling="standard",
        covariates_used=False,
        validated={"start": "2024-01-01 00:00:00", "end": "x", "rows": 150, "epochs": [3, 0]},
    )
    data = json.loads(json.dumps(record.to_dict()))
    assert data["epochs"] == [3, 0]
    assert FitRecord.from_dict(data) == record
    with pytest.raises(ValueError, match=r"model.json: fit lacks the key\(s\) \['end'\]"):
        FitRecord.from_dict({"fit": "refit", "start": "a"}, source="model.json: fit")
    with pytest.raises(ValueError, match=r"has unknown key\(s\) \['weights'\]"):
        FitRecord.from_dict({**data, "weights": 1})
    with pytest.raises(
        ValueError, match="the fit record: rows: expected a whole number, got 'many'"
    ):
        FitRecord.from_dict({**data, "rows": "many"})


def test_the_export_carries_the_record_and_load_reads_it(tmp_path):
    frame = _hourly(200)
    model = forecast.LinearForecaster(input_width=48, horizon=6).fit(frame.iloc[:150])
    given = FitRecord.of(model, "backtest")
    path = model.export(tmp_path / "backtest", fit_record=given)
    loaded = forecast.load(path)
    assert loaded.fit_record == given and loaded.metadata["fit"]["fit"] == "backtest"
    model.refit_full(frame)
    loaded = forecast.load(model.export(tmp_path / "refit"))  # the default: the model's own
    assert loaded.fit_record == FitRecord.of(model)
    assert loaded.metadata["training_range"][1] == loaded.fit_record.end == "2024-01-09 07:00:00"
    meta = path / "assets" / METADATA_FILE
    metadata = json.loads(meta.read_text())
    metadata["fit"] = {"fit": "refit"}
    meta.write_text(json.dumps(metadata))
    with pytest.raises(ValueError, match=rf"{METADATA_FILE}: fit lacks the key\(s\)"):
        _ = forecast.load(path).fit_record
    del metadata["fit"]  # an export written before fit records were kept
    meta.write_text(json.dumps(metadata))
    assert forecast.load(path).fit_record is None
