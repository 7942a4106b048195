"""The docs cannot rot: README.md's Python blocks run as written (in order, in one namespace, in
a fresh interpreter and working directory: the tour writes ``exported/`` and ``reports/``
there), its Layout
lists the layers in order, and every module or file path the READMEs and the benchmarks'
docstrings name exists."""

from __future__ import annotations

import ast
import importlib
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import forecast

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
#: the documents whose module and file paths must exist
DOCUMENTS = [README, ROOT / "configs" / "README.md", ROOT / "notebooks" / "README.md"]
_PYTHON_BLOCK = re.compile(r"^```python\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)


def python_blocks(text: str) -> list[tuple[int, str]]:
    """``(line, code)`` of every ```python block of a Markdown text, ``line`` being the line
    number (from 1) of the block's first line of code."""
    return [
        (text.count("\n", 0, match.start(1)) + 1, match.group(1))
        for match in _PYTHON_BLOCK.finditer(text)
    ]


def run_blocks(blocks: list[tuple[int, str]], namespace: dict, filename: str) -> None:
    """Execute the blocks in order in ``namespace``; a traceback names the README's own line."""
    for line, code in blocks:
        exec(compile("\n" * (line - 1) + code, filename, "exec"), namespace)


def test_python_blocks_are_found_with_their_lines():
    text = "# t\n```python\nx = 1\n```\n\n```bash\nls\n```\n```python\ny = x + 1\nz = y\n```\n"
    blocks = python_blocks(text)
    assert blocks == [(3, "x = 1\n"), (10, "y = x + 1\nz = y\n")]
    namespace: dict = {}
    run_blocks(blocks, namespace, "example.md")
    assert namespace["z"] == 2
    with pytest.raises(NameError) as error:
        run_blocks(python_blocks("```python\n\nundefined\n```\n"), {}, "example.md")
    frame = error.value.__traceback__
    while frame.tb_next is not None:
        frame = frame.tb_next
    assert (frame.tb_frame.f_code.co_filename, frame.tb_lineno) == ("example.md", 3)


@pytest.mark.slow
def test_every_python_block_of_the_readme_runs(tmp_path):
    """In a fresh interpreter (``tests/readme_runner.py``), as a reader runs them."""
    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "readme_runner.py"), str(README)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=1800,
    )  # fmt: skip
    assert done.returncode == 0, f"the README failed:\n{done.stderr[-6000:]}"
    assert "README: 8 blocks ran, the tour's claims hold" in done.stdout


def check_the_tour(namespace: dict, workdir: Path) -> None:
    """The tour's own claims, on the namespace its blocks ran in (``workdir``: where they ran)."""
    # The baseline scored on the LSTM's windows (with calendar columns) forecasts "same hour
    # yesterday", and the exported model serves the fitted one's forecasts.
    windows, baseline, lstm = namespace["windows"], namespace["baseline"], namespace["lstm"]
    assert windows.calendar_columns and baseline.input_columns_ == ("y",)
    x_test, y_test = windows.arrays("test")
    np.testing.assert_allclose(
        baseline.forecast_windows(windows, "test")[:, :, 0], x_test["past"][:, -24:, 0]
    )
    assert namespace["past"].shape[1:] == (168, 5) and namespace["future"].shape[1:] == (24, 4)
    np.testing.assert_allclose(
        namespace["served"].predict_arrays(namespace["past"], namespace["future"]),
        lstm.forecast_windows(windows, "test"),
        rtol=1e-4,
        atol=1e-2,
    )
    # make_windows with its defaults cuts windows both models read (calendar="auto" in both),
    # and forecasts them as they forecast the LSTM's own cut at the same origins
    default_cut = forecast.make_windows(
        namespace["frame"], forecast.WindowSpec(168, 24), target="y", split=forecast.Split(0.2, 0.1)
    )
    assert default_cut.input_columns == windows.input_columns
    rows = default_cut.origin_index("test")["row"].to_numpy()
    common = np.flatnonzero(np.isin(rows, windows.origin_index("test")["row"].to_numpy()))
    assert len(common) == windows.n_windows("test")  # every midnight is in the default cut
    for model in (lstm, baseline):
        np.testing.assert_allclose(
            model.forecast_windows(default_cut, "test")[common],
            model.forecast_windows(windows, "test"),
            rtol=1e-5,
        )
    assert set(namespace["comparison"].leaderboard.index) == {"SeasonalNaive", "Linear", "LSTM"}
    assert (workdir / "reports" / "electricity" / "report.md").is_file()
    assert (workdir / "exported" / "lstm_electricity" / "saved_model.pb").is_file()
    # the static what-if forecasts the last afternoon of every car park, in opening hours
    bigger = namespace["bigger"]
    steps = bigger.index.get_level_values(1)
    assert bigger.index.get_level_values(0).nunique() == 3 and len(bigger) == 3 * 8
    assert (steps.strftime("%H:%M").min(), steps.strftime("%H:%M").max()) == ("13:00", "16:30")


