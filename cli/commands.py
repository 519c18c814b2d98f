"""The longer commands once their options are parsed: estimate, opportunities and interview
(app.py declares every command and its options; these are what they then do)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, TextIO

import typer

from .answers import (
    _ANSWER_LINES,
    _ANSWER_SOURCE,
    _answers,
    _save_answers,
)
from .batchrun import (
    _estimate_batch,
)
from .errors import (
    EXIT_OK,
    UsageError,
)
from .formats import INPUT_FORMATS, OutputFormat, report_kind, spoken
from .options import (
    AsOfOpt,
    BatchFormatOpt,
    DataDirOpt,
    EncodingOpt,
    ExcelOpt,
    ExtraDataOpt,
    LangOpt,
    OutputOpt,
    ReportOpt,
    SheetOpt,
    TemplateFormat,
    _profile,
    _reads,
    check_encoding,
    check_excel,
    check_report,
    destination,
    distinct_outputs,
    lang_of,
    lapse_notices,
    load,
    output_format,
    parse_as_of,
    parse_size,
    shows_notes,
    wrote,
)


def opportunities_command(
    profile: Annotated[
        str | None,
        typer.Argument(
            metavar="PROFILE", help="Profile file (YAML, TOML or JSON), or - for stdin."
        ),
    ],
    regions: Annotated[
        str | None,
        typer.Option(
            "--regions",
            metavar="REGIONS",
            help="Comma-separated region ids: the applicant as if registered in each (as "
            "compare-regions moves it), instead of where it is.",
        ),
    ],
    as_of: AsOfOpt,
    fmt: BatchFormatOpt,
    lang: LangOpt,
    data_dir: DataDirOpt,
    extra_data: ExtraDataOpt,
    output: OutputOpt,
    excel: ExcelOpt,
    encoding: EncodingOpt,
    report: Annotated[
        Path | None,
        typer.Option(
            "--report",
            metavar="FILE",
            help="Also write a report for the client; its kind follows the extension: "
            ".html or .md.",
        ),
    ],
    reason: Annotated[
        str | None,
        typer.Option(
            "--reason",
            metavar="REASONS",
            help="Only these obstacles, comma-separated: no_fact, condition, missing_field, "
            "eligibility, window, ceiling.",
        ),
    ],
    top: Annotated[
        int,
        typer.Option(
            "--top",
            metavar="N",
            min=0,
            help="Only the N with the most money at stake (default 0: all); with --batch, "
            "each applicant's N.",
        ),
    ],
    batch: Annotated[
        str | None,
        typer.Option(
            "--batch",
            metavar="FILE",
            help="Many profiles, read as `estimate --batch` reads them; one row per opportunity.",
        ),
    ],
    summary: Annotated[
        bool,
        typer.Option(
            "--summary",
            help="Batch: one row per applicant with the money at stake (the sums of its "
            "opportunities' minimum and maximum, never added to the estimate).",
        ),
    ],
    input_format: Annotated[
        str | None,
        typer.Option(
            "--input-format",
            metavar="FORMAT",
            help=f"Batch input format: {spoken(INPUT_FORMATS)} "
            "(default: from the file name or content).",
        ),
    ],
    jobs: Annotated[
        int,
        typer.Option(
            "--jobs",
            "-j",
            metavar="N",
            min=1,
            max=64,
            help="Batch: worker processes (1 to 64); output stays in input order.",
        ),
    ],
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Batch: no progress bar.")],
    sheet: SheetOpt,
) -> None:
    """The `opportunities` command once its options are parsed."""
    encoding = check_encoding(encoding)
    if batch is not None:
        if profile is not None:
            raise UsageError("give a PROFILE or --batch FILE, not both", field="--batch")
        for flag, given in (
            ("--report", report is not None),
            ("--regions", regions is not None),
            ("--reason", reason is not None),
        ):
            if given:
                raise UsageError("goes with a single PROFILE, not --batch", field=flag)
        _estimate_batch(
            batch,
            input_format,
            parse_as_of(as_of),
            output_format(fmt, output, OutputFormat.jsonl),
            lang_of(lang),
            data_dir,
            extra_data,
            summary,
            output,
            jobs,
            quiet,
            excel,
            encoding,
            mode="opportunities",
            sheet=sheet,
            top=top,
        )
        return
    for flag, given in (
        ("--summary", summary),
        ("--jobs", jobs != 1),
        ("--input-format", input_format is not None),
        ("--sheet", sheet is not None),
        ("--quiet", quiet),
    ):
        if given:
            raise UsageError("goes with --batch", field=flag)
    if profile is None:
        raise UsageError("give a PROFILE file (or - for stdin), or --batch FILE", field="PROFILE")
    fmt = output_format(fmt, output, OutputFormat.table)
    bom = check_excel(excel, fmt)
    from .formats import ReportKind
    from .render.opportunities import render_report

    if report is not None:
        if report_kind(report.name) in (None, ReportKind.svg):
            raise UsageError(
                f"an opportunities report ends in .html or .md, not "
                f"'{report.suffix or report.name}'",
                field="--report",
            )
        check_report(report)
        distinct_outputs(output, report)
    from . import api
    from .render.views import OpportunitiesView
    from .render.write import write
    from .schema import one_of

    day = parse_as_of(as_of)
    ruleset = load(data_dir, extra_data)
    wanted: list[str | None] = [None]
    if regions is not None:
        wanted = [r.strip() for r in regions.split(",") if r.strip()]
        if not wanted:
            raise UsageError(
                f"give at least one region id; one of: {', '.join(ruleset.regions)}",
                field="--regions",
            )
        for region in wanted:
            if region not in ruleset.regions:
                raise UsageError(
                    f"unknown region '{region}'{one_of(str(region), ruleset.regions)}",
                    field="--regions",
                )
    applicant = _profile(profile, ruleset, encoding)
    asked = None if regions is None else [r for r in wanted if r is not None]
    results = api.opportunities(applicant, day, regions=asked, ruleset=ruleset).sections
    if reason is not None:
        from .opportunities import REASONS

        chosen = {r.strip() for r in reason.split(",") if r.strip()}
        for name in sorted(chosen):
            if name not in REASONS:
                raise UsageError(
                    f"unknown reason '{name}'{one_of(name, REASONS)}", field="--reason"
                )
        results = tuple(
            r._replace(items=[o for o in r.items if o.reason in chosen]) for r in results
        )
    if top:
        results = tuple(r._replace(items=r.items[:top]) for r in results)
    language = lang_of(lang)
    view = OpportunitiesView(results, language, day, ruleset.version)
    reads = _reads(profile, ruleset)
    with destination(output, reads, language, binary=fmt is OutputFormat.xlsx) as out:
        if report is not None:
            from .output import write_file

            kind = report_kind(report.name)
            assert kind is not None  # checked above
            write_file(report, render_report(kind, view), inputs=reads, field="--report")
            typer.echo(wrote(report, language), err=True)
        write(view, fmt, out, bom)


def interview_command(
    region: Annotated[
        str,
        typer.Option(
            "--region", metavar="REGION", help="Region where the applicant is registered."
        ),
    ],
    as_of: AsOfOpt,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            metavar="FILE",
            help="Write the profile to FILE (never overwrites); its format follows the "
            "extension (.toml, .yaml) unless --format says. Default: stdout.",
        ),
    ],
    fmt: Annotated[
        TemplateFormat | None,
        typer.Option(
            "--format",
            "-f",
            metavar="FORMAT",
            help="Profile format: toml or yaml (default: from the file name, else toml).",
            show_default=False,
        ),
    ],
    answers: Annotated[
        Path | None,
        typer.Option(
            "--answers",
            metavar="FILE",
            help="Read the answers from FILE, one a line (a line starting with # is a "
            "comment), instead of the terminal or stdin.",
        ),
    ],
    lang: LangOpt,
    data_dir: DataDirOpt,
    extra_data: ExtraDataOpt,
) -> None:
    """The `interview` command once its options are parsed."""
    from . import api
    from .interview import Declined, InterviewError, make_plan, profile_text, run_interview
    from .profile import build_profile, parse_document
    from .render.views import EstimateView, OpportunitiesView
    from .render.words import word
    from .render.write import write
    from .schema import one_of

    ruleset = load(data_dir, extra_data)
    if region not in ruleset.regions:
        raise UsageError(
            f"unknown region '{region}'{one_of(region, ruleset.regions)}", field="--region"
        )
    day = parse_as_of(as_of)
    kind = fmt.value if fmt is not None else None
    if kind is None and output is not None:
        suffix = output.suffix.lower()
        kind = "yaml" if suffix in (".yaml", ".yml") else "toml" if suffix == ".toml" else None
        if kind is None:
            raise UsageError(
                f"a profile file ends in .toml or .yaml, not '{suffix or output.name}'; "
                "or give --format",
                field="--output",
            )
    kind = kind or "toml"
    if output is not None and output.exists():
        raise UsageError("already exists; choose another name", source=str(output))
    from .output import Interrupted, Output

    language = lang_of(lang)
    live = sys.stdin.isatty()
    terminal = answers is None and live
    resume = answers is not None and live  # the file's answers, then the person goes on
    target = None
    if output is not None:
        # A target that cannot be written (no such folder, no permission, a folder) is
        # refused now, before the first question, not after the last.
        target = Output(
            output, inputs=_reads(None, ruleset, answers), field="--output", no_clobber=True
        )
    record: list[str] = []
    by_hand = terminal or resume
    try:
        data = run_interview(
            ruleset,
            make_plan(ruleset, region, day),
            _answers(terminal, answers, resume),
            lambda t: typer.echo(t, err=True),
            language,
            strict=not by_hand,
            record=record,
            review=by_hand,
        )
    except InterviewError as exc:
        if target is not None:
            target.discard()
        if by_hand:  # Ctrl-D at the terminal: keep what was answered
            _save_answers(record, output, region, day, language)
        # The interview counts answers; a file has comment lines too: name the line.
        if exc.line is not None and 0 < exc.line <= len(_ANSWER_LINES):
            exc.line = _ANSWER_LINES[exc.line - 1]
        if _ANSWER_SOURCE:
            exc.source = _ANSWER_SOURCE[0]
        raise
    except Declined:
        if target is not None:
            target.discard()
        typer.echo(word("interview_not_written", language), err=True)
        _save_answers(record, output, region, day, language)
        raise typer.Exit(EXIT_OK) from None
    except (Interrupted, KeyboardInterrupt):
        # Ctrl-C: the answers so far go to a file named on stderr, to resume from.
        if target is not None:
            target.discard()
        if by_hand:
            typer.echo("", err=True)  # off the line where ^C was typed
        _save_answers(record, output, region, day, language)
        raise
    except BaseException:
        if target is not None:
            target.discard()
        raise
    text = profile_text(data, kind)
    source = str(output) if output is not None else "<interview>"
    profile = build_profile(parse_document(text, source, kind), ruleset, source)
    if target is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        screen: TextIO = sys.stderr
    else:
        try:
            target.stream.write(text)
        except BaseException:
            target.discard()
            raise
        target.commit()
        typer.echo(wrote(target.label, language), err=True)
        screen = sys.stdout
    (found,) = api.opportunities(profile, day, ruleset=ruleset).sections
    write(EstimateView(found.estimate, lang_of(lang)), OutputFormat.table, screen)
    top = found._replace(items=found.items[:3])
    write(
        OpportunitiesView((top,), lang_of(lang), day, ruleset.version), OutputFormat.table, screen
    )


def estimate_command(
    profile: Annotated[
        str | None,
        typer.Argument(
            metavar="PROFILE", help="Profile file (YAML, TOML or JSON), or - for stdin."
        ),
    ],
    as_of: AsOfOpt,
    fmt: BatchFormatOpt,
    lang: LangOpt,
    data_dir: DataDirOpt,
    extra_data: ExtraDataOpt,
    steps: Annotated[bool, typer.Option("--steps", help="Include each award's computation steps.")],
    show_all: Annotated[
        bool,
        typer.Option(
            "--all",
            help="Also list matches without money, every exclusion and the general measures "
            "(those tied to no particular fact) of the documents that reach the applicant.",
        ),
    ],
    output: OutputOpt,
    excel: ExcelOpt,
    encoding: EncodingOpt,
    report: ReportOpt,
    batch: Annotated[
        str | None,
        typer.Option(
            "--batch",
            metavar="FILE",
            help="Estimate many profiles: JSON Lines, a "
            "JSON or YAML list, or CSV (one row per fact); - for stdin.",
        ),
    ],
    input_format: Annotated[
        str | None,
        typer.Option(
            "--input-format",
            metavar="FORMAT",
            help=f"Batch input format: {spoken(INPUT_FORMATS)} "
            "(default: from the file name or content).",
        ),
    ],
    sheet: SheetOpt,
    summary: Annotated[
        bool,
        typer.Option("--summary", help="Batch: one row per applicant instead of one per award."),
    ],
    jobs: Annotated[
        int,
        typer.Option(
            "--jobs",
            "-j",
            metavar="N",
            min=1,
            max=64,
            help="Batch: worker processes (1 to 64); output stays in input order.",
        ),
    ],
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Batch: no progress bar.")],
    max_record_size: Annotated[
        str,
        typer.Option(
            "--max-record-size",
            metavar="BYTES",
            help="Batch: a record (line, CSV row, list item) longer than this is rejected "
            "on its own (default 1M; K and M suffixes).",
        ),
    ],
) -> None:
    """The `estimate` command once its options are parsed."""
    encoding = check_encoding(encoding)
    if batch is not None:
        if profile is not None:
            raise UsageError("give a PROFILE or --batch FILE, not both", field="--batch")
        for flag, given in (
            ("--report", report is not None),
            ("--steps", steps),
            ("--all", show_all),
        ):
            if given:
                raise UsageError("goes with a single PROFILE, not --batch", field=flag)
        _estimate_batch(
            batch,
            input_format,
            parse_as_of(as_of),
            output_format(fmt, output, OutputFormat.jsonl),
            lang_of(lang),
            data_dir,
            extra_data,
            summary,
            output,
            jobs,
            quiet,
            excel,
            encoding,
            parse_size(max_record_size),
            sheet=sheet,
        )
        return
    check_report(report)
    distinct_outputs(output, report)
    for flag, given in (
        ("--summary", summary),
        ("--jobs", jobs != 1),
        ("--input-format", input_format is not None),
        ("--sheet", sheet is not None),
        ("--quiet", quiet),
    ):
        if given:
            raise UsageError("goes with --batch", field=flag)
    if profile is None:
        raise UsageError("give a PROFILE file (or - for stdin), or --batch FILE", field="PROFILE")
    fmt = output_format(fmt, output, OutputFormat.table)
    bom = check_excel(excel, fmt)
    from . import api
    from .render.views import EstimateView
    from .render.write import write

    day = parse_as_of(as_of)
    ruleset = load(data_dir, extra_data)
    result = api.estimate(_profile(profile, ruleset, encoding), day, ruleset=ruleset)
    language = lang_of(lang)
    view = EstimateView(result, language, steps=steps, show_all=show_all, today=as_of is None)
    reads = _reads(profile, ruleset)
    with destination(output, reads, language, binary=fmt is OutputFormat.xlsx) as out:
        if report is not None:
            from .render.report import write_report

            write_report(report, view, inputs=reads, field="--report")
            typer.echo(wrote(report, language), err=True)
        write(view, fmt, out, bom)
    if not shows_notes(fmt, output):
        for line in lapse_notices(result, language):
            typer.echo(line, err=True)
