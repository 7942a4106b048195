"""AutoETS and AutoTheta: statsforecast's models per series, forecasting from window states."""

from __future__ import annotations

import pickle
import sys
import time

import numpy as np
import pandas as pd
import pytest
from conftest import hourly, panel
from sklearn.base import clone

import forecast
from forecast import AutoETS, AutoTheta, SeasonalNaive
from forecast.app.config import parse_config
from forecast.app.runs import _models_to_export
from forecast.models import classical
from forecast.models.registry import MODEL_KINDS


@pytest.fixture
def stats():
    """statsforecast, the stats extra (in the test extra too); the test is skipped without it."""
    return pytest.importorskip("statsforecast")


DAY = 24
HOURS = np.arange(DAY * 14)


def seasonal(level=10.0, amplitude=1.0, slope=0.0, n=None) -> np.ndarray:
    """A noiseless daily sine of 14 days (or ``n`` hours) around ``level``."""
    t = np.arange(len(HOURS) if n is None else n)
    return level + slope * t + amplitude * np.sin(2 * np.pi * t / DAY)


def continuation(values_fn, start: int, horizon: int = DAY) -> np.ndarray:
    return values_fn(n=start + horizon)[start:]


@pytest.mark.parametrize("cls", [AutoETS, AutoTheta])
@pytest.mark.usefixtures("stats")
def test_a_noiseless_seasonal_series_is_forecast_exactly(cls):
    frame = hourly(HOURS, values=seasonal())
    model = cls(input_width=3 * DAY, horizon=DAY).fit(frame)
    assert model.season_length_ == DAY  # inferred from the hourly frequency
    expected = continuation(seasonal, len(HOURS))  # the sine goes on: 10 + sin(2 pi t / 24)
    np.testing.assert_allclose(model.predict(frame)["y"].to_numpy(), expected, atol=1e-4)
    assert model.score(frame) == pytest.approx(0.0, abs=1e-4)  # every window of the frame


@pytest.mark.usefixtures("stats")
def test_a_trend_the_seasonal_naive_misses_is_followed_and_compare_says_so():
    trend = hourly(HOURS, values=seasonal(slope=0.01))
    common = dict(input_width=3 * DAY, horizon=DAY)
    board = forecast.compare(
        {"ets": AutoETS(model="AAA", **common), "seasonal": SeasonalNaive(**common)},
        trend,
        start=0.7,
        verbose=False,
    )
    assert board.index.tolist() == ["ets", "seasonal"]
    # the seasonal naive repeats the day before: 24 steps x 0.01 behind at every step
    assert board.loc["seasonal", "mae"] == pytest.approx(0.24, abs=1e-4)
    assert board.loc["ets", "mae"] < 1e-4
    assert board["baseline"].all()  # a classical model is a baseline: the skill counts it
    assert board.loc["seasonal", "skill"] < -1000


@pytest.mark.usefixtures("stats")
def test_a_panel_fits_one_model_per_series(monkeypatch):
    frame = panel(
        {
            "low": hourly(HOURS, values=seasonal(level=10.0, amplitude=1.0)),
            "high": hourly(HOURS, values=seasonal(level=500.0, amplitude=50.0)),
        }
    )
    fitted = []
    original = AutoETS._fit_one
    monkeypatch.setattr(
        AutoETS, "_fit_one", lambda self, values: fitted.append(values[0]) or original(self, values)
    )
    model = AutoETS(model="ANA", input_width=3 * DAY, horizon=DAY).fit(frame)
    assert sorted(model.params_) == ["high", "low"]
    assert sorted(fitted) == [10.0, 500.0]  # one fit per series, on its own values
    out = model.predict(frame)["y"]
    np.testing.assert_allclose(out.loc["low"], continuation(seasonal, len(HOURS)), atol=1e-3)
    high = continuation(lambda n: seasonal(500.0, 50.0, n=n), len(HOURS))
    np.testing.assert_allclose(out.loc["high"], high, rtol=1e-5)
    # the backtest's windows reach each series' own parameters too (no new fit)
    assert model.score(frame) == pytest.approx(0.0, abs=1e-3)
    assert len(fitted) == 2


