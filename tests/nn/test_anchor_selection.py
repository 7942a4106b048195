"""The anchors a residual network may start from, scored on validation windows by hand."""

import numpy as np
import pytest

from forecast.features.calendar_features import candidate_seasons
from forecast.nn.anchor_selection import (
    anchor_forecast,
    anchor_members,
    candidate_anchors,
    choose_anchor,
    copying_anchor,
    fit_anchor_map,
    fit_linear_anchor,
    fit_theta_anchor,
    parse_anchor,
)


def test_candidate_seasons_follow_the_frequency():
    assert candidate_seasons("h") == (24, 168)
    assert candidate_seasons("15min") == (96, 672)
    assert candidate_seasons("D") == (7, 364)
    assert candidate_seasons("W-SUN") == (52,)
    assert candidate_seasons("MS") == (12,)
    assert candidate_seasons("QS-OCT") == (4,)
    assert candidate_seasons("YS") == ()


def test_only_seasons_that_fit_in_the_window_are_candidates_in_their_order_of_trust():
    assert candidate_anchors((24, 168), input_width=168) == (
        "linear",
        "seasonal:24",
        "seasonal:168",
        "theta:24",  # Theta needs two seasons in the window: not 168
        "last",
    )
    assert candidate_anchors((24, 168), input_width=48) == (
        "linear",
        "seasonal:24",
        "theta:24",
        "last",
    )
    assert candidate_anchors((24,), input_width=47) == ("linear", "seasonal:24", "last")
    assert candidate_anchors((), input_width=10, calendar=True) == (
        "linear",
        "linear+calendar",
        "last",
    )


def test_parse_anchor_names():
    assert parse_anchor("seasonal:7") == ("seasonal", 7)
    assert parse_anchor("theta:12") == ("linear", None)
    for bad in ("seasonal", "last:3", "mean", "theta:x"):
        with pytest.raises(ValueError, match="unknown anchor"):
            parse_anchor(bad)


def test_weekly_season_wins_when_the_week_repeats_but_the_day_does_not():
    """A period-4 pattern with a period-2 look-alike: seasonal:4 is exact, seasonal:2 and last
    are off by hand-computable amounts."""
    cycle = np.array([0.0, 2.0, 1.0, 5.0])
    past = np.tile(cycle, 3)[None, :, None].repeat(5, axis=0)  # width 12, ends ...1, 5
    labels = np.tile(cycle, 1)[None, :, None].repeat(5, axis=0)  # next: 0, 2, 1, 5
    best, scores, linear = choose_anchor(
        ("last", "seasonal:2", "seasonal:4"), past, None, labels, past, None, labels
    )
    assert best == "seasonal:4" and linear is None
    assert scores["seasonal:4"] == 0.0
    # seasonal:2 repeats (1, 5): errors |1-0|, |5-2|, |1-1|, |5-5| -> 1.0
    assert scores["seasonal:2"] == pytest.approx(1.0)
    # last repeats 5: errors 5, 3, 4, 0 -> 3.0
    assert scores["last"] == pytest.approx(3.0)


def test_scores_weigh_windows_by_their_spread():
    past = np.zeros((2, 3, 1))
    labels = np.array([[[1.0]], [[2.0]]])
    _, scores, _ = choose_anchor(
        ("last",), past, None, labels, past, None, labels, val_spread=np.array([[[2.0]], [[1.0]]])
    )
    assert scores["last"] == pytest.approx((1.0 * 2 + 2.0 * 1) / 2)


def test_linear_anchor_recovers_an_exact_linear_rule_and_reads_the_future_calendar():
    rng = np.random.default_rng(0)
    past = rng.normal(size=(400, 3, 2))  # column 1 is a covariate the anchor must not read
    future = rng.normal(size=(400, 2, 1))
    labels = np.stack(
        [2.0 * past[:, -1, 0] - past[:, 0, 0] + 0.5, past[:, -2, 0] + 3.0 * future[:, 1, 0]],
        axis=1,
    )[:, :, None]
    linear = fit_linear_anchor(past, future, labels, n_targets=1)
    assert linear.weights.shape == (3 + 2, 2)  # 3 target steps + 2 future steps -> 2 steps
    forecast = anchor_forecast("linear", past, future, 1, 2, linear)
    np.testing.assert_allclose(forecast, labels, atol=0.03)  # ridge shrinks a little
    with pytest.raises(ValueError, match="fitted LinearAnchor"):
        anchor_forecast("linear", past, future, 1, 2)


