"""Run README.md's Python blocks as written and check the tour's claims: run as a script, in a
process of its own, by ``tests/test_readme.py``.

A fresh interpreter is what a reader runs the README in, and it keeps the README's trainings
out of the pytest process: at the end of a long suite (1,300 tests' TensorFlow graphs, Spark's
py4j gateway threads still alive) the README's first fit crashed the whole suite with a
segmentation fault inside TensorFlow's dataset iterator (a local ``make test``, and CI once
before with the notebooks' kernel threads alive).

Usage: ``python tests/readme_runner.py README`` (in the working directory the tour writes to).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from test_readme import check_the_tour, python_blocks, run_blocks  # noqa: E402


def main(argv: list[str]) -> int:
    (readme,) = argv
    blocks = python_blocks(Path(readme).read_text())
    assert len(blocks) == 8, f"expected the README's 8 Python blocks, found {len(blocks)}"
    namespace: dict = {"__name__": "readme"}
    run_blocks(blocks, namespace, readme)
    check_the_tour(namespace, Path.cwd())
    print(f"README: {len(blocks)} blocks ran, the tour's claims hold")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
