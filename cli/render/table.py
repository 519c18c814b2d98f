"""Tables for a person at a terminal (rich). Machine formats never come through here.

Every value is rich `Text` (never markup) with control characters made visible. A table is
drawn in its wide form where it fits the width; otherwise in a narrow form that keeps every
id, number and header whole (departments go under the measure, a grid becomes a list). The
width is $COLUMNS; else the terminal's, when the output is one; else, for a pipe or a file, the
terminal on stderr when there is one (`facts | head` is read at that terminal); else
`PIPE_WIDTH`. Text is folded, never clipped: a cell too narrow for a word wraps it.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import IO, TYPE_CHECKING, Any

from rich.cells import cell_len
from rich.console import Console
from rich.table import Table as _RichTable
from rich.text import Text

from ..model import Lang
from .data import amount_text, ceiling_text, groups_of, stack_text, status_word, totals_text
from .safe import visible
from .words import word

if TYPE_CHECKING:
    from .views import OpportunitiesView, View

_LATIN_WORD = re.compile(r"[!-~]+")
PIPE_WIDTH = 80  # a pipe or a file with no terminal anywhere: the classic terminal width


class Table(_RichTable):
    """A rich table whose cells fold a word too long for them instead of clipping it with
    "…": a pipe or a file must keep every character."""

    def add_column(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("overflow", "fold")
        super().add_column(*args, **kwargs)


class _Console(Console):
    def print(self, *objects: Any, **kwargs: Any) -> None:
        # A table wider than the width (ids kept whole at a very narrow width) is printed
        # whole rather than cut at the right edge: nothing is ever lost.
        kwargs.setdefault("crop", False)
        super().print(*objects, **kwargs)

    def on_broken_pipe(self) -> None:
        # The reader went away (`| head`): the command line ends quietly with exit 0.
        self.quiet = True
        raise BrokenPipeError


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def output_width(stream: Any) -> int | None:
    """The width to lay out for: None lets rich ask the terminal the output goes to."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    if _isatty(stream):
        return None
    if _isatty(sys.stderr):
        try:
            return os.get_terminal_size(sys.stderr.fileno()).columns or PIPE_WIDTH
        except (AttributeError, ValueError, OSError):
            pass
    return PIPE_WIDTH


def console(stderr: bool = False, file: IO[str] | None = None) -> Console:
    stream = file if file is not None else (sys.stderr if stderr else sys.stdout)
    width = output_width(stream)
    return _Console(file=file, stderr=stderr, highlight=False, soft_wrap=False, width=width)


def label(key: str, lang: Lang) -> str:
    return word(key, lang)


def text(value: Any, style: str = "") -> Text:
    """A value as plain text, control characters made visible."""
    return Text(visible(value), style=style)


def lines(*parts: Text | None) -> Text:
    """Texts one under another (None skipped)."""
    return Text("\n").join(p for p in parts if p is not None and p.plain)


def fit(out: Console, *candidates: Callable[[], Table]) -> Table:
    """The first table that fits the width untouched; else the last (narrowest) one."""
    for build in candidates[:-1]:
        wide = build()
        if natural_width(out, wide) <= out.width:
            return wide
    return candidates[-1]()


def natural_width(out: Console, table: Table) -> int:
    """The width a table takes when nothing in it wraps."""
    return out.measure(table, options=out.options.update_width(100_000)).maximum


def drawn_width(out: Console, table: Table) -> int:
    """The width a table takes when drawn at the console's width (more where the columns
    that must stay whole do not fit)."""
    from rich.segment import Segment

    lines = Segment.split_lines(out.render(table, out.options))
    return max((sum(cell_len(seg.text) for seg in line) for line in lines), default=0)


# ------------------------------------------------------------------ estimate


def _departments(deps: dict[str, Any], key: str, sep: str) -> Text:
    names: list[str] = deps[key]
    if names:
        return Text(sep.join(visible(n) for n in names))
    return text(deps.get("note") or "—") if key == "lead" else Text("—")


