"""Where the interview's answers come from (the terminal, a file, or stdin) and where a
finished interview's answers are kept; each scripted answer keeps its line for errors."""

from __future__ import annotations

import datetime as dt
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path

import typer

from .errors import (
    UsageError,
)
from .model import Lang
from .options import (
    read_stdin,
)


def _save_answers(
    record: list[str], output: Path | None, region: str, day: dt.date, lang: Lang
) -> None:
    """The answers given so far, one a line, in a new file beside the profile (or in the
    current folder, else the temporary one), named on stderr with how to resume."""
    import tempfile

    from .render.words import word

    if not record:
        return
    stem = f"{output.name}.answers" if output is not None else f"interview-{region}.answers"
    folder = output.parent if output is not None else Path(".")
    command = f"policycalc interview --region {region} --as-of {day}"
    body = (
        f"# Answers to `{command}` so far, one a line (an empty line skips a question).\n"
        + "".join(f"{answer}\n" for answer in record)
    )
    path: Path | None = None
    for number in range(1, 100):
        candidate = folder / (f"{stem}.txt" if number == 1 else f"{stem}-{number}.txt")
        try:
            with open(candidate, "x", encoding="utf-8") as handle:
                handle.write(body)
            path = candidate
            break
        except FileExistsError:
            continue
        except OSError:
            break
    if path is None:
        fd, name = tempfile.mkstemp(prefix=f"{stem}-", suffix=".txt")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(body)
        path = Path(name)
    typer.echo(word("interview_saved", lang).format(n=len(record), path=path), err=True)


# Where the scripted answers came from: each answer's line, and the file's name.
_ANSWER_LINES: list[int] = []
_ANSWER_SOURCE: list[str] = []


def _answer_lines(text: str) -> list[str]:
    """Lines as a person typed them: only a line feed or a carriage return ends one (U+2028,
    U+0085 and the other separators `splitlines` knows stay inside the answer)."""
    lines = re.split(r"\r\n|\r|\n", text)
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def _answers(
    terminal: bool, path: Path | None, resume: bool = False
) -> Callable[[str], str | None]:
    """Where answers come from: the terminal, a file, or stdin when it is no terminal; with
    `resume`, the file's answers first, then the terminal's."""
    from .interview import shown

    def from_terminal(prompt: str) -> str | None:
        sys.stderr.write(prompt)
        sys.stderr.flush()
        line = sys.stdin.readline()
        return None if line == "" else line.rstrip("\r\n")

    if terminal:
        return from_terminal
    source = "<stdin>"
    if path is not None:
        from .bundled import resolve
        from .profile import open_input

        source = str(path)
        from .profile import read_bounded

        with open_input(resolve(str(path)), "an answers file") as handle:
            raw = read_bounded(handle, str(path))
    else:
        raw = read_stdin()
    try:
        given = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UsageError("the answers are not UTF-8 text", source=source) from None
    if path is None and not given.strip():
        raise UsageError(
            "no terminal and no answers: run it in a terminal, or pipe the answers in, one a line",
            source=source,
        )
    numbered = [
        (number, line)
        for number, line in enumerate(_answer_lines(given), 1)
        if not line.lstrip().startswith("#")
    ]
    lines = iter(line for _, line in numbered)
    _ANSWER_LINES[:] = [number for number, _ in numbered]
    _ANSWER_SOURCE[:] = [source]

    def from_stdin(prompt: str) -> str | None:
        line = next(lines, None)
        if line is None and resume:
            return from_terminal(prompt)
        sys.stderr.write(prompt + ("" if line is None else shown(line)) + "\n")
        return line

    return from_stdin
