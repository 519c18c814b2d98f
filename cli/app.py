"""The command line: thin commands that parse options, call the core and render."""

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from . import __version__
from .commands import estimate_command, interview_command, opportunities_command
from .errors import (
    EXIT_DATA,
    UsageError,
)
from .formats import INPUT_FORMATS, OutputFormat, spoken
from .model import Ruleset
from .options import (
    AsOfOpt,
    BatchFormatOpt,
    DataDirOpt,
    EncodingOpt,
    ExcelOpt,
    ExtraDataOpt,
    FormatOpt,
    LangOpt,
    Language,
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
    fail_on_error,
    lang_of,
    lapse_notices,
    load,
    output_format,
    parse_as_of,
    shows_notes,
    wrote,
)

# Shown under every command's help as written (`\b`: the help formatter keeps the lines).
EXIT_CODES = (
    "\b\nExit codes: 0 success; 1 invalid policy data, a failed scenario or (batch)\n"
    "rejected rows; 2 a usage or input error (bad option, unreadable or invalid\n"
    "profile, an output target refused); 3 an output file could not be written\n"
    "(disk full, permission, read-only); 70 an internal error (a bug: please\n"
    "report it); 129, 130, 143 stopped by SIGHUP, SIGINT or SIGTERM."
)

APP_SETTINGS: dict[str, Any] = {
    "name": "policycalc",
    "help": "What money and support Chinese regional biomedicine policies offer an applicant, "
    "which department gives it, and why. Amounts are in 万元.",
    "epilog": EXIT_CODES,
    "no_args_is_help": True,
    # --install-completion / --show-completion on the full app; the one-command app that
    # runs a command (see entry._only) skips building them.
    "add_completion": True,
    "pretty_exceptions_enable": False,
    "rich_markup_mode": None,
    "context_settings": {"help_option_names": ["-h", "--help"]},
}

app = typer.Typer(**APP_SETTINGS)


# ------------------------------------------------------------------ commands


def _version(value: bool) -> None:
    if value:
        typer.echo(f"policycalc {__version__}")
        raise typer.Exit()


@app.callback()
def main_callback(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    """What money and support Chinese regional biomedicine policies offer an applicant."""


@app.command(epilog=EXIT_CODES)
@fail_on_error
def estimate(
    profile: Annotated[
        str | None,
        typer.Argument(
            metavar="PROFILE", help="Profile file (YAML, TOML or JSON), or - for stdin."
        ),
    ] = None,
    as_of: AsOfOpt = None,
    fmt: BatchFormatOpt = None,
    lang: LangOpt = Language.zh,
    data_dir: DataDirOpt = None,
    extra_data: ExtraDataOpt = None,
    steps: Annotated[
        bool, typer.Option("--steps", help="Include each award's computation steps.")
    ] = False,
    show_all: Annotated[
        bool,
        typer.Option(
            "--all",
            help="Also list matches without money, every exclusion and the general measures "
            "(those tied to no particular fact) of the documents that reach the applicant.",
        ),
    ] = False,
    output: OutputOpt = None,
    excel: ExcelOpt = False,
    encoding: EncodingOpt = "auto",
    report: ReportOpt = None,
    batch: Annotated[
        str | None,
        typer.Option(
            "--batch",
            metavar="FILE",
            help="Estimate many profiles: JSON Lines, a "
            "JSON or YAML list, or CSV (one row per fact); - for stdin.",
        ),
    ] = None,
    input_format: Annotated[
        str | None,
        typer.Option(
            "--input-format",
            metavar="FORMAT",
            help=f"Batch input format: {spoken(INPUT_FORMATS)} "
            "(default: from the file name or content).",
        ),
    ] = None,
    sheet: SheetOpt = None,
    summary: Annotated[
        bool,
        typer.Option("--summary", help="Batch: one row per applicant instead of one per award."),
    ] = False,
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
    ] = 1,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Batch: no progress bar.")] = False,
    max_record_size: Annotated[
        str,
        typer.Option(
            "--max-record-size",
            metavar="BYTES",
            help="Batch: a record (line, CSV row, list item) longer than this is rejected "
            "on its own (default 1M; K and M suffixes).",
        ),
    ] = "1M",
) -> None:
    """Every measure that matches a profile, its award as (min, max) in 万元, who receives it
    and the lead and cooperating departments.

    A document that has lapsed (or is not yet in force) on the --as-of date but has measures
    matching the profile is named on stderr with the --as-of to use, whatever the format.

    With --batch, many profiles stream to JSON Lines (default) or CSV, or fill a workbook
    (-o FILE.xlsx); a bad row rejects its whole applicant, is reported on stderr with its
    line and skipped; exit 1 if any row was rejected. A CSV batch has one
    row per fact: an id column (rows of one applicant together), applicant.FIELD columns,
    kind, date, optional product and note, and each fact field as its own column
    (examples/clients.csv); amounts may be written 2,500. A workbook (.xlsx) is read the
    same way from its first sheet, or --sheet NAME.

    \b
    Examples:
        policycalc estimate examples/kunming-cell.toml --as-of 2023-06-30
        policycalc estimate examples/kunming-cell.toml --as-of 2023-06-30 \\
            --format json
        policycalc estimate examples/kunming-cell.toml --as-of 2023-06-30 -f csv \\
            --excel -o kunming.csv
        policycalc estimate --batch examples/clients.csv --summary \\
            --as-of 2023-06-30 -o summary.jsonl
        policycalc estimate --batch examples/clients.csv --as-of 2023-06-30 \\
            -o results.xlsx
    """
    estimate_command(
        profile=profile,
        as_of=as_of,
        fmt=fmt,
        lang=lang,
        data_dir=data_dir,
        extra_data=extra_data,
        steps=steps,
        show_all=show_all,
        output=output,
        excel=excel,
        encoding=encoding,
        report=report,
        batch=batch,
        input_format=input_format,
        sheet=sheet,
        summary=summary,
        jobs=jobs,
        quiet=quiet,
        max_record_size=max_record_size,
    )