@pytest.mark.usefixtures("stats")
def test_every_target_has_its_own_model():
    frame = hourly(HOURS, values=seasonal(), z=seasonal(level=-50.0, amplitude=3.0))
    model = AutoETS(model="ANA", target=("y", "z"), input_width=3 * DAY, horizon=DAY).fit(frame)
    assert len(model.params_[None]) == 2
    out = model.predict(frame)
    np.testing.assert_allclose(out["y"], continuation(seasonal, len(HOURS)), atol=1e-4)
    z = continuation(lambda n: seasonal(-50.0, 3.0, n=n), len(HOURS))
    np.testing.assert_allclose(out["z"], z, atol=1e-4)


@pytest.mark.usefixtures("stats")
def test_a_series_the_fit_did_not_see_is_fitted_on_its_window():
    seen = panel({"a": hourly(HOURS, values=seasonal())})
    unseen = panel({"b": hourly(HOURS, values=seasonal(level=20.0))})
    # fitted on the week before the origin (statsforecast's seasonality test needs a long one)
    model = AutoTheta(input_width=7 * DAY, horizon=DAY).fit(seen)
    expected = continuation(lambda n: seasonal(20.0, n=n), len(HOURS))
    np.testing.assert_allclose(model.predict(unseen)["y"].to_numpy(), expected, atol=1e-4)


@pytest.mark.usefixtures("stats")
def test_backtests_refit_the_parameters_per_block(monkeypatch):
    frame = hourly(np.arange(DAY * 20), values=seasonal(n=DAY * 20))
    fits = []
    original = AutoETS._fit_one
    monkeypatch.setattr(
        AutoETS, "_fit_one", lambda self, values: fits.append(len(values)) or original(self, values)
    )
    model = AutoETS(model="ANA", input_width=3 * DAY, horizon=DAY)
    tidy = forecast.backtest(model, frame, start=frame.index[DAY * 16], refit=2)  # days 16-19
    assert tidy["origin"].nunique() == 4
    # two blocks of two origins, each fitted on every row before its first origin
    assert fits == [DAY * 16, DAY * 18]
    np.testing.assert_allclose(tidy["forecast"], tidy["actual"], atol=1e-3)


@pytest.mark.usefixtures("stats")
def test_parameters_clone_and_pickle():
    model = AutoETS(24, model="AAN", damped=True, max_fit_length=500, input_width=72, horizon=6)
    assert clone(model).get_params() == model.get_params()
    assert model.get_params()["season_length"] == 24
    assert AutoTheta().get_params() == {
        "season_length": None,
        "model": None,
        "decomposition_type": "multiplicative",
        "max_fit_length": None,
        "input_width": None,
        "horizon": 1,
        "target": "y",
        "covariates": None,
        "calendar": (),
        "missing": None,
    }
    with pytest.raises(ValueError, match="model must be one of"):
        AutoTheta(model="XYZ").fit(hourly(HOURS, values=seasonal()))
    frame = hourly(HOURS, values=seasonal())
    fitted = AutoTheta(input_width=72, horizon=DAY).fit(frame)
    again = pickle.loads(pickle.dumps(fitted))
    pd.testing.assert_frame_equal(again.predict(frame), fitted.predict(frame))


def test_the_fit_reads_the_longest_stretch_without_gaps_or_nan():
    hours = [*range(10), *range(12, 40)]  # a gap at hours 10-11
    values = np.arange(len(hours), dtype=float)
    values[30] = np.nan  # hour 32: splits 12..39 into 12..31 (20 rows) and 33..39
    frame = hourly(hours, values=values)
    windows = forecast.make_windows(
        frame,
        forecast.WindowSpec(3, 1),
        target="y",
        split=(1.0, 0.0, 0.0),
        missing=forecast.MissingPolicy(inputs="drop"),  # the NaN stays a NaN
    )
    stretch = classical.series_training_values(windows, 0, 0)
    assert stretch.tolist() == list(range(10, 30))  # rows of hours 12..31


