"""Workbooks (.xlsx) read as a batch and written as results, through openpyxl.

openpyxl is imported here only, and only when a workbook is read or written, so that
start-up does not pay for it (tests/test_architecture.py holds that).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import IO, Any

from .errors import InputError, UsageError

ZIP_MAGIC = b"PK\x03\x04"


def read_sheet(
    raw: IO[bytes], source: str, sheet: str | None = None
) -> tuple[str, list[str], Iterator[Any]]:
    """A sheet of a workbook (the first, or `sheet`): its title, its header's column names
    and its rows as batch records (line = row number), header first."""
    from zipfile import BadZipFile

    from .lines import Line

    openpyxl = _openpyxl()
    data: IO[bytes] = raw if raw.seekable() else io.BytesIO(raw.read())
    try:
        book = openpyxl.load_workbook(data, read_only=True, data_only=True)
    except (BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        raise InputError(
            f"not a workbook that can be read ({_plain(exc)})", source=source
        ) from None
    if sheet is not None and sheet not in book.sheetnames:
        from .schema import one_of

        raise UsageError(f"no sheet '{sheet}'{one_of(sheet, book.sheetnames)}", field="--sheet")
    page = book[sheet] if sheet is not None else book.worksheets[0]
    rows = page.iter_rows(values_only=True)
    head = next(rows, None)
    if head is None:
        raise InputError(f"the sheet '{page.title}' is empty", source=source)
    names = ["" if v is None else str(v).strip() for v in head]

    def records() -> Iterator[Any]:
        yield Line(1, 0, None), list(head), None
        for number, row in enumerate(rows, 2):
            if not any(v is not None and (not isinstance(v, str) or v.strip()) for v in row):
                continue
            yield Line(number, 0, None), list(row), None
        book.close()

    return page.title, names, records()


def _plain(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:120]


def _openpyxl() -> Any:
    import openpyxl  # type: ignore[import-untyped]

    return openpyxl
