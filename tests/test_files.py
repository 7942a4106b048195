"""Atomic writes keep the usual permissions: outputs others must read are not left 0600/0700."""

from __future__ import annotations

import os
import stat

import pytest
from conftest import hourly

import forecast
from forecast._files import atomic_directory, atomic_file, reserved_name, temporary_directory_beside


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
