"""Benchmark forecast's ``tf.data`` windowing against ``keras.utils.timeseries_dataset_from_array``.

Workload: a ``rows x 10`` float32 frame of synthetic random data (default 1,000,000 rows) with
an hourly ``DatetimeIndex``; column 0 is the target ``"y"``, the 9 others are covariates.
Every window has 168 input steps of all 10 columns and the next 24 steps of ``"y"`` as labels
(input 168, horizon 24), batched by 256 and shuffled with seed 0.

* package: ``forecast.make_windows(...).dataset("train", batch_size=256, shuffle=True,
  seed=0)`` with no validation or test split, so every window is a training window.
* keras: ``keras.utils.timeseries_dataset_from_array`` over the same array (see
  :func:`keras_dataset` for how its targets are built), ``batch_size=256, shuffle=True,
  seed=0``.

Both yield the same windows: inputs ``(B, 168, 10)``, labels ``(B, 24, 1)``.

Figures:

* windows/s: windows yielded by one full pass over all batches, divided by the wall time of
  that pass (iterator creation to exhaustion; building the pipeline is reported apart). Both
  passes run one after the other in one child process, on the same array.
* peak memory: each pipeline in its own child process. After imports, a tiny ``tf.data``
  warm-up (TF's one-time allocations) and one run of the measured pipeline itself on a tiny
  array (its library's one-time costs, the same for both sides) the baseline RSS is taken; then the raw array is created,
  the pipeline built and one full pass run while a background thread samples RSS with psutil
  every ~2 ms. Peak = highest sample minus baseline, so it includes the raw array. The kernel's
  own high-water mark (``VmHWM``, reset at the baseline) is reported as a cross-check.
* ``raw_mb``: the raw array, ``rows * 10 * 4`` bytes. MB are 10**6 bytes.

Goals (from the issue): package >= 20x Keras' windows/s, package peak < 3x ``raw_mb``.

The table goes to stdout, the figures to ``benchmarks/results/windowing.json`` (replaced
atomically). Run it with ``make bench``, or directly::

    .venv/bin/python benchmarks/windowing.py                # full size, a few minutes
    .venv/bin/python benchmarks/windowing.py --rows 20000   # smoke test
"""

from __future__ import annotations

import os

# Before TensorFlow is imported anywhere (the children inherit it).
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "2"

import argparse
import gc
import json
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
from _results import machine, write_results  # noqa: E402  (benchmarks/)

ROWS = 1_000_000
N_COLUMNS = 10
INPUT_WIDTH = 168
HORIZON = 24
BATCH_SIZE = 256
SEED = 0
SAMPLE_INTERVAL_S = 0.002
TARGET_RATIO = 20.0
TARGET_PEAK_OVER_RAW = 3.0
MB = 1e6
DEFAULT_OUT = Path(__file__).resolve().parent / "results" / "windowing.json"
PIPELINES = ("package", "keras")

# TensorFlow's C++ runtime logs through absl before absl::InitializeLog() runs, which
# TF_CPP_MIN_LOG_LEVEL does not reach: drop those lines from the children's stderr.
_TF_NOISE = re.compile(
    r"^([IWEF]\d{4} [\d:.]+\s+\d+ \S+:\d+\]"
    r"|WARNING: All log messages before absl::InitializeLog\(\)"
    r"|To enable the following instructions:)"
)


# ---------------------------------------------------------------------- data and pipelines


def make_raw(rows: int) -> np.ndarray:
    """The synthetic ``(rows, 10)`` float32 array (standard normal, seeded)."""
    return np.random.default_rng(SEED).standard_normal((rows, N_COLUMNS), dtype=np.float32)


def make_frame(raw: np.ndarray):
    """The frame the package reads: a view of ``raw`` (no copy) with an hourly index."""
    import pandas as pd

    columns = ["y"] + [f"x{i}" for i in range(1, N_COLUMNS)]
    index = pd.date_range("2000-01-01", periods=len(raw), freq="h")
    return pd.DataFrame(raw, index=index, columns=columns, copy=False)


