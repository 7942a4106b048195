"""compare says which model and origin block it is on, with the time the model has left."""

from __future__ import annotations

import io
import re

import pandas as pd
from conftest import hourly

from forecast import LinearForecaster, Naive, compare
from forecast.evaluation.backtest_progress import BacktestProgress


def test_compare_says_the_model_the_block_and_the_time_left(capsys):
    frame = hourly(range(60))
    models = {
        "naive": Naive(input_width=3, horizon=2),
        "ridge": LinearForecaster(input_width=3, horizon=2),
    }
    compare(models, frame, start=frame.index[40], stride=2, refit=2, verbose=True)
    lines = capsys.readouterr().out.splitlines()
    assert "\r" not in "".join(lines)
    naive = [line for line in lines if line.startswith("[1/2] naive: ")]
    # 10 origins refitted every 2: 5 blocks; fast blocks are said at most every 5 s
    assert naive[0] == (
        "[1/2] naive: origin block 1/5 (2 origins, 2024-01-02 16:00:00 .. 2024-01-02 18:00:00): "
        "fitting on 40 rows"
    )
    assert re.fullmatch(
        r"\[1/2\] naive: origin block 5/5 \(2 origins, .*\): fitting on 56 rows; "
        r"about [\d.]+ s left for naive",
        naive[1],
    )
    assert re.fullmatch(r"\[1/2\] naive: 10 origins backtested in [\d.]+ s", naive[2])
    assert any(line.startswith("[2/2] ridge: origin block 1/5") for line in lines)


def test_each_block_is_said_when_they_are_slow_enough():
    out = io.StringIO()
    progress = BacktestProgress("[1/1] LSTM", n_blocks=3, stream=out, every=0.0)
    origins = pd.date_range("2024-01-01", periods=3, freq="D")
    for i in range(3):
        progress.block(i, origins[i : i + 1], training_rows=100 + i)
    lines = out.getvalue().splitlines()
    assert [line.split(":")[1].strip() for line in lines] == [
        "origin block 1/3 (1 origin, 2024-01-01)",
        "origin block 2/3 (1 origin, 2024-01-02)",
        "origin block 3/3 (1 origin, 2024-01-03)",
    ]
    assert "left for LSTM" not in lines[0] and "left for LSTM" in lines[2]


def test_a_single_fit_says_what_it_fits_and_forecasts():
    out = io.StringIO()
    progress = BacktestProgress("[3/6] Linear", n_blocks=1, stream=out)
    progress.block(0, pd.date_range("2024-01-01", periods=5, freq="D"), training_rows=1_234)
    assert out.getvalue() == (
        "[3/6] Linear: fitting on 1,234 rows, then forecasting 5 origins, 2024-01-01 .. "
        "2024-01-05\n"
    )
