"""Recurrent forecasters: sklearn conventions, determinism, bad input, every option trains."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit
from sklearn.utils import estimator_checks

from conftest import hourly, panel
from forecast import (
    DataValidationError, GRUForecaster, LSTMForecaster, Naive, RNNForecaster, SeasonalNaive,
)

pytest.importorskip("tensorflow")


def daily_cycle(n=24 * 12, seed=0, scale=1.0, offset=0.0):
    rng = np.random.default_rng(seed)
    hours = np.arange(n)
    values = offset + scale * (10 + 5 * np.sin(2 * np.pi * hours / 24) + rng.normal(0, 0.3, n))
    return hourly(hours, values=values, temp=rng.normal(size=n))


def tiny(**params):
    defaults = dict(input_width=48, horizon=6, units=(4,), dense_units=(4,), epochs=1, batch_size=64,
                    random_state=0)
    return LSTMForecaster(**{**defaults, **params})


# --------------------------------------------------------------------------- sklearn conventions

# Checks of sklearn.utils.estimator_checks that apply to a forecaster whose X is a time-indexed
# frame. Those that do not apply, and why:
# - every check that fits on random NumPy arrays (check_estimators_dtypes, check_fit2d_*,
#   check_estimators_fit_returns_self, check_estimators_pickle, check_n_features_in,
#   check_dict_unchanged, check_dont_overwrite_parameters, check_estimators_overwrite_params,
#   check_fit_score_takes_y, check_methods_subset_invariance, check_regressors_*, ...): a
#   forecaster needs a DatetimeIndex to know the order and spacing of rows; the same
#   properties are tested below on frames (fit returns self, pickling, unchanged params);
# - check_param_validation: parameters are validated in fit with our own clear messages,
#   not through sklearn's private _parameter_constraints.
APPLICABLE_CHECKS = (
    "check_estimator_cloneable",
    "check_estimator_repr",
    "check_no_attributes_set_in_init",
    "check_get_params_invariance",
    "check_set_params",
    "check_parameters_default_constructible",
    "check_do_not_raise_errors_in_init_or_set_params",
)


@pytest.mark.parametrize("check", APPLICABLE_CHECKS)
@pytest.mark.parametrize("estimator", [LSTMForecaster(), GRUForecaster(), RNNForecaster(cell="rnn"),
                                       Naive(), SeasonalNaive(season_length=24)], ids=lambda e: type(e).__name__)
def test_sklearn_estimator_checks(estimator, check):
    getattr(estimator_checks, check)(type(estimator).__name__, estimator)


def test_init_stores_params_unchanged_and_clone_works():
    units = (16, 8)
    model = LSTMForecaster(units=units, horizon=24, calendar=("hour",))
    assert model.units is units and model.get_params()["calendar"] == ("hour",)
    assert "cell" not in model.get_params() and model.cell == "lstm" and GRUForecaster().cell == "gru"
    copy = clone(model.set_params(units=(4,)))
    assert copy.get_params() == model.get_params()


def test_fit_returns_self_and_predict_before_fit_raises():
    model = tiny()
    with pytest.raises(NotFittedError):
        model.predict(daily_cycle())
    assert model.fit(daily_cycle()) is model
    assert set(model.history_) >= {"loss", "val_loss", "learning_rate"}
    assert model.season_length_ == 24 and model.calendar_ == ("hour", "dayofweek")
    assert model.input_columns_ == ("y", "hour_sin", "hour_cos", "dayofweek_sin", "dayofweek_cos")


def test_same_seed_same_forecasts_and_pickle_round_trip():
    frame = daily_cycle()
    first = tiny(epochs=2).fit(frame)
    second = tiny(epochs=2).fit(frame)
    pd.testing.assert_frame_equal(first.predict(frame), second.predict(frame))
    restored = pickle.loads(pickle.dumps(first))
    pd.testing.assert_frame_equal(restored.predict(frame), first.predict(frame))
    assert restored.history_ == first.history_


def test_grid_search_over_a_frame_with_time_series_split():
    frame = daily_cycle(n=24 * 20)
    search = GridSearchCV(tiny(input_width=24, horizon=3), {"units": [(2,), (8,)]},
                          cv=TimeSeriesSplit(n_splits=2), error_score="raise")
    search.fit(frame)
    assert search.best_params_["units"] in [(2,), (8,)]
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    assert (search.cv_results_["mean_test_score"] < 0).all()


# --------------------------------------------------------------------------- what is learned

def test_residual_seasonal_network_with_zero_output_is_seasonal_naive():
    """An untrained residual network whose last layer is zeroed forecasts exactly the seasonal
    naive forecast in original units: anchor, scaling and unscaling agree."""
    frame = daily_cycle(n=24 * 10, scale=100.0, offset=1000.0)
    model = tiny(residual="seasonal", epochs=1).fit(frame)
    last = model.network_.layers[-2]  # the Dense before the residual Add... found by name below
    dense = [layer for layer in model.network_.layers if layer.name.startswith("dense")][-1]
    dense.set_weights([np.zeros_like(w) for w in dense.get_weights()])
    assert last is not None
    expected = SeasonalNaive(input_width=48, horizon=6).fit(frame).predict(frame)
    np.testing.assert_allclose(model.predict(frame)["y"], expected["y"], rtol=1e-5)


@pytest.mark.parametrize("strategy", ["direct", "seq2seq", "autoregressive"])
@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_every_cell_and_strategy_trains_and_forecasts(cell, strategy):
    frame = daily_cycle(n=24 * 6)
    model = RNNForecaster(cell=cell, strategy=strategy, input_width=24, horizon=4, units=(4, 3),
                          dense_units=(), epochs=1, random_state=0, dropout=0.1).fit(frame)
    forecast = model.predict(frame)
    assert forecast.shape == (4, 1) and np.isfinite(forecast.to_numpy()).all()
    assert np.isfinite(model.history_["loss"]).all()


@pytest.mark.parametrize("scaling", ["standard", "robust", "window", None])
@pytest.mark.parametrize("residual", [None, "last", "seasonal"])
def test_scalings_and_residuals(scaling, residual):
    frame = daily_cycle(n=24 * 6, scale=50.0, offset=500.0)
    model = tiny(scaling=scaling, residual=residual, input_width=24, bidirectional=True).fit(frame)
    forecast = model.predict(frame)["y"]
    assert np.isfinite(forecast).all()
    if residual is not None:  # anchored on real values: forecasts stay in the data's range
        assert forecast.between(frame["y"].min() - 200, frame["y"].max() + 200).all()


def test_panel_with_categorical_covariate_and_validation_frame():
    parts = {k: daily_cycle(n=24 * 8, seed=i, scale=1 + 9 * i) for i, k in enumerate(["a", "b"])}
    for i, part in enumerate(parts.values()):
        part["wind"] = pd.Categorical(np.where(np.arange(len(part)) % 3 == 0, "N", "S"))
    frame = panel(parts)
    train = frame.groupby(level=0, group_keys=False).apply(lambda g: g.iloc[: 24 * 6])
    valid = frame.groupby(level=0, group_keys=False).apply(lambda g: g.iloc[24 * 6 :])
    model = tiny(covariates=("temp", "wind"), scaling="window").fit(train, validation_frame=valid)
    assert model.categories_ == {"wind": ("N", "S")}
    assert len(model.history_["val_loss"]) == 1
    out = model.predict(frame)
    assert out.index.get_level_values(0).unique().tolist() == ["a", "b"] and len(out) == 12
    with pytest.raises(DataValidationError, match="must continue the frame in time"):
        tiny().fit(train, validation_frame=train)


# --------------------------------------------------------------------------- bad input

def test_bad_input_raises_the_data_layers_clear_errors():
    frame = daily_cycle()
    model = tiny(covariates=("temp",)).fit(frame)
    with pytest.raises(DataValidationError, match="covariate column not found") as info:
        model.predict(frame.drop(columns="temp"))
    assert info.value.column == "temp"
    with pytest.raises(DataValidationError, match="fewer than one window needs"):
        tiny().fit(frame.iloc[:40])
    with pytest.raises(DataValidationError, match="frequency 2h differs from the training frame's h"):
        model.predict(frame.iloc[::2])
    broken = frame.copy()
    broken.iloc[-5:, 0] = np.nan
    with pytest.raises(DataValidationError, match="input is NaN") as info:
        model.predict(broken)
    assert info.value.column == "y"
    broken.iloc[-5:, 0] = np.inf
    with pytest.raises(DataValidationError, match="value is inf"):
        model.predict(broken)
    with pytest.raises(ValueError, match="strategy must be one of"):
        tiny(strategy="recursive").fit(frame)
    with pytest.raises(ValueError, match="residual='seasonal' needs season_length"):
        tiny(input_width=12, residual="seasonal").fit(frame)
