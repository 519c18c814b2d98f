"""Self-contained reports (Markdown, HTML, SVG) for a client, from one result view.

A report speaks the client's words: the applicant's name and the region's name, documents by
title, measures by title, departments and recipients by name, notes with field names replaced
by their labels, all in the chosen language; never an id or a field name. It gives the as-of
date and the ruleset version, every award with its article, recipient, departments and payment
(amounts right-aligned), the totals, the documents used with their validity, and says plainly
that these are estimates and that the departments decide.

Everything from the profile is escaped: Markdown (markup escaped, no raw newline), HTML and SVG
(entities; control characters made visible, so the SVG stays valid XML).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, assert_never

from ..errors import UsageError
from ..formats import REPORT_SUFFIXES, ReportKind, report_kind
from ..model import Lang, Ruleset
from ..wording import field_words, value_words
from .data import amount_text, ceiling_text, groups_of, stack_text, status_word, totals_text
from .safe import md, visible, xml
from .words import word

if TYPE_CHECKING:
    from .views import CompareView, EstimateView


HEADERS = ("article", "measure", "report_award", "recipient", "lead", "support", "payment")
AMOUNT_COLUMN = 2


class Group(NamedTuple):
    """The awards of one document, and the ceilings over them."""

    title: str
    rows: list[list[str]]
    ceilings: list[str]


class Section(NamedTuple):
    """One applicant in one region, in the client's words."""

    heading: str
    region: str
    as_of: str
    ruleset: str
    total: str
    totals: dict[str, Any]
    documents: list[str]
    groups: list[Group]
    excluded: list[str]
    notes: list[str]


class Report(NamedTuple):
    title: str
    as_of: str
    ruleset: str
    sections: list[Section]
    compare: bool
    categories: list[str]
    matrix: dict[str, dict[str, str]]


# ------------------------------------------------------------------ the client's words

# A field or fact-kind name (snake_case, maybe `applicant.`), or a measure or document id
# (kebab-case): the words a client should not have to read.
_IDENT = re.compile(
    r"\b(?:applicant\.)?([a-z][a-z0-9]*(?:_[a-z0-9]+)+)\b|(?<![\w-])([a-z][a-z0-9]*(?:-[a-z0-9]+)+)(?![\w-])"
)


def field_labels(ruleset: Ruleset, lang: Lang) -> dict[str, str]:
    """Field and fact-kind names against their labels in a language."""
    vocab = ruleset.vocabulary
    names: dict[str, str] = {}
    for kind in vocab.kinds.values():
        for name, spec in kind.fields.items():
            names.setdefault(name, spec.label.get(lang))
    for name, spec in vocab.applicant.items():
        names.setdefault(name, spec.label.get(lang))
    for kind_id, kind in vocab.kinds.items():
        names[kind_id] = kind.label.get(lang)
    # Enum values (cell_biologic, medical_institution) by the words their field's label lists.
    specs = [*vocab.applicant.values(), *vocab.products.values()]
    specs += [spec for kind in vocab.kinds.values() for spec in kind.fields.values()]
    for spec in specs:
        for value in spec.values or ():
            names.setdefault(str(value), value_words(spec, value).get(lang))
    for name, spec in vocab.products.items():
        names.setdefault(name, field_words(spec, name).get(lang))
    for measure_id, measure in ruleset.measures.items():
        names[measure_id] = measure.title.get(lang)
    for document_id, document in ruleset.documents.items():
        names[document_id] = document.title.get(lang)
        for ceiling in document.ceilings:
            names[ceiling.id] = word("ceiling_of", lang).format(ceiling.article)
    return names


def client_words(text: str, labels: dict[str, str]) -> str:
    """A note with each field or fact-kind name and each measure or document id replaced by
    its label or title."""
    return _IDENT.sub(lambda m: labels.get(m.group(1) or m.group(2), m.group(0)), text)


def _group_lines(data: dict[str, Any], document: str, lang: Lang) -> list[str]:
    ceilings, stacks = groups_of(data, document)
    out = [ceiling_text(g, lang) for g in ceilings] + [stack_text(s, lang) for s in stacks]
    subtotal = (data.get("totals_by_document") or {}).get(document)
    if subtotal is not None and len(data.get("totals_by_document") or {}) > 1:
        # The document's part of the total, from its groups as the total is.
        out.append(f"{word('subtotal', lang)}: {totals_text(subtotal, lang)}")
    return out


