"""Batch estimation: many profiles in, one stream of rows out, bad rows reported and skipped.

Input: JSON Lines (one profile per line), a JSON or YAML list of profiles, or CSV with one
row per fact (layout in the README and `estimate --help`). Output streams in input order as JSON Lines or CSV, one row
per award or (summary) one row per applicant. Work can be spread over processes; memory
stays flat because input is read and written in bounded chunks.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import re
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any, NamedTuple

from .engine import estimate
from .errors import InputError, PolicycalcError
from .lines import LineList
from .model import Lang, Ruleset
from .profile import GBK_HINT, build_profile, grouped_number, looks_like_gbk, parse_json
from .render.machine import csv_header, csv_text
from .render.rows import AWARD_COLUMNS, SUMMARY_COLUMNS, award_rows, num, summary_row

INPUT_FORMATS = ("jsonl", "json", "yaml", "csv")


class Item(NamedTuple):
    """One applicant read from the input: its data, or why it could not be read."""

    number: int  # 1-based position among applicants
    line: int | None  # line in the input where it starts
    data: Any = None
    error: PolicycalcError | None = None
    text: str | None = None  # a JSON line not parsed yet: the worker parses it


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

MAX_RECORD = 1 << 20  # bytes in one record (a line, a CSV row, a list item): --max-record-size
MAX_RECORD_LINES = 1000  # physical lines one quoted CSV cell may run over
CHUNK_BYTES = 1 << 20  # input text handed to a worker at a time
MAX_DIGITS = 30  # a number cell with more digits is refused (Python's own limit is 4,300)
_INTEGER = re.compile(r"-?[0-9]+")


class Line(NamedTuple):
    """One physical line of the input: its text, or why it cannot be read."""

    number: int
    offset: int  # byte offset of its start in the file
    text: str | None
    error: PolicycalcError | None = None


def read_lines(
    raw: IO[bytes], source: str, encoding: str = "utf-8", limit: int = MAX_RECORD
) -> Iterator[Line]:
    """The input line by line, never holding more than `limit` bytes of one line: a longer
    line, or one that does not decode, becomes that line's own error (with its byte offset)."""
    offset = 0
    number = 0
    utf8 = encoding.replace("_", "-").lower() in ("utf-8", "utf8", "utf-8-sig")
    codec = "utf-8" if utf8 else encoding
    readline = raw.readline
    while True:
        chunk = readline(limit + 1)
        if not chunk:
            return
        number += 1
        start = offset
        offset += len(chunk)
        if len(chunk) > limit and not chunk.endswith(b"\n"):
            while True:  # skip the rest of the line without keeping it
                more = readline(1 << 20)
                offset += len(more)
                if not more or more.endswith(b"\n"):
                    break
            yield Line(number, start, None, _too_long(source, number, limit))
            continue
        try:
            text = chunk.decode(codec)
        except UnicodeDecodeError as exc:
            name = "UTF-8" if utf8 else encoding
            hint = GBK_HINT if utf8 and looks_like_gbk(chunk) else ""
            message = (
                f"not {name} text at byte {start + exc.start:,} of the file "
                f"(0x{chunk[exc.start]:02x}){hint}"
            )
            yield Line(number, start, None, InputError(message, source=source, line=number))
            continue
        if number == 1:
            text = text.lstrip("\ufeff")
        yield Line(number, start, text)


def _too_long(source: str, line: int, limit: int) -> InputError:
    return InputError(
        f"record longer than {limit:,} bytes (raise the limit with --max-record-size)",
        source=source,
        line=line,
    )


def as_binary(stream: IO[Any]) -> IO[bytes]:
    """A binary stream to read lines from (a text stream, as tests pass, is encoded)."""
    if isinstance(stream, io.TextIOBase):
        buffer = getattr(stream, "buffer", None)
        if buffer is not None:
            return buffer
        return io.BytesIO(stream.read().encode("utf-8"))
    return stream