def default_compare_regions(ruleset: Ruleset) -> list[str]:
    """Regions with no region below them that at least one document reaches."""
    parents = {r.parent for r in ruleset.regions.values() if r.parent}
    out = []
    for region in ruleset.regions:
        if region in parents:
            continue
        if ruleset.documents_reaching(region):
            out.append(region)
    return out


@app.command("compare-regions", epilog=EXIT_CODES)
@fail_on_error
def compare_regions(
    profile: Annotated[
        str, typer.Argument(metavar="PROFILE", help="Profile file, or - for stdin.")
    ],
    regions: Annotated[
        str | None,
        typer.Option(
            "--regions",
            metavar="REGIONS",
            help="Comma-separated region ids (default: every "
            "region a document reaches, e.g. kunming,nanshan,chongqing,suzhou).",
        ),
    ] = None,
    as_of: AsOfOpt = None,
    fmt: FormatOpt = OutputFormat.table,
    lang: LangOpt = Language.zh,
    data_dir: DataDirOpt = None,
    extra_data: ExtraDataOpt = None,
    output: OutputOpt = None,
    excel: ExcelOpt = False,
    encoding: EncodingOpt = "utf-8",
    report: ReportOpt = None,
) -> None:
    """The same applicant as if registered in each region, side by side.

    Facts tied to a place (converted locally, produced in the province, settled locally)
    move with the applicant; dates stay, so a lapsed document shows as lapsed.

    \b
    Example:
        policycalc compare-regions examples/kunming-cell.yaml \\
            --regions kunming,chongqing --as-of 2023-06-30
    """
    from . import api
    from .render.views import CompareView
    from .render.write import write
    from .schema import one_of

    encoding = check_encoding(encoding)
    fmt = output_format(fmt, output, OutputFormat.table)
    bom = check_excel(excel, fmt)
    day = parse_as_of(as_of)
    ruleset = load(data_dir, extra_data)
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
                    f"unknown region '{region}'{one_of(region, ruleset.regions)}",
                    field="--regions",
                )
    else:
        wanted = default_compare_regions(ruleset)
    applicant = _profile(profile, ruleset, encoding)
    language = lang_of(lang)
    check_report(report)
    distinct_outputs(output, report)
    results = api.compare_regions(applicant, wanted, day, ruleset=ruleset).estimates
    notices: list[str] = []
    for result in results:
        notices.extend(n for n in lapse_notices(result, language) if n not in notices)
    if shows_notes(fmt, output):
        notices = []
    view = CompareView(results, language, day, ruleset.version, today=as_of is None)
    reads = _reads(profile, ruleset)
    with destination(output, reads, language, binary=fmt is OutputFormat.xlsx) as out:
        if report is not None:
            from .render.report import write_report

            write_report(report, view, inputs=reads, field="--report")
            typer.echo(wrote(report, language), err=True)
        write(view, fmt, out, bom)
    for line in notices:
        typer.echo(line, err=True)


