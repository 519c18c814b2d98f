"""The installed command, run as a user would: in a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys

from .conftest import ROOT


def test_installed_command_runs_the_bundled_example():
    result = subprocess.run(
        ["policycalc", "estimate", str(ROOT / "examples" / "kunming-cell.toml"), "--as-of",
         "2023-06-30", "--format", "json"],
        capture_output=True, text=True, check=False, cwd="/",
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["awards"]


def test_python_dash_m_and_help():
    result = subprocess.run([sys.executable, "-m", "policycalc", "--help"],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0 and "estimate" in result.stdout


def test_bad_input_gives_no_traceback():
    result = subprocess.run(["policycalc", "estimate", "/dev/null"], capture_output=True,
                            text=True, check=False)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and result.stderr.startswith("Error: ")


def test_option_errors_are_one_line_with_exit_2():
    result = subprocess.run(["policycalc", "estimate", "x.toml", "--format", "xml"],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and "'xml'" in lines[0]
