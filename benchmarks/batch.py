"""``forecast batch`` end to end: series/s, where the time goes, and peak memory.

An LSTM (input 168, horizon 24, the documented default architecture and calendar) is trained
briefly on ``electricity_hourly`` and exported. A long-format Parquet file of ``--series``
hourly series x 500 rows is generated (daily and weekly cycles at random levels and phases,
noise, in ``unique_id, ds, y`` layout, sorted by series), and the command's code path
(:func:`forecast.serving.batch_files.forecast_file`) forecasts every series, each run in a
fresh process that reports its own peak resident memory. The same is done for ``--series-large`` series to show
that memory does not grow with the number of series.

Each size runs twice; the figures are the second job's, which finds the page cache and the XLA
compilation cache (``forecast batch`` keeps one in ``~/.cache/forecast/xla``) warm, as a daily
job does; the first job's rate is reported beside them.

Goals: at least 2,000 series/s on 2 CPU cores, the network at least half of the time, and the
peak memory for 4x the series well below 4x the increase.
Run: ``make bench`` or ``python benchmarks/batch.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
from _results import write_results  # noqa: E402  (benchmarks/)

RESULTS = Path(__file__).parent / "results" / "batch.json"
ROWS_PER_SERIES = 500


def write_panel(path: Path, n_series: int, rows: int = ROWS_PER_SERIES, seed: int = 0) -> None:
    """A long Parquet file of ``n_series`` hourly series, written in row groups."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(seed)
    stamps = pd.date_range("2024-01-01", periods=rows, freq="h").to_numpy()
    hours = np.arange(rows)
    per_group = 2000
    writer = None
    for first in range(0, n_series, per_group):
        n = min(per_group, n_series - first)
        level = rng.uniform(50, 500, size=(n, 1))
        phase = rng.uniform(0, 2 * np.pi, size=(n, 1))
        y = level * (
            1 + 0.3 * np.sin(2 * np.pi * hours / 24 + phase) + 0.1 * np.sin(2 * np.pi * hours / 168)
        ) + rng.normal(0, 5, size=(n, rows))
        table = pa.table(
            {
                "unique_id": np.repeat([f"series_{i:06d}" for i in range(first, first + n)], rows),
                "ds": np.tile(stamps, n),
                "y": y.astype(np.float32).reshape(-1),
            }
        )
        if writer is None:
            writer = pq.ParquetWriter(path, table.schema)
        writer.write_table(table, row_group_size=500_000)
    writer.close()


def export_model(path: Path) -> None:
    import forecast

    frame = forecast.load_dataset("electricity_hourly").iloc[-3000:]
    model = forecast.LSTMForecaster(
        input_width=168, horizon=24, epochs=1, random_state=0, verbose=0
    )
    model.fit(frame).export(path)


CHILD = """
import json, resource, sys
from forecast.batch import forecast_file
from forecast.serving.batch_engine import use_compilation_cache
use_compilation_cache(sys.argv[4])  # as `forecast batch` does
baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
import tensorflow  # noqa: F401  (what every run pays before reading any series)
from forecast.serving.export import load
load(sys.argv[1])
loaded = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
summary = forecast_file(sys.argv[1], sys.argv[2], sys.argv[3], progress=False)
print(json.dumps({
    "n_series": summary.n_series, "n_failed": summary.n_failed, "seconds": summary.seconds,
    "series_per_s": summary.series_per_second,
    "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "after_loading_model_mb": loaded / 1024,
}))
"""


def run_child(model: Path, data: Path, out: Path, cache: Path) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", CHILD, str(model), str(data), str(out), str(cache)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=10_000)
    parser.add_argument("--series-large", type=int, default=40_000)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        export_model(folder / "lstm")
        runs = {}
        for n in (args.series, args.series_large):
            data = folder / f"panel_{n}.parquet"
            write_panel(data, n)
            # a first job fills the page cache and the compilation cache, as yesterday's job did
            cold = run_child(folder / "lstm", data, folder / "warmup.parquet", folder / f"xla_{n}")
            runs[n] = run_child(
                folder / "lstm", data, folder / f"forecasts_{n}.parquet", folder / f"xla_{n}"
            )
            runs[n]["first_job"] = {
                "series_per_s": cold["series_per_s"],
                "seconds": cold["seconds"],
            }
            runs[n]["input_mb"] = data.stat().st_size / 1e6
            data.unlink()

    small, large = runs[args.series], runs[args.series_large]
    seconds = small["seconds"]
    report = {
        "setup": f"LSTMForecaster defaults (input 168, horizon 24), {ROWS_PER_SERIES} hourly rows per "
        "series, long Parquet in, Parquet out, 2 CPU cores",
        "series_per_s": small["series_per_s"],
        "network_share": seconds["network"] / seconds["total"],
        "shares": {k: v / seconds["total"] for k, v in seconds.items() if k != "total"},
        "runs": {str(k): v for k, v in runs.items()},
        "peak_mb_ratio": large["peak_mb"] / small["peak_mb"],
        "peak_growth_mb_ratio": (large["peak_mb"] - large["after_loading_model_mb"])
        / max(small["peak_mb"] - small["after_loading_model_mb"], 1e-9),
    }
    stages = ("load", "compile", "read", "windows", "network", "write")
    print(
        f"{'series':>8} {'series/s':>9} {'total s':>8} "
        + " ".join(f"{k:>8}" for k in stages)
        + f" {'peak MB':>8}"
    )
    for n, run in runs.items():
        s = run["seconds"]
        print(
            f"{n:>8,} {run['series_per_s']:>9,.0f} {s['total']:>8.1f} "
            + " ".join(f"{s[k]:>8.1f}" for k in stages)
            + f" {run['peak_mb']:>8.0f}"
        )
    print(
        "(reading and windowing run in a background thread, beside compiling and the network; "
        "a first job with an empty compilation cache: "
        + ", ".join(
            f"{n:,} series {run['first_job']['series_per_s']:,.0f} series/s"
            for n, run in runs.items()
        )
        + ")"
    )
    print(
        f"network share of the time: {report['network_share']:.0%}; peak memory for "
        f"{args.series_large:,} series is {report['peak_mb_ratio']:.2f}x that for {args.series:,} "
        f"(growth over the loaded model {report['peak_growth_mb_ratio']:.2f}x)"
    )
    write_results(args.out, report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