@app.command(epilog=EXIT_CODES)
@fail_on_error
def opportunities(
    profile: Annotated[
        str | None,
        typer.Argument(
            metavar="PROFILE", help="Profile file (YAML, TOML or JSON), or - for stdin."
        ),
    ] = None,
    regions: Annotated[
        str | None,
        typer.Option(
            "--regions",
            metavar="REGIONS",
            help="Comma-separated region ids: the applicant as if registered in each (as "
            "compare-regions moves it), instead of where it is.",
        ),
    ] = None,
    as_of: AsOfOpt = None,
    fmt: BatchFormatOpt = None,
    lang: LangOpt = Language.zh,
    data_dir: DataDirOpt = None,
    extra_data: ExtraDataOpt = None,
    output: OutputOpt = None,
    excel: ExcelOpt = False,
    encoding: EncodingOpt = "auto",
    report: Annotated[
        Path | None,
        typer.Option(
            "--report",
            metavar="FILE",
            help="Also write a report for the client; its kind follows the extension: "
            ".html or .md.",
        ),
    ] = None,
    reason: Annotated[
        str | None,
        typer.Option(
            "--reason",
            metavar="REASONS",
            help="Only these obstacles, comma-separated: no_fact, condition, missing_field, "
            "eligibility, window, ceiling.",
        ),
    ] = None,
    top: Annotated[
        int,
        typer.Option(
            "--top",
            metavar="N",
            min=0,
            help="Only the N with the most money at stake (default 0: all); with --batch, "
            "each applicant's N.",
        ),
    ] = 0,
    batch: Annotated[
        str | None,
        typer.Option(
            "--batch",
            metavar="FILE",
            help="Many profiles, read as `estimate --batch` reads them; one row per opportunity.",
        ),
    ] = None,
    summary: Annotated[
        bool,
        typer.Option(
            "--summary",
            help="Batch: one row per applicant with the money at stake (the sums of its "
            "opportunities' minimum and maximum, never added to the estimate).",
        ),
    ] = False,
    input_format: Annotated[
        str | None,
        typer.Option(
            "--input-format",
            metavar="FORMAT",
            help=f"Batch input format: {spoken(INPUT_FORMATS)} "
            "(default: from the file name or content).",
        ),
    ] = None,
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
    ] = 1,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Batch: no progress bar.")] = False,
    sheet: SheetOpt = None,
) -> None:
    """What else the applicant could claim, and what stands in the way of each.

    For every money measure in force that reaches the applicant and does not already pay in
    full: the obstacle (no_fact, condition, missing_field, eligibility, window, ceiling),
    what would remove it, and what that would bring in 万元 (from the profile's own figures
    where they decide it, otherwise the measure's own bounds). These figures are never
    added to any total. Ranked by money at stake; the table groups them by category.

    \b
    Examples:
        policycalc opportunities examples/suzhou-antibody.toml \\
            --as-of 2021-12-31
        policycalc opportunities examples/chongqing-antibody.yaml \\
            --regions chongqing,suzhou --as-of 2022-03-31 -f json
        policycalc opportunities --batch examples/clients.csv --as-of 2023-06-30 \\
            -f csv -o left.csv
    """
    opportunities_command(
        profile=profile,
        regions=regions,
        as_of=as_of,
        fmt=fmt,
        lang=lang,
        data_dir=data_dir,
        extra_data=extra_data,
        output=output,
        excel=excel,
        encoding=encoding,
        report=report,
        reason=reason,
        top=top,
        batch=batch,
        summary=summary,
        input_format=input_format,
        jobs=jobs,
        quiet=quiet,
        sheet=sheet,
    )


