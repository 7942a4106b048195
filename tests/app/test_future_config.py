"""``data: future_covariates:`` in a config: passed to the models that read them, backtested
from the data, exported with them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import forecast
from forecast.app.cli import main
from forecast.app.config import ConfigError, build_forecasters, parse_config

CONFIG = """
name: shops
data: {{path: {path}, id_col: shop, time_col: day, target: sales,
        future_covariates: [promo, kind], calendar: []}}
window: {{input_width: 7, horizon: 3}}
models:
  - {{name: naive, kind: naive}}
  - {{name: linear, kind: linear}}
  - {{name: LSTM, kind: lstm, units: [4], dense_units: []}}
training: {{epochs: 1, seed: 0}}
evaluation: {{origins: {{start: "2024-03-01", stride: 3}}}}
export: {{refit: false}}
"""


def shops(n: int = 90) -> pd.DataFrame:
    """Two shops' daily sales: 3 more on a promotion day, 1 more on a kind 'a' day."""
    rows = []
    for k, shop in enumerate(["north", "south"]):
        rng = np.random.default_rng(k)
        promo = rng.integers(0, 2, n).astype(float)
        kind = rng.choice(["a", "b"], n)
        sales = 10 + 3 * promo + (kind == "a") + rng.normal(0, 0.1, n)
        days = pd.date_range("2024-01-01", periods=n, freq="D")
        rows.append(
            pd.DataFrame({"shop": shop, "day": days, "sales": sales, "promo": promo, "kind": kind})
        )
    return pd.concat(rows, ignore_index=True)


def test_future_covariates_go_to_the_models_that_read_them(tmp_path):
    config = parse_config(CONFIG.format(path="shops.csv"), source="shops.yaml")
    assert config.data.future_covariates == ["promo", "kind"]
    models = build_forecasters(config)
    assert models["linear"].future_covariates == ("promo", "kind")
    assert models["LSTM"].future_covariates == ("promo", "kind")
    assert models["naive"].future_covariates is None  # it reads none
    bad = CONFIG.format(path="shops.csv").replace(
        "kind: linear}", "kind: linear, future_covariates: [promo]}"
    )
    with pytest.raises(ConfigError, match="future_covariates: set it in the data or window block"):
        parse_config(bad, source="shops.yaml")
    with pytest.raises(ConfigError, match="future_covariates"):
        parse_config(
            CONFIG.format(path="shops.csv").replace("[promo, kind]", "promo: 1"), source="x.yaml"
        )


def test_forecast_run_backtests_and_exports_with_future_covariates(tmp_path, capsys):
    data = shops()
    data.to_csv(tmp_path / "shops.csv", index=False)
    config = tmp_path / "shops.yaml"
    config.write_text(CONFIG.format(path="shops.csv"))
    runs = tmp_path / "runs"
    assert main(["run", str(config), "--quick", "--quiet", "--runs-dir", str(runs)]) == 0
    run = pd.read_csv(next(runs.glob("shops/*/leaderboard.csv")), index_col=0)
    # only the promotion of the day says the sales: read from the data at every origin
    assert run.loc["linear", "mae"] < 0.2 < 1.0 < run.loc["naive", "mae"]
    models = next(runs.glob("shops/*/models"))
    loaded = forecast.load(models / "linear")
    assert loaded.metadata["future_covariate_columns"] == ["promo", "kind"]
    assert forecast.load(models / "LSTM").input_schema.future_covariate_columns == ("promo", "kind")
    assert forecast.load(models / "naive").input_schema.future_covariate_columns == ()
    # the export forecasts the next days from the covariates given for them
    history = forecast.from_long(data, id_col="shop", time_col="day")
    days = pd.date_range("2024-03-31", periods=3, freq="D")
    index = pd.MultiIndex.from_product([["north", "south"], days], names=history.index.names)
    future = pd.DataFrame({"promo": [1.0, 0.0, 1.0] * 2, "kind": ["b"] * 6}, index=index)
    forecasts = loaded.predict(history, future=future)["sales"].to_numpy()
    np.testing.assert_allclose(forecasts, [13, 10, 13] * 2, atol=0.3)
