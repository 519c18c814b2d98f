"""Turn core results into plain data (dicts, lists, str, int, float, bool, None)."""

from __future__ import annotations

import datetime as dt
from typing import Any, assert_never

from ..formulas import describe
from ..model import Department, Document, Lang, Measure, Ruleset, Text
from ..money import Amount
from ..results import (
    Award,
    CeilingGroup,
    DocumentStatus,
    Estimate,
    Exclusion,
    StackGroup,
    Totals,
)
from .rows import num
from .views import CompareView, EstimateView, ExplainView, ListView, OpportunitiesView, View
from .words import word


def text(value: Text | None, lang: Lang) -> str | None:
    return None if value is None else value.get(lang)


def dept(department: Department, lang: Lang) -> str:
    return department.zh if lang == "zh" else department.en


def amount_data(amount: Amount) -> dict[str, Any]:
    return {"min": num(amount.min), "max": num(amount.max), "kind": amount.kind}


def measure_data(measure: Measure, ruleset: Ruleset, lang: Lang) -> dict[str, Any]:
    doc = ruleset.documents[measure.document_id]
    return {
        "document": doc.id,
        "measure": measure.id,
        "article": measure.article,
        "title": measure.title.get(lang),
        "category": measure.category,
        "recipient": measure.recipient,
        "recipient_label": ruleset.recipients[measure.recipient].get(lang),
        "departments": departments_data(measure, lang),
        "formula": describe(measure.formula, lang),
        "formula_kind": measure.formula.kind,
        "region": doc.region,
    }


def payment_data(payment: Any, lang: Lang) -> dict[str, Any]:
    return {"text": payment.get(lang), "frequency": payment.frequency, "years": payment.years}


def departments_data(measure: Measure, lang: Lang) -> dict[str, Any]:
    d = measure.departments
    out: dict[str, Any] = {
        "lead": [dept(x, lang) for x in d.lead],
        "support": [dept(x, lang) for x in d.support],
    }
    if d.note is not None:
        out["note"] = d.note.get(lang)
    return out


def fact_data(award_fact: Any) -> dict[str, Any] | None:
    if award_fact is None:
        return None
    return {
        "index": award_fact.number,
        "kind": award_fact.kind,
        "date": award_fact.when,  # as the profile wrote it: 2022, 2022-05 or a day
        "product": award_fact.product,
    }


def award_data(award: Award, ruleset: Ruleset, lang: Lang, steps: bool = False) -> dict[str, Any]:
    m = award.measure
    out = {
        "document": award.document.id,
        "measure": m.id,
        "article": m.article,
        "title": m.title.get(lang),
        "category": m.category,
        "category_label": ruleset.categories[m.category].get(lang),
        **amount_data(award.amount),
        "recipient": m.recipient,
        "recipient_label": ruleset.recipients[m.recipient].get(lang),
        "departments": departments_data(m, lang),
        "fact": fact_data(award.fact),
        "notes": [n.get(lang) for n in award.notes],
    }
    # The clause's own range as the text states it, before its stacking and ceiling groups.
    out["clause"] = amount_data(award.own)
    out["before_ceilings"] = amount_data(award.original)
    out["ceilings"] = list(award.groups)
    out["stacking"] = award.stack
    if m.payment is not None:
        out["payment"] = payment_data(m.payment, lang)
    if steps:
        out["steps"] = [s.get(lang) for s in award.steps]
    return out


def exclusion_data(ex: Exclusion, lang: Lang) -> dict[str, Any]:
    out: dict[str, Any] = {
        "document": ex.document.id,
        "measure": ex.measure.id,
        "article": ex.measure.article,
        "title": ex.measure.title.get(lang),
        "stage": ex.stage,
        "reason": ex.reason.get(lang),
        "fact": fact_data(ex.fact),
    }
    if ex.amount is not None:
        out["would_be"] = amount_data(ex.amount)
    return out


def document_data(doc: Document, lang: Lang) -> dict[str, Any]:
    return {
        "id": doc.id,
        "title": doc.title.get(lang),
        "number": doc.number,
        "region": doc.region,
        "issued": doc.issued.isoformat() if doc.issued else None,
        "effective_from": doc.effective_from.isoformat() if doc.effective_from else None,
        "start_unknown": doc.start_unknown,
        "known_by": doc.known_by.isoformat() if doc.known_by else None,
        "effective_until": doc.effective_until.isoformat() if doc.effective_until else None,
        "validity": doc.validity.get(lang),
    }


def status_data(status: DocumentStatus, lang: Lang) -> dict[str, Any]:
    return {
        **document_data(status.document, lang),
        "status": status.status,
        "eligible": status.eligible,
        "ineligible_because": [r.get(lang) for r in status.eligibility],
    }


