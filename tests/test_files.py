"""Atomic writes: the usual permissions (outputs others must read are not left 0600/0700),
files that appear together, and the temporaries killed writers leave behind."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import hourly

import forecast
from forecast._files import (
    atomic_directory,
    atomic_file,
    atomic_files,
    remove_stale_temporaries,
    reserved_name,
    temporary_directory_beside,
)


@pytest.fixture
def umask_022():
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_atomic_file_and_directories_get_the_usual_permissions(tmp_path, umask_022):
    target = tmp_path / "out" / "forecasts.csv"
    with atomic_file(target) as temporary:
        temporary.write_text("series_id,forecast\n")
    assert target.read_text() == "series_id,forecast\n" and mode(target) == 0o644
    assert [p.name for p in target.parent.iterdir()] == ["forecasts.csv"]
    with pytest.raises(RuntimeError), atomic_file(target) as temporary:
        temporary.write_text("half")
        raise RuntimeError("interrupted")
    assert target.read_text() == "series_id,forecast\n" and len(list(target.parent.iterdir())) == 1
    folder = temporary_directory_beside(tmp_path / "models" / "lstm")
    assert (
        mode(folder) == 0o755
        and folder.parent.name == "models"
        and folder.name.startswith(".lstm.")
    )


def test_an_export_is_readable_by_other_users(tmp_path, umask_022):
    frame = hourly(range(48), values=[float(i % 24) for i in range(48)])
    path = forecast.Naive(input_width=24, horizon=3).fit(frame).export(tmp_path / "naive")
    assert mode(path) == 0o755
    assert mode(path / "assets" / "forecast.json") == 0o644


def test_reserved_names_skip_taken_and_held_names_and_release_their_marker(tmp_path):
    (tmp_path / "run").mkdir()  # a finished run
    with reserved_name(tmp_path, "run") as held:  # another process's run, still being written
        assert held.name == "run-2" and not held.exists()
        assert (tmp_path / ".run-2.reserved").is_file()
        with reserved_name(tmp_path, "run") as mine, atomic_directory(mine, replace=False) as out:
            (out / "done.txt").write_text("complete")
        assert mine.name == "run-3" and (mine / "done.txt").read_text() == "complete"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run", "run-3"]  # markers released
    with pytest.raises(RuntimeError), reserved_name(tmp_path, "run") as failed:
        raise RuntimeError("interrupted")
    assert failed.name == "run-2"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run", "run-3"]
    with (
        pytest.raises(FileExistsError, match="no free name for 'run'"),
        reserved_name(tmp_path, "run", attempts=1),
    ):
        pass
    with reserved_name(tmp_path / "new" / "folder", "run") as first:
        assert first == tmp_path / "new" / "folder" / "run"


def test_a_name_moved_into_place_after_the_check_is_not_handed_out(tmp_path, monkeypatch):
    """Another process finishes ``run`` (moves it into place and releases its marker) between
    this reservation's existence check and its marker: the name is skipped."""
    real_open = os.open

    def finish_the_other_run_first(path, *args):
        if str(path).endswith(".run.reserved"):
            (tmp_path / "run").mkdir(exist_ok=True)
        return real_open(path, *args)

    monkeypatch.setattr(os, "open", finish_the_other_run_first)
    with reserved_name(tmp_path, "run") as name:
        assert name.name == "run-2"
    assert [p.name for p in tmp_path.iterdir()] == ["run"]


# --------------------------------------------------------------------------- several files


def test_atomic_files_appear_together_or_not_at_all(tmp_path, monkeypatch):
    errors, output = tmp_path / "out.errors.csv", tmp_path / "out.csv"
    with atomic_files(errors, output) as (errors_tmp, output_tmp):
        errors_tmp.write_text("series_id,reason\n")
        output_tmp.write_text("series_id,forecast\n")
    assert (errors.read_text(), output.read_text()) == (
        "series_id,reason\n",
        "series_id,forecast\n",
    )
    real_replace = os.replace

    def refuse_the_output(source, target):
        if Path(target) == output:
            raise PermissionError(13, "Permission denied", str(target))
        return real_replace(source, target)

    monkeypatch.setattr(os, "replace", refuse_the_output)
    with pytest.raises(PermissionError), atomic_files(errors, output) as (errors_tmp, output_tmp):
        errors_tmp.write_text("new errors\n")
        output_tmp.write_text("new forecasts\n")
    # the new errors file was renamed, then removed again: no errors file of forecasts that
    # never appeared, and no temporary left
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]
    assert output.read_text() == "series_id,forecast\n"


