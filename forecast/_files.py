"""Atomic writes: build under a temporary name beside the target, then rename into place."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Iterator


def move_directory_into_place(temporary: Path, target: Path) -> None:
    """Rename the complete directory ``temporary`` to ``target``, replacing an older one.

    The older directory is moved aside first and removed after, so ``target`` never holds a
    mix of old and new files.
    """
    if target.exists():
        previous = target.with_name(f".{target.name}.replaced")
        shutil.rmtree(previous, ignore_errors=True)
        os.replace(target, previous)
        os.replace(temporary, target)
        shutil.rmtree(previous, ignore_errors=True)
    else:
        os.replace(temporary, target)


@contextlib.contextmanager
def atomic_file(path: Path) -> Iterator[Path]:
    """A temporary path beside ``path``, renamed to it when the block completes (removed if
    the block raises)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(handle)
    temporary = Path(name)
    try:
        yield temporary
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    os.replace(temporary, path)
