"""The files of an export beside its graph: ``assets/forecast.json``, read and checked without
TensorFlow, and the check that the graph and weights are there (see
:mod:`forecast.serving.export`).

Example:
    >>> import tempfile
    >>> read_metadata(tempfile.mkdtemp())  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    FileNotFoundError: ... is not a forecast export (no assets/forecast.json)
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from forecast._version import __version__

METADATA_FILE = "forecast.json"
FORMAT_VERSION = 1
#: The metadata format versions :func:`~forecast.serving.export.load` reads.
SUPPORTED_FORMAT_VERSIONS = (1,)


def read_metadata(path: str | os.PathLike) -> dict[str, Any]:
    """The metadata of the export at ``path`` (``assets/forecast.json``), read without
    TensorFlow and checked: present, valid JSON, and of a ``format_version`` this package reads.

    Raises:
        FileNotFoundError: ``path`` is not a forecast export.
        ValueError: the metadata is truncated, not an object, or of an unknown format version
            (each message names the file).
    """
    meta_path = Path(path) / "assets" / METADATA_FILE
    if not meta_path.is_file():
        raise FileNotFoundError(f"{path} is not a forecast export (no assets/{METADATA_FILE})")
    try:
        metadata = json.loads(meta_path.read_text())
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{meta_path}: not valid JSON ({exc}); the export is damaged") from None
    if not isinstance(metadata, dict):
        raise ValueError(f"{meta_path}: expected a JSON object; the export is damaged")
    version = metadata.get("format_version")
    if version not in SUPPORTED_FORMAT_VERSIONS:
        raise ValueError(
            f"{meta_path}: format_version {version!r} is not one this version of forecast "
            f"({__version__}) reads ({list(SUPPORTED_FORMAT_VERSIONS)}); export the model again "
            "with this version, or load it with the version that wrote it"
        )
    return metadata


def check_saved_model_files(path: Path) -> None:
    """Refuse an export whose graph or weights are missing, before TensorFlow reads it."""
    graph = path / "saved_model.pb"
    if not graph.is_file() or graph.stat().st_size == 0:
        raise ValueError(f"{graph}: missing or empty; the export is damaged")
    variables = path / "variables"
    if not variables.is_dir() or not (variables / "variables.index").is_file():
        raise ValueError(
            f"{variables}: missing (or without variables.index); the export is damaged"
        )
