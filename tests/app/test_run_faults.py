"""`forecast run` killed at any point: the published set stays whole and leftovers are cleaned.

The fault test starts `forecast run` in a subprocess (forked by a helper that has imported
TensorFlow once) that stops at one step (after writing the report into its run directory, after
copying the first model into a new version, after creating the temporary symlink, after
switching ``current``) and SIGKILLs it there; then ``export.path/current`` must be the old
complete set or the new one, and the next run must remove the leftovers of the killed one, never
those of a live one.
"""

from __future__ import annotations

import fcntl
import json
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import forecast
from forecast.app.config import load_config
from forecast.app.publish import writing_in
from forecast.app.runs import run_experiment

ROOT = Path(forecast.__file__).resolve().parents[1]

#: A helper process: it imports forecast and TensorFlow once, then for each JSON line
#: ``[step, paused_file, log_file, *arguments]`` on its stdin forks a `forecast run` (the
#: arguments, output to log_file) that stops for good after the first call of ``step``: it writes
#: the step's name to paused_file and sleeps until killed. It prints the run's process id, then
#: its exit code once it has ended. A run costs a second rather than TensorFlow's import.
SERVER = """
import json, os, shutil, sys, time, traceback
from pathlib import Path

import tensorflow  # noqa: F401  (imported once, for every run)

from forecast.app.cli import main
from forecast.evaluation.comparison import Comparison

HOOKS = {
    "run-directory": (Comparison, "report", lambda *args: True),
    "copy": (shutil, "copytree", lambda source, target, *rest: Path(target).parents[1].name == "versions"),
    "link": (os, "symlink", lambda *args: True),
    "switch": (os, "replace", lambda source, target, *rest: Path(target).name == "current"),
}


def run_until(step, paused, arguments):
    owner, name, when = HOOKS[step]
    function = getattr(owner, name)

    def pausing(*args, **kwargs):
        result = function(*args, **kwargs)
        if when(*args):
            paused.write_text(step)
            time.sleep(120)
        return result

    setattr(owner, name, pausing)
    return main(arguments)


for line in sys.stdin:
    step, paused, log, *arguments = json.loads(line)
    pid = os.fork()
    if pid == 0:
        output = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
        os.dup2(output, 1)
        os.dup2(output, 2)
        try:
            code = run_until(step, Path(paused), arguments)
        except BaseException:
            traceback.print_exc()
            code = 1
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    print(pid, flush=True)
    print(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]), flush=True)
"""


class Runs:
    """`forecast run` in subprocesses forked by one :data:`SERVER`, each killed at a step."""

    def __init__(self, folder: Path):
        self.folder = folder
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
            "TF_CPP_MIN_LOG_LEVEL": "2",
        }
        with open(folder / "server.txt", "w") as log:
            self.server = subprocess.Popen(
                [sys.executable, "-c", SERVER],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                env=env,
                text=True,
            )
        self.pid: int | None = None

    def stop_after(self, attempt: int, step: str) -> None:
        """Start the run of ``attempt``'s config; return once it has stopped after ``step``."""
        paused, log = self.folder / f"paused{attempt}", self.folder / f"run{attempt}.txt"
        arguments = ["run", str(_config(self.folder, attempt)), "--quiet"]
        arguments += ["--runs-dir", str(self.folder / "runs")]
        self.server.stdin.write(json.dumps([step, str(paused), str(log), *arguments]) + "\n")
        self.server.stdin.flush()
        self.pid = int(self._answer())
        deadline = time.monotonic() + 60
        while not paused.exists():
            if select.select([self.server.stdout], [], [], 0.05)[0]:  # it has ended
                self.pid = None
                pytest.fail(f"the run ended before {step!r}:\n{log.read_text()}")
            if time.monotonic() > deadline:
                self.kill()
                pytest.fail(f"the run never reached {step!r}:\n{log.read_text()}")

    def kill(self) -> None:
        """SIGKILL the stopped run."""
        os.kill(self.pid, signal.SIGKILL)
        self.pid = None
        assert int(self._answer()) == -signal.SIGKILL

    def kill_after(self, attempt: int, step: str) -> None:
        self.stop_after(attempt, step)
        self.kill()

    def _answer(self) -> str:
        line = self.server.stdout.readline()
        if not line:
            pytest.fail(f"the helper ended:\n{(self.folder / 'server.txt').read_text()}")
        return line

    def close(self) -> None:
        if self.pid is not None:
            os.kill(self.pid, signal.SIGKILL)
        self.server.stdin.close()
        self.server.wait(timeout=30)


def _config(folder: Path, attempt: int) -> Path:
    """Config ``tiny`` whose models' names say the attempt: a mix of two sets shows."""
    path = folder / f"tiny{attempt}.yaml"
    path.write_text(
        "name: tiny\n"
        "data: {dataset: electricity_hourly, target: y}\n"
        "window: {input_width: 48, horizon: 24}\n"
        f"models: [{{name: naive{attempt}, kind: naive}}, "
        f"{{name: seasonal{attempt}, kind: seasonal_naive}}]\n"
        "evaluation: {origins: {start: 0.99}}\n"
        f"export: {{models: all, path: {folder / 'registry'}}}\n"
    )
    return path


