"""The command line's shared options and its edge: option values parsed and checked,
errors turned into one `Error:` line and an exit code, results sent to stdout or a file,
the lapse notes on stderr. The commands (app.py) use them; nothing below the command layer
does."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from .errors import (
    EXIT_DATA,
    EXIT_OK,
    EXIT_OUTPUT,
    EXIT_USAGE,
    Error,
    OutputError,
    PolicyDataError,
    UsageError,
)
from .formats import OutputFormat, spoken
from .model import Lang, Ruleset
from .render.words import said

F = TypeVar("F", bound=Callable[..., Any])


class Language(StrEnum):
    zh = "zh"
    en = "en"


class TemplateFormat(StrEnum):
    toml = "toml"
    yaml = "yaml"


# ------------------------------------------------------------------ shared options
# Metavars: an upper-case word for every value (PROFILE, FILE, DIR, REGION, FORMAT, …); the
# valid choices are listed in the option's help.

DataDirOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--data-dir",
        metavar="DIR",
        help="Use the clause tables in this folder instead of the "
        "bundled ones (repeatable). Shared tables it lacks come from the bundled data.",
    ),
]
ExtraDataOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--extra-data",
        metavar="DIR",
        help="Add the clause tables in this folder beside the bundled ones (repeatable).",
    ),
]
AsOfOpt = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        metavar="YYYY-MM-DD",
        help="Evaluate as of this date (default: today). Documents not in force then "
        "are reported as lapsed or not yet in force.",
    ),
]
FORMATS_HELP = spoken(list(OutputFormat), default=OutputFormat.table)
FormatOpt = Annotated[
    OutputFormat,
    typer.Option("--format", "-f", metavar="FORMAT", help=f"Output format: {FORMATS_HELP}."),
]
ReportOpt = Annotated[
    Path | None,
    typer.Option(
        "--report",
        metavar="FILE",
        help="Also write a self-contained report for a "
        "client; its kind follows the extension: .html, .svg or .md.",
    ),
]
OutputOpt = Annotated[
    Path | None,
    typer.Option(
        "--output",
        "-o",
        metavar="FILE",
        help="Write the results to FILE instead of stdout: to a temporary file beside it, "
        "renamed when complete. FILE.xlsx (or --format xlsx) writes a workbook.",
    ),
]
ExcelOpt = Annotated[
    bool,
    typer.Option(
        "--excel",
        help="With --format csv: start with a UTF-8 BOM so that Excel (Chinese Windows "
        "included) shows the Chinese intact.",
    ),
]
EncodingOpt = Annotated[
    str,
    typer.Option(
        "--encoding",
        metavar="ENCODING",
        help="Encoding of the profile or batch file: utf-8 (default; a BOM is fine), or gbk "
        "for a file saved by Excel on Chinese Windows. A profile or batch file that is not "
        "UTF-8 but reads as Chinese GBK text is read as GBK without it, with a note.",
        show_default=False,
    ),
]
SheetOpt = Annotated[
    str | None,
    typer.Option(
        "--sheet",
        metavar="NAME",
        help="Batch from a workbook (.xlsx): the sheet to read (default: the first).",
    ),
]
# estimate and opportunities: a single profile in any format, a batch in jsonl or csv.
BatchFormatOpt = Annotated[
    OutputFormat | None,
    typer.Option(
        "--format",
        "-f",
        metavar="FORMAT",
        help=f"Output format: {FORMATS_HELP}; with --batch jsonl (default) or csv.",
        show_default=False,
    ),
]
LangOpt = Annotated[
    Language,
    typer.Option(
        "--lang",
        metavar="LANG",
        help="Language of labels and titles: zh (default) or en.",
        show_default=False,
    ),
]


def check_report(path: Path | None) -> None:
    if path is None:
        return
    from .formats import report_kind

    if report_kind(path.name) is None:
        raise UsageError(
            f"a report ends in .html, .svg or .md, not '{path.suffix or path.name}'",
            field="--report",
        )
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise UsageError("its folder does not exist", source=str(path), field="--report")


def quiet_broken_pipe() -> None:
    """The reader went away (`policycalc measures | head -1`): stop quietly, exit 0."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass  # stdout is not a real file (a test runner's buffer): nothing left to flush