# --------------------------------------------------------------------------- stale temporaries


def dead_pid() -> int:
    """The PID of a process that has ended (and been waited for)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_only_old_temporaries_of_ended_writers_are_removed(tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("the previous output")
    gone, hour_ago, now = dead_pid(), time.time() - 3600, time.time()
    names = {
        f".out.csv.{gone}-0123456789ab.tmp": (hour_ago, "removed"),
        f".out.csv.{gone}-0123456789ac.tmp": (hour_ago, "removed"),  # a directory
        f".out.csv.{gone}-0123456789ad.tmp": (now + 60, "kept"),  # newer than the job
        f".out.csv.{os.getpid()}-0123456789ae.tmp": (hour_ago, "kept"),  # a live writer
        ".out.csv.0123456789af.tmp": (hour_ago, "kept"),  # no writer named
        f".other.csv.{gone}-0123456789ab.tmp": (hour_ago, "kept"),  # another target's
    }
    for name, (stamp, _) in names.items():
        path = tmp_path / name
        if name.endswith("ac.tmp"):
            path.mkdir()
            (path / "saved_model.pb").write_text("half")
        else:
            path.write_text("half")
        os.utime(path, (stamp, stamp))
    removed = remove_stale_temporaries(target, before=now)
    assert sorted(p.name for p in removed) == sorted(
        name for name, (_, fate) in names.items() if fate == "removed"
    )
    kept = sorted(name for name, (_, fate) in names.items() if fate == "kept")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*kept, "out.csv"])
    assert target.read_text() == "the previous output"


HOLD = """
import fcntl, os, sys, time
descriptor = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT, 0o666)
fcntl.flock(descriptor, fcntl.LOCK_EX)
print("holding", flush=True)
time.sleep(60)
"""


def test_a_temporary_whose_lock_is_held_is_kept_until_its_holder_ends(tmp_path):
    # the PID in the name has ended, yet another process holds the lock (a writer in another
    # PID namespace, say): the lock wins
    target = tmp_path / "out.parquet"
    temporary = tmp_path / f".out.parquet.{dead_pid()}-0123456789ab.tmp"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(temporary)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "holding"
        os.utime(temporary, (time.time() - 3600,) * 2)
        assert remove_stale_temporaries(target, before=time.time()) == []
        assert temporary.exists()
    finally:
        holder.kill()
        holder.wait()
    assert remove_stale_temporaries(target, before=time.time()) == [temporary]
    assert not temporary.exists()


KILLED_WRITER = """
import os, signal, sys
from pathlib import Path
from forecast._files import atomic_directory, atomic_file
with atomic_file(Path(sys.argv[1])) as temporary, atomic_directory(Path(sys.argv[2])) as folder:
    temporary.write_text("half of the forecasts")
    (folder / "saved_model.pb").write_text("half of a model")
    print(temporary.name, folder.name, flush=True)
    os.kill(os.getpid(), signal.SIGKILL)
"""


def test_the_temporaries_of_a_killed_writer_are_removed_by_the_next_job(tmp_path):
    out, model = tmp_path / "out.csv", tmp_path / "model"
    started = time.time()
    writer = subprocess.Popen(
        [sys.executable, "-c", KILLED_WRITER, str(out), str(model)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    printed, _ = writer.communicate()
    assert writer.returncode == -signal.SIGKILL
    left = sorted(printed.split())  # [".model.<pid>-<hex>.tmp", ".out.csv.<pid>-<hex>.tmp"]
    assert sorted(p.name for p in tmp_path.iterdir()) == left
    assert all(f".{writer.pid}-" in name for name in left)  # each names its writer
    assert remove_stale_temporaries(out, before=started) == []  # not older than the job
    later = time.time() + 1
    assert [p.name for p in remove_stale_temporaries(out, before=later)] == [left[1]]
    assert [p.name for p in remove_stale_temporaries(model, before=later)] == [left[0]]
    assert list(tmp_path.iterdir()) == []


def test_a_live_writers_temporary_is_never_removed(tmp_path):
    target = tmp_path / "out.csv"
    with atomic_file(target) as temporary:
        temporary.write_text("being written")
        os.utime(temporary, (time.time() - 3600,) * 2)
        assert remove_stale_temporaries(target, before=time.time()) == []
    assert target.read_text() == "being written"
