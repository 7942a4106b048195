"""SavedModel export: parity in a fresh process, the serving signature, atomic writes, errors."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import hourly, panel

import forecast
from forecast import (
    DataValidationError,
    Drift,
    GRUForecaster,
    LinearForecaster,
    LSTMForecaster,
    Naive,
    SeasonalNaive,
    WindowAverage,
)
from forecast.data.missing import fill_windows

tf = pytest.importorskip("tensorflow")


def series(n=24 * 8, seed=0, scale=1.0):
    rng = np.random.default_rng(seed)
    hours = np.arange(n)
    values = scale * (100 + 20 * np.sin(2 * np.pi * hours / 24) + rng.normal(0, 2, n))
    return hourly(hours, values=values, temp=rng.normal(size=n))


#: eight days of data: ``calendar="auto"`` would leave out the day of the week (two weeks of
#: training rows needed); the export tests read both calendar features
NEURAL = dict(
    input_width=48,
    horizon=6,
    units=(4,),
    dense_units=(4,),
    epochs=1,
    random_state=0,
    calendar=("hour", "dayofweek"),
)
MODELS = {
    "lstm": lambda: LSTMForecaster(covariates=("temp",), **NEURAL),
    "gru_window_scaling": lambda: GRUForecaster(scaling="window", residual="last", **NEURAL),
    "lstm_linear_anchor_ensemble": lambda: LSTMForecaster(
        residual="linear", n_models=2, covariates=("temp",), **NEURAL
    ),
    "gru_seq2seq_weekly_anchor": lambda: GRUForecaster(
        strategy="autoregressive", residual="seasonal", season_length=24, **NEURAL
    ),
    "naive": lambda: Naive(input_width=48, horizon=6),
    "seasonal_naive": lambda: SeasonalNaive(input_width=48, horizon=6),
    "window_average": lambda: WindowAverage(window=12, input_width=48, horizon=6),
    "drift": lambda: Drift(input_width=48, horizon=6),
    "linear": lambda: LinearForecaster(
        input_width=48, horizon=6, calendar="auto", covariates=("temp",)
    ),
}
FRAMES = {
    "series": lambda: series(),
    "panel": lambda: panel({"a": series(seed=1), "b": series(n=24 * 7, seed=2, scale=10.0)}),
}

FRESH_PROCESS = """
import json, sys
import pandas as pd
import forecast
frame = pd.read_pickle(sys.argv[1])
out = {}
for name, path in json.loads(sys.argv[2]).items():
    loaded = forecast.load(path)  # the baselines read y only: the columns each model reads
    out[name] = loaded.predict(frame[loaded.columns]).to_numpy().tolist()