def award_amount_text(award: dict[str, Any], lang: Lang) -> str:
    """The clause's own range as the text states it, and what a ceiling leaves of it."""
    own = award.get("clause") or award
    before = award.get("before_ceilings") or own
    shown = amount_text(own, lang)
    if (award["min"], award["max"]) != (before["min"], before["max"]):
        shown += f"（{word('in_groups', lang).format(amount_text(award, lang))}）"
    return shown


def _section(data: dict[str, Any], ruleset: Ruleset, lang: Lang) -> Section:
    labels = field_labels(ruleset, lang)
    a = data["applicant"]
    region = data.get("region_label") or ruleset.regions[a["region"]].name.get(lang)
    titles = {d["id"]: d["title"] for d in data["documents"]}
    documents = []
    for d in data["documents"]:
        number = f"（{d['number']}）" if d.get("number") and d["number"] != "unknown" else ""
        documents.append(
            f"{d['title']}{number}: {client_words(d['validity'], labels)} — "
            f"{status_word(d['status'], lang)}"
        )
    sep = word("list_sep", lang)
    groups: dict[str, Group] = {}
    for award in data["awards"]:
        if award["kind"] == "no_money":
            continue
        deps = award["departments"]
        fact = award.get("fact") or {}
        title = award["title"] + (f"（{fact['product']}）" if fact.get("product") else "")
        group = groups.setdefault(
            award["document"],
            Group(
                titles[award["document"]],
                [],
                _group_lines(data, award["document"], lang),
            ),
        )
        group.rows.append(
            [
                award["article"],
                title,
                award_amount_text(award, lang),
                award["recipient_label"],
                sep.join(deps["lead"]) or deps.get("note") or "—",
                sep.join(deps["support"]) or "—",
                (award.get("payment") or {}).get("text") or "—",
            ]
        )
    measures = ruleset.measures
    excluded = [
        f"{measures[x['measure']].title.get(lang)} {x['article']}: "
        f"{client_words(x['reason'], labels)}"
        for x in data["excluded"]
    ]
    notes = [client_words(n, labels) for n in data["notes"]]
    award_notes = sorted({client_words(n, labels) for a in data["awards"] for n in a["notes"]})
    return Section(
        heading=str(a.get("name") or a.get("id") or word("applicant", lang)),
        region=region,
        as_of=data["as_of"],
        ruleset=data["ruleset"],
        total=totals_text(data["totals"], lang),
        totals=data["totals"],
        documents=documents,
        groups=list(groups.values()),
        excluded=excluded,
        notes=notes + award_notes,
    )


def build_report(view: EstimateView | CompareView) -> Report:
    from .data import compare_data, data_of
    from .views import CompareView

    lang = view.lang
    if isinstance(view, CompareView):
        payload = compare_data(view)
        ruleset = view.estimates[0].ruleset if view.estimates else None
        assert ruleset is not None
        sections = [_section(r, ruleset, lang) for r in payload["regions"]]
        categories, matrix = category_matrix(payload["regions"])
        return Report(
            word("compare_title", lang),
            payload["as_of"],
            payload["ruleset"],
            sections,
            True,
            categories,
            {
                c: {
                    s.region: matrix[c].get(r["region"], "—")
                    for s, r in zip(sections, payload["regions"], strict=True)
                }
                for c in categories
            },
        )
    data = data_of(view)
    section = _section(data, view.estimate.ruleset, lang)
    return Report(word("title", lang), data["as_of"], data["ruleset"], [section], False, [], {})


# ------------------------------------------------------------------ category matrix


def category_matrix(
    regions: list[dict[str, Any]],
) -> tuple[list[str], dict[str, dict[str, str]]]:
    """Categories against regions: each cell the category's subtotal by the same group rule
    as the region's total (a stacking group once, a ceiling group at what it pays), with
    case-by-case counts."""
    matrix: dict[str, dict[str, str]] = {}
    for region in regions:
        for category, t in region["totals_by_category"].items():
            if t["awards"] == t["no_money"]:
                continue  # nothing but measures without money
            name = t.get("label") or category
            lo, hi = Decimal(str(t["min"])), Decimal(str(t["max"]))
            span = _num(lo) if lo == hi else f"{_num(lo)}–{_num(hi)}"
            count = t["case_by_case"]
            matrix.setdefault(name, {})[region["region"]] = span + (f" +{count}?" if count else "")
    return sorted(matrix), matrix