def read_items(
    stream: IO[Any],
    fmt: str,
    source: str,
    encoding: str = "utf-8",
    limit: int = MAX_RECORD,
) -> Iterator[Item]:
    """Applicants one at a time, each with its line; a record that cannot be read is an Item
    with its error, and the records after it are still read."""
    raw = as_binary(stream)
    if fmt == "yaml":
        yield from _yaml(raw, source, encoding, limit)
        return
    if fmt == "json":
        yield from _json_list(raw, source, encoding, limit)
        return
    lines = read_lines(raw, source, encoding, limit)
    if fmt == "jsonl":
        yield from _jsonl(lines)
    else:
        yield from _csv(lines, source, limit)


def _jsonl(lines: Iterable[Line]) -> Iterator[Item]:
    number = 0
    for line in lines:
        if line.error is not None:
            number += 1
            yield Item(number, line.number, error=line.error)
            continue
        assert line.text is not None
        if not line.text.strip():
            continue
        number += 1
        yield Item(number, line.number, text=line.text)


_JSON_SPECIAL = re.compile(r'[\[\]{}",]')
# The rest of a JSON string in this block: a string never runs over a line end (a raw
# newline is invalid JSON: the item is reported, and the items after it are still found).
_JSON_STRING_BODY = re.compile(r'[^"\\\n]*(?:\\[^\n][^"\\\n]*)*')
_UNDECODED = re.compile("[\\udc80-\\udcff]")  # bytes the codec could not read (surrogateescape)
_CLOSES = {"]": "[", "}": "{"}
READ_BLOCK = 1 << 16