def exit_code_of(error: Error) -> int:
    """The exit code of each kind of error (the README lists them)."""
    if isinstance(error, PolicyDataError):
        return EXIT_DATA
    if isinstance(error, OutputError):
        return EXIT_OUTPUT
    return EXIT_USAGE


def fail_on_error(func: F) -> F:
    """Turn every known error into one `Error: …` line on stderr and its exit code."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except Error as exc:
            if exc.source == "<stdout>":
                from .output import stop_stdout

                stop_stdout()  # nothing more of it is written on the way out
            for error in (exc, *exc.others):
                typer.echo(f"Error: {error}", err=True)
            raise typer.Exit(exit_code_of(exc)) from None
        except BrokenPipeError:
            quiet_broken_pipe()
            raise typer.Exit(EXIT_OK) from None

    return wrapper  # type: ignore[return-value]


def parse_size(value: str) -> int:
    """A size such as 1048576, 512K or 4M, from 1K to 1024M."""
    text = value.strip().upper().removesuffix("B")
    scale = {"K": 1 << 10, "M": 1 << 20}.get(text[-1:], 1)
    digits = text[:-1] if scale > 1 else text
    if not (digits.isascii() and digits.isdigit() and len(digits) < 12) or not (
        1 << 10 <= int(digits) * scale <= 1 << 30
    ):
        raise UsageError(
            f"'{value}' is not a size from 1K to 1024M (e.g. 4M)", field="--max-record-size"
        )
    return int(digits) * scale


def parse_as_of(value: str | None) -> dt.date:
    if value is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise UsageError(f"'{value}' is not a date (YYYY-MM-DD)", field="--as-of") from None


def check_encoding(name: str) -> str:
    """A Python codec name; `auto` (estimate and opportunities: not given) stays `auto`."""
    import codecs

    if name == "auto":
        return name
    try:
        return codecs.lookup(name).name
    except LookupError:
        raise UsageError(
            f"unknown encoding '{name}'; e.g. utf-8, gbk, gb18030", field="--encoding"
        ) from None


def load(data_dir: list[Path] | None, extra: list[Path] | None) -> Ruleset:
    from .rulesets import load_ruleset

    return load_ruleset(data_dir or None, extra or ())


def read_stdin() -> bytes:
    """A profile or answers from stdin: at most MAX_PROFILE_BYTES (`< /dev/zero` ends)."""
    from .profile import read_bounded

    return read_bounded(sys.stdin.buffer, "<stdin>")


def _profile(path: str, ruleset: Ruleset, encoding: str = "utf-8") -> Any:
    from .bundled import resolve
    from .profile import load_profile

    return load_profile(
        resolve(path),
        ruleset,
        read_stdin() if path == "-" else None,
        encoding=encoding,
    )


def open_output(path: Path, inputs: Iterable[str | int], binary: bool = False) -> Any:
    """The one place a result file is opened: the safe writer (output.py) writes it beside its
    target and renames it when done; it never replaces a device, a link or an input."""
    from .output import Output

    return Output(path, inputs=inputs, field="--output", binary=binary)


def _reads(path: str | None, ruleset: Ruleset | None, *more: Path | None) -> list[str | int]:
    """The files a command reads (stdin as descriptor 0): a profile, the policy files of its
    ruleset, any other file named: an output may not replace them."""
    given = [0 if path == "-" else path for path in (path,) if path is not None]
    others = [str(p) for p in more if p is not None]
    return given + others + list(ruleset.sources if ruleset is not None else ())


def distinct_outputs(output: Path | None, report: Path | None) -> None:
    """--report and --output may not name the same file: the second would replace the
    first."""
    if output is None or report is None:
        return
    same = os.path.realpath(output) == os.path.realpath(report)
    if not same:
        with contextlib.suppress(OSError):
            same = os.path.samefile(output, report)
    if same:
        raise UsageError("names the same file as --output; choose another", field="--report")


def check_excel(excel: bool, fmt: OutputFormat) -> bool:
    if excel and fmt is not OutputFormat.csv:
        raise UsageError("goes with --format csv", field="--excel")
    return excel


def output_format(
    fmt: OutputFormat | None, output: Path | None, default: OutputFormat
) -> OutputFormat:
    """The format to write: as asked, else the default; `-o FILE.xlsx` without --format (or
    with the default table) writes a workbook, and a workbook needs -o."""
    wants_book = output is not None and output.suffix.lower() == ".xlsx"
    if wants_book and fmt in (None, OutputFormat.table):
        return OutputFormat.xlsx
    chosen = fmt or default
    if chosen is OutputFormat.xlsx and output is None:
        raise UsageError("xlsx writes a workbook: give -o FILE.xlsx", field="--format")
    return chosen


@contextlib.contextmanager
def destination(
    path: Path | None, inputs: Iterable[str | int], lang: Lang, binary: bool = False
) -> Iterator[Any]:
    """Where a command's results go: stdout, or `path` (written atomically; `binary` for a
    workbook), then "wrote PATH" on stderr in the command's language `lang`. `inputs` are
    the files the command read (`_reads`): required, so that no command can forget them."""
    if path is None:
        yield sys.stdout
        return
    target = open_output(path, inputs, binary)
    try:
        yield target.stream
        target.commit()
    except BaseException:
        target.discard()
        raise
    typer.echo(wrote(path, lang), err=True)


def wrote(path: Path | str, lang: Lang) -> str:
    """'wrote FILE' (已写入 FILE): said on stderr once a file is complete."""
    return said("wrote", lang, path=path)


def lang_of(lang: Language) -> Lang:
    return "zh" if lang is Language.zh else "en"


def lapse_line(document: Any, as_of: dt.date, what: str, lang: Lang = "en") -> str | None:
    """'Note: DOC lapsed after …: WHAT; pass --as-of …' for a document not in force, in the
    language of the output (`what` already in it)."""
    status = document.status(as_of)
    zh = lang == "zh"
    if status == "lapsed":
        until = document.effective_until
        if zh:
            return (
                f"提示：{document.id} 已于 {until} 失效：{what}；用 --as-of {until}（或更早）可计入"
            )
        return (
            f"Note: {document.id} lapsed after {until}: {what}; "
            f"pass --as-of {until} (or earlier) to count them"
        )
    if status == "not_yet":
        start = document.effective_from
        if zh:
            return (
                f"提示：{document.id} 自 {start} 起生效：{what}；用 --as-of {start}（或更晚）可计入"
            )
        return (
            f"Note: {document.id} takes effect on {start}: {what}; "
            f"pass --as-of {start} (or later) to count them"
        )
    return None


def lapse_notices(result: Any, lang: Lang = "en") -> list[str]:
    """One line per lapsed or not-yet-effective document that has measures matching the
    profile, with the --as-of to use, in the output's language."""
    counts: dict[str, int] = {}
    for item in result.excluded:
        if item.stage == "validity":
            counts[item.document.id] = counts.get(item.document.id, 0) + 1
    lines = []
    for status in result.documents:
        number = counts.get(status.document.id, 0)
        if lang == "zh":
            what = f"{number} 项匹配的措施未计入"
        else:
            what = f"{number} matching measure{'s' if number > 1 else ''} not counted"
        line = lapse_line(status.document, result.as_of, what, lang) if number else None
        if line is not None:
            lines.append(line)
    return lines


def shows_notes(fmt: Any, output: Path | None) -> bool:
    """Whether the person at the terminal already reads the lapse notes: a table on stdout
    prints them itself, so stderr does not repeat them."""
    return fmt == OutputFormat.table and (output is None or str(output) == "-")
