"""What a default fit costs: this checkout against a reference commit, side by side in one run.

Protocol: the accuracy benchmark's training data (``electricity_hourly`` before its first test
origin, 2014-09-14: about 90% of the series) and ``LSTMForecaster(input_width=168,
horizon=24, random_state=0)`` with every other parameter at its documented default (anchor
choice, early stopping, covariate and scaling rules, seed ensemble: all included). Each fit
runs in a fresh Python process (imports and data loading are not timed), this checkout and
the reference (a temporary ``git worktree`` of ``--reference``, by default the last commit
before this wave of work) alternating, ``--repeats`` pairs, so a machine that gets busier
mid-run weighs on both. The figure is the ratio of the median fit seconds, with each side's
epochs (trained, and kept: the best one).

Run: ``python benchmarks/fit_cost.py`` (stores ``benchmarks/results/fit_cost.json``), e.g.
``python benchmarks/fit_cost.py --repeats 1 --reference HEAD~5 --label try``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from _results import machine, write_results  # benchmarks/

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).parent / "results" / "fit_cost.json"
#: the last commit before the wave of work whose cost budget is "within 2x"
REFERENCE = "045e18f"
FIRST_TEST_ORIGIN = "2014-09-14"

#: the timed fit, run by ``python -c`` with the tree under test first on ``sys.path``
FIT = f"""
import json, time, forecast
frame = forecast.load_dataset("electricity_hourly")
train = frame[frame.index < "{FIRST_TEST_ORIGIN}"]
model = forecast.LSTMForecaster(input_width=168, horizon=24, random_state=0)
started = time.perf_counter()
model.fit(train)
seconds = time.perf_counter() - started
print(json.dumps({{
    "seconds": seconds,
    "epochs": len(model.history_["loss"]),
    "best_epochs": [int(e) for e in getattr(model, "best_epochs_", [])] or None,
    "anchor": getattr(model, "anchor_", None),
    "rows": len(train),
    "module": forecast.__file__,
}}))
"""


def timed_fit(tree: Path) -> dict:
    """One default fit in a fresh process importing ``forecast`` from ``tree``."""
    env = {**os.environ, "PYTHONPATH": str(tree), "TF_CPP_MIN_LOG_LEVEL": "3"}
    run = subprocess.run(
        [sys.executable, "-c", FIT], cwd=tree, env=env, capture_output=True, text=True
    )
    if run.returncode != 0:
        raise RuntimeError(f"the fit in {tree} failed:\n{run.stderr[-3000:]}")
    fit = json.loads(run.stdout.strip().splitlines()[-1])
    if not Path(fit.pop("module")).is_relative_to(tree):
        raise RuntimeError(f"the fit in {tree} imported another forecast package")
    return fit


def reference_tree(commit: str, folder: Path) -> Path:
    """A detached worktree of ``commit`` in ``folder``."""
    tree = folder / "reference"
    subprocess.run(
        ["git", "-C", str(ROOT), "worktree", "add", "--detach", "--quiet", str(tree), commit],
        check=True,
    )
    return tree


def run(args: argparse.Namespace) -> dict:
    commit = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", args.reference],
        check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    fits: dict[str, list[dict]] = {"current": [], "reference": []}
    with tempfile.TemporaryDirectory() as folder:
        tree = reference_tree(commit, Path(folder))
        try:
            for repeat in range(args.repeats):
                for side, path in (("current", ROOT), ("reference", tree)):
                    fit = timed_fit(path)
                    fits[side].append(fit)
                    print(
                        f"[{repeat + 1}/{args.repeats}] {side}: {fit['seconds']:.1f} s, "
                        f"{fit['epochs']} epochs (kept {fit['best_epochs']}), "
                        f"anchor {fit['anchor']}",
                        flush=True,
                    )
        finally:
            subprocess.run(
                ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)], check=False
            )
    median = {side: statistics.median(f["seconds"] for f in fits[side]) for side in fits}
    return {
        "benchmark": "fit_cost",
        "label": args.label,
        "protocol": (
            f"electricity_hourly before {FIRST_TEST_ORIGIN}, LSTMForecaster(input_width=168, "
            "horizon=24, random_state=0), defaults otherwise; a fresh process per fit"
        ),
        "reference": commit,
        "fits": fits,
        "median_seconds": median,
        "ratio": median["current"] / median["reference"],
        "machine": machine(),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference", default=REFERENCE, help="the commit to compare with")
    parser.add_argument("--repeats", type=int, default=2, help="pairs of fits")
    parser.add_argument("--label", default="documented defaults")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    result = run(args)
    print(
        f"a default fit: {result['median_seconds']['current']:.1f} s against "
        f"{result['median_seconds']['reference']:.1f} s at {result['reference']} "
        f"({result['ratio']:.2f}x; budget 2x)"
    )
    write_results(args.out, result)
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