def package_dataset(raw: np.ndarray):
    """forecast's training pipeline over ``raw``: ``(dataset, number of windows)``."""
    import forecast

    frame = make_frame(raw)
    windows = forecast.make_windows(
        frame,
        forecast.WindowSpec(input_width=INPUT_WIDTH, horizon=HORIZON),
        target="y",
        covariates=list(frame.columns[1:]),
        calendar=(),  # the very columns the Keras utility reads
        split=forecast.Split(validation=0.0, test=0.0),
    )
    dataset = windows.dataset("train", batch_size=BATCH_SIZE, shuffle=True, seed=SEED)
    return dataset, windows.n_windows("train")


def keras_dataset(raw: np.ndarray):
    """The Keras utility over ``raw``, yielding the same windows: ``(dataset, windows)``.

    A window starting at row ``i`` reads inputs ``raw[i : i + 168]`` (all 10 columns) and
    labels ``raw[i + 168 : i + 192, 0]``. So ``data = raw[:-24]`` (the last 24 rows are only
    ever labels) and ``targets[i]`` is the 24-step label block of window ``i``: a
    ``sliding_window_view`` of column ``y`` from row 168, shape ``(rows - 191, 24, 1)``. The
    view costs nothing in NumPy; Keras turns it into one ``(rows - 191, 24, 1)`` tensor, as it
    would any multi-step target array, which is part of its memory. Both sides then yield
    ``rows - 191`` windows of inputs ``(168, 10)`` and labels ``(24, 1)``.
    """
    import keras

    data = raw[:-HORIZON]
    labels = np.lib.stride_tricks.sliding_window_view(raw[INPUT_WIDTH:, 0], HORIZON)[:, :, None]
    dataset = keras.utils.timeseries_dataset_from_array(
        data,
        labels,
        sequence_length=INPUT_WIDTH,
        batch_size=BATCH_SIZE,
        shuffle=True,
        seed=SEED,
    )
    return dataset, len(labels)


BUILDERS: dict[str, Callable[[np.ndarray], tuple[Any, int]]] = {
    "package": package_dataset,
    "keras": keras_dataset,
}


@dataclass(frozen=True)
class Pass:
    """One full pass over a dataset."""

    windows: int
    seconds: float

    @property
    def windows_per_s(self) -> float:
        return self.windows / self.seconds


def full_pass(dataset: Any, n_windows: int) -> Pass:
    """Iterate over every batch once, checking shapes and that every window came out."""
    start = time.perf_counter()
    seen = 0
    for inputs, labels in dataset:
        batch = int(labels.shape[0])
        if tuple(inputs.shape) != (batch, INPUT_WIDTH, N_COLUMNS) or tuple(labels.shape) != (
            batch,
            HORIZON,
            1,
        ):
            raise RuntimeError(f"unexpected batch shapes {inputs.shape}, {labels.shape}")
        seen += batch
    seconds = time.perf_counter() - start
    if seen != n_windows:
        raise RuntimeError(f"one pass yielded {seen} windows, expected {n_windows}")
    return Pass(windows=seen, seconds=seconds)


def warm_up_tf() -> None:
    """Run a tiny ``tf.data`` pipeline once, so TF's one-time allocations precede the baseline."""
    import tensorflow as tf

    values = tf.reshape(tf.range(64, dtype=tf.float32), (16, 4))
    dataset = (
        tf.data.Dataset.range(12)
        .batch(4)
        .map(lambda i: tf.gather(values, i), num_parallel_calls=tf.data.AUTOTUNE)
        .prefetch(tf.data.AUTOTUNE)
    )
    for _ in dataset:
        pass


def import_stack() -> None:
    """Import everything the pipelines need (forecast first: it pins Keras to TensorFlow)."""
    import keras  # noqa: F401
    import pandas  # noqa: F401
    import tensorflow  # noqa: F401

    import forecast  # noqa: F401


# ---------------------------------------------------------------------- memory


