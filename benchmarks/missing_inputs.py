"""Missing inputs on Beijing PM2.5: the test midnights each ``MissingPolicy`` forecasts or refuses.

The setting of ``configs/beijing_pm25.yaml``: target ``pm2.5``, the weather covariates (wind
direction one-hot), the default calendar, input 72 hours, horizon 24, and a forecast from every
midnight of the last 10% of the data (``start=0.9, stride=24``) whose 24 labels are observed,
as a backtest scores them (165 of 182 midnights). For each policy
(``fill``, the default; ``ffill`` with ``limit=3``; ``drop``), a ridge regression
(``LinearForecaster``) and a tiny LSTM (a few units, ``--epochs`` passes: only to see that the
filled windows forecast sensibly, not a tuned model) are fitted on the rows before the first
origin, and ``predict(..., errors="skip")`` forecasts every origin from the 96 hours before it.

Reported per policy: the origins refused, the input values filled, the windows fitted on, and the
MAE (µg/m³) of each model on every origin it forecast, on the
origins all three policies forecast, and on those only ``fill`` forecasts.

Run: ``python benchmarks/missing_inputs.py`` (about two minutes on two cores).
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from _results import machine, write_results  # noqa: E402  (benchmarks/)

import forecast  # noqa: E402
from forecast.evaluation.origins import forecast_origins  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "missing_inputs.json"
TARGET = "pm2.5"
COVARIATES = ("DEWP", "TEMP", "PRES", "cbwd", "Iws", "Is", "Ir")
POLICIES = {
    "fill": {"inputs": "fill"},
    "ffill": {"inputs": "ffill", "limit": 3},
    "drop": {"inputs": "drop"},
}
WIDTH, HORIZON, TAIL = 72, 24, 96


def origin_panel(frame: pd.DataFrame, origins: pd.DatetimeIndex) -> pd.DataFrame:
    """The ``TAIL`` hours before every origin, one series per origin (named by it)."""
    parts = {
        str(o): frame.loc[o - pd.Timedelta(hours=TAIL) : o - pd.Timedelta(hours=1)] for o in origins
    }
    return pd.concat(parts, names=["series_id", "timestamp"])


def models(policy: dict, epochs: int, units: int) -> dict:
    common = dict(
        input_width=WIDTH, horizon=HORIZON, target=TARGET, covariates=COVARIATES, missing=policy
    )
    return {
        "Linear": forecast.LinearForecaster(calendar="auto", **common),
        "LSTM": forecast.LSTMForecaster(
            units=(units,), dense_units=(), epochs=epochs, patience=None, random_state=0, **common
        ),
    }


def observed_labels(frame: pd.DataFrame, origin: pd.Timestamp) -> bool:
    """Whether the ``HORIZON`` labels from ``origin`` are all observed (a backtest window)."""
    labels = frame.loc[origin : origin + pd.Timedelta(hours=HORIZON - 1), TARGET]
    return len(labels) == HORIZON and bool(labels.notna().all())


def absolute_errors(forecasts: pd.DataFrame, frame: pd.DataFrame) -> pd.Series:
    """|forecast - actual| per (origin, timestamp), NaN where the actual is missing."""
    actual = frame[TARGET].reindex(forecasts.index.get_level_values(1)).to_numpy()
    return pd.Series(np.abs(forecasts[TARGET].to_numpy() - actual), index=forecasts.index)


def mae_on(errors: pd.Series, origins: set) -> float | None:
    chosen = errors[errors.index.get_level_values(0).isin(list(origins))]
    return None if chosen.notna().sum() == 0 else round(float(chosen.mean()), 2)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--units", type=int, default=16)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    frame = forecast.load_dataset("beijing_pm25")[[TARGET, *COVARIATES]]
    grid = forecast_origins(frame, horizon=HORIZON, start=0.9, stride=HORIZON)
    origins = pd.DatetimeIndex([o for o in grid if observed_labels(frame, o)])  # as backtests
    train = frame.loc[frame.index < origins[0]]
    panel = origin_panel(frame, origins)
    runs, forecastable = {}, {}
    for name, policy in POLICIES.items():
        runs[name] = {}
        for model_name, model in models(policy, args.epochs, args.units).items():
            model.fit(train)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # "skipped n of 165 series": counted below
                forecasts = model.predict(panel, errors="skip")
            refused = forecasts.attrs["errors"]
            forecastable[name] = {str(o) for o in origins} - set(refused)
            runs[name][model_name] = {
                "refused": len(refused),
                "filled_inputs_predict": forecasts.attrs["filled_inputs"],
                "filled_inputs_fit": model.filled_inputs_,
                "windows_before_the_first_origin": model.windows(train).n_windows("train"),
                "errors": absolute_errors(forecasts, frame),
            }
            print(
                f"{name:6s} {model_name:7s} refused {len(refused):3d} of {len(origins)}", flush=True
            )
    common = set.intersection(*forecastable.values())
    fill_only = forecastable["fill"] - forecastable["ffill"]
    for name in POLICIES:
        for run in runs[name].values():
            errors = run.pop("errors")
            run["mae_forecast_origins"] = mae_on(errors, forecastable[name])
            run["mae_common_origins"] = mae_on(errors, common)
            run["mae_fill_only_origins"] = mae_on(errors, fill_only) if name == "fill" else None
    payload = {
        "benchmark": "missing_inputs",
        "dataset": "beijing_pm25",
        "setting": {
            "input_width": WIDTH,
            "horizon": HORIZON,
            "midnights": len(grid),
            "origins": len(origins),
            "tail_hours": TAIL,
            "lstm_units": args.units,
            "lstm_epochs": args.epochs,
        },
        "common_origins": len(common),
        "fill_only_origins": len(fill_only),
        "policies": runs,
        "machine": machine(),
    }
    write_results(args.out, payload)
    for name in POLICIES:
        for model_name, run in runs[name].items():
            print(
                f"{name:6s} {model_name:7s} refused {run['refused']:3d}, MAE all {run['mae_forecast_origins']}, "
                f"common {run['mae_common_origins']}, fill-only {run['mae_fill_only_origins']}, "
                f"fit on {run['windows_before_the_first_origin']} windows, filled {run['filled_inputs_predict']} (predict), "
                f"{run['filled_inputs_fit']} (fit)"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