def _json_list(raw: IO[bytes], source: str, encoding: str, limit: int) -> Iterator[Item]:
    """The items of a JSON list, one at a time, read in blocks whatever its lines (a list
    on one line, as json.dumps writes it, included). Each item's text is cut out by tracking
    strings and brackets and parsed (by the worker) on its own, so a broken, undecodable or
    too long item costs only itself, and memory holds one item, never the whole list."""
    import codecs

    utf8 = encoding.replace("_", "-").lower() in ("utf-8", "utf8", "utf-8-sig")
    name = "UTF-8" if utf8 else encoding
    decoder = codecs.getincrementaldecoder("utf-8-sig" if utf8 else encoding)("surrogateescape")
    stack: list[str] = []  # open brackets; the first is the list's own
    started = done = False
    in_string = escape = False
    parts: list[str] = []
    size = 0
    first: int | None = None  # line where the current item starts
    too_long = False
    number = 0
    line = 1  # the line at position `counted` of the current block
    counted = 0

    def where(block: str, at: int) -> int:
        nonlocal line, counted
        line += block.count("\n", counted, at)
        counted = at
        return line

    def add(block: str, begin: int, end: int) -> None:
        nonlocal size, first, too_long
        if first is None:
            piece = block[begin:end]
            rest = piece.lstrip()
            if not rest:
                return
            first = where(block, begin + len(piece) - len(rest))
            begin = end - len(rest)
        size += end - begin
        if size > limit:
            too_long = True
            parts.clear()
        elif not too_long:
            parts.append(block[begin:end])

    def finish() -> Item | None:
        nonlocal size, first, too_long, number
        item = None
        if first is not None:
            number += 1
            if too_long:
                item = Item(number, first, error=_too_long(source, first, limit))
            else:
                text = "".join(parts)
                bad = _UNDECODED.search(text)
                if bad is None:
                    item = Item(number, first, text=text)
                else:
                    at = first + text.count("\n", 0, bad.start())
                    problem = f"not {name} text (byte 0x{ord(bad.group()) - 0xDC00:02x})"
                    item = Item(number, first, error=InputError(problem, source=source, line=at))
        parts.clear()
        size, first, too_long = 0, None, False
        return item

    def not_a_list(at: int | None) -> InputError:
        return InputError(
            "a JSON batch is a list of profiles ([{...}, {...}]); for one profile "
            "per line use JSON Lines",
            source=source,
            line=at,
        )

    while True:
        chunk = raw.read(READ_BLOCK)
        block = decoder.decode(chunk, final=not chunk)
        counted = 0
        pos = start = 0
        end = len(block)
        if done:
            if block.strip():
                at = where(block, len(block) - len(block.lstrip()))
                number += 1
                problem = InputError("text after the end of the list", source=source, line=at)
                yield Item(number, at, error=problem)
                return
        elif not started:
            rest = block.lstrip()
            if rest:
                if rest[0] != "[":
                    raise not_a_list(where(block, end - len(rest)))
                started = True
                stack.append("[")
                pos = start = end - len(rest) + 1
        while started and not done and pos < end:
            if in_string:
                if escape:
                    escape = False
                    pos += 1
                    continue
                pos = _JSON_STRING_BODY.match(block, pos).end()  # type: ignore[union-attr]
                if pos >= end:
                    break
                if block[pos] == "\\" and pos + 1 >= end:
                    escape = True  # the escaped character starts the next block
                    pos = end
                    break
                in_string = False  # a closing quote, or a line end that breaks the string
                if block[pos] != "\n":
                    pos += 1
                continue
            found = _JSON_SPECIAL.search(block, pos)
            if found is None:
                pos = end
                break
            char = found.group()
            pos = found.end()
            if char == '"':
                in_string = True
            elif char in "[{":
                stack.append(char)
            elif char in _CLOSES:
                opener = _CLOSES[char]
                if stack[-1] != opener:
                    # A stray closer inside an item (the item is broken; its parse says
                    # so): close up to its opener if one is open inside the item.
                    if opener in stack[1:]:
                        while stack.pop() != opener:
                            pass
                    continue
                stack.pop()
                if not stack:  # the end of the list
                    add(block, start, found.start())
                    item = finish()
                    if item is not None:
                        yield item
                    done = True
                    tail = block[pos:]
                    if tail.strip():
                        at = where(block, pos + len(tail) - len(tail.lstrip()))
                        number += 1
                        problem = InputError(
                            "text after the end of the list", source=source, line=at
                        )
                        yield Item(number, at, error=problem)
                        return
            elif char == "," and len(stack) == 1:
                add(block, start, found.start())
                item = finish()
                if item is not None:
                    yield item
                start = pos
        if started and not done:
            add(block, start, end)
        where(block, end)
        if not chunk:
            break
    if not started:
        raise InputError("a JSON batch is a list of profiles; this file has none", source=source)
    if not done:
        item = finish()  # the list never closes: its last item is parsed as it stands
        if item is not None:
            yield item


def _yaml(raw: IO[bytes], source: str, encoding: str, limit: int) -> Iterator[Item]:
    """The items of a YAML list, composed and built one at a time (aliases refused)."""
    from .yamlsafe import iter_yaml_list

    codec = "utf-8-sig" if encoding.replace("_", "-").lower() in ("utf-8", "utf8") else encoding
    text = io.TextIOWrapper(raw, encoding=codec, errors="strict", newline="")
    for number, (line, data, error) in enumerate(
        iter_yaml_list(text, source, limit, InputError), 1
    ):
        yield Item(number, line, data, error)


def _cell(value: str, source: str = "", line: int | None = None, column: str = "") -> Any:
    """A CSV cell as the type it looks like; the vocabulary check does the rest."""
    text = value.strip()
    lowered = text.lower()
    if lowered in ("true", "yes"):
        return True
    if lowered in ("false", "no"):
        return False
    grouped = grouped_number(text)
    if grouped is not None:
        return grouped
    if _INTEGER.fullmatch(text):
        if len(text.lstrip("-")) > MAX_DIGITS:
            raise InputError(
                f"a number of {len(text.lstrip('-')):,} digits is not plausible here "
                f"(at most {MAX_DIGITS})",
                source=source,
                line=line,
                field=column or None,
            )
        return int(text)
    if text.isascii():
        try:
            number = Decimal(text)
            if number.is_finite():
                if number.adjusted() > MAX_DIGITS:
                    raise InputError(
                        f"'{text[:40]}' is not a plausible number",
                        source=source,
                        line=line,
                        field=column or None,
                    )
                return number
        except InvalidOperation:
            pass
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return text


