"""Tables for a person at a terminal (rich). Machine formats never come through here."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text as RichText

from ..model import Lang
from .data import amount_text, status_word, totals_text

L = {
    "document": ("文件", "Document"),
    "article": ("条款", "Article"),
    "measure": ("措施", "Measure"),
    "award": ("金额（万元）", "Award (万元)"),
    "recipient": ("受益方", "Recipient"),
    "lead": ("牵头部门", "Lead"),
    "support": ("配合部门", "Cooperating"),
    "fact": ("依据事实", "Fact"),
    "total": ("合计", "Total"),
    "status": ("状态", "Status"),
    "excluded": ("未计入的措施", "Not counted"),
    "reason": ("原因", "Reason"),
    "notes": ("说明", "Notes"),
    "none": ("无匹配的资金措施。", "No money measure matches."),
}


def label(key: str, lang: Lang) -> str:
    zh, en = L[key]
    return zh if lang == "zh" else en


def console(stderr: bool = False) -> Console:
    return Console(stderr=stderr, highlight=False, soft_wrap=False)


def _award_table(awards: list[dict[str, Any]], lang: Lang, title: str) -> Table:
    table = Table(title=escape(title), title_justify="left", show_lines=False)
    for key in ("article", "measure", "award", "recipient", "lead", "support"):
        table.add_column(
            label(key, lang), overflow="fold", justify="right" if key == "award" else "left"
        )
    sep = "\n"
    for award in awards:
        fact = award.get("fact") or {}
        product = f" · {fact['product']}" if fact.get("product") else ""
        deps = award["departments"]
        table.add_row(
            escape(award["article"]),
            escape(award["title"]) + f"\n[dim]{escape(award['measure'] + product)}[/dim]",
            amount_text(award, lang),
            escape(award["recipient_label"])
            + (f"\n[dim]{escape(award['payment']['text'])}[/dim]" if award.get("payment") else ""),
            escape(sep.join(deps["lead"]) or deps.get("note", "—")),
            escape(sep.join(deps["support"]) or "—"),
        )
    return table


def print_estimate(data: dict[str, Any], lang: Lang, out: Console, show_all: bool = False) -> None:
    applicant = data["applicant"]
    who = applicant.get("name") or applicant.get("id") or ""
    moved = ""
    if applicant.get("moved_from"):
        where = data.get("region_label") or applicant["region"]
        moved = f"（假设注册于{where}）" if lang == "zh" else f" (as if registered in {where})"
    day = "评估日" if lang == "zh" else "as of"
    out.print(
        RichText(f"{who}{moved} · {day} {data['as_of']} · ruleset {data['ruleset']}", style="bold")
    )
    titles = {}
    for doc in data["documents"]:
        titles[doc["id"]] = doc["title"]
        state = status_word(doc["status"], lang)
        if not doc["eligible"] and doc["status"] == "in_force":
            state += "；不符合条件" if lang == "zh" else "; not eligible"
        until = doc["effective_until"] or ("未规定" if lang == "zh" else "not stated")
        out.print(
            RichText(
                f"  • {doc['title']} [{doc['id']}] {doc['effective_from'] or '?'} – {until}: {state}"
            )
        )
    shown = [a for a in data["awards"] if show_all or a["kind"] != "no_money"]
    for doc_id, title in titles.items():
        rows = [a for a in shown if a["document"] == doc_id]
        if rows:
            out.print(_award_table(rows, lang, title))
    if not shown:
        out.print(label("none", lang))
    out.print(
        RichText(f"{label('total', lang)}: {totals_text(data['totals'], lang)}", style="bold")
    )
    excluded = data["excluded"]
    limit = None if show_all else 12
    if excluded:
        out.print(RichText(f"\n{label('excluded', lang)} ({len(excluded)}):"))
        for ex in excluded[:limit]:
            out.print(RichText(f"  – {ex['measure']} {ex['article']}: {ex['reason']}"))
        if limit is not None and len(excluded) > limit:
            more = len(excluded) - limit
            out.print(
                f"  … 另有 {more} 项（--all 显示全部）"
                if lang == "zh"
                else f"  … {more} more (--all shows every one)"
            )
    general = data.get("general_measures") or []
    if general:
        head = "其他适用的一般性措施" if lang == "zh" else "General measures of these documents"
        out.print(RichText(f"\n{head} ({len(general)}):"))
        for m in general:
            kind = (
                amount_text({"kind": m["kind"], "min": None, "max": None}, lang)
                if m["kind"] in ("no_money", "case_by_case")
                else m["formula"]
            )
            lead = "、".join(m["departments"]["lead"]) or "—"
            out.print(RichText(f"  – {m['measure']} {m['article']} {m['title']} [{kind}] · {lead}"))
    for note in data["notes"]:
        out.print(RichText(f"! {note}", style="yellow"))
    notes = sorted({n for a in data["awards"] for n in a.get("notes", [])})
    if notes:
        out.print(RichText(f"\n{label('notes', lang)}:"))
        for note in notes:
            out.print(RichText(f"  · {note}"))


def print_compare(payload: dict[str, Any], lang: Lang, out: Console) -> None:
    """Totals per region, a bar for each region's range, and categories against regions."""
    from .report import category_matrix

    regions = payload["regions"]
    zh = lang == "zh"
    head = f"{'评估日' if zh else 'as of'} {payload['as_of']} · ruleset {payload['ruleset']}"
    out.print(RichText(head, style="bold"))
    table = Table(title="地区比较" if zh else "compare-regions", title_justify="left")
    headers = (
        ("地区", "金额合计（万元）", "资金措施", "一事一议", "有效文件")
        if zh
        else ("Region", "Total (万元)", "Awards", "Case by case", "Documents in force")
    )
    for h in headers:
        table.add_column(h)
    for row in regions:
        t = row["totals"]
        span = f"{t['min']}" if t["min"] == t["max"] else f"{t['min']}–{t['max']}"
        in_force = [d["id"] for d in row["documents"] if d["status"] == "in_force"]
        table.add_row(
            escape(row["region_label"]),
            span,
            str(t["awards"] - t["no_money"]),
            str(t["case_by_case"]),
            escape("\n".join(in_force) or "—"),
        )
    out.print(table)
    # The bars: solid to the minimum, shaded to the maximum, on one scale.
    scale = max((r["totals"]["max"] for r in regions), default=0) or 1
    width = 40
    label_width = max((len(r["region_label"]) for r in regions), default=4) + 2
    out.print(
        RichText(
            "■ 确定下限  ░ 可能上限" if zh else "■ certain (min)  ░ possible (to max)", style="dim"
        )
    )
    for row in regions:
        t = row["totals"]
        solid = round(t["min"] * width / scale)
        shade = max(round(t["max"] * width / scale) - solid, 0)
        bar = RichText(row["region_label"].ljust(label_width))
        bar.append("■" * solid, style="bold #c66a1c")
        bar.append("░" * shade, style="#f0a35e")
        bar.append(f" {totals_text(t, lang)}")
        out.print(bar)
    categories, matrix = category_matrix(regions)
    if categories:
        grid = Table(
            title="按类别（万元；+n? 为一事一议项数）"
            if zh
            else "By category (万元; +n? = case-by-case items)",
            title_justify="left",
        )
        grid.add_column("类别" if zh else "Category")
        for row in regions:
            grid.add_column(escape(row["region_label"]), justify="right")
        for category in categories:
            grid.add_row(category, *[matrix[category].get(r["region"], "—") for r in regions])
        out.print(grid)


def print_rows(title: str, headers: list[str], rows: list[list[str]], out: Console) -> None:
    table = Table(title=title or None)
    for h in headers:
        table.add_column(h, overflow="fold")
    for row in rows:
        table.add_row(*row)
    out.print(table)
