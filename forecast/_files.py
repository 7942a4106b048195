"""Atomic writes: build under a temporary name beside the target, then rename into place.

The one owner of atomic output in the package: exports, run directories, reports, figures and
batch forecasts are all written through :func:`atomic_file`, :func:`atomic_files` or
:func:`atomic_directory`, so a reader sees either the previous complete output or the new
complete one, never a mix; :func:`reserved_name` picks a fresh name for output that must not
replace another's (a run directory).

A temporary is named ``.<target name>.<pid>-<random>.tmp`` after the process writing it, and
while :func:`atomic_file`, :func:`atomic_files` or :func:`atomic_directory` build it, the writer
holds an exclusive ``flock`` on it (released by the kernel when the writer dies). A job that was
killed leaves its temporaries behind; :func:`remove_stale_temporaries` removes those of a target
whose writer is gone, which the next job writing that target calls first.

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
import fcntl
import os
import re
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path


def temporary_beside(target: Path) -> Path:
    """A fresh hidden name ``.<name>.<pid>-<random>.tmp`` in ``target``'s folder (which is
    created), for building ``target``; the PID names this process as its writer."""
    target.parent.mkdir(parents=True, exist_ok=True)
    return target.parent / f".{target.name}.{os.getpid()}-{uuid.uuid4().hex[:12]}.tmp"


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
    with atomic_files(path) as (temporary,):
        yield temporary


@contextlib.contextmanager
def atomic_files(*paths: Path) -> Iterator[list[Path]]:
    """Temporary paths beside several files that belong together (as :func:`atomic_file`),
    renamed into place in the order given when the block completes, the last one last.

    If the block raises, every temporary is removed. If a rename fails, the remaining
    temporaries are removed and the files this block already renamed into place are removed
    again, so no file of the set is left new beside an old one (the versions they replaced
    are gone); then the error is raised.
    """
    held: list[tuple[Path, int]] = []
    try:
        for path in paths:
            held.append(_new_temporary_file(Path(path)))
        yield [temporary for temporary, _ in held]
        renamed: list[Path] = []
        try:
            for (temporary, _), path in zip(held, paths):
                os.replace(temporary, path)
                renamed.append(Path(path))
        except BaseException:
            for path in renamed:
                Path(path).unlink(missing_ok=True)
            raise
    finally:
        for temporary, descriptor in held:
            temporary.unlink(missing_ok=True)  # already renamed, unless something failed
            os.close(descriptor)


def _new_temporary_file(path: Path) -> tuple[Path, int]:
    """An empty temporary file beside ``path`` (0666 less the umask) and a descriptor that
    holds its lock."""
    temporary = temporary_beside(path)
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    _lock(descriptor)
    return temporary, descriptor


def _lock(descriptor: int) -> None:
    """Take an exclusive ``flock`` on an open file or directory, held until it is closed (on a
    filesystem without locks, the PID in the temporary's name still names its writer)."""
    with contextlib.suppress(OSError):
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)


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
    descriptor = os.open(temporary, os.O_RDONLY)
    _lock(descriptor)
    try:
        yield temporary
        if not replace and (target.exists() or target.is_symlink()):
            raise FileExistsError(f"{target} already exists")
        move_directory_into_place(temporary, target)
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise
    finally:
        os.close(descriptor)


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


def remove_stale_temporaries(target: Path, before: float) -> list[Path]:
    """Remove the temporaries that killed writers left beside ``target``; the paths removed.

    A temporary of ``target`` (``.<name>.<pid>-<random>.tmp``, file or directory, see
    :func:`temporary_beside`) is stale when it was last modified before ``before`` (a
    ``time.time()``, e.g. when the calling job started), the process its name records is not
    running, and no process holds its lock. Anything else is left alone: another job's
    temporary while that job runs, one made after ``before``, and other files.

    Example:
        >>> import tempfile, time
        >>> folder = Path(tempfile.mkdtemp())
        >>> left = folder / ".out.csv.999999999-0123456789ab.tmp"  # its writer has died
        >>> _ = left.write_text("half")
        >>> [p.name for p in remove_stale_temporaries(folder / "out.csv", time.time() + 1)]
        ['.out.csv.999999999-0123456789ab.tmp']
    """
    target = Path(target)
    pattern = re.compile(rf"\.{re.escape(target.name)}\.(\d+)-[0-9a-f]{{12}}\.tmp")
    if not target.parent.is_dir():
        return []
    removed = []
    for candidate in sorted(target.parent.iterdir()):
        match = pattern.fullmatch(candidate.name)
        if match is None:
            continue
        try:
            modified = candidate.lstat().st_mtime
        except FileNotFoundError:  # removed meanwhile
            continue
        if modified >= before or _running(int(match[1])) or _held(candidate):
            continue
        if candidate.is_dir() and not candidate.is_symlink():
            shutil.rmtree(candidate, ignore_errors=True)
        else:
            candidate.unlink(missing_ok=True)
        removed.append(candidate)
    return removed


def _running(pid: int) -> bool:
    """Whether a process with this PID exists (one that cannot be signalled counts)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except (OverflowError, ValueError):  # not a PID this system can have
        return False
    return True


def _held(path: Path) -> bool:
    """Whether another open file holds the lock of ``path`` (when unsure: held)."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return True
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except OSError:
        return False  # no locks on this filesystem: the PID has told
    finally:
        os.close(descriptor)
    return False


def same_file(first: Path, second: Path) -> bool:
    """Whether two paths name the same file: equal once symbolic links, ``.`` and ``..`` are
    resolved, or (both existing) the same file under two names (a hard link).

    Example:
        >>> same_file(Path("a/../x.csv"), Path("./x.csv")), same_file(Path("x"), Path("y"))
        (True, False)
    """
    if os.path.realpath(first) == os.path.realpath(second):
        return True
    try:
        return os.path.samefile(first, second)
    except OSError:  # one of them does not exist
        return False
