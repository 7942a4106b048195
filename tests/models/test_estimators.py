"""Recurrent forecasters: sklearn conventions, determinism, bad input, every option trains."""

from __future__ import annotations

import copy
import inspect
import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
import sklearn
from conftest import anchor_exact_on_validation, hourly, panel
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit
from sklearn.utils import estimator_checks
from sklearn.utils.validation import check_is_fitted

from forecast import (
    DataValidationError,
    Drift,
    GRUForecaster,
    LinearForecaster,
    LSTMForecaster,
    Naive,
    RNNForecaster,
    SeasonalNaive,
    Split,
    WindowAverage,
)

pytest.importorskip("tensorflow")


def daily_cycle(n=24 * 12, seed=0, scale=1.0, offset=0.0):
    rng = np.random.default_rng(seed)
    hours = np.arange(n)
    values = offset + scale * (10 + 5 * np.sin(2 * np.pi * hours / 24) + rng.normal(0, 0.3, n))
    return hourly(hours, values=values, temp=rng.normal(size=n))


def tiny(model_class=LSTMForecaster, **params):
    defaults = dict(
        input_width=48,
        horizon=6,
        units=(4,),
        dense_units=(4,),
        epochs=1,
        batch_size=64,
        random_state=0,
    )
    return model_class(**{**defaults, **params})


# --------------------------------------------------------------------------- sklearn conventions

# Checks of sklearn.utils.estimator_checks run on every forecaster. Most are data-free (tags,
# mixin order, repr, parameters, cloning); check_estimators_unfitted passes an X array, but
# predict raises NotFittedError before it reads X; check_fit1d asserts that a 1-D array is
# refused with a ValueError, which holds (DataValidationError is a ValueError).
APPLICABLE_CHECKS = (
    "check_estimator_cloneable",
    "check_estimator_tags_renamed",
    "check_valid_tag_types",
    "check_mixin_order",
    "check_estimator_repr",
    "check_no_attributes_set_in_init",
    "check_get_params_invariance",
    "check_set_params",
    "check_parameters_default_constructible",
    "check_do_not_raise_errors_in_init_or_set_params",
    "check_estimators_unfitted",
    "check_fit1d",
)

