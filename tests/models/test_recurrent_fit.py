"""How a recurrent forecaster fits: anchors chosen on validation, the untrained network equal to
its anchor, seed ensembles averaged, covariates kept only when they help, bounded inputs."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import anchor_exact_on_validation, hourly

from forecast import GRUForecaster, LSTMForecaster
from forecast.nn.anchor_selection import anchor_members

keras = pytest.importorskip("keras")


def tiny(model_class=LSTMForecaster, **params):
    defaults = dict(
        input_width=48, horizon=6, units=(4,), dense_units=(4,), epochs=1, random_state=0
    )
    return model_class(**{**defaults, **params})


def weekly(n=24 * 7 * 6, seed=0):
    """Hourly data whose days differ within the week (weekends low): the week is the season."""
    rng = np.random.default_rng(seed)
    hours = np.arange(n)
    day = (hours // 24) % 7
    values = 10 + 5 * np.sin(2 * np.pi * hours / 24) * np.where(day >= 5, 0.2, 1.0)
    return hourly(hours, values=values + rng.normal(0, 0.05, n), x=rng.normal(size=n))


def test_auto_anchor_picks_the_weekly_season_and_says_why():
    model = tiny(input_width=168, horizon=24, epochs=1).fit(weekly())
    scores = model.anchor_scores_
    singles = {"last", "seasonal:24", "seasonal:168", "theta:24", "linear", "linear+calendar"}
    assert singles <= set(scores) and len(scores) == len(singles) + 2  # + the best 2 and 3
    # the week explains the data, the day does not (the linear models may copy the week, and
    # average its noise away; a mean of those may too)
    members = set(anchor_members(model.anchor_))
    assert members <= {"seasonal:168", "linear", "linear+calendar"}
    assert scores["seasonal:168"] < 0.5 * min(scores["seasonal:24"], scores["last"])
    # the lowest score, unless the ridge with the calendar or a mean is not clearly better
    # than the ridge on lags alone
    assert scores[model.anchor_] <= scores["linear"]
    assert model.anchor_ == min(scores, key=scores.get) or model.anchor_ == "linear"


def test_seasons_beyond_the_window_are_not_candidates():
    model = tiny(input_width=48, horizon=24).fit(weekly())
    singles = {"last", "seasonal:24", "theta:24", "linear", "linear+calendar"}
    assert {name for name in model.anchor_scores_ if "mean" not in name} == singles


def test_a_noisy_weekly_series_around_a_wandering_level_anchors_on_theta():
    """Daily data: a weekly pattern and a slowly wandering level under heavy noise. Theta
    (smoothed level, weekly indices) forecasts validation best; the untrained network forecasts
    exactly the Theta forecast of the raw window, and ``refit_full`` keeps the anchor."""
    from forecast.nn.networks import build_network, build_serving_model
    from forecast.nn.theta_anchor import ALPHAS, theta_weights

    rng = np.random.default_rng(0)
    n = 150
    level = 10 + np.cumsum(rng.normal(scale=0.2, size=n))
    week = np.tile([3.0, 1.0, 0.0, 0.0, 1.0, -2.0, -3.0], n // 7 + 1)[:n]
    index = pd.date_range("2024-01-01", periods=n, freq="D", name="timestamp")
    frame = pd.DataFrame({"y": level + week + rng.normal(size=n)}, index=index)
    model = tiny(input_width=28, horizon=7, calendar=()).fit(frame)
    assert model.anchor_ == "theta:7"
    assert model.anchor_scores_["theta:7"] < min(
        model.anchor_scores_[name] for name in ("linear", "seasonal:7", "last")
    )
    fresh = build_serving_model(build_network(**model._network_config), model.scaling_)
    inputs, _ = model.windows(frame).arrays("train")
    forecasts = keras.ops.convert_to_numpy(fresh(inputs))[:, :, 0]
    window = np.asarray(inputs["past"] if isinstance(inputs, dict) else inputs)[:, :, 0]
    theta = [window @ theta_weights(28, 7, 7, alpha) for alpha in ALPHAS]
    assert min(np.abs(forecasts - t).max() for t in theta) < 1e-3  # one of them, exactly
    assert model.refit_full(frame).anchor_ == "theta:7"


@pytest.mark.parametrize("strategy", ["direct", "seq2seq", "autoregressive"])
@pytest.mark.parametrize("residual", ["last", "seasonal", "linear"])
def test_the_untrained_network_forecasts_its_anchor_exactly(strategy, residual):
    """Output layer at zero: a network built from the fitted settings, before any training,
    forecasts exactly what the anchor does (in original units, through the serving model)."""
    from forecast.nn.anchor_selection import anchor_forecast
    from forecast.nn.networks import build_network, build_serving_model
    from forecast.nn.scaling import scale_window

    frame = weekly(n=24 * 7 * 3)
    model = tiny(strategy=strategy, residual=residual, season_length=24).fit(frame)
    settings = model._network_config
    fresh = build_serving_model(build_network(**settings), model.scaling_)
    windows = model.windows(frame)
    inputs, _ = windows.arrays("train")
    forecasts = keras.ops.convert_to_numpy(fresh(inputs))
    scaled, center, spread = (
        keras.ops.convert_to_numpy(a) for a in scale_window(inputs["past"], model.scaling_)
    )
    # the user's linear anchor reads the calendar too
    name = {"last": "last", "seasonal": "seasonal:24", "linear": "linear+calendar"}[residual]
    assert model.anchor_ == name
    anchor = (
        anchor_forecast(name, scaled, inputs["future"], 1, 6, settings["linear_anchor"]) * spread
        + center
    )
    np.testing.assert_allclose(forecasts, anchor, rtol=1e-5, atol=1e-4)
    if residual == "seasonal":  # in original units: the value one day earlier
        np.testing.assert_allclose(forecasts[:, :, 0], inputs["past"][:, 24:30, 0], rtol=1e-5)


def test_a_seed_ensemble_averages_networks_of_consecutive_seeds():
    from forecast.nn.networks import build_serving_model

    frame = weekly(n=24 * 7 * 3)
    ensemble = tiny(n_models=3, random_state=5).fit(frame)
    assert len(ensemble.networks_) == 3 and len(ensemble.best_epochs_) == 3
    first_weights = [member.get_weights()[0] for member in ensemble.networks_]
    assert not np.allclose(first_weights[0], first_weights[1])  # other seeds, other networks
    inputs, _ = ensemble.windows(frame).arrays("train")
    alone = [
        keras.ops.convert_to_numpy(build_serving_model(member, ensemble.scaling_)(inputs))
        for member in ensemble.networks_
    ]
    together = keras.ops.convert_to_numpy(ensemble.model_(inputs))
    np.testing.assert_allclose(together, np.mean(alone, axis=0), rtol=1e-5, atol=1e-5)


def test_a_covariate_that_helps_is_kept_and_one_that_does_not_is_dropped():
    rng = np.random.default_rng(0)
    n = 600
    x = rng.normal(size=n)
    y = np.concatenate([[0.0], x[:-1]])  # the next y is today's x
    frame = hourly(range(n), values=y, x=x, noise=rng.normal(size=n))
    common = dict(input_width=4, horizon=1, calendar=(), units=(8,), dense_units=(),
                  learning_rate=0.02, epochs=15, batch_size=32)  # fmt: skip
    helpful = tiny(covariates=("x",), **common).fit(frame)
    assert helpful.covariates_used_ is True
    assert helpful.network_.name == "lstm_direct"
    useless = tiny(covariates=("noise",), **{**common, "epochs": 3}).fit(
        hourly(range(n), values=rng.normal(size=n), noise=rng.normal(size=n))
    )
    assert useless.covariates_used_ is False
    assert "target_only" in useless.network_.name
    # the chosen network reads the target column only, but predict still takes the frame
    assert useless.predict(frame.rename(columns={"x": "unused"})).shape == (1, 1)
    assert tiny(covariates=("x",), select_covariates=False, **common).fit(frame).covariates_used_


def test_trained_weights_replace_the_anchor_only_when_clearly_better_on_validation():
    """Training that learns a real rule (the next y is today's x) beats the last-value anchor
    on every validation window and is kept; the same training judged on a single validation
    window proves nothing, so the network stays its anchor and forecasts the last value."""
    rng = np.random.default_rng(0)
    n = 600
    x = rng.normal(size=n)
    frame = hourly(range(n), values=np.concatenate([[0.0], x[:-1]]), x=x)
    common = dict(input_width=4, horizon=2, calendar=(), units=(8,), dense_units=(),
                  covariates=("x",), select_covariates=False, residual="last", scaling=None,
                  learning_rate=0.02, epochs=6, batch_size=32, patience=None)  # fmt: skip
    learned = tiny(**common).fit(frame)
    assert learned.best_epochs_[0] > 0
    one_window = tiny(**common).fit(frame.iloc[:500], validation_frame=frame.iloc[500:502])
    assert one_window.best_epochs_ == [0] and len(one_window.history_["val_loss"]) == 6
    assert one_window.predict(frame).iloc[0, 0] == pytest.approx(frame["y"].iloc[-1], abs=1e-5)


def test_scaling_auto_goes_per_window_for_a_panel_of_scales_and_stays_standard_otherwise():
    from conftest import panel

    hours = np.arange(24 * 20)
    cycle = 10 + np.sin(2 * np.pi * hours / 24)
    trend = hourly(hours, values=0.1 * hours + cycle)
    scales = panel({"small": hourly(hours, values=cycle), "big": hourly(hours, values=100 * cycle)})
    assert tiny().fit(scales).scaling_mode_ == "window"
    assert tiny().fit(trend).scaling_mode_ == "standard"
    assert tiny(scaling="robust").fit(trend).scaling_mode_ == "robust"


def test_a_covariate_far_beyond_its_training_range_is_clipped_and_named_once():
    rng = np.random.default_rng(1)
    n = 24 * 20
    rain = np.where(rng.random(n) < 0.05, rng.random(n), 0.0)  # mostly zero
    frame = hourly(range(n), values=10 + np.sin(np.arange(n) / 4) + rain, rain=rain)
    model = tiny(covariates=("rain",), select_covariates=False, residual=None).fit(frame)
    storm, flood = frame.copy(), frame.copy()
    storm.iloc[-3, 1] = 1.25 * rain[: int(0.8 * n)].max() + 1e3  # far beyond: clipped
    flood.iloc[-3, 1] = 1.25 * rain[: int(0.8 * n)].max() + 1e6  # farther: clipped the same
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        a, b = model.predict(storm), model.predict(flood)
    messages = [str(w.message) for w in caught]
    assert len(messages) == 2  # one per predict
    stamp = frame.index[-3]
    assert f"'rain' at {stamp}" in messages[0] and "clipped" in messages[0]
    pd.testing.assert_frame_equal(a, b)  # the network saw the same clipped value
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.predict(frame)  # inside the range: no warning


def test_gru_and_lstm_share_the_defaults():
    for cls in (LSTMForecaster, GRUForecaster):
        params = cls().get_params()
        assert (params["residual"], params["scaling"], params["n_models"]) == ("auto", "auto", 1)
        assert params["select_covariates"] is True


def test_refit_full_learns_from_every_row_with_the_validated_choices():
    frame = weekly(n=24 * 7 * 4)
    first = frame.iloc[: 24 * 7 * 3]
    model = tiny(epochs=3, n_models=2).fit(first)
    chosen = (model.anchor_, model.scaling_mode_, list(model.best_epochs_))
    assert model.refitted_ is False
    assert model.refit_full(frame) is model
    assert model.refitted_ is True
    assert model.training_range_ == (frame.index[0], frame.index[-1])
    assert model.validated_["training_range"] == (first.index[0], first.index[-1])
    assert model.validated_["best_epochs"] == chosen[2]
    assert (model.anchor_, model.scaling_mode_) == chosen[:2]
    # no validation: each network trained exactly the epochs its validated twin kept
    assert "val_loss" not in model.history_
    assert len(model.history_.get("loss", [])) == chosen[2][0]
    assert model.predict(frame).index[0] == frame.index[-1] + pd.Timedelta(hours=1)


def test_refit_full_keeps_an_anchor_that_validated_best_untrained():
    """The early-stopping case of test_estimators: the starting weights (the last value) win on
    validation, so the refit trains nothing and forecasts the last value of the whole frame."""
    frame = anchor_exact_on_validation()
    model = tiny(
        input_width=4, horizon=1, covariates=("x",), calendar=(), units=(4,), dense_units=(),
        scaling=None, residual="last", learning_rate=0.01, batch_size=32, epochs=6, patience=1,
    ).fit(frame.iloc[:180], validation_frame=frame.iloc[180:])  # fmt: skip
    assert model.best_epochs_ == [0]
    frame.iloc[-1, 0] = 42.0
    model.refit_full(frame)
    assert model.history_ == {}
    assert model.predict(frame).iloc[0, 0] == pytest.approx(42.0, abs=1e-5)


def test_short_series_validate_on_several_windows():
    """A 72-month series: its last 20% (15 rows) hold 4 windows of 12 steps; fit widens the
    validation split to 5 windows, keeping input + 2 horizons of training rows."""
    from forecast import Split
    from forecast.data.validated import validate_frame
    from forecast.windowing.spec import WindowSpec
    from forecast.windowing.windows import make_windows

    index = pd.date_range("2015-01-01", periods=72, freq="MS")
    frame = pd.DataFrame({"y": np.arange(72.0) + 10 * np.sin(np.arange(72) / 1.9)}, index=index)
    validated = validate_frame(frame, "y", None)
    spec = WindowSpec(24, 12)
    plain = make_windows(validated, spec, split=Split(0.2, 0.0))
    widened = make_windows(validated, spec, split=Split(0.2, 0.0).with_minimum_windows(24, 12))
    assert plain.n_windows("validation") == 4 and widened.n_windows("validation") == 5
    assert widened.n_windows("train") == 72 - 16 - 36 + 1
    long = validate_frame(pd.DataFrame({"y": np.arange(720.0)}, index=pd.date_range(
        "1960-01-01", periods=720, freq="MS")), "y", None)  # fmt: skip
    assert make_windows(long, spec, split=Split(0.2, 0.0).with_minimum_windows(24, 12)).n_windows(
        "validation"
    ) == make_windows(long, spec, split=Split(0.2, 0.0)).n_windows("validation")
    model = tiny(input_width=24, horizon=12).fit(frame)  # the estimator widens it too
    assert len(model.history_["val_loss"]) == 1


def test_by_default_a_log_gets_one_line_per_epoch_and_no_redraws(capfd):
    """stderr is not a terminal here (pytest captures it), as in a file or a CI log."""
    frame = weekly(24 * 7 * 3)
    tiny(epochs=3, patience=None, residual=None, scaling="standard").fit(frame)
    err = capfd.readouterr().err
    assert "\r" not in err
    epochs = [line for line in err.splitlines() if " epoch " in line]
    assert [line.split(":")[0] for line in epochs] == [
        f"LSTMForecaster epoch {e}/3" for e in (1, 2, 3)
    ]
    assert all("val_loss" in line for line in epochs)


def test_verbose_zero_trains_silently(capfd):
    tiny(epochs=2, verbose=0).fit(weekly(24 * 7 * 3))
    captured = capfd.readouterr()
    assert " epoch " not in captured.err and " epoch " not in captured.out
