"""Do conformal intervals hold their coverage on data nobody tuned them for?

On every dataset of the generalisation benchmark (``benchmarks/generalization_data.py``: its
protocol, origins and input windows), ``forecast.compare(..., coverage=(0.8, 0.95))`` wraps
the package baselines ``SeasonalNaive`` (the frequency's season, ``Naive`` where the window
holds no whole season: annual data, a car park's short day) and ``LinearForecaster``
(lags, plus the calendar where the frequency has one) in a ``ConformalForecaster`` with its
defaults (the last 20% before the first origin calibrates, ``recalibrate=True`` rolls the
calibration forward to each origin's most recent honest windows). Reported per dataset and
model: the empirical coverage of the 80% and 95% intervals on the test origins, their mean
width, the WQL and the sampling noise of each coverage (the larger of the binomial band of
independent windows and the band of the per-origin coverages, a panel's series at one origin
counted once: see :func:`noise_band`). Issue 16's goal: every calibrated interval covers within 5 points of its
nominal level on the test origins.

Networks are left out (they are measured in ``benchmarks/probabilistic.py``): the wrapper's
calibration does not depend on the model it wraps, and the baselines keep this run to minutes.

Run: ``python benchmarks/calibration.py`` (``--datasets airpassengers,taylor`` for some).
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import pandas as pd  # noqa: E402
from _results import machine, parse_setting, write_results  # noqa: E402  (benchmarks/)
from generalization import seasons  # noqa: E402
from generalization_data import DATASETS, window_of  # noqa: E402

import forecast  # noqa: E402
from forecast.data.layout import describe_layout  # noqa: E402
from forecast.features.calendar_features import default_calendar  # noqa: E402
from forecast.nn.significance import standard_error, windows_per_horizon  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "calibration.json"
COVERAGE = (0.8, 0.95)
METRICS = ("mae", "wql", "coverage", "width")
COLUMNS = ("coverage_80", "coverage_95", "width_80", "width_95", "wql")
TOLERANCE = 0.05


def baselines(protocol, freq, settings: dict) -> dict:
    """Conformal seasonal naive and the conformal linear model on the dataset's window (the
    wrapper's defaults, or ``settings`` for it when given)."""
    width = window_of(protocol, freq)
    common = dict(target=protocol.target, horizon=protocol.horizon, input_width=width)
    calendar = "auto" if default_calendar(freq) else ()
    fitting = seasons(freq, width)  # the seasons whose cycle fits in the window
    naive = {"Naive": forecast.Naive(**common)}
    if fitting:
        naive = {f"SeasonalNaive({fitting[0]})": forecast.SeasonalNaive(fitting[0], **common)}
    models = {
        **naive,
        "Linear": forecast.LinearForecaster(calendar=calendar, **common),
    }
    if not settings:  # compare wraps them with the defaults
        return models
    return {
        name: forecast.ConformalForecaster(model, coverage=COVERAGE, **settings)
        for name, model in models.items()
    }


