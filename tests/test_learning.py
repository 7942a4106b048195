"""End to end on real data: small LSTM and GRU models must learn to beat the naive baselines.

The protocol of the accuracy benchmark, shrunk to fit CI: electricity_hourly, a 70/20/10
chronological split, input 168, horizon 24, forecasts at every midnight of the test split
(109 origins). The networks have no residual anchor here, so an untrained network (which
forecasts a constant) loses to the baselines by far: only learning passes this test.
"""

from __future__ import annotations

import pytest

import forecast
from forecast import GRUForecaster, LSTMForecaster, Naive, SeasonalNaive

pytestmark = pytest.mark.slow


def test_small_networks_beat_naive_and_seasonal_naive_through_compare(tmp_path):
    frame = forecast.load_dataset("electricity_hourly")
    common = dict(input_width=168, horizon=24, target="y")
    small = dict(
        units=(32,),
        dense_units=(32,),
        residual=None,
        epochs=4,
        patience=None,
        validation=2 / 9,
        random_state=0,
        **common,
    )  # validation: the 20% after the 70%
    models = {
        "Naive": Naive(**common),
        "SeasonalNaive(168)": SeasonalNaive(season_length=168, **common),
        "LSTM": LSTMForecaster(**small),
        "GRU": GRUForecaster(**small),
    }
    # the first midnight of the test split (the last 10%), then every midnight: 109 origins
    comparison = forecast.compare(
        models, frame, start="2014-09-14", stride=24, details=True, verbose=False
    )
    board = comparison.leaderboard
    print(board)
    assert comparison.summary["origins"] == 109
    assert board.loc["SeasonalNaive(168)", "mae"] == pytest.approx(144.9, abs=0.05)  # the reference
    for network in ("LSTM", "GRU"):
        assert (
            board.loc[network, "mae"]
            < board.loc["SeasonalNaive(168)", "mae"]
            < board.loc["Naive", "mae"]
        )
        assert board.loc[network, "skill"] > 0
        assert len(comparison.models[network].history_["val_loss"]) == 4
    report = comparison.report(tmp_path / "report", title="Electricity, small networks", unit="kW")
    text = report.read_text()
    assert all(name in text for name in models)
    assert (report.parent / "figures").is_dir()
