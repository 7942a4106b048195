"""Accuracy on the electricity protocol: every baseline, LSTM and GRU on the very same windows.

The baselines include the classical ``AutoETS`` and ``AutoTheta`` (fitted on the data before
the first origin, each origin forecast from states initialised on its own input window) when
statsforecast is installed (the ``stats`` extra).

Protocol: ``electricity_hourly`` with a 70/20/10 chronological split, input 168, horizon 24,
forecasts made at every midnight of the test split (109 origins, the first on 2014-09-14).
Models are fitted once on everything before the first origin, about the first 90% of the data
(the networks hold out the last 20% of that for early stopping: the documented default
``validation=0.2``, so they train on about 72% rather than 70%), then scored on the test
windows in original units through ``forecast.compare``: MAE, RMSE, sMAPE, MASE (season 24,
scaled on the data before the first origin) and bias, and a report with figures.

Reference figures on exactly this protocol (from the issue): SeasonalNaive(24) MAE 92.0,
SeasonalNaive(168) 144.9, ridge on the 168 lags 87.5, statsforecast MSTL(24,168) 97.6,
AutoETS 107.2, a tutorial-style Keras LSTM(64) -> Dense(24) 88.2.

Run: ``make bench`` (all benchmarks) or ``python benchmarks/accuracy.py`` (defaults), e.g.
``python benchmarks/accuracy.py --networks lstm --set residual=last --set loss=mse --label try``
to compare settings; ``--seeds 0 1 2`` also scores the seed ensemble (mean forecast).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from importlib import util
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


from _results import parse_setting, write_results  # noqa: E402  (benchmarks/)

import forecast  # noqa: E402
from forecast.evaluation import metrics  # noqa: E402

INPUT_WIDTH, HORIZON = 168, 24
RESULTS = Path(__file__).parent / "results" / "accuracy.json"
REPORT = Path(__file__).parent / "results" / "accuracy_report"
FIRST_TEST_ORIGIN = "2014-09-14"


def baselines() -> dict:
    """The package baselines and, with statsforecast installed (the ``stats`` extra), the
    classical AutoETS and AutoTheta (season 24 inferred from the frequency)."""
    common = dict(input_width=INPUT_WIDTH, horizon=HORIZON, target="y")
    models = {
        "Naive": forecast.Naive(**common),
        "SeasonalNaive(24)": forecast.SeasonalNaive(season_length=24, **common),
        "SeasonalNaive(168)": forecast.SeasonalNaive(season_length=168, **common),
        "WindowAverage(24)": forecast.WindowAverage(window=24, **common),
        "Drift": forecast.Drift(**common),
        "Linear (168 lags)": forecast.LinearForecaster(**common),
        "Linear (lags + calendar)": forecast.LinearForecaster(calendar="auto", **common),
    }
    if util.find_spec("statsforecast") is not None:
        models["AutoETS"] = forecast.AutoETS(**common)
        models["AutoTheta"] = forecast.AutoTheta(**common)
    return models


def networks(names: list[str], seed: int, overrides: dict) -> dict:
    classes = {"lstm": forecast.LSTMForecaster, "gru": forecast.GRUForecaster}
    return {
        f"{classes[name].__name__}": classes[name](
            input_width=INPUT_WIDTH, horizon=HORIZON, target="y", random_state=seed, **overrides
        )
        for name in names
    }


def run(args: argparse.Namespace) -> dict:
    frame = forecast.load_dataset("electricity_hourly")
    overrides = dict(args.set)
    models = {} if args.skip_baselines else baselines()
    for seed in args.seeds:
        models.update(
            {
                f"{name} seed {seed}": model
                for name, model in networks(args.networks, seed, overrides).items()
            }
        )
    # the first midnight of the test split (the last 10%), then every midnight: 109 origins
    comparison = forecast.compare(
        models,
        frame,
        start=FIRST_TEST_ORIGIN,
        stride=24,
        details=True,
        add_baselines=False,
        metrics=("mae", "rmse", "smape", "mase", "bias"),
    )
    board = comparison.leaderboard
    rows = {
        name: {
            k: float(board.loc[name, k])
            for k in ("mae", "rmse", "smape", "mase", "bias", "skill", "fit_seconds")
        }
        for name in board.index
    }
    for name, model in comparison.models.items():
        if hasattr(model, "history_"):
            rows[name]["epochs"] = len(model.history_["loss"])
    tidy = comparison.forecasts
    for network in args.networks:
        members = [
            name for name in board.index if name.startswith(f"{network_class(network)} seed")
        ]
        if len(members) > 1:
            mean = (
                tidy[tidy["model"].isin(members)]
                .groupby(["series_id", "target", "origin", "timestamp", "step"], as_index=False)
                .agg(actual=("actual", "first"), forecast=("forecast", "mean"))
            )
            scores = metrics.score_forecasts(mean, ("mae", "rmse", "smape", "bias"), by=None)
            rows[f"{network_class(network)} ensemble of {len(members)}"] = (
                scores.iloc[0].drop("n").to_dict()
            )
    if args.report:
        comparison.report(
            args.report,
            title=f"Electricity accuracy benchmark ({args.label})",
            unit="kW",
            overwrite=True,
        )
    return {
        "protocol": "electricity_hourly, 70/20/10, input 168, horizon 24, 109 midnight test origins "
        "(forecast.compare, fitted once on the data before the first origin)",
        "n_test_windows": int(comparison.summary["forecast windows per model"]),
        "network_settings": {**overrides, "seeds": list(args.seeds)},
        "label": args.label,
        "results": rows,
    }


def network_class(name: str) -> str:
    return {"lstm": "LSTMForecaster", "gru": "GRUForecaster"}[name]


def table(result: dict) -> str:
    lines = [
        f"{'model':<30} {'MAE':>8} {'RMSE':>8} {'sMAPE %':>8} {'MASE':>8} {'fit s':>7}",
        "-" * 74,
    ]
    for name, row in result["results"].items():
        fit = f"{row['fit_seconds']:7.0f}" if "fit_seconds" in row else " " * 7
        lines.append(
            f"{name:<30} {row['mae']:8.1f} {row['rmse']:8.1f} {row['smape']:8.2f} {row.get('mase', float('nan')):8.3f} {fit}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--networks", nargs="*", default=["lstm", "gru"], choices=["lstm", "gru"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0])
    parser.add_argument(
        "--set",
        action="append",
        type=parse_setting,
        default=[],
        help="a network setting, e.g. --set residual=last --set units=(64,32)",
    )
    parser.add_argument("--skip-baselines", action="store_true")
    parser.add_argument("--label", default="documented defaults")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument(
        "--report",
        type=lambda v: Path(v) if v else None,
        default=REPORT,
        help="report directory ('' for none)",
    )
    args = parser.parse_args(argv)
    start = time.perf_counter()
    result = run(args)
    result["script_seconds"] = time.perf_counter() - start
    print(table(result))
    write_results(args.out, result)
    print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