def _num(value: Decimal) -> str:
    from ..money import fmt

    return fmt(value)


# ------------------------------------------------------------------ Markdown


def _md_table(headers: list[str], rows: list[list[str]], right: set[int]) -> list[str]:
    out = ["| " + " | ".join(md(h) for h in headers) + " |"]
    out.append("|" + "".join("---:|" if i in right else "---|" for i in range(len(headers))))
    out += ["| " + " | ".join(md(c) for c in row) + " |" for row in rows]
    return out


def _md_section(s: Section, lang: Lang, level: str) -> list[str]:
    out = [
        f"{level} {md(s.heading)} · {md(s.region)}",
        "",
        f"- {md(word('as_of', lang))}: {md(s.as_of)}",
        f"- {md(word('ruleset', lang))}: {md(s.ruleset)}",
        f"- {md(word('total', lang))}: {md(s.total)}",
        "",
        f"{level}# {md(word('documents', lang))}",
        "",
        *[f"- {md(line)}" for line in s.documents],
        "",
        f"{level}# {md(word('awards', lang))}",
        "",
    ]
    if not s.groups:
        out.append(md(word("none_short", lang)))
    headers = [word(h, lang) for h in HEADERS]
    for group in s.groups:
        out += [f"**{md(group.title)}**", ""]
        out += _md_table(headers, group.rows, {AMOUNT_COLUMN})
        out.append("")
        if group.ceilings:
            out += [f"- {md(c)}" for c in group.ceilings]
            out.append("")
    if s.excluded:
        out += ["", f"{level}# {md(word('excluded', lang))}", ""]
        out += [f"- {md(x)}" for x in s.excluded]
    if s.notes:
        out += ["", f"{level}# {md(word('notes', lang))}", ""]
        out += [f"- {md(n)}" for n in s.notes]
    return out


def markdown(report: Report, lang: Lang) -> str:
    out = [f"# {md(report.title)}", "", f"*{md(word('disclaimer', lang))}*", ""]
    if report.compare:
        out += [
            f"- {md(word('as_of', lang))}: {md(report.as_of)}",
            f"- {md(word('ruleset', lang))}: {md(report.ruleset)}",
            "",
        ]
        out += _md_table(
            [word("region", lang), word("total", lang)],
            [[s.region, s.total] for s in report.sections],
            {1},
        )
        if report.categories:
            out += ["", f"## {md(word('categories', lang))}", ""]
            regions = [s.region for s in report.sections]
            out += _md_table(
                [word("category", lang), *regions],
                [[c, *[report.matrix[c][r] for r in regions]] for c in report.categories],
                set(range(1, len(regions) + 1)),
            )
        for s in report.sections:
            out += ["", *_md_section(s, lang, "##")]
    else:
        out += _md_section(report.sections[0], lang, "##")
    return "\n".join(out) + "\n"


# ------------------------------------------------------------------ HTML

STYLE = """
body{font-family:system-ui,"Noto Sans CJK SC","PingFang SC",sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:4px 8px;
vertical-align:top;text-align:left}th{background:#f3f3f3;white-space:nowrap}
.num{text-align:right;white-space:nowrap}.id{white-space:nowrap}
.note{color:#555;font-size:.9em}h4{margin:1em 0 .2em}
.disclaimer{border-left:4px solid #c60;padding:.5em 1em;background:#fff7ee}
"""


def _html_table(
    headers: list[str],
    rows: list[list[str]],
    right: set[int],
    row_heads: bool = False,
    whole: Collection[int] = (),
) -> list[str]:
    def cls(i: int) -> str:
        return ' class="num"' if i in right else ' class="id"' if i in whole else ""

    out = ["<table><tr>" + "".join(f"<th{cls(i)}>{xml(h)}</th>" for i, h in enumerate(headers))]
    out[0] += "</tr>"
    for row in rows:
        cells = []
        for i, c in enumerate(row):
            tag = "th" if row_heads and i == 0 else "td"
            cells.append(f"<{tag}{cls(i)}>{xml(c)}</{tag}>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</table>")
    return out


