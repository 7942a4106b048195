"""ConformalForecaster: hand-computed split-conformal quantiles, the meta-estimator contract,
panels, several targets, local scaling, and the output convention of every forecaster."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
from conftest import hourly, panel
from sklearn.base import clone

import forecast
from forecast import ConformalForecaster, Naive, SeasonalNaive
from forecast.errors import DataValidationError
from forecast.models.probabilistic import PointForecastError

#: Naive one-step residuals y[t] - y[t-1] over the calibration rows: |d| is 1, 2, ..., 9.
STEPS = [3.0, -1.0, 5.0, -2.0, 9.0, -4.0, 7.0, -6.0, 8.0]


def calibration_case():
    """Ten rows 0..9, then nine rows whose Naive(1) residuals are ``STEPS``."""
    train = hourly(range(10))
    values = 9.0 + np.cumsum(STEPS)
    validation = hourly(range(10, 19), values)
    return train, validation, pd.concat([train, validation])


def test_absolute_quantiles_are_the_ceil_n_plus_one_ranks_of_the_scores():
    train, validation, whole = calibration_case()
    model = ConformalForecaster(Naive(input_width=1, horizon=1), coverage=(0.5, 0.8))
    model.fit(train, validation_frame=validation)
    assert model.calibration_ == "validation_frame" and model.n_calibration_windows_ == 9
    assert model.scores_[:, 0, 0].tolist() == [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]
    last = whole["y"].iloc[-1]  # Naive: the point forecast is the last value
    bands = model.predict_interval(whole, coverage=(0.5, 0.8))
    # n = 9: 80% -> the ceil(10 * 0.8) = 8th smallest score (8); 50% -> the 5th (5)
    assert bands.iloc[0].tolist() == [last - 5, last + 5, last - 8, last + 8]
    assert bands.columns.tolist() == [
        ("y", 0.5, "lower"),
        ("y", 0.5, "upper"),
        ("y", 0.8, "lower"),
        ("y", 0.8, "upper"),
    ]
    quantiles = model.predict_quantiles(whole)
    assert quantiles.columns.names == ["target", "quantile"]
    assert quantiles.columns.tolist() == [("y", q) for q in (0.1, 0.25, 0.5, 0.75, 0.9)]
    assert quantiles.iloc[0].tolist() == [last - 8, last - 5, last, last + 5, last + 8]
    with pytest.raises(ValueError, match=r"need at least 19 calibration windows.*calibrated on 9"):
        model.predict_interval(whole, coverage=0.95)  # ceil(10 * 0.95) = 10 > 9 scores


def test_signed_quantiles_take_each_bound_from_its_own_tail():
    train, validation, whole = calibration_case()
    model = ConformalForecaster(Naive(input_width=1, horizon=1), coverage=0.5, method="signed")
    model.fit(train, validation_frame=validation)
    last = whole["y"].iloc[-1]
    # sorted residuals -6 -4 -2 -1 3 5 7 8 9; q = 0.75: rank ceil(10 * 0.75) = 8 -> 8;
    # q = 0.25: rank 10 - ceil(10 * 0.75) = 2 -> -4; q = 0.9: rank 9 -> 9; q = 0.1: rank 1 -> -6
    quantiles = model.predict_quantiles(whole, [0.1, 0.25, 0.75, 0.9])
    assert quantiles.iloc[0].tolist() == [last - 6, last - 4, last + 8, last + 9]


def test_fit_refuses_too_few_calibration_windows_for_the_coverage():
    train, validation, _ = calibration_case()
    model = ConformalForecaster(Naive(input_width=1, horizon=1), coverage=(0.8, 0.95))
    with pytest.raises(DataValidationError, match="coverage 0.95 needs at least 19 calibration"):
        model.fit(train, validation_frame=validation)


def test_a_short_series_calibrates_on_as_many_rows_as_the_widest_coverage_needs():
    # 80 rows: the last 20% (16 rows) hold 16 - 4 + 1 = 13 windows of 4 steps, fewer than the
    # 19 the 95% interval needs: the calibration takes 4 + 19 - 1 = 22 rows instead
    frame = hourly(range(80), np.sin(np.arange(80) / 3.0))
    model = ConformalForecaster(Naive(input_width=4, horizon=4), coverage=(0.8, 0.95))
    model.fit(frame)
    assert model.validation_rows_ == 22 and model.n_calibration_windows_ == 19
    assert model.model_.training_range_[1] == frame.index[57]
    only_80 = ConformalForecaster(Naive(input_width=4, horizon=4), coverage=0.8).fit(frame)
    assert only_80.validation_rows_ == 16 and only_80.n_calibration_windows_ == 13


def test_every_horizon_step_has_its_own_calibration():
    rng = np.random.default_rng(0)
    frame = hourly(range(400), np.cumsum(rng.normal(size=400)))  # a random walk
    model = ConformalForecaster(Naive(input_width=4, horizon=6), coverage=0.8).fit(frame)
    windows = model.model_.windows(frame, split=(0.8, 0.2, 0.0))
    errors = np.abs(
        windows.arrays("validation")[1] - model.model_.forecast_windows(windows, "validation")
    )
    n = len(errors)
    assert n == model.n_calibration_windows_
    rank = int(np.ceil((n + 1) * 0.8))
    expected = np.sort(errors[:, :, 0], axis=0)[rank - 1]  # per step
    bands = model.predict_interval(frame, 0.8)
    point = model.predict(frame)["y"].to_numpy()
    np.testing.assert_allclose(bands[("y", 0.8, "upper")].to_numpy() - point, expected)
    assert expected[-1] > 1.5 * expected[0]  # a random walk's error grows with the step


def test_the_calibration_rows_are_held_out_of_the_inner_fit():
    frame = hourly(range(200), np.sin(np.arange(200) / 3.0))
    model = ConformalForecaster(SeasonalNaive(24, input_width=24, horizon=4), validation=0.25)
    model.fit(frame)
    assert model.calibration_ == "last 0.25 of each series"
    assert model.model_.training_range_[1] == frame.index[149]  # fitted on the first 75%
    assert model.training_range_ == (frame.index[0], frame.index[-1])
    assert model.validation_rows_ == 50 and model.n_calibration_windows_ == 47


def test_meta_estimator_params_clone_and_tags():
    model = ConformalForecaster(SeasonalNaive(24, input_width=48, horizon=24), coverage=0.9)
    params = model.get_params()
    assert params["model__season_length"] == 24 and params["coverage"] == 0.9
    copy = clone(model).set_params(model__horizon=6)
    assert copy.horizon == 6 and model.horizon == 24 and copy.model is not model.model
    assert model.get_tag("baseline") and model.get_tag("probabilistic")
    assert not ConformalForecaster.get_tag("baseline")  # the class wraps nothing yet
    assert ConformalForecaster(forecast.LSTMForecaster()).get_tag("neural")
    with pytest.raises(ValueError, match="model must be a forecaster of this package"):
        ConformalForecaster("naive").fit(hourly(range(50)))
    with pytest.raises(ValueError, match=r"coverage must be a number in \(0, 1\)"):
        ConformalForecaster(Naive(), coverage=(0.8, 95)).fit(hourly(range(50)))


def test_local_scale_widens_the_intervals_of_the_volatile_series_of_a_panel():
    rng = np.random.default_rng(1)
    walk = np.cumsum(rng.normal(size=300))
    frame = panel({"calm": hourly(range(300), walk), "wild": hourly(range(300), 10.0 * walk)})
    pooled = ConformalForecaster(Naive(input_width=8, horizon=2), coverage=0.8).fit(frame)
    local = ConformalForecaster(Naive(input_width=8, horizon=2), coverage=0.8, scale="local")
    local.fit(frame)
    width = {}
    for name, model in (("pooled", pooled), ("local", local)):
        bands = model.predict_interval(frame, 0.8)
        width[name] = (
            (bands[("y", 0.8, "upper")] - bands[("y", 0.8, "lower")]).groupby(level=0).mean()
        )
    assert width["pooled"]["calm"] == pytest.approx(width["pooled"]["wild"])  # one calibration
    assert width["local"]["wild"] == pytest.approx(10.0 * width["local"]["calm"], rel=1e-5)


def test_several_targets_are_calibrated_each_on_its_own_scores():
    rng = np.random.default_rng(2)
    y = np.cumsum(rng.normal(size=300))
    frame = hourly(range(300), y, z=3.0 * y)
    model = ConformalForecaster(Naive(input_width=4, horizon=3, target=("y", "z")), coverage=0.8)
    bands = model.fit(frame).predict_interval(frame, 0.8)
    assert [c[0] for c in bands.columns] == ["y", "y", "z", "z"]
    width = bands.xs("upper", axis=1, level="bound") - bands.xs("lower", axis=1, level="bound")
    np.testing.assert_allclose(width["z"].to_numpy(), 3.0 * width["y"].to_numpy(), rtol=1e-5)


def test_point_forecasters_refuse_quantiles_saying_what_to_do():
    frame = hourly(range(60))
    for model in (Naive(input_width=4, horizon=2), forecast.LSTMForecaster(horizon=2)):
        with pytest.raises(PointForecastError, match=r"forecasts points only.*ConformalForecaster"):
            model.predict_quantiles(frame)  # even before fit: the class cannot
    fitted = Naive(input_width=4, horizon=2).fit(frame)
    with pytest.raises(PointForecastError, match="Naive forecasts points only"):
        fitted.predict_interval(frame, 0.8)


def test_pickle_round_trip_and_refit_full_keep_the_intervals():
    rng = np.random.default_rng(3)
    frame = hourly(range(300), np.cumsum(rng.normal(size=300)))
    model = ConformalForecaster(forecast.LinearForecaster(input_width=12, horizon=3), coverage=0.8)
    model.fit(frame.iloc[:250])
    before = model.predict_quantiles(frame.iloc[:250])
    again = pickle.loads(pickle.dumps(model))
    pd.testing.assert_frame_equal(again.predict_quantiles(frame.iloc[:250]), before)
    offsets = before.to_numpy() - model.predict(frame.iloc[:250]).to_numpy()
    model.refit_full(frame)
    assert model.refitted_ and model.training_range_[1] == frame.index[-1]
    after = model.predict_quantiles(frame).to_numpy() - model.predict(frame).to_numpy()
    np.testing.assert_allclose(after, offsets)  # the same calibrated offsets


def test_calibrated_intervals_cover_new_windows_at_their_nominal_rate():
    rng = np.random.default_rng(4)
    t = np.arange(3000)
    frame = hourly(t, 10 * np.sin(2 * np.pi * t / 24) + rng.normal(size=3000))
    model = ConformalForecaster(SeasonalNaive(24, input_width=24, horizon=6), coverage=(0.8, 0.95))
    model.fit(frame.iloc[:2000])
    windows = model.windows(frame.iloc[1976:])  # the windows after the fitted rows
    labels = windows.arrays("train")[1][:, :, 0]
    bands = model.forecast_quantile_windows(windows, (0.025, 0.1, 0.9, 0.975), "train")[:, :, 0]
    inside80 = np.mean((labels >= bands[..., 1]) & (labels <= bands[..., 2]))
    inside95 = np.mean((labels >= bands[..., 0]) & (labels <= bands[..., 3]))
    assert inside80 == pytest.approx(0.8, abs=0.03) and inside95 == pytest.approx(0.95, abs=0.02)


def test_cqr_moves_a_quantile_networks_own_bounds_by_the_calibrated_score():
    """Each coverage from its own bounds: with two coverages, the levels (0.1, 0.9) of 80%
    and (0.25, 0.75) of 50% (a first version read them in ascending order, 0.1 and 0.25 as
    the 80% bounds)."""
    rng = np.random.default_rng(5)
    t = np.arange(24 * 20)
    frame = hourly(t, 10 * np.sin(2 * np.pi * t / 24) + rng.normal(size=t.size))
    network = forecast.LSTMForecaster(
        input_width=24, horizon=2, units=(4,), dense_units=(4,), epochs=1, random_state=0,
        calendar=(), quantiles=(0.1, 0.25, 0.75, 0.9),
    )  # fmt: skip
    model = ConformalForecaster(network, coverage=(0.8, 0.5)).fit(frame)
    assert model.cqr_ and model.quantile_levels_ == (0.1, 0.25, 0.5, 0.75, 0.9)
    inner = model.model_
    windows = inner.windows(frame, split=(0.8, 0.2, 0.0))  # the calibration windows
    labels = windows.arrays("validation")[1][..., 0]
    levels = (0.1, 0.25, 0.75, 0.9)
    own = inner.forecast_quantile_windows(windows, levels, "validation")[..., 0, :]
    got, before = model.predict_quantiles(frame), inner.predict_quantiles(frame)
    for coverage, (lo, hi) in ((0.8, (0, 3)), (0.5, (1, 2))):
        scores = np.maximum(own[..., lo] - labels, labels - own[..., hi])  # per window, step
        n = len(scores)
        assert n == model.n_calibration_windows_
        calibrated = np.sort(scores, axis=0)[int(np.ceil((n + 1) * coverage)) - 1]  # per step
        assert (calibrated > 0).all()  # the network's 1-epoch fan is too narrow: CQR widens it
        for index, sign in ((lo, -1), (hi, 1)):
            key = ("y", levels[index])
            np.testing.assert_allclose(got[key], before[key] + sign * calibrated, rtol=1e-6)
    np.testing.assert_allclose(got[("y", 0.5)], model.predict(frame)["y"])
    np.testing.assert_allclose(got[("y", 0.5)], before[("y", 0.5)])
    with pytest.raises(ValueError, match=r"quantile 0.3 bounds none of the calibrated"):
        model.predict_quantiles(frame, (0.3, 0.5))
    with pytest.raises(ValueError, match=r"needs the quantiles \[0.025, 0.975\], which"):
        ConformalForecaster(network, coverage=(0.8, 0.95)).fit(frame)
    with pytest.raises(ValueError, match="method='signed' calibrates a point forecast"):
        ConformalForecaster(network, coverage=0.8, method="signed").fit(frame)


def test_recalibration_rolls_the_calibration_forward_to_the_errors_observed_since():
    # after the fit, three more rows whose Naive residuals are +20, -30, +40: the 9 most
    # recent honest scores are |STEPS| without its 3 oldest (3, 1, 5) and 20, 30, 40
    train, validation, whole = calibration_case()
    last = whole["y"].iloc[-1]
    later = hourly(range(19, 22), last + np.cumsum([20.0, -30.0, 40.0]))
    extended = pd.concat([whole, later])
    model = ConformalForecaster(Naive(input_width=1, horizon=1), coverage=(0.5, 0.8))
    model.fit(train, validation_frame=validation)
    assert model.calibrated_until_ == whole.index[-1]
    bands = model.predict_interval(extended, coverage=(0.5, 0.8))
    end = extended["y"].iloc[-1]
    # sorted: 2, 4, 6, 7, 8, 9, 20, 30, 40 -> 50%: the 5th (8), 80%: the 8th (30)
    assert bands.iloc[0].tolist() == [end - 8, end + 8, end - 30, end + 30]
    fixed = clone(model).set_params(recalibrate=False).fit(train, validation_frame=validation)
    assert fixed.predict_interval(extended, coverage=(0.5, 0.8)).iloc[0].tolist() == [
        end - 5, end + 5, end - 8, end + 8
    ]  # fmt: skip


def _regime_change(seed: int = 0) -> pd.DataFrame:
    """Hourly noise whose spread quintuples at row 400."""
    noise = np.random.default_rng(seed).normal(size=1200)
    noise[400:] *= 5.0
    return hourly(range(1200), 100.0 + noise)


def test_recalibrated_intervals_follow_a_change_of_regime_and_fixed_ones_do_not():
    frame = _regime_change()
    model = ConformalForecaster(Naive(input_width=4, horizon=2), coverage=(0.8,))
    model.fit(frame.iloc[:400])
    windows = model.windows(frame)
    index = windows.origin_index("train")
    rows = index["row"].to_numpy()[index["row"].to_numpy() >= 600]
    labels = windows.gather(rows)[1][..., 0]
    coverage = {}
    for recalibrate in (True, False):
        model.set_params(recalibrate=recalibrate)
        bands = model.forecast_quantile_windows(windows, (0.1, 0.9), rows=rows)[:, :, 0, :]
        coverage[recalibrate] = np.mean((labels >= bands[..., 0]) & (labels <= bands[..., 1]))
    assert abs(coverage[True] - 0.8) < 0.05, coverage
    assert coverage[False] < 0.5, coverage  # calibrated on the calm regime: far too narrow


def test_recalibration_reads_no_label_at_or_after_the_origin():
    frame = _regime_change(1)
    model = ConformalForecaster(Naive(input_width=4, horizon=2), coverage=(0.8,))
    model.fit(frame.iloc[:400])
    origin_row = 700
    poisoned = frame.copy()
    poisoned.iloc[origin_row:, 0] = 1e9  # the origin's labels and everything after
    quantiles = []
    for data in (frame, poisoned):
        windows = model.windows(data)
        quantiles.append(model.forecast_quantile_windows(windows, (0.1, 0.9), rows=[origin_row]))
    np.testing.assert_array_equal(quantiles[0], quantiles[1])


def test_concurrent_recalibrated_predicts_on_one_wrapper_do_not_mix(monkeypatch):
    """Two threads asking one fitted wrapper for intervals on frames with other recent errors
    (calm, wild), both inside ``predict_interval`` at once (a barrier holds each until the
    other has recalibrated): each gets the intervals of its own recent errors."""
    from conftest import all_inside_at_once

    from forecast.models.base import BaseForecaster

    rng = np.random.default_rng(3)
    fitted_on = hourly(range(200), np.cumsum(rng.normal(size=200)))
    model = ConformalForecaster(Naive(input_width=8, horizon=2), coverage=0.8).fit(fitted_on)
    frames = {}
    for name, size in (("calm", 0.1), ("wild", 10.0)):
        later = fitted_on["y"].iloc[-1] + np.cumsum(rng.normal(size=60) * size)
        frames[name] = pd.concat([fitted_on, hourly(range(200, 260), later)])
    alone = {name: model.predict_interval(frame, 0.8) for name, frame in frames.items()}
    assert not np.allclose(alone["calm"].to_numpy(), alone["wild"].to_numpy())
    calls = {name: lambda f=f: model.predict_interval(f, 0.8) for name, f in frames.items()}
    results = all_inside_at_once(monkeypatch, BaseForecaster, "_predict_quantiles", calls)
    for name in frames:
        pd.testing.assert_frame_equal(results[name], alone[name])