def _measure_cell(
    award: dict[str, Any], lang: Lang, narrow: bool, stack: dict[str, Any] | None = None
) -> Text:
    fact = award.get("fact") or {}
    ident = award["measure"] + (f" · {fact['product']}" if fact.get("product") else "")
    parts = [text(award["title"]), text(ident, "dim")]
    if stack is not None:
        # Its stacking group and what the group pays, beside the clause's own range.
        parts.append(text(stack_text(stack, lang), "dim"))
    deps = award["departments"]
    if narrow:
        sep = word("list_sep", lang)
        recipient = award["recipient_label"]
        if award.get("payment"):
            recipient += f" · {award['payment']['text']}"
        parts += [
            text(recipient),
            Text(f"{word('lead', lang)}: ").append_text(_departments(deps, "lead", sep)),
            Text(f"{word('support', lang)}: ", style="dim").append_text(
                _departments(deps, "support", sep)
            ),
        ]
    for number, step in enumerate(award.get("steps") or [], 1):
        parts.append(text(f"{number}. {step}", "italic"))
    return lines(*parts)


def _id_width(awards: list[dict[str, Any]], header: str) -> int:
    widths = [cell_len(header)]
    for award in awards:
        fact = award.get("fact") or {}
        ident = award["measure"] + (f" · {fact['product']}" if fact.get("product") else "")
        widths.append(cell_len(visible(ident)))
    return max(widths)


def _award_table(
    awards: list[dict[str, Any]],
    lang: Lang,
    title: str,
    narrow: bool,
    ceilings: list[dict[str, Any]] | None = None,
    stacks: list[dict[str, Any]] | None = None,
    subtotal: dict[str, Any] | None = None,
) -> Callable[[], Table]:
    def build() -> Table:
        table = Table(title=text(title), title_justify="left")
        table.add_column(word("article", lang), no_wrap=True)
        measure = word("measure", lang)
        table.add_column(measure, min_width=_id_width(awards, measure))
        table.add_column(word("award", lang), justify="right", no_wrap=True)
        if not narrow:
            for key in ("recipient", "lead", "support"):
                table.add_column(word(key, lang), min_width=cell_len(word(key, lang)))
        by_id = {g["id"]: g for g in stacks or []}
        for award in awards:
            stack = by_id.get(award.get("stacking") or "")
            cells = [text(award["article"]), _measure_cell(award, lang, narrow, stack)]
            cells.append(award_amount_cell(award, lang))
            if not narrow:
                deps = award["departments"]
                payment = award.get("payment")
                cells += [
                    lines(
                        text(award["recipient_label"]),
                        text(payment["text"], "dim") if payment else None,
                    ),
                    _departments(deps, "lead", "\n"),
                    _departments(deps, "support", "\n"),
                ]
            table.add_row(*cells)
        if ceilings or stacks:
            # Each ceiling group under the awards it covers (what they add up to before it
            # and what the group pays), and each group of alternatives (就高不重复).
            table.add_section()
            groups = [(g, ceiling_text(g, lang, article=False)) for g in ceilings or []]
            groups += [(g, stack_text(g, lang, article=False)) for g in stacks or []]
            for group, line in groups:
                members = ", ".join(m["measure"] for m in group["members"])
                cells = [
                    text(group["article"]),
                    lines(text(line), text(members, "dim")),
                    text(_bounds(group)),
                ]
                if not narrow:
                    cells += [Text(""), Text(""), Text("")]
                table.add_row(*cells, style="italic")
        if subtotal is not None:
            # The document's part of the total, from its groups as the total is.
            table.add_section()
            cells = [Text(""), text(word("subtotal", lang)), text(_short_total(subtotal))]
            if not narrow:
                cells += [Text(""), Text(""), Text("")]
            table.add_row(*cells, style="bold")
        return table

    return build


