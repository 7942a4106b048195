"""The notebooks in notebooks/: committed without outputs, public API only, prose that states
no result figures of its own (the code cells print them), and each one runs top to bottom in
fast mode (``FORECAST_NOTEBOOK_FAST=1``) in a kernel of this environment."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

import nbformat  # the test extra installs nbformat, nbclient and ipykernel: CI must run these
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
KERNEL_NAME = "forecast-notebooks"
#: Longest a single cell may run in fast mode (the notebooks take a minute or two in all).
CELL_TIMEOUT = 600
KERNEL_LAUNCHER = (
    "import os; os.environ.pop('PYTEST_CURRENT_TEST', None); "
    "from ipykernel import kernelapp; kernelapp.launch_new_instance()"
)
#: words of the lines TensorFlow prints as it starts, which no notebook output may show
TENSORFLOW_STARTUP = ("absl::InitializeLog", "cudart_stub", "cuda drivers", "cuInit")


def _ids(paths):
    return [p.stem for p in paths]


def _code_cells(path: Path) -> list[str]:
    notebook = nbformat.read(path, as_version=4)
    return [cell.source for cell in notebook.cells if cell.cell_type == "code"]


def _python_of(source: str) -> str:
    """A code cell's source without IPython magics and shell escapes, for ``ast``."""
    return "\n".join(
        "" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines()
    )


def test_the_notebooks_exist():
    assert [p.name for p in NOTEBOOKS] == [
        "01_quickstart.ipynb",
        "02_analyse_a_run.ipynb",
        "03_many_series.ipynb",
        "04_why_gates.ipynb",
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_committed_notebooks_have_no_outputs(path):
    """Outputs stay out of git so that diffs show the code and prose only."""
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    dirty = [
        i
        for i, cell in enumerate(notebook.cells)
        if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None)
    ]
    assert not dirty, (
        f"{path.name}: cells {dirty} hold outputs or execution counts; clear them before "
        "committing (Jupyter: Edit > Clear Outputs of All Cells, or "
        "`jupyter nbconvert --clear-output --inplace notebooks/*.ipynb`)"
    )
    assert not notebook.metadata.get("widgets"), f"{path.name}: widget state in the metadata"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebooks_use_the_public_api_only(path):
    """No ``forecast._private`` module and no private name of the package."""
    import forecast

    public_modules = {
        "forecast",
        "forecast.batch",
        "forecast.metrics",
        "forecast.networks",
        "forecast.plots",
        "forecast.spark",
    }
    for source in _code_cells(path):
        tree = ast.parse(_python_of(source))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
                if node.module == "forecast":
                    private = [a.name for a in node.names if a.name not in forecast.__all__]
                    assert not private, (
                        f"{path.name} imports non-public names {private} from forecast"
                    )
            else:
                continue
            for name in names:
                if name == "forecast" or name.startswith("forecast."):
                    assert name in public_modules, (
                        f"{path.name} imports {name}, not a public module"
                    )
        used = set(re.findall(r"\bforecast\.([A-Za-z_]\w*)", _python_of(source)))
        unknown = sorted(
            n for n in used if n not in forecast.__all__ and f"forecast.{n}" not in public_modules
        )
        assert not unknown, f"{path.name} uses forecast.{unknown}, which are not public"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebooks_read_fast_mode_first(path):
    """The first code cell reads FORECAST_NOTEBOOK_FAST, so CI can shrink every notebook."""
    assert 'os.environ.get("FORECAST_NOTEBOOK_FAST") == "1"' in _code_cells(path)[0]


