"""`explain`: one clause, its conditions, formula and ceilings, and its computation."""

from __future__ import annotations

import datetime as dt
from typing import Any

from .engine import estimate
from .formulas import describe
from .model import Lang, Measure, Profile, Ruleset
from .render.data import (
    amount_data,
    amount_text,
    award_data,
    document_data,
    exclusion_data,
    measure_data,
    payment_data,
    text,
)


def explain_data(
    ruleset: Ruleset, measure: Measure, profile: Profile | None, as_of: dt.date, lang: Lang
) -> dict[str, Any]:
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
        if c.covers(measure.id)
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
        est = estimate(ruleset, profile, as_of)
        data["computation"] = [
            award_data(a, ruleset, lang, steps=True)
            for a in est.awards
            if a.measure.id == measure.id
        ]
        data["excluded"] = [
            exclusion_data(x, lang) for x in est.excluded if x.measure.id == measure.id
        ]
        reached = {s.document.id for s in est.documents}
        data["reaches_applicant"] = doc.id in reached
    return data


def print_explain(data: dict[str, Any], lang: Lang, out: Any) -> None:
    zh = lang == "zh"
    m, d = data["measure"], data["document"]
    out.print(f"[bold]{m['measure']}[/bold] — {m['title']}")
    out.print(
        f"{'文件' if zh else 'Document'}: {d['title']} ({d['number']}), "
        f"{'条款' if zh else 'article'} {m['article']}"
    )
    out.print(
        f"{'有效期' if zh else 'Validity'}: {d['validity']} → {data['status']} "
        f"{'于' if zh else 'as of'} {data['as_of']}"
    )
    out.print(f"{'概要' if zh else 'Summary'}: {m['summary']}")
    deps = m["departments"]
    sep = "、" if zh else "; "
    out.print(
        f"{'受益方' if zh else 'Recipient'}: {m['recipient_label']}; "
        f"{'牵头' if zh else 'lead'}: {sep.join(deps['lead']) or deps.get('note', '—')}; "
        f"{'配合' if zh else 'cooperating'}: {sep.join(deps['support']) or '—'}"
    )
    if data["eligibility"]:
        e = data["eligibility"]
        where = f" ({e['article']})" if e.get("article") else ""
        out.print(f"{'适用条件' if zh else 'Eligibility'}{where}: {e['summary']}")
    t = data["trigger"]
    if t:
        conds = "; ".join(t["where"] + [f"applicant.{c}" for c in t["applicant"]]) or "—"
        out.print(
            f"{'触发事实' if zh else 'Trigger'}: {t['kind']} ({t['kind_label']}); "
            f"{'条件' if zh else 'conditions'}: {conds}"
        )
    else:
        out.print("通用措施，不对应特定事实" if zh else "General measure: no particular fact")
    out.print(f"{'计算' if zh else 'Formula'}: {data['formula']}")
    if m.get("payment"):
        out.print(f"{'拨付' if zh else 'Paid'}: {m['payment']['text']}")
    for c in data["ceilings"]:
        out.print(
            f"{'上限' if zh else 'Ceiling'} {c['id']} ({c['article']}, {c['scope']}, "
            f"{c['amount']}): {c['summary']}"
        )
    if data["stacking"]:
        s = data["stacking"]
        out.print(
            f"{'就高不重复' if zh else 'Stacking'} ({s['article']}, group {s['group']}): "
            f"{s['summary']}"
        )
    if m.get("notes"):
        out.print(f"{'解读' if zh else 'Reading'}: {m['notes']}")
    if "computation" not in data:
        return
    out.rule()
    if not data["reaches_applicant"]:
        out.print(
            "该文件不覆盖申请主体所在地区"
            if zh
            else "This document does not reach the applicant's region."
        )
    for award in data["computation"]:
        fact = award["fact"]
        out.print(f"[bold]#{fact['index']} {fact['kind']} {fact['date']}[/bold]")
        for number, step in enumerate(award["steps"], 1):
            out.print(f"  {number}. {step}")
        amount = amount_text(award, lang)
        out.print(f"  → [bold]{amount}[/bold] 万元")
        for note in award["notes"]:
            out.print(f"  · {note}")
    for ex in data["excluded"]:
        fact = ex["fact"] or {}
        out.print(
            f"#{fact.get('index', '-')}: {'未计入' if zh else 'not counted'} — {ex['reason']}"
        )
    if not data["computation"] and not data["excluded"]:
        out.print(
            "资料中没有触发该措施的事实" if zh else "No fact in the profile triggers this measure."
        )


__all__ = ["amount_data", "explain_data", "print_explain"]