# Every other check that scikit-learn yields for these estimators, and why it does not apply.
# Nearly all fit on random NumPy arrays (sparse matrices, memmaps, iris, ...): a forecaster's X
# is a DataFrame with a DatetimeIndex (the order and spacing of rows are the data), so they stop
# at "expected a pandas DataFrame". Where the property behind the check still makes sense, it is
# tested on frames (test_array_only_checks_hold_on_frames, the pickle and same-seed tests).
ARRAYS = "fits on NumPy arrays; a forecaster needs a frame with a DatetimeIndex"
NOT_APPLICABLE = {
    "check_fit_score_takes_y": ARRAYS + "; fit(X, y=None) and score(X, y=None) tested on frames",
    "check_estimators_overwrite_params": ARRAYS + "; params unchanged by fit tested on frames",
    "check_dont_overwrite_parameters": ARRAYS + "; fit adds only attributes ending in _ (frames)",
    "check_estimators_fit_returns_self": ARRAYS + "; fit returns self tested on frames",
    "check_readonly_memmap_input": ARRAYS + " (read-only memmaps)",
    "check_n_features_in_after_fitting": ARRAYS + "; no n_features_in_: inputs are checked by "
    "column name (test_bad_input_raises_the_data_layers_clear_errors)",
    "check_n_features_in": ARRAYS + "; no n_features_in_: inputs are checked by column name",
    "check_positive_only_tag_during_fit": ARRAYS + " (iris with negative values)",
    "check_estimators_dtypes": ARRAYS + " (float32, int32, int64 arrays)",
    "check_complex_data": ARRAYS + "; expects scikit-learn's own complex-data message",
    "check_dtype_object": ARRAYS + " (object arrays); string columns are categorical covariates",
    "check_estimators_empty_data_messages": ARRAYS + "; expects scikit-learn's '0 feature(s)' "
    "message; a frame too short for a window raises 'fewer than one window' (tested)",
    "check_pipeline_consistency": ARRAYS + " (inside a Pipeline)",
    "check_estimators_nan_inf": ARRAYS + "; besides, NaN inputs are carried forward by the "
    "missing-value policy on purpose; inf is refused (tested)",
    "check_estimator_sparse_tag": ARRAYS + " (sparse); the refusal does not say 'sparse'",
    "check_estimator_sparse_array": ARRAYS + " (sparse array)",
    "check_estimator_sparse_matrix": ARRAYS + " (sparse matrix)",
    "check_estimators_pickle": ARRAYS
    + "; pickle round trips tested on frames for every forecaster",
    "check_array_api_input": ARRAYS + " (array API namespaces)",
    "check_f_contiguous_array_estimator": ARRAYS + " (Fortran-ordered arrays)",
    "check_methods_sample_order_invariance": "permutes rows: a forecast depends on their order",
    "check_methods_subset_invariance": "predicts on row subsets: a forecast reads a whole window",
    "check_fit2d_1sample": ARRAYS + "; expects scikit-learn's '1 sample' message",
    "check_fit2d_1feature": ARRAYS + "; expects scikit-learn's '1 feature(s)' message",
    "check_fit2d_predict1d": ARRAYS,
    "check_dict_unchanged": ARRAYS + "; predict leaving __dict__ unchanged tested on frames",
    "check_fit_idempotent": ARRAYS + "; refitting gives the same forecasts tested on frames",
    "check_fit_check_is_fitted": ARRAYS + "; check_is_fitted before and after fit tested on frames",
    # Not yielded for these estimators, listed because it is the one to expect:
    "check_param_validation": "parameters are validated in fit with our own clear messages, not "
    "through scikit-learn's private _parameter_constraints",
}
# Not yielded at all: the checks of classifiers, regressors, transformers, clusterers, outlier
# detectors (check_classifiers_*, check_regressors_*, check_transformer_*, check_clustering,
# check_outliers_*, ...), of sample_weight and of partial_fit: a forecaster is none of those (its
# score is the negative MAE over windows, not R^2) and takes neither sample_weight nor partial_fit.

ALL_FORECASTERS = [
    LSTMForecaster(),
    GRUForecaster(),
    RNNForecaster(cell="rnn"),
    Naive(),
    SeasonalNaive(season_length=24),
    WindowAverage(),
    Drift(),
    LinearForecaster(),
]


@pytest.mark.parametrize("check", APPLICABLE_CHECKS)
@pytest.mark.parametrize("estimator", ALL_FORECASTERS, ids=lambda e: type(e).__name__)
def test_sklearn_estimator_checks(estimator, check):
    if not hasattr(estimator_checks, check):
        pytest.skip(f"{check} is not in scikit-learn {sklearn.__version__}")
    getattr(estimator_checks, check)(type(estimator).__name__, estimator)


@pytest.mark.parametrize("estimator", ALL_FORECASTERS, ids=lambda e: type(e).__name__)
def test_every_sklearn_check_is_run_or_listed_with_its_reason(estimator):
    generator = getattr(estimator_checks, "estimator_checks_generator", None)
    if generator is None:
        pytest.skip(f"scikit-learn {sklearn.__version__} has no estimator_checks_generator")
    yielded = {
        getattr(check, "func", check).__name__ for _, check in generator(estimator, legacy=True)
    }
    assert not set(APPLICABLE_CHECKS) & set(NOT_APPLICABLE)
    assert yielded - set(APPLICABLE_CHECKS) - set(NOT_APPLICABLE) == set()
    assert set(APPLICABLE_CHECKS) <= yielded | {"check_estimator_cloneable"}


def small_model(kind):
    return {
        "Naive": lambda: Naive(input_width=24, horizon=4),
        "SeasonalNaive": lambda: SeasonalNaive(input_width=24, horizon=4),
        "WindowAverage": lambda: WindowAverage(window=6, input_width=24, horizon=4),
        "Drift": lambda: Drift(input_width=24, horizon=4),
        "LinearForecaster": lambda: LinearForecaster(
            input_width=24, horizon=4, covariates=("temp",)
        ),
        "LSTMForecaster": lambda: tiny(
            input_width=24, horizon=4, calendar=(), validation=0.0, patience=None
        ),
    }[kind]()