class _Feed:
    """Physical lines for the csv module, one record at a time, with a way back: the lines
    of a record that turned out to be broken are given again, one by one."""

    def __init__(self, lines: Iterator[Line], limit: int) -> None:
        self.lines = lines
        self.back: list[Line] = []  # lines to give again, last first
        self.taken: list[Line] = []
        self.size = 0
        self.limit = limit

    def __iter__(self) -> _Feed:
        return self

    def __next__(self) -> str:
        line = self.back.pop() if self.back else next(self.lines)
        self.taken.append(line)
        if line.error is not None or line.text is None:
            raise _Broken
        self.size += len(line.text)
        if len(self.taken) > 1 and (self.size > self.limit or len(self.taken) > MAX_RECORD_LINES):
            raise _Broken
        return line.text

    def start(self) -> None:
        self.taken, self.size = [], 0

    def again(self) -> None:
        """Give every line of the current record but its first again."""
        self.back.extend(reversed(self.taken[1:]))


class _Broken(Exception):
    """A record cannot go on (an unreadable line, or past the limits)."""


def _csv_records(
    lines: Iterator[Line], source: str, limit: int
) -> Iterator[tuple[Line, list[str] | None, PolicycalcError | None]]:
    """CSV records: (first line, cells, None) or (first line, None, why it was rejected).

    A quoted cell may run over several lines; one whose quote never closes (or closes only
    where the cells no longer fit the header) rejects its first line only, and reading
    resumes on the next line, so an unterminated quote never swallows later applicants.
    """
    csv.field_size_limit(max(limit, 131072))
    feed = _Feed(lines, limit)
    reader = csv.reader(feed, strict=True)
    width: int | None = None
    while True:
        feed.start()
        problem: str | None = None
        try:
            cells = next(reader)
        except StopIteration:
            return
        except (csv.Error, _Broken) as exc:
            first = feed.taken[0] if feed.taken else None
            if first is None:
                return
            if first.error is not None:
                yield first, None, first.error
                feed.again()
                continue
            broken = len(feed.taken) > 1
            problem = "a quote opened here is never closed" if broken else f"invalid CSV ({exc})"
            cells = []
        else:
            first = feed.taken[0]
            if width is None:
                width = len(cells)
            elif len(feed.taken) > 1 and (
                len(cells) != width or any(_whole_row(x.text, width) for x in feed.taken[1:])
            ):
                # The quote swallowed lines that are rows of their own: it was never closed.
                problem = (
                    f"a quote opened here runs on to line {feed.taken[-1].number}, over "
                    "lines that are rows of their own: it is never closed"
                )
        if problem is not None:
            yield first, None, InputError(problem, source=source, line=first.number)
            feed.again()
            continue
        if not cells or not any(c.strip() for c in cells):
            continue
        yield first, cells, None


def _whole_row(text: str | None, width: int) -> bool:
    """A line that, read alone, has every cell of a row."""
    try:
        return len(next(csv.reader([text or ""]), [])) >= width
    except csv.Error:
        return False


