"""One typed view per command result, and `write(view, fmt)`: the one way out.

A view holds a command's result (core objects, never pre-rendered text) with the choices
that shape its presentation (language, steps, --all). `write` decides the format once and
hands the view to that format's writer; a format or a view nobody handles is a type error
(`assert_never`).
"""

from __future__ import annotations

import datetime as dt
import sys
from typing import TYPE_CHECKING, Any, Literal, TextIO, assert_never

from ..formats import OutputFormat as OutputFormat
from ..model import Lang, Measure, Ruleset, record

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from ..opportunities import Opportunities
    from ..results import Estimate


@record
class EstimateView:
    """`estimate PROFILE`: one applicant's awards."""

    estimate: Estimate
    lang: Lang
    steps: bool = False
    show_all: bool = False
    today: bool = False  # the as-of date is today's by default (no --as-of): headers say so


@record
class CompareView:
    """`compare-regions`: the same applicant as if registered in each region."""

    estimates: tuple[Estimate, ...]
    lang: Lang
    as_of: dt.date
    ruleset: str
    today: bool = False  # as in EstimateView


@record
class ExplainView:
    """`explain MEASURE [--profile]`: one clause, and with a profile the estimate the
    command made for it (the clause's computation is read from it; rendering computes
    nothing)."""

    ruleset: Ruleset
    measure: Measure
    estimate: Estimate | None
    as_of: dt.date
    lang: Lang


ListKind = Literal["measures", "stats", "facts", "regions"]


@record
class ListView:
    """A listing (measures, stats, facts, regions): rows of plain values, in column order."""

    kind: ListKind
    rows: list[dict[str, Any]]
    columns: list[str]
    lang: Lang
    detail: bool = False


@record
class OpportunitiesView:
    """`opportunities PROFILE [--regions]`: what else could be claimed, one region each."""

    results: tuple[Opportunities, ...]
    lang: Lang
    as_of: dt.date
    ruleset: str


View = EstimateView | CompareView | ExplainView | ListView | OpportunitiesView


# ------------------------------------------------------------------ plain data and rows


def compare_data(view: CompareView) -> dict[str, Any]:
    from .data import estimate_data

    regions = []
    for est in view.estimates:
        data = estimate_data(est, view.lang)
        data["region"] = est.region
        data["region_label"] = est.ruleset.regions[est.region].name.get(view.lang)
        regions.append(data)
    return {"as_of": view.as_of.isoformat(), "ruleset": view.ruleset, "regions": regions}


def data_of(view: View) -> Any:
    """The whole result as plain data (JSON, YAML, TOML)."""
    if isinstance(view, EstimateView):
        from .data import estimate_data

        return estimate_data(view.estimate, view.lang, view.steps, view.show_all)
    if isinstance(view, CompareView):
        return compare_data(view)
    if isinstance(view, ExplainView):
        from .data import explain_data

        return explain_data(view.ruleset, view.measure, view.as_of, view.lang, view.estimate)
    if isinstance(view, ListView):
        return view.rows
    if isinstance(view, OpportunitiesView):
        from .opportunities import view_data

        return view_data(view)
    assert_never(view)


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


# ------------------------------------------------------------------ the one writer


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
