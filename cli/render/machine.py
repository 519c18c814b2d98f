"""Machine formats written straight to a stream: json, jsonl, csv, yaml, toml. Never rich."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any, TextIO

from .rows import flat_value
from .safe import csv_safe, escaped


def write_json(data: Any, out: TextIO) -> None:
    # One string, one write: json.dump would write each token on its own (a thousand calls).
    out.write(escaped(json.dumps(data, ensure_ascii=False, indent=2)) + "\n")


def write_jsonl(rows: Iterable[Mapping[str, Any]], out: TextIO) -> None:
    for row in rows:
        out.write(escaped(json.dumps(row, ensure_ascii=False, separators=(",", ":"))))
        out.write("\n")


def write_yaml(data: Any, out: TextIO) -> None:
    import yaml

    class Dumper(yaml.SafeDumper):
        pass

    def text(dumper: Any, value: str) -> Any:
        # PyYAML escapes control characters itself but writes bidi controls raw: a string
        # holding one is double-quoted, where the \\u202e escape below means the same.
        style = '"' if escaped(value) != value else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    Dumper.add_representer(str, text)
    dumped = yaml.dump(data, Dumper=Dumper, allow_unicode=True, sort_keys=False, width=100)
    out.write(escaped(dumped))


def _drop_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_none(v) for v in value if v is not None]
    return value


def write_toml(data: dict[str, Any], out: TextIO) -> None:
    # TOML has no null: an unknown bound is left out (its `kind` says case_by_case).
    import tomli_w

    out.write(escaped(tomli_w.dumps(_drop_none(data))))


def csv_header(columns: list[str], bom: bool = False) -> str:
    """A CSV header line (with the BOM Excel wants, if asked)."""
    return ("\ufeff" if bom else "") + csv_text([dict(zip(columns, columns, strict=True))], columns)


def csv_text(rows: Iterable[Mapping[str, Any]], columns: list[str]) -> str:
    """CSV lines of rows, each cell flattened and neutralised (see safe.csv_cell)."""
    return csv_table([[flat_value(row.get(k)) for k in columns] for row in rows])


def csv_writer() -> tuple[Any, Any]:
    """A text buffer and a CSV writer into it, for csv_table to use again and again."""
    import csv
    import io

    buffer = io.StringIO()
    return buffer, csv.writer(buffer, lineterminator="\n")


def csv_table(table: list[list[Any]], kept: tuple[Any, Any] | None = None) -> str:
    """CSV lines of rows of flat cells (flat_value's), neutralised as csv_text says. `kept`:
    a csv_writer() of the caller's own (one thread's), emptied and written again, which
    saves making one per call."""
    import csv
    import io

    buffer, writer = kept if kept is not None else csv_writer()
    buffer.seek(0)
    buffer.truncate()
    writer.writerows(table)
    text = csv_safe(buffer.getvalue())
    if "\r" not in text:
        return text
    # The csv module quotes a cell holding LF or a quote, but not one holding CR alone (it
    # only looks for the line terminator's characters): such a row is written with a CRLF
    # terminator, which quotes it, then ended with LF like the others. A CR can never end a
    # row early in a spreadsheet nor forge one.
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    crlf = csv.writer(buffer, lineterminator="\r\n")
    for cells in table:
        if any(isinstance(c, str) and "\r" in c for c in cells):
            crlf.writerow(cells)
            buffer.seek(buffer.tell() - 2)
            buffer.write("\n")
            buffer.truncate()
        else:
            writer.writerow(cells)
    return csv_safe(buffer.getvalue())


def write_csv(
    rows: Iterable[Mapping[str, Any]], columns: list[str], out: TextIO, bom: bool = False
) -> None:
    out.write(csv_header(columns, bom))
    out.write(csv_text(rows, columns))
