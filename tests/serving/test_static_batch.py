"""``forecast batch`` with a model of static covariates or a series embedding: the static values
from the input's columns or the export's training values, bad series reported, local and Spark
alike."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from serving.test_spark import spark  # noqa: F401  (the module's Spark session fixture)

import forecast
from forecast import DataValidationError, LSTMForecaster
from forecast.serving.batch_files import forecast_file

pytest.importorskip("tensorflow")

DAYS = pd.date_range("2024-01-01", periods=30, freq="D")
REGION = {"a": "north", "b": "south", "c": "north", "d": "south", "e": "south"}
CAPACITY = {"a": 100.0, "b": 200.0, "c": 600.0, "d": 50.0, "e": 300.0}
SMALL = dict(
    input_width=5, horizon=2, units=(4,), dense_units=(), epochs=1, calendar=(),
    random_state=0, verbose=0, residual=None, scaling="standard",
)  # fmt: skip


def stores(ids=("a", "b", "c")) -> pd.DataFrame:
    index = pd.MultiIndex.from_product([list(ids), DAYS], names=["unique_id", "ds"])
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {
            "y": rng.normal(size=len(index)) + np.array([CAPACITY[s] for s, _ in index]) / 100,
            "region": [REGION[s] for s, _ in index],
            "capacity": [CAPACITY[s] for s, _ in index],
        },
        index=index,
    )


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """A one-epoch LSTM with a categorical and a numeric static covariate, and one with a
    series embedding, exported."""
    where = tmp_path_factory.mktemp("static_batch")
    frame = stores()
    static = LSTMForecaster(static_covariates=("region", "capacity"), **SMALL).fit(frame)
    embedded = LSTMForecaster(series_embedding=2, **SMALL).fit(frame[["y"]])
    return static.export(where / "static", name="LSTM"), embedded.export(where / "embedded")


def long(frame: pd.DataFrame) -> pd.DataFrame:
    return forecast.to_long(frame, id_col="unique_id", time_col="ds")


def run(path, rows: pd.DataFrame, tmp_path, name="in.parquet"):
    """Forecasts and ``{series: reason}`` of a batch job on ``rows`` (files in ``tmp_path``)."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    source = tmp_path / name
    rows.to_parquet(source) if name.endswith(".parquet") else rows.to_csv(source, index=False)
    forecast_file(path, source, tmp_path / "out.parquet", progress=False, series_per_batch=3)
    errors = tmp_path / "out.errors.csv"
    reasons = pd.read_csv(errors).set_index("unique_id").reason.to_dict() if errors.exists() else {}
    return pd.read_parquet(tmp_path / "out.parquet"), reasons


def check_values(out: pd.DataFrame, expected: pd.DataFrame) -> None:
    """The batch forecasts are the loaded model's ``predict``, row by row."""
    assert list(out.columns) == ["unique_id", "ds", "step", "forecast", "model", "version"]
    assert out.unique_id.tolist() == expected.index.get_level_values(0).tolist()
    assert pd.to_datetime(out.ds).tolist() == expected.index.get_level_values(1).tolist()
    assert out.step.tolist() == [1, 2] * (len(out) // 2)
    np.testing.assert_allclose(out.forecast, expected["y"].to_numpy(), rtol=1e-5)


def test_static_values_come_from_the_input_columns(exported, tmp_path):
    path, _ = exported
    frame = stores(ids=("a", "b", "c", "d", "e"))
    frame.loc[("c", DAYS[-3]), "capacity"] = 650.0  # varies within the rows read
    frame.loc[("e", DAYS[-2]), "capacity"] = np.nan  # an empty cell of the CSV
    out, reasons = run(path, long(frame), tmp_path, name="in.csv")
    # d was not in training: its values come from the file
    good = frame.loc[["a", "b", "d"]]
    check_values(out, forecast.load(path).predict(good))
    assert out.model.unique().tolist() == ["LSTM"]
    assert reasons == {
        "c": "static covariate 'capacity' varies within a series (600.0, then 650.0) "
        f"(column 'capacity', at {DAYS[-3]})",
        "e": f"static covariate 'capacity' is missing (NaN) (column 'capacity', at {DAYS[-2]})",
    }
    frame.loc[("e", DAYS[-4]), "region"] = None  # a null category in a Parquet file
    _, reasons = run(path, long(frame.loc[["e"]]), tmp_path / "null")
    assert reasons == {
        "e": f"static covariate 'region' is missing (NaN) (column 'region', at {DAYS[-4]})"
    }
    # the file's values are read, not the training ones
    other = frame.loc[["a"]].assign(capacity=900.0)
    moved, _ = run(path, long(other), tmp_path / "other")
    assert not np.allclose(moved.forecast, out.forecast[:2])


def test_without_static_columns_the_training_values_are_read(exported, tmp_path):
    path, _ = exported
    frame = stores(ids=("a", "b", "c", "d"))
    out, reasons = run(path, long(frame[["y"]]), tmp_path)
    check_values(out, forecast.load(path).predict(frame.loc[["a", "b", "c"], ["y"]]))
    np.testing.assert_allclose(
        out.forecast, forecast.load(path).predict(frame.loc[["a", "b", "c"]])["y"], rtol=1e-5
    )
    assert list(reasons) == ["d"]
    assert reasons["d"].startswith("no static covariates for series ['d'] in the export's")


def test_some_static_columns_only_is_an_error_naming_the_missing_one(exported, tmp_path):
    path, _ = exported
    long(stores()).drop(columns="region").to_parquet(tmp_path / "in.parquet")
    with pytest.raises(DataValidationError, match=r"not \['region'\]") as caught:
        forecast_file(path, tmp_path / "in.parquet", tmp_path / "out.csv", progress=False)
    assert caught.value.column == "region"


def test_a_series_embedding_forecasts_the_training_series_only(exported, tmp_path):
    _, path = exported
    frame = stores(ids=("a", "b", "d", "c"))[["y"]]
    out, reasons = run(path, long(frame), tmp_path)
    check_values(out, forecast.load(path).predict(frame.loc[["a", "b", "c"]]))
    assert list(reasons) == ["d"]
    assert reasons["d"].startswith("series 'd' was not seen in training")


@pytest.mark.slow
def test_spark_forecasts_static_models_as_the_local_engine(spark, exported, tmp_path):  # noqa: F811
    from forecast.serving.spark import forecast_spark, split_errors

    frame = stores(ids=("a", "b", "c", "d", "e"))
    frame.loc[("e", DAYS[-2]), "capacity"] = np.nan
    static, embedded = exported
    jobs = {
        "columns": (static, long(frame)),
        "training": (static, long(frame[["y"]])),
        "embedded": (embedded, long(frame[["y"]])),
    }
    for where, (path, rows) in jobs.items():
        local, local_reasons = run(path, rows, tmp_path / where)
        given = spark.createDataFrame(rows.sample(frac=1.0, random_state=0))
        result = forecast_spark(given, path, series_per_batch=2).persist()
        forecasts, errors = split_errors(result)
        remote = forecasts.toPandas().sort_values(["unique_id", "step"], ignore_index=True)
        remote_reasons = dict(errors.toPandas().itertuples(index=False))
        pd.testing.assert_frame_equal(remote, local, check_dtype=False, obj=where)
        assert remote_reasons == local_reasons, where
        result.unpersist()