@pytest.mark.parametrize(
    "kind",
    ["Naive", "SeasonalNaive", "WindowAverage", "Drift", "LinearForecaster", "LSTMForecaster"],
)
def test_array_only_checks_hold_on_frames(kind):
    """What the array-only checks above test, on a frame: fit(X, y=None) returns self and
    leaves the parameters alone, adds only attributes ending in ``_``, check_is_fitted fails
    before and passes after, predict leaves the fitted state alone, refitting is idempotent."""
    frame = daily_cycle(n=24 * 4)
    model = small_model(kind)
    params = copy.deepcopy(model.get_params())
    attributes_before = set(vars(model))
    with pytest.raises(NotFittedError):
        check_is_fitted(model)
    for method in ("fit", "score"):
        assert list(inspect.signature(getattr(model, method)).parameters)[:2] == ["X", "y"]
    assert model.fit(frame, None) is model
    check_is_fitted(model)
    assert model.get_params() == params
    added = set(vars(model)) - attributes_before
    assert added and all(name.endswith("_") or name.startswith("_") for name in added), added
    state = dict(vars(model))
    first = model.predict(frame)
    score = model.score(frame, None)
    assert np.isfinite(score) and score < 0
    assert vars(model).keys() == state.keys() and all(vars(model)[k] is v for k, v in state.items())
    if kind != "LSTMForecaster":  # the neural refit is test_same_seed_same_forecasts_*
        pd.testing.assert_frame_equal(model.fit(frame).predict(frame), first)


def test_init_stores_params_unchanged_and_clone_works():
    units = (16, 8)
    model = LSTMForecaster(units=units, horizon=24, calendar=("hour",))
    assert model.units is units and model.get_params()["calendar"] == ("hour",)
    assert (
        "cell" not in model.get_params() and model.cell == "lstm" and GRUForecaster().cell == "gru"
    )
    copy = clone(model.set_params(units=(4,)))
    assert copy.get_params() == model.get_params()


def test_fit_returns_self_and_predict_before_fit_raises():
    model = tiny()
    with pytest.raises(NotFittedError):
        model.predict(daily_cycle())
    assert model.fit(daily_cycle()) is model
    assert set(model.history_) >= {"loss", "val_loss", "learning_rate"}
    # calendar="auto" on 12 days (80% of them training): the hour (two days), not yet the day
    # of the week (two weeks)
    assert model.season_length_ == 24 and model.calendar_ == ("hour",)
    assert model.input_columns_ == ("y", "hour_sin", "hour_cos")


def test_same_seed_same_forecasts_and_pickle_round_trip():
    frame = daily_cycle()
    first = tiny(epochs=2).fit(frame)
    second = tiny(epochs=2).fit(frame)
    pd.testing.assert_frame_equal(first.predict(frame), second.predict(frame))
    restored = pickle.loads(pickle.dumps(first))
    pd.testing.assert_frame_equal(restored.predict(frame), first.predict(frame))
    assert restored.history_ == first.history_


def test_gru_same_seed_same_forecasts_and_pickle_round_trip():
    import keras

    frame = daily_cycle(n=48)
    params = dict(input_width=6, horizon=2, calendar=(), epochs=2, validation=0.0, patience=None)
    first = tiny(GRUForecaster, **params).fit(frame)
    second = tiny(GRUForecaster, **params).fit(frame)
    assert [
        type(layer) for layer in first.network_.layers if isinstance(layer, keras.layers.RNN)
    ] == [keras.layers.GRU]
    expected = first.predict(frame)
    pd.testing.assert_frame_equal(second.predict(frame), expected)
    assert second.history_ == first.history_
    restored = pickle.loads(pickle.dumps(first))
    pd.testing.assert_frame_equal(restored.predict(frame), expected)
    assert restored.history_ == first.history_ and restored.get_params() == first.get_params()