print(json.dumps(out))
"""


@pytest.mark.parametrize("frame_kind", sorted(FRAMES))
def test_loaded_forecasts_equal_in_memory_ones_in_a_fresh_process(tmp_path, frame_kind):
    frame = FRAMES[frame_kind]()
    expected, paths = {}, {}
    for name, make in MODELS.items():
        model = make().fit(frame)
        expected[name] = model.predict(frame).to_numpy()
        paths[name] = str(model.export(tmp_path / name))
    frame.to_pickle(tmp_path / "frame.pkl")  # the frame only: the models travel as SavedModels
    result = subprocess.run(
        [sys.executable, "-c", FRESH_PROCESS, str(tmp_path / "frame.pkl"), json.dumps(paths)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
    )
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    for name in MODELS:
        got = np.asarray(loaded[name])
        difference = np.max(np.abs(got - expected[name]) / np.maximum(np.abs(expected[name]), 1e-6))
        assert difference < 1e-5, f"{name}: max relative difference {difference}"


def test_plain_tensorflow_signature_and_metadata(tmp_path):
    frame = series()
    model = LSTMForecaster(**NEURAL).fit(frame)
    path = model.export(tmp_path / "lstm", metrics={"mae": 1.5})
    windows = model.windows(frame)
    inputs, _ = windows.arrays("train")
    signature = tf.saved_model.load(str(path)).signatures["serving_default"]
    out = signature(past=tf.constant(inputs["past"][:5]), future=tf.constant(inputs["future"][:5]))
    np.testing.assert_allclose(
        out["forecast"].numpy(), model.forecast_windows(windows, "train")[:5], rtol=1e-5
    )
    meta = json.loads((path / "assets" / "forecast.json").read_text())
    assert meta["input_columns"] == list(model.input_columns_)
    assert meta["calendar_columns"] == ["hour_sin", "hour_cos", "dayofweek_sin", "dayofweek_cos"]
    assert (meta["input_width"], meta["horizon"], meta["freq"]) == (48, 6, "h")
    assert meta["metrics"] == {"mae": 1.5} and meta["versions"]["forecast"] == forecast.__version__
    assert meta["training_range"][0] == "2024-01-01 00:00:00"


def test_saved_model_cli_shows_the_documented_signature(tmp_path):
    path = Naive(input_width=8, horizon=3).fit(series()).export(tmp_path / "naive")
    cli = os.path.join(os.path.dirname(sys.executable), "saved_model_cli")
    result = subprocess.run(
        [cli, "show", "--all", "--dir", str(path)], capture_output=True, text=True, check=True
    )
    text = result.stdout
    assert "signature_def['serving_default']" in text
    assert "inputs['past'] tensor_info" in text and "shape: (-1, 8, 1)" in text
    assert "outputs['forecast'] tensor_info" in text and "shape: (-1, 3, 1)" in text


def test_export_refuses_to_overwrite_unless_asked(tmp_path):
    frame = series()
    path = tmp_path / "model"
    Naive(input_width=8, horizon=3).fit(frame).export(path)
    with pytest.raises(FileExistsError, match="overwrite=True"):
        Naive(input_width=8, horizon=3).fit(frame).export(path)
    Drift(input_width=8, horizon=3).fit(frame).export(path, overwrite=True)
    assert forecast.load(path).metadata["model"] == "Drift"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]  # no temporary left behind


def test_loaded_model_names_what_it_expected(tmp_path):
    frame = series()
    loaded = forecast.load(
        LSTMForecaster(covariates=("temp",), **NEURAL).fit(frame).export(tmp_path / "m")
    )
    with pytest.raises(
        DataValidationError, match=r"the frame lacks column\(s\) \[.temp.\] this model reads"
    ) as info:
        loaded.predict(frame.drop(columns="temp"))
    assert info.value.column == "temp"
    with pytest.raises(DataValidationError, match="fewer than one window needs"):
        loaded.predict(frame.iloc[:10])
    with pytest.raises(DataValidationError, match="frequency 2h differs from the model's h"):
        loaded.predict(frame.iloc[::2])
    with pytest.raises(
        ValueError, match=r"past must be \(batch, 48, 6\) for input columns \['y', 'temp'"
    ):
        loaded.predict_arrays(np.zeros((1, 48, 5)), np.zeros((1, 6, 4)))
    with pytest.raises(ValueError, match="needs future calendar features"):
        loaded.predict_arrays(np.zeros((1, 48, 6)))
    with pytest.raises(FileNotFoundError, match="not a forecast export"):
        forecast.load(tmp_path)
    assert isinstance(loaded.predict(frame), pd.DataFrame)


@pytest.mark.parametrize("kind", ["series", "array"])
def test_a_loaded_model_takes_what_the_estimator_takes(tmp_path, kind):
    """A Series or an array is a TypeError naming what is expected, on both (the loaded model
    raised an AttributeError)."""
    frame = series()
    model = Naive(input_width=24, horizon=3).fit(frame[["y"]])
    loaded = forecast.load(model.export(tmp_path / "naive"))
    given = frame["y"] if kind == "series" else frame["y"].to_numpy()
    for predictor in (model, loaded):
        with pytest.raises(TypeError, match=r"predict expects a pandas DataFrame") as info:
            predictor.predict(given)
        message = str(info.value)
        assert "['y']" in message and type(given).__name__ in message
        if kind == "series":
            assert "series.to_frame('y')" in message
        else:
            assert "no timestamps" in message
    with pytest.raises(TypeError, match="predict_arrays"):
        loaded.predict(frame["y"].to_numpy())  # the loaded model also serves raw windows
    pd.testing.assert_frame_equal(loaded.predict(frame["y"].to_frame()), model.predict(frame))


def test_the_plain_tensorflow_signature_refuses_windows_of_another_length(tmp_path, with_calendar):
    """The 48-step model read 5 or 96 steps and returned other numbers; now the graph refuses."""
    frame = series()
    model = LSTMForecaster(**{**NEURAL, "calendar": ()}).fit(frame[["y"]])
    signature = tf.saved_model.load(str(model.export(tmp_path / "lstm"))).signatures[
        "serving_default"
    ]
    past = frame[["y"]].to_numpy(np.float32)[None, -96:]
    expected = model.predict(frame)["y"].to_numpy()
    got = signature(past=tf.constant(past[:, -48:]))["forecast"].numpy()[0, :, 0]
    np.testing.assert_allclose(got, expected, rtol=1e-5)
    for steps in (5, 47, 96):
        with pytest.raises(tf.errors.InvalidArgumentError, match=r"expected shape \[\?,48,1\]"):
            signature(past=tf.constant(past[:, -steps:]))
    _, exported = with_calendar
    _, path = exported["linear"]
    signature = tf.saved_model.load(str(path)).signatures["serving_default"]
    past, future = tf.zeros((2, 8, 4)), tf.zeros((2, 3, 2))
    assert signature(past=past, future=future)["forecast"].shape == (2, 3, 1)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"expected shape \[\?,3,2\]"):
        signature(past=past, future=tf.zeros((2, 6, 2)))
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"expected shape \[\?,8,4\]"):
        signature(past=tf.zeros((2, 9, 4)), future=future)


def test_a_loaded_model_can_skip_the_series_that_cannot_be_forecast(tmp_path):
    good = {"a": series(seed=1), "b": series(seed=2, scale=10.0)}
    nan_end = series(seed=3)
    nan_end.iloc[-24:, 0] = np.nan  # the target never observed in the last window
    coarse = series(seed=4).iloc[::2]  # every other hour
    parts = {"a": good["a"], "nan_end": nan_end, "short": series(n=10), "b": good["b"]}
    frame = panel({**parts, "coarse": coarse})
    model = LinearForecaster(input_width=24, horizon=3, covariates=("temp",), calendar=("hour",))
    model.fit(panel(good))
    loaded = forecast.load(model.export(tmp_path / "linear"))
    with pytest.raises(DataValidationError):
        loaded.predict(frame)
    with pytest.warns(UserWarning, match=r"skipped 3 of 5 series that cannot be forecast"):
        forecasts = loaded.predict(frame, errors="skip")
    pd.testing.assert_frame_equal(forecasts, loaded.predict(panel(good)))
    pd.testing.assert_frame_equal(forecasts, model.predict(panel(good)), rtol=1e-5)
    errors = forecasts.attrs["errors"]
    assert list(errors) == ["nan_end", "short", "coarse"]
    assert "holds no observed value" in errors["nan_end"] and "column 'y'" in errors["nan_end"]
    assert "fewer than one window needs" in errors["short"]
    assert "frequency 2h differs from the model's h" in errors["coarse"]
    with pytest.raises(DataValidationError, match="lacks column"):  # the whole frame's fault
        loaded.predict(frame.drop(columns="temp"), errors="skip")
    with pytest.raises(ValueError, match="errors must be 'raise' or 'skip', got True"):
        loaded.predict(frame, errors=True)


@pytest.fixture(scope="module")
def with_calendar(tmp_path_factory):
    """A LinearForecaster and a tiny LSTM with a covariate and calendar features, exported."""
    folder = tmp_path_factory.mktemp("with_calendar")
    frame = series()
    models = {
        "linear": LinearForecaster(
            input_width=8, horizon=3, covariates=("temp",), calendar=("hour",)
        ),
        "lstm": LSTMForecaster(
            input_width=8,
            horizon=3,
            covariates=("temp",),
            calendar=("hour",),
            units=(2,),
            dense_units=(),
            epochs=1,
            validation=0.0,
            patience=None,
            random_state=0,
        ),
    }
    exported = {}
    for name, model in models.items():
        model.fit(frame)
        exported[name] = (model, model.export(folder / name))
    return frame, exported


@pytest.mark.parametrize("name", ["linear", "lstm"])
def test_an_exported_model_fills_gaps_in_its_windows_as_the_estimator(with_calendar, name):
    frame, exported = with_calendar
    model, path = exported[name]
    loaded = forecast.load(path)
    assert loaded.metadata["missing"] == {"inputs": "fill", "limit": 3}
    gaps = frame.copy()
    gaps.iloc[-5:, gaps.columns.get_loc("temp")] = np.nan  # 5 of the 8 input rows
    gaps.iloc[-8, gaps.columns.get_loc("y")] = np.nan  # the window's first target
    expected = model.predict(gaps)
    assert expected.attrs["filled_inputs"] == 6
    got = loaded.predict(gaps)
    pd.testing.assert_frame_equal(got, expected, rtol=1e-5)
    assert got.attrs["filled_inputs"] == 6

    # raw windows with gaps: the exported graph fills them itself, as training filled them
    windows = loaded.latest_windows(frame).inputs
    past, future = windows["past"].copy(), windows["future"].copy()
    past[0, 1:4, 1] = np.nan
    past[0, :2, 0] = np.nan
    filled = fill_windows(past)
    np.testing.assert_array_equal(filled[0, :4, 1], [past[0, 0, 1]] * 4)
    np.testing.assert_array_equal(filled[0, :2, 0], [past[0, 2, 0]] * 2)
    in_memory = model._forecast({"past": filled, "future": future})
    np.testing.assert_allclose(loaded.predict_arrays(past, future), in_memory, rtol=1e-5)
    signature = tf.saved_model.load(str(path)).signatures["serving_default"]
    served = signature(past=tf.constant(past), future=tf.constant(future))["forecast"].numpy()
    np.testing.assert_allclose(served, in_memory, rtol=1e-5)  # plain TensorFlow, no package

    past[0, 5, 0] = np.inf  # filling is for NaN only
    with pytest.raises(
        ValueError, match=r"past holds inf in input column 'y' \(window 0, step 5\)"
    ):
        loaded.predict_arrays(past, future)
    past[0, 5, 0] = 1.0
    past[0, :, 1] = np.nan  # nothing left to fill temp from
    with pytest.raises(
        ValueError, match=r"past holds only NaN in input column 'temp' of window 0: nothing to fill"
    ):
        loaded.predict_arrays(past, future)
    outage = frame.copy()
    outage.iloc[-8:, outage.columns.get_loc("temp")] = np.nan
    with pytest.raises(DataValidationError, match="holds no observed value in the last 8") as info:
        loaded.predict(outage)
    assert info.value.column == "temp" and info.value.timestamp == frame.index[-1]


def test_nan_inputs_of_a_loaded_ffill_model_raise_errors_naming_the_column(tmp_path):
    frame = series()
    model = LinearForecaster(
        input_width=8,
        horizon=3,
        covariates=("temp",),
        calendar=("hour",),
        missing={"inputs": "ffill", "limit": 3},
    ).fit(frame)
    loaded = forecast.load(model.export(tmp_path / "linear_ffill"))
    assert loaded.metadata["input_columns"] == ["y", "temp", "hour_sin", "hour_cos"]
    short_gap = frame.copy()
    short_gap.iloc[-2:, short_gap.columns.get_loc("temp")] = (
        np.nan
    )  # within the policy's limit of 3
    pd.testing.assert_frame_equal(loaded.predict(short_gap), model.predict(short_gap), rtol=1e-5)
    long_gap = frame.copy()
    long_gap.iloc[-5:, long_gap.columns.get_loc("temp")] = np.nan
    with pytest.raises(
        DataValidationError,
        match="input is NaN in the last 8 rows, beyond what the "
        r"missing-value policy fills \(MissingPolicy\(inputs='ffill', limit=3\)\)",
    ) as info:
        loaded.predict(long_gap)
    assert info.value.column == "temp" and info.value.timestamp == frame.index[-1]

    windows = loaded.latest_windows(frame).inputs
    past, future = windows["past"].copy(), windows["future"].copy()
    np.testing.assert_allclose(
        loaded.predict_arrays(past, future)[:, :, 0], [model.predict(frame)["y"]], rtol=1e-5
    )
    past[0, 5, 1] = np.nan  # ffill reads rows before the window: the graph cannot fill it
    with pytest.raises(
        ValueError,
        match=r"past holds NaN in input column 'temp' \(window 0, step 5\); fill or "
        "drop those windows first",
    ):
        loaded.predict_arrays(past, future)
    past[0, 5, 1], past[0, 7, 0] = 1.0, np.inf
    with pytest.raises(
        ValueError, match=r"past holds inf in input column 'y' \(window 0, step 7\)"
    ):
        loaded.predict_arrays(past, future)
    future[0, 2, 1] = np.nan  # was served as a NaN forecast without a word
    with pytest.raises(
        ValueError, match=r"future holds NaN in calendar column 'hour_cos' \(window 0, step 2\)"
    ):
        loaded.predict_arrays(windows["past"], future)


def test_a_loaded_model_names_the_columns_it_reads_when_the_frame_differs(with_calendar):
    frame, exported = with_calendar
    model, path = exported["lstm"]
    loaded = forecast.load(path)
    assert loaded.columns == ["y", "temp"]
    wider = frame.assign(station="Lisbon", humidity=0.5)
    with pytest.raises(
        DataValidationError,
        match=r"the frame has column\(s\) \['station', 'humidity'\] this "
        r"model does not read \(it reads \['y', 'temp'\]\); select them with frame\[model.columns\]",
    ):
        loaded.predict(wider)
    expected = model.predict(frame)
    pd.testing.assert_frame_equal(
        loaded.predict(wider, extra_columns="ignore"), expected, rtol=1e-5
    )
    pd.testing.assert_frame_equal(loaded.predict(wider[loaded.columns]), expected, rtol=1e-5)
    with pytest.raises(
        DataValidationError,
        match=r"the frame lacks column\(s\) \['temp'\] this model reads "
        r"\(it reads \['y', 'temp'\]; the frame has \['y'\]\)",
    ) as info:
        loaded.predict(frame.drop(columns="temp"))
    assert info.value.column == "temp"
    with pytest.raises(ValueError, match="extra_columns must be 'error' or 'ignore', got 'drop'"):
        loaded.predict(frame, extra_columns="drop")


def test_saved_model_cli_shows_past_future_and_forecast_of_a_model_with_calendar_features(
    with_calendar,
):
    _, exported = with_calendar
    _, path = exported["linear"]
    cli = Path(sys.executable).parent / "saved_model_cli"
    result = subprocess.run(
        [str(cli), "show", "--all", "--dir", str(path)], capture_output=True, text=True, check=True
    )
    serving = result.stdout.split("signature_def['serving_default']:")[1].split("signature_def[")[0]
    tensors = dict(
        re.findall(
            r"(\w+\['\w+'\]) tensor_info:\s+dtype: DT_FLOAT\s+shape: (\([-\d, ]+\))", serving
        )
    )
    # past: 8 steps of y, temp, hour_sin, hour_cos; future: 3 steps of hour_sin, hour_cos
    assert tensors == {
        "inputs['past']": "(-1, 8, 4)",
        "inputs['future']": "(-1, 3, 2)",
        "outputs['forecast']": "(-1, 3, 1)",
    }


FRESH_PROCESS_NO_SKLEARN = """
import json, sys

