"""Export of models with known-future covariates: the signature's ``future`` input, parity in
a fresh process (``forecast.load`` and plain TensorFlow), and the estimator's own errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from conftest import panel

import forecast
from forecast import DataValidationError
from forecast.windowing.input_schema import InputSchema

tf = pytest.importorskip("tensorflow")

FUTURE = ("promo", "kind")


def shop(n: int = 120, seed: int = 0, start: str = "2024-01-01") -> pd.DataFrame:
    """Daily sales: 3 per promotion, 1 more on a kind 'a' day (numeric and categorical)."""
    rng = np.random.default_rng(seed)
    promo = rng.integers(0, 2, n).astype(float)
    kind = rng.choice(["a", "b"], n)
    y = 10 + 3 * promo + (kind == "a") + rng.normal(0, 0.1, n)
    index = pd.date_range(start, periods=n, freq="D", name="timestamp")
    return pd.DataFrame({"y": y, "promo": promo, "kind": kind}, index=index)


def next_days(frame: pd.DataFrame, promo, kind) -> pd.DataFrame:
    index = pd.date_range(frame.index[-1], periods=len(promo) + 1, freq="D")[1:]
    return pd.DataFrame({"promo": np.asarray(promo, float), "kind": kind}, index=index)


def single():
    frame = shop()
    return frame, next_days(frame, [1, 0, 1], ["a", "b", "b"])


def two_shops():
    a, b = shop(seed=1), shop(n=100, seed=2)
    future = panel(
        {
            "a": next_days(a, [1, 0, 1], ["a", "a", "b"]),
            "b": next_days(b, [0, 0, 1], ["b", "a", "b"]),
        }
    )
    return panel({"a": a, "b": b}), future


FRAMES = {"series": single, "panel": two_shops}
MODELS = {
    "linear": lambda: forecast.LinearForecaster(
        input_width=7, horizon=3, calendar=(), future_covariates=FUTURE
    ),
    "lstm": lambda: forecast.LSTMForecaster(
        input_width=7,
        horizon=3,
        units=(4,),
        dense_units=(),
        epochs=1,
        batch_size=32,
        future_covariates=FUTURE,
        random_state=0,
        verbose=0,
    ),  # fmt: skip
}

FRESH_PROCESS = """
import json, sys
import numpy as np, pandas as pd
frame, future = pd.read_pickle(sys.argv[1]), pd.read_pickle(sys.argv[2])
arrays = np.load(sys.argv[3])
import tensorflow as tf
plain = {}
for name, path in json.loads(sys.argv[4]).items():
    signature = tf.saved_model.load(path).signatures["serving_default"]
    out = signature(past=tf.constant(arrays[name + "_past"]),
                    future=tf.constant(arrays[name + "_future"]))
    plain[name] = out["forecast"].numpy().reshape(-1).tolist()
import forecast
loaded = {name: forecast.load(path).predict(frame, future=future).to_numpy().reshape(-1).tolist()
          for name, path in json.loads(sys.argv[4]).items()}
