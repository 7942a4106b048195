"""Publishing a run's models as one set: ``export: {path: DIR}`` of ``forecast run``.

With ``export: {path: DIR}`` the exported models are also published to ``DIR`` as one set, e.g.
the folder a batch job or a model server reads from::

    DIR/current -> versions/<run>     a symlink to the published version
    DIR/versions/<run>/NAME/          its models (forecast.load or plain TensorFlow)
    DIR/versions/<run>/manifest.json  version, run, run directory, config, models, fits, time

The models and the manifest are copied into a new version, named as the run directory
(``<run>-2`` if taken) and, like it, assembled under a temporary name and renamed when complete;
then a temporary symlink to it is renamed over ``current``. A reader of ``DIR/current/NAME``
sees the previous complete set or the new one, never a mix, and a publisher killed at any point
leaves ``current`` as it was or switched; a reader that opens files over time resolves
``current`` once to stay on one version. The version ``current`` pointed to before stays, and
the newest others up to :data:`KEPT_VERSIONS` in all; older ones are removed (renamed to a
hidden temporary first). Publishers of one ``DIR`` take turns.

Leftovers of killed writers (half-written directories, reserved names' markers, temporary
symlinks: hidden names ending in ``.tmp``, ``.reserved`` or ``.replaced``) are removed by the
next writer of the same folder: writers hold an ``fcntl.flock`` on the folder while they write
(runs of one config share theirs, publishers hold ``DIR``'s in turn), and a writer that finds the
folder held by no other removes those older than its own job. A live job's are never touched.

The manifest's ``fits`` holds each model's fit record as data (what it learned from: see
:mod:`forecast.serving.fit_record`).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

try:
    import fcntl
except ImportError:  # not POSIX: no folder locks, so no leftover is known to be stale
    fcntl = None

from forecast._files import atomic_directory, reserved_name, temporary_beside

#: Published versions kept in ``export.path/versions/``: the current one, the one before it
#: and the newest others up to this count.
KEPT_VERSIONS = 3
#: The file in each published version that says what it holds.
MANIFEST_FILE = "manifest.json"
#: How the names of the hidden temporaries a writer leaves when killed end.
TEMPORARY_SUFFIXES = (".tmp", ".reserved", ".replaced")


def publish_run(
    run: Path,
    config_name: str,
    destination: Path,
    job_started: float,
    fits: dict[str, dict] | None = None,
) -> Path | None:
    """Publish the models of the run directory ``run`` as one new version of ``destination``
    and switch ``destination/current`` to it (see the module docstring); ``fits`` (by model
    directory name: each model's fit record as data) go into the manifest.

    Returns:
        The version's directory, or ``None`` when the run exported no model (nothing changes).
    """
    models = sorted(p for p in (run / "models").iterdir() if p.is_dir())
    if not models:
        return None
    versions = destination / "versions"
    with writing_in(destination, job_started, exclusive=True, also=(versions,)):
        with (
            reserved_name(versions, run.name) as version,
            atomic_directory(version, replace=False) as building,
        ):
            for model in models:
                shutil.copytree(model, building / model.name)
            manifest = {
                "version": version.name,
                "run": run.name,
                "run_directory": str(run.resolve()),
                "config": config_name,
                "models": [model.name for model in models],
                "fits": {m.name: (fits or {}).get(m.name) for m in models},
                "published": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            }
            (building / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2) + "\n")
        previous = _current_version(destination)
        _switch_current(destination, version)
        _prune_versions(versions, keep={version.name, previous})
    return version


def _current_version(destination: Path) -> str | None:
    """The name of the version ``destination/current`` points to (``None`` if none)."""
    current = destination / "current"
    return Path(os.readlink(current)).name if current.is_symlink() else None


def _switch_current(destination: Path, version: Path) -> None:
    """Point ``destination/current`` at ``version`` in one rename of a temporary symlink."""
    current = destination / "current"
    if current.exists() and not current.is_symlink():
        raise FileExistsError(f"{current} is not the symlink a publish switches; move it away")
    link = temporary_beside(current)
    os.symlink(Path(version.parent.name) / version.name, link)  # relative: DIR may move
    try:
        os.replace(link, current)
    except BaseException:
        link.unlink(missing_ok=True)
        raise


def _prune_versions(versions: Path, keep: set[str | None]) -> None:
    """Remove the published versions beyond :data:`KEPT_VERSIONS`, oldest first, never one of
    ``keep``; a folder without a readable manifest is not a version and stays."""
    published = {}
    for folder in versions.iterdir():
        if folder.name.startswith("."):  # a temporary, not a version
            continue
        try:
            manifest = json.loads((folder / MANIFEST_FILE).read_text())
            published[folder.name] = str(manifest["published"])
        except (OSError, ValueError, KeyError, TypeError):
            continue
    newest = sorted(published, key=lambda name: (published[name], name), reverse=True)
    kept = [name for name in newest if name in keep]
    kept += [name for name in newest if name not in keep][: max(KEPT_VERSIONS - len(kept), 0)]
    for name in newest:
        if name not in kept:
            doomed = temporary_beside(versions / name)  # out of sight before it is deleted
            os.replace(versions / name, doomed)
            shutil.rmtree(doomed, ignore_errors=True)


@contextlib.contextmanager
def writing_in(
    folder: Path, job_started: float, exclusive: bool = False, also: tuple[Path, ...] = ()
) -> Iterator[None]:
    """Hold ``folder`` (created if missing) for writing while the block runs, after removing the
    leftovers of killed writers from it and from the folders ``also`` when no other writer holds
    it (see the module docstring).

    Args:
        folder: the folder written in.
        job_started: when the job started (``time.time()``): leftovers changed since stay.
        exclusive: hold ``folder`` alone (publishers take turns); otherwise writers share it.
        also: more folders this folder's writers write in.
    """
    folder.mkdir(parents=True, exist_ok=True)
    if fcntl is None:
        yield
        return
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        if _lock_alone(descriptor, wait=exclusive):
            for written in (folder, *also):
                _remove_leftovers(written, job_started)
            if not exclusive:
                fcntl.flock(descriptor, fcntl.LOCK_SH)
        elif not exclusive:
            with contextlib.suppress(OSError):  # a file system without locks
                fcntl.flock(descriptor, fcntl.LOCK_SH)
        yield
    finally:
        os.close(descriptor)  # releases the lock


def _lock_alone(descriptor: int, wait: bool) -> bool:
    """Take an exclusive ``flock`` on ``descriptor`` (waiting for it if ``wait``): whether it is
    held, ``False`` when another writer holds it or the file system has no locks."""
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
    except OSError:  # BlockingIOError: another writer is busy here
        return False
    return True


def _remove_leftovers(folder: Path, job_started: float) -> None:
    """Remove the hidden temporaries in ``folder`` (names ending in one of
    :data:`TEMPORARY_SUFFIXES`) last changed before ``job_started``. Call it only while holding
    ``folder`` alone: their writers are gone then."""
    if not folder.is_dir():
        return
    for entry in folder.iterdir():
        if not (entry.name.startswith(".") and entry.name.endswith(TEMPORARY_SUFFIXES)):
            continue
        with contextlib.suppress(OSError):  # gone meanwhile, or not ours to remove: it stays
            if entry.lstat().st_mtime >= job_started:
                continue
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()


__all__ = ["KEPT_VERSIONS", "MANIFEST_FILE", "TEMPORARY_SUFFIXES", "publish_run", "writing_in"]