def test_grid_search_over_a_frame_with_time_series_split():
    frame = daily_cycle(n=24 * 20)
    search = GridSearchCV(
        tiny(input_width=24, horizon=3),
        {"units": [(2,), (8,)]},
        cv=TimeSeriesSplit(n_splits=2),
        error_score="raise",
    )
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
    model = RNNForecaster(
        cell=cell,
        strategy=strategy,
        input_width=24,
        horizon=4,
        units=(4, 3),
        dense_units=(),
        epochs=1,
        random_state=0,
        dropout=0.1,
    ).fit(frame)
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


@pytest.mark.parametrize("scaling", ["standard", "window"])
def test_a_network_learns_the_same_whatever_the_unit_of_the_data(scaling):
    """From about 1e19 on, the float32 variance overflowed: the scale fell back to 1, the loss
    was in the units of the data and every forecast equalled the last value. In float64, it sees
    the very windows of the same data in small units, so its forecasts are theirs times the
    unit (per-window scaling squared raw values in float32 and overflowed a little later)."""
    frame = daily_cycle(n=24 * 6)
    unit = 1e19
    big = frame.assign(y=frame["y"] * unit)
    small_model = tiny(scaling=scaling, input_width=24, epochs=2).fit(frame)
    big_model = tiny(scaling=scaling, input_width=24, epochs=2).fit(big)
    np.testing.assert_allclose(big_model.history_["loss"], small_model.history_["loss"], rtol=1e-3)
    expected = small_model.predict(frame)["y"].to_numpy()
    np.testing.assert_allclose(big_model.predict(big)["y"] / unit, expected, rtol=1e-4)
    assert np.ptp(expected) > 0.1  # not the last value repeated
    with pytest.raises(DataValidationError, match="does not fit float32") as info:
        tiny(input_width=24).fit(frame.assign(y=frame["y"] * 1e38))  # 1e39: inf in float32
    assert info.value.column == "y"


def test_panel_with_categorical_covariate_and_validation_frame():
    parts = {k: daily_cycle(n=24 * 8, seed=i, scale=1 + 9 * i) for i, k in enumerate(["a", "b"])}
    for part in parts.values():
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
    with pytest.raises(
        DataValidationError, match="frequency 2h differs from the training frame's h"
    ):
        model.predict(frame.iloc[::2])
    broken = frame.copy()
    broken.iloc[-5:, 0] = np.nan  # filled within the window (default "fill"): forecast
    filled = model.predict(broken)
    assert np.isfinite(filled["y"]).all() and filled.attrs["filled_inputs"] == 5
    broken.iloc[-48:, 0] = np.nan  # the whole input window: nothing to fill it from
    with pytest.raises(DataValidationError, match="holds no observed value") as info:
        model.predict(broken)
    assert info.value.column == "y"
    strict = tiny(covariates=("temp",), missing={"inputs": "drop"}).fit(frame)
    broken = frame.copy()
    broken.iloc[-5:, 0] = np.nan
    with pytest.raises(DataValidationError, match="input is NaN") as info:
        strict.predict(broken)
    assert info.value.column == "y"
    broken.iloc[-5:, 0] = np.inf
    with pytest.raises(DataValidationError, match="value is inf"):
        model.predict(broken)
    with pytest.raises(ValueError, match="strategy must be one of"):
        tiny(strategy="recursive").fit(frame)
    with pytest.raises(ValueError, match="residual='seasonal' needs season_length"):
        tiny(input_width=12, residual="seasonal").fit(frame)


def test_an_all_nan_target_says_it_has_no_values():
    """It said that no training window fits (every label NaN), or for a panel nothing at all."""
    frame = daily_cycle(n=24 * 4)
    empty = frame.assign(y=np.nan)
    for model in (Naive(input_width=24, horizon=6), tiny(input_width=24)):
        with pytest.raises(DataValidationError, match="target column has no values") as info:
            model.fit(empty)
        assert (info.value.column, info.value.series) == ("y", None)
    with pytest.raises(DataValidationError, match="target column has no values") as info:
        tiny(input_width=24).fit(panel({"a": frame, "b": empty}))
    assert (info.value.column, info.value.series) == ("y", "b")
    fitted = Naive(input_width=24, horizon=6).fit(frame)
    with pytest.raises(DataValidationError, match="target column has no values") as info:
        fitted.predict(empty)  # it said the input is NaN in the last 24 rows
    assert info.value.column == "y"