def award_amount_cell(award: dict[str, Any], lang: Lang) -> Text:
    """The clause's own range as the text states it; under it, dim, what the award can get
    within its ceiling groups where a ceiling may cut it."""
    own = award.get("clause") or award
    # A stacking group's range is on the measure's own line; a ceiling's cut shows here.
    before = award.get("before_ceilings") or own
    shared = (award["min"], award["max"]) != (before["min"], before["max"])
    return lines(
        text(amount_text(own, lang)),
        text(word("in_groups", lang).format(amount_text(award, lang)), "dim") if shared else None,
    )


def _bounds(group: dict[str, Any]) -> str:
    lo, hi = group["min"], group["max"]
    if lo is None or hi is None:
        return "?"
    return f"{lo}" if lo == hi else f"{lo}–{hi}"


def print_estimate(
    data: dict[str, Any], lang: Lang, out: Console, show_all: bool = False, today: bool = False
) -> None:
    applicant = data["applicant"]
    who = applicant.get("name") or applicant.get("id") or ""
    moved = ""
    if applicant.get("moved_from"):
        where = data.get("region_label") or applicant["region"]
        moved = word("as_if_in", lang).format(where)
    out.print(
        text(
            f"{who}{moved} · {word('as_of_today' if today else 'as_of', lang)} {data['as_of']}"
            f" · ruleset {data['ruleset']}",
            "bold",
        )
    )
    titles = {}
    for doc in data["documents"]:
        titles[doc["id"]] = doc["title"]
        state = status_word(doc["status"], lang)
        if not doc["eligible"] and doc["status"] == "in_force":
            state += word("not_eligible", lang)
        until = doc["effective_until"] or word("not_stated", lang)
        # Title on its own line, then id, dates and status: at 80 columns a long title must not
        # push the dates onto a line of their own mid-phrase.
        out.print(text(f"  • {doc['title']}"))
        out.print(text(f"    [{doc['id']}] {doc['effective_from'] or '?'} – {until}: {state}"))
    shown = [a for a in data["awards"] if show_all or a["kind"] != "no_money"]
    subtotals = data.get("totals_by_document") or {}
    several = len({a["document"] for a in shown}) > 1
    for doc_id, title in titles.items():
        rows = [a for a in shown if a["document"] == doc_id]
        if rows:
            groups, stacks = groups_of(data, doc_id)
            sub = subtotals.get(doc_id) if several else None
            wide = _award_table(rows, lang, title, False, groups, stacks, sub)
            narrow = _award_table(rows, lang, title, True, groups, stacks, sub)
            out.print(fit(out, wide, narrow))
    if not shown:
        out.print(text(word("none", lang)))
    out.print(text(f"{word('total', lang)}: {totals_text(data['totals'], lang)}", "bold"))
    excluded = data["excluded"]
    limit = None if show_all else 12
    if excluded:
        out.print()
        out.print(text(f"{word('excluded', lang)} ({len(excluded)}):"))
        for ex in excluded[:limit]:
            out.print(text(f"  – {ex['measure']} {ex['article']}: {ex['reason']}"))
        if limit is not None and len(excluded) > limit:
            out.print(text(word("more", lang).format(len(excluded) - limit)))
    general = data.get("general_measures") or []
    if general:
        out.print()
        out.print(text(f"{word('general', lang)} ({len(general)}):"))
        for m in general:
            kind = (
                amount_text({"kind": m["kind"], "min": None, "max": None}, lang)
                if m["kind"] in ("no_money", "case_by_case")
                else m["formula"]
            )
            lead = word("list_sep", lang).join(m["departments"]["lead"]) or "—"
            out.print(text(f"  – {m['measure']} {m['article']} {m['title']} [{kind}] · {lead}"))
    for note in data["notes"]:
        out.print(text(f"! {note}", "yellow"))
    notes = sorted({n for a in data["awards"] for n in a.get("notes", [])})
    if notes:
        out.print()
        out.print(text(f"{word('notes', lang)}:"))
        for note in notes:
            out.print(text(f"  · {note}"))


