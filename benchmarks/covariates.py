"""Known-future covariates on Beijing PM2.5: weather known ahead, against the same models without.

The setting of ``configs/beijing_pm25.yaml`` (target ``pm2.5``, input 72 hours, horizon 24, the
default calendar, a forecast from every midnight of the last 10% of the data whose labels are
observed, ``start=0.9, stride=24``), on the last ``--rows`` hours of the data (default the last
two years, so that the networks train in minutes on two cores). The weather columns (dew point,
temperature, pressure, wind direction one-hot, wind speed, hours of snow and rain) are given
three ways to the ridge regression (``LinearForecaster``) and to a small LSTM:

* ``none``: the target and the calendar only;
* ``past``: the weather as past covariates (``covariates=``, what the package did before);
* ``future``: the weather as known-future covariates (``future_covariates=``): read in the input
  rows and at the 24 forecast hours. **The observed weather of the forecast hours stands in for
  a perfect weather forecast**: these figures are an upper bound of what a real forecast of the
  weather (with its own errors) would give.

Every model is backtested by :func:`forecast.compare` on the same origins, next to the naive
baselines, fitted once on the rows before the first origin; the backtest slices the future
weather per origin (each forecast reads the 24 hours it forecasts, nothing beyond). Reported:
MAE (µg/m³) and skill per model, and the fit time of each LSTM; the cost goal is a fit with
future covariates within 1.2x the fit of the same network without them (``none``, the same
epochs: ``patience=None``), after a warm-up fit that takes TensorFlow's start-up.

Parking (``--part parking``): the Birmingham car parks of ``configs/parking.yaml`` (30 series,
target ``occupancy_rate``, 10 morning half-hours in, the 8 afternoon ones out, a forecast at
13:00 every other day from 2016-11-28, the calendar ``auto``: hour and day of week), with the
car park's ``capacity`` as a **static covariate** (one value per series) or not:

* ``LSTM (calendar)`` against ``LSTM (calendar + static capacity)``
  (``static_covariates=("capacity",)``: the scaled capacity starts the encoder);
* ``Linear (calendar)`` against ``Linear (calendar + capacity)``, the ridge regression given the
  same information (its ``capacity`` column as a covariate, constant within each series: a
  static regressor);
* the naive baselines.

Results in ``results/covariates_parking.json``.

Run: ``python benchmarks/covariates.py`` (about five minutes on two cores for Beijing, a few
more for the car parks); ``--part beijing`` or ``--part parking`` runs one of them;
``--parking-series 3 --epochs 1 --units 4 --out /tmp/x.json`` is a smoke run.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from _results import machine, write_results  # noqa: E402  (benchmarks/)

import forecast  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "covariates.json"
TARGET = "pm2.5"
WEATHER = ("DEWP", "TEMP", "PRES", "cbwd", "Iws", "Is", "Ir")
WIDTH, HORIZON = 72, 24
ROLES = {
    "none": {},
    "past": {"covariates": WEATHER},
    "future": {"future_covariates": WEATHER},
}


def models(epochs: int, units: int) -> dict:
    """The baselines, and the linear model and the LSTM with the weather in each role."""
    common = dict(input_width=WIDTH, horizon=HORIZON, target=TARGET)
    out = {
        "Naive": forecast.Naive(**common),
        "SeasonalNaive": forecast.SeasonalNaive(24, **common),
    }
    for role, columns in ROLES.items():
        out[f"Linear ({role})"] = forecast.LinearForecaster(calendar="auto", **common, **columns)
    for role, columns in ROLES.items():
        out[f"LSTM ({role})"] = forecast.LSTMForecaster(
            units=(units,), dense_units=(), epochs=epochs, patience=None, batch_size=128,
            select_covariates=False, random_state=0, verbose=0, **common, **columns,
        )  # fmt: skip
    return out


PARKING_TARGET, PARKING_WIDTH, PARKING_HORIZON = "occupancy_rate", 10, 8
PARKING_RESULTS = Path(__file__).parent / "results" / "covariates_parking.json"


def parking_models(epochs: int, units: int) -> dict:
    """The baselines, the ridge regression and the LSTM with and without the capacity."""
    common = dict(input_width=PARKING_WIDTH, horizon=PARKING_HORIZON, target=PARKING_TARGET)
    network = dict(
        units=(units,), dense_units=(), epochs=epochs, patience=None, batch_size=128,
        scaling="window", random_state=0, verbose=0, calendar="auto", **common,
    )  # fmt: skip
    return {
        "Naive": forecast.Naive(**common),
        "WindowAverage(4)": forecast.WindowAverage(4, **common),
        "Linear (calendar)": forecast.LinearForecaster(calendar="auto", **common),
        "Linear (calendar + capacity)": forecast.LinearForecaster(
            calendar="auto", covariates=("capacity",), **common
        ),
        "LSTM (calendar)": forecast.LSTMForecaster(**network),
        "LSTM (calendar + static capacity)": forecast.LSTMForecaster(
            static_covariates=("capacity",), **network
        ),
    }


def run_parking(args) -> dict:
    """The car-park comparison (see the module docstring); returns the results written."""
    frame = forecast.load_dataset("parking_birmingham")[[PARKING_TARGET, "capacity"]]
    series = frame.index.get_level_values(0).unique()[: args.parking_series]
    frame = frame.loc[list(series)]
    forecast.LSTMForecaster(  # TensorFlow's start-up, not charged to the first network
        input_width=PARKING_WIDTH, horizon=PARKING_HORIZON, target=PARKING_TARGET, units=(4,),
        epochs=1, verbose=0, static_covariates=("capacity",),
    ).fit(frame.loc[[series[0]]])  # fmt: skip
    comparison = forecast.compare(
        parking_models(args.epochs, args.units),
        frame,
        start="2016-11-28 13:00",
        stride=48,
        metrics=("mae", "rmse", "mase"),
        season_length=18,
        details=True,
        verbose=True,
    )
    board = comparison.leaderboard
    payload = {
        "benchmark": "covariates_parking",
        "dataset": "parking_birmingham",
        "setting": {
            "series": len(series),
            "input_width": PARKING_WIDTH,
            "horizon": PARKING_HORIZON,
            "origins": comparison.summary["origins"],
            "static_covariates": ["capacity"],
            "lstm_units": args.units,
            "lstm_epochs": args.epochs,
        },
        "leaderboard": _leaderboard(board),
        "machine": machine(),
    }
    out = args.out if args.part == "parking" and args.out != RESULTS else PARKING_RESULTS
    write_results(out, payload)
    print(board[["mae", "rmse", "mase", "skill", "fit_seconds"]].round(4).to_string())
    return payload


def _leaderboard(board, digits: int = 4) -> dict:
    """The leaderboard's scores per model, rounded (``digits`` for MAE and RMSE)."""
    return {
        name: {
            "mae": round(float(row["mae"]), digits),
            "rmse": round(float(row["rmse"]), digits),
            "mase": round(float(row["mase"]), 3),
            "skill": round(float(row["skill"]), 3),
            "fit_seconds": round(float(row["fit_seconds"]), 1),
        }
        for name, row in board.iterrows()
    }


