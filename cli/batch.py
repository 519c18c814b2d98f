"""Batch estimation: many profiles in, one stream of rows out, bad rows reported and skipped.

Input: JSON Lines (one profile per line), a JSON or YAML list of profiles, or CSV with one
row per fact (see CSV_LAYOUT). Output streams in input order as JSON Lines or CSV, one row
per award or (summary) one row per applicant. Work can be spread over processes; memory
stays flat because input is read and written in bounded chunks.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any

from .engine import estimate
from .errors import InputError, PolicycalcError, UsageError
from .lines import LineList
from .model import Lang, Ruleset
from .profile import build_profile, parse_json
from .render.data import estimate_data, num
from .render.machine import AWARD_COLUMNS, award_rows, flat_value
from .yamlsafe import load_yaml

INPUT_FORMATS = ("jsonl", "json", "yaml", "csv")

CSV_LAYOUT = """\
CSV batch layout: one row per fact, rows of one applicant next to each other.
  id                 the applicant's id (required; a new id starts a new applicant)
  applicant.FIELD    an applicant field (region, tax_region, legal_form, …), on any of its rows
  kind, date         the fact's kind and date (leave kind empty on a row that only gives
                     applicant fields)
  product, note      optional
  any other column   a field of the fact's kind (policycalc facts KIND); empty = not given