@app.command(epilog=EXIT_CODES)
@fail_on_error
def explain(
    measure_id: Annotated[
        str, typer.Argument(metavar="MEASURE_ID", help="A measure id (see `policycalc measures`).")
    ],
    profile: Annotated[
        str | None,
        typer.Option(
            "--profile", "-p", metavar="PROFILE", help="Show the computation for this profile."
        ),
    ] = None,
    as_of: AsOfOpt = None,
    fmt: FormatOpt = OutputFormat.table,
    lang: LangOpt = Language.zh,
    data_dir: DataDirOpt = None,
    extra_data: ExtraDataOpt = None,
    output: OutputOpt = None,
    excel: ExcelOpt = False,
    encoding: EncodingOpt = "utf-8",
) -> None:
    """One clause: its conditions, formula and ceilings, the document and article it comes
    from, and with --profile the computation step by step.

    \b
    Examples:
        policycalc explain km-09-renovation --profile examples/kunming-cell.toml \\
            --as-of 2023-06-30
        policycalc explain cq-08-phase3 \\
            --profile examples/chongqing-antibody.yaml --as-of 2023-01-01
    """
    from .render.views import ExplainView
    from .render.write import write
    from .schema import suggest

    encoding = check_encoding(encoding)
    fmt = output_format(fmt, output, OutputFormat.table)
    bom = check_excel(excel, fmt)
    ruleset = load(data_dir, extra_data)
    if measure_id not in ruleset.measures:
        from .catalogue import measures_like

        hint = suggest(measure_id, ruleset.measures)
        like = measures_like(ruleset, measure_id)
        if like and not hint:
            # A title or words for it, not an id: name the measures it describes.
            language = lang_of(lang)
            named = "; ".join(f"{i} ({ruleset.measures[i].title.get(language)})" for i in like)
            hint = f"; measures whose title or summary matches: {named}"
        raise UsageError(
            f"unknown measure '{measure_id}'{hint}; `policycalc measures --search WORDS` "
            f"finds others",
            field="MEASURE_ID",
        )
    day = parse_as_of(as_of)
    applicant = _profile(profile, ruleset, encoding) if profile else None
    from .api import explain as explain_measure

    found = explain_measure(measure_id, applicant, day, ruleset=ruleset)
    language = lang_of(lang)
    view = ExplainView(ruleset, found.measure, found.estimate, day, language)
    reads = _reads(profile, ruleset)
    with destination(output, reads, language, binary=fmt is OutputFormat.xlsx) as out:
        write(view, fmt, out, bom)


@app.command(epilog=EXIT_CODES)
@fail_on_error
def measures(
    region: Annotated[
        str | None,
        typer.Option("--region", metavar="REGION", help="Only documents reaching this region."),
    ] = None,
    category: Annotated[
        str | None,
        typer.Option(
            "--category",
            metavar="CATEGORY",
            help="Only this category (clinical, approval, platform, talent, …; a wrong one "
            "lists them all).",
        ),
    ] = None,
    search: Annotated[
        str | None,
        typer.Option(
            "--search", "-s", metavar="TEXT", help="Text to find in id, title or summary."
        ),
    ] = None,
    document: Annotated[
        str | None,
        typer.Option("--document", metavar="DOCUMENT", help="Only this document id."),
    ] = None,
    money_only: Annotated[bool, typer.Option("--money", help="Only measures with money.")] = False,
    stats: Annotated[
        bool, typer.Option("--stats", help="Counts per document instead of a list.")
    ] = False,
    fmt: FormatOpt = OutputFormat.table,
    lang: LangOpt = Language.zh,
    data_dir: DataDirOpt = None,
    extra_data: ExtraDataOpt = None,
    output: OutputOpt = None,
    excel: ExcelOpt = False,
) -> None:
    """List measures, filtered by region, category, document or text; --stats counts them.

    \b
    Examples:
        policycalc measures --region kunming --money
        policycalc measures --category clinical --format csv --excel \\
            -o clinical.csv
        policycalc measures --stats
    """
    from .catalogue import STATS_COLUMNS, measure_rows, stats_rows
    from .render.views import ListView
    from .render.write import write

    fmt = output_format(fmt, output, OutputFormat.table)
    bom = check_excel(excel, fmt)
    ruleset = load(data_dir, extra_data)
    language = lang_of(lang)
    if stats:
        view = ListView("stats", stats_rows(ruleset, language), STATS_COLUMNS, language)
    else:
        rows = measure_rows(
            ruleset,
            language,
            region=region,
            category=category,
            search=search,
            document=document,
            money_only=money_only,
        )
        columns = [
            "document",
            "measure",
            "article",
            "title",
            "category",
            "formula",
            "formula_kind",
            "recipient",
            "region",
        ]
        view = ListView("measures", rows, columns, language)
    reads = _reads(None, ruleset)
    with destination(output, reads, language, binary=fmt is OutputFormat.xlsx) as out:
        write(view, fmt, out, bom)