def _html_section(s: Section, lang: Lang) -> list[str]:
    out = [
        f"<h2>{xml(s.heading)} · {xml(s.region)}</h2>",
        f"<p>{xml(word('as_of', lang))}: {xml(s.as_of)} · {xml(word('ruleset', lang))}: "
        f"{xml(s.ruleset)} · <b>{xml(word('total', lang))}: {xml(s.total)}</b></p>",
        f"<h3>{xml(word('documents', lang))}</h3><ul>",
        *[f"<li>{xml(line)}</li>" for line in s.documents],
        "</ul>",
        f"<h3>{xml(word('awards', lang))}</h3>",
    ]
    if not s.groups:
        out.append(f"<p>{xml(word('none_short', lang))}</p>")
    headers = [word(h, lang) for h in HEADERS]
    for group in s.groups:
        out.append(f"<h4>{xml(group.title)}</h4>")
        out += _html_table(headers, group.rows, {AMOUNT_COLUMN}, whole={0})
        if group.ceilings:
            out.append("<ul class=note>")
            out += [f"<li>{xml(word('ceiling', lang))}: {xml(c)}</li>" for c in group.ceilings]
            out.append("</ul>")
    if s.excluded:
        out.append(f"<h3>{xml(word('excluded', lang))}</h3><ul class=note>")
        out += [f"<li>{xml(x)}</li>" for x in s.excluded]
        out.append("</ul>")
    if s.notes:
        out.append(f"<h3>{xml(word('notes', lang))}</h3><ul class=note>")
        out += [f"<li>{xml(n)}</li>" for n in s.notes]
        out.append("</ul>")
    return out


def html_report(report: Report, lang: Lang) -> str:
    out = [
        "<!DOCTYPE html>",
        f'<html lang="{"zh-CN" if lang == "zh" else "en"}">',
        '<head><meta charset="utf-8">',
        f"<title>{xml(report.title)}</title>",
        f"<style>{STYLE}</style></head><body>",
        f"<h1>{xml(report.title)}</h1>",
        f"<p class=disclaimer>{xml(word('disclaimer', lang))}</p>",
    ]
    if report.compare:
        out.append(
            f"<p>{xml(word('as_of', lang))}: {xml(report.as_of)} · "
            f"{xml(word('ruleset', lang))}: {xml(report.ruleset)}</p>"
        )
        out.append(svg_chart(report.sections))
        if report.categories:
            regions = [s.region for s in report.sections]
            out.append(f"<h2>{xml(word('categories', lang))}</h2>")
            out += _html_table(
                [word("category", lang), *regions],
                [[c, *[report.matrix[c][r] for r in regions]] for c in report.categories],
                set(range(1, len(regions) + 1)),
                row_heads=True,
            )
    for s in report.sections:
        out += _html_section(s, lang)
    out.append("</body></html>")
    return "\n".join(out) + "\n"


# ------------------------------------------------------------------ SVG


def _cells(text: str) -> int:
    """Display width in columns: a CJK character takes two."""
    return sum(2 if ord(char) > 0x2E7F else 1 for char in text)


def svg_chart(sections: list[Section], top: int = 0) -> str:
    """A horizontal bar per region: solid to the minimum, hatched to the maximum, and the
    total beside it; the picture is as wide as its longest line, so nothing is clipped."""
    char_w, bar_w, row_h = 7.5, 420, 34
    label_w = max((_cells(visible(s.region)) for s in sections), default=4) * char_w + 16
    text_x = label_w + bar_w + 8
    width = text_x + max((_cells(s.total) for s in sections), default=0) * char_w + 16
    scale = max((s.totals["max"] for s in sections), default=0) or 1
    height = row_h * len(sections) + 20
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height + top}" '
        f'font-family="sans-serif" font-size="13">',
        '<defs><pattern id="h" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="3" height="6" fill="#f0a35e"/>'
        "</pattern></defs>",
    ]
    for index, s in enumerate(sections):
        y = top + 10 + index * row_h
        lo, hi = s.totals["min"] * bar_w / scale, s.totals["max"] * bar_w / scale
        parts.append(f'<text x="0" y="{y + 17}">{xml(s.region)}</text>')
        parts.append(
            f'<rect x="{label_w:.0f}" y="{y + 4}" width="{hi:.1f}" height="18" '
            f'fill="url(#h)" stroke="#c66a1c"/>'
        )
        parts.append(
            f'<rect x="{label_w:.0f}" y="{y + 4}" width="{lo:.1f}" height="18" fill="#c66a1c"/>'
        )
        parts.append(f'<text x="{text_x:.0f}" y="{y + 17}">{xml(s.total)}</text>')
    parts.append("</svg>")
    return "\n".join(parts)


