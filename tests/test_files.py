"""Atomic writes keep the usual permissions: outputs others must read are not left 0600/0700."""

from __future__ import annotations

import os
import stat

import pytest
from conftest import hourly

import forecast
from forecast._files import atomic_file, temporary_directory_beside


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