@app.command(epilog=EXIT_CODES)
@fail_on_error
def regions(
    fmt: FormatOpt = OutputFormat.table,
    lang: LangOpt = Language.zh,
    data_dir: DataDirOpt = None,
    extra_data: ExtraDataOpt = None,
    output: OutputOpt = None,
    excel: ExcelOpt = False,
) -> None:
    """The regions, their hierarchy and the documents that reach each.

    \b
    Example:
        policycalc regions
    """
    fmt = output_format(fmt, output, OutputFormat.table)
    bom = check_excel(excel, fmt)
    ruleset = load(data_dir, extra_data)
    language = lang_of(lang)
    from .catalogue import REGION_COLUMNS, region_rows
    from .render.views import ListView
    from .render.write import write

    rows, columns = region_rows(ruleset, language), REGION_COLUMNS
    reads = _reads(None, ruleset)
    with destination(output, reads, language, binary=fmt is OutputFormat.xlsx) as out:
        write(ListView("regions", rows, columns, language), fmt, out, bom)


@app.command(epilog=EXIT_CODES)
@fail_on_error
def validate(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            metavar="[PATH]...",
            help="Folders of clause tables, or single document files checked against the "
            "bundled shared tables (default: the bundled data).",
        ),
    ] = None,
    data_dir: DataDirOpt = None,
) -> None:
    """Check policy data: every file, key, type, id, department and region. Exit 1 on the
    first problem, naming file, line and key.

    \b
    Example:
        policycalc validate
    """
    from .rulesets import load_ruleset

    given = list(paths or []) + list(data_dir or [])
    folders = [p for p in given if p.is_dir()]
    files = [p for p in given if not p.is_dir()]
    ruleset = load_ruleset(folders or None, files=files)
    money = sum(1 for m in ruleset.measures.values() if m.formula.pays)
    typer.echo(
        f"OK: {len(ruleset.documents)} documents, {len(ruleset.measures)} measures "
        f"({money} with money or case by case), ruleset {ruleset.version}"
    )


@app.command(epilog=EXIT_CODES)
@fail_on_error
def check(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            metavar="[PATH]...",
            help="Scenario files or folders (default: the bundled scenarios).",
        ),
    ] = None,
    data_dir: DataDirOpt = None,
    extra_data: ExtraDataOpt = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print failures only.")] = False,
) -> None:
    """Run scenario files (a profile, an as-of date, the expected awards) and report each
    pass or failure with the difference. Exit 1 on any failure.

    \b
    Examples:
        policycalc check --quiet
        policycalc check scenarios/kunming-cell-2020.yaml
    """
    from .bundled import bundled_dir, resolve
    from .scenarios import run_file, scenario_files

    ruleset = load(data_dir, extra_data)
    if paths:
        given = [Path(resolve(str(p))) for p in paths]
    else:
        folder = bundled_dir("scenarios")
        if folder is None:
            raise UsageError("the bundled scenarios are missing; reinstall policycalc")
        given = [folder]
    files = scenario_files(given)
    if not files:
        raise UsageError("no scenario files found", field="PATH")
    passed = failed = 0
    for path in files:
        if not path.exists():
            raise UsageError("no such file", source=str(path))
        for result in run_file(path, ruleset):
            where = f"{result.source}:{result.line}" if result.line else result.source
            if result.passed:
                passed += 1
                if not quiet:
                    typer.echo(f"PASS {where} {result.name}")
            else:
                failed += 1
                typer.echo(f"FAIL {where} {result.name}")
                for problem in result.problems:
                    typer.echo(f"     {problem}")
    typer.echo(f"{passed} passed, {failed} failed")
    if failed:
        raise typer.Exit(EXIT_DATA)