def bad_series_panel():
    """Two good series and four that cannot be forecast, each for its own reason."""
    good = {"a": daily_cycle(n=24 * 4, seed=1), "b": daily_cycle(n=24 * 4, seed=2)}
    short = daily_cycle(n=10, seed=3)
    nan_end = daily_cycle(n=24 * 4, seed=4)
    nan_end.iloc[-24:, 0] = np.nan  # the whole last window: nothing to fill it from
    empty = daily_cycle(n=24 * 4, seed=5).assign(y=np.nan)
    infinite = daily_cycle(n=24 * 4, seed=6)
    infinite.iloc[5, 0] = np.inf
    parts = {"a": good["a"], "short": short, "nan_end": nan_end, "b": good["b"]}
    parts.update({"empty": empty, "inf": infinite})
    return panel(parts), panel(good)


def test_predict_can_skip_the_series_that_cannot_be_forecast():
    frame, good = bad_series_panel()
    model = Naive(input_width=24, horizon=6).fit(good)
    with pytest.raises(DataValidationError) as info:
        model.predict(frame)  # errors="raise" is the default
    assert info.value.series == "inf"  # validation comes first
    with pytest.warns(UserWarning, match=r"skipped 4 of 6 series that cannot be forecast"):
        forecasts = model.predict(frame, errors="skip")
    pd.testing.assert_frame_equal(forecasts, model.predict(good))
    errors = forecasts.attrs["errors"]
    assert list(errors) == ["short", "nan_end", "empty", "inf"]  # in the frame's order
    assert "fewer than one window needs" in errors["short"]
    assert "holds no observed value" in errors["nan_end"] and "column 'y'" in errors["nan_end"]
    assert "target column has no values" in errors["empty"]
    assert "value is inf" in errors["inf"] and "timestamp 2024-01-01 05:00" in errors["inf"]
    assert all(f"series {sid!r}" not in reason for sid, reason in errors.items())  # the key
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        clean = model.predict(good, errors="skip")
    pd.testing.assert_frame_equal(clean, model.predict(good))
    assert clean.attrs["errors"] == {}
    with pytest.warns(UserWarning, match="skipped 2 of 2 series"):
        nothing = model.predict(frame.loc[["short", "empty"]], errors="skip")
    assert nothing.empty and list(nothing.columns) == ["y"]
    assert nothing.index.names == ["series_id", "timestamp"]
    assert list(nothing.attrs["errors"]) == ["short", "empty"]
    with pytest.raises(DataValidationError, match="fewer than one window"):
        model.predict(frame.loc["short"], errors="skip")  # one series: nothing else to forecast
    with pytest.raises(ValueError, match="errors must be 'raise' or 'skip', got 'ignore'"):
        model.predict(good, errors="ignore")


# --------------------------------------------------------------------------- options reach Keras


def recurrent_layers(network):
    """Every recurrent layer of a network, both directions of a bidirectional one."""
    import keras

    found = []
    for layer in network.layers:
        if isinstance(layer, keras.layers.Bidirectional):
            found += [layer.forward_layer, layer.backward_layer]
        elif isinstance(layer, keras.layers.RNN):
            found.append(layer)
    return found


