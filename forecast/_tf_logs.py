"""Keep TensorFlow's start-up chatter off stderr, without hiding anything else.

Importing TensorFlow prints, on every command and as red stderr blocks in notebooks::

    WARNING: All log messages before absl::InitializeLog() is called are written to STDERR
    I0000 00:00:1712.. 123 port.cc:153] oneDNN custom operations are on. ...
    I0000 00:00:1712.. 123 cudart_stub.cc:31] Could not find cuda drivers on your machine, ...
    E0000 00:00:1712.. 123 cuda_platform.cc:52] failed call to cuInit: ... (303)

``TF_CPP_MIN_LOG_LEVEL`` does not reach the first three: TensorFlow's C++ code logs them
through absl before ``absl::InitializeLog()`` runs, when absl writes everything straight to
file descriptor 2; the last one is an error that only says, again, that there is no GPU driver.

:func:`quiet_tensorflow_startup` (called by ``import forecast``) therefore

* sets ``TF_CPP_MIN_LOG_LEVEL=2`` (C++ warnings and info off, errors on) unless the user set
  it: set it to ``0`` to see every line TensorFlow logs, this module then drops nothing;
* installs a one-shot import hook: whoever imports ``tensorflow`` first (Keras, this package,
  the user's notebook), the import runs with file descriptor 2 sent to a temporary file, the
  devices are listed there too (where ``cuInit`` fails), and the captured text is then written
  back to stderr *except* the lines TensorFlow itself would have dropped at that level
  (:func:`drop_startup_noise`). Python warnings, tracebacks and every other line pass.

Python's own logging (the ``tensorflow`` logger, absl-py at its default ``WARNING``) and the
:mod:`warnings` module are left as they are. When TensorFlow was imported before this
package, it is too late: nothing is captured.

Example:
    >>> lines = [
    ...     "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR",
    ...     "I0000 00:00:17.5 42 cudart_stub.cc:31] Could not find cuda drivers on your machine",
    ...     "E0000 00:00:17.6 42 cuda_platform.cc:52] failed call to cuInit: UNKNOWN ERROR (303)",
    ...     "E0000 00:00:17.7 42 some_op.cc:7] a real error",
    ...     "/x.py:3: UserWarning: a real warning",
    ... ]
    >>> drop_startup_noise(lines, min_level=2)
    ['E0000 00:00:17.7 42 some_op.cc:7] a real error', '/x.py:3: UserWarning: a real warning']
    >>> len(drop_startup_noise(lines, min_level=0))  # TF_CPP_MIN_LOG_LEVEL=0: everything
    5
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import tempfile
from collections.abc import Iterator, Sequence
from importlib import abc as _abc
from importlib import machinery as _machinery

#: the level this package sets when the user has not: C++ errors only
DEFAULT_LEVEL = "2"
#: absl's banner before its first pre-initialisation line
_BANNER = "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR"
#: an absl/glog line: severity letter, date, time, thread, file:line]
_LOG_LINE = re.compile(r"^([IWEF])\d{4} [\d:.]+\s+\d+ [^\s\]]+:\d+\] ")
_SEVERITY = {"I": 0, "W": 1, "E": 2, "F": 3}
#: the lines that say there is no GPU driver, and the error that only repeats it
_NO_DRIVER = "Could not find cuda drivers"
_NO_DRIVER_ERROR = "failed call to cuInit"


def quiet_tensorflow_startup() -> None:
    """Set ``TF_CPP_MIN_LOG_LEVEL`` (unless set) and filter TensorFlow's start-up lines
    (see the module docstring). Does nothing once TensorFlow is imported."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", DEFAULT_LEVEL)
    if "tensorflow" in sys.modules or _min_level() == 0:
        return
    if not any(isinstance(finder, _QuietTensorFlowFinder) for finder in sys.meta_path):
        sys.meta_path.insert(0, _QuietTensorFlowFinder())


def drop_startup_noise(lines: Sequence[str], min_level: int) -> list[str]:
    """The captured ``lines`` without those TensorFlow would not have logged at
    ``TF_CPP_MIN_LOG_LEVEL=min_level``: absl lines of a lower severity, absl's banner, and the
    ``cuInit`` error when the lines also say there is no GPU driver. Nothing is dropped at
    level 0; a line that is not an absl log line is always kept."""
    if min_level <= 0:
        return list(lines)
    no_driver = any(_NO_DRIVER in line for line in lines)
    kept = []
    for line in lines:
        match = _LOG_LINE.match(line)
        if line.rstrip("\r\n") == _BANNER:
            continue
        if match and _SEVERITY[match.group(1)] < min_level:
            continue
        if match and no_driver and _NO_DRIVER_ERROR in line and match.group(1) != "F":
            continue
        kept.append(line)
    return kept


@contextlib.contextmanager
def filtered_stderr(min_level: int) -> Iterator[None]:
    """Send file descriptor 2 to a temporary file for the block, then write what it caught
    back to stderr without TensorFlow's start-up noise (:func:`drop_startup_noise`), also
    when the block raises."""
    try:
        stderr_fd = sys.__stderr__.fileno() if sys.__stderr__ is not None else 2
    except (AttributeError, OSError, ValueError):  # no real stderr (e.g. a frozen app)
        yield
        return
    _flush()
    saved = os.dup(stderr_fd)
    with tempfile.TemporaryFile(mode="w+b") as captured:
        os.dup2(captured.fileno(), stderr_fd)
        try:
            yield
        finally:
            _flush()
            os.dup2(saved, stderr_fd)
            os.close(saved)
            captured.seek(0)
            text = captured.read().decode("utf-8", errors="replace")
            kept = drop_startup_noise(text.splitlines(keepends=True), min_level)
            if kept:
                os.write(stderr_fd, "".join(kept).encode("utf-8"))


def _min_level() -> int:
    """``TF_CPP_MIN_LOG_LEVEL`` as a number (TensorFlow reads a non-number as 0)."""
    try:
        return int(os.environ.get("TF_CPP_MIN_LOG_LEVEL", DEFAULT_LEVEL))
    except ValueError:
        return 0


def _flush() -> None:
    for stream in (sys.stdout, sys.stderr, sys.__stderr__):
        with contextlib.suppress(AttributeError, OSError, ValueError):
            stream.flush()


class _QuietTensorFlowFinder(_abc.MetaPathFinder):
    """Finds the real ``tensorflow`` package and wraps its loader in :class:`_QuietLoader`;
    removes itself from ``sys.meta_path`` once used."""

    def find_spec(self, fullname: str, path=None, target=None):
        if fullname != "tensorflow":
            return None
        with contextlib.suppress(ValueError):
            sys.meta_path.remove(self)
        spec = _machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None:
            return spec
        spec.loader = _QuietLoader(spec.loader)
        return spec


class _QuietLoader(_abc.Loader):
    """The ``tensorflow`` package's own loader, run inside :func:`filtered_stderr`; the
    devices are listed there too (the ``cuInit`` call). Other attributes are the wrapped
    loader's (resource readers, ``is_package``, ...)."""

    def __init__(self, loader) -> None:
        self._loader = loader

    def __getattr__(self, name: str):
        return getattr(self._loader, name)

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module) -> None:
        with filtered_stderr(_min_level()):
            self._loader.exec_module(module)
            with contextlib.suppress(Exception):  # a broken GPU setup is TensorFlow's to report
                module.config.list_physical_devices()
