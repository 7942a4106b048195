"""The notebooks in notebooks/: committed without outputs, public API only, and each one runs
top to bottom in fast mode (``FORECAST_NOTEBOOK_FAST=1``) in a kernel of this environment."""

from __future__ import annotations

import ast
import json
import re
import sys
import time
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
def kernel_manager_factory(tmp_path_factory):
    """Kernels of *this* environment's Python (not whatever ``python3`` kernel is installed),
    headless, in fast mode."""
    import ipykernel  # noqa: F401  (the kernel below runs this environment's Python)
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager

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

    def make():
        specs = KernelSpecManager(kernel_dirs=[str(kernels)])
        return KernelManager(kernel_name=KERNEL_NAME, kernel_spec_manager=specs)

    return make


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebook_runs_in_fast_mode(path, tmp_path, kernel_manager_factory):
    """Execute every cell; the working folder is a temporary one, so runs/ and exported/
    never land in the repository."""
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        km=kernel_manager_factory(),
        timeout=CELL_TIMEOUT,
        resources={"metadata": {"path": str(tmp_path)}},
    )
    started = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - started
    print(f"{path.name}: {seconds:.0f} s in fast mode")
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
