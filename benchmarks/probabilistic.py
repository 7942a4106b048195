"""Probabilistic forecasts: calibrated intervals of conformal seasonal naive and a conformal LSTM.

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
seasonal naive's. Conformal seasonal naive is also calibrated with ``scale="local"`` (scores
over each window's local spread). The quantile LSTM (issue 16, item 1) is not built yet: its row says so.

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
NOT_BUILT = "not built yet (issue 16 item 1: quantile networks)"

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
    naive = forecast.SeasonalNaive(season_length=protocol["season"], **common)
    return {
        "conformal SeasonalNaive": forecast.ConformalForecaster(naive, coverage=COVERAGE),
        "conformal SeasonalNaive, local scale": forecast.ConformalForecaster(
            naive, coverage=COVERAGE, scale="local"
        ),
        "conformal LSTM": forecast.ConformalForecaster(lstm, coverage=COVERAGE),
    }


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
            "calibration": comparison.models[model].calibration_,
            "calibration_windows": comparison.models[model].n_calibration_windows_,
        }
        for model in board.index
    }
    rows["quantile LSTM"] = {"status": NOT_BUILT}
    naive, lstm = rows["conformal SeasonalNaive"], rows["conformal LSTM"]
    calibrated = [row for row in rows.values() if "status" not in row]
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
        },
    }


def table(name: str, result: dict) -> str:
    header = f"{'model':<38}" + "".join(f"{c:>13}" for c in (*COLUMNS, "fit_seconds"))
    lines = [f"{name}: {result['origins']} origins, {result['windows']} windows", header]
    for model, row in result["results"].items():
        if "status" in row:
            lines.append(f"{model:<38} {row['status']}")
            continue
        values = "".join(f"{row[c]:13.4g}" for c in (*COLUMNS, "fit_seconds"))
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
        "levels": [0.025, 0.1, 0.5, 0.9, 0.975],
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
