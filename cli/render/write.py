"""The one way out: `write(view, fmt)` decides the format once and hands the view to that
format's writer (table.py, machine.py); a format or a view nobody handles is a type error
(`assert_never`). Batch runs write their rows through the same machine writers."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping, Sequence
from typing import IO, Any, assert_never

from ..formats import OutputFormat
from .data import data_of
from .views import CompareView, EstimateView, ExplainView, ListView, OpportunitiesView, View


def rows_of(view: View) -> tuple[Sequence[Mapping[str, Any]], list[str]]:
    """Flat rows and their columns (JSON Lines, CSV)."""
    from .rows import AWARD_COLUMNS, EXPLAIN_COLUMNS, award_rows, explain_rows

    if isinstance(view, EstimateView):
        return award_rows(view.estimate, view.lang), AWARD_COLUMNS
    if isinstance(view, CompareView):
        rows = [row for est in view.estimates for row in award_rows(est, view.lang)]
        return rows, AWARD_COLUMNS
    if isinstance(view, ExplainView):
        return explain_rows(data_of(view)), EXPLAIN_COLUMNS
    if isinstance(view, ListView):
        return view.rows, view.columns
    if isinstance(view, OpportunitiesView):
        from .opportunities import OPPORTUNITY_COLUMNS, opportunity_rows

        found = [row for r in view.results for row in opportunity_rows(r, view.lang)]
        return found, OPPORTUNITY_COLUMNS
    assert_never(view)


def workbook_tables(view: View) -> list[tuple[str, list[str], Iterable[Mapping[str, Any]]]]:
    """A result as the tables of a workbook: its rows (awards and a summary row per estimate,
    or opportunities, or the listing), the estimates' notes, and the ruleset stamp."""
    from .rows import AWARD_COLUMNS, SUMMARY_COLUMNS, award_rows, summary_row
    from .xlsx import NOTE_COLUMNS, STAMP_COLUMNS, stamp_rows

    lang = view.lang
    if isinstance(view, EstimateView | CompareView):
        estimates = [view.estimate] if isinstance(view, EstimateView) else list(view.estimates)
        awards = [row for est in estimates for row in award_rows(est, lang)]
        summary = [summary_row(est, lang=lang) for est in estimates]
        notes = [
            {"applicant": row["applicant"], "kind": f"note ({est.region})", "text": n.get(lang)}
            for est, row in zip(estimates, summary, strict=True)
            for n in est.notes
        ]
        first = estimates[0]
        stamp = stamp_rows(first.ruleset.version, first.as_of.isoformat(), lang, first.documents)
        return [
            ("awards", AWARD_COLUMNS, awards),
            ("summary", SUMMARY_COLUMNS, summary),
            ("notes", NOTE_COLUMNS, notes),
            ("ruleset", STAMP_COLUMNS, stamp),
        ]
    rows, columns = rows_of(view)
    if isinstance(view, OpportunitiesView):
        summary = [summary_row(r.estimate, lang=lang) for r in view.results]
        stamp = stamp_rows(view.ruleset, view.as_of.isoformat(), lang)
        return [
            ("opportunities", columns, rows),
            ("summary", SUMMARY_COLUMNS, summary),
            ("ruleset", STAMP_COLUMNS, stamp),
        ]
    if isinstance(view, ExplainView):
        stamp = stamp_rows(view.ruleset.version, view.as_of.isoformat(), lang)
        return [("explain", columns, rows), ("ruleset", STAMP_COLUMNS, stamp)]
    return [(view.kind, columns, rows)]


def write(view: View, fmt: OutputFormat, out: IO[Any] | None = None, bom: bool = False) -> None:
    """Write a view in a format to `out` (stdout by default; a binary stream for xlsx)."""
    stream: Any = sys.stdout if out is None else out
    if fmt is OutputFormat.table:
        from .table import console, print_view

        print_view(view, console(file=out))
    elif fmt is OutputFormat.json:
        from .machine import write_json

        write_json(data_of(view), stream)
    elif fmt is OutputFormat.yaml:
        from .machine import write_yaml

        write_yaml(data_of(view), stream)
    elif fmt is OutputFormat.toml:
        from .machine import write_toml

        data = data_of(view)
        write_toml(data if isinstance(data, dict) else {"items": data}, stream)
    elif fmt is OutputFormat.jsonl:
        from .machine import write_jsonl

        write_jsonl(rows_of(view)[0], stream)
    elif fmt is OutputFormat.csv:
        from .machine import write_csv

        rows, columns = rows_of(view)
        write_csv(rows, columns, stream, bom)
    elif fmt is OutputFormat.xlsx:
        from .xlsx import write_tables

        write_tables(workbook_tables(view), stream)
    else:
        assert_never(fmt)
