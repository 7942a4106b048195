"""Serving latency of an exported LSTM: ``forecast.load(...).predict_arrays`` against the floor.

An LSTM (input 168, horizon 24, units (64, 64), hour/day-of-week calendar) is trained briefly on
``electricity_hourly`` and exported. Then, in the same process:

* single-series latency (median and p99 over ``--calls`` calls, one window each) of
  ``forecast.load(path).predict_arrays`` (what a service calls), of the SavedModel's concrete
  ``serving_default`` function called directly (the floor), and of ``keras.Model.predict`` on
  the in-memory model (the common slow path);
* throughput in series/s of ``predict_arrays`` on batches of ``--batch`` series.

Goals: single forecast within 1.5x of the direct call; over 50x faster than ``Model.predict``.
Run: ``make bench`` or ``python benchmarks/inference.py``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
from _results import write_results  # noqa: E402  (benchmarks/)

import forecast  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "inference.json"


def timings(call, n: int) -> np.ndarray:
    for _ in range(min(20, n)):  # warm-up: traces, caches
        call()
    out = np.empty(n)
    for i in range(n):
        start = time.perf_counter()
        call()
        out[i] = time.perf_counter() - start
    return out


def summary(seconds: np.ndarray) -> dict:
    return {
        "median_ms": float(np.median(seconds) * 1e3),
        "p99_ms": float(np.percentile(seconds, 99) * 1e3),
    }


def main(argv: list[str] | None = None) -> int:
    import tensorflow as tf

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--predict-calls", type=int, default=100, help="Model.predict is slow")
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    frame = forecast.load_dataset("electricity_hourly").iloc[-4000:]
    model = forecast.LSTMForecaster(
        input_width=168, horizon=24, units=(64, 64), epochs=1, random_state=0
    )
    model.fit(frame)
    windows = model.windows(frame)
    inputs, _ = windows.arrays("train")
    past, future = inputs["past"], inputs["future"]
    with tempfile.TemporaryDirectory() as folder:
        path = model.export(Path(folder) / "lstm")
        loaded = forecast.load(path)
        signature = tf.saved_model.load(str(path)).signatures["serving_default"]
        one_past, one_future = past[:1], future[:1]
        tensors = {"past": tf.constant(one_past), "future": tf.constant(one_future)}

        package = timings(lambda: loaded.predict_arrays(one_past, one_future), args.calls)
        direct = timings(lambda: signature(**tensors)["forecast"].numpy(), args.calls)
        keras_predict = timings(
            lambda: model.model_.predict({"past": one_past, "future": one_future}, verbose=0),
            args.predict_calls,
        )
        reps = np.resize(np.arange(len(past)), args.batch)
        big_past, big_future = past[reps], future[reps]
        batch_seconds = timings(lambda: loaded.predict_arrays(big_past, big_future), 5)
        np.testing.assert_allclose(
            loaded.predict_arrays(one_past, one_future),
            model.model_({"past": one_past, "future": one_future}).numpy(),
            rtol=1e-5,
        )
    result = {
        "predict_arrays": summary(package),
        "direct_concrete_function": summary(direct),
        "keras_model_predict": summary(keras_predict),
        "batch_series": args.batch,
        "batch_series_per_s": float(args.batch / np.median(batch_seconds)),
    }
    result["ratio_to_direct"] = (
        result["predict_arrays"]["median_ms"] / result["direct_concrete_function"]["median_ms"]
    )
    result["speedup_over_model_predict"] = (
        result["keras_model_predict"]["median_ms"] / result["predict_arrays"]["median_ms"]
    )
    print(f"{'single series':<28} {'median ms':>10} {'p99 ms':>8}")
    for name in ("predict_arrays", "direct_concrete_function", "keras_model_predict"):
        print(f"{name:<28} {result[name]['median_ms']:10.3f} {result[name]['p99_ms']:8.3f}")
    print(
        f"predict_arrays / direct: {result['ratio_to_direct']:.2f}x (goal <= 1.5); "
        f"Model.predict / predict_arrays: {result['speedup_over_model_predict']:.0f}x (goal > 50)"
    )
    print(f"throughput: {result['batch_series_per_s']:,.0f} series/s in batches of {args.batch}")
    write_results(args.out, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
