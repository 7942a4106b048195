"""Probabilistic forecasts: conformal seasonal naive, a conformal LSTM and a quantile LSTM.

Protocols (``forecast.compare`` with ``coverage=(0.8, 0.95)``, fitted once on the data before
the first origin; each ``ConformalForecaster`` holds out the last 20% of that to calibrate, the
LSTM then holding out 20% of the rest to stop early):

* ``electricity_hourly``: input 168, horizon 24, the 109 test midnights from 2014-09-14 (the
  origins of ``benchmarks/accuracy.py``);
* ``beijing_pm25``: target ``pm2.5`` with the weather covariates, NaN targets kept (windows
  with a NaN label are not scored, NaN inputs filled), input 72, horizon 24, the protocol of
  ``benchmarks/generalization_data.py`` (its last 336 days, every midnight from 2014-10-26).

Reported per model: the empirical coverage of the 80% and 95% intervals on the test origins,
their mean width, the mean pinball loss and the WQL over the levels 0.025, 0.1, 0.5, 0.9,
0.975, and the fit time. Goals (issue 16): every calibrated interval within 5 points of its
nominal coverage; the conformal (or quantile) LSTM's WQL at least 10% below conformal
seasonal naive's; fitting quantiles under 1.3 times a point fit's time. Conformal seasonal
naive is also calibrated with ``scale="local"`` (scores over each window's local spread).

The quantile LSTM (``quantiles=(0.025, 0.1, 0.5, 0.9, 0.975)``, the LSTM's settings
otherwise) is fitted on all the rows before the first origin (its own 20% validation to stop
early) and reports its raw quantiles; "quantile LSTM + CQR" wraps it in a
``ConformalForecaster`` (conformalised quantile regression on the last 20%, as the conformal
LSTM). The fit times of "quantile LSTM + CQR" and "conformal LSTM" compare a quantile fit with
a point fit on the very same rows: the goal reads their ratio per training epoch (early
stopping may stop them after different numbers of epochs) and in all.

Run: ``python benchmarks/probabilistic.py`` (``--datasets electricity`` for one; ``--set
epochs=20`` to change the LSTM).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from _results import machine, parse_setting, write_results  # noqa: E402  (benchmarks/)
from generalization_data import load_beijing  # noqa: E402

import forecast  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "probabilistic.json"
COVERAGE = (0.8, 0.95)
METRICS = ("mae", "pinball", "wql", "coverage", "width")
COLUMNS = ("mae", "pinball", "wql", "coverage_80", "coverage_95", "width_80", "width_95")
LEVELS = (0.025, 0.1, 0.5, 0.9, 0.975)

PROTOCOLS = {
    "electricity": dict(
        load=lambda: forecast.load_dataset("electricity_hourly"),
        target="y",
        covariates=None,
        input_width=168,
        season=24,
        start="2014-09-14",
    ),
    "beijing_pm25": dict(
        load=load_beijing,
        target="pm2.5",
        covariates=("DEWP", "TEMP", "PRES", "cbwd", "Iws", "Is", "Ir"),
        input_width=72,
        season=24,
        start="2014-10-26",
    ),
}


def models(protocol: dict, seed: int, overrides: dict) -> dict:
    common = dict(input_width=protocol["input_width"], horizon=24, target=protocol["target"])
    lstm = forecast.LSTMForecaster(
        covariates=protocol["covariates"], random_state=seed, **common, **overrides
    )
    quantile = forecast.LSTMForecaster(
        covariates=protocol["covariates"], random_state=seed, quantiles=LEVELS, **common,
        **overrides,
    )  # fmt: skip
    naive = forecast.SeasonalNaive(season_length=protocol["season"], **common)
    return {
        "conformal SeasonalNaive": forecast.ConformalForecaster(naive, coverage=COVERAGE),
        "conformal SeasonalNaive, local scale": forecast.ConformalForecaster(
            naive, coverage=COVERAGE, scale="local"
        ),
        "conformal LSTM": forecast.ConformalForecaster(lstm, coverage=COVERAGE),
        "quantile LSTM": quantile,
        "quantile LSTM + CQR": forecast.ConformalForecaster(quantile, coverage=COVERAGE),
    }


def describe(model) -> dict:
    """How a fitted model calibrated (conformal ones) and how long its network trained."""
    out = {}
    if hasattr(model, "calibration_"):
        out["calibration"] = model.calibration_
        out["calibration_windows"] = model.n_calibration_windows_
        out["cqr"] = bool(model.cqr_)
    network = model.model_ if hasattr(model, "calibration_") else model
    if hasattr(network, "history_"):
        out["epochs"] = len(network.history_["loss"])
    return out


def run_dataset(name: str, seed: int, overrides: dict) -> dict:
    protocol = PROTOCOLS[name]
    frame = protocol["load"]()
    comparison = forecast.compare(
        models(protocol, seed, overrides),
        frame,
        start=protocol["start"],
        stride=24,
        metrics=METRICS,
        coverage=COVERAGE,
        add_baselines=False,
        details=True,
    )
    board = comparison.leaderboard
    rows = {
        model: {
            **{key: float(board.loc[model, key]) for key in (*COLUMNS, "fit_seconds")},
            **describe(comparison.models[model]),
        }
        for model in board.index
    }
    naive, lstm = rows["conformal SeasonalNaive"], rows["conformal LSTM"]
    cqr = rows["quantile LSTM + CQR"]
    calibrated = [row for row in rows.values() if "calibration" in row]
    lstms = ("conformal LSTM", "quantile LSTM", "quantile LSTM + CQR")
    return {
        "origins": int(comparison.summary["origins"]),
        "windows": int(comparison.summary["forecast windows per model"]),
        "results": rows,
        "goals": {
            "every interval within 5 points of nominal": all(
                abs(row[f"coverage_{int(100 * c)}"] - c) <= 0.05
                for row in calibrated
                for c in COVERAGE
            ),
            "conformal LSTM WQL vs conformal seasonal naive": lstm["wql"] / naive["wql"] - 1.0,
            "best LSTM WQL vs conformal seasonal naive": min(rows[m]["wql"] for m in lstms)
            / naive["wql"]
            - 1.0,
            "quantile vs point fit time, per epoch": (cqr["fit_seconds"] / cqr["epochs"])
            / (lstm["fit_seconds"] / lstm["epochs"]),
            "quantile vs point fit time, in all": cqr["fit_seconds"] / lstm["fit_seconds"],
        },
    }


def table(name: str, result: dict) -> str:
    header = f"{'model':<38}" + "".join(f"{c:>13}" for c in (*COLUMNS, "fit_seconds", "epochs"))
    lines = [f"{name}: {result['origins']} origins, {result['windows']} windows", header]
    for model, row in result["results"].items():
        values = "".join(f"{row[c]:13.4g}" for c in (*COLUMNS, "fit_seconds"))
        values += f"{row.get('epochs', ''):>13}"
        lines.append(f"{model:<38}{values}")
    lines.append(f"goals: {result['goals']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=list(PROTOCOLS), choices=list(PROTOCOLS))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--set", action="append", type=parse_setting, default=[])
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    payload = {
        "benchmark": "probabilistic",
        "coverage": list(COVERAGE),
        "levels": list(LEVELS),
        "lstm_settings": {**dict(args.set), "seed": args.seed},
        "datasets": {},
    }
    for name in args.datasets:
        payload["datasets"][name] = run_dataset(name, args.seed, dict(args.set))
        print(table(name, payload["datasets"][name]), flush=True)
        write_results(args.out, {**payload, "machine": machine()})  # what is done so far
    payload["script_seconds"] = time.perf_counter() - started
    payload["machine"] = machine()
    write_results(args.out, payload)
    print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