def run_dataset(name: str, settings: dict) -> dict:
    """The coverage and width of both conformal baselines on the dataset's test origins, and
    the sampling noise of each coverage (:func:`noise_band`)."""
    protocol = DATASETS[name]
    frame = protocol.load()
    freq = describe_layout(frame).freq
    comparison = forecast.compare(
        baselines(protocol, freq, settings),
        frame,
        horizon=protocol.horizon,
        start=protocol.start,
        stride=protocol.stride,
        metrics=METRICS,
        coverage=COVERAGE,
        season_length=protocol.mase_season,
        add_baselines=False,
        verbose=False,
        details=True,
    )
    board, forecasts = comparison.leaderboard, comparison.forecasts
    windows = int(board["n"].iloc[0] // protocol.horizon)
    block = windows_per_horizon(protocol.horizon, protocol.stride)
    results = {}
    for model in board.index:
        rows = forecasts[forecasts["model"] == model]
        result = {column: float(board.loc[model, column]) for column in COLUMNS}
        result["noise"] = {
            str(round(c * 100)): noise_band(c, windows, origin_coverage(rows, c), block)
            for c in COVERAGE
        }
        results[model] = result
    return {"frequency": protocol.frequency, "windows": windows, "results": results}


def origin_coverage(forecasts: pd.DataFrame, coverage: float) -> pd.Series:
    """The share of actuals inside the central ``coverage`` interval at each origin (over its
    steps, and its series in a panel), from the quantile columns of ``compare``'s forecasts."""
    levels = {round(float(column[1:]), 6): column for column in forecasts if column[:1] == "q"}
    lower = forecasts[levels[round((1 - coverage) / 2, 6)]]
    upper = forecasts[levels[round((1 + coverage) / 2, 6)]]
    inside = (forecasts["actual"] >= lower) & (forecasts["actual"] <= upper)
    return inside[forecasts["actual"].notna()].groupby(forecasts["origin"]).mean()


def within(result: dict) -> bool:
    """Whether both intervals cover within :data:`TOLERANCE` of their nominal level."""
    return all(abs(result[f"coverage_{round(c * 100)}"] - c) <= TOLERANCE + 1e-12 for c in COVERAGE)


def noise_band(
    coverage: float, windows: int, per_origin: pd.Series | None = None, block: int = 1
) -> float:
    """Half the 95% band of a coverage measured on these test windows when the true coverage
    is ``coverage``: how far from nominal sampling alone takes a measurement.

    The larger of two estimates: the binomial band of ``windows`` independent forecast windows
    (the steps of one window err together, so a window counts once), and, given each origin's
    coverage ``per_origin``, the band of their mean counting ``len(per_origin) / block``
    independent origins (``block``: the origins one horizon spans, whose windows share
    steps). The second counts the series of a panel at one origin as one, as their errors
    share the same period's surprises (a recession year, a holiday season): on an annual
    panel of 190 countries, 1,520 windows from 8 overlapping origins are not 1,520
    independent measurements.
    """
    binomial = 1.96 * math.sqrt(coverage * (1.0 - coverage) / max(windows, 1))
    if per_origin is None or len(per_origin) < 2:
        return binomial
    return max(binomial, 1.96 * standard_error(per_origin.to_numpy(), block))


def table(datasets: dict) -> str:
    """One line per dataset and model: coverage, width, WQL, and whether it is calibrated."""
    header = f"{'dataset':<20}{'model':<19}{'windows':>8}{'cov 80':>8}{'cov 95':>8}"
    header += f"{'width 80':>11}{'width 95':>11}{'WQL':>9}  within 5 points (noise: 80%, 95%)"
    lines = [header, "-" * len(header)]
    for name, entry in datasets.items():
        n = entry["windows"]
        for model, r in entry["results"].items():
            noise = ", ".join(f"{r['noise'][str(round(c * 100))]:.3f}" for c in COVERAGE)
            lines.append(
                f"{name:<20}{model:<19}{n:>8}{r['coverage_80']:>8.3f}{r['coverage_95']:>8.3f}"
                f"{r['width_80']:>11.4g}{r['width_95']:>11.4g}{r['wql']:>9.4f}  "
                f"{'yes' if within(r) else 'no':<4}({noise})"
            )
    return "\n".join(lines)


def summary(datasets: dict) -> dict:
    """How many (dataset, model) pairs are calibrated (of all, and of those with enough test
    windows that sampling alone stays within the tolerance), and the worst miss per level."""
    pairs = [(n, m, r) for n, e in datasets.items() for m, r in e["results"].items()]
    measurable = [
        (n, m, r) for n, m, r in pairs
        if all(r["noise"][str(round(c * 100))] <= TOLERANCE for c in COVERAGE)
    ]  # fmt: skip
    worst = {}
    for c in COVERAGE:
        key = f"coverage_{round(c * 100)}"
        n, m, r = max(pairs, key=lambda p: abs(p[2][key] - c))
        worst[key] = {"dataset": n, "model": m, "coverage": r[key], "nominal": c}
    return {
        "pairs": len(pairs),
        "within_5_points": sum(within(r) for _, _, r in pairs),
        "measurable_pairs": len(measurable),
        "measurable_within_5_points": sum(within(r) for _, _, r in measurable),
        "worst": worst,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default=",".join(DATASETS), help="comma-separated names")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument(
        "--set", action="append", default=[], metavar="KEY=VALUE",
        help="a ConformalForecaster setting instead of its default (e.g. scale=local)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    settings = dict(parse_setting(text) for text in args.set)
    started = time.perf_counter()
    datasets = {}
    for name in args.datasets.split(","):
        print(f"{name} ...", flush=True)
        datasets[name] = run_dataset(name, settings)
    text = table(datasets)
    result = summary(datasets)
    print(text)
    print(
        f"\n{result['within_5_points']} of {result['pairs']} conformal baselines cover within "
        f"5 points of nominal at both levels ({result['measurable_within_5_points']} of the "
        f"{result['measurable_pairs']} whose test windows are enough for sampling noise to "
        "stay within 5 points); worst: "
        + "; ".join(
            f"{k} {w['coverage']:.3f} ({w['dataset']}, {w['model']})"
            for k, w in result["worst"].items()
        )
    )
    write_results(
        args.out,
        {
            "benchmark": "calibration",
            "coverage": list(COVERAGE),
            "conformal_settings": settings,
            "datasets": datasets,
            "summary": result,
            "table": text,
            "machine": machine(),
            "script_seconds": time.perf_counter() - started,
        },
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
