"""Issue 17, terminal and help: what a person reads in a terminal, a pipe or a file.

A pipe or a file never clips text; the width follows COLUMNS, else the terminal on stderr,
else 80; messages come once and in the chosen language."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest
import yaml
from rich.cells import cell_len
from typer.testing import CliRunner

from policycalc.app import app

from .conftest import ROOT

COMMAND = Path(sys.executable).parent / "policycalc"
runner = CliRunner()
KUNMING = str(ROOT / "examples" / "kunming-cell.toml")
CHONGQING = str(ROOT / "examples" / "chongqing-antibody.yaml")


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    env.update(extra)
    return env


def _widest(text: str) -> int:
    return max((cell_len(line) for line in text.splitlines()), default=0)


# ------------------------------------------------------------------ width


def test_a_pipe_with_no_terminal_is_laid_out_80_wide():
    # stdout and stderr both pipes, COLUMNS unset: 80, not the 120 it used to be.
    out = subprocess.run(
        [str(COMMAND), "regions"], capture_output=True, text=True, env=_env(), check=True
    ).stdout
    assert 60 < _widest(out) <= 80


def test_columns_decides_when_set():
    out = subprocess.run(
        [str(COMMAND), "regions"],
        capture_output=True,
        text=True,
        env=_env(COLUMNS="150"),
        check=True,
    ).stdout
    assert 80 < _widest(out) <= 150


def test_a_pipe_follows_the_terminal_on_stderr():
    # `policycalc regions | less` at a 100-column terminal: stdout is a pipe, stderr is the
    # terminal; the layout follows the terminal the person reads it at.
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 100, 0, 0))
    try:
        result = subprocess.run(
            [str(COMMAND), "regions"],
            stdout=subprocess.PIPE,
            stderr=follower,
            text=True,
            env=_env(),
            check=True,
        )
    finally:
        os.close(follower)
        os.close(leader)
    assert 80 < _widest(result.stdout) <= 100


@pytest.mark.parametrize("columns", ["60", "80", "100", "120", "121", "160"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_facts_never_clips_a_meaning(columns, lang):
    # `facts > vocab.txt` clipped 32 meanings with "…" and cut the right border off a table
    # wider than the width. Every meaning is whole at every width, every table row closed.
    result = runner.invoke(app, ["facts", "--lang", lang], env={"COLUMNS": columns})
    assert result.exit_code == 0
    text = result.stdout
    assert "…" not in text
    for line in text.splitlines():
        if line.startswith("│"):
            assert line.rstrip().endswith("│"), line
    assert _widest(text) <= int(columns)
    if not text.lstrip().startswith("┏"):
        # The block form: each meaning on its line (wrapped lines run on).
        flat = re.sub(r"\s+", "", text)
        vocab = yaml.safe_load((ROOT / "policy_data" / "facts.yaml").read_text("utf-8"))
        labels = [spec[lang] for spec in vocab["applicant"].values()]
        labels += [kind[lang] for kind in vocab["kinds"].values()]
        for label in labels:
            assert re.sub(r"\s+", "", label) in flat, label


# ------------------------------------------------------------------ words


def test_compare_regions_heading_in_english():
    result = runner.invoke(
        app,
        ["compare-regions", CHONGQING, "--as-of", "2022-06-30", "--lang", "en"],
        env={"COLUMNS": "120"},
    )
    assert result.exit_code == 0
    assert "Regions compared" in result.stdout
    assert not [line for line in result.stdout.splitlines() if line.strip() == "compare-regions"]


def test_explain_in_chinese_has_no_program_words(tmp_path):
    # Jiangsu 5.: its number is not in the text ("文号未查到"), its ceiling is per year, and
    # its reading names the group of two sentences the article is silent on.
    result = runner.invoke(
        app, ["explain", "js-05-phase2-next", "--as-of", "2022-06-30"], env={"COLUMNS": "200"}
    )
    assert result.exit_code == 0
    for program_word in ("(unknown)", "per_year", "may_overlap"):
        assert program_word not in result.stdout, program_word
    assert "文号未查到" in result.stdout and "每年上限" in result.stdout
    english = runner.invoke(
        app, ["explain", "js-05-phase2-next", "--lang", "en"], env={"COLUMNS": "200"}
    )
    assert "number not known" in english.stdout and "yearly ceiling" in english.stdout


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("注册资本金补助", "km-07-capital"),  # Kunming （七）'s title, typed as a person would
        ("Registered capital subsidy", "km-07-capital"),
        ("临床试验", "cq-08-phase1"),
    ],
)
def test_explain_by_title_names_the_measure(typed, expected):
    result = runner.invoke(app, ["explain", typed])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error:")
    assert "unknown measure" in lines[0] and expected in lines[0]


def test_explain_of_a_typo_still_suggests_the_id():
    result = runner.invoke(app, ["explain", "km-09-renovaton"])
    assert result.exit_code == 2 and "did you mean 'km-09-renovation'" in result.stderr


# ------------------------------------------------------------------ reports


def _svg_rows(svg: str) -> dict[str, list[str]]:
    rows: dict[str, list[str]] = {}
    for y, content in re.findall(r'<text x="[\d.]+" y="(\d+)"[^>]*>([^<]*)</text>', svg):
        rows.setdefault(y, []).append(content)
    return rows


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_svg_comparison_has_the_category_matrix(tmp_path, lang):
    target = tmp_path / "compare.svg"
    markdown = tmp_path / "compare.md"
    args = ["compare-regions", CHONGQING, "--as-of", "2022-06-30", "--lang", lang, "-f", "json"]
    assert runner.invoke(app, [*args, "--report", str(target)]).exit_code == 0
    assert runner.invoke(app, [*args, "--report", str(markdown)]).exit_code == 0
    svg = target.read_text(encoding="utf-8")
    rows = list(_svg_rows(svg).values())
    # Each Markdown matrix row (category, then one cell per region) is one SVG row.
    heading = "## 按类别" if lang == "zh" else "## By category"
    block = markdown.read_text(encoding="utf-8").split(heading, 1)[1].split("\n\n")[1]
    md_rows = [
        [cell.strip() for cell in line.strip("|").split("|")]
        for line in block.splitlines()
        if line.startswith("|") and not line.startswith("|---")
    ]
    assert len(md_rows) >= 3
    for row in md_rows:
        assert [c.replace("\\", "") for c in row] in rows, row

