"""Opportunities in every format: plain data (JSON, YAML, TOML), one flat row each (CSV,
JSON Lines, single or batch), a table grouped by category, and a report (.md, .html).

Whatever can come from a profile (a name, a product named in `needs`) is text, never markup:
tables print rich `Text` with control characters made visible, reports go through
`safe.md` / `safe.xml`, CSV cells through `flat_value` (neutralised).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypedDict, assert_never

from ..formats import ReportKind
from ..model import Lang
from . import words
from .rows import num
from .safe import md, xml

if TYPE_CHECKING:
    from ..opportunities import Opportunities, Opportunity
    from .views import OpportunitiesView


def word(key: str, lang: Lang) -> str:
    return words.word(f"opportunities_{key}", lang)


def reason_word(reason: str, lang: Lang) -> str:
    return words.word(f"obstacle_{reason}", lang)


# ------------------------------------------------------------------ plain data


def opportunity_data(item: Opportunity, lang: Lang) -> dict[str, Any]:
    """One opportunity in the documented JSON shape."""
    m = item.measure
    d = m.departments
    return {
        "document": item.document.id,
        "measure": m.id,
        "article": m.article,
        "title": m.title.get(lang),
        "category": m.category,
        "reason": item.reason,
        "needs": item.needs.get(lang),
        "notes": [n.get(lang) for n in item.notes],
        "ceiling": item.ceiling.id if item.ceiling is not None else None,
        "min": num(item.amount.min),
        "max": num(item.amount.max),
        "recipient": m.recipient,
        "departments": {
            "lead": [x.zh if lang == "zh" else x.en for x in d.lead],
            "support": [x.zh if lang == "zh" else x.en for x in d.support],
        },
    }


def opportunities_data(result: Opportunities, lang: Lang) -> dict[str, Any]:
    """`{"as_of", "ruleset", "applicant", "opportunities": [...]}`, most money first."""
    est = result.estimate
    p = est.profile
    return {
        "as_of": est.as_of.isoformat(),
        "ruleset": est.ruleset.version,
        "applicant": {
            "name": p.applicant.get("name"),
            "id": p.applicant.get("id"),
            "region": est.region,
            "tax_region": p.tax_region,
            "moved_from": est.moved_from,
        },
        "opportunities": [opportunity_data(o, lang) for o in result.items],
    }


def view_data(view: OpportunitiesView) -> dict[str, Any]:
    """One region: the shape above; several (`--regions`): one such section each."""
    sections = [opportunities_data(r, view.lang) for r in view.results]
    if len(sections) == 1:
        return sections[0]
    return {
        "as_of": view.as_of.isoformat(),
        "ruleset": view.ruleset,
        "regions": [{"region": s["applicant"]["region"], **s} for s in sections],
    }


class OpportunityRow(TypedDict):
    line: int | None
    applicant: str
    name: str | None
    region: str
    as_of: str
    ruleset: str
    rank: int | None
    document: str | None
    measure: str | None
    article: str | None
    title: str | None
    category: str | None
    reason: str | None
    needs: str | None
    notes: str | None
    min: int | float | None
    max: int | float | None
    recipient: str | None
    lead: list[str]
    support: list[str]


OPPORTUNITY_COLUMNS: list[str] = list(OpportunityRow.__annotations__)


def opportunity_rows(
    result: Opportunities, lang: Lang, line: int | None = None, number: int | None = None
) -> list[OpportunityRow]:
    """One flat row per opportunity, for a single profile and a batch alike."""
    from .rows import applicant_label

    est = result.estimate
    who = applicant_label(est, number)
    name = est.profile.applicant.get("name")
    name = None if name is None else str(name)
    sep = "；" if lang == "zh" else "; "
    out: list[OpportunityRow] = []
    for rank, item in enumerate(result.items, 1):
        data = opportunity_data(item, lang)
        out.append(
            {
                "line": line,
                "applicant": who,
                "name": name,
                "region": est.region,
                "as_of": est.as_of.isoformat(),
                "ruleset": est.ruleset.version,
                "rank": rank,
                "document": data["document"],
                "measure": data["measure"],
                "article": data["article"],
                "title": data["title"],
                "category": data["category"],
                "reason": data["reason"],
                "needs": data["needs"],
                "notes": sep.join(data["notes"]) or None,
                "min": data["min"],
                "max": data["max"],
                "recipient": data["recipient"],
                "lead": data["departments"]["lead"],
                "support": data["departments"]["support"],
            }
        )
    if not out:
        # Every applicant appears in the output, as in estimate: a row without an opportunity.
        out.append(
            {
                "line": line,
                "applicant": who,
                "name": name,
                "region": est.region,
                "as_of": est.as_of.isoformat(),
                "ruleset": est.ruleset.version,
                "rank": None,
                "document": None,
                "measure": None,
                "article": None,
                "title": None,
                "category": None,
                "reason": None,
                "needs": None,
                "notes": None,
                "min": None,
                "max": None,
                "recipient": None,
                "lead": [],
                "support": [],
            }
        )
    return out


class StakeRow(TypedDict):
    line: int | None
    applicant: str
    name: str | None
    region: str
    as_of: str
    ruleset: str
    opportunities: int
    stake_min: int | float
    stake_max: int | float
    unknown: int


STAKE_COLUMNS: list[str] = list(StakeRow.__annotations__)


def stake_row(
    result: Opportunities, line: int | None = None, number: int | None = None
) -> StakeRow:
    """One applicant's money at stake (`--summary`): the certain and the possible sums of its
    opportunities' minimum and maximum, as the estimate's totals are (`unknown` counts those
    whose maximum is not known, left out of the sum). Alternatives and hypotheses, never
    added to the estimate."""
    from decimal import Decimal

    from .rows import applicant_label

    est = result.estimate
    name = est.profile.applicant.get("name")
    low = high = Decimal(0)
    unknown = 0
    for item in result.items:
        low += item.amount.min or 0
        if item.amount.max is None:
            unknown += 1
        else:
            high += item.amount.max
    low_num, high_num = num(low), num(high)
    assert low_num is not None and high_num is not None
    return {
        "line": line,
        "applicant": applicant_label(est, number),
        "name": None if name is None else str(name),
        "region": est.region,
        "as_of": est.as_of.isoformat(),
        "ruleset": est.ruleset.version,
        "opportunities": len(result.items),
        "stake_min": low_num,
        "stake_max": high_num,
        "unknown": unknown,
    }


def amount_words(item: dict[str, Any], lang: Lang) -> str:
    lo, hi = item["min"], item["max"]
    zh = lang == "zh"
    if hi is None:
        if lo:
            return f"至少 {lo}，上限未定" if zh else f"at least {lo}, no stated maximum"
        return "金额未定" if zh else "amount unknown"
    if lo == hi:
        return f"{hi}"
    if not lo:
        return f"最高 {hi}" if zh else f"up to {hi}"
    return f"{lo}–{hi}"


def _grouped(data: dict[str, Any]) -> list[tuple[str, list[tuple[int, dict[str, Any]]]]]:
    """By category, each group placed where its best item ranks; overall ranks kept."""
    groups: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    for rank, item in enumerate(data["opportunities"], 1):
        groups.setdefault(item["category"], []).append((rank, item))
    return sorted(groups.items(), key=lambda g: g[1][0][0])


def _sections(view: OpportunitiesView) -> list[tuple[dict[str, Any], Opportunities]]:
    return [(opportunities_data(r, view.lang), r) for r in view.results]


def _cells(
    item: dict[str, Any],
    rank: int,
    names: dict[str, str],
    lang: Lang,
    documents: dict[str, str] | None = None,
) -> list[str]:
    """A row's cells. With `documents` (a client report) the document is named by its title
    and no id is shown; the terminal table keeps the ids a consultant looks up."""
    deps = item["departments"]
    recipient = names.get(item["recipient"], item["recipient"])
    sep = "、" if lang == "zh" else "; "
    people = sep.join(deps["lead"]) or "—"
    if deps["support"]:
        people += ("；配合：" if lang == "zh" else "; cooperating: ") + sep.join(deps["support"])
    return [
        f"#{rank}",
        item["article"],
        (
            f"{item['title']}\n{documents.get(item['document'], '')}\n→ {recipient}"
            if documents is not None
            else f"{item['title']}\n{item['measure']} · {item['document']}\n→ {recipient}"
        ),
        reason_word(item["reason"], lang),
        amount_words(item, lang),
        ("；" if lang == "zh" else "; ").join([item["needs"], *item["notes"]]),
        people,
    ]


def _titles(rs: Any, lang: Lang) -> dict[str, str]:
    return {d.id: d.title.get(lang) for d in rs.documents.values()}


HEADS = ("rank", "article", "measure", "reason", "amount", "needs", "departments")


# ------------------------------------------------------------------ terminal


# ------------------------------------------------------------------ reports


def markdown(view: OpportunitiesView) -> str:
    lang = view.lang
    out = [f"# {md(word('title', lang))}", "", f"*{md(word('note', lang))}*", ""]
    for data, result in _sections(view):
        rs = result.estimate.ruleset
        a = data["applicant"]
        region = rs.regions[a["region"]].name.get(lang)
        recipients = {k: v.get(lang) for k, v in rs.recipients.items()}
        who = a.get("name") or a.get("id") or word("applicant", lang)
        out += [
            f"## {md(who)} · {md(region)}",
            "",
            f"- {md(word('as_of', lang))}: {data['as_of']}",
            f"- {md(word('ruleset', lang))}: {data['ruleset']}",
            "",
        ]
        if not data["opportunities"]:
            out += [md(word("none", lang)), ""]
        for category, items in _grouped(data):
            title = rs.categories[category].get(lang) if category in rs.categories else category
            out += [f"### {md(title)}", ""]
            out.append("| " + " | ".join(md(word(h, lang)) for h in HEADS) + " |")
            out.append("|" + "|".join("---:" if h == "amount" else "---" for h in HEADS) + "|")
            for rank, item in items:
                cells = [
                    " · ".join(c.split("\n"))
                    for c in _cells(item, rank, recipients, lang, _titles(rs, lang))
                ]
                out.append("| " + " | ".join(md(c) for c in cells) + " |")
            out.append("")
    return "\n".join(out)


_STYLE = (
    'body{font-family:system-ui,"Noto Sans CJK SC","PingFang SC",sans-serif;margin:2em;'
    "color:#222}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;"
    "padding:4px 8px;vertical-align:top}th{background:#f3f3f3}td.num{text-align:right}"
    ".note{border-left:4px solid #c60;padding:.5em 1em;background:#fff7ee}"
)


def html_report(view: OpportunitiesView) -> str:
    lang = view.lang
    title = word("title", lang)
    out = [
        "<!DOCTYPE html>",
        f'<html lang="{"zh-CN" if lang == "zh" else "en"}">',
        f'<head><meta charset="utf-8"><title>{xml(title)}</title><style>{_STYLE}</style></head>',
        f"<body><h1>{xml(title)}</h1>",
        f"<p class=note>{xml(word('note', lang))}</p>",
    ]
    for data, result in _sections(view):
        rs = result.estimate.ruleset
        a = data["applicant"]
        region = rs.regions[a["region"]].name.get(lang)
        recipients = {k: v.get(lang) for k, v in rs.recipients.items()}
        who = a.get("name") or a.get("id") or word("applicant", lang)
        out += [
            f"<h2>{xml(who)} · {xml(region)}</h2>",
            f"<p>{xml(word('as_of', lang))}: {xml(data['as_of'])} · "
            f"{xml(word('ruleset', lang))}: {xml(data['ruleset'])}</p>",
        ]
        if not data["opportunities"]:
            out.append(f"<p>{xml(word('none', lang))}</p>")
        for category, items in _grouped(data):
            title = rs.categories[category].get(lang) if category in rs.categories else category
            out.append(f"<h3>{xml(title)}</h3><table><tr>")
            out += [f"<th>{xml(word(h, lang))}</th>" for h in HEADS]
            out.append("</tr>")
            for rank, item in items:
                cells = _cells(item, rank, recipients, lang, _titles(rs, lang))
                out.append(
                    "<tr>"
                    + "".join(
                        f"<td{' class=num' if HEADS[i] == 'amount' else ''}>"
                        + "<br>".join(xml(part) for part in c.split("\n"))
                        + "</td>"
                        for i, c in enumerate(cells)
                    )
                    + "</tr>"
                )
            out.append("</table>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def render_report(kind: ReportKind, view: OpportunitiesView) -> str:
    match kind:
        case ReportKind.md:
            return markdown(view)
        case ReportKind.html:
            return html_report(view)
        case ReportKind.svg:
            raise ValueError("an opportunities report is HTML or Markdown")
        case _:
            assert_never(kind)
