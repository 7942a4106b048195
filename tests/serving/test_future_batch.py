"""``forecast batch`` with a model of known-future covariates: the forecast steps' rows in the
input or in a ``--future`` file, bad ones reported per series, local and Spark alike."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import panel
from serving.test_future_export import next_days, shop
from serving.test_spark import spark  # noqa: F401  (the module's Spark session fixture)

import forecast
from forecast import DataValidationError
from forecast.app.cli import main
from forecast.serving.batch_files import forecast_file

pytest.importorskip("tensorflow")

FUTURE = ("promo", "kind")


def shops():
    """Four shops' history and the future covariates of their next 3 days; shop ``c`` lacks
    its last day, shop ``d`` has a NaN promotion on its second."""
    history = {sid: shop(n=60 + 10 * k, seed=k) for k, sid in enumerate("abcd")}
    future = {sid: next_days(frame, [1, 0, 1], ["a", "b", "a"]) for sid, frame in history.items()}
    future["c"] = future["c"].iloc[:2]
    future["d"].iloc[1, 0] = np.nan
    return panel(history), panel(future)


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    history, future = shops()
    model = forecast.LinearForecaster(
        input_width=7, horizon=3, calendar=(), future_covariates=FUTURE
    ).fit(history)
    path = model.export(tmp_path_factory.mktemp("future_batch") / "linear", name="Linear")
    good = ["a", "b"]
    expected = model.predict(history.loc[good], future=future.loc[good])
    return path, history, future, expected


def long(frame: pd.DataFrame) -> pd.DataFrame:
    return forecast.to_long(frame, id_col="unique_id", time_col="ds")


def check(out: pd.DataFrame, errors: pd.DataFrame, expected: pd.DataFrame) -> None:
    assert list(out.columns) == ["unique_id", "ds", "step", "forecast", "model", "version"]
    assert out.unique_id.tolist() == ["a"] * 3 + ["b"] * 3
    assert out.step.tolist() == [1, 2, 3] * 2
    np.testing.assert_allclose(out.forecast, expected["y"].to_numpy(), rtol=1e-5)
    stamps = expected.index.get_level_values(1)
    assert pd.to_datetime(out.ds).tolist() == stamps.tolist()
    reasons = dict(zip(errors.unique_id, errors.reason))
    assert sorted(reasons) == ["c", "d"]
    last_c = shop(n=80, seed=2).index[-1] + pd.Timedelta(days=3)
    assert reasons["c"] == (
        "the future covariates' input lacks the row of this forecast step (a forecast needs the "
        f"3 timestamps after the end of the series, {last_c - pd.Timedelta(days=2)} to "
        f"{last_c}) (column 'promo', at {last_c})"
    )
    second_d = shop(n=90, seed=3).index[-1] + pd.Timedelta(days=2)
    assert reasons["d"].startswith("future covariate is NaN at a forecast step")
    assert reasons["d"].endswith(f"(column 'promo', at {second_d})")


def test_the_forecast_steps_rows_come_in_the_input_after_the_last_observed_target(
    exported, tmp_path
):
    path, history, future, expected = exported
    rows = long(pd.concat([history, future]).sort_index())  # y empty on the future rows
    rows.to_csv(tmp_path / "in.csv", index=False)
    summary = forecast_file(path, tmp_path / "in.csv", tmp_path / "out.csv", progress=False)
    assert (summary.n_series, summary.n_failed) == (4, 2)
    out = pd.read_csv(tmp_path / "out.csv")
    check(out, pd.read_csv(tmp_path / "out.errors.csv"), expected)
    # a series with more rows after its last target than the horizon: named, not forecast
    extra = next_days(history.loc["a"], [1, 0, 1, 1], ["a", "b", "a", "a"])
    more = long(pd.concat([history.loc[["a"]], panel({"a": extra})]).sort_index())
    more.to_parquet(tmp_path / "more.parquet")
    forecast_file(path, tmp_path / "more.parquet", tmp_path / "more.csv", progress=False)
    reason = pd.read_csv(tmp_path / "more.errors.csv").reason[0]
    assert reason.startswith("the input holds 4 rows after the series' last observed target")
    assert reason.endswith(f"(column 'promo', at {extra.index[3]})")


def test_the_forecast_steps_rows_come_from_a_future_file(exported, tmp_path, capsys):
    path, history, future, expected = exported
    long(history).to_parquet(tmp_path / "history.parquet")
    wrong = long(future).astype({"promo": object})
    wrong.loc[wrong.index[wrong.unique_id == "b"][-1], "promo"] = "lots"  # row 6 of the file
    long(future).to_csv(tmp_path / "future.csv", index=False)
    args = ["batch", "--model", str(path), "--input", str(tmp_path / "history.parquet")]
    args += ["--output", str(tmp_path / "out.parquet"), "--future", str(tmp_path / "future.csv")]
    assert main(args) == 1  # two series failed
    assert "2 series failed" in capsys.readouterr().err
    out = pd.read_parquet(tmp_path / "out.parquet")
    check(out, pd.read_csv(tmp_path / "out.errors.csv"), expected)
    # a cell that is not a number fails its series only, naming the row of the future file
    wrong.to_csv(tmp_path / "wrong.csv", index=False)
    forecast_file(
        path, tmp_path / "history.parquet", tmp_path / "w.csv", progress=False,
        future_path=tmp_path / "wrong.csv",
    )  # fmt: skip
    reasons = pd.read_csv(tmp_path / "w.errors.csv").set_index("unique_id").reason
    assert sorted(reasons.index) == ["b", "c", "d"]
    assert (
        reasons["b"]
        == "cannot read 'lots' in column 'promo', row 6 of the future file, as a number"
    )
    assert pd.read_csv(tmp_path / "w.csv").unique_id.unique().tolist() == ["a"]


def test_a_future_file_must_fit_the_model(exported, tmp_path):
    path, history, future, _ = exported
    long(history).to_parquet(tmp_path / "history.parquet")
    long(future).drop(columns="kind").to_parquet(tmp_path / "future.parquet")
    with pytest.raises(DataValidationError, match="future file .* has no column 'kind'"):
        forecast_file(
            path, tmp_path / "history.parquet", tmp_path / "out.csv", progress=False,
            future_path=tmp_path / "future.parquet",
        )  # fmt: skip
    plain = forecast.Naive(input_width=7, horizon=3).fit(history[["y"]])
    naive = plain.export(tmp_path / "naive")
    long(history[["y"]]).to_parquet(tmp_path / "y.parquet")
    with pytest.raises(ValueError, match="reads no future covariates"):
        forecast_file(
            naive, tmp_path / "y.parquet", tmp_path / "out.csv", progress=False,
            future_path=tmp_path / "future.parquet",
        )  # fmt: skip


@pytest.mark.slow
def test_spark_forecasts_future_covariates_as_the_local_engine(spark, exported, tmp_path):  # noqa: F811
    from forecast.serving.spark import forecast_file_spark, forecast_spark, split_errors

    path, history, future, expected = exported
    rows = long(pd.concat([history, future]).sort_index())
    shuffled = rows.sample(frac=1.0, random_state=0)  # Spark must not depend on row order
    local_path = tmp_path / "in.parquet"
    rows.to_parquet(local_path)
    forecast_file(path, local_path, tmp_path / "local.parquet", progress=False)
    local = pd.read_parquet(tmp_path / "local.parquet")
    local_errors = pd.read_csv(tmp_path / "local.errors.csv")
    inputs = {
        "rows": (spark.createDataFrame(shuffled), None),
        "file": (spark.createDataFrame(long(history)), spark.createDataFrame(long(future))),
    }
    for where, (given, future_rows) in inputs.items():
        result = forecast_spark(given, path, series_per_batch=2, future=future_rows).persist()
        forecasts, errors = split_errors(result)
        remote = forecasts.toPandas().sort_values(["unique_id", "step"], ignore_index=True)
        remote_errors = errors.toPandas().sort_values("unique_id", ignore_index=True)
        pd.testing.assert_frame_equal(remote, local, check_dtype=False, obj=where)
        pd.testing.assert_frame_equal(remote_errors, local_errors, obj=where)
        result.unpersist()
    # forecast batch --engine spark --future: the future file read by Spark
    long(history).to_csv(tmp_path / "history.csv", index=False)  # Spark reads no ns Parquet
    long(future).to_csv(tmp_path / "future.csv", index=False)
    counts = forecast_file_spark(
        path, str(tmp_path / "history.csv"), str(tmp_path / "out"), spark=spark,
        future_path=str(tmp_path / "future.csv"),
    )  # fmt: skip
    assert counts == (2, 2)
    out = pd.read_parquet(tmp_path / "out").sort_values(["unique_id", "step"], ignore_index=True)
    pd.testing.assert_frame_equal(out, local, check_dtype=False)
