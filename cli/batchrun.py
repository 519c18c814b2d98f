"""`estimate --batch` and `opportunities --batch` from end to end: the input opened and its
format decided, the output's header, the run with its progress bar, then the lapse notes and
the one summary line on stderr (batch.py does the reading and the estimating)."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

import typer

from . import formats
from .errors import (
    EXIT_DATA,
    UsageError,
)
from .formats import BatchMode, InputFormat, OutputFormat
from .model import Lang
from .options import (
    check_excel,
    destination,
    lapse_line,
    load,
)
from .render.words import said


def _estimate_batch(
    source: str,
    input_format: str | None,
    day: dt.date,
    fmt: OutputFormat,
    language: Lang,
    data_dir: list[Path] | None,
    extra_data: list[Path] | None,
    summary: bool,
    output: Path | None,
    jobs: int,
    quiet: bool,
    excel: bool,
    encoding: str,
    max_record: int = 1 << 20,
    mode: BatchMode = "estimate",
    sheet: str | None = None,
    top: int = 0,
) -> None:
    import io

    from . import batch
    from .bundled import resolve
    from .profile import GBK_HINT, looks_like_gbk
    from .schema import one_of
    from .seen import CAPACITY
    from .workbook import ZIP_MAGIC

    if fmt not in (OutputFormat.jsonl, OutputFormat.csv, OutputFormat.xlsx):
        raise UsageError(f"batch output is jsonl, csv or xlsx, not {fmt.value}", field="--format")
    check_excel(excel, fmt)
    wanted = None if input_format is None else formats.input_format(input_format)
    if input_format is not None and wanted is None:
        raise UsageError(
            f"unknown input format '{input_format}'{one_of(input_format, formats.INPUT_FORMATS)}",
            field="--input-format",
        )
    ruleset = load(data_dir, extra_data)
    label = "<stdin>" if source == "-" else source
    if source == "-":
        raw: Any = io.BufferedReader(sys.stdin.buffer)
    else:
        from .profile import open_input

        raw = open_input(resolve(source), "a batch file")
    try:
        peeked = raw.peek(4096)[:4096]
        kind: InputFormat
        if wanted is None and peeked.startswith(ZIP_MAGIC):
            kind = "xlsx"
        else:
            utf8 = encoding in ("utf-8", "utf-8-sig", "auto")
            head = peeked.decode("utf-8" if utf8 else encoding, "ignore")
            kind = wanted or batch.guess_input_format(label, head)
        if kind == "xlsx":
            if encoding != "auto":
                raise UsageError("goes with a text batch, not a workbook", field="--encoding")
        else:
            if sheet is not None:
                raise UsageError("goes with a workbook batch (.xlsx)", field="--sheet")
            batch.check_text_encoding(peeked, encoding, label)
    except BaseException:
        raw.close()
        raise
    job = batch.Job(ruleset, day, language, summary, label, fmt, mode, top=top)

    sink: Any = None
    if fmt is OutputFormat.xlsx:
        from .render.xlsx import BatchWorkbook

        sink = BatchWorkbook(mode, summary, job.columns)

    def report(line: str) -> None:
        typer.echo(f"Error: {line}", err=True)
        if sink is not None:
            sink.note("rejected", line)

    def note(line: str) -> None:
        typer.echo(line, err=True)

    progress_bar = None
    if not quiet and sys.stderr.isatty():
        from .render.progress import BatchProgress

        progress_bar = BatchProgress()
    try:
        inputs = [0 if source == "-" else source, *ruleset.sources]
        with destination(output, inputs, language, binary=sink is not None) as out:
            target = out if sink is None else sink
            target.write(batch.header(job, bom=excel))
            counts = batch.run(
                raw,
                kind,
                job,
                target,
                report,
                jobs=jobs,
                progress=progress_bar.advance if progress_bar is not None else None,
                encoding=encoding,
                limit=max_record,
                note=note,
                sheet=sheet,
            )
            notices = []
            for doc_id, number in sorted(counts.lapsed.items()):
                if language == "zh":
                    what = f"与 {number} 个申请主体匹配的措施未计入"
                else:
                    who = f"{number} applicant{'s' if number > 1 else ''}"
                    what = f"measures matching {who} not counted"
                line = lapse_line(ruleset.documents[doc_id], day, what, language)
                if line is not None:
                    notices.append(line)
            if sink is not None:
                for line in notices:
                    sink.note("not in force", line)
                sink.save(out, ruleset.version, day.isoformat(), language)
    except UnicodeDecodeError:
        utf8 = encoding in ("utf-8", "utf-8-sig", "auto")
        name = "UTF-8" if utf8 else encoding
        hint = GBK_HINT if utf8 and looks_like_gbk(peeked) else ""
        raise UsageError(f"not {name} text{hint}", source=label) from None
    finally:
        if progress_bar is not None:
            progress_bar.stop()
        raw.close()
    for line in notices:
        typer.echo(line, err=True)
    if counts.repeat is not None:
        # JSON records are whole profiles: a repeat is estimated too, and said once here.
        key = "note_repeats" if counts.repeated > 1 else "note_repeat"
        typer.echo(said(key, language, n=counts.repeated, first=counts.repeat), err=True)
    if counts.ids is not None and counts.ids.full_at is not None:
        full_at = counts.ids.full_at
        typer.echo(said("note_ids_checked", language, capacity=CAPACITY, line=full_at), err=True)
    key = "batch_count" if mode == "estimate" else "batch_count_looked"
    read, done, rejected, rows = counts.read, counts.estimated, counts.rejected, counts.rows
    typer.echo(said(key, language, read=read, done=done, rejected=rejected, rows=rows), err=True)
    if counts.rejected:
        raise typer.Exit(EXIT_DATA)
