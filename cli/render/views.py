"""One typed view per command result: types only (render/write.py writes them).

A view holds a command's result (core objects, never pre-rendered text) with the choices
that shape its presentation (language, steps, all measures). Nothing here builds, prints or
computes: data.py turns a view into plain data, rows.py into rows, table.py, report.py and
machine.py print, and write.py alone decides the format.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, Literal

from ..formats import OutputFormat as OutputFormat
from ..model import Lang, Measure, Ruleset, record

if TYPE_CHECKING:
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
    # `facts` in a table: each enum field's values in the client's words, by (kind, field),
    # shown beside the ids; machine formats write the rows alone.
    value_words: dict[tuple[str, str], dict[str, str]] | None = None


@record
class OpportunitiesView:
    """`opportunities PROFILE [--regions]`: what else could be claimed, one region each."""

    results: tuple[Opportunities, ...]
    lang: Lang
    as_of: dt.date
    ruleset: str


View = EstimateView | CompareView | ExplainView | ListView | OpportunitiesView
