"""The installed command, run as a user would: in a subprocess.

The command is the one installed beside the interpreter running the tests (a venv's python
finds its own `policycalc` whether or not the venv is activated), never one found on PATH.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT

COMMAND = str(Path(sys.executable).parent / "policycalc")


def run(*args: str, **kwargs) -> subprocess.CompletedProcess[str]:
    return subprocess.run([COMMAND, *args], capture_output=True, text=True, check=False, **kwargs)


def test_installed_command_runs_the_bundled_example():
    result = run("estimate", str(ROOT / "examples" / "kunming-cell.toml"), "--as-of",
                 "2023-06-30", "--format", "json", cwd="/")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["awards"]


def test_python_dash_m_and_help():
    result = subprocess.run([sys.executable, "-m", "policycalc", "--help"],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0 and "estimate" in result.stdout


def test_bad_input_gives_no_traceback():
    result = run("estimate", "/dev/null")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and result.stderr.startswith("Error: ")


def test_option_errors_are_one_line_with_exit_2():
    result = run("estimate", "x.toml", "--format", "xml")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and "'xml'" in lines[0]


def test_bundled_examples_and_scenarios_work_from_any_folder(tmp_path):
    # After `pip install .` there is no examples/ or scenarios/ where the user is.
    result = run("check", "--quiet", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert " 0 failed" in result.stdout.splitlines()[-1]
    estimate = run("estimate", "examples/kunming-cell.toml", "--as-of", "2023-06-30", "-f",
                   "json", cwd=tmp_path)
    assert estimate.returncode == 0, estimate.stderr
    # Kunming （九）: 5% of 1,000万 of renovation invoices = 50.
    renovation = [a for a in json.loads(estimate.stdout)["awards"]
                  if a["measure"] == "km-09-renovation"]
    assert renovation and renovation[0]["min"] == renovation[0]["max"] == 50


@pytest.mark.parametrize("fmt", ["table", "json", "jsonl", "csv", "yaml", "toml"])
@pytest.mark.parametrize("command", [
    ["measures"],
    ["estimate", "examples/kunming-cell.toml", "--as-of", "2023-06-30"],
    ["estimate", "--batch", "examples/clients.jsonl", "--as-of", "2023-06-30"],
])
def test_a_closed_pipe_ends_quietly_with_exit_0(command, fmt):
    if "--batch" in command and fmt not in ("jsonl", "csv"):
        pytest.skip("a batch writes jsonl or csv")
    # The reader is gone before the first write (`policycalc measures | head -0`).
    # Buffered as usual (a small output fails only when flushed at the end).
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    read, write = os.pipe()
    os.close(read)
    try:
        result = subprocess.run([COMMAND, *command, "--format", fmt], stdout=write, env=env,
                                stderr=subprocess.PIPE, text=True, check=False, cwd=ROOT)
    finally:
        os.close(write)
    assert result.returncode == 0, result.stderr
    assert "Error" not in result.stderr and "Exception" not in result.stderr


def test_shell_completion_is_on():
    help_text = run("--help").stdout
    assert "--install-completion" in help_text and "--show-completion" in help_text
    env = dict(os.environ, _POLICYCALC_COMPLETE="complete_bash", COMP_WORDS="policycalc est",
               COMP_CWORD="1")
    result = subprocess.run([COMMAND], capture_output=True, text=True, env=env, check=False)
    assert result.stdout.split() == ["estimate"]
    env.update(COMP_WORDS="policycalc estimate --format ", COMP_CWORD="3")
    result = subprocess.run([COMMAND], capture_output=True, text=True, env=env, check=False)
    assert result.stdout.split() == ["table", "json", "jsonl", "csv", "yaml", "toml", "xlsx"]