def test_ties_go_to_the_earlier_anchor():
    past = np.ones((4, 6, 1))
    labels = np.ones((4, 2, 1))
    best, scores, _ = choose_anchor(("last", "seasonal:3"), past, None, labels, past, None, labels)
    assert best == "last"  # single anchors before their means, too
    assert scores == {"last": 0.0, "seasonal:3": 0.0, "mean(last,seasonal:3)": 0.0}


def test_the_mean_of_two_anchors_wins_when_each_misses_half_the_pattern():
    # step 1 is the mean of the last two values, step 2 the last value: seasonal:2 is right on
    # step 2 only, last on step 2 only, their mean on both
    rng = np.random.default_rng(0)
    past = rng.normal(size=(50, 6, 1))
    labels = np.stack([(past[:, -2, :] + past[:, -1, :]) / 2, past[:, -1, :]], axis=1)
    best, scores, mapping = choose_anchor(
        ("seasonal:2", "last"), past, None, labels, past, None, labels, combinations=(2,)
    )
    assert best == "mean(seasonal:2,last)" and scores[best] < 1e-6
    assert scores["last"] > 0.1 and scores["seasonal:2"] > 0.1
    np.testing.assert_allclose(anchor_forecast(best, past, None, 1, 2, mapping), labels, atol=1e-6)


def test_a_mean_better_on_noise_only_does_not_replace_the_best_single_anchor():
    # labels 0; last always errs by 1; seasonal:2 errs by -1, -1, then 1.5 four times; their
    # mean errs by 0, 0, 1.25 x4: mean 0.833 < 1, but the paired differences (1, 1, -0.25 x4:
    # mean 0.167, standard error 0.264) are noise, so the single anchor stays
    seasonal = np.array([-1.0, -1.0, 1.5, 1.5, 1.5, 1.5])
    past = np.stack([seasonal, np.ones(6)], axis=1)[:, :, None]
    labels = np.zeros((6, 1, 1))
    best, scores, _ = choose_anchor(
        ("last", "seasonal:2"), past, None, labels, past, None, labels, combinations=(2,)
    )
    assert scores["last"] == pytest.approx(1.0)
    assert scores["seasonal:2"] == pytest.approx(8 / 6)
    assert scores["mean(last,seasonal:2)"] == pytest.approx(5 / 6)
    assert best == "last"
    # the same gain on every window is clear: seasonal:2 errs by -0.5 throughout
    past[:, 0, 0] = -0.5
    best, _, _ = choose_anchor(
        ("last", "seasonal:2"), past, None, labels, past, None, labels, combinations=(2,)
    )
    assert best == "mean(seasonal:2,last)"


def _last_plus_calendar(n: int, seed: int = 0):
    """Training windows whose label is the last value plus the one calendar input."""
    rng = np.random.default_rng(seed)
    past, future = rng.normal(size=(n, 3, 1)), rng.normal(size=(n, 1, 1))
    return past, future, past[:, -1:, :] + future


def test_the_calendar_ridge_replaces_the_lags_ridge_only_when_clearly_better():
    past, future, labels = _last_plus_calendar(400)
    candidates = ("linear", "linear+calendar")
    # validation: the calendar helps on one window of four (label last + 3, calendar 1) and
    # is a small error on the others (label last, calendar 0.1): calendar errors about
    # 2, 0.1, 0.1, 0.1 (mean 0.575), lags-only 3, 0, 0, 0 (mean 0.75); paired differences
    # 1, -0.1, -0.1, -0.1: mean 0.175 under their standard error 0.275, so lags only
    val_past = np.zeros((4, 3, 1))
    val_future = np.array([1.0, 0.1, 0.1, 0.1])[:, None, None]
    val_labels = np.array([3.0, 0.0, 0.0, 0.0])[:, None, None]
    best, scores, _ = choose_anchor(
        candidates, past, future, labels, val_past, val_future, val_labels, combinations=()
    )
    assert scores["linear+calendar"] == pytest.approx(0.575, abs=0.05)
    assert scores["linear"] == pytest.approx(0.75, abs=0.05)  # ridge: a small bias
    assert best == "linear"
    # without the lags-only ridge among the candidates there is nothing to prefer
    alone, _, _ = choose_anchor(
        ("linear+calendar", "last"), past, future, labels, val_past, val_future, val_labels,
        combinations=(),
    )  # fmt: skip
    assert alone == "linear+calendar"
    # the calendar right on every validation window: clearly better, it wins
    val_labels = val_past[:, -1:, :] + val_future
    best, _, mapping = choose_anchor(
        candidates, past, future, labels, val_past, val_future, val_labels, combinations=()
    )
    assert best == "linear+calendar"
    assert mapping.weights[-1, 0] == pytest.approx(1.0, abs=0.01)  # it reads the calendar


