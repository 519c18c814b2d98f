"""`explain`: one clause, its conditions, formula and ceilings, and its computation."""

from __future__ import annotations

import datetime as dt
from typing import Any

from .engine import estimate
from .formulas import describe
from .model import Lang, Measure, Profile, Ruleset
from .render.data import (
    award_data,
    ceiling_data,
    document_data,
    exclusion_data,
    measure_data,
    payment_data,
    stack_data,
    text,
)
from .results import Estimate


def explain_data(
    ruleset: Ruleset,
    measure: Measure,
    profile: Profile | None,
    as_of: dt.date,
    lang: Lang,
    est: Estimate | None = None,
) -> dict[str, Any]:
    """The clause as plain data; with a profile, its computation in the profile's estimate
    (`est`, where the caller has made it already)."""
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
    if profile is not None:
        if est is None:
            est = estimate(ruleset, profile, as_of)
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


__all__ = ["explain_data"]