_NUMBER_WORDS = (
    r"(?:two|three|four|five|six|seven|eight|nine|ten|twenty|fifty|hundreds?|thousands?"
    r"|a few hundred|a few thousand|tens? of thousands)"
)
#: What a result figure looks like in prose (issue 18: "best validation loss at epoch 11 of
#: 12" beside an output of 30 epochs, "the mean error is about 2 kW" beside -12.7). Integers
#: alone (a horizon of 24, 8 half hours, 2016, 13:00) are the notebook's settings and dates.
RESULT_FIGURES = {
    "a decimal number": r"(?<![\w.])\d+\.\d+(?![\w.])",
    "a percentage": r"\d+(?:\.\d+)?\s*(?:%|percent\b)",
    "an epoch number": r"\bepochs?\s+\d+|\b\d+(?:st|nd|rd|th)?\s+epochs?\b",
    "an ordinal": r"\b\d+(?:st|nd|rd|th)\b",
    "a ratio": rf"\b(?:\d+|{_NUMBER_WORDS})\s*(?:times\b|-fold\b|x\s+(?:better|worse))",
    "a value in a unit": r"\b\d+\s*(?:kW|µg/m³|points|percentage points)(?!\w)",
    "a metric's value": (
        r"\b(?:MAE|RMSE|MASE|sMAPE|MAPE|bias|skill|autocorrelation|p-value|loss|accuracy)"
        r"\s+(?:of\s+|at\s+|about\s+|is\s+|was\s+|=\s*|~\s*)?-?\d"
    ),
    "an approximate figure": r"\b(?:about|roughly|around|close to|nearly|almost|some)\s+-?\d",
    "another run's result": r"\b(?:in|of) the full (?:`make demo` )?run\b",
}
_RESULT_FIGURE = re.compile(
    "|".join(f"(?P<rule{i}>{rule})" for i, rule in enumerate(RESULT_FIGURES.values())),
    re.IGNORECASE,
)
#: Allowed: code (fenced or in backticks: parameter values such as `clipnorm=1.0`, formulas
#: such as `±1.96/√n`) and link targets.
_ALLOWED = re.compile(r"```.*?```|`[^`\n]*`|\]\([^)]*\)", re.DOTALL)


def result_figures(markdown: str) -> list[tuple[str, str]]:
    """``(kind, text)`` of every result figure a Markdown text states outside code."""
    text = _ALLOWED.sub(" ", markdown)
    kinds = list(RESULT_FIGURES)
    return [
        (kinds[int(match.lastgroup.removeprefix("rule"))], match.group(0))
        for match in _RESULT_FIGURE.finditer(text)
    ]


@pytest.mark.parametrize(
    "sentence",
    [
        "both networks had their best validation loss at epoch 11 of 12",
        "the LSTM's errors are centred (mean about 2 kW)",
        "the LSTM at 79.1 kW is 7.9% better than the ridge regression",
        "its best epoch was the 25th",
        "In the full run the winner is the ridge regression",
        "`Naive` is ten times worse than the rest",
        "MAE about 3.6 points, a skill of 12 percent",
        "the autocorrelation starts at about 0.75 at lag 1",
        "lag-24 autocorrelation close to 0",
    ],
)
def test_the_rule_finds_result_figures(sentence):
    assert result_figures(sentence), sentence


