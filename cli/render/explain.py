"""`explain` for a person: the clause, then its computation for a profile, step by step.

Every value is printed as text (rich `Text`, never markup) with its control characters made
visible, so a product called `KM[/]CART` or a name with an escape sequence prints as written.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.text import Text

from ..model import Lang
from .data import amount_text
from .safe import visible
from .words import word


def _line(out: Console, *parts: str | tuple[str, str]) -> None:
    text = Text()
    for part in parts:
        if isinstance(part, tuple):
            text.append(visible(part[0]), style=part[1])
        else:
            text.append(visible(part))
    out.print(text)


def print_explain(data: dict[str, Any], lang: Lang, out: Console) -> None:
    m, d = data["measure"], data["document"]
    _line(out, (m["measure"], "bold"), f" — {m['title']}")
    number = d["number"] if d.get("number") and d["number"] != "unknown" else None
    _line(
        out,
        f"{word('document', lang)}: {d['title']} ({number or word('number_unknown', lang)}), "
        f"{word('article', lang)} {m['article']}",
    )
    state = word(data["status"], lang)
    _line(
        out,
        f"{word('validity', lang)}: {d['validity']} → {state} "
        f"({word('as_of', lang)} {data['as_of']})",
    )
    _line(out, f"{word('summary', lang)}: {m['summary']}")
    deps = m["departments"]
    sep = word("list_sep", lang)
    _line(
        out,
        f"{word('recipient', lang)}: {m['recipient_label']}; "
        f"{word('lead_short', lang)}: {sep.join(deps['lead']) or deps.get('note', '—')}; "
        f"{word('support_short', lang)}: {sep.join(deps['support']) or '—'}",
    )
    if data["eligibility"]:
        e = data["eligibility"]
        where = f" ({e['article']})" if e.get("article") else ""
        _line(out, f"{word('eligibility', lang)}{where}: {e['summary']}")
    t = data["trigger"]
    if t:
        conds = "; ".join(t["where"] + [f"applicant.{c}" for c in t["applicant"]]) or "—"
        _line(
            out,
            f"{word('trigger', lang)}: {t['kind']} ({t['kind_label']}); "
            f"{word('conditions', lang)}: {conds}",
        )
    else:
        _line(out, word("general_measure", lang))
    _line(out, f"{word('formula', lang)}: {data['formula']}")
    if m.get("payment"):
        _line(out, f"{word('payment', lang)}: {m['payment']['text']}")
    for c in data["ceilings"]:
        _line(
            out,
            f"{word('ceiling', lang)} {c['id']} ({c['article']}, {word('scope_' + c['scope'], lang)}"
            f" {c['amount']}): {c['summary']}",
        )
    if data["stacking"]:
        s = data["stacking"]
        _line(
            out,
            f"{word('stacking', lang)} ({s['article']}, {word('group', lang)} {s['group']}): "
            f"{s['summary']}",
        )
    if m.get("notes"):
        _line(out, f"{word('reading', lang)}: {m['notes']}")
    if "computation" not in data:
        return
    out.rule()
    if not data["reaches_applicant"]:
        _line(out, word("not_reached", lang))
    for award in data["computation"]:
        fact = award["fact"]
        product = f" · {fact['product']}" if fact.get("product") else ""
        _line(out, (f"#{fact['index']} {fact['kind']} {fact['date']}{product}", "bold"))
        for number, step in enumerate(award["steps"], 1):
            _line(out, f"  {number}. {step}")
        _line(out, "  → ", (amount_text(award, lang), "bold"), " 万元")
        for note in award["notes"]:
            _line(out, f"  · {note}")
    for ex in data["excluded"]:
        fact = ex["fact"] or {}
        _line(out, f"#{fact.get('index', '-')}: {word('not_counted', lang)} — {ex['reason']}")
    if not data["computation"] and not data["excluded"]:
        _line(out, word("no_trigger_fact", lang))