class NoScikitLearn:  # fail any import of scikit-learn (TensorFlow's Keras imports it if it can)
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "sklearn":
            raise ModuleNotFoundError(f"No module named {name!r} (blocked)", name=name)

sys.meta_path.insert(0, NoScikitLearn())
import pandas as pd
import forecast
frame = pd.read_pickle(sys.argv[1])
out = {name: forecast.load(path).predict(frame).to_numpy().tolist() for name, path in json.loads(sys.argv[2]).items()}
modules = sorted(m for m in sys.modules if m.split(".")[0] in ("forecast", "sklearn"))
print(json.dumps({"forecasts": out, "modules": modules}))
"""


def test_a_loaded_model_needs_only_tensorflow_pandas_and_numpy(tmp_path, with_calendar):
    """Loading and predicting imports none of the estimator code (forecast.models, .nn,
    .evaluation, .app) and works with scikit-learn made unimportable. (Without the
    block, ``import tensorflow`` imports Keras, whose optional scikit-learn wrappers import
    sklearn whenever it is installed: TensorFlow's doing, not this package's.)"""
    frame, exported = with_calendar
    frame.to_pickle(tmp_path / "frame.pkl")
    paths = {name: str(path) for name, (_, path) in exported.items()}
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            FRESH_PROCESS_NO_SKLEARN,
            str(tmp_path / "frame.pkl"),
            json.dumps(paths),
        ],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
    )
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    training_side = ("forecast.models", "forecast.nn", "forecast.evaluation", "forecast.app")
    assert "forecast.serving.export" in answer["modules"]
    assert not [m for m in answer["modules"] if m.startswith(training_side)], answer["modules"]
    for name, (model, _) in exported.items():
        np.testing.assert_allclose(
            answer["forecasts"][name], model.predict(frame).to_numpy(), rtol=1e-5
        )


def test_an_export_removes_what_a_killed_export_left_beside_it(tmp_path):
    stale = tmp_path / ".model.999999999-0123456789ab.tmp"  # its writer (a dead PID) was killed
    (stale / "variables").mkdir(parents=True)
    path = Naive(input_width=8, horizon=3).fit(series()).export(tmp_path / "model")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]
    assert forecast.load(path).horizon == 3


QUANTILE_PROCESS = """
import json, sys
import pandas as pd
import forecast
frame = pd.read_pickle(sys.argv[1])
loaded = forecast.load(sys.argv[2])
quantiles = loaded.predict_quantiles(frame)
print(json.dumps({
    "levels": list(loaded.quantile_levels),
    "columns": [list(c) for c in quantiles.columns],
    "quantiles": quantiles.to_numpy().tolist(),
    "interval": loaded.predict_interval(frame, 0.8).to_numpy().tolist(),
    "forecast": loaded.predict(frame).to_numpy().tolist(),
}))
"""


def test_a_quantile_network_exports_its_levels_and_loads_with_the_same_quantiles(tmp_path):
    frame = FRAMES["panel"]()
    model = LSTMForecaster(
        covariates=("temp",), quantiles=(0.1, 0.9), strategy="autoregressive", **NEURAL
    ).fit(frame)
    path = model.export(tmp_path / "quantile_lstm")
    meta = json.loads((path / "assets" / "forecast.json").read_text())
    assert meta["quantile_levels"] == [0.1, 0.5, 0.9]
    assert meta["signature"]["outputs"] == ["forecast", "quantiles"]
    windows = model.windows(frame)
    inputs, _ = windows.arrays("train")
    signature = tf.saved_model.load(str(path)).signatures["serving_default"]
    out = signature(past=tf.constant(inputs["past"][:4]), future=tf.constant(inputs["future"][:4]))
    assert out["quantiles"].shape == (4, 6, 1, 3) and out["forecast"].shape == (4, 6, 1)
    expected = model.forecast_quantile_windows(windows, (0.1, 0.5, 0.9), "train")[:4]
    np.testing.assert_allclose(out["quantiles"].numpy(), expected, rtol=1e-5)
    np.testing.assert_array_equal(out["forecast"].numpy(), out["quantiles"].numpy()[..., 1])
    frame.to_pickle(tmp_path / "frame.pkl")
    result = subprocess.run(
        [sys.executable, "-c", QUANTILE_PROCESS, str(tmp_path / "frame.pkl"), str(path)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
    )
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    quantiles = model.predict_quantiles(frame)
    assert loaded["levels"] == [0.1, 0.5, 0.9]
    assert [tuple(c) for c in loaded["columns"]] == quantiles.columns.tolist()
    np.testing.assert_allclose(loaded["quantiles"], quantiles.to_numpy(), rtol=1e-5)
    np.testing.assert_allclose(
        loaded["interval"], model.predict_interval(frame, 0.8).to_numpy(), rtol=1e-5
    )
    np.testing.assert_allclose(loaded["forecast"], model.predict(frame).to_numpy(), rtol=1e-5)


def test_a_loaded_point_model_says_it_serves_no_quantiles(tmp_path):
    frame = series()
    loaded = forecast.load(Naive(input_width=8, horizon=3).fit(frame).export(tmp_path / "naive"))
    assert loaded.quantile_levels is None and "quantile_levels" not in loaded.metadata
    with pytest.raises(ValueError, match="exported from a point forecaster"):
        loaded.predict_quantiles(frame)
    quantile = LSTMForecaster(quantiles=(0.25, 0.75), **{**NEURAL, "calendar": ()}).fit(frame)
    loaded = forecast.load(quantile.export(tmp_path / "quantile"))
    with pytest.raises(
        ValueError, match=r"serves the quantiles \[0.25, 0.5, 0.75\] it was exported with, not"
    ):
        loaded.predict_interval(frame, 0.8)