@app.command(epilog=EXIT_CODES)
@fail_on_error
def interview(
    region: Annotated[
        str,
        typer.Option(
            "--region", metavar="REGION", help="Region where the applicant is registered."
        ),
    ],
    as_of: AsOfOpt = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            metavar="FILE",
            help="Write the profile to FILE (never overwrites); its format follows the "
            "extension (.toml, .yaml) unless --format says. Default: stdout.",
        ),
    ] = None,
    fmt: Annotated[
        TemplateFormat | None,
        typer.Option(
            "--format",
            "-f",
            metavar="FORMAT",
            help="Profile format: toml or yaml (default: from the file name, else toml).",
            show_default=False,
        ),
    ] = None,
    answers: Annotated[
        Path | None,
        typer.Option(
            "--answers",
            metavar="FILE",
            help="Read the answers from FILE, one a line (a line starting with # is a "
            "comment), instead of the terminal or stdin.",
        ),
    ] = None,
    lang: LangOpt = Language.zh,
    data_dir: DataDirOpt = None,
    extra_data: ExtraDataOpt = None,
) -> None:
    """Build a profile by answering only the questions that the region's money measures in
    force depend on, then see its estimate and its three largest opportunities.

    Questions come from the data (the facts and fields each measure reads), grouped by
    topic in order of the money at stake; an answer that rules questions out skips them.
    Each answer is checked as it is typed: a choice by its number or its words in either
    language, dates as 2022-08-20 or 2022年8月20日. Questions go to stderr. At a terminal,
    `back` revises the previous answer, a review comes before writing, and Ctrl-C saves
    the answers so far to a file it names (--answers FILE resumes from it). With --answers,
    or stdin not a terminal, answers are read one a line (an empty line skips an optional
    question; a line starting with # is a comment); a bad one stops with its line number.
    The profile goes to FILE (or stdout); the estimate and opportunities follow on stdout
    (on stderr when the profile itself went to stdout).

    \b
    Examples:
        policycalc interview --region chongqing --as-of 2023-01-01 \\
            --answers examples/cq-answers.txt -o client.toml
        policycalc interview --region chongqing --as-of 2023-01-01 \\
            --answers examples/cq-answers.txt --lang en -f yaml
    """
    interview_command(
        region=region,
        as_of=as_of,
        output=output,
        fmt=fmt,
        answers=answers,
        lang=lang,
        data_dir=data_dir,
        extra_data=extra_data,
    )


@app.command(epilog=EXIT_CODES)
@fail_on_error
def init(
    fmt: Annotated[
        TemplateFormat,
        typer.Option("--format", "-f", metavar="FORMAT", help="Template format: toml or yaml."),
    ] = TemplateFormat.toml,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            metavar="FILE",
            help="Write to FILE instead of stdout (never overwrites).",
        ),
    ] = None,
    region: Annotated[
        str,
        typer.Option("--region", metavar="REGION", help="Region of the applicant in the template."),
    ] = "kunming",
) -> None:
    """Write a commented template profile.

    \b
    Example:
        policycalc init --format yaml -o my-client.yaml
    """
    from .rulesets import load_ruleset
    from .schema import one_of
    from .template import template

    ruleset = load_ruleset()
    if region not in ruleset.regions:
        raise UsageError(
            f"unknown region '{region}'{one_of(region, ruleset.regions)}", field="--region"
        )
    text = template(ruleset, fmt.value, region)
    if output is None:
        sys.stdout.write(text)
        return
    from .output import write_file

    write_file(output, text, inputs=_reads(None, ruleset), field="--output", no_clobber=True)
    typer.echo(f"wrote {output}", err=True)


@app.command(epilog=EXIT_CODES)
@fail_on_error
def facts(
    kind: Annotated[
        str | None, typer.Argument(metavar="KIND", help="Show one fact kind in full.")
    ] = None,
    fmt: FormatOpt = OutputFormat.table,
    lang: LangOpt = Language.zh,
    data_dir: DataDirOpt = None,
    extra_data: ExtraDataOpt = None,
    output: OutputOpt = None,
    excel: ExcelOpt = False,
) -> None:
    """The profile vocabulary: applicant fields and fact kinds with their fields and units.

    \b
    Examples:
        policycalc facts
        policycalc facts clinical_phase_completed
    """
    from .catalogue import fact_rows, fact_value_words
    from .render.views import ListView
    from .render.write import write
    from .schema import suggest

    fmt = output_format(fmt, output, OutputFormat.table)
    bom = check_excel(excel, fmt)
    ruleset = load(data_dir, extra_data)
    vocab = ruleset.vocabulary
    if kind is not None and kind not in ("applicant", "product") and kind not in vocab.kinds:
        raise UsageError(
            f"unknown fact kind '{kind}'{suggest(kind, vocab.kinds)}; "
            "`policycalc facts` lists them",
            field="KIND",
        )
    language = lang_of(lang)
    rows = fact_rows(ruleset, language, kind)
    columns = ["kind", "field", "type", "required", "values", "label"]
    words = fact_value_words(ruleset, language) if fmt is OutputFormat.table else None
    view = ListView("facts", rows, columns, language, detail=kind is not None, value_words=words)
    reads = _reads(None, ruleset)
    with destination(output, reads, language, binary=fmt is OutputFormat.xlsx) as out:
        write(view, fmt, out, bom)
