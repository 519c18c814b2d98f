"""The one row builder: flat rows of an estimate for JSON Lines and CSV, single or batch.

An applicant with no award still gets one row (no measure, no amount, the estimate's notes
saying why), so every applicant read is an applicant written.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypedDict

from ..model import Lang
from .safe import csv_cell

if TYPE_CHECKING:
    from ..results import Estimate


def num(value: Decimal | None) -> int | float | None:
    """An exact Decimal as a JSON number (floats print the shortest round-trip form)."""
    if value is None:
        return None
    if value == value.to_integral_value():
        return int(value)
    return float(value)


class AwardRow(TypedDict):
    line: int | None
    applicant: str
    name: str | None
    region: str
    as_of: str
    ruleset: str
    document: str | None
    measure: str | None
    article: str | None
    title: str | None
    min: int | float | None  # what the award can get within its groups
    max: int | float | None
    kind: str | None
    clause_min: int | float | None  # its clause's own range, as the text states it
    clause_max: int | float | None
    recipient: str | None
    lead: list[str]
    support: list[str]
    fact_index: int | None
    fact_kind: str | None
    fact_date: str | None
    product: str | None
    ceilings: list[str]
    stacking: str | None
    stacking_min: int | float | None  # what its stacking group pays together
    stacking_max: int | float | None
    notes: list[str]
    not_in_force: list[str]


AWARD_COLUMNS: list[str] = list(AwardRow.__annotations__)


class SummaryRow(TypedDict):
    applicant: str
    name: str | None
    line: int | None
    region: str
    as_of: str
    ruleset: str
    min: int | float | None
    max: int | float | None
    case_by_case: int
    awards: int
    documents_in_force: list[str]
    not_in_force: list[str]


SUMMARY_COLUMNS: list[str] = list(SummaryRow.__annotations__)


def applicant_label(est: Estimate, number: int | None = None) -> str:
    """How a row names its applicant: the id, else the name, else its place in a batch."""
    applicant = est.profile.applicant
    who = applicant.get("id") or applicant.get("name")
    if who:
        return str(who)
    return f"#{number}" if number is not None else ""


def applicant_name(est: Estimate) -> str | None:
    name = est.profile.applicant.get("name")
    return None if name is None else str(name)


# (document id, status, language) -> how a row names a document not in force
_NOT_IN_FORCE: dict[tuple[str, str, str], str] = {}


def not_in_force(est: Estimate, lang: Lang) -> list[str]:
    """The documents not in force on the as-of date whose measures matched this applicant,
    each with its date: `kunming-cell-2020 (lapsed after 2025-10-20)`."""
    found: list[str] = []
    for item in est.excluded:
        if item.stage != "validity":
            continue
        doc = item.document
        status = doc.status(est.as_of)
        key = (doc.id, status, lang)
        text = _NOT_IN_FORCE.get(key)
        if text is None:
            if status == "not_yet":
                when = doc.effective_from
                text = (
                    f"{doc.id}（{when} 起施行）"
                    if lang == "zh"
                    else f"{doc.id} (in force from {when})"
                )
            else:
                when = doc.effective_until
                text = (
                    f"{doc.id}（{when} 后失效）"
                    if lang == "zh"
                    else f"{doc.id} (lapsed after {when})"
                )
            _NOT_IN_FORCE[key] = text
        if text not in found:
            found.append(text)
    return found


def award_rows(
    est: Estimate, lang: Lang, line: int | None = None, number: int | None = None
) -> list[AwardRow]:
    """One row per award; one row without an award when there is none."""
    who = applicant_label(est, number)
    name = applicant_name(est)
    region = est.region
    as_of = est.as_of.isoformat()
    version = est.ruleset.version
    zh = lang == "zh"
    lapsed = not_in_force(est, lang)
    rows: list[AwardRow] = []
    stacks = {g.id: g.bounds for g in est.stacks}
    for award in est.awards:
        m, fact, amount, own = award.measure, award.fact, award.amount, award.own
        deps = m.departments
        stack = stacks.get(award.stack) if award.stack else None
        rows.append(
            {
                "line": line,
                "applicant": who,
                "name": name,
                "region": region,
                "as_of": as_of,
                "ruleset": version,
                "document": award.document.id,
                "measure": m.id,
                "article": m.article,
                "title": m.title.zh if zh else m.title.en,
                "min": num(amount.min),
                "max": num(amount.max),
                "kind": amount.kind,
                "clause_min": num(own.min),
                "clause_max": num(own.max),
                "recipient": m.recipient,
                "lead": [d.zh if zh else d.en for d in deps.lead],
                "support": [d.zh if zh else d.en for d in deps.support],
                "fact_index": fact.number,
                "fact_kind": fact.kind,
                "fact_date": fact.when,
                "product": fact.product,
                "ceilings": list(award.groups),
                "stacking": award.stack,
                "stacking_min": num(stack.min) if stack is not None else None,
                "stacking_max": num(stack.max) if stack is not None else None,
                "notes": [n.zh if zh else n.en for n in award.notes],
                "not_in_force": lapsed,
            }
        )
    if not rows:
        rows.append(
            {
                "line": line,
                "applicant": who,
                "name": name,
                "region": region,
                "as_of": as_of,
                "ruleset": version,
                "document": None,
                "measure": None,
                "article": None,
                "title": None,
                "min": None,
                "max": None,
                "kind": None,
                "clause_min": None,
                "clause_max": None,
                "recipient": None,
                "lead": [],
                "support": [],
                "fact_index": None,
                "fact_kind": None,
                "fact_date": None,
                "product": None,
                "ceilings": [],
                "stacking": None,
                "stacking_min": None,
                "stacking_max": None,
                "notes": [n.zh if zh else n.en for n in est.notes],
                "not_in_force": lapsed,
            }
        )
    return rows


def summary_row(
    est: Estimate, line: int | None = None, number: int | None = None, lang: Lang = "zh"
) -> SummaryRow:
    t = est.totals
    return {
        "applicant": applicant_label(est, number),
        "name": applicant_name(est),
        "line": line,
        "region": est.region,
        "as_of": est.as_of.isoformat(),
        "ruleset": est.ruleset.version,
        "min": num(t.min),
        "max": num(t.max),
        "case_by_case": t.case_by_case,
        "awards": t.awards - t.no_money,
        "documents_in_force": [s.document.id for s in est.documents if s.status == "in_force"],
        "not_in_force": not_in_force(est, lang),
    }


def flat_value(value: Any) -> Any:
    """A value as one CSV cell: lists joined with "; ", None empty, strings neutralised."""
    if isinstance(value, str):
        return csv_cell(value)
    if isinstance(value, list):
        return csv_cell("; ".join(str(v) for v in value))
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


EXPLAIN_COLUMNS = [
    "document",
    "measure",
    "article",
    "title",
    "category",
    "recipient",
    "lead",
    "support",
    "formula",
    "formula_kind",
    "payment",
    "ceilings",
    "status",
    "as_of",
    "ruleset",
    "fact_index",
    "fact_kind",
    "fact_date",
    "product",
    "counted",
    "min",
    "max",
    "kind",
    "reason",
    "steps",
    "notes",
]


def explain_rows(data: dict[str, Any]) -> list[dict[str, Any]]:
    """`explain` as flat rows: the clause, then one row per fact it was computed for (counted
    or not, and why); only the clause when no profile is given."""
    m = data["measure"]
    base: dict[str, Any] = {
        "document": m["document"],
        "measure": m["measure"],
        "article": m["article"],
        "title": m["title"],
        "category": m["category"],
        "recipient": m["recipient_label"],
        "lead": m["departments"]["lead"],
        "support": m["departments"]["support"],
        "formula": m["formula"],
        "formula_kind": m["formula_kind"],
        "payment": (m.get("payment") or {}).get("text"),
        "ceilings": [
            f"{c['id']} ({c['article']}, {c['scope']}, {c['amount']})" for c in data["ceilings"]
        ],
        "status": data["status"],
        "as_of": data["as_of"],
        "ruleset": data["ruleset"],
    }
    rows: list[dict[str, Any]] = []
    for award in data.get("computation", []):
        fact = award.get("fact") or {}
        rows.append(
            {
                **base,
                "fact_index": fact.get("index"),
                "fact_kind": fact.get("kind"),
                "fact_date": fact.get("date"),
                "product": fact.get("product"),
                "counted": True,
                "min": award["min"],
                "max": award["max"],
                "kind": award["kind"],
                "steps": award.get("steps", []),
                "notes": award.get("notes", []),
            }
        )
    for ex in data.get("excluded", []):
        fact = ex.get("fact") or {}
        would = ex.get("would_be") or {}
        rows.append(
            {
                **base,
                "fact_index": fact.get("index"),
                "fact_kind": fact.get("kind"),
                "fact_date": fact.get("date"),
                "product": fact.get("product"),
                "counted": False,
                "min": would.get("min"),
                "max": would.get("max"),
                "kind": would.get("kind"),
                "reason": ex["reason"],
            }
        )
    return rows or [base]