def _csv(lines: Iterator[Line], source: str, limit: int) -> Iterator[Item]:
    records = _csv_records(lines, source, limit)
    head = next(records, None)
    if head is None:
        raise InputError("the CSV batch is empty", source=source)
    first, names, error = head
    if error is not None:
        raise error
    assert names is not None
    names = [n.strip() for n in names]
    if "id" not in names:
        raise InputError(
            "a CSV batch needs an 'id' column (layout: README, or estimate --help)",
            source=source,
            line=first.number,
        )
    at = names.index("id")
    number = 0
    current: str | None = None
    start = 0
    data: dict[str, Any] | None = None
    failure: PolicycalcError | None = None
    for line, cells, bad in records:
        if cells is None:
            # An unreadable row: its applicant is the one its first cell names, if we can tell.
            guess = (line.text or "").split(",", 1)[0].strip().strip('"') if line.text else None
            if data is not None and guess == current:
                failure = failure or bad
                continue
            if data is not None:
                yield Item(number, start, data, failure)
                data, current = None, None
            number += 1
            yield Item(number, line.number, error=bad)
            continue
        ident = cells[at].strip() if at < len(cells) else ""
        if ident != current or data is None:
            if data is not None:
                yield Item(number, start, data, failure)
            number += 1
            current, start, failure = ident, line.number, None
            data = {"applicant": {"id": ident}, "facts": []}
            if not ident:
                failure = InputError(
                    "the 'id' column is empty", source=source, line=line.number, field="id"
                )
        if failure is not None:
            continue
        try:
            if len(cells) > len(names):
                raise InputError("more cells than columns", source=source, line=line.number)
            _csv_row(data, dict(zip(names, cells, strict=False)), source, line.number)
        except InputError as exc:
            failure = exc
    if data is not None:
        yield Item(number, start, data, failure)


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
            new = _cell(value, source, line, column)
            if old is not None and old != new:
                raise InputError(
                    f"differs from an earlier row of this applicant ({old})",
                    source=source,
                    line=line,
                    field=column,
                )
            data["applicant"][name] = new
        else:
            keep = column in ("product", "note", "kind")
            fact[column] = value if keep else _cell(value, source, line, column)
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
    fmt: str = "jsonl"  # jsonl or csv: workers write the output text themselves
    mode: str = "estimate"  # estimate | opportunities (one row per opportunity)

    @property
    def columns(self) -> list[str]:
        if self.mode == "opportunities":
            from .render.opportunities import OPPORTUNITY_COLUMNS

            return OPPORTUNITY_COLUMNS
        return SUMMARY_COLUMNS if self.summary else AWARD_COLUMNS


_JOB: Job | None = None  # set in the parent before worker processes fork


def set_job(job: Job) -> None:
    global _JOB
    _JOB = job


def process(item: Item) -> tuple[str, int, str | None]:
    """Estimate one applicant: its output text and number of rows, or an error line."""
    job = _JOB
    assert job is not None
    rows, error = _rows(item, job)
    if error is not None:
        return "", 0, error
    return _text(rows, job), len(rows), None


def _text(rows: Sequence[Mapping[str, Any]], job: Job) -> str:
    if job.fmt == "csv":
        return csv_text(rows, job.columns)
    encode = _JSON.encode
    return "".join(encode(row) + "\n" for row in rows)


# One encoder for every row (json.dumps with options builds a new one per call).
_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def _rows(item: Item, job: Job) -> tuple[Sequence[Mapping[str, Any]], str | None]:
    if item.error is not None:
        return [], _error_line(item.error, item)
    try:
        data = parse_json(item.text, job.source, item.line) if item.text is not None else item.data
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
        if job.mode == "opportunities":
            return _opportunity_rows(profile, item, job), None
        result = estimate(job.ruleset, profile, job.as_of, trace=False)
    except PolicycalcError as exc:
        return [], _error_line(exc, item)
    except (RecursionError, MemoryError, ValueError, ArithmeticError) as exc:
        # A record too deep, too big or too odd to compute: its own failure, not the batch's.
        what = "too deeply nested" if isinstance(exc, RecursionError) else type(exc).__name__
        problem = InputError(f"this record cannot be estimated ({what})", source=job.source)
        return [], _error_line(problem, item)
    _LAPSED.update({x.document.id for x in result.excluded if x.stage == "validity"})
    if job.summary:
        return [summary_row(result, item.line, item.number)], None
    return award_rows(result, job.lang, item.line, item.number), None


