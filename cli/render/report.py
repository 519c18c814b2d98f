"""Self-contained reports (Markdown, HTML, SVG) for a client, from the plain result data.

A report names the applicant, the as-of date and the ruleset version, lists every award with
its article, recipient, departments and payment, the totals, the documents used with their
validity, and says plainly that these are estimates and that the departments decide.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from ..model import Lang
from .data import amount_text, status_word, totals_text

REPORT_KINDS = (".md", ".html", ".htm", ".svg")

WORDS = {
    "title": ("政策资金测算报告", "Policy support estimate"),
    "compare_title": ("地区比较报告", "Comparison of regions"),
    "applicant": ("申请主体", "Applicant"),
    "as_of": ("评估日", "As of"),
    "ruleset": ("规则版本", "Ruleset"),
    "region": ("地区", "Region"),
    "documents": ("所用文件", "Documents used"),
    "awards": ("可申请的支持", "Support that matches"),
    "document": ("文件", "Document"),
    "article": ("条款", "Article"),
    "measure": ("措施", "Measure"),
    "award": ("金额（万元）", "Award (万元)"),
    "recipient": ("受益方", "Recipient"),
    "lead": ("牵头部门", "Lead department"),
    "support": ("配合部门", "Cooperating"),
    "payment": ("拨付方式", "Paid"),
    "total": ("合计", "Total"),
    "excluded": ("未计入", "Not counted"),
    "reason": ("原因", "Reason"),
    "none": ("无", "none"),
    "status": ("状态", "Status"),
    "validity": ("有效期", "Validity"),
    "categories": ("按类别", "By category"),
    "disclaimer": (
        "本报告为依据公开政策文本的测算，并非承诺。是否支持及具体金额以主管部门审核认定为准；"
        "“最高”表示上限，一事一议项目金额未定、未计入合计。",
        "These figures are estimates from the published policy texts, not commitments. The "
        'departments named decide whether support is given and how much; "up to" is a '
        "ceiling, and case-by-case items have no amount and are not in the totals.",
    ),
}


def w(key: str, lang: Lang) -> str:
    zh, en = WORDS[key]
    return zh if lang == "zh" else en


def amount(item: dict[str, Any], lang: Lang) -> str:
    return amount_text(item, lang, long=True)


def totals(t: dict[str, Any], lang: Lang) -> str:
    return totals_text(t, lang)


def _sep(lang: Lang) -> str:
    return "、" if lang == "zh" else "; "


def _rows(data: dict[str, Any], lang: Lang) -> list[list[str]]:
    out = []
    for a in data["awards"]:
        if a["kind"] == "no_money":
            continue
        deps = a["departments"]
        out.append(
            [
                a["document"],
                a["article"],
                f"{a['title']} ({a['measure']})",
                amount(a, lang),
                a["recipient_label"],
                _sep(lang).join(deps["lead"]) or deps.get("note", "—"),
                _sep(lang).join(deps["support"]) or "—",
                (a.get("payment") or {}).get("text") or "—",
            ]
        )
    return out


HEADERS = ("document", "article", "measure", "award", "recipient", "lead", "support", "payment")


def _documents(data: dict[str, Any], lang: Lang) -> list[str]:
    lines = []
    for d in data["documents"]:
        number = f"（{d['number']}）" if d.get("number") and d["number"] != "unknown" else ""
        lines.append(
            f"{d['title']}{number} [{d['id']}]: {d['validity']} — {status_word(d['status'], lang)}"
        )
    return lines


# ------------------------------------------------------------------ Markdown


def _md_cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _md_estimate(data: dict[str, Any], lang: Lang, level: str = "##") -> list[str]:
    a = data["applicant"]
    out = [
        f"{level} {a.get('name') or a.get('id') or w('applicant', lang)} · "
        f"{data.get('region_label') or a['region']}",
        "",
        f"- {w('as_of', lang)}: {data['as_of']}",
        f"- {w('ruleset', lang)}: {data['ruleset']}",
        f"- {w('total', lang)}: {totals(data['totals'], lang)}",
        "",
        f"{level}# {w('documents', lang)}",
        "",
        *[f"- {line}" for line in _documents(data, lang)],
        "",
        f"{level}# {w('awards', lang)}",
        "",
    ]
    rows = _rows(data, lang)
    if rows:
        out.append("| " + " | ".join(w(h, lang) for h in HEADERS) + " |")
        out.append("|" + "---|" * len(HEADERS))
        out += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows]
    else:
        out.append(w("none", lang))
    if data["excluded"]:
        out += ["", f"{level}# {w('excluded', lang)}", ""]
        out += [f"- {x['measure']} {x['article']}: {x['reason']}" for x in data["excluded"]]
    if data["notes"]:
        out += [""] + [f"> {n}" for n in data["notes"]]
    return out


def markdown(data: dict[str, Any], lang: Lang, compare: bool = False) -> str:
    head = w("compare_title" if compare else "title", lang)
    out = [f"# {head}", "", f"*{w('disclaimer', lang)}*", ""]
    if compare:
        out += [
            f"- {w('as_of', lang)}: {data['as_of']}",
            f"- {w('ruleset', lang)}: {data['ruleset']}",
            "",
            "| " + w("region", lang) + " | " + w("total", lang) + " |",
            "|---|---|",
        ]
        out += [
            f"| {r.get('region_label') or r['region']} | {totals(r['totals'], lang)} |"
            for r in data["regions"]
        ]
        out += ["", f"## {w('categories', lang)}", ""]
        out += _md_matrix(data, lang)
        for region in data["regions"]:
            out += ["", *_md_estimate(region, lang)]
    else:
        out += _md_estimate(data, lang)
    return "\n".join(out) + "\n"


def _md_matrix(data: dict[str, Any], lang: Lang) -> list[str]:
    categories, matrix = category_matrix(data["regions"])
    regions = [r["region"] for r in data["regions"]]
    out = ["| | " + " | ".join(regions) + " |", "|---|" + "---|" * len(regions)]
    for category in categories:
        cells = [matrix[category].get(region, "—") for region in regions]
        out.append(f"| {category} | " + " | ".join(cells) + " |")
    return out


def category_matrix(
    regions: list[dict[str, Any]],
) -> tuple[list[str], dict[str, dict[str, str]]]:
    """Categories against regions: the summed range of each, with case-by-case counts."""
    sums: dict[str, dict[str, list[float]]] = {}
    for region in regions:
        for a in region["awards"]:
            if a["kind"] == "no_money":
                continue
            label = a.get("category_label") or a["category"]
            cell = sums.setdefault(label, {}).setdefault(region["region"], [0, 0, 0])
            if a["kind"] == "case_by_case":
                cell[2] += 1
            else:
                cell[0] += a["min"]
                cell[1] += a["max"]
    matrix: dict[str, dict[str, str]] = {}
    for category, by_region in sums.items():
        for region_id, (lo, hi, unknown) in by_region.items():
            span = _num(lo) if lo == hi else f"{_num(lo)}–{_num(hi)}"
            matrix.setdefault(category, {})[region_id] = span + (
                f" +{int(unknown)}?" if unknown else ""
            )
    return sorted(matrix), matrix


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


# ------------------------------------------------------------------ HTML

STYLE = """
body{font-family:system-ui,"Noto Sans CJK SC","PingFang SC",sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;
vertical-align:top}th{background:#f3f3f3}.note{color:#555;font-size:.9em}
.disclaimer{border-left:4px solid #c60;padding:.5em 1em;background:#fff7ee}
"""


def _h(text: Any) -> str:
    return html.escape(str(text))


def _html_estimate(data: dict[str, Any], lang: Lang) -> list[str]:
    a = data["applicant"]
    out = [
        f"<h2>{_h(a.get('name') or a.get('id') or '')} · "
        f"{_h(data.get('region_label') or a['region'])}</h2>",
        f"<p>{_h(w('as_of', lang))}: {_h(data['as_of'])} · {_h(w('ruleset', lang))}: "
        f"{_h(data['ruleset'])} · <b>{_h(w('total', lang))}: "
        f"{_h(totals(data['totals'], lang))}</b></p>",
        f"<h3>{_h(w('documents', lang))}</h3><ul>",
    ]
    out += [f"<li>{_h(line)}</li>" for line in _documents(data, lang)]
    out += ["</ul>", f"<h3>{_h(w('awards', lang))}</h3>"]
    rows = _rows(data, lang)
    if rows:
        out.append("<table><tr>" + "".join(f"<th>{_h(w(h, lang))}</th>" for h in HEADERS) + "</tr>")
        out += ["<tr>" + "".join(f"<td>{_h(c)}</td>" for c in row) + "</tr>" for row in rows]
        out.append("</table>")
    else:
        out.append(f"<p>{_h(w('none', lang))}</p>")
    if data["excluded"]:
        out.append(f"<h3>{_h(w('excluded', lang))}</h3><ul class=note>")
        out += [
            f"<li>{_h(x['measure'])} {_h(x['article'])}: {_h(x['reason'])}</li>"
            for x in data["excluded"]
        ]
        out.append("</ul>")
    out += [f"<p class=note>{_h(n)}</p>" for n in data["notes"]]
    return out


def html_report(data: dict[str, Any], lang: Lang, compare: bool = False) -> str:
    head = w("compare_title" if compare else "title", lang)
    out = [
        "<!DOCTYPE html>",
        f'<html lang="{"zh-CN" if lang == "zh" else "en"}">',
        '<head><meta charset="utf-8">',
        f"<title>{_h(head)}</title>",
        f"<style>{STYLE}</style></head><body>",
        f"<h1>{_h(head)}</h1>",
        f"<p class=disclaimer>{_h(w('disclaimer', lang))}</p>",
    ]
    if compare:
        out.append(
            f"<p>{_h(w('as_of', lang))}: {_h(data['as_of'])} · "
            f"{_h(w('ruleset', lang))}: {_h(data['ruleset'])}</p>"
        )
        out.append(svg_chart(data["regions"], lang))
        categories, matrix = category_matrix(data["regions"])
        regions = [r["region"] for r in data["regions"]]
        out.append(
            f"<h2>{_h(w('categories', lang))}</h2><table><tr><th></th>"
            + "".join(f"<th>{_h(r)}</th>" for r in regions)
            + "</tr>"
        )
        for category in categories:
            out.append(
                f"<tr><th>{_h(category)}</th>"
                + "".join(f"<td>{_h(matrix[category].get(r, '—'))}</td>" for r in regions)
                + "</tr>"
            )
        out.append("</table>")
        for region in data["regions"]:
            out += _html_estimate(region, lang)
    else:
        out += _html_estimate(data, lang)
    out.append("</body></html>")
    return "\n".join(out) + "\n"


# ------------------------------------------------------------------ SVG


def svg_chart(regions: list[dict[str, Any]], lang: Lang, top: int = 0) -> str:
    """A horizontal bar per region: solid to the minimum, hatched to the maximum."""
    width, label_w, bar_w, row_h = 760, 170, 420, 34
    scale = max((r["totals"]["max"] for r in regions), default=0) or 1
    height = row_h * len(regions) + 20
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height + top}" '
        f'font-family="sans-serif" font-size="13">',
        '<defs><pattern id="h" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="3" height="6" fill="#f0a35e"/>'
        "</pattern></defs>",
    ]
    for index, region in enumerate(regions):
        y = top + 10 + index * row_h
        t = region["totals"]
        lo, hi = t["min"] * bar_w / scale, t["max"] * bar_w / scale
        name = region.get("region_label") or region["region"]
        parts.append(f'<text x="0" y="{y + 17}">{_h(name)}</text>')
        parts.append(
            f'<rect x="{label_w}" y="{y + 4}" width="{hi:.1f}" height="18" '
            f'fill="url(#h)" stroke="#c66a1c"/>'
        )
        parts.append(
            f'<rect x="{label_w}" y="{y + 4}" width="{lo:.1f}" height="18" fill="#c66a1c"/>'
        )
        parts.append(f'<text x="{label_w + hi + 8:.1f}" y="{y + 17}">{_h(totals(t, lang))}</text>')
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


def svg_report(data: dict[str, Any], lang: Lang, compare: bool = False) -> str:
    """An SVG page: heading, disclaimer, (chart,) and one line per award."""
    lines: list[tuple[str, str]] = [
        ("h1", w("compare_title" if compare else "title", lang)),
        ("note", w("disclaimer", lang)),
    ]
    estimates = data["regions"] if compare else [data]
    lines.append(
        ("p", f"{w('as_of', lang)}: {data['as_of']} · {w('ruleset', lang)}: {data['ruleset']}")
    )
    for est in estimates:
        a = est["applicant"]
        lines.append(
            (
                "h2",
                f"{a.get('name') or a.get('id') or ''} · {est.get('region_label') or a['region']} — "
                f"{w('total', lang)}: {totals(est['totals'], lang)}",
            )
        )
        lines += [("p", line) for line in _documents(est, lang)]
        for row in _rows(est, lang):
            lines.append(
                (
                    "p",
                    f"{row[1]} {row[2]}: {row[3]} → {row[4]}; {w('lead', lang)}: {row[5]}; "
                    f"{w('support', lang)}: {row[6]}; {w('payment', lang)}: {row[7]}",
                )
            )
    y = 30
    body = []
    sizes = {"h1": 22, "h2": 16, "p": 13, "note": 12}
    for kind, text in lines:
        chunks = _wrap(text, 150)
        for chunk in chunks:
            weight = ' font-weight="bold"' if kind in ("h1", "h2") else ""
            colour = ' fill="#8a4b0f"' if kind == "note" else ""
            body.append(
                f'<text x="20" y="{y}" font-size="{sizes[kind]}"{weight}{colour}>{_h(chunk)}</text>'
            )
            y += sizes[kind] + 8
    chart = ""
    if compare:
        chart = svg_chart(data["regions"], lang, top=0).replace(
            "<svg ", f'<svg x="20" y="{y + 10}" ', 1
        )
        y += 40 * len(data["regions"]) + 30
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="1100" height="{y + 20}" '
        f'font-family="sans-serif"><rect width="100%" height="100%" fill="white"/>\n'
        + "\n".join(body)
        + "\n"
        + chart
        + "\n</svg>\n"
    )


def write_report(path: Path, data: dict[str, Any], lang: Lang, compare: bool = False) -> None:
    suffix = path.suffix.lower()
    if suffix == ".md":
        text = markdown(data, lang, compare)
    elif suffix in (".html", ".htm"):
        text = html_report(data, lang, compare)
    else:
        text = svg_report(data, lang, compare)
    tmp = path.with_name(f".{path.name}.part")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