def _run(folder: Path, attempt: int) -> Path:
    """Run ``attempt``'s config to the end in this process; its run directory."""
    config = load_config(_config(folder, attempt))
    return run_experiment(config, runs_dir=folder / "runs", verbose=False).path


def _hidden(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def _run_of(folder: Path, attempt: int) -> Path:
    """The run directory of an attempt (found by its models' names)."""
    (run,) = [
        p
        for p in (folder / "runs" / "tiny").iterdir()
        if (p / "models" / f"naive{attempt}").is_dir()
    ]
    return run


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def assert_current_is(registry: Path, run: Path) -> None:
    """``registry/current`` is the complete published set of ``run``: the manifest names the run
    and its models, each model is the run's, byte for byte, and loads."""
    current = registry / "current"
    manifest = json.loads((current / "manifest.json").read_text())
    models = sorted(p.name for p in (run / "models").iterdir())
    assert (manifest["run"], manifest["config"], manifest["models"]) == (run.name, "tiny", models)
    assert manifest["version"] == current.resolve().name
    assert sorted(p.name for p in current.iterdir()) == sorted([*models, "manifest.json"])
    for name in models:
        assert _files(current / name) == _files(run / "models" / name)
        assert forecast.load(current / name).horizon == 24


@pytest.fixture
def runs(tmp_path):
    runs = Runs(tmp_path)
    yield runs
    runs.close()


def test_a_killed_run_leaves_the_published_set_whole_and_the_next_run_cleans_up(tmp_path, runs):
    registry, config_runs = tmp_path / "registry", tmp_path / "runs" / "tiny"
    # stopped while writing its run directory: while it is alive, another run publishes the
    # first set and leaves its temporary and reserved marker alone, however old they look
    runs.stop_after(1, "run-directory")
    leftovers = _hidden(config_runs)
    assert len(leftovers) == 2 and any(n.endswith(".reserved") for n in leftovers)
    for name in leftovers:
        os.utime(config_runs / name, (time.time() - 3600,) * 2)
    first = _run(tmp_path, 0)
    assert _hidden(config_runs) == leftovers
    assert_current_is(registry, first)
    runs.kill()

    # killed after copying one model into its new version: current is still the first set
    runs.kill_after(2, "copy")
    assert _hidden(config_runs) == []  # run 2 removed the leftovers of the killed run 1
    assert len(_hidden(registry / "versions")) == 2  # its own: the version being built, the marker
    assert_current_is(registry, first)

    # killed with the temporary symlink made, before the switch: still the first set
    runs.kill_after(3, "link")
    assert _hidden(registry / "versions") == []
    assert [n.startswith(".current.") for n in _hidden(registry)] == [True]
    assert_current_is(registry, first)

    # killed right after the switch: the new set, complete
    runs.kill_after(4, "switch")
    assert _hidden(registry) == []
    assert_current_is(registry, _run_of(tmp_path, 4))

    last = _run(tmp_path, 5)
    assert_current_is(registry, last)
    assert _hidden(config_runs) == _hidden(registry) == _hidden(registry / "versions") == []
    # kept: the new version, the one before it (run 4's) and the newest other (run 3's, never
    # switched to); the first set's is pruned
    assert sorted(p.name for p in (registry / "versions").iterdir()) == sorted(
        _run_of(tmp_path, attempt).name for attempt in (3, 4, 5)
    )


def test_leftovers_go_only_when_their_writer_is_gone_and_they_are_older_than_the_job(tmp_path):
    started = time.time()
    old, new = started - 3600, started + 3600
    for name, stamp in [
        (".20260101-000000.1a2b.tmp", old),
        (".20260101-000000.reserved", old),
        (".20260101-000000.replaced", old),
        (".current.3c4d.tmp", new),  # newer than the job: its writer may not be gone
        ("20251231-000000.tmp", old),  # not hidden: not a temporary of a writer
        (".keep", old),
    ]:
        if name.endswith(".tmp"):
            (tmp_path / name).mkdir()
        else:
            (tmp_path / name).touch()
        os.utime(tmp_path / name, (stamp, stamp))
    everything = sorted(p.name for p in tmp_path.iterdir())
    other_writer = os.open(tmp_path, os.O_RDONLY)
    fcntl.flock(other_writer, fcntl.LOCK_SH)
    with writing_in(tmp_path, started):
        assert sorted(p.name for p in tmp_path.iterdir()) == everything  # held by another
    os.close(other_writer)
    with writing_in(tmp_path, started):
        assert sorted(p.name for p in tmp_path.iterdir()) == [
            ".current.3c4d.tmp",
            ".keep",
            "20251231-000000.tmp",
        ]