def _opportunity_rows(profile: Any, item: Item, job: Job) -> Sequence[Mapping[str, Any]]:
    from .opportunities import find_opportunities
    from .render.opportunities import opportunity_rows

    found = find_opportunities(job.ruleset, profile, job.as_of)
    return opportunity_rows(found, job.lang, item.line, item.number)


def _error_line(error: PolicycalcError, item: Item) -> str:
    if error.line is None and item.line is not None:
        error.line = item.line
    return str(error)


# ------------------------------------------------------------------ writers


def header(job: Job, bom: bool = False) -> str:
    """What the output starts with: a CSV header (and BOM), nothing for JSON Lines."""
    if job.fmt != "csv":
        return ""
    return csv_header(job.columns, bom)


@dataclass
class Counts:
    read: int = 0
    estimated: int = 0
    rejected: int = 0
    rows: int = 0
    # document id -> applicants with measures of it that match but are not counted because
    # the document is not in force on the as-of date (reported once per document at the end)
    lapsed: Counter[str] = field(default_factory=Counter)


# Filled by _rows in whichever process estimates; drained and returned with each slice.
_LAPSED: Counter[str] = Counter()


def _drain_lapsed() -> Counter[str]:
    found = Counter(_LAPSED)
    _LAPSED.clear()
    return found


def run(
    stream: IO[Any],
    kind: str,
    job: Job,
    out: IO[str],
    report: Callable[[str], None],
    jobs: int = 1,
    progress: Callable[[int], None] | None = None,
    chunk: int = 512,
    encoding: str = "utf-8",
    limit: int = MAX_RECORD,
) -> Counts:
    """Read applicants from `stream` (binary; a text stream is accepted), estimate each and
    write its text in input order; bad ones go to `report`.

    Input is read one record at a time and handed on in slices of at most `chunk` records
    and about CHUNK_BYTES of text, so memory stays flat however long the batch is, and no
    record longer than `limit` bytes is ever held whole.
    """
    set_job(job)
    import gc

    gc.freeze()  # the ruleset lives for the whole run: keep it out of every collection
    counts = Counts()
    items = read_items(stream, kind, job.source, encoding, limit)
    if jobs <= 1:
        for part in _chunks(items, chunk):
            _write_many(process_task(("items", part)), out, report, counts, progress)
        return counts
    tasks = (("items", part) for part in _chunks(items, chunk))
    with _Workers(jobs) as workers:
        # Task k goes to worker k % jobs; two in flight per worker; results read in order.
        window = 2 * jobs
        sent = 0
        for task in tasks:
            if sent >= window:
                _write_many(workers.receive((sent - window) % jobs), out, report, counts, progress)
            workers.send(sent % jobs, task)
            sent += 1
        for k in range(max(0, sent - window), sent):
            _write_many(workers.receive(k % jobs), out, report, counts, progress)
    return counts


