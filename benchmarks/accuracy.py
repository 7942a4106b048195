"""Accuracy on the electricity protocol: every baseline, LSTM and GRU on the very same windows.

Protocol: ``electricity_hourly`` with a 70/20/10 chronological split, input 168, horizon 24,
forecasts made at every midnight of the test split (109 origins). Models are fitted on the
first 90% (their validation split is the 20% after the training 70%), then scored on the test
windows in original units: MAE, RMSE, sMAPE and MASE (season 24, scaled on the training 70%).

Reference figures on exactly this protocol (from the issue): SeasonalNaive(24) MAE 92.0,
SeasonalNaive(168) 144.9, ridge on the 168 lags 87.5, statsforecast MSTL(24,168) 97.6,
AutoETS 107.2, a tutorial-style Keras LSTM(64) -> Dense(24) 88.2.

Run: ``make bench`` (all benchmarks) or ``python benchmarks/accuracy.py`` (defaults), e.g.
``python benchmarks/accuracy.py --networks lstm --set residual=last --set loss=mse --label try``
to compare settings; ``--seeds 0 1 2`` also scores the seed ensemble (mean forecast).
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

import forecast  # noqa: E402
from forecast import metrics  # noqa: E402

INPUT_WIDTH, HORIZON = 168, 24
RESULTS = Path(__file__).parent / "results" / "accuracy.json"


def baselines() -> dict:
    common = dict(input_width=INPUT_WIDTH, horizon=HORIZON, target="y")
    return {
        "Naive": forecast.Naive(**common),
        "SeasonalNaive(24)": forecast.SeasonalNaive(season_length=24, **common),
        "SeasonalNaive(168)": forecast.SeasonalNaive(season_length=168, **common),
        "WindowAverage(24)": forecast.WindowAverage(window=24, **common),
        "Drift": forecast.Drift(**common),
        "Linear (168 lags)": forecast.LinearForecaster(**common),
        "Linear (lags + calendar)": forecast.LinearForecaster(calendar="auto", **common),
    }


def networks(names: list[str], seed: int, overrides: dict) -> dict:
    classes = {"lstm": forecast.LSTMForecaster, "gru": forecast.GRUForecaster}
    return {
        f"{classes[name].__name__}": classes[name](
            input_width=INPUT_WIDTH, horizon=HORIZON, target="y", random_state=seed, **overrides
        )
        for name in names
    }


def score(forecasts: np.ndarray, labels: np.ndarray, training: np.ndarray) -> dict:
    return {
        "mae": metrics.mae(labels, forecasts),
        "rmse": metrics.rmse(labels, forecasts),
        "smape": metrics.smape(labels, forecasts),
        "mase24": metrics.mase(labels, forecasts, training=training, season_length=24),
    }


def run(args: argparse.Namespace) -> dict:
    frame = forecast.load_dataset("electricity_hourly")
    fit_frame = frame.iloc[: int(len(frame) * 0.9)]
    training = frame["y"].to_numpy()[: int(len(frame) * 0.7)]
    overrides = dict(args.set)
    rows: dict[str, dict] = {}
    ensembles: dict[str, list[np.ndarray]] = {}
    labels = None
    candidates = [(name, model, None) for name, model in baselines().items()] if not args.skip_baselines else []
    for seed in args.seeds:
        candidates += [(name, model, seed) for name, model in networks(args.networks, seed, overrides).items()]
    for name, model, seed in candidates:
        start = time.perf_counter()
        model.fit(fit_frame)
        seconds = time.perf_counter() - start
        windows = model.windows(frame, split=forecast.Split(0.2, 0.1), stride=24)
        labels = windows.arrays("test")[1]
        forecasts = model.forecast_windows(windows, "test")
        key = name if seed is None else f"{name} seed {seed}"
        rows[key] = {**score(forecasts, labels, training), "fit_seconds": seconds}
        if hasattr(model, "history_"):
            rows[key]["epochs"] = len(model.history_["loss"])
            ensembles.setdefault(name, []).append(forecasts)
        print(f"{key:<28} MAE {rows[key]['mae']:7.1f}  ({seconds:.0f} s)", flush=True)
    for name, members in ensembles.items():
        if len(members) > 1:
            rows[f"{name} ensemble of {len(members)}"] = score(np.mean(members, axis=0), labels, training)
    return {
        "protocol": "electricity_hourly, 70/20/10, input 168, horizon 24, 109 midnight test origins",
        "n_test_windows": int(len(labels)),
        "network_settings": {**overrides, "seeds": list(args.seeds)},
        "label": args.label,
        "results": rows,
    }


def table(result: dict) -> str:
    lines = [
        f"{'model':<30} {'MAE':>8} {'RMSE':>8} {'sMAPE %':>8} {'MASE24':>8} {'fit s':>7}",
        "-" * 74,
    ]
    for name, row in result["results"].items():
        fit = f"{row['fit_seconds']:7.0f}" if "fit_seconds" in row else " " * 7
        lines.append(
            f"{name:<30} {row['mae']:8.1f} {row['rmse']:8.1f} {row['smape']:8.2f} {row['mase24']:8.3f} {fit}"
        )
    return "\n".join(lines)


def write_atomically(path: Path, payload: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=path.parent, suffix=".tmp", delete=False) as handle:
        json.dump(payload, handle, indent=2)
        temp = handle.name
    os.replace(temp, path)


def parse_setting(text: str) -> tuple[str, object]:
    key, _, value = text.partition("=")
    try:
        return key, ast.literal_eval(value)
    except (ValueError, SyntaxError):
        return key, value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--networks", nargs="*", default=["lstm", "gru"], choices=["lstm", "gru"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0])
    parser.add_argument("--set", action="append", type=parse_setting, default=[],
                        help="a network setting, e.g. --set residual=last --set units=(64,32)")
    parser.add_argument("--skip-baselines", action="store_true")
    parser.add_argument("--label", default="documented defaults")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    start = time.perf_counter()
    result = run(args)
    result["script_seconds"] = time.perf_counter() - start
    print(table(result))
    write_atomically(args.out, result)
    print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
