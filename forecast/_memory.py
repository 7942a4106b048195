"""Keep the streaming pipeline's memory bounded under glibc's allocator.

``tf.data`` allocates a few-MB buffer per batch on worker threads. glibc raises its mmap
threshold dynamically after such buffers are freed, after which they are carved from per-thread
heaps that are never handed back: resident memory creeps up by tens of MB during a pass
without being in use. Fixing the threshold at glibc's default (128 KiB) turns that dynamic
raising off, so freed batch buffers go back to the operating system.

The setting is process-wide (it only affects how large blocks are obtained) and is applied
once, when the first ``tf.data`` pipeline is built. Set ``FORECAST_KEEP_MALLOC=1`` to leave the
allocator alone.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys

_M_MMAP_THRESHOLD = -3
_DEFAULT_THRESHOLD = 128 * 1024
_applied = False


def bound_heap_growth() -> bool:
    """Fix glibc's mmap threshold (once per process); returns whether it is in effect."""
    global _applied
    if _applied:
        return True
    if os.environ.get("FORECAST_KEEP_MALLOC") or not sys.platform.startswith("linux"):
        return False
    if "MALLOC_MMAP_THRESHOLD_" in os.environ:  # the user chose already
        return False
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc (musl, ...)
        return False
    _applied = bool(mallopt(_M_MMAP_THRESHOLD, _DEFAULT_THRESHOLD))
    return _applied
