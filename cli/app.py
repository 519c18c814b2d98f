"""The command line: thin commands that parse options, call the core and render."""

from __future__ import annotations

import datetime as dt
import functools
import sys
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from . import __version__
from .errors import EXIT_DATA, EXIT_OK, PolicycalcError, UsageError
from .model import Lang, Ruleset
from .render.views import OutputFormat

F = TypeVar("F", bound=Callable[..., Any])

APP_SETTINGS: dict[str, Any] = {
    "name": "policycalc",
    "help": "What money and support Chinese regional biomedicine policies offer an applicant, "
    "which department gives it, and why. Amounts are in 万元.",
    "no_args_is_help": True,
    "add_completion": False,
    "pretty_exceptions_enable": False,
    "rich_markup_mode": None,
    "context_settings": {"help_option_names": ["-h", "--help"]},
}

app = typer.Typer(**APP_SETTINGS)


class Language(StrEnum):
    zh = "zh"
    en = "en"


class TemplateFormat(StrEnum):
    toml = "toml"
    yaml = "yaml"


# ------------------------------------------------------------------ shared options

DataDirOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--data-dir",
        help="Use the clause tables in this folder instead of the "
        "bundled ones (repeatable). Shared tables it lacks come from the bundled data.",
    ),
]
ExtraDataOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--extra-data",
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
FormatOpt = Annotated[OutputFormat, typer.Option("--format", "-f", help="Output format.")]
ReportOpt = Annotated[
    Path | None,
    typer.Option(
        "--report",
        metavar="FILE",
        help="Also write a self-contained report for a "
        "client; its kind follows the extension: .html, .svg or .md.",
    ),
]


def check_report(path: Path | None) -> None:
    if path is None:
        return
    from .render.report import REPORT_KINDS

    if path.suffix.lower() not in REPORT_KINDS:
        raise UsageError(
            f"a report ends in .html, .svg or .md, not '{path.suffix or path.name}'",
            field="--report",
        )
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise UsageError("its folder does not exist", source=str(path), field="--report")


LangOpt = Annotated[Language, typer.Option("--lang", help="Language of labels and titles.")]


