"""The formats a command reads and writes, and the kinds of batch run: closed sets of names.

Each is a type (an Enum or a Literal), so that a format nobody handles is a type error
(`assert_never`); the lists the loader checks and the options' help text are derived from
them. Kept light: the command line reads it at start-up.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import Literal, get_args


class OutputFormat(StrEnum):
    table = "table"
    json = "json"
    jsonl = "jsonl"
    csv = "csv"
    yaml = "yaml"
    toml = "toml"
    xlsx = "xlsx"  # a workbook: written to a file (-o), never to a terminal


class ReportKind(StrEnum):
    """A report for a client, chosen by the file's extension (REPORT_SUFFIXES)."""

    html = "html"
    svg = "svg"
    md = "md"


REPORT_SUFFIXES: dict[str, ReportKind] = {
    ".html": ReportKind.html,
    ".htm": ReportKind.html,
    ".svg": ReportKind.svg,
    ".md": ReportKind.md,
}


def report_kind(name: str) -> ReportKind | None:
    """The kind of report a file name's extension asks for, or None."""
    import os.path

    return REPORT_SUFFIXES.get(os.path.splitext(name)[1].lower())


# What a batch is read from: text formats line by line, a workbook sheet by sheet.
TextInputFormat = Literal["jsonl", "json", "yaml", "csv"]
InputFormat = Literal["jsonl", "json", "yaml", "csv", "xlsx"]
INPUT_FORMATS: tuple[InputFormat, ...] = get_args(InputFormat)

# What a batch run writes per applicant: its awards, or its opportunities.
BatchMode = Literal["estimate", "opportunities"]


def input_format(name: str) -> InputFormat | None:
    """The input format of this name, or None."""
    for known in INPUT_FORMATS:
        if known == name:
            return known
    return None


def spoken(names: Sequence[str], default: str | None = None) -> str:
    """Names as a phrase for help text: "table (default), json, jsonl or csv"."""
    words = [f"{n} (default)" if n == default else n for n in names]
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} or {words[-1]}"


__all__ = [
    "INPUT_FORMATS",
    "BatchMode",
    "InputFormat",
    "OutputFormat",
    "ReportKind",
    "TextInputFormat",
    "input_format",
    "report_kind",
    "spoken",
]