@pytest.mark.usefixtures("stats")
def test_the_season_needs_two_seasons_in_the_window():
    frame = hourly(HOURS, values=seasonal())
    inferred = AutoTheta(input_width=36, horizon=DAY).fit(frame)
    assert inferred.season_length_ == 1  # the frequency's 24 does not fit twice in 36
    with pytest.raises(ValueError, match="season_length 24 needs an input_width of at least 48"):
        AutoTheta(season_length=24, input_width=36, horizon=DAY).fit(frame)


@pytest.mark.usefixtures("stats")
def test_a_trend_starts_from_the_line_through_the_whole_window():
    window = 2.0 + 0.5 * np.arange(10)  # the line 1.5 + 0.5 * step, steps 1..10
    np.testing.assert_allclose(classical.window_states(window, 1, "A", "N"), [1.5, 0.5])
    params = {"components": "AANN", "m": 1, "par": (0.5, 0.1, np.nan, np.nan)}
    forecast_ = classical.ets_window_forecast(params, window, 3)  # no error: the line goes on
    np.testing.assert_allclose(forecast_, [7.0, 7.5, 8.0])


@pytest.mark.usefixtures("stats")
def test_a_multiplicative_season_on_a_window_with_zeros_repeats_the_last_season():
    params = {"components": "MNMN", "m": 4, "par": (0.1, np.nan, 0.1, np.nan)}
    window = np.array([0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0])
    assert classical.ets_window_forecast(params, window, 6).tolist() == [4, 5, 6, 7, 4, 5]


def test_without_statsforecast_the_error_names_the_extra(monkeypatch):
    for name in [m for m in sys.modules if m.split(".")[0] == "statsforecast"]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "statsforecast", None)  # import statsforecast fails
    with pytest.raises(ImportError, match=r"pip install 'forecast\[stats\]'"):
        AutoETS(input_width=72, horizon=DAY).fit(hourly(HOURS, values=seasonal()))


@pytest.mark.usefixtures("stats")
def test_configs_name_them_and_runs_export_only_what_can_be(tmp_path):
    assert MODEL_KINDS["auto_ets"] is AutoETS and MODEL_KINDS["auto_theta"] is AutoTheta
    text = (
        "data: {dataset: electricity_hourly, target: y}\nwindow: {horizon: 24}\n"
        "models: [{name: ets, kind: auto_ets, season_length: 24}, {name: naive, kind: naive}]\n"
    )
    config = parse_config(text)
    board = pd.DataFrame({"mae": [1.0, 2.0]}, index=["ets", "naive"])
    assert _models_to_export(config, board) == ["naive"]  # "all": what can be exported
    best = parse_config(text + "export: {models: best}\n")
    assert _models_to_export(best, board) == ["naive"]  # the best that can be exported
    with pytest.raises(ValueError, match=r"\['ets'\] cannot be exported"):
        parse_config(text + "export: {models: [ets]}\n")
    model = AutoTheta(input_width=72, horizon=DAY).fit(hourly(HOURS, values=seasonal()))
    with pytest.raises(NotImplementedError, match="AutoTheta cannot be exported"):
        model.export(tmp_path / "theta")


@pytest.mark.usefixtures("stats")
def test_milliseconds_per_window_are_reported(record_property):
    """The cost of a forecast from window-initialised states (reported, not asserted)."""
    rng = np.random.default_rng(0)
    values = seasonal(n=DAY * 60) + rng.normal(0, 0.1, DAY * 60)
    frame = hourly(np.arange(DAY * 60), values=values)
    for cls in (AutoETS, AutoTheta):
        model = cls(input_width=7 * DAY, horizon=DAY).fit(frame)
        windows = model.windows(frame)
        started = time.perf_counter()
        model.forecast_windows(windows, "train")
        ms = 1000 * (time.perf_counter() - started) / windows.n_windows("train")
        record_property(f"{cls.__name__}_ms_per_window", round(ms, 3))
        print(f"{cls.__name__}: {ms:.2f} ms per window ({windows.n_windows('train')} windows)")