def fail_on_error(func: F) -> F:
    """Turn every known error into one `Error: …` line on stderr and its exit code."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except PolicycalcError as exc:
            for error in (exc, *exc.others):
                typer.echo(f"Error: {error}", err=True)
            raise typer.Exit(exc.exit_code) from None
        except BrokenPipeError:
            raise typer.Exit(EXIT_OK) from None

    return wrapper  # type: ignore[return-value]


def parse_as_of(value: str | None) -> dt.date:
    if value is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise UsageError(f"'{value}' is not a date (YYYY-MM-DD)", field="--as-of") from None


def load(data_dir: list[Path] | None, extra: list[Path] | None) -> Ruleset:
    from .rulesets import load_ruleset

    return load_ruleset(data_dir or None, extra or ())


def read_stdin() -> bytes:
    return sys.stdin.buffer.read()


def _profile(path: str, ruleset: Ruleset) -> Any:
    from .profile import load_profile

    return load_profile(path, ruleset, read_stdin() if path == "-" else None)


def lang_of(lang: Language) -> Lang:
    return "zh" if lang is Language.zh else "en"


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
    """What money and support Chinese regional biomedicine policies offer an applicant.

    Exit codes: 0 success; 1 invalid policy data, a failed scenario or rejected batch rows;
    2 a usage or input error.
    """


@app.command()
@fail_on_error
def estimate(
    profile: Annotated[
        str | None,
        typer.Argument(help="Profile file (YAML, TOML or JSON), or - for stdin."),
    ] = None,
    as_of: AsOfOpt = None,
    fmt: FormatOpt = OutputFormat.table,
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
    batch: Annotated[
        str | None,
        typer.Option(
            "--batch",
            metavar="FILE",
            help="Estimate many profiles: JSON Lines, a "
            "JSON or YAML list, or CSV (one row per fact); - for stdin.",
            rich_help_panel="Batch",
        ),
    ] = None,
    input_format: Annotated[
        str | None,
        typer.Option(
            "--input-format",
            help="Batch input format: jsonl, json, yaml or csv "
            "(default: from the file name or content).",
            rich_help_panel="Batch",
        ),
    ] = None,
    summary: Annotated[
        bool,
        typer.Option(
            "--summary",
            help="Batch: one row per applicant instead of one per award.",
            rich_help_panel="Batch",
        ),
    ] = False,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Batch: write here, atomically (a temporary file renamed when complete).",
            rich_help_panel="Batch",
        ),
    ] = None,
    jobs: Annotated[
        int,
        typer.Option(
            "--jobs",
            "-j",
            min=1,
            max=64,
            help="Batch: worker processes; output stays in input order.",
            rich_help_panel="Batch",
        ),
    ] = 1,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Batch: no progress bar.", rich_help_panel="Batch")
    ] = False,
    report: ReportOpt = None,
    excel: Annotated[
        bool,
        typer.Option(
            "--excel",
            help="Batch CSV: start with a UTF-8 BOM so Excel keeps the Chinese intact.",
            rich_help_panel="Batch",
        ),
    ] = False,
) -> None:
    """Every measure that matches a profile, its award as (min, max) in 万元, who receives it
    and the lead and cooperating departments.

    With --batch, many profiles stream to JSON Lines (default) or CSV; a bad row is reported
    on stderr with its line and skipped; exit 1 if any row was rejected. A CSV batch has one
    row per fact: an id column (rows of one applicant together), applicant.FIELD columns,
    kind, date, optional product and note, and each fact field as its own column.

    Example:

        policycalc estimate examples/kunming-cell.toml --as-of 2023-06-30

        policycalc estimate profile.toml --format json | jq .totals

        policycalc estimate --batch clients.jsonl --summary --as-of 2023-06-30 -o out.jsonl
    """
    if batch is not None:
        if profile is not None:
            raise UsageError("give a PROFILE or --batch FILE, not both", field="--batch")
        if report is not None:
            raise UsageError("--report goes with a single PROFILE, not --batch", field="--report")
        _estimate_batch(
            batch,
            input_format,
            parse_as_of(as_of),
            fmt,
            lang_of(lang),
            data_dir,
            extra_data,
            summary,
            output,
            jobs,
            quiet,
            excel,
        )
        return
    check_report(report)
    for flag, given in (
        ("--summary", summary),
        ("--output", output is not None),
        ("--jobs", jobs != 1),
        ("--excel", excel),
        ("--input-format", input_format is not None),
    ):
        if given:
            raise UsageError(f"{flag} goes with --batch", field=flag)
    if profile is None:
        raise UsageError("give a PROFILE file (or - for stdin), or --batch FILE", field="PROFILE")
    from .engine import estimate as run
    from .render.views import EstimateView, write

    day = parse_as_of(as_of)
    ruleset = load(data_dir, extra_data)
    result = run(ruleset, _profile(profile, ruleset), day)
    view = EstimateView(result, lang_of(lang), steps=steps, show_all=show_all)
    if report is not None:
        from .render.report import write_report

        write_report(report, view)
        typer.echo(f"wrote {report}", err=True)
    write(view, fmt)


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
) -> None:
    import io
    import signal

    from . import batch
    from .schema import suggest

    if fmt is OutputFormat.table:
        fmt = OutputFormat.jsonl
    if fmt not in (OutputFormat.jsonl, OutputFormat.csv):
        raise UsageError(f"batch output is jsonl or csv, not {fmt.value}", field="--format")
    if excel and fmt is not OutputFormat.csv:
        raise UsageError("--excel goes with --format csv", field="--excel")
    if input_format is not None and input_format not in batch.INPUT_FORMATS:
        raise UsageError(
            f"unknown input format '{input_format}'"
            f"{suggest(input_format, batch.INPUT_FORMATS)}; expected one of: "
            f"{', '.join(batch.INPUT_FORMATS)}",
            field="--input-format",
        )
    ruleset = load(data_dir, extra_data)
    label = "<stdin>" if source == "-" else source
    if source == "-":
        raw: Any = io.BufferedReader(sys.stdin.buffer)
    else:
        from .profile import open_input

        raw = open_input(source, "a batch file")
    head = raw.peek(4096)[:4096].decode("utf-8", "ignore")
    stream = io.TextIOWrapper(raw, encoding="utf-8", errors="strict", newline="")
    kind = input_format or batch.guess_input_format(label, head)
    target = batch.AtomicOutput(output) if output is not None else None
    out = target.stream if target is not None else sys.stdout
    job = batch.Job(ruleset, day, language, summary, label, fmt.value)
    out.write(batch.header(job, bom=excel))

    def report(line: str) -> None:
        typer.echo(f"Error: {line}", err=True)

    def stop(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    progress_bar = None
    advance = None
    if not quiet and sys.stderr.isatty():
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        progress_bar = Progress(
            SpinnerColumn(),
            TextColumn("{task.completed} applicants"),
            TimeElapsedColumn(),
            transient=True,
        )
        task = progress_bar.add_task("batch", total=None)
        progress_bar.start()

        def advance(n: int) -> None:
            progress_bar.advance(task, n)

    try:
        counts = batch.run(stream, kind, job, out, report, jobs=jobs, progress=advance)
        if target is not None:
            target.commit()
            target = None
    except UnicodeDecodeError as exc:
        raise UsageError(f"not UTF-8 text at byte {exc.start}", source=label) from None
    finally:
        if progress_bar is not None:
            progress_bar.stop()
        if target is not None:
            target.discard()
        signal.signal(signal.SIGTERM, previous)
        stream.close()
    typer.echo(
        f"{counts.read} applicants read: {counts.estimated} estimated, "
        f"{counts.rejected} rejected; {counts.rows} rows written",
        err=True,
    )
    if counts.rejected:
        raise typer.Exit(EXIT_DATA)


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


@app.command("compare-regions")
@fail_on_error
def compare_regions(
    profile: Annotated[str, typer.Argument(help="Profile file, or - for stdin.")],
    regions: Annotated[
        str | None,
        typer.Option(
            "--regions",
            help="Comma-separated region ids (default: every "
            "region a document reaches, e.g. kunming,nanshan,chongqing,suzhou).",
        ),
    ] = None,
    as_of: AsOfOpt = None,
    fmt: FormatOpt = OutputFormat.table,
    lang: LangOpt = Language.zh,
    data_dir: DataDirOpt = None,
    extra_data: ExtraDataOpt = None,
    report: ReportOpt = None,
) -> None:
    """The same applicant as if registered in each region, side by side.

    Facts tied to a place (converted locally, produced in the province, settled locally)
    move with the applicant; dates stay, so a lapsed document shows as lapsed.

    Example:

        policycalc compare-regions examples/kunming-cell.yaml --regions kunming,chongqing --as-of 2023-06-30
    """
    from .engine import estimate as run
    from .render.views import CompareView, write
    from .schema import suggest

    day = parse_as_of(as_of)
    ruleset = load(data_dir, extra_data)
    applicant = _profile(profile, ruleset)
    if regions:
        wanted = [r.strip() for r in regions.split(",") if r.strip()]
        for region in wanted:
            if region not in ruleset.regions:
                raise UsageError(
                    f"unknown region '{region}'{suggest(region, ruleset.regions)}",
                    field="--regions",
                )
    else:
        wanted = default_compare_regions(ruleset)
    language = lang_of(lang)
    check_report(report)
    results = tuple(run(ruleset, applicant, day, region=region) for region in wanted)
    view = CompareView(results, language, day, ruleset.version)
    if report is not None:
        from .render.report import write_report

        write_report(report, view)
        typer.echo(f"wrote {report}", err=True)
    write(view, fmt)


@app.command()
@fail_on_error
def explain(
    measure_id: Annotated[
        str, typer.Argument(metavar="MEASURE_ID", help="A measure id (see `policycalc measures`).")
    ],
    profile: Annotated[
        str | None, typer.Option("--profile", "-p", help="Show the computation for this profile.")
    ] = None,
    as_of: AsOfOpt = None,
    fmt: FormatOpt = OutputFormat.table,
    lang: LangOpt = Language.zh,
    data_dir: DataDirOpt = None,
    extra_data: ExtraDataOpt = None,
) -> None:
    """One clause: its conditions, formula and ceilings, the document and article it comes
    from, and with --profile the computation step by step.

    Example:

        policycalc explain cq-08-phase2 --profile examples/chongqing-antibody.yaml --as-of 2023-01-01
    """
    from .render.views import ExplainView, write
    from .schema import suggest

    ruleset = load(data_dir, extra_data)
    if measure_id not in ruleset.measures:
        raise UsageError(
            f"unknown measure '{measure_id}'{suggest(measure_id, ruleset.measures)}; "
            f"`policycalc measures` lists them",
            field="MEASURE_ID",
        )
    day = parse_as_of(as_of)
    applicant = _profile(profile, ruleset) if profile else None
    write(ExplainView(ruleset, ruleset.measures[measure_id], applicant, day, lang_of(lang)), fmt)


@app.command()
@fail_on_error
def measures(
    region: Annotated[
        str | None, typer.Option("--region", help="Only documents reaching this region.")
    ] = None,
    category: Annotated[str | None, typer.Option("--category", help="Only this category.")] = None,
    search: Annotated[
        str | None, typer.Option("--search", "-s", help="Text to find in id, title or summary.")
    ] = None,
    document: Annotated[
        str | None, typer.Option("--document", help="Only this document id.")
    ] = None,
    money_only: Annotated[bool, typer.Option("--money", help="Only measures with money.")] = False,
    stats: Annotated[
        bool, typer.Option("--stats", help="Counts per document instead of a list.")
    ] = False,
    fmt: FormatOpt = OutputFormat.table,
    lang: LangOpt = Language.zh,
    data_dir: DataDirOpt = None,
    extra_data: ExtraDataOpt = None,
) -> None:
    """List measures, filtered by region, category, document or text; --stats counts them.

    Example:

        policycalc measures --region kunming --money

        policycalc measures --stats
    """
    from .catalogue import STATS_COLUMNS, measure_rows, stats_rows
    from .render.views import ListView, write

    ruleset = load(data_dir, extra_data)
    language = lang_of(lang)
    if stats:
        write(ListView("stats", stats_rows(ruleset, language), STATS_COLUMNS, language), fmt)
        return
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
    write(ListView("measures", rows, columns, language), fmt)


@app.command()
@fail_on_error
def regions(
    fmt: FormatOpt = OutputFormat.table,
    lang: LangOpt = Language.zh,
    data_dir: DataDirOpt = None,
    extra_data: ExtraDataOpt = None,
) -> None:
    """The regions, their hierarchy and the documents that reach each.

    Example:

        policycalc regions
    """
    ruleset = load(data_dir, extra_data)
    language = lang_of(lang)
    rows: list[dict[str, Any]] = []
    for region in ruleset.regions.values():
        own = [d.id for d in ruleset.documents.values() if d.region == region.id]
        reaching = [d.id for d in ruleset.documents_reaching(region.id)]
        rows.append(
            {
                "id": region.id,
                "name": region.name.get(language),
                "level": region.level,
                "parent": region.parent,
                "documents": own,
                "reached_by": reaching,
            }
        )
    from .render.views import ListView, write

    columns = ["id", "name", "level", "parent", "documents", "reached_by"]
    write(ListView("regions", rows, columns, language), fmt)


@app.command()
@fail_on_error
def validate(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Folders of clause tables, or single document files checked against the "
            "bundled shared tables (default: the bundled data)."
        ),
    ] = None,
    data_dir: DataDirOpt = None,
) -> None:
    """Check policy data: every file, key, type, id, department and region. Exit 1 on the
    first problem, naming file, line and key.

    Example:

        policycalc validate my_policies/
    """
    from .rulesets import load_ruleset

    given = list(paths or []) + list(data_dir or [])
    folders = [p for p in given if p.is_dir()]
    files = [p for p in given if not p.is_dir()]
    ruleset = load_ruleset(folders or None, files=files)
    money = sum(1 for m in ruleset.measures.values() if m.formula.kind != "no_money")
    typer.echo(
        f"OK: {len(ruleset.documents)} documents, {len(ruleset.measures)} measures "
        f"({money} with money or case by case), ruleset {ruleset.version}"
    )


@app.command()
@fail_on_error
def check(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Scenario files or folders (default: ./scenarios).")
    ] = None,
    data_dir: DataDirOpt = None,
    extra_data: ExtraDataOpt = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print failures only.")] = False,
) -> None:
    """Run scenario files (a profile, an as-of date, the expected awards) and report each
    pass or failure with the difference. Exit 1 on any failure.

    Example:

        policycalc check scenarios/
    """
    from .scenarios import run_file, scenario_files

    ruleset = load(data_dir, extra_data)
    files = scenario_files(list(paths or [Path("scenarios")]))
    if not files:
        raise UsageError("no scenario files found", field="PATHS")
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


@app.command()
@fail_on_error
def init(
    fmt: Annotated[
        TemplateFormat, typer.Option("--format", "-f", help="Template format.")
    ] = TemplateFormat.toml,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="Write to this file instead of stdout (never overwrites)."
        ),
    ] = None,
    region: Annotated[
        str, typer.Option("--region", help="Region of the applicant in the template.")
    ] = "kunming",
) -> None:
    """Write a commented template profile.

    Example:

        policycalc init --format yaml -o my-client.yaml
    """
    from .rulesets import load_ruleset
    from .schema import suggest
    from .template import template

    ruleset = load_ruleset()
    if region not in ruleset.regions:
        raise UsageError(
            f"unknown region '{region}'{suggest(region, ruleset.regions)}", field="--region"
        )
    text = template(ruleset, fmt.value, region)
    if output is None:
        sys.stdout.write(text)
        return
    if output.exists():
        raise UsageError("already exists; choose another name", source=str(output))
    output.write_text(text, encoding="utf-8")
    typer.echo(f"wrote {output}", err=True)


@app.command()
@fail_on_error
def facts(
    kind: Annotated[str | None, typer.Argument(help="Show one fact kind in full.")] = None,
    fmt: FormatOpt = OutputFormat.table,
    lang: LangOpt = Language.zh,
    data_dir: DataDirOpt = None,
    extra_data: ExtraDataOpt = None,
) -> None:
    """The profile vocabulary: applicant fields and fact kinds with their fields and units.

    Example:

        policycalc facts clinical_phase_completed
    """
    from .catalogue import fact_rows
    from .render.views import ListView, write
    from .schema import suggest

    ruleset = load(data_dir, extra_data)
    vocab = ruleset.vocabulary
    if kind is not None and kind != "applicant" and kind not in vocab.kinds:
        raise UsageError(f"unknown fact kind '{kind}'{suggest(kind, vocab.kinds)}", field="KIND")
    rows = fact_rows(ruleset, lang_of(lang), kind)
    columns = ["kind", "field", "type", "required", "values", "label"]
    write(ListView("facts", rows, columns, lang_of(lang), detail=kind is not None), fmt)


def _only(name: str) -> typer.Typer:
    """The app with just one command. Typer builds every command's options when it starts;
    a script that calls `estimate` once per applicant need not pay for the other eight."""
    for info in app.registered_commands:
        command = info.name or (info.callback.__name__ if info.callback else "")
        if command == name and info.callback is not None:
            single = typer.Typer(**APP_SETTINGS)
            single.callback()(main_callback)
            single.command(name)(info.callback)
            return single
    return app


def main() -> None:
    """Entry point: never a traceback, always a documented exit code."""
    args = sys.argv[1:]
    target = _only(args[0]) if args and not args[0].startswith("-") else app
    try:
        code = target(standalone_mode=False)
    except SystemExit:
        raise
    except KeyboardInterrupt:
        typer.echo("Error: interrupted", err=True)
        sys.exit(130)
    except Exception as exc:
        message = getattr(exc, "format_message", None)
        exit_code = getattr(exc, "exit_code", None)
        if message is None or not isinstance(exit_code, int):
            # A bug: say so in one line rather than a traceback.
            typer.echo(
                f"Error: internal error ({type(exc).__name__}: {exc}); please report it",
                err=True,
            )
            sys.exit(EXIT_DATA)
        # The option parser's own errors (unknown option, bad choice): one line, exit 2.
        if type(exc).__name__ == "NoArgsIsHelpError":
            typer.echo(message())
        else:
            command = f"policycalc {args[0]}" if target is not app else "policycalc"
            text = " ".join(message().split())
            typer.echo(f"Error: {text} (see {command} -h)", err=True)
        sys.exit(exit_code)
    sys.exit(code if isinstance(code, int) else 0)