def totals_data(totals: Totals) -> dict[str, Any]:
    return {
        "min": num(totals.min),
        "max": num(totals.max),
        "case_by_case": totals.case_by_case,
        "no_money": totals.no_money,
        "awards": totals.awards,
    }


def member_data(award: Award) -> dict[str, Any]:
    return {"measure": award.measure.id, "fact": award.fact.number}


def ceiling_data(group: CeilingGroup, lang: Lang) -> dict[str, Any]:
    """One ceiling group: the ceiling, its scope key, the awards under it, their sum before
    it and what the group pays: [min(Σ mins, C), min(Σ maxes, C)] from the inside out."""
    return {
        "id": group.id,
        "document": group.ceiling.document_id,
        "ceiling": group.ceiling.id,
        "article": group.article,
        "scope": group.scope,
        "key": group.key_text.get(lang),
        "amount": num(group.amount),
        "summary": group.ceiling.summary.get(lang),
        "members": [member_data(a) for a in group.members],
        "inner": list(group.inner),
        "before": {"min": num(group.before.min), "max": num(group.before.max)},
        "min": num(group.bounds.min),
        "max": num(group.bounds.max),
        "case_by_case": group.case_by_case,
    }


def stack_data(stack: StackGroup, lang: Lang) -> dict[str, Any]:
    return {
        "id": stack.id,
        "rule": stack.rule,
        "article": stack.article,
        "members": [member_data(a) for a in stack.members],
        **amount_data(stack.bounds),
        "note": stack.note.get(lang),
    }


def estimate_data(
    est: Estimate, lang: Lang, steps: bool = False, general: bool = False
) -> dict[str, Any]:
    """Plain data for an estimate; `general` adds the measures that answer to no particular
    fact (organisational measures, case-by-case support without a trigger)."""
    p = est.profile
    out = {
        "applicant": {
            "name": p.applicant.get("name"),
            "id": p.applicant.get("id"),
            "region": est.region,
            "tax_region": p.tax_region,
            "moved_from": est.moved_from,
        },
        "as_of": est.as_of.isoformat(),
        "ruleset": est.ruleset.version,
        "documents": [status_data(s, lang) for s in est.documents],
        "awards": [award_data(a, est.ruleset, lang, steps) for a in est.awards],
        "excluded": [exclusion_data(x, lang) for x in est.excluded],
        "ceilings": [ceiling_data(g, lang) for g in est.ceilings],
        "stacking": [stack_data(x, lang) for x in est.stacks],
        "totals": totals_data(est.totals),
        # Subtotals by the same group rule as the total: per document and per category.
        "totals_by_document": {
            d: totals_data(t) for d, t in est.by_document.items() if d is not None
        },
        "totals_by_category": {
            c: {**totals_data(t), "label": est.ruleset.categories[c].get(lang)}
            for c, t in sorted(est.totals_by_category().items())
        },
        "notes": [n.get(lang) for n in est.notes],
    }
    if general:
        out["general_measures"] = [
            {**measure_data(m, est.ruleset, lang), "kind": m.formula.kind} for m in est.general
        ]
    return out


def explain_data(
    ruleset: Ruleset, measure: Measure, as_of: dt.date, lang: Lang, est: Estimate | None = None
) -> dict[str, Any]:
    """`explain`: the clause as plain data (conditions, formula, ceilings, document); with
    the estimate of a profile that the command made (`est`), the clause's computation in it.
    Nothing here computes an estimate."""
    doc = ruleset.documents[measure.document_id]
    trigger = None
    if measure.trigger is not None:
        t = measure.trigger
        trigger = {
            "kind": t.kind,
            "kind_label": ruleset.vocabulary.kinds[t.kind].label.get(lang),
            "where": [c.describe() for c in t.where],
            "applicant": [c.describe() for c in t.applicant],
        }
    ceilings = [
        {
            "id": c.id,
            "article": c.article,
            "scope": c.scope,
            "amount": int(c.amount),
            "summary": c.summary.get(lang),
        }
        for c in doc.ceilings
        if c.applies_to(measure)
    ]
    e = doc.eligibility
    data: dict[str, Any] = {
        "measure": {
            **measure_data(measure, ruleset, lang),
            "summary": measure.summary.get(lang),
            "notes": text(measure.notes, lang),
            "payment": None if measure.payment is None else payment_data(measure.payment, lang),
        },
        "document": {
            **document_data(doc, lang),
            "issuer": doc.issuer.get(lang),
            "source": doc.source,
        },
        "trigger": trigger,
        "formula": describe(measure.formula, lang),
        "ceilings": ceilings,
        "stacking": None
        if not (doc.stacking and measure.stacking_group)
        else {
            "group": measure.stacking_group,
            "article": doc.stacking.article,
            "summary": doc.stacking.summary.get(lang),
        },
        "eligibility": None
        if e.summary is None
        else {"article": e.article, "summary": e.summary.get(lang)},
        "as_of": as_of.isoformat(),
        "ruleset": ruleset.version,
        "status": doc.status(as_of),
    }
    if est is not None:
        data["computation"] = [
            award_data(a, ruleset, lang, steps=True)
            for a in est.awards
            if a.measure.id == measure.id
        ]
        data["excluded"] = [
            exclusion_data(x, lang) for x in est.excluded if x.measure.id == measure.id
        ]
        # The ceiling groups the clause's awards sit in, and the stacking groups: each with
        # its members, their sum before it and what it pays (the group's computation).
        data["ceiling_groups"] = [
            ceiling_data(g, lang)
            for g in est.ceilings
            if any(a.measure.id == measure.id for a in g.members)
        ]
        data["stacking_groups"] = [
            stack_data(x, lang)
            for x in est.stacks
            if any(a.measure.id == measure.id for a in x.members)
        ]
        reached = {s.document.id for s in est.documents}
        data["reaches_applicant"] = doc.id in reached
    return data