def test_copying_anchors_reproduce_the_naive_forecasts_as_linear_maps():
    rng = np.random.default_rng(2)
    past, future = rng.normal(size=(5, 8, 3)), rng.normal(size=(5, 3, 2))
    for name in ("last", "seasonal:4", "seasonal:8"):
        copy = copying_anchor(name, input_width=8, n_targets=2, horizon=3, n_future=2)
        assert copy.weights.shape == (8 * 2 + 3 * 2, 3 * 2)
        np.testing.assert_allclose(
            copy.forecast(np, past, future, n_targets=2, horizon=3),
            anchor_forecast(name, past, future, n_targets=2, horizon=3),
        )
    with pytest.raises(ValueError, match="not a naive anchor"):
        copying_anchor("linear", 8, 2, 3)


def test_a_mean_map_is_the_average_of_its_members():
    rng = np.random.default_rng(3)
    past, future = rng.normal(size=(300, 6, 1)), rng.normal(size=(300, 2, 1))
    labels = (2 * past[:, -1:, :] + future[:, :1, :]).repeat(2, axis=1)
    mean = fit_anchor_map("mean(linear+calendar,seasonal:3)", past, future, labels, 1)
    linear = fit_linear_anchor(past, future, labels, 1, calendar=True)
    copy = copying_anchor("seasonal:3", 6, 1, 2, n_future=1)
    np.testing.assert_allclose(mean.weights, (linear.weights + copy.weights) / 2, atol=1e-6)
    np.testing.assert_allclose(mean.bias, linear.bias / 2, atol=1e-6)
    assert anchor_members("mean(linear+calendar,seasonal:3)") == ("linear+calendar", "seasonal:3")
    assert parse_anchor("mean(linear+calendar,seasonal:3)") == ("linear", None)
    with pytest.raises(ValueError, match="unknown anchor"):
        parse_anchor("mean(linear,weekly)")


def test_the_lags_only_linear_anchor_gives_the_calendar_zero_weights():
    rng = np.random.default_rng(1)
    past, future = rng.normal(size=(200, 3, 1)), rng.normal(size=(200, 2, 1))
    labels = (past[:, -1:, :] + future[:, :1, :]).repeat(2, axis=1)
    lags = fit_linear_anchor(past, future, labels, n_targets=1, calendar=False)
    alone = fit_linear_anchor(past, None, labels, n_targets=1)
    assert lags.weights.shape == (3 + 2, 2)
    np.testing.assert_array_equal(lags.weights[3:], 0.0)
    np.testing.assert_allclose(lags.weights[:3], alone.weights, rtol=1e-6)
    with_calendar = fit_linear_anchor(past, future, labels, n_targets=1)
    assert np.abs(with_calendar.weights[3:]).max() > 0.5


def test_the_theta_anchor_smooths_each_target_alone_with_the_alpha_fitted_on_training():
    from forecast.nn.theta_anchor import ALPHAS, theta_weights

    rng = np.random.default_rng(3)
    n, width, horizon = 300, 8, 3
    level = np.cumsum(rng.normal(scale=0.3, size=n + width + horizon))
    season = np.tile([2.0, -1.0, 0.0, -1.0], (n + width + horizon) // 4 + 1)[: len(level)]
    series = np.stack([level + season + rng.normal(size=len(level)), 10 * level], axis=1)
    past = np.stack([series[i : i + width] for i in range(n)])
    labels = np.stack([series[i + width : i + width + horizon] for i in range(n)])
    theta = fit_theta_anchor("theta:4", past, None, labels, n_targets=2)
    forecast = theta.forecast(np, past, None, n_targets=2, horizon=horizon)

    def mae(alpha):
        return np.abs(
            np.einsum("nwt,wh->nht", past, theta_weights(width, 4, horizon, alpha)) - labels
        ).mean()

    best = min(ALPHAS, key=mae)  # the alpha with the lowest training error, by brute force
    for target in range(2):  # each target forecast from its own window only
        expected = past[:, :, target] @ theta_weights(width, 4, horizon, best)
        np.testing.assert_allclose(forecast[:, :, target], expected, rtol=1e-4, atol=1e-4)
    assert (
        fit_anchor_map("theta:4", past, None, labels, 2).weights.tobytes()
        == theta.weights.tobytes()
    )
    # a noisy seasonal series around a wandering level: Theta beats copying one season back
    one = past[:, :, :1], labels[:, :, :1]
    best_anchor, scores, _ = choose_anchor(
        ("seasonal:4", "theta:4", "last"), one[0], None, one[1], one[0], None, one[1]
    )
    assert best_anchor == "theta:4" and scores["theta:4"] < scores["seasonal:4"]
