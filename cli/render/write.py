"""The one way out: `write(view, fmt)` decides the format once and hands the view to that
format's writer (table.py, machine.py); a format or a view nobody handles is a type error
(`assert_never`). Batch runs write their rows through the same machine writers."""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from typing import Any, TextIO, assert_never

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


def write(view: View, fmt: OutputFormat, out: TextIO | None = None, bom: bool = False) -> None:
    """Write a view in a format to `out` (stdout by default)."""
    stream = sys.stdout if out is None else out
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
    else:
        assert_never(fmt)