@pytest.mark.parametrize(
    "sentence",
    [
        "We read one week (168 hours) to forecast the next day (24 hours).",
        "every day at 13:00 from 28 November 2016, each model forecasts 8 half hours",
        "clipped at `clipnorm=1.0` with `learning_rate=3e-3`, outside the band `±1.96/√n`",
        "MASE (`1.0` = as good as the seasonal naive), see [the report](report/report.md)",
        "The line printed below says how far `Naive` is behind the best model.",
    ],
)
def test_the_rule_allows_settings_dates_and_code(sentence):
    assert result_figures(sentence) == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_markdown_states_no_result_figures_of_its_own(path):
    """A figure in the prose must come from the notebook's own output: a code cell prints it
    (or a sentence computed from the values), so text and outputs cannot disagree."""
    notebook = nbformat.read(path, as_version=4)
    found = [
        f"cell {i}: {kind} ({text!r})"
        for i, cell in enumerate(notebook.cells)
        if cell.cell_type == "markdown"
        for kind, text in result_figures(cell.source)
    ]
    assert not found, (
        f"{path.name} states results in its markdown; print them from a code cell instead "
        "(settings may stay, in backticks):\n" + "\n".join(found)
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebooks_import_forecast_before_tensorflow(path):
    """``import forecast`` comes before Keras and TensorFlow, so that TensorFlow's start-up
    lines are filtered (:mod:`forecast._tf_logs`) instead of showing as a red stderr block."""
    imports = []
    for source in _code_cells(path):
        for node in ast.walk(ast.parse(_python_of(source))):
            if isinstance(node, ast.Import):
                imports += [(node.lineno, alias.name.split(".")[0]) for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                imports.append((node.lineno, node.module.split(".")[0]))
        if imports:
            break  # the first cell that imports anything decides
    roots = [root for _, root in sorted(imports)]
    heavy = [i for i, root in enumerate(roots) if root in ("keras", "tensorflow")]
    if heavy:
        assert "forecast" in roots[: heavy[0]], (
            f"{path.name}: import forecast before {roots[heavy[0]]}"
        )


@pytest.fixture(scope="module")
def kernels_dir(tmp_path_factory) -> Path:
    """A kernel spec of *this* environment's Python (not whatever ``python3`` kernel is
    installed), headless, in fast mode."""
    import ipykernel  # noqa: F401  (the kernel below runs this environment's Python)

    kernels = tmp_path_factory.mktemp("jupyter") / "kernels"
    (kernels / KERNEL_NAME).mkdir(parents=True)
    spec = {
        # ipykernel_launcher, but forwarding what C code writes to descriptors 1 and 2 to the
        # notebook as Jupyter does (ipykernel does not inside pytest, PYTEST_CURRENT_TEST)
        "argv": [sys.executable, "-c", KERNEL_LAUNCHER, "-f", "{connection_file}"],
        "display_name": "forecast notebooks (test)",
        "language": "python",
        "env": {
            "FORECAST_NOTEBOOK_FAST": "1",
            "MPLBACKEND": "Agg",
            # no TF_CPP_MIN_LOG_LEVEL: the notebooks run with what `import forecast` sets
            "FORECAST_CONFIG": str(ROOT / "configs" / "electricity.yaml"),
            "FORECAST_RUN_DIR": "",  # 02 makes its own quick run in its temporary folder
            "FORECAST_MODEL": "",
        },
    }
    (kernels / KERNEL_NAME / "kernel.json").write_text(json.dumps(spec))
    return kernels


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebook_runs_in_fast_mode(path, tmp_path, kernels_dir):
    """Execute every cell, in a process of its own (tests/notebook_runner.py: the kernel
    client's sockets and threads never live in the pytest process); the working folder is a
    temporary one, so runs/ and exported/ never land in the repository."""
    executed = tmp_path / "executed.ipynb"
    run = subprocess.run(
        [
            sys.executable,
            str(Path(__file__).with_name("notebook_runner.py")),
            str(path),
            str(kernels_dir),
            KERNEL_NAME,
            str(tmp_path),
            str(executed),
            str(CELL_TIMEOUT),
        ],
        capture_output=True,
        text=True,
        timeout=CELL_TIMEOUT * 4,
    )
    assert run.returncode == 0, f"{path.name} failed:\n{run.stderr[-5000:]}"
    print(f"{path.name}: {run.stdout.strip()} s in fast mode")
    notebook = nbformat.read(executed, as_version=4)
    errors = [
        output
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if output.output_type == "error"
    ]
    assert not errors
    startup = [
        line
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if output.output_type == "stream" and output.name == "stderr"
        for line in output.text.splitlines()
        if any(word in line for word in TENSORFLOW_STARTUP)
    ]
    assert not startup, f"{path.name}: TensorFlow's start-up lines on stderr: {startup}"