class RssSampler:
    """Sample this process' RSS every ``interval`` seconds in a background thread."""

    def __init__(self, interval: float = SAMPLE_INTERVAL_S) -> None:
        import psutil

        self._process = psutil.Process()
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)
        self.peak = self.rss()
        self.samples = 0

    def rss(self) -> int:
        return int(self._process.memory_info().rss)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.rss())
            self.samples += 1
            time.sleep(self._interval)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.rss())


def reset_kernel_peak() -> bool:
    """Reset the kernel's peak-RSS counter (Linux); whether it worked."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def kernel_peak() -> int | None:
    """The kernel's peak RSS of this process (``VmHWM``) in bytes, if known."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return None
    match = re.search(r"^VmHWM:\s+(\d+) kB", status, flags=re.MULTILINE)
    return int(match.group(1)) * 1024 if match else None


def warm_up_pipeline(pipeline: str) -> None:
    """Build and run the measured pipeline once on a tiny array, so each library's one-time
    costs (kernels loaded, thread pools started, first traces) precede the baseline and the
    peak measures what grows with the data."""
    dataset, n_windows = BUILDERS[pipeline](make_raw(2 * (INPUT_WIDTH + HORIZON) + BATCH_SIZE))
    full_pass(dataset, n_windows)
    del dataset


def measure_peak(pipeline: str, rows: int) -> dict[str, Any]:
    """Child process: peak RSS increase of creating the array, building and one full pass."""
    import_stack()
    warm_up_tf()
    warm_up_pipeline(pipeline)
    gc.collect()
    with RssSampler() as sampler:
        baseline = sampler.rss()
        hwm_reset = reset_kernel_peak()
        raw = make_raw(rows)
        dataset, n_windows = BUILDERS[pipeline](raw)
        done = full_pass(dataset, n_windows)
    hwm = kernel_peak() if hwm_reset else None
    return {
        "pipeline": pipeline,
        "baseline_mb": baseline / MB,
        "peak_mb": (sampler.peak - baseline) / MB,
        "peak_mb_kernel_hwm": None if hwm is None else (hwm - baseline) / MB,
        "rss_samples": sampler.samples,
        "n_windows": done.windows,
        "pass_seconds": done.seconds,
    }


# ---------------------------------------------------------------------- throughput


def measure_throughput(rows: int) -> dict[str, Any]:
    """Child process: build both pipelines over one array and time one full pass of each."""
    import_stack()
    warm_up_tf()
    raw = make_raw(rows)
    out: dict[str, Any] = {}
    for pipeline in PIPELINES:
        start = time.perf_counter()
        dataset, n_windows = BUILDERS[pipeline](raw)
        build_seconds = time.perf_counter() - start
        done = full_pass(dataset, n_windows)
        out[pipeline] = {
            "build_seconds": build_seconds,
            "pass_seconds": done.seconds,
            "n_windows": done.windows,
            "windows_per_s": done.windows_per_s,
        }
        del dataset
        gc.collect()
    return out


# ---------------------------------------------------------------------- orchestration