@pytest.mark.parametrize(
    "loss, clipnorm, expected", [("mse", 0.5, (9 + 0.25) / 2), ("huber", None, (2.5 + 0.125) / 2)]
)
def test_loss_and_clipnorm_reach_the_compiled_network(loss, clipnorm, expected):
    model = tiny(
        input_width=24,
        horizon=2,
        calendar=(),
        loss=loss,
        clipnorm=clipnorm,
        validation=0.0,
        patience=None,
    ).fit(daily_cycle(n=24 * 3))
    # errors 3 and 0.5: MSE (9 + 0.25) / 2, Huber (delta 1) (3 - 0.5 + 0.5 * 0.5**2) / 2, MAE 1.75
    y_true = np.zeros((1, 2, 1), dtype="float32")
    y_pred = np.array([[[3.0], [0.5]]], dtype="float32")
    assert float(model.network_.compute_loss(x=None, y=y_true, y_pred=y_pred)) == pytest.approx(
        expected
    )
    assert model.network_.optimizer.clipnorm == clipnorm
    assert np.isfinite(model.history_["loss"]).all()


def test_recurrent_dropout_reaches_every_recurrent_layer_and_acts_only_in_training():
    from forecast.nn.networks import build_network

    model = tiny(
        input_width=4,
        horizon=1,
        calendar=(),
        units=(2,),
        dense_units=(),
        recurrent_dropout=0.25,
        validation=0.0,
        patience=None,
        residual=None,  # an anchored network starts at zero output: dropout would not show
    ).fit(daily_cycle(n=48))
    assert [layer.recurrent_dropout for layer in recurrent_layers(model.network_)] == [0.25]
    assert [layer.dropout for layer in recurrent_layers(model.network_)] == [0.0]  # another option
    past = np.random.default_rng(0).normal(size=(8, 4, 1)).astype("float32")
    inference = [np.asarray(model.network_({"past": past}, training=False)) for _ in range(2)]
    training = [np.asarray(model.network_({"past": past}, training=True)) for _ in range(2)]
    np.testing.assert_array_equal(inference[0], inference[1])
    assert not np.allclose(
        training[0], training[1]
    )  # the only random part is the recurrent dropout
    # the very configuration fit built its network from, stacked and bidirectional (and with
    # seq2seq's state-passing encoder): every recurrent layer of the encoder, both directions
    for strategy in ("direct", "seq2seq"):
        config = {
            **model._network_config,
            "units": (3, 2),
            "bidirectional": True,
            "strategy": strategy,
        }
        encoder = [
            layer for layer in recurrent_layers(build_network(**config)) if "encoder" in layer.name
        ]
        assert [layer.recurrent_dropout for layer in encoder] == [0.25] * 4, strategy
    # and the decoders of seq2seq (layers) and autoregressive (cells stepped by hand): random in
    # training only
    for strategy in ("seq2seq", "autoregressive"):
        config = {**model._network_config, "units": (3, 2), "strategy": strategy, "residual": None}
        network = build_network(**config)
        decoder = [layer for layer in recurrent_layers(network) if "decoder" in layer.name]
        cells = [c for layer in network.layers if layer.name == "decoder" for c in layer.cells]
        rates = [layer.recurrent_dropout for layer in decoder] + [
            cell.recurrent_dropout for cell in cells
        ]
        assert rates == [0.25, 0.25], strategy
        inference = [np.asarray(network({"past": past}, training=False)) for _ in range(2)]
        np.testing.assert_array_equal(inference[0], inference[1])
        training = [np.asarray(network({"past": past}, training=True)) for _ in range(2)]
        assert not np.allclose(training[0], training[1]), strategy
    # the hand-stepped decoder alone (no encoder dropout to blur the check)
    from forecast.nn.networks import AutoregressiveDecoder

    decoder = AutoregressiveDecoder("gru", (3,), (), 1, recurrent_dropout=0.5)
    assert AutoregressiveDecoder.from_config(decoder.get_config()).recurrent_dropout == 0.5
    steps, state = np.ones((8, 2, 1), "float32"), np.ones((8, 3), "float32")
    runs = {
        flag: [np.asarray(decoder([steps, past, state], training=flag)) for _ in range(2)]
        for flag in (False, True)
    }
    np.testing.assert_array_equal(*runs[False])
    assert not np.allclose(*runs[True])


