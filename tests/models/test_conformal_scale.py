"""scale="auto": the local spread only where the calibration windows clearly say it covers
closer to nominal (hand-computed coverage errors, and the wrapper's choice on real drift)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import hourly

from forecast import ConformalForecaster, Naive
from forecast.models.conformal_scale import choose_scale


def test_coverage_errors_on_the_newer_half_are_hand_checked():
    """Older windows: scores 1..10 at spread 1; newer: 2, 4, ..., 20 at spread 2 (the errors
    doubled with the swings). 80% on ten older scores: rank ceil(11 * 0.8) = 9, bound 9. In
    the data's units the newer half has 2, 4, 6, 8 under 9 (0.4 covered: error 0.4); in local
    spreads 1..10, nine under 9 (0.9: error 0.1). The gap 0.3 beats the noise of ten windows,
    sqrt(0.8 * 0.2 / 10) = 0.126. Shuffled: the windows' end times say which are older."""
    older, newer = np.arange(1.0, 11.0), 2.0 * np.arange(1.0, 11.0)
    raw = np.concatenate([older, newer])[:, None, None]
    spread = np.concatenate([np.ones(10), 2.0 * np.ones(10)])[:, None, None]
    ends = np.arange(20)
    shuffle = np.random.default_rng(0).permutation(20)
    choice, errors = choose_scale(
        raw[shuffle], spread[shuffle], np.array([0.01]), ends[shuffle], (0.8,), "absolute"
    )
    assert choice == "local"
    assert errors == pytest.approx({"none": 0.4, "local": 0.1})


def test_a_local_scale_no_better_or_too_few_windows_keeps_the_data_units():
    """Older 1..10 at spread 1 (80% bound: 9), newer 1.5..10.5 at spread 1.1: in the data's
    units 8 of 10 newer scores are under 9 (error 0.0); in local spreads (1.5..10.5) / 1.1, 9
    of 10 (error 0.1): the data's units stay."""
    raw = np.concatenate([np.arange(1.0, 11.0), np.arange(1.0, 11.0) + 0.5])[:, None, None]
    spread = np.concatenate([np.ones(10), 1.1 * np.ones(10)])[:, None, None]
    choice, errors = choose_scale(raw, spread, np.array([0.01]), np.arange(20), (0.8,), "absolute")
    assert choice is None and errors == pytest.approx({"none": 0.0, "local": 0.1})
    # 95% needs 19 older windows: with ten, no coverage takes part
    choice, errors = choose_scale(raw, spread, np.array([0.01]), np.arange(20), (0.95,), "absolute")
    assert choice is None and np.isnan(errors["none"]) and np.isnan(errors["local"])


def stormy(n=600, seed=0, storm=True):
    """A random walk whose steps grow fivefold for its last tenth (or stay the same size): the
    calibration windows (the last fifth) see the calm, then the storm."""
    rng = np.random.default_rng(seed)
    size = np.where(np.arange(n) >= 0.9 * n, 5.0 if storm else 1.0, 1.0)
    return hourly(range(n), 100.0 + np.cumsum(rng.normal(size=n) * size))


@pytest.mark.parametrize("storm, chosen", [(True, "local"), (False, None)])
def test_auto_calibrates_exactly_as_the_scale_it_chose(storm, chosen):
    frame = stormy(storm=storm)
    model = Naive(input_width=24, horizon=3)
    auto = ConformalForecaster(model, coverage=0.8, scale="auto").fit(frame)
    assert auto.scale_ == chosen and set(auto.scale_errors_) == {"none", "local"}
    same = ConformalForecaster(model, coverage=0.8, scale=chosen).fit(frame)
    assert same.scale_ == chosen and not hasattr(same, "scale_errors_")
    pd.testing.assert_frame_equal(
        auto.predict_interval(frame, 0.8), same.predict_interval(frame, 0.8)
    )


def test_a_config_asks_for_it_and_the_run_says_what_it_chose():
    from forecast.app.config_schema import IntervalsConfig
    from forecast.app.intervals import interval_forecasters, interval_sources

    models = {"naive": Naive(input_width=24, horizon=3)}
    wrapped = interval_forecasters(models, IntervalsConfig(coverage=[0.8], scale="auto"))
    assert wrapped["naive"].scale == "auto"
    wrapped["naive"].fit(stormy())
    assert interval_sources(wrapped) == {"naive": "conformal (method=absolute, scale=local)"}
