"""Atomic writes: build under a temporary name beside the target, then rename into place.

The one owner of atomic output in the package: exports, run directories, reports, figures and
batch forecasts are all written through :func:`atomic_file` or :func:`atomic_directory`, so a
reader sees either the previous complete output or the new complete one, never a mix;
:func:`reserved_name` picks a fresh name for output that must not replace another's (a run
directory).

Example:
    >>> import tempfile
    >>> from pathlib import Path
    >>> folder = Path(tempfile.mkdtemp())
    >>> with atomic_directory(folder / "out") as building:
    ...     _ = (building / "a.txt").write_text("complete")
    >>> sorted(p.name for p in folder.iterdir()), (folder / "out" / "a.txt").read_text()
    (['out'], 'complete')
"""

from __future__ import annotations

import contextlib
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path


def temporary_beside(target: Path) -> Path:
    """A fresh hidden name in ``target``'s folder (which is created), for building ``target``."""
    target.parent.mkdir(parents=True, exist_ok=True)
    return target.parent / f".{target.name}.{uuid.uuid4().hex[:12]}.tmp"


def temporary_directory_beside(target: Path) -> Path:
    """An empty directory beside ``target`` with the usual permissions (``tempfile.mkdtemp``
    makes it 0700, and a model server running as another user could not read the export)."""
    temporary = temporary_beside(target)
    temporary.mkdir(mode=0o777)  # the umask applies
    return temporary


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
    the block raises). The file is created with the usual permissions (0666 less the umask),
    not ``mkstemp``'s 0600, so the output is readable as any other file the user writes."""
    temporary = temporary_beside(path)
    os.close(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
    try:
        yield temporary
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    os.replace(temporary, path)


@contextlib.contextmanager
def atomic_directory(target: Path, *, replace: bool = True) -> Iterator[Path]:
    """An empty temporary directory beside ``target``, moved into place as ``target`` when the
    block completes (an older ``target`` is replaced, see :func:`move_directory_into_place`) and
    removed if the block raises.

    Args:
        target: the directory to write.
        replace: when ``False``, an existing ``target`` is a ``FileExistsError`` (checked before
            the block runs and again before the move).
    """
    target = Path(target)
    if not replace and (target.exists() or target.is_symlink()):
        raise FileExistsError(f"{target} already exists")
    temporary = temporary_directory_beside(target)
    try:
        yield temporary
        if not replace and (target.exists() or target.is_symlink()):
            raise FileExistsError(f"{target} already exists")
        move_directory_into_place(temporary, target)
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise


@contextlib.contextmanager
def reserved_name(parent: Path, stem: str, attempts: int = 1000) -> Iterator[Path]:
    """A path ``parent/<stem>`` (else ``<stem>-2``, ``<stem>-3``, ...) that neither exists nor
    is held by another block, held for this block.

    The name is held by a hidden marker ``.<name>.reserved`` beside it, created exclusively and
    removed when the block exits, so processes that reserve names in the same folder at the same
    time each get their own. Write the directory itself with :func:`atomic_directory` inside the
    block (``replace=False``): it appears only when complete.

    Args:
        parent: the folder (created if missing).
        stem: the preferred name.
        attempts: names tried before giving up.

    Raises:
        FileExistsError: the first ``attempts`` names are all taken.

    Example:
        >>> import tempfile
        >>> folder = Path(tempfile.mkdtemp())
        >>> with reserved_name(folder, "run") as first, reserved_name(folder, "run") as second:
        ...     first.name, second.name
        ('run', 'run-2')
    """
    parent = Path(parent)
    parent.mkdir(parents=True, exist_ok=True)
    for attempt in range(1, attempts + 1):
        target = parent / (stem if attempt == 1 else f"{stem}-{attempt}")
        marker = parent / f".{target.name}.reserved"
        if target.exists() or target.is_symlink():
            continue
        try:
            os.close(os.open(marker, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        except FileExistsError:
            continue
        try:
            # a holder may have moved its directory into place and released the marker
            # between the check above and the marker's creation
            if target.exists() or target.is_symlink():
                continue
            yield target
            return
        finally:
            marker.unlink(missing_ok=True)
    raise FileExistsError(f"no free name for {stem!r} in {parent} after {attempts} attempts")