def status_word(status: str, lang: Lang) -> str:
    return word(status, lang)


def amount_text(item: dict[str, Any], lang: Lang, long: bool = False) -> str:
    """An award's amount in words: exact, "up to", a range, case by case or no money."""
    kind = item["kind"]
    if kind == "no_money":
        return word("no_money_amount", lang)
    if kind == "case_by_case":
        return word("case_by_case_long" if long else "case_by_case_amount", lang)
    lo, hi = item["min"], item["max"]
    if kind == "exact":
        return f"{hi}"
    if kind == "up_to":
        return word("up_to", lang).format(hi)
    return f"{lo}–{hi}"


def totals_text(totals: dict[str, Any], lang: Lang) -> str:
    """Totals in words, with the case-by-case items that sit outside the bounds."""
    lo, hi, unknown = totals["min"], totals["max"], totals["case_by_case"]
    span = f"{lo}" if lo == hi else f"{lo}–{hi}"
    if lang == "zh":
        extra = f"，另有 {unknown} 项一事一议（金额未定，未计入）" if unknown else ""
        return f"{span} 万元{extra}"
    extra = f", plus {unknown} case-by-case item(s) outside these bounds" if unknown else ""
    return f"{span} 万元{extra}"


def _span(lo: Any, hi: Any) -> str:
    if lo is None or hi is None:
        return "?"
    return f"{lo}" if lo == hi else f"{lo}–{hi}"


def ceiling_text(group: dict[str, Any], lang: Lang, article: bool = True) -> str:
    """A ceiling group in one line: article, kind and amount of the ceiling, its scope key,
    and what its awards add up to before it → what the group pays, e.g.
    "第六条 yearly ceiling 3000 (2020): 3500 → 3000"."""
    head = f"{word('scope_' + group['scope'], lang)} {group['amount']}"
    if group["scope"] != "total":  # "in total" says it already
        head += f" ({group['key']})"
    if article:
        head = f"{group['article']} {head}"
    before = _span(group["before"]["min"], group["before"]["max"])
    if group.get("case_by_case"):
        before += f" +{group['case_by_case']}?"
    after = _span(group["min"], group["max"])
    if before == after:
        return f"{head}: {after}{word('within_ceiling', lang)}"
    return f"{head}: {before} → {after}"


def stack_text(stack: dict[str, Any], lang: Lang, article: bool = True) -> str:
    """A stacking group in one line: its rule and what its alternatives pay together."""
    head = word("stack_" + stack["rule"], lang)
    if article:
        head = f"{stack['article']} {head}"
    return f"{head}: {word('together', lang)} {_span(stack['min'], stack['max'])}"


def groups_of(data: dict[str, Any], document: str) -> tuple[list[Any], list[Any]]:
    """The ceiling groups and stacking groups of one document in an estimate's data."""
    owner = {a["measure"]: a["document"] for a in data["awards"]}
    ceilings = [g for g in data.get("ceilings", []) if g["document"] == document]
    stacks = [
        s
        for s in data.get("stacking", [])
        if any(owner.get(m["measure"]) == document for m in s["members"])
    ]
    return ceilings, stacks


# ------------------------------------------------------------------ a view as plain data


def compare_data(view: CompareView) -> dict[str, Any]:
    """`compare-regions`: each region's estimate, with its id and name."""
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
        return estimate_data(view.estimate, view.lang, view.steps, view.show_all)
    if isinstance(view, CompareView):
        return compare_data(view)
    if isinstance(view, ExplainView):
        return explain_data(view.ruleset, view.measure, view.as_of, view.lang, view.estimate)
    if isinstance(view, ListView):
        return view.rows
    if isinstance(view, OpportunitiesView):
        from .opportunities import view_data

        return view_data(view)
    assert_never(view)
