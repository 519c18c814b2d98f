"""The one row builder: flat rows of an estimate for JSON Lines and CSV, single or batch.

An applicant with no award still gets one row (no measure, no amount, the estimate's notes
saying why), so every applicant read is an applicant written.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from json.encoder import encode_basestring
from typing import TYPE_CHECKING, Any, TypedDict, TypeVar

from ..model import Lang
from .safe import csv_cell, escaped

if TYPE_CHECKING:
    from ..results import Award, Estimate


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


class _BeforeAmounts(TypedDict):
    document: str | None
    measure: str | None
    article: str | None
    title: str | None


class _BetweenAmountsAndFact(TypedDict):
    recipient: str | None
    lead: list[str]
    support: list[str]


def _measure_fields(award: Award, zh: bool) -> tuple[_BeforeAmounts, _BetweenAmountsAndFact]:
    """The fields of an award's row that depend on its measure (and the language) alone:
    those before its amounts, and those between its amounts and its fact. award_rows puts
    them in each row; award_lines encodes them once per measure."""
    m = award.measure
    deps = m.departments
    before: _BeforeAmounts = {
        "document": award.document.id,
        "measure": m.id,
        "article": m.article,
        "title": m.title.zh if zh else m.title.en,
    }
    between: _BetweenAmountsAndFact = {
        "recipient": m.recipient,
        "lead": [d.zh if zh else d.en for d in deps.lead],
        "support": [d.zh if zh else d.en for d in deps.support],
    }
    return before, between


class _NoAward(TypedDict):
    document: None
    measure: None
    article: None
    title: None
    min: None
    max: None
    kind: None
    clause_min: None
    clause_max: None
    recipient: None
    lead: list[str]
    support: list[str]
    fact_index: None
    fact_kind: None
    fact_date: None
    product: None
    ceilings: list[str]
    stacking: None
    stacking_min: None
    stacking_max: None


def _no_award() -> _NoAward:
    """The fields of the row of an applicant without an award, between its applicant's and
    its notes: all empty."""
    return {
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
    }


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
        fact, amount, own = award.fact, award.amount, award.own
        before, between = _measure_fields(award, zh)
        stack = stacks.get(award.stack) if award.stack else None
        rows.append(
            {
                "line": line,
                "applicant": who,
                "name": name,
                "region": region,
                "as_of": as_of,
                "ruleset": version,
                **before,
                "min": num(amount.min),
                "max": num(amount.max),
                "kind": amount.kind,
                "clause_min": num(own.min),
                "clause_max": num(own.max),
                **between,
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
                **_no_award(),
                "notes": [n.zh if zh else n.en for n in est.notes],
                "not_in_force": lapsed,
            }
        )
    return rows


# The encoder of every JSON row: compact, text as it is (json.dumps with options builds a
# new encoder per call).
JSON_ROW = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
_encode = JSON_ROW.encode
_NO_AWARD = _encode(_no_award())[1:-1]
# id(measure) -> (measure, document, (fields before its amounts, fields between), one per
# language): each encoded once; the measure and document are held so that the id stays theirs.
_ENCODED: dict[int, tuple[Any, Any, dict[bool, tuple[str, str]]]] = {}


_P = TypeVar("_P")  # a measure's part of a row, as one writer keeps it


def _measure_parts(
    cache: dict[int, tuple[Any, Any, dict[bool, tuple[_P, _P]]]],
    award: Award,
    zh: bool,
    part: Callable[[Mapping[str, Any]], _P],
) -> tuple[_P, _P]:
    """The measure's fields of an award's row (before and between the award's own), made
    by `part` once per measure and language and kept in `cache`."""
    m = award.measure
    cached = cache.get(id(m))
    if cached is None or cached[0] is not m or cached[1] is not award.document:
        cached = cache[id(m)] = (m, award.document, {})
    parts = cached[2].get(zh)
    if parts is None:
        before, between = _measure_fields(award, zh)
        parts = cached[2][zh] = (part(before), part(between))
    return parts


def _encoded_part(fields: Mapping[str, Any]) -> str:
    """Fields as the inside of a JSON object, escaped."""
    return escaped(_encode(fields)[1:-1])


def _flat_part(fields: Mapping[str, Any]) -> list[Any]:
    return [flat_value(value) for value in fields.values()]


def _value(value: Any) -> str:
    """One JSON value as the row encoder writes it: text, numbers and null directly, anything
    else (an infinite float included) by the encoder itself."""
    kind = type(value)
    if kind is str:
        return encode_basestring(value)
    if value is None:
        return "null"
    if kind is int:
        return int.__repr__(value)
    if kind is float and value - value == 0.0:  # finite: the encoder's float.__repr__
        return float.__repr__(value)
    return _encode(value)


def _texts(values: Iterable[Any]) -> str:
    """A list of texts as the row encoder writes it."""
    try:
        return "[" + ",".join(map(encode_basestring, values)) + "]"
    except TypeError:  # an item that is not text: the encoder says how it looks
        return _encode(list(values))


def _safe(text: str) -> str:
    """escaped(text), at the cost of two scans of C code for text that is plain ASCII."""
    return text if text.isascii() and "\x7f" not in text else escaped(text)


def award_lines(
    est: Estimate, lang: Lang, line: int | None = None, number: int | None = None
) -> tuple[str, int]:
    """award_rows as JSON Lines, as a batch writes them, and their count: each line the same
    text as escaped(JSON_ROW.encode(row)), built without the row. A row's fields that depend
    on its measure alone are encoded once per measure and language (_measure_fields, shared
    with award_rows), and the empty ones of a row without an award once (_no_award, shared
    too); its applicant's fields once per applicant; only each award's own values (amounts,
    fact, groups, notes) for each line. escaped() replaces characters one by one, so the
    line's parts are escaped apart: the measure's once, the others only when they hold more
    than plain ASCII."""
    zh = lang == "zh"
    head = _safe(
        f'{{"line":{_value(line)},"applicant":{_value(applicant_label(est, number))}'
        f',"name":{_value(applicant_name(est))},"region":{_value(est.region)}'
        f',"as_of":{_value(est.as_of.isoformat())},"ruleset":{_value(est.ruleset.version)},'
    )
    tail = _safe(',"not_in_force":' + _texts(not_in_force(est, lang)) + "}\n")
    if not est.awards:
        notes = _safe(',"notes":' + _texts([n.zh if zh else n.en for n in est.notes]))
        return head + _NO_AWARD + notes + tail, 1
    stacks = {g.id: g.bounds for g in est.stacks}
    out: list[str] = []
    for award in est.awards:
        parts = _measure_parts(_ENCODED, award, zh, _encoded_part)
        fact, amount, own = award.fact, award.amount, award.own
        stack = stacks.get(award.stack) if award.stack else None
        amounts = (
            f',"min":{_value(num(amount.min))},"max":{_value(num(amount.max))}'
            f',"kind":{_value(amount.kind)},"clause_min":{_value(num(own.min))}'
            f',"clause_max":{_value(num(own.max))},'
        )
        rest = (
            f',"fact_index":{_value(fact.number)},"fact_kind":{_value(fact.kind)}'
            f',"fact_date":{_value(fact.when)},"product":{_value(fact.product)}'
            f',"ceilings":{_texts(award.groups)},"stacking":{_value(award.stack)}'
            f',"stacking_min":{_value(num(stack.min)) if stack is not None else "null"}'
            f',"stacking_max":{_value(num(stack.max)) if stack is not None else "null"}'
            f',"notes":{_texts([n.zh if zh else n.en for n in award.notes])}'
        )
        out += (head, parts[0], _safe(amounts), parts[1], _safe(rest), tail)
    return "".join(out), len(est.awards)


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


# id(measure) -> (measure, document, {zh: (cells before its amounts, cells between)}): a
# row's measure cells flattened once per language.
_FLAT: dict[int, tuple[Any, Any, dict[bool, tuple[list[Any], list[Any]]]]] = {}
_NO_AWARD_CELLS = [flat_value(value) for value in _no_award().values()]


def award_cells(
    est: Estimate, lang: Lang, line: int | None = None, number: int | None = None
) -> list[list[Any]]:
    """award_rows as CSV cells, row by row in AWARD_COLUMNS order: each cell flat_value of
    its row's field, built without the row. The measure's cells (_measure_fields, shared
    with award_rows) are flattened once per measure and language, those of a row without an
    award once (_no_award, shared too), the applicant's once per applicant."""
    zh = lang == "zh"
    head = [
        flat_value(line),
        flat_value(applicant_label(est, number)),
        flat_value(applicant_name(est)),
        flat_value(est.region),
        flat_value(est.as_of.isoformat()),
        flat_value(est.ruleset.version),
    ]
    lapsed = flat_value(not_in_force(est, lang))
    if not est.awards:
        notes = flat_value([n.zh if zh else n.en for n in est.notes])
        return [[*head, *_NO_AWARD_CELLS, notes, lapsed]]
    stacks = {g.id: g.bounds for g in est.stacks}
    table: list[list[Any]] = []
    for award in est.awards:
        parts = _measure_parts(_FLAT, award, zh, _flat_part)
        fact, amount, own = award.fact, award.amount, award.own
        stack = stacks.get(award.stack) if award.stack else None
        table.append(
            [
                *head,
                *parts[0],
                flat_value(num(amount.min)),
                flat_value(num(amount.max)),
                flat_value(amount.kind),
                flat_value(num(own.min)),
                flat_value(num(own.max)),
                *parts[1],
                flat_value(fact.number),
                flat_value(fact.kind),
                flat_value(fact.when),
                flat_value(fact.product),
                flat_value(list(award.groups)),
                flat_value(award.stack),
                flat_value(num(stack.min)) if stack is not None else "",
                flat_value(num(stack.max)) if stack is not None else "",
                flat_value([n.zh if zh else n.en for n in award.notes]),
                lapsed,
            ]
        )
    return table


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
