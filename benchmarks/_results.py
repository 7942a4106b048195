"""A benchmark's results file: JSON, written atomically with the usual permissions, and the
machine it was measured on."""

from __future__ import annotations

import json
import os
import platform
from collections.abc import Sequence
from pathlib import Path
from typing import Any


def write_results(path: Path, payload: dict[str, Any]) -> None:
    """Write ``payload`` as indented JSON to ``path`` (a reader never sees half a file)."""
    from forecast._files import atomic_file  # imported late: the windowing benchmark times imports

    with atomic_file(Path(path)) as temporary:
        temporary.write_text(json.dumps(payload, indent=2) + "\n")


def machine(
    packages: Sequence[str] = ("forecast", "tensorflow", "keras", "numpy", "pandas"),
) -> dict:
    """Python, platform, CPU count and the installed versions of ``packages`` (``None`` when
    one is not installed), read from the package metadata without importing them."""
    from importlib.metadata import PackageNotFoundError, version

    versions = {}
    for name in packages:
        try:
            versions[name] = version(name)
        except PackageNotFoundError:
            versions[name] = None
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        **versions,
    }


def parse_setting(text: str) -> tuple[str, object]:
    """A ``--set key=value`` argument: the value as a Python literal when it is one, else the
    string (``units=(32,)`` -> ``("units", (32,))``, ``loss=mse`` -> ``("loss", "mse")``)."""
    import ast

    key, _, value = text.partition("=")
    try:
        return key, ast.literal_eval(value)
    except (ValueError, SyntaxError):
        return key, value
