"""Fault injection: ``forecast batch`` killed (SIGKILL) while it writes never leaves a partial
file in view, and the next job removes what the killed ones left and succeeds."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import forecast

N_SERIES, ROWS, HORIZON = 2_000, 30, 6


@pytest.fixture(scope="module")
def model_and_input(tmp_path_factory):
    """A SeasonalNaive export and a Parquet file of N_SERIES series (written in over a dozen
    batches, after a start-up of seconds): series ``i`` is ``i, i + 1, ..., i + ROWS - 1``, so
    its forecasts are known."""
    folder = tmp_path_factory.mktemp("faults")
    stamps = pd.date_range("2024-01-01", periods=ROWS, freq="h")
    small = pd.DataFrame(
        {"unique_id": "a", "ds": stamps, "y": np.arange(ROWS, dtype=float)}
    ).set_index(["unique_id", "ds"])
    model = (
        forecast.SeasonalNaive(input_width=24, horizon=HORIZON)
        .fit(small.rename_axis(["series_id", "timestamp"]))
        .export(folder / "model")
    )
    ids = np.repeat([f"s{i:05d}" for i in range(N_SERIES)], ROWS)
    values = np.tile(np.arange(ROWS, dtype=float), N_SERIES) + np.repeat(
        np.arange(N_SERIES, dtype=float), ROWS
    )
    table = pa.table({"unique_id": ids, "ds": np.tile(stamps.to_numpy(), N_SERIES), "y": values})
    pq.write_table(table, folder / "in.parquet")
    return model, folder / "in.parquet"


def start(model: Path, input_path: Path, output: Path, cache: Path) -> subprocess.Popen:
    """``forecast batch`` in a fresh process (small batches: many writes)."""
    env = {
        **os.environ,
        "PYTHONPATH": str(Path(forecast.__file__).parents[1]),
        "TF_CPP_MIN_LOG_LEVEL": "3",
        "XDG_CACHE_HOME": str(cache),  # the XLA cache, shared by the jobs of this test
    }
    command = [sys.executable, "-m", "forecast.app.cli", "batch", "--model", str(model)]
    command += ["--input", str(input_path), "--output", str(output), "--no-progress"]
    command += ["--series-per-batch", "128", "--chunk-rows", "20000"]
    return subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def temporaries(folder: Path, name: str) -> list[Path]:
    """The hidden temporaries of ``folder/name``."""
    return sorted(folder.glob(f".{name}.*.tmp"))


def test_a_killed_job_leaves_the_old_files_and_the_next_one_cleans_up(model_and_input, tmp_path):
    model, input_path = model_and_input
    out, errors = tmp_path / "out.parquet", tmp_path / "out.errors.csv"
    pq.write_table(pa.table({"series_id": ["old"], "forecast": [1.0]}), out)  # a previous job's
    errors.write_text("series_id,reason\nold,a previous job's failure\n")
    old = {out: out.read_bytes(), errors: errors.read_bytes()}
    cache = tmp_path / "cache"

    def own(job: subprocess.Popen, name: str) -> list[Path]:  # named with the job's PID
        return [path for path in temporaries(tmp_path, name) if f".{job.pid}-" in path.name]

    def size(paths: list[Path]) -> int:
        try:
            return sum(path.stat().st_size for path in paths)
        except FileNotFoundError:
            return 0

    # two jobs at once (their start-up overlaps), each killed at its own point: one as soon as
    # its temporaries appear, the other once it has written forecasts to its temporary
    faults = {
        start(model, input_path, out, cache): lambda job: own(job, out.name),
        start(model, input_path, out, cache): lambda job: size(own(job, out.name)) > 0,
    }
    deadline = time.monotonic() + 120
    while faults:
        for job, ready in list(faults.items()):
            assert job.poll() is None, f"a job ended before its fault: {job.communicate()}"
            if ready(job):
                job.kill()
                job.communicate()  # reaped: its PID is gone, as after any killed process
                assert job.returncode == -signal.SIGKILL
                del faults[job]
        assert time.monotonic() < deadline, "a job never reached its fault"
        time.sleep(0.005)
        # whatever a killed job had done, the visible files are the old ones, whole
        assert {path: path.read_bytes() for path in old} == old
    left = temporaries(tmp_path, out.name) + temporaries(tmp_path, errors.name)
    assert 2 <= len(left) <= 4 and size(left) > 0  # the killed jobs' temporaries, partly written

    finished = start(model, input_path, out, cache)
    stdout, stderr = finished.communicate(timeout=120)
    assert finished.returncode == 0, stderr
    assert f"forecast {N_SERIES:,} of {N_SERIES:,} series" in stdout
    # every series forecast: no errors file, and the previous job's is not left to mislead
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache", out.name]
    forecasts = pq.read_table(out).to_pandas()
    assert len(forecasts) == N_SERIES * HORIZON
    # series i ends with i + 6, ..., i + 29: a season (24) back, the next steps are i + 6, ...
    last = forecasts[forecasts.unique_id == f"s{N_SERIES - 1:05d}"]["forecast"].tolist()
    assert last == [N_SERIES - 1 + 6.0 + step for step in range(HORIZON)]
