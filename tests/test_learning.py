"""End to end on real data: small LSTM and GRU models must learn to beat the naive baselines.

The protocol of the accuracy benchmark, shrunk to fit CI: electricity_hourly, a 70/20/10
chronological split, input 168, horizon 24, forecasts at every midnight of the test split
(109 origins). The networks have no residual anchor here, so an untrained network (which
forecasts a constant) loses to the baselines by far: only learning passes this test.
"""

from __future__ import annotations

import numpy as np
import pytest

import forecast
from forecast import GRUForecaster, LSTMForecaster, Naive, SeasonalNaive, Split

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def protocol():
    frame = forecast.load_dataset("electricity_hourly")
    fit_frame = frame.iloc[: int(len(frame) * 0.9)]  # train + validation; the test split stays out
    return frame, fit_frame


def mae_on_test_split(model, frame, fit_frame) -> float:
    model.fit(fit_frame)
    windows = model.windows(frame, split=Split(0.2, 0.1), stride=24)
    labels = windows.arrays("test")[1]
    assert len(labels) == 109
    return float(np.abs(model.forecast_windows(windows, "test") - labels).mean())




@pytest.mark.parametrize("network", [LSTMForecaster, GRUForecaster], ids=["lstm", "gru"])
def test_small_network_beats_naive_and_seasonal_naive(protocol, network):
    frame, fit_frame = protocol
    common = dict(input_width=168, horizon=24, target="y")
    naive = mae_on_test_split(Naive(**common), frame, fit_frame)
    weekly = mae_on_test_split(SeasonalNaive(season_length=168, **common), frame, fit_frame)
    assert weekly == pytest.approx(144.9, abs=0.05)  # the reference figure of this protocol
    model = network(units=(32,), dense_units=(32,), residual=None, epochs=4, patience=None,
                    validation=2 / 9, random_state=0, **common)
    mae = mae_on_test_split(model, frame, fit_frame)
    print(f"{network.__name__}: test MAE {mae:.1f} (naive {naive:.1f}, seasonal naive 168 {weekly:.1f})")
    assert mae < weekly < naive
    assert len(model.history_["val_loss"]) == 4