# ------------------------------------------------------------------ compare-regions


def _span(t: dict[str, Any]) -> str:
    return f"{t['min']}" if t["min"] == t["max"] else f"{t['min']}–{t['max']}"


def _compare_table(regions: list[dict[str, Any]], lang: Lang, narrow: bool) -> Table:
    table = Table(title=text(word("compare", lang)), title_justify="left")
    ids = [d["id"] for r in regions for d in r["documents"] if d["status"] == "in_force"]
    id_width = max([cell_len(i) for i in ids] or [1])
    first = word("region", lang)
    table.add_column(first, min_width=max(cell_len(first), id_width if narrow else 0))
    for key in ("region_total", "money_awards", "case_by_case"):
        table.add_column(word(key, lang), justify="right", no_wrap=True)
    if not narrow:
        last = word("in_force_documents", lang)
        table.add_column(last, min_width=max(cell_len(last), id_width))
    for row in regions:
        t = row["totals"]
        in_force = "\n".join(
            visible(d["id"]) for d in row["documents"] if d["status"] == "in_force"
        )
        name = text(row["region_label"])
        cells = [
            lines(name, Text(in_force, style="dim")) if narrow else name,
            text(_span(t)),
            text(str(t["awards"] - t["no_money"])),
            text(str(t["case_by_case"])),
        ]
        if not narrow:
            cells.append(Text(in_force or "—"))
        table.add_row(*cells)
    return table


def _short_total(t: dict[str, Any]) -> str:
    return _span(t) + (f" +{t['case_by_case']}?" if t["case_by_case"] else "")


def print_compare(payload: dict[str, Any], lang: Lang, out: Console, today: bool = False) -> None:
    """Totals per region, a bar for each region's range, and categories against regions."""
    from .report import category_matrix

    regions = payload["regions"]
    out.print(
        text(
            f"{word('as_of_today' if today else 'as_of', lang)} {payload['as_of']}"
            f" · ruleset {payload['ruleset']}",
            "bold",
        )
    )
    out.print(
        fit(
            out,
            lambda: _compare_table(regions, lang, narrow=False),
            lambda: _compare_table(regions, lang, narrow=True),
        )
    )
    # The bars: solid to the minimum, shaded to the maximum, on one scale; names padded by
    # their display width (a Chinese character takes two columns).
    scale = max((r["totals"]["max"] for r in regions), default=0) or 1
    names = [visible(r["region_label"]) for r in regions]
    label_width = max((cell_len(n) for n in names), default=4) + 2
    totals = [_short_total(r["totals"]) for r in regions]
    room = out.width - label_width - max((cell_len(t) for t in totals), default=0) - 1
    width = max(10, min(40, room))
    out.print(text(word("legend", lang), "dim"))
    for name, total, row in zip(names, totals, regions, strict=True):
        t = row["totals"]
        solid = round(t["min"] * width / scale)
        shade = max(round(t["max"] * width / scale) - solid, 0)
        bar = Text(name + " " * (label_width - cell_len(name)))
        bar.append("■" * solid, style="bold #c66a1c")
        bar.append("░" * shade, style="#f0a35e")
        bar.append(f" {total}")
        out.print(bar)
    categories, matrix = category_matrix(regions)
    if not categories:
        return
    title = word("matrix", lang)

    def grid() -> Table:
        table = Table(title=text(title), title_justify="left")
        table.add_column(word("category", lang))
        for row in regions:
            name = visible(row["region_label"])
            table.add_column(name, justify="right", no_wrap=True, min_width=cell_len(name))
        for category in categories:
            table.add_row(
                text(category), *[text(matrix[category].get(r["region"], "—")) for r in regions]
            )
        return table

    def long_form() -> Table:
        table = Table(title=text(title), title_justify="left")
        table.add_column(word("category", lang))
        table.add_column(word("region", lang), no_wrap=True)
        table.add_column(word("award", lang), justify="right", no_wrap=True)
        for category in categories:
            first = True
            for row in regions:
                cell = matrix[category].get(row["region"])
                if cell is None:
                    continue
                table.add_row(
                    text(category if first else ""), text(row["region_label"]), text(cell)
                )
                first = False
        return table

    out.print(fit(out, grid, long_form))


