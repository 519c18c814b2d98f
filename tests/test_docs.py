"""Docs that cannot drift: every output shown in the README and every help example."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from .readme_examples import README, comparable, examples, run

COMMAND = Path(sys.executable).parent / "policycalc"
SHOWN = examples(README.read_text(encoding="utf-8"))


def test_the_readme_shows_outputs():
    assert len(SHOWN) >= 2


@pytest.mark.parametrize("example", SHOWN, ids=[e.command for e in SHOWN])
def test_readme_output_is_what_the_tool_prints(example):
    assert comparable(run(example.command)) == comparable(example.output), (
        "README output differs from the tool's; after a deliberate change of output run "
        "`python tests/readme_examples.py` and review the diff"
    )


def _help(command: str, columns: int) -> str:
    env = dict(os.environ, COLUMNS=str(columns))
    result = subprocess.run(
        [str(COMMAND), command, "-h"], capture_output=True, text=True, env=env, check=False
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def _commands() -> list[str]:
    from policycalc.app import app

    return [(c.name or c.callback.__name__).replace("_", "-") for c in app.registered_commands]


def help_examples() -> list[tuple[str, str]]:
    """(command, example line) for every example line in every command's help."""
    found = []
    for command in _commands():
        text = _help(command, 200)
        block = text.split("Example", 1)[1].split("\n\n", 1)[0]
        # A long example goes on over lines ending in ` \`, as in a shell.
        joined = re.sub(r" \\\n\s+", " ", block)
        found += [(command, line.strip()) for line in joined.splitlines()[1:] if line.strip()]
    return found


EXAMPLES = help_examples()


def test_every_command_has_help_examples():
    assert {command for command, _ in EXAMPLES} == set(_commands())


def _unwrapped(text: str) -> str:
    return re.sub(r" \\\n\s+", " ", text)


@pytest.mark.parametrize("command", _commands())
def test_help_examples_are_kept_as_written_in_a_narrow_terminal(command):
    wide, narrow = _unwrapped(_help(command, 200)), _unwrapped(_help(command, 60))
    lines = [line for c, line in EXAMPLES if c == command]
    for line in lines:
        assert line in wide and line in narrow  # never re-wrapped
    assert "Exit codes: 0 success; 1" in narrow and "2 a usage or input error" in narrow


@pytest.mark.parametrize(("command", "line"), EXAMPLES, ids=[line for _, line in EXAMPLES])
def test_every_help_example_runs_anywhere(tmp_path, command, line):
    # Run from an empty folder: examples/… and scenarios/… are the bundled copies.
    words = shlex.split(line)
    assert words[0] == "policycalc" and words[1] == command
    result = subprocess.run(
        [str(COMMAND), *words[1:]], capture_output=True, text=True, cwd=tmp_path, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    if command == "explain" and "--profile" in words:
        assert "→" in result.stdout  # the example shows a computation, not "no match"
    for index, word in enumerate(words):
        if word in ("-o", "--output"):
            assert (tmp_path / words[index + 1]).stat().st_size > 0
    if "--excel" in words:
        target = tmp_path / words[words.index("-o") + 1]
        assert target.read_bytes().startswith(b"\xef\xbb\xbf")


@pytest.mark.parametrize("command", [None, *_commands()])
def test_help_fits_an_80_column_terminal(command):
    # Issue 17: examples were hard-wrapped by the terminal inside a token (`-` / `-excel`).
    # Every line of help fits 80 columns (display width: a Chinese character takes two), so
    # the terminal never breaks one; long examples go on over ` \` lines a shell accepts.
    env = dict(os.environ, COLUMNS="80")
    args = [str(COMMAND), "-h"] if command is None else [str(COMMAND), command, "-h"]
    text = subprocess.run(args, capture_output=True, text=True, env=env, check=True).stdout
    from rich.cells import cell_len

    too_wide = [line for line in text.splitlines() if cell_len(line) > 80]
    assert not too_wide, too_wide


def test_metavars_are_upper_case_words():
    # Usage lines and the left column of arguments and options: every value placeholder is
    # an upper-case word (PROFILE, FILE, DIR, FORMAT…), never `<path>`, `{profile}`, `<str>`.
    for command in _commands():
        text = _help(command, 200)
        usage = text.splitlines()[0].split(f"policycalc {command}", 1)[1]
        columns = []
        for section in re.findall(r"^(?:Arguments|Options):\n(.*?)(?:\n\n|\Z)", text, re.M | re.S):
            columns += [re.split(r"\s{2,}", line.strip())[0] for line in section.splitlines()
                        if re.match(r"^  \S", line)]
        assert columns, command
        for token in usage.split() + [t for c in columns for t in c.split()]:
            token = token.rstrip(",")
            assert token.startswith("-") or token == token.upper(), (command, token)
            assert "<" not in token, (command, token)


def test_ci_runs_exactly_the_readme_test_command():
    text = README.read_text(encoding="utf-8")
    blocks = re.findall(r"```sh\n(.*?)```", text, re.S)
    install_and_run, test_command = blocks[0].strip(), blocks[1].strip()
    assert "venv" in install_and_run and "policycalc estimate" in install_and_run
    assert "pytest" in test_command
    ci = (README.parent / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert test_command in ci