def run_child(args: list[str]) -> dict[str, Any]:
    """Run this script with ``args`` in a fresh interpreter; its last stdout line is JSON."""
    command = [sys.executable, str(Path(__file__).resolve()), *args]
    proc = subprocess.run(command, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        raise RuntimeError(f"{' '.join(args)} failed with exit code {proc.returncode}")
    for line in proc.stderr.splitlines():
        if line.strip() and not _TF_NOISE.match(line):
            print(line, file=sys.stderr)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def environment() -> dict[str, Any]:
    """Versions and machine, without importing TensorFlow in this process."""
    return machine(("forecast", "tensorflow", "keras", "numpy", "pandas", "psutil"))


def collect(rows: int) -> dict[str, Any]:
    """Run the three children (throughput, then each peak) and gather the figures."""
    started = time.perf_counter()
    speed = run_child(["--measure", "throughput", "--rows", str(rows)])
    peaks = {p: run_child(["--measure", p, "--rows", str(rows)]) for p in PIPELINES}
    raw_mb = rows * N_COLUMNS * np.dtype(np.float32).itemsize / MB
    package, keras = speed["package"], speed["keras"]
    ratio = package["windows_per_s"] / keras["windows_per_s"]
    return {
        "package_windows_per_s": package["windows_per_s"],
        "keras_windows_per_s": keras["windows_per_s"],
        "ratio": ratio,
        "raw_mb": raw_mb,
        "package_peak_mb": peaks["package"]["peak_mb"],
        "keras_peak_mb": peaks["keras"]["peak_mb"],
        "package_peak_over_raw": peaks["package"]["peak_mb"] / raw_mb,
        "keras_peak_over_raw": peaks["keras"]["peak_mb"] / raw_mb,
        "package_peak_mb_kernel_hwm": peaks["package"]["peak_mb_kernel_hwm"],
        "keras_peak_mb_kernel_hwm": peaks["keras"]["peak_mb_kernel_hwm"],
        "goal_ratio_met": ratio >= TARGET_RATIO,
        "goal_peak_met": peaks["package"]["peak_mb"] < TARGET_PEAK_OVER_RAW * raw_mb,
        "rows": rows,
        "columns": N_COLUMNS,
        "input_width": INPUT_WIDTH,
        "horizon": HORIZON,
        "batch_size": BATCH_SIZE,
        "n_windows": package["n_windows"],
        "package_pass_seconds": package["pass_seconds"],
        "keras_pass_seconds": keras["pass_seconds"],
        "package_build_seconds": package["build_seconds"],
        "keras_build_seconds": keras["build_seconds"],
        "rss_sample_interval_s": SAMPLE_INTERVAL_S,
        "script_seconds": time.perf_counter() - started,
        "timestamp": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "environment": environment(),
    }


def format_table(r: dict[str, Any]) -> str:
    """The human-readable summary."""
    rows = [
        ("", "package", "keras", "package/keras"),
        (
            "windows/s",
            f"{r['package_windows_per_s']:,.0f}",
            f"{r['keras_windows_per_s']:,.0f}",
            f"{r['ratio']:.1f}x",
        ),
        (
            "pass (s)",
            f"{r['package_pass_seconds']:.2f}",
            f"{r['keras_pass_seconds']:.2f}",
            "",
        ),
        (
            "peak memory (MB)",
            f"{r['package_peak_mb']:.1f}",
            f"{r['keras_peak_mb']:.1f}",
            "",
        ),
        (
            "peak / raw",
            f"{r['package_peak_over_raw']:.2f}x",
            f"{r['keras_peak_over_raw']:.2f}x",
            "",
        ),
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = [
        f"windowing benchmark: {r['rows']:,} rows x {r['columns']} float32 "
        f"(raw {r['raw_mb']:.1f} MB), input {r['input_width']}, horizon {r['horizon']}, "
        f"batch {r['batch_size']}, {r['n_windows']:,} windows"
    ]
    for row in rows:
        cells = [row[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(row[1:], widths[1:])]
        lines.append("  ".join(cells).rstrip())
    verdict = {True: "met", False: "NOT met"}
    lines.append(
        f"goals: ratio >= {TARGET_RATIO:.0f}x {verdict[r['goal_ratio_met']]}; "
        f"package peak < {TARGET_PEAK_OVER_RAW:.0f}x raw {verdict[r['goal_peak_met']]}"
    )
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--rows", type=int, default=ROWS, help="rows of the frame (default: %(default)s)"
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="JSON results path")
    parser.add_argument(
        "--measure",
        choices=("throughput", *PIPELINES),
        help=argparse.SUPPRESS,  # internal: run one measurement in this (child) process
    )
    args = parser.parse_args(argv)
    if args.rows < INPUT_WIDTH + HORIZON:
        parser.error(f"--rows must be at least {INPUT_WIDTH + HORIZON} (one window)")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.measure == "throughput":
        print(json.dumps(measure_throughput(args.rows)))
        return
    if args.measure is not None:
        print(json.dumps(measure_peak(args.measure, args.rows)))
        return
    results = collect(args.rows)
    print(format_table(results))
    write_results(args.out, results)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