class _Workers:
    """Worker processes, each with a pipe in and a pipe out of its own.

    Nothing is shared between them (no lock a killed worker could leave held, unlike
    multiprocessing.Pool), so a signal, a killed worker or an error in the parent always
    ends cleanly: the parent kills and reaps its workers. Each worker reads its tasks in a
    thread, so the parent never blocks writing a task while the worker writes a result.
    """

    def __init__(self, jobs: int) -> None:
        from .output import signals_blocked

        self.pids: list[int] = []
        self.inputs: list[IO[bytes]] = []
        self.outputs: list[IO[bytes]] = []
        sys.stdout.flush()
        sys.stderr.flush()
        with signals_blocked():  # a worker never runs the parent's signal handlers
            for _ in range(jobs):
                task_r, task_w = os.pipe()
                result_r, result_w = os.pipe()
                pid = os.fork()
                if pid == 0:  # the worker
                    code = 0
                    try:
                        for handle in (*self.inputs, *self.outputs):
                            handle.close()
                        os.close(task_w)
                        os.close(result_r)
                        _serve(task_r, result_w)
                    except BaseException:  # no traceback from a worker, ever
                        code = 1
                    finally:
                        os._exit(code)
                os.close(task_r)
                os.close(result_w)
                self.pids.append(pid)
                self.inputs.append(open(task_w, "wb"))  # noqa: SIM115
                self.outputs.append(open(result_r, "rb"))  # noqa: SIM115

    def __enter__(self) -> _Workers:
        return self

    def send(self, worker: int, task: Any) -> None:
        try:
            _send(self.inputs[worker], task)
        except BrokenPipeError:
            raise self._died(worker) from None

    def receive(self, worker: int) -> Any:
        result = _receive(self.outputs[worker])
        if result is None:
            raise self._died(worker)
        return result

    def _died(self, worker: int) -> PolicycalcError:
        return PolicycalcError(f"worker process {self.pids[worker]} stopped unexpectedly")

    def __exit__(self, kind: Any, value: Any, trace: Any) -> None:
        import signal

        for handle in self.inputs:  # end of tasks: a worker finishes and exits
            with suppress(OSError):
                handle.close()
        if kind is not None:  # interrupted or failed: stop the workers now
            for pid in self.pids:
                with suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
        for handle in self.outputs:
            with suppress(OSError):
                handle.close()
        for pid in self.pids:
            with suppress(ChildProcessError):
                os.waitpid(pid, 0)


def _send(handle: IO[bytes], value: Any) -> None:
    from .cache import _pickle

    data = _pickle().dumps(value, protocol=5)
    handle.write(len(data).to_bytes(8, "little"))
    handle.write(data)
    handle.flush()


def _receive(handle: IO[bytes]) -> Any:
    from .cache import _pickle

    head = handle.read(8)
    if len(head) < 8:
        return None
    size = int.from_bytes(head, "little")
    data = handle.read(size)
    if len(data) < size:
        return None
    return _pickle().loads(data)


def _serve(task_fd: int, result_fd: int) -> None:
    """A worker's life: read tasks (in a thread), estimate each, send the results back."""
    import queue
    import threading

    from .output import worker_signals

    worker_signals()
    tasks: queue.SimpleQueue[Any] = queue.SimpleQueue()

    def read() -> None:
        with open(task_fd, "rb") as source:
            while True:
                task = _receive(source)
                tasks.put(task)
                if task is None:
                    return

    threading.Thread(target=read, daemon=True).start()
    with open(result_fd, "wb") as out:
        while True:
            task = tasks.get()
            if task is None:
                return
            _send(out, process_task(task))


def process_task(
    task: tuple[Any, ...],
) -> tuple[str, int, list[tuple[int, str]], int, Counter[str]]:
    """A slice: joined output text, row count, errors by position, its size and the
    documents not in force whose measures matched (applicants per document)."""
    part = task[1]
    texts: list[str] = []
    rows = 0
    errors: list[tuple[int, str]] = []
    for position, item in enumerate(part):
        text_out, count, error = process(item)
        if error is not None:
            errors.append((position, error))
        else:
            texts.append(text_out)
            rows += count
    return "".join(texts), rows, errors, len(part), _drain_lapsed()


def _write_many(
    result: tuple[Any, ...],
    out: IO[str],
    report: Callable[[str], None],
    counts: Counts,
    progress: Callable[[int], None] | None,
) -> None:
    text, rows, errors, size, lapsed = result
    counts.lapsed.update(lapsed)
    for _, error in errors:
        report(error)
    counts.read += size
    counts.rejected += len(errors)
    counts.estimated += size - len(errors)
    counts.rows += rows
    out.write(text)
    if progress is not None:
        progress(size)


def _chunks(items: Iterable[Item], size: int) -> Iterator[list[Item]]:
    part: list[Item] = []
    held = 0
    for item in items:
        part.append(item)
        held += len(item.text) if item.text is not None else 256
        if len(part) >= size or held >= CHUNK_BYTES:
            yield part
            part = []
            held = 0
    if part:
        yield part


__all__ = ["Item", "Job", "header", "num", "read_items", "run"]