"""

SUMMARY_COLUMNS = [
    "applicant",
    "line",
    "region",
    "as_of",
    "ruleset",
    "min",
    "max",
    "case_by_case",
    "awards",
    "documents_in_force",
]


@dataclass
class Item:
    """One applicant read from the input: its data, or why it could not be read."""

    number: int  # 1-based position among applicants
    line: int | None  # line in the input where it starts
    data: Any = None
    error: PolicycalcError | None = None


def guess_input_format(path: str, head: str) -> str:
    suffix = Path(path).suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    if suffix in (".yaml", ".yml"):
        return "yaml"
    if suffix == ".csv":
        return "csv"
    text = head.lstrip("\ufeff \t\r\n")
    if text.startswith("["):
        return "json"
    if text.startswith("{"):
        return "jsonl"
    first = text.splitlines()[0] if text else ""
    if "," in first and "kind" in first.split(","):
        return "csv"
    return "yaml"


# ------------------------------------------------------------------ readers


def read_items(stream: IO[str], fmt: str, source: str) -> Iterator[Item]:
    if fmt == "jsonl":
        yield from _jsonl(stream, source)
    elif fmt == "csv":
        yield from _csv(stream, source)
    else:
        yield from _whole(stream, fmt, source)


def _jsonl(stream: IO[str], source: str) -> Iterator[Item]:
    number = 0
    for line_no, line in enumerate(stream, 1):
        if line_no == 1:
            line = line.lstrip("\ufeff")
        if not line.strip():
            continue
        number += 1
        try:
            yield Item(number, line_no, parse_json(line, source, line_no))
        except InputError as exc:
            yield Item(number, line_no, error=exc)


def _whole(stream: IO[str], fmt: str, source: str) -> Iterator[Item]:
    text = stream.read().lstrip("\ufeff")
    if fmt == "json":
        data = parse_json(text, source)
        lines: list[int | None] = [None] * len(data) if isinstance(data, list) else []
    else:
        data = load_yaml(text, source, allow_aliases=False, error=InputError)
        lines = list(data.item_lines) if isinstance(data, LineList) else []
    if not isinstance(data, list):
        raise InputError(f"a {fmt.upper()} batch is a list of profiles", source=source)
    for index, item in enumerate(data):
        yield Item(index + 1, lines[index] if index < len(lines) else None, item)


def _cell(value: str) -> Any:
    """A CSV cell as the type it looks like; the vocabulary check does the rest."""
    text = value.strip()
    lowered = text.lower()
    if lowered in ("true", "yes"):
        return True
    if lowered in ("false", "no"):
        return False
    try:
        if text.lstrip("-").isdigit():
            return int(text)
        number = Decimal(text)
        if number.is_finite():
            return number
    except InvalidOperation:
        pass
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return text


def _csv(stream: IO[str], source: str) -> Iterator[Item]:
    first = stream.readline().lstrip("\ufeff")
    reader = csv.DictReader(_chain(first, stream))
    if reader.fieldnames is None or "id" not in reader.fieldnames:
        raise InputError("a CSV batch needs an 'id' column\n" + CSV_LAYOUT, source=source, line=1)
    number = 0
    current: str | None = None
    item: Item | None = None
    for row in reader:
        line = reader.line_num
        ident = (row.get("id") or "").strip()
        if ident != current or item is None:
            if item is not None:
                yield item
            number += 1
            current = ident
            item = Item(number, line, {"applicant": {"id": ident}, "facts": []})
            if not ident:
                item.error = InputError(
                    "the 'id' column is empty", source=source, line=line, field="id"
                )
        if item.error is not None:
            continue
        try:
            _csv_row(item.data, row, source, line)
        except InputError as exc:
            item.error = exc
    if item is not None:
        yield item


def _chain(first: str, rest: IO[str]) -> Iterator[str]:
    yield first
    yield from rest


def _csv_row(data: dict[str, Any], row: dict[str, Any], source: str, line: int) -> None:
    fact: dict[str, Any] = {}
    for column, value in row.items():
        if column is None:
            raise InputError("more cells than columns", source=source, line=line)
        if column == "id" or value is None or not str(value).strip():
            continue
        if column.startswith("applicant."):
            name = column.split(".", 1)[1]
            old = data["applicant"].get(name)
            new = _cell(value)
            if old is not None and old != new:
                raise InputError(
                    f"differs from an earlier row of this applicant ({old})",
                    source=source,
                    line=line,
                    field=column,
                )
            data["applicant"][name] = new
        else:
            fact[column] = _cell(value) if column not in ("product", "note", "kind") else value
    if fact:
        if "kind" not in fact:
            raise InputError(
                "a row with fact fields needs a 'kind'", source=source, line=line, field="kind"
            )
        fact["_line"] = line
        data["facts"].append(fact)


# ------------------------------------------------------------------ the work


@dataclass(frozen=True)
class Job:
    ruleset: Ruleset
    as_of: dt.date
    lang: Lang
    summary: bool
    source: str


_JOB: Job | None = None  # set in the parent before worker processes fork


def set_job(job: Job) -> None:
    global _JOB
    _JOB = job


def process(item: Item) -> tuple[list[dict[str, Any]], str | None]:
    """Estimate one applicant: its output rows, or an error line."""
    job = _JOB
    assert job is not None
    if item.error is not None:
        return [], _error_line(item.error, item)
    try:
        data = item.data
        if isinstance(data, dict) and isinstance(data.get("facts"), list):
            # CSV rows carry their line so that an error names it.
            facts = LineList(data["facts"])
            facts.line = item.line
            facts.item_lines = [
                f.pop("_line", item.line or 0) if isinstance(f, dict) else item.line or 0
                for f in data["facts"]
            ]
            data["facts"] = facts
        profile = build_profile(data, job.ruleset, job.source, item.line)
        result = estimate(job.ruleset, profile, job.as_of)
    except PolicycalcError as exc:
        return [], _error_line(exc, item)
    plain = estimate_data(result, job.lang)
    who = plain["applicant"].get("id") or plain["applicant"].get("name") or f"#{item.number}"
    if job.summary:
        t = plain["totals"]
        return [
            {
                "applicant": who,
                "line": item.line,
                "region": plain["applicant"]["region"],
                "as_of": plain["as_of"],
                "ruleset": plain["ruleset"],
                "min": t["min"],
                "max": t["max"],
                "case_by_case": t["case_by_case"],
                "awards": t["awards"] - t["no_money"],
                "documents_in_force": [
                    d["id"] for d in plain["documents"] if d["status"] == "in_force"
                ],
            }
        ], None
    rows = []
    for row in award_rows(plain):
        row["applicant"] = who
        row["line"] = item.line
        rows.append(row)
    return rows, None


def _error_line(error: PolicycalcError, item: Item) -> str:
    if error.line is None and item.line is not None:
        error.line = item.line
    return str(error)


# ------------------------------------------------------------------ writers


class RowWriter:
    """Writes rows as JSON Lines or CSV to a text stream."""

    def __init__(self, out: IO[str], fmt: str, summary: bool, bom: bool = False) -> None:
        self.out = out
        self.fmt = fmt
        self.columns = SUMMARY_COLUMNS if summary else ["line", *AWARD_COLUMNS]
        self.writer: Any = None
        if fmt == "csv":
            if bom:
                out.write("\ufeff")
            self.writer = csv.DictWriter(
                out, fieldnames=self.columns, extrasaction="ignore", lineterminator="\n"
            )
            self.writer.writeheader()

    def write(self, rows: Iterable[dict[str, Any]]) -> None:
        if self.writer is not None:
            for row in rows:
                self.writer.writerow({k: flat_value(row.get(k)) for k in self.columns})
        else:
            dumps = json.dumps
            self.out.writelines(
                dumps(
                    {k: row.get(k) for k in self.columns}, ensure_ascii=False, separators=(",", ":")
                )
                + "\n"
                for row in rows
            )


@dataclass
class Counts:
    read: int = 0
    estimated: int = 0
    rejected: int = 0
    rows: int = 0


def run(
    items: Iterable[Item],
    job: Job,
    writer: RowWriter,
    report: Callable[[str], None],
    jobs: int = 1,
    progress: Callable[[int], None] | None = None,
    chunk: int = 512,
) -> Counts:
    """Estimate every item and write its rows in input order; bad items go to `report`."""
    set_job(job)
    counts = Counts()
    pool = None
    if jobs > 1:
        import multiprocessing

        pool = multiprocessing.get_context("fork").Pool(jobs)
    try:
        batch: list[Item] = []
        for item in items:
            batch.append(item)
            if len(batch) >= chunk * max(jobs, 1):
                _flush(batch, pool, writer, report, counts, progress, chunk)
                batch = []
        if batch:
            _flush(batch, pool, writer, report, counts, progress, chunk)
    finally:
        if pool is not None:
            pool.terminate()
            pool.join()
    return counts


def _flush(
    batch: list[Item],
    pool: Any,
    writer: RowWriter,
    report: Callable[[str], None],
    counts: Counts,
    progress: Callable[[int], None] | None,
    chunk: int,
) -> None:
    results = (
        pool.map(process, batch, chunksize=max(1, chunk // 4)) if pool else map(process, batch)
    )
    for rows, error in results:
        counts.read += 1
        if error is not None:
            counts.rejected += 1
            report(error)
        else:
            counts.estimated += 1
            counts.rows += len(rows)
            writer.write(rows)
    if progress is not None:
        progress(len(batch))


# ------------------------------------------------------------------ atomic output


class AtomicOutput:
    """A file written beside its target and renamed over it only when complete."""

    def __init__(self, target: Path) -> None:
        self.target = target
        folder = target.parent if str(target.parent) else Path(".")
        if not folder.is_dir():
            raise UsageError("its folder does not exist", source=str(target), field="--output")
        import tempfile

        fd, name = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=".part")
        self.tmp = Path(name)
        self.stream: IO[str] = open(fd, "w", encoding="utf-8", newline="")  # noqa: SIM115

    def commit(self) -> None:
        self.stream.flush()
        os.fsync(self.stream.fileno())
        self.stream.close()
        os.replace(self.tmp, self.target)

    def discard(self) -> None:
        try:
            self.stream.close()
        finally:
            self.tmp.unlink(missing_ok=True)


__all__ = ["CSV_LAYOUT", "AtomicOutput", "Item", "Job", "RowWriter", "num", "read_items", "run"]
