"""The one input contract: the fitted schema, its metadata round trip, and damaged exports."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pandas as pd
import pytest

import forecast
from forecast.windowing.input_schema import InputSchema


def _frame(n=24 * 6):
    index = pd.date_range("2024-01-01", periods=n, freq="h", name="timestamp")
    wind = np.where(np.arange(n) % 3 == 0, "N", "S")
    return pd.DataFrame({"y": np.arange(n, dtype=float) % 24, "wind": pd.Categorical(wind)}, index)


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    frame = _frame()
    model = forecast.LinearForecaster(
        input_width=24, horizon=6, covariates=("wind",), calendar=("hour",)
    ).fit(frame)
    path = model.export(tmp_path_factory.mktemp("export") / "linear")
    return frame, model, path


def test_the_fitted_schema_is_what_the_windows_read(exported):
    frame, model, _ = exported
    schema = model.input_schema_
    assert schema.columns == ("y", "wind")
    assert schema.input_columns == ("y", "wind=N", "wind=S", "hour_sin", "hour_cos")
    assert schema.categories == {"wind": ("N", "S")}
    assert (schema.input_width, schema.horizon, schema.freq.freqstr) == (24, 6, "h")
    latest = schema.latest_windows(frame)
    np.testing.assert_array_equal(latest.inputs["past"][0, :, 0], frame["y"].to_numpy()[-24:])


def test_the_loaded_model_reads_the_same_schema(exported):
    _, model, path = exported
    loaded = forecast.load(path)
    assert loaded.input_schema == model.input_schema_
    assert loaded.columns == ["y", "wind"]


def test_metadata_round_trip_and_missing_keys(exported):
    _, model, _ = exported
    metadata = model.input_schema_.to_metadata()
    assert InputSchema.from_metadata(json.loads(json.dumps(metadata))) == model.input_schema_
    del metadata["horizon"]
    with pytest.raises(ValueError, match=r"meta\.json lacks the key\(s\) \['horizon'\]"):
        InputSchema.from_metadata(metadata, source="meta.json")


def _copy(path, tmp_path):
    target = tmp_path / "copy"
    shutil.copytree(path, target)
    return target


def test_an_unknown_format_version_is_refused_naming_the_file(exported, tmp_path):
    target = _copy(exported[2], tmp_path)
    meta_path = target / "assets" / "forecast.json"
    metadata = json.loads(meta_path.read_text())
    metadata["format_version"] = 99
    meta_path.write_text(json.dumps(metadata))
    with pytest.raises(ValueError, match=r"forecast\.json: format_version 99 is not one"):
        forecast.load(target)


def test_a_truncated_metadata_file_is_refused_naming_the_file(exported, tmp_path):
    target = _copy(exported[2], tmp_path)
    meta_path = target / "assets" / "forecast.json"
    meta_path.write_text(meta_path.read_text()[:100])
    with pytest.raises(ValueError, match=r"forecast\.json: not valid JSON"):
        forecast.load(target)


def test_an_incomplete_metadata_file_is_refused_naming_the_key(exported, tmp_path):
    target = _copy(exported[2], tmp_path)
    meta_path = target / "assets" / "forecast.json"
    metadata = json.loads(meta_path.read_text())
    del metadata["input_columns"]
    meta_path.write_text(json.dumps(metadata))
    with pytest.raises(ValueError, match=r"lacks the key\(s\) \['input_columns'\]"):
        forecast.load(target)


def test_missing_variables_are_refused_naming_the_folder(exported, tmp_path):
    target = _copy(exported[2], tmp_path)
    shutil.rmtree(target / "variables")
    with pytest.raises(ValueError, match=r"variables: missing"):
        forecast.load(target)


def test_a_truncated_graph_is_refused_naming_the_file(exported, tmp_path):
    target = _copy(exported[2], tmp_path)
    graph = target / "saved_model.pb"
    graph.write_bytes(graph.read_bytes()[: graph.stat().st_size // 2])
    with pytest.raises(ValueError, match=r"saved_model\.pb: not a loadable SavedModel"):
        forecast.load(target)
    graph.write_bytes(b"")
    with pytest.raises(ValueError, match=r"saved_model\.pb: missing or empty"):
        forecast.load(target)


def test_a_model_loaded_through_a_symlink_reads_one_directory(exported, tmp_path):
    target = _copy(exported[2], tmp_path)
    link = tmp_path / "current"
    link.symlink_to(target)
    loaded = forecast.load(link)
    assert loaded.path == link and loaded.source == target.resolve()
    other = tmp_path / "other"
    other.mkdir()
    link.unlink()
    link.symlink_to(other)  # switched after loading: the model keeps what it read
    assert loaded.source == target.resolve()
    np.testing.assert_allclose(
        loaded.predict(exported[0]), exported[1].predict(exported[0]), rtol=1e-5
    )


def test_truncated_weights_are_refused_naming_the_export(exported, tmp_path):
    target = _copy(exported[2], tmp_path)
    data = next((target / "variables").glob("variables.data-*"))
    data.write_bytes(data.read_bytes()[: data.stat().st_size // 3])
    with pytest.raises(ValueError, match=r"saved_model\.pb: not a loadable SavedModel, the model"):
        forecast.load(target)
