"""TensorFlow's start-up lines stay off stderr; real warnings and errors do not."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from forecast._tf_logs import drop_startup_noise, filtered_stderr

ROOT = Path(__file__).resolve().parents[1]
BANNER = "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR"
NO_DRIVER = (
    "I0000 00:00:1796283584.523154   21146 cudart_stub.cc:31] Could not find cuda drivers on "
    "your machine, GPU will not be used."
)
ONEDNN = "I0000 00:00:1796283584.522828   21146 port.cc:153] oneDNN custom operations are on."
CUINIT = (
    "E0000 00:00:1796283590.606243   21146 cuda_platform.cc:52] failed call to cuInit: "
    "INTERNAL: CUDA error: Failed call to cuInit: UNKNOWN ERROR (303)"
)
#: what a TensorFlow start-up prints whatever TF_CPP_MIN_LOG_LEVEL says
NOISE = ("absl::InitializeLog", "cudart_stub", "cuda drivers", "cuInit", "oneDNN", "port.cc")


def _child_env(**extra: str) -> dict[str, str]:
    """This environment without TF_CPP_MIN_LOG_LEVEL (conftest sets it), the worktree first."""
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return {**env, **extra}


def test_drop_startup_noise_keeps_what_the_level_shows():
    real_error = "E0000 00:00:17.7 42 some_op.cc:7] Invalid argument: a real error"
    warning = "W0000 00:00:17.7 42 some_op.cc:9] a C++ warning"
    python = "/work/x.py:3: UserWarning: a real warning"
    lines = [BANNER, ONEDNN, NO_DRIVER, CUINIT, real_error, warning, python]
    assert drop_startup_noise(lines, 2) == [real_error, python]
    assert drop_startup_noise(lines, 1) == [real_error, warning, python]
    assert drop_startup_noise(lines, 0) == lines
    # with a driver present, a failing cuInit is a real error
    assert drop_startup_noise([CUINIT], 2) == [CUINIT]


def test_filtered_stderr_writes_back_all_but_the_noise(capfd):
    with filtered_stderr(2):
        os.write(2, f"{BANNER}\n{NO_DRIVER}\n{CUINIT}\nreal line\n".encode())
        print("python stderr", file=sys.stderr)  # pytest's sys.stderr: not descriptor 2
    assert sorted(capfd.readouterr().err.splitlines()) == ["python stderr", "real line"]


def test_filtered_stderr_writes_back_when_the_block_raises(capfd):
    with pytest.raises(ImportError), filtered_stderr(2):
        os.write(2, f"{ONEDNN}\nwhy the import failed\n".encode())
        raise ImportError("boom")
    assert capfd.readouterr().err == "why the import failed\n"


@pytest.mark.slow
def test_a_tensorflow_command_prints_no_startup_lines():
    """`forecast windows` imports TensorFlow (its tf.data check): stderr stays empty."""
    result = subprocess.run(
        [sys.executable, "-m", "forecast.app.cli", "windows", "electricity_hourly"]
        + ["--target", "y", "--input-width", "24", "--horizon", "24", "--stride", "24"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=_child_env(),
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "tf.data epoch 2" in result.stdout
    assert not [word for word in NOISE if word in result.stderr], result.stderr
    assert result.stderr == ""


@pytest.mark.slow
def test_real_warnings_pass_and_level_zero_shows_everything():
    code = (
        "import warnings, forecast, tensorflow as tf\n"
        "warnings.warn('a real warning')\n"
        "print(tf.constant(2.0).numpy())\n"
    )
    quiet = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=_child_env(), cwd=ROOT
    )
    assert quiet.stdout.strip() == "2.0"
    assert "UserWarning: a real warning" in quiet.stderr
    assert not [word for word in NOISE if word in quiet.stderr], quiet.stderr
    loud = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=_child_env(TF_CPP_MIN_LOG_LEVEL="0"),
        cwd=ROOT,
    )
    assert "UserWarning: a real warning" in loud.stderr
    assert "absl::InitializeLog" in loud.stderr  # the user asked for every line