# ------------------------------------------------------------------ listings


def print_rows(
    title: str,
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    out: Console,
    whole: Sequence[int] = (0,),
) -> None:
    """A listing: a table where it fits; else one block per row (first cell, then each
    other cell under its header), so no id is ever split. Columns in `whole` never wrap."""
    # Cells may hold several lines on purpose; each line is shown as text.
    body = [["\n".join(visible(part) for part in str(c).split("\n")) for c in row] for row in rows]

    def wide() -> Table:
        table = Table(title=text(title) if title else None, title_justify="left")
        for index, header in enumerate(headers):
            longest = max(
                [cell_len(header)]
                + [
                    max((cell_len(part) for part in row[index].split("\n")), default=0)
                    for row in body
                ]
                if index in whole
                else [cell_len(header)]
            )
            table.add_column(header, min_width=longest)
        for row in body:
            table.add_row(*[Text(c) for c in row])
        return table

    table = wide()
    if natural_width(out, table) <= out.width or (
        _least_width(headers, body, whole) <= out.width and drawn_width(out, table) <= out.width
    ):
        # It fits as it is, or by wrapping the free columns between words.
        out.print(table)
        return
    if title:
        out.print(text(title, "bold"))
    for row in body:
        out.print(Text(row[0], style="bold"))
        for header, cell in zip(headers[1:], row[1:], strict=True):
            if cell:
                out.print(Text(f"  {header}: {cell.replace(chr(10), ', ')}"))


def _least_width(headers: Sequence[str], body: list[list[str]], whole: Sequence[int]) -> int:
    """The narrowest a table can be without splitting a header, a column kept whole or a
    latin word (Chinese text may wrap between any two characters)."""
    total = 1
    for index, header in enumerate(headers):
        cells = [row[index] for row in body]
        if index in whole:
            parts = [part for cell in cells for part in cell.split("\n")]
        else:
            parts = [word for cell in cells for word in _LATIN_WORD.findall(cell)]
        total += max([cell_len(header)] + [cell_len(p) for p in parts]) + 3
    return total


def print_measures(rows: list[dict[str, Any]], lang: Lang, out: Console) -> None:
    headers = [word(k, lang) for k in ("measure", "article", "title_col", "formula", "lead")]
    sep = word("list_sep", lang)
    body = [
        [
            r["measure"],
            r["article"],
            r["title"],
            r["formula"],
            sep.join(r["departments"]["lead"]) or "—",
        ]
        for r in rows
    ]
    print_rows("", headers, body, out, whole=(0, 1))
    out.print(text(f"{len(rows)} {word('measures_count', lang)}"))


def print_stats(rows: list[dict[str, Any]], lang: Lang, out: Console) -> None:
    keys = ("document", "region", "measures_n", "with_money", "case_by_case", "no_money", "window")
    body = [
        [
            r["document"],
            r["region"],
            str(r["measures"]),
            str(r["with_money"]),
            str(r["case_by_case"]),
            str(r["no_money"]),
            f"{r['effective_from'] or '?'} – {r['effective_until'] or '—'}",
        ]
        for r in rows
    ]
    print_rows("", [word(k, lang) for k in keys], body, out, whole=(0, 1, 2, 3, 4, 5))