print(json.dumps({"plain": plain, "loaded": loaded}))
"""


@pytest.mark.parametrize("kind", sorted(FRAMES))
def test_forecasts_with_future_covariates_are_equal_after_export_in_a_fresh_process(tmp_path, kind):
    frame, future = FRAMES[kind]()
    expected, paths, arrays = {}, {}, {}
    for name, make in MODELS.items():
        model = make().fit(frame)
        expected[name] = model.predict(frame, future=future).to_numpy().reshape(-1)
        paths[name] = str(model.export(tmp_path / name))
        inputs = model._latest_windows(frame, future).inputs  # as the estimator cuts them
        arrays[name + "_past"], arrays[name + "_future"] = inputs["past"], inputs["future"]
        meta = json.loads((tmp_path / name / "assets" / "forecast.json").read_text())
        assert meta["future_covariate_columns"] == ["promo", "kind"]
        calendar = meta["calendar_columns"]
        assert meta["future_columns"] == ["promo", "kind=a", "kind=b", *calendar]
        assert meta["signature"]["inputs"] == ["past", "future"]
        assert inputs["future"].shape[1:] == (3, 3 + len(calendar))
    frame.to_pickle(tmp_path / "frame.pkl")
    future.to_pickle(tmp_path / "future.pkl")
    np.savez(tmp_path / "arrays.npz", **arrays)
    files = [str(tmp_path / f) for f in ("frame.pkl", "future.pkl", "arrays.npz")]
    result = subprocess.run(
        [sys.executable, "-c", FRESH_PROCESS, *files, json.dumps(paths)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
    )
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    for name in MODELS:
        np.testing.assert_allclose(answer["loaded"][name], expected[name], rtol=1e-5)
        np.testing.assert_allclose(answer["plain"][name], expected[name], rtol=1e-5)
    # the covariates move the forecast: a promotion on every day raises each step
    loaded = forecast.load(paths["linear"])
    on = loaded.predict(frame, future=future.assign(promo=1.0)).to_numpy()
    off = loaded.predict(frame, future=future.assign(promo=0.0)).to_numpy()
    assert np.all(on - off > 2.0)


def mistakes(future: pd.DataFrame) -> dict[str, pd.DataFrame]:
    b_rows = future.index.get_level_values(0) == "b"
    nan = future.copy()
    nan.loc[("b", future.loc["b"].index[1]), "promo"] = np.nan
    stamp = future.loc["b"].index[2] + pd.Timedelta("1h")
    extra = pd.DataFrame(
        {"promo": [1.0], "kind": ["a"]}, index=pd.MultiIndex.from_tuples([("b", stamp)])
    )
    off_grid = pd.concat([future, extra])
    return {
        "missing row": future.drop(future.index[b_rows][-1]),
        "NaN": nan,
        "extra column": future.assign(price=1.0),
        "missing column": future.drop(columns="kind"),
        "off grid": off_grid,
        "text": future.assign(promo="yes"),
    }


def test_a_loaded_model_refuses_a_wrong_future_frame_as_the_estimator_does(tmp_path):
    frame, future = two_shops()
    model = MODELS["linear"]().fit(frame)
    loaded = forecast.load(model.export(tmp_path / "linear"))
    for what, wrong in mistakes(future).items():
        with pytest.raises(DataValidationError) as mine:
            model.predict(frame, future=wrong)
        with pytest.raises(DataValidationError) as theirs:
            loaded.predict(frame, future=wrong)
        assert str(theirs.value) == str(mine.value), what
        assert theirs.value.column is not None, what
    error = mine.value  # text where training had numbers, at the first step of series a
    assert (error.column, error.series) == ("promo", "a")
    with pytest.raises(DataValidationError) as info:
        loaded.predict(frame, future=mistakes(future)["off grid"])
    stamp = future.loc["b"].index[2] + pd.Timedelta("1h")
    assert (info.value.series, info.value.timestamp) == ("b", stamp)
    assert "off the model's D grid" in str(info.value)
    with pytest.raises(ValueError, match=r"future_covariates=\['promo', 'kind'\].*future=<frame>"):
        loaded.predict(frame)
    with pytest.warns(UserWarning, match="skipped 1 of 2 series"):
        kept = loaded.predict(frame, future=mistakes(future)["NaN"], errors="skip")
    assert kept.index.get_level_values(0).unique().tolist() == ["a"]
    assert "NaN at a forecast step" in kept.attrs["errors"]["b"]
    np.testing.assert_allclose(
        kept.to_numpy(), model.predict(frame, future=future).loc[["a"]].to_numpy(), rtol=1e-5
    )


def test_metadata_without_future_covariates_still_loads():
    frame = shop()
    schema = forecast.LinearForecaster(input_width=7, horizon=3).fit(frame[["y"]]).input_schema_
    old = schema.to_metadata()
    del old["future_covariate_columns"], old["future_columns"]  # written before they existed
    again = InputSchema.from_metadata(old)
    assert again == schema and again.future_covariate_columns == ()
    assert again.future_columns == again.calendar_columns
