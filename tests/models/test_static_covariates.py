"""Static covariates and the series embedding: checks, encoded values, windows, estimators."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

import forecast
from forecast import DataValidationError, LSTMForecaster, Naive
from forecast.features.static_features import fit_static_encoding, static_table
from forecast.windowing.spec import Split, WindowSpec
from forecast.windowing.windows import make_windows

DAYS = pd.date_range("2024-01-01", periods=40, freq="D")


def panel_frame(n=40, ids=("a", "b", "c")):
    days = pd.date_range("2024-01-01", periods=n, freq="D")
    index = pd.MultiIndex.from_product([list(ids), days])
    rng = np.random.default_rng(0)
    region = {"a": "north", "b": "south", "c": "north", "d": "east"}
    capacity = {"a": 100.0, "b": 200.0, "c": 600.0, "d": 50.0}
    return pd.DataFrame(
        {
            "y": rng.normal(size=len(index)),
            "region": [region[s] for s, _ in index],
            "capacity": [capacity[s] for s, _ in index],
        },
        index=index,
    )


SMALL = dict(
    input_width=5, horizon=2, units=(4,), dense_units=(), epochs=1, calendar=(),
    random_state=0, verbose=0, residual=None, scaling="standard",
)  # fmt: skip


def test_encoded_vectors_are_hand_checked():
    table = static_table(panel_frame(), ("region", "capacity"))
    assert table.index.tolist() == ["a", "b", "c"]
    encoding = fit_static_encoding(table)
    assert encoding.encoded_columns == ("region=north", "region=south", "capacity")
    assert encoding.encode(table).tolist() == [[1, 0, 100], [0, 1, 200], [1, 0, 600]]
    # capacity: mean 300 over the training series, standard deviation sqrt(140000/3)
    assert encoding.center == (0.0, 0.0, 300.0)
    np.testing.assert_allclose(encoding.scale, (1.0, 1.0, np.sqrt(140000 / 3)))


def test_an_unseen_category_is_all_zeros_with_a_warning_naming_it():
    encoding = fit_static_encoding(static_table(panel_frame(), "region"))
    table = static_table(panel_frame(ids=("a", "d")), "region")
    with pytest.warns(UserWarning, match="'region'.*'east'.*series 'd'"):
        encoded = encoding.encode(table)
    assert encoded.tolist() == [[1.0, 0.0], [0.0, 0.0]]


def test_zero_spread_scales_by_one():
    frame = panel_frame()
    frame["capacity"] = 5.0
    encoding = fit_static_encoding(static_table(frame, "capacity"))
    assert (encoding.center, encoding.scale) == ((5.0,), (1.0,))


def test_a_column_that_varies_within_a_series_is_an_error_naming_it():
    frame = panel_frame()
    frame.loc[("b", DAYS[7]), "capacity"] = 250.0
    with pytest.raises(DataValidationError, match="'capacity' varies") as caught:
        static_table(frame, ("region", "capacity"))
    assert (caught.value.column, caught.value.series) == ("capacity", "b")
    assert caught.value.timestamp == DAYS[7]


def test_static_frame_errors_name_the_series_and_column():
    frame = panel_frame()
    static = pd.DataFrame({"capacity": [1.0, 2.0]}, index=["a", "b"])
    with pytest.raises(DataValidationError, match="no row for series") as caught:
        static_table(frame, "capacity", static)
    assert caught.value.series == "c"
    with pytest.raises(DataValidationError, match="lacks column"):
        static_table(frame, "region", static)
    static = pd.DataFrame({"capacity": [1.0, np.nan, 3.0]}, index=["a", "b", "c"])
    with pytest.raises(DataValidationError, match="missing") as caught:
        static_table(frame, "capacity", static)
    assert (caught.value.column, caught.value.series) == ("capacity", "b")


def test_every_window_carries_its_series_static_row():
    frame = panel_frame(n=10)
    windows = make_windows(
        frame[["y"]], WindowSpec(3, 2), target="y", calendar=(), split=Split(0.0, 0.0)
    )
    static = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], np.float32)
    import dataclasses

    windows = dataclasses.replace(windows, series_inputs={"static": static})
    inputs, labels = windows.arrays("train")
    # 6 windows per series of 10 rows (width 3 + horizon 2): a, a, ..., b, ..., c
    expected = np.repeat(static, 6, axis=0)
    np.testing.assert_array_equal(inputs["static"], expected)
    batches = list(windows.dataset("train", batch_size=7, shuffle=False))
    np.testing.assert_array_equal(np.concatenate([b[0]["static"] for b in batches]), expected)
    np.testing.assert_array_equal(np.concatenate([b[0]["past"] for b in batches]), inputs["past"])


def test_static_from_columns_or_frame_forecasts_alike():
    frame = panel_frame()
    static = frame.groupby(level=0)[["region", "capacity"]].first()
    model = LSTMForecaster(static_covariates=("region", "capacity"), **SMALL)
    from_columns = clone(model).fit(frame).predict(frame)
    fitted = clone(model).fit(frame[["y"]], static=static)
    pd.testing.assert_frame_equal(fitted.predict(frame[["y"]], static=static), from_columns)
    pd.testing.assert_frame_equal(fitted.predict(frame[["y"]]), from_columns)  # fit's values
    pd.testing.assert_frame_equal(fitted.predict(frame), from_columns)  # the frame's columns
    assert fitted.static_encoding_.encoded_columns == ("region=north", "region=south", "capacity")
    assert fitted.static_values_.loc["c", "capacity"] == 600.0
    assert fitted.get_tag("reads_static_covariates") and not Naive.get_tag(
        "reads_static_covariates"
    )


def test_the_static_covariates_change_the_forecast():
    frame = panel_frame()
    model = LSTMForecaster(static_covariates="capacity", **SMALL).fit(frame)
    other = frame.copy()
    other["capacity"] = 1000.0
    assert not np.allclose(model.predict(frame).to_numpy(), model.predict(other).to_numpy())


def test_a_new_series_needs_static_values_and_an_unseen_one_no_embedding():
    frame = panel_frame()
    new = panel_frame(ids=("a", "d"))
    model = LSTMForecaster(static_covariates="capacity", **SMALL).fit(frame[["y", "capacity"]])
    with pytest.raises(DataValidationError, match="no static covariates") as caught:
        model.predict(new[["y"]])
    assert caught.value.series == "d"
    assert model.predict(new).shape == (4, 1)  # its values in the frame
    embedded = LSTMForecaster(series_embedding=3, **SMALL).fit(frame[["y"]])
    assert embedded.static_encoding_.series_ids == ("a", "b", "c")
    with pytest.raises(DataValidationError, match="not seen in training") as caught:
        embedded.predict(new[["y"]])
    assert caught.value.series == "d"
    skipped = embedded.predict(new[["y"]], errors="skip")
    assert list(skipped.attrs["errors"]) == ["d"] and len(skipped) == 2


def test_a_backtest_forecasts_a_series_that_begins_after_the_training_rows():
    # (a bug: the backtest's windows carried no static values, and 'd', absent from the
    # training rows, was "not in the static covariates fit saw")
    late = panel_frame(n=60, ids=("d",)).iloc[51:]  # 'd' begins on day 52, capacity 50
    frame = pd.concat([panel_frame(n=60), late]).sort_index()
    model = LSTMForecaster(static_covariates=("capacity",), **SMALL)
    start = DAYS[-1] + pd.Timedelta(days=15)  # day 55: 'd' has 3 rows before, no window
    forecasts = forecast.backtest(model, frame[["y", "capacity"]], start=start, stride=2)
    assert set(forecasts.loc[forecasts["series_id"] == "d", "origin"]) == {
        DAYS[-1] + pd.Timedelta(days=17),
        DAYS[-1] + pd.Timedelta(days=19),
    }
    fitted = LSTMForecaster(static_covariates=("capacity",), **SMALL)
    fitted.fit(frame[["y", "capacity"]].loc[frame.index.get_level_values(1) < start].drop("d"))
    assert "d" not in fitted.static_values_.index  # the fit never saw it
    windows = fitted.windows(frame[["y", "capacity"]])
    d = list(windows.layout.series_ids).index("d")
    np.testing.assert_allclose(
        windows.series_inputs["static"][d],
        fitted.static_encoding_.encode(pd.DataFrame({"capacity": [50.0]}, index=["d"]))[0],
    )


def test_static_without_static_covariates_is_an_error():
    frame = panel_frame()
    with pytest.raises(ValueError, match="static_covariates is None"):
        LSTMForecaster(**SMALL).fit(frame[["y"]], static=frame.groupby(level=0).first())


def test_params_clone_pickle_and_seed():
    frame = panel_frame()
    model = LSTMForecaster(static_covariates=("region",), series_embedding=2, **SMALL)
    assert model.get_params()["static_covariates"] == ("region",)
    assert clone(model).get_params()["series_embedding"] == 2
    first = model.fit(frame).predict(frame)
    again = clone(model).fit(frame).predict(frame)
    pd.testing.assert_frame_equal(first, again)
    restored = pickle.loads(pickle.dumps(model))
    pd.testing.assert_frame_equal(restored.predict(frame), first)
    assert model.score(frame) == pytest.approx(restored.score(frame))
    refit = model.refit_full(frame[["y"]])  # the static values fit saw
    assert refit.static_values_.loc["b", "region"] == "south" and refit.refitted_


def test_bad_series_embedding_is_refused():
    with pytest.raises(ValueError, match="series_embedding"):
        LSTMForecaster(series_embedding=0, **SMALL).fit(panel_frame()[["y"]])


def _ar_panel(n=300):
    """Four AR(1) series: coefficient +0.9 where flag is 0, -0.9 where it is 1. One past
    value does not tell them apart (both are symmetric around 0 with the same spread): the
    flag does."""
    ids, phis, values = ["p0", "m0", "p1", "m1"], [0.9, -0.9, 0.9, -0.9], []
    for seed, phi in enumerate(phis):
        noise = np.random.default_rng(seed).normal(0, 1, n)
        y = np.zeros(n)
        for t in range(1, n):
            y[t] = phi * y[t - 1] + noise[t]
        values.append(y)
    index = pd.MultiIndex.from_product([ids, pd.date_range("2024-01-01", periods=n, freq="D")])
    flag = np.repeat([0.0, 1.0, 0.0, 1.0], n)
    return pd.DataFrame({"y": np.concatenate(values), "flag": flag}, index=index)


@pytest.mark.slow
def test_a_two_layer_lstm_reads_the_flag():
    frame = _ar_panel()
    settings = dict(
        input_width=1, horizon=1, units=(8, 8), dense_units=(16,), epochs=6, residual=None,
        scaling="standard", learning_rate=1e-2, batch_size=32, calendar=(), random_state=0,
        verbose=0, patience=None,
    )  # fmt: skip
    without = LSTMForecaster(**settings).fit(frame[["y"]]).score(frame[["y"]])
    with_flag = LSTMForecaster(static_covariates="flag", **settings).fit(frame).score(frame)
    # the noise's mean absolute value is 0.8; without the flag the best is about 1.8
    assert with_flag > -1.0 and without < -1.4


FRESH_PROCESS = """
import json, sys
import pandas as pd
import forecast
frame, static = pd.read_pickle(sys.argv[1]), pd.read_pickle(sys.argv[2])
loaded = forecast.load(sys.argv[3])
out = {
    "columns": loaded.predict(frame).to_numpy().tolist(),
    "static": loaded.predict(frame[["y"]], static=static).to_numpy().tolist(),
    "training": loaded.predict(frame[["y"]]).to_numpy().tolist(),
}
print(json.dumps(out))
"""


def test_export_serves_the_same_forecasts_in_a_fresh_process(tmp_path):
    import json
    import os
    import subprocess
    import sys

    frame = panel_frame()
    static = frame.groupby(level=0)[["region", "capacity"]].first()
    static.loc["c", "capacity"] = 50.0  # another value than in training: static= is read
    settings = {**SMALL, "strategy": "seq2seq", "calendar": "auto"}
    model = LSTMForecaster(static_covariates=("region", "capacity"), series_embedding=2, **settings)
    model.fit(frame)
    path = model.export(tmp_path / "lstm")
    frame.to_pickle(tmp_path / "frame.pkl")
    static.to_pickle(tmp_path / "static.pkl")
    result = subprocess.run(
        [sys.executable, "-c", FRESH_PROCESS, *(str(tmp_path / n) for n in ("frame.pkl", "static.pkl", "lstm"))],
        capture_output=True, text=True, check=True,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
    )  # fmt: skip
    got = json.loads(result.stdout.strip().splitlines()[-1])
    expected = model.predict(frame).to_numpy()
    np.testing.assert_allclose(got["columns"], expected, rtol=1e-5)
    np.testing.assert_allclose(got["training"], expected, rtol=1e-5)
    with_static = model.predict(frame[["y"]], static=static).to_numpy()
    np.testing.assert_allclose(got["static"], with_static, rtol=1e-5)
    assert not np.allclose(with_static, expected)
    meta = json.loads((path / "assets" / "forecast.json").read_text())
    assert meta["signature"]["inputs"] == ["past", "future", "static", "series_index"]
    assert meta["static"]["encoded_columns"] == ["region=north", "region=south", "capacity"]
    assert meta["static"]["series_ids"] == ["a", "b", "c"]
    assert meta["static_values"]["rows"][2] == ["north", 600.0]


def test_plain_tensorflow_signature_takes_static_and_series_index(tmp_path):
    import tensorflow as tf

    frame = panel_frame()
    model = LSTMForecaster(static_covariates="capacity", series_embedding=2, **SMALL).fit(frame)
    path = model.export(tmp_path / "lstm")
    latest = model._latest_windows(frame)
    signature = tf.saved_model.load(str(path)).signatures["serving_default"]
    out = signature(
        past=tf.constant(latest.inputs["past"]),
        static=tf.constant([[100.0], [200.0], [600.0]]),
        series_index=tf.constant([0, 1, 2], tf.int32),
    )
    expected = model.predict(frame).to_numpy().reshape(3, 2)
    np.testing.assert_allclose(out["forecast"].numpy()[:, :, 0], expected, rtol=1e-5)
    loaded = __import__("forecast").load(path)
    with pytest.raises(ValueError, match="series_index of shape"):
        loaded.predict_arrays(latest.inputs["past"], static=np.zeros((3, 1)))
    new = panel_frame(ids=("a", "d"))
    with pytest.raises(DataValidationError, match="not seen in training"):
        loaded.predict(new[["y", "capacity"]])


def test_concurrent_predicts_with_their_own_static_frames_do_not_mix(monkeypatch):
    """Two threads predicting with one fitted model, each with its own ``static=``, both
    inside predict at once (a barrier holds each until the other has started): each gets the
    forecast of its own static values, as when called alone."""
    from conftest import all_inside_at_once

    from forecast.models.base import BaseForecaster

    frame = panel_frame()
    model = LSTMForecaster(**SMALL, static_covariates=("capacity",)).fit(frame)
    small = frame.groupby(level=0)[["capacity"]].first()
    statics = {"small": small, "big": small * 10}
    alone = {name: model.predict(frame[["y"]], static=s) for name, s in statics.items()}
    assert not np.allclose(alone["small"], alone["big"])
    calls = {name: lambda s=s: model.predict(frame[["y"]], static=s) for name, s in statics.items()}
    together = all_inside_at_once(monkeypatch, BaseForecaster, "predict", calls)
    for name in alone:
        pd.testing.assert_frame_equal(together[name], alone[name])