def test_early_stopping_keeps_the_untrained_anchor_when_training_only_hurts_validation():
    """The covariate x says the next y in training (y[t+1] = x[t]); in validation y stays at its
    last training value. The more the network learns, the worse the validation loss. The
    network starts from its anchor (the last value: output layer at zero), exact on validation,
    so training stops ``patience`` epochs later and the starting weights come back."""
    frame = anchor_exact_on_validation()
    train, valid = frame.iloc[:180], frame.iloc[180:]
    model = tiny(
        input_width=4,
        horizon=1,
        covariates=("x",),
        calendar=(),
        units=(4,),
        dense_units=(),
        scaling=None,
        residual="last",
        learning_rate=0.01,
        batch_size=32,
        epochs=6,
        patience=1,
        select_covariates=False,  # the covariate is the point here
    )
    model.fit(train, validation_frame=valid)
    val_loss = model.history_["val_loss"]
    assert len(val_loss) == 1 and model.best_epochs_ == [0]  # one worse epoch, then stop
    # with scaling=None the MAE loss is the MAE in original units: the restored network
    # forecasts the last value exactly, on the very validation windows of fit
    windows = model.windows(frame, split=Split(valid.index[0], pd.Timestamp("2100-01-01")))
    forecasts = model.forecast_windows(windows, "validation")
    inputs, labels = windows.arrays("validation")
    assert len(labels) == len(valid)  # every window whose label lies in the validation frame
    np.testing.assert_allclose(forecasts[:, 0, 0], inputs[:, -1, 0], atol=1e-6)
    assert float(np.max(np.abs(forecasts - labels))) < 1e-6 < val_loss[0]


def test_two_targets_forecast_both_columns_in_their_own_units():
    """With the network's output layer zeroed, a residual="last" network forecasts the last
    value of each target: target order and per-target (un)scaling agree."""
    frame = daily_cycle(n=24 * 3)
    frame["z"] = 1000.0 + 50.0 * frame["temp"]  # another scale, another column order than y
    model = tiny(
        target=("z", "y"),
        input_width=24,
        horizon=3,
        calendar=(),
        residual="last",
        validation=0.0,
        patience=None,
    ).fit(frame)
    assert model.target_columns_ == ("z", "y") and model.input_columns_ == ("z", "y")
    trained = model.predict(frame)
    assert list(trained.columns) == ["z", "y"] and np.isfinite(trained.to_numpy()).all()
    dense = [layer for layer in model.network_.layers if layer.name.startswith("dense")][-1]
    dense.set_weights([np.zeros_like(w) for w in dense.get_weights()])
    out = model.predict(frame)
    expected = np.repeat(frame[["z", "y"]].iloc[-1:].to_numpy(), 3, axis=0)
    np.testing.assert_allclose(out.to_numpy(), expected, rtol=1e-6)
    pd.testing.assert_frame_equal(
        out,
        Naive(input_width=24, horizon=3, target=("z", "y")).fit(frame).predict(frame),
        rtol=1e-6,
    )


@pytest.mark.parametrize(
    "make",
    [
        lambda stride: tiny(
            input_width=6, horizon=2, calendar=(), validation=0.0, patience=None, stride=stride
        ),
        lambda stride: LinearForecaster(input_width=6, horizon=2, stride=stride),
    ],
)
def test_stride_trains_on_every_kth_window(monkeypatch, make):
    import forecast.models.base

    cut = []
    real = forecast.models.base.make_windows

    def spy(*args, **kwargs):
        cut.append(real(*args, **kwargs))
        return cut[-1]

    monkeypatch.setattr(forecast.models.base, "make_windows", spy)
    frame = daily_cycle(n=50)  # 50 rows: origins 6..48, 43 windows of 6 + 2
    for stride, expected in ((1, 43), (3, 15), (50, 1)):
        model = make(stride).fit(frame)
        windows = cut[-1]
        assert windows.n_windows("train") == expected, stride
        origins = windows.origin_index("train")["row"].to_numpy()
        np.testing.assert_array_equal(np.diff(origins), np.full(expected - 1, stride))
        assert model.predict(frame).shape == (2, 1)  # the next forecast does not depend on it
    with pytest.raises(ValueError, match="stride must be an integer >= 1, got 0"):
        make(0).fit(frame)
