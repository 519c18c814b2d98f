"""Results as a workbook (.xlsx): one sheet per table, typed cells, through openpyxl.

Ids, codes and every other text are text cells (a `0012` stays `0012`, an 18-digit code stays
whole); amounts are numbers, in columns whose header names the unit (万元); the header row is
bold and frozen, and columns have widths that fit. A text cell that a spreadsheet would run
(`=1+1`) is written as text, never as a formula. openpyxl is imported only here, and only
when a workbook is written (start-up does not pay for it).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import IO, Any

UNIT = "万元"
# Columns of names and codes: a number there (an id typed as 12) is written as text.
TEXT_COLUMNS = frozenset(
    {"applicant", "id", "name", "product", "document", "measure", "article", "title", "value"}
)
MAX_CELL = 32767  # characters a spreadsheet cell holds
# Characters XML 1.0 (and so a workbook) cannot hold: shown escaped, as in every human output.
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
WIDTHS = {
    "line": 6,
    "applicant": 14,
    "name": 28,
    "region": 11,
    "as_of": 11,
    "ruleset": 13,
    "document": 24,
    "measure": 26,
    "article": 10,
    "title": 40,
    "min": 11,
    "max": 11,
    "kind": 13,
    "recipient": 14,
    "lead": 24,
    "support": 24,
    "fact_index": 10,
    "fact_kind": 24,
    "fact_date": 11,
    "product": 14,
    "ceilings": 30,
    "stacking": 20,
    "notes": 60,
    "text": 100,
    "value": 40,
    "key": 20,
}


def is_amount(column: str) -> bool:
    """An amount in 万元: `min`, `max`, and every `…_min` or `…_max` (a clause's, a group's,
    what is at stake)."""
    return column in ("min", "max") or column.endswith(("_min", "_max"))


def header_of(column: str) -> str:
    """A column's header: its name, and the unit for an amount."""
    return f"{column} ({UNIT})" if is_amount(column) else column


def _text(value: str) -> str:
    if _ILLEGAL.search(value):
        value = _ILLEGAL.sub(lambda m: f"\\x{ord(m.group()):02x}", value)
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: shown, never written raw
        value = value.encode("utf-8", "backslashreplace").decode("utf-8")
    if len(value) > MAX_CELL:
        value = value[: MAX_CELL - 1] + "…"
    return value


class Workbook:
    """A workbook written sheet by sheet, row by row (memory stays flat), then saved."""

    def __init__(self) -> None:
        import openpyxl  # type: ignore[import-untyped]
        from openpyxl.cell import WriteOnlyCell  # type: ignore[import-untyped]
        from openpyxl.styles import Font  # type: ignore[import-untyped]

        self._book = openpyxl.Workbook(write_only=True)
        self._cell = WriteOnlyCell
        self._bold = Font(bold=True)
        self._sheets: dict[str, Sheet] = {}

    def sheet(self, name: str, columns: list[str]) -> Sheet:
        """A new sheet with its bold, frozen header (or the one already made)."""
        if name in self._sheets:
            return self._sheets[name]
        from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]

        page = self._book.create_sheet(name[:31])
        for index, column in enumerate(columns, 1):
            width = WIDTHS.get(column, max(10, len(header_of(column)) + 2))
            page.column_dimensions[get_column_letter(index)].width = width
        page.freeze_panes = "A2"
        heads = []
        for column in columns:
            cell = self._cell(page, value=header_of(column))
            cell.font = self._bold
            heads.append(cell)
        page.append(heads)
        sheet = Sheet(self, page, columns)
        self._sheets[name] = sheet
        return sheet

    def text_cell(self, page: Any, value: str) -> Any:
        cell = self._cell(page, value=value)
        cell.data_type = "s"  # text as text: never a formula
        return cell

    def save(self, out: IO[bytes]) -> None:
        if not self._sheets:
            self.sheet("results", ["notes"])
        self._book.save(out)


class Sheet:
    """One table of a workbook."""

    def __init__(self, book: Workbook, page: Any, columns: list[str]) -> None:
        self.book = book
        self.page = page
        self.columns = columns

    def add(self, row: Mapping[str, Any]) -> None:
        cells: list[Any] = []
        for column in self.columns:
            value = row.get(column)
            if isinstance(value, list):
                value = "; ".join(str(v) for v in value)
            if value is None:
                cells.append(None)
            elif isinstance(value, bool):
                cells.append("true" if value else "false")
            elif isinstance(value, int | float | Decimal):
                if column in TEXT_COLUMNS:  # an id or a code that looks like a number
                    cells.append(self.book.text_cell(self.page, _text(str(value))))
                else:
                    cells.append(value)
            else:
                text = _text(str(value))
                cells.append(self.book.text_cell(self.page, text) if text.startswith("=") else text)
        self.page.append(cells)

    def add_all(self, rows: Iterable[Mapping[str, Any]]) -> None:
        for row in rows:
            self.add(row)


# ------------------------------------------------------------------ one command's result

NOTE_COLUMNS = ["applicant", "line", "kind", "text"]
STAMP_COLUMNS = ["key", "value"]


def stamp_rows(
    ruleset: str, as_of: str, lang: str, documents: Iterable[Any] = ()
) -> list[dict[str, Any]]:
    """The ruleset stamp: what data, which date and which version made this workbook."""
    from .. import __version__

    rows: list[dict[str, Any]] = [
        {"key": "ruleset", "value": ruleset},
        {"key": "as_of", "value": as_of},
        {"key": "unit", "value": UNIT},
        {"key": "lang", "value": lang},
        {"key": "policycalc", "value": __version__},
    ]
    for status in documents:
        doc = status.document
        rows.append({"key": f"document {doc.id}", "value": status.status})
    return rows


Table = tuple[str, list[str], Iterable[Mapping[str, Any]]]  # sheet name, columns, rows


def write_tables(tables: Iterable[Table], out: IO[bytes]) -> None:
    """Tables as a workbook, one sheet each, in order (views.workbook_tables makes them)."""
    book = Workbook()
    for name, columns, rows in tables:
        book.sheet(name, columns).add_all(rows)
    book.save(out)


# ------------------------------------------------------------------ a batch


class BatchWorkbook:
    """A batch's workbook, filled as results stream in: awards and summary (estimate) or
    opportunities, notes (rejected rows, documents not in force) and the ruleset stamp."""

    def __init__(self, mode: str, summary_only: bool, columns: list[str]) -> None:
        """`columns`: the batch's own rows (awards, summary or opportunities)."""
        from .rows import AWARD_COLUMNS, SUMMARY_COLUMNS

        self.book = Workbook()
        if mode == "opportunities":
            self.book.sheet("summary" if summary_only else "opportunities", columns)
        elif not summary_only:
            self.book.sheet("awards", AWARD_COLUMNS)
        if mode != "opportunities":
            self.book.sheet("summary", SUMMARY_COLUMNS)
        self.notes = self.book.sheet("notes", NOTE_COLUMNS)

    def write(self, payload: Any) -> None:
        """Rows from the workers: (sheet name, row) pairs; text (a CSV header) is none."""
        if isinstance(payload, str):
            return
        for name, row in payload:
            self.book.sheet(name, []).add(row)

    def note(self, kind: str, text: str, line: int | None = None) -> None:
        self.notes.add({"kind": kind, "text": text, "line": line})

    def save(self, out: IO[bytes], ruleset: str, as_of: str, lang: str) -> None:
        self.book.sheet("ruleset", STAMP_COLUMNS).add_all(stamp_rows(ruleset, as_of, lang))
        self.book.save(out)