def print_facts(
    rows: list[dict[str, Any]],
    lang: Lang,
    out: Console,
    detail: bool,
    value_words: dict[tuple[str, str], dict[str, str]] | None = None,
) -> None:
    headers = [word(k, lang) for k in ("kind", "field", "type", "required", "meaning")]
    body = []
    for r in rows:
        if not detail and r["field"] is not None and r["kind"] != "applicant":
            continue
        words = (value_words or {}).get((r["kind"], r["field"]), {})
        shown = [v if words.get(v, v) == v else f"{v} = {words[v]}" for v in r["values"] or ()]
        values = f" ({', '.join(shown)})" if shown else ""
        body.append(
            [
                r["kind"],
                r["field"] or "",
                r["type"],
                "" if r["required"] is None else (word("yes", lang) if r["required"] else ""),
                r["label"] + values,
            ]
        )
    print_rows("", headers, body, out, whole=(0, 1, 2))
    if not detail:
        out.print(text(word("facts_hint", lang)))


def print_regions(rows: list[dict[str, Any]], lang: Lang, out: Console) -> None:
    keys = ("id", "name", "level", "parent", "own_documents", "reached_by")
    body = [
        [
            r["id"],
            r["name"],
            r["level"],
            r["parent"] or "—",
            "\n".join(r["documents"]) or "—",
            "\n".join(r["reached_by"]) or "—",
        ]
        for r in rows
    ]
    print_rows("", [word(k, lang) for k in keys], body, out, whole=(0, 2, 3, 4, 5))


# ------------------------------------------------------------------ the view


def print_view(view: View, out: Console) -> None:
    """A view as a person reads it."""
    from typing import assert_never

    from .data import compare_data, data_of
    from .views import CompareView, EstimateView, ExplainView, ListView, OpportunitiesView

    if isinstance(view, EstimateView):
        print_estimate(data_of(view), view.lang, out, show_all=view.show_all, today=view.today)
    elif isinstance(view, CompareView):
        payload = compare_data(view)
        print_compare(payload, view.lang, out, today=view.today)
        for data in payload["regions"]:
            out.rule()
            print_estimate(data, view.lang, out, today=view.today)
    elif isinstance(view, ExplainView):
        from .explain import print_explain

        print_explain(data_of(view), view.lang, out)
    elif isinstance(view, ListView):
        if view.kind == "measures":
            print_measures(view.rows, view.lang, out)
        elif view.kind == "stats":
            print_stats(view.rows, view.lang, out)
        elif view.kind == "facts":
            print_facts(view.rows, view.lang, out, view.detail, view.value_words)
        elif view.kind == "regions":
            print_regions(view.rows, view.lang, out)
        else:
            assert_never(view.kind)
    elif isinstance(view, OpportunitiesView):
        print_opportunities(view, out)
    else:
        assert_never(view)


def print_opportunities(view: OpportunitiesView, out: Console) -> None:
    from .opportunities import HEADS, _cells, _grouped, _sections
    from .opportunities import word as opportunity_word

    lang = view.lang
    for data, result in _sections(view):
        rs = result.estimate.ruleset
        a = data["applicant"]
        who = a.get("name") or a.get("id") or ""
        if a.get("moved_from"):
            where = rs.regions[a["region"]].name.get(lang)
            who += f"（假设注册于{where}）" if lang == "zh" else f" (as if registered in {where})"
        out.print(
            text(
                f"{opportunity_word('title', lang)} · {who} · {opportunity_word('as_of', lang)} {data['as_of']} · "
                f"{opportunity_word('ruleset', lang)} {data['ruleset']}",
                "bold",
            )
        )
        if not data["opportunities"]:
            out.print(text(opportunity_word("none", lang)))
            continue
        recipients = {k: v.get(lang) for k, v in rs.recipients.items()}
        for category, items in _grouped(data):
            title = rs.categories[category].get(lang) if category in rs.categories else category
            print_rows(
                title,
                [opportunity_word(h, lang) for h in HEADS],
                [_cells(item, rank, recipients, lang) for rank, item in items],
                out,
                whole=(0, 1, 4),
            )
    out.print(text(opportunity_word("note", lang), "dim"))