def _wrap(text: str, width: int) -> list[str]:
    """Split text into lines of at most `width` columns (a CJK character takes two)."""
    lines, current, used = [], "", 0
    for char in text:
        cost = 2 if ord(char) > 0x2E7F else 1
        if used + cost > width:
            lines.append(current)
            current, used = "", 0
        current += char
        used += cost
    lines.append(current)
    return lines


def svg_report(report: Report, lang: Lang) -> str:
    """An SVG page: heading, disclaimer, (chart,) and one line per award."""
    lines: list[tuple[str, str]] = [
        ("h1", report.title),
        ("note", word("disclaimer", lang)),
        ("p", f"{word('as_of', lang)}: {report.as_of} · {word('ruleset', lang)}: {report.ruleset}"),
    ]
    grid: list[list[str]] = []
    if report.compare and report.categories:
        # The category matrix, as in the HTML and Markdown reports: categories against
        # regions, one row each, columns as wide as their widest cell.
        regions = [s.region for s in report.sections]
        grid = [[word("category", lang), *regions]]
        grid += [[c, *[report.matrix[c][r] for r in regions]] for c in report.categories]
        lines.append(("h2", word("categories", lang)))
        lines += [("grid", "\t".join(row)) for row in grid]
    widths = (
        [max(_cells(visible(row[i])) for row in grid) for i in range(len(grid[0]))] if grid else []
    )
    for s in report.sections:
        lines.append(("h2", f"{s.heading} · {s.region} — {word('total', lang)}: {s.total}"))
        lines += [("p", line) for line in s.documents]
        for group in s.groups:
            lines.append(("h3", group.title))
            for row in group.rows:
                lines.append(
                    (
                        "p",
                        f"{row[0]} {row[1]}: {row[2]} → {row[3]}; {word('lead', lang)}: "
                        f"{row[4]}; {word('support', lang)}: {row[5]}; "
                        f"{word('payment', lang)}: {row[6]}",
                    )
                )
            lines += [("p", c) for c in group.ceilings]
        lines += [("note", n) for n in s.notes]
    y = 30
    body = []
    sizes = {"h1": 22, "h2": 16, "h3": 14, "p": 13, "note": 12}
    for kind, content in lines:
        if kind == "grid":
            x = 20.0
            for i, cell in enumerate(content.split("\t")):
                weight = ' font-weight="bold"' if content == "\t".join(grid[0]) else ""
                body.append(
                    f'<text x="{x:.0f}" y="{y}" font-size="13"{weight}>{xml(visible(cell))}</text>'
                )
                x += widths[i] * 7.5 + 24
            y += 21
            continue
        for chunk in _wrap(visible(content), 150):
            weight = ' font-weight="bold"' if kind in ("h1", "h2", "h3") else ""
            colour = ' fill="#8a4b0f"' if kind == "note" else ""
            body.append(
                f'<text x="20" y="{y}" font-size="{sizes[kind]}"{weight}{colour}>{xml(chunk)}</text>'
            )
            y += sizes[kind] + 8
    chart = ""
    if report.compare:
        chart = svg_chart(report.sections).replace("<svg ", f'<svg x="20" y="{y + 10}" ', 1)
        y += 34 * len(report.sections) + 40
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="1100" height="{y + 20}" '
        f'font-family="sans-serif"><rect width="100%" height="100%" fill="white"/>\n'
        + "\n".join(body)
        + "\n"
        + chart
        + "\n</svg>\n"
    )


def render_report(kind: ReportKind, view: EstimateView | CompareView) -> str:
    report = build_report(view)
    match kind:
        case ReportKind.md:
            return markdown(report, view.lang)
        case ReportKind.html:
            return html_report(report, view.lang)
        case ReportKind.svg:
            return svg_report(report, view.lang)
        case _:
            assert_never(kind)


def write_report(
    path: Path,
    view: EstimateView | CompareView,
    inputs: Iterable[str | int] = (),
    field: str | None = None,
) -> None:
    """Write the report through the safe writer (never over an input, a device or a link);
    `field` names where the path came from in an error."""
    from ..output import write_file

    kind = report_kind(path.name)
    if kind is None:
        raise UsageError(
            f"a report ends in {', '.join(REPORT_SUFFIXES)}", source=str(path), field=field
        )
    write_file(path, render_report(kind, view), inputs=inputs, field=field)