def documentation() -> dict[str, str]:
    """The READMEs and the benchmarks' module docstrings, by file name."""
    texts = {str(path.relative_to(ROOT)): path.read_text() for path in DOCUMENTS}
    for script in sorted((ROOT / "benchmarks").glob("*.py")):
        texts[str(script.relative_to(ROOT))] = (
            ast.get_docstring(ast.parse(script.read_text())) or ""
        )
    return texts


#: ``forecast.x.y`` (not a file name such as ``assets/forecast.json``)
_DOTTED = re.compile(r"(?<![\w/.~$-])forecast(?:\.\w+)+")
#: a path in the repository (not ``~/.cache/forecast/xla``)
_REPOSITORY_PATH = re.compile(
    r"(?<![\w/.~$-])(?:forecast|tests|benchmarks|configs|notebooks)/[\w/.-]*\w"
)


def resolve(dotted: str) -> object:
    """The module or attribute a dotted name names, importing modules as needed."""
    parts = dotted.split(".")
    found = importlib.import_module(parts[0])
    for depth, part in enumerate(parts[1:], start=2):
        try:
            found = getattr(found, part)
        except AttributeError:
            found = importlib.import_module(".".join(parts[:depth]))
    return found


def test_module_and_file_paths_in_the_docs_exist():
    missing = []
    for name, text in documentation().items():
        for dotted in sorted(set(_DOTTED.findall(text))):
            try:
                resolve(dotted)
            except (ImportError, AttributeError) as error:
                missing.append(f"{name}: {dotted} ({error})")
        missing += [
            f"{name}: {path}"
            for path in sorted(set(_REPOSITORY_PATH.findall(text)))
            if not (ROOT / path).exists()
        ]
    assert not missing, "stale paths:\n" + "\n".join(missing)


def test_the_path_patterns_skip_file_names_and_outside_paths():
    text = (
        "`forecast.metrics.mae`, assets/forecast.json, ~/.cache/forecast/xla, forecast/app/cli.py"
    )
    assert _DOTTED.findall(text) == ["forecast.metrics.mae"]
    assert _REPOSITORY_PATH.findall(text) == ["forecast/app/cli.py"]
    with pytest.raises(ImportError):
        resolve("forecast.no_such_module")


def test_the_layout_lists_the_layers_in_order():
    layout = README.read_text().split("## Layout\n", 1)[1].split("\n## ", 1)[0]
    listed = re.findall(r"^  (\w+)/ +(\d)\. ", layout, flags=re.MULTILINE)
    assert listed == [(layer, str(n)) for n, layer in enumerate(forecast.LAYERS, start=1)]
    folders = {p.parent.name for p in Path(forecast.__file__).parent.glob("*/__init__.py")}
    assert folders == set(forecast.LAYERS)
