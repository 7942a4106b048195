"""A benchmark's results file: JSON, written atomically with the usual permissions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def write_results(path: Path, payload: dict[str, Any]) -> None:
    """Write ``payload`` as indented JSON to ``path`` (a reader never sees half a file)."""
    from forecast._files import atomic_file  # imported late: the windowing benchmark times imports

    with atomic_file(Path(path)) as temporary:
        temporary.write_text(json.dumps(payload, indent=2) + "\n")
