"""The Spark engine of ``forecast batch`` against the local engine, side by side in one run.

The same exported LSTM (input 168, horizon 24, defaults) and the same long Parquet file of
``--series`` hourly series x 500 rows (see ``benchmarks/batch.py``) go through
:func:`forecast.serving.batch_files.forecast_file` (the local engine) and
:func:`forecast.serving.spark.forecast_file_spark` (Spark in local mode, ``local[2]``), each end
to end: read, forecast, write Parquet. Spark runs twice: the first job also starts its Python workers
(importing TensorFlow, loading and compiling the model); the second finds them warm, as the jobs
of a long-lived cluster do. The forecasts of both engines are compared.

Goal: on one machine, the Spark engine no more than 3x slower than the local engine (the point
of Spark is the cluster, not one machine). Run: ``make bench`` or ``python benchmarks/spark_batch.py``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).parent))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from _results import write_results  # noqa: E402  (benchmarks/)
from batch import export_model, write_panel  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "spark_batch.json"
from forecast.serving.spark import ARROW_BATCH_ROWS  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=20_000)
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    from forecast.serving.batch_files import forecast_file
    from forecast.serving.spark import forecast_file_spark

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    from pyspark.sql import SparkSession

    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        export_model(folder / "lstm")
        data = folder / "panel.parquet"
        write_panel(data, args.series)

        start = time.perf_counter()
        local = forecast_file(folder / "lstm", data, folder / "local.parquet", progress=False)
        local_seconds = time.perf_counter() - start

        start = time.perf_counter()
        spark = (
            SparkSession.builder.master(args.master)
            .appName("forecast-bench")
            .config("spark.ui.enabled", "false")
            .config("spark.driver.memory", "4g")
            .config("spark.sql.execution.arrow.maxRecordsPerBatch", ARROW_BATCH_ROWS)
            .getOrCreate()
        )
        spark.sparkContext.setLogLevel("ERROR")
        session_seconds = time.perf_counter() - start
        spark_seconds = []
        for run in range(2):
            start = time.perf_counter()
            n_forecast, n_failed = forecast_file_spark(
                folder / "lstm", str(data), str(folder / f"spark_{run}"), spark=spark
            )
            spark_seconds.append(time.perf_counter() - start)
        spark.stop()

        ours = pd.read_parquet(folder / "local.parquet")
        theirs = pd.read_parquet(folder / "spark_1")
        merged = ours.merge(theirs, on=["unique_id", "ds", "step"])
        max_diff = float(np.max(np.abs(merged.forecast_x - merged.forecast_y)))

    report = {
        "setup": f"{args.series:,} hourly series x 500 rows, LSTMForecaster defaults (input 168, "
        f"horizon 24), long Parquet in and out, Spark {args.master} on 2 CPU cores",
        "local_series_per_s": args.series / local_seconds,
        "local_seconds": local_seconds,
        "spark_session_start_seconds": session_seconds,
        "spark_first_job_seconds": spark_seconds[0],
        "spark_warm_job_seconds": spark_seconds[1],
        "spark_series_per_s": args.series / spark_seconds[1],
        "spark_first_job_series_per_s": args.series / spark_seconds[0],
        "slowdown_warm": spark_seconds[1] / local_seconds,
        "slowdown_first_job": spark_seconds[0] / local_seconds,
        "series_forecast": {"local": local.n_forecast, "spark": n_forecast},
        "failed": {"local": local.n_failed, "spark": n_failed},
        "rows_compared": len(merged),
        "max_abs_difference": max_diff,
    }
    print(f"{'engine':<22} {'seconds':>8} {'series/s':>9}")
    print(f"{'local':<22} {local_seconds:>8.1f} {report['local_series_per_s']:>9,.0f}")
    print(
        f"{'spark (first job)':<22} {spark_seconds[0]:>8.1f} {report['spark_first_job_series_per_s']:>9,.0f}"
    )
    print(
        f"{'spark (warm workers)':<22} {spark_seconds[1]:>8.1f} {report['spark_series_per_s']:>9,.0f}"
    )
    print(
        f"Spark is {report['slowdown_warm']:.2f}x the local engine's time with warm workers, "
        f"{report['slowdown_first_job']:.2f}x on its first job (session start {session_seconds:.1f} s "
        f"not included); forecasts differ by at most {max_diff:.2e} over {len(merged):,} rows"
    )
    write_results(args.out, report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
