"""The package's shape: imports point down the layers, modules and functions stay small."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import forecast

PACKAGE = Path(forecast.__file__).parent
MAX_MODULE_LINES = 500
MAX_FUNCTION_CODE_LINES = 60
#: modules still over a limit, each being split; an entry that no longer applies fails the test
OVER_THE_LIMIT = {}


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def _dotted(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer_of(module: str) -> int:
    """0 for the foundation modules beside ``forecast/__init__.py``, then 1 + the index of the
    module's folder in :data:`forecast.LAYERS`."""
    parts = module.split(".")
    if len(parts) >= 2 and parts[1] in forecast.LAYERS:
        return 1 + forecast.LAYERS.index(parts[1])
    if len(parts) >= 2 and parts[1] in forecast._MODULE_ALIASES:
        return layer_of(f"forecast.{forecast._MODULE_ALIASES[parts[1]]}")
    if len(parts) == 1:
        return len(forecast.LAYERS) + 1  # the public API re-exports everything: the top
    return 0


def _imported(path: Path) -> list[tuple[int, str]]:
    """``(line, module)`` of every import of this package in a file, at any depth (lazy imports
    inside functions count too)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found += [
                (node.lineno, a.name) for a in node.names if a.name.split(".")[0] == "forecast"
            ]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "forecast":
                found += [(node.lineno, f"forecast.{a.name}") for a in node.names]
            elif node.module.split(".")[0] == "forecast":
                found.append((node.lineno, node.module))
    return found


def test_layer_of_reads_the_folders():
    assert layer_of("forecast.errors") == 0
    assert layer_of("forecast.data.layout") == 1
    assert layer_of("forecast.app.cli") == len(forecast.LAYERS)
    assert layer_of("forecast.metrics") == layer_of("forecast.evaluation.metrics")
    assert layer_of("forecast") > layer_of("forecast.app.cli")


def test_imports_point_down_the_layers():
    upward = []
    for path in _modules():
        if path == PACKAGE / "__init__.py":
            continue
        own = layer_of(_dotted(path))
        for line, module in _imported(path):
            if layer_of(module) > own:
                upward.append(f"{path.relative_to(PACKAGE.parent)}:{line} imports {module}")
    assert not upward, "imports from a layer above:\n" + "\n".join(upward)


def test_every_module_lives_in_a_layer_folder():
    for path in _modules():
        parts = path.relative_to(PACKAGE).parts
        assert len(parts) == 1 or parts[0] in forecast.LAYERS, path


def test_the_import_check_catches_an_upward_import(tmp_path):
    module = tmp_path / "bad.py"
    module.write_text("def f():\n    from forecast.app.runs import run_experiment\n")
    assert [m for _, m in _imported(module)] == ["forecast.app.runs"]
    assert layer_of("forecast.app.runs") > layer_of("forecast.data.layout")


def _code_lines(node: ast.AST, source: list[str]) -> int:
    docstring = set()
    body = getattr(node, "body", [])
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        docstring = set(range(body[0].lineno, body[0].end_lineno + 1))
    return sum(
        1
        for number in range(node.lineno, node.end_lineno + 1)
        if number not in docstring
        and source[number - 1].strip()
        and not source[number - 1].strip().startswith("#")
    )


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_modules_and_functions_stay_small(path):
    source = path.read_text().splitlines()
    problems = [f"{len(source)} lines"] if len(source) > MAX_MODULE_LINES else []
    problems += [
        f"{node.name} ({_code_lines(node, source)} lines of code)"
        for node in ast.walk(ast.parse("\n".join(source)))
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        and _code_lines(node, source) > MAX_FUNCTION_CODE_LINES
    ]
    assert not problems, f"{path.name} is over the limits: {problems}"


def test_tests_mirror_the_layers():
    tests = Path(__file__).parent
    folders = {p.name for p in tests.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))}
    assert folders <= set(forecast.LAYERS), folders - set(forecast.LAYERS)