def warm_up(frame) -> None:
    """One tiny LSTM fit before the timed ones, so that TensorFlow's start-up (loading,
    the first graph traces) is not charged to the first network compared."""
    forecast.LSTMForecaster(
        input_width=WIDTH, horizon=HORIZON, target=TARGET, units=(4,), epochs=1, verbose=0
    ).fit(frame.iloc[:2000])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2 * 365 * 24, help="last hours used")
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--units", type=int, default=32)
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--part", choices=("all", "beijing", "parking"), default="all")
    parser.add_argument("--parking-series", type=int, default=30, help="first car parks used")
    args = parser.parse_args(argv)
    if args.part == "parking":
        run_parking(args)
        return 0

    frame = forecast.load_dataset("beijing_pm25")[[TARGET, *WEATHER]].iloc[-args.rows :]
    warm_up(frame)
    comparison = forecast.compare(
        models(args.epochs, args.units),
        frame,
        start=0.9,
        stride=HORIZON,
        metrics=("mae", "rmse", "mase"),
        details=True,
        verbose=True,
    )
    board = comparison.leaderboard
    seconds = {role: float(board.loc[f"LSTM ({role})", "fit_seconds"]) for role in ROLES}
    payload = {
        "benchmark": "covariates",
        "dataset": "beijing_pm25",
        "note": (
            "future: the observed weather of the forecast hours stands in for a perfect "
            "weather forecast (an upper bound of what a real forecast gives)"
        ),
        "setting": {
            "rows": len(frame),
            "range": [str(frame.index[0]), str(frame.index[-1])],
            "input_width": WIDTH,
            "horizon": HORIZON,
            "origins": comparison.summary["origins"],
            "weather": list(WEATHER),
            "lstm_units": args.units,
            "lstm_epochs": args.epochs,
        },
        "leaderboard": _leaderboard(board, digits=2),
        "lstm_fit_seconds": {k: round(v, 1) for k, v in seconds.items()},
        "lstm_fit_ratio_future_to_none": round(seconds["future"] / seconds["none"], 3),
        "lstm_fit_ratio_future_to_past": round(seconds["future"] / seconds["past"], 3),
        "machine": machine(),
    }
    write_results(args.out, payload)
    print(board[["mae", "rmse", "mase", "skill", "fit_seconds"]].round(3).to_string())
    print(
        f"LSTM fit seconds: {payload['lstm_fit_seconds']}; future / none = "
        f"{payload['lstm_fit_ratio_future_to_none']}, future / past = "
        f"{payload['lstm_fit_ratio_future_to_past']}"
    )
    if args.part == "all":
        run_parking(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
