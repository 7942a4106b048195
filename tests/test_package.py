"""Package-level promises: Keras on TensorFlow, lazy TensorFlow import, the command line."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

import forecast
from forecast.app.cli import main


def test_version_and_backend():
    assert forecast.__version__.count(".") == 2
    assert os.environ["KERAS_BACKEND"] == "tensorflow"


def run_python(code: str) -> str:
    env = {**os.environ, "KERAS_BACKEND": "jax"}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    return result.stdout.strip()


def test_import_does_not_load_tensorflow_and_forces_its_backend():
    out = run_python(
        "import sys, forecast, os; print('tensorflow' in sys.modules, os.environ['KERAS_BACKEND'])"
    )
    assert out == "False tensorflow"


def test_module_paths_of_the_readme_are_attributes_after_import_forecast():
    """Issue 18: ``forecast.metrics.mae(...)`` after a bare ``import forecast`` (the README's
    tour) is the evaluation module's, imported on first use and still without TensorFlow."""
    out = run_python(
        "import sys, forecast\n"
        "print(forecast.metrics.mae([1.0, 2.0], [1.5, 3.0]), forecast.metrics.__name__,\n"
        "      forecast.plots.__name__, 'tensorflow' in sys.modules)"
    )
    assert out == "0.75 forecast.evaluation.metrics forecast.evaluation.plots False"


def test_cli_lists_datasets(capsys):
    assert main(["datasets"]) == 0
    out = capsys.readouterr().out
    assert "electricity_hourly" in out and "parking_birmingham" in out and "30min" in out


def test_cli_windows_prints_what_it_built(capsys):
    code = main(
        [
            "windows",
            "electricity_hourly",
            "--target",
            "y",
            "--input-width",
            "168",
            "--horizon",
            "24",
            "--calendar",
            "hour",
        ]
    )
    assert code == 0
    out = capsys.readouterr().out
    assert re.search(r"train\s+18221\s+1\s+2012-01-08", out)
    assert re.search(r"test\s+2609\s+1\s+2014-09-13 08:00:00\s+2014-12-31", out)
    assert "tf.data epoch 2" in out


def test_cli_reports_user_errors_without_a_traceback(capsys):
    code = main(
        [
            "windows",
            "electricity_hourly",
            "--target",
            "load",
            "--input-width",
            "4",
            "--horizon",
            "2",
        ]
    )
    assert code == 2
    err = capsys.readouterr().err
    assert "target column not found" in err and "Traceback" not in err


@pytest.mark.slow
def test_console_script_help_is_quick():
    script = os.path.join(os.path.dirname(sys.executable), "forecast")
    result = subprocess.run([script, "--help"], capture_output=True, text=True, check=True)
    assert "windows" in result.stdout and "datasets" in result.stdout
