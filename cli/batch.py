"""Batch estimation: many profiles in, one stream of rows out, bad rows reported and skipped.

Input: JSON Lines (one profile per line), a JSON or YAML list of profiles, or CSV with one
row per fact (layout in the README and `estimate --help`). Output streams in input order as JSON Lines or CSV, one row
per award or (summary) one row per applicant. Work can be spread over processes; memory
stays flat because input is read and written in bounded chunks.
"""

from __future__ import annotations

import codecs
import copy
import csv
import datetime as dt
import io
import json
import os
import re
import sys
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any, NamedTuple, assert_never

from .engine import estimate
from .errors import InputError, PolicycalcError, UsageError
from .formats import INPUT_FORMATS as INPUT_FORMATS
from .formats import BatchMode, InputFormat, OutputFormat, TextInputFormat
from .lines import Line as Line
from .lines import LineList
from .model import Lang, Ruleset, Vocabulary
from .profile import (
    GBK_HINT,
    LEGACY_KEYS,
    _no_duplicates,
    _reject_constant,
    build_profile,
    grouped_number,
    looks_like_gbk,
    parse_json,
)
from .render.machine import csv_header, csv_table, csv_text, csv_writer
from .render.rows import (
    AWARD_COLUMNS,
    JSON_ROW,
    SUMMARY_COLUMNS,
    award_cells,
    award_lines,
    award_rows,
    num,
    summary_row,
)
from .render.safe import escaped
from .render.words import said, word
from .schema import suggest
from .seen import SeenIds


class Item(NamedTuple):
    """One applicant read from the input: its data, or why it could not be read."""

    number: int  # 1-based position among applicants
    line: int | None  # line in the input where it starts
    data: Any = None
    error: PolicycalcError | None = None
    text: str | None = None  # a JSON line not parsed yet: the worker parses it


def guess_input_format(path: str, head: str) -> InputFormat:
    suffix = Path(path).suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    if suffix in (".yaml", ".yml"):
        return "yaml"
    if suffix == ".csv":
        return "csv"
    if suffix in (".xlsx", ".xlsm"):
        return "xlsx"
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


AUTO = "auto"  # --encoding not given: UTF-8 (a BOM is fine), else GBK when the bytes say so
_UTF8 = ("utf-8", "utf8", "utf-8-sig", "utf_8", "u8")


def is_utf8(encoding: str) -> bool:
    return encoding.replace("_", "-").lower() in _UTF8


def check_text_encoding(head: bytes, encoding: str, source: str) -> None:
    """Refuse, before any record, a text batch that cannot be read line by line as asked:
    UTF-16 or UTF-32 (Excel's "Unicode text"), or a UTF-8 file read as another encoding."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(
            "the file is UTF-16 text (Excel's 'Unicode text'); a batch is read in UTF-8 or "
            "GBK: save it as 'CSV UTF-8', or as a workbook (.xlsx)",
            source=source,
        )
    if encoding == AUTO:
        return
    if "\n,".encode(encoding, "replace") != b"\n," or "a".encode(encoding) != b"a":
        raise UsageError(
            f"a batch is read line by line in an encoding that keeps ASCII as it is (utf-8, "
            f"gbk, gb18030, latin-1…), not {encoding}; save the file as 'CSV UTF-8'",
            field="--encoding",
        )
    if head.startswith(b"\xef\xbb\xbf") and not is_utf8(encoding):
        raise InputError(
            f"the file starts with a UTF-8 byte-order mark: it is UTF-8 text, not {encoding}; "
            "leave out --encoding",
            source=source,
        )


def read_lines(
    raw: IO[bytes],
    source: str,
    encoding: str = "utf-8",
    limit: int = MAX_RECORD,
    note: Callable[[str], None] | None = None,
    number: int = 0,
    offset: int = 0,
    decided: bool = False,
    lang: Lang = "en",
) -> Iterator[Line]:
    """The input line by line, never holding more than `limit` bytes of one line: a longer
    line, or one that does not decode, becomes that line's own error (with its byte offset).

    With `encoding` AUTO the file's encoding is decided once, at its first line that is not
    ASCII: UTF-8 when that line is UTF-8, else GB18030 (GBK, as Excel on Chinese Windows
    saves a CSV) when it reads as Chinese text, with one `note` (worded in `lang`). After that
    every line is decoded as decided; a line of the other kind is its own error, never mojibake.

    `number` lines of `offset` bytes were read before `raw` by another reader, which had
    `decided` the encoding as UTF-8 if it saw a line that was not ASCII.
    """
    auto = encoding == AUTO
    utf8 = auto or is_utf8(encoding)
    codec = "utf-8" if utf8 else encoding
    decided = not auto or decided  # AUTO: undecided while every line is ASCII
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
                if offset - start > MAX_SKIP:
                    raise _endless(source, number)
            guess = chunk[:4096].decode(codec, "replace")
            yield Line(number, start, None, _too_long(source, number, limit), guess)
            continue
        if not decided and not chunk.isascii():
            decided = True
            try:
                chunk.decode("utf-8")
            except UnicodeDecodeError:
                if looks_like_gbk(chunk):
                    codec, utf8 = "gb18030", False
                    if note is not None:
                        note(said("note_gbk", lang, source=source))
                else:
                    decided = False  # this line is its own error; the file is still open
        try:
            text = chunk.decode(codec)
            if auto and codec == "gb18030" and not chunk.isascii() and _is_utf8(chunk):
                raise UnicodeDecodeError(codec, chunk, 0, 1, "UTF-8 in a GBK file")
        except UnicodeDecodeError as exc:
            yield Line(
                number,
                start,
                None,
                InputError(
                    _not_text(chunk, start, exc, encoding, codec), source=source, line=number
                ),
                chunk.decode(codec, "replace"),
            )
            continue
        if number == 1:
            text = text.lstrip("\ufeff")
        yield Line(number, start, text)


def _is_utf8(chunk: bytes) -> bool:
    try:
        chunk.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _not_text(chunk: bytes, start: int, exc: UnicodeDecodeError, encoding: str, codec: str) -> str:
    """Why a line does not decode, and what to do about it."""
    if exc.reason == "UTF-8 in a GBK file":
        return (
            "this line is UTF-8 text, but the file was read as GBK from an earlier line; "
            "save the whole file in one encoding, or pass --encoding to choose"
        )
    if encoding == AUTO:
        hint = (
            GBK_HINT
            if looks_like_gbk(chunk)
            else "; pass --encoding (e.g. gbk, latin-1) if the file is in another encoding"
        )
        name = "UTF-8"
    else:
        name = "UTF-8" if is_utf8(encoding) else encoding
        hint = GBK_HINT if is_utf8(encoding) and looks_like_gbk(chunk) else ""
    return (
        f"not {name} text at byte {start + exc.start:,} of the file "
        f"(0x{chunk[exc.start]:02x}){hint}"
    )


MAX_SKIP = 256 << 20  # bytes of one record skipped before the input is taken for no text


def _endless(source: str, line: int | None) -> InputError:
    """A record with no end in sight (`/dev/zero`): no later record can be found."""
    return InputError(
        f"a record runs on for more than {MAX_SKIP >> 20} MiB: this is not a batch of "
        "profiles; reading stopped",
        source=source,
        line=line,
    )


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
    fmt: TextInputFormat,
    source: str,
    encoding: str = AUTO,
    limit: int = MAX_RECORD,
    note: Callable[[str], None] | None = None,
    vocabulary: Vocabulary | None = None,
    lang: Lang = "en",
) -> Iterator[Item]:
    """Applicants one at a time, each with its line; a record that cannot be read is an Item
    with its error, and the records after it are still read. With a `vocabulary`, a table's
    columns are checked against it before any row is read. A note is worded in `lang`."""
    raw = as_binary(stream)
    match fmt:
        case "yaml":
            yield from _yaml(raw, source, "utf-8" if encoding == AUTO else encoding, limit)
        case "json":
            yield from _json_list(raw, source, "utf-8" if encoding == AUTO else encoding, limit)
        case "jsonl":
            yield from _jsonl(read_lines(_line_ends(raw), source, encoding, limit, note, lang=lang))
        case "csv":
            lines = read_lines(_line_ends(raw), source, encoding, limit, note, lang=lang)
            kinds = vocabulary.kinds if vocabulary is not None else None
            yield from _table(_csv_records(lines, source, limit, kinds), source, vocabulary)
        case _:
            assert_never(fmt)


def _line_ends(raw: IO[bytes]) -> IO[bytes]:
    """The input with its line ends as LF or CRLF: a file whose lines end in CR alone (old
    Mac exports) is read with each CR as a line end."""
    peek = getattr(raw, "peek", None)
    if peek is None:
        raw = io.BufferedReader(raw)  # type: ignore[type-var]
        peek = raw.peek
    head = peek(4096)[:4096]
    if b"\r" in head and b"\n" not in head:
        return _CarriageReturns(raw)  # type: ignore[return-value]
    return raw


class _CarriageReturns:
    """A stream whose lines end in CR, read line by line as if they ended in LF (same length,
    so byte offsets stay true)."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.held = b""

    def readline(self, limit: int = -1) -> bytes:
        while True:
            at = self.held.find(b"\r")
            if at >= 0 and (limit < 0 or at < limit):
                line, self.held = self.held[:at] + b"\n", self.held[at + 1 :]
                return line
            if 0 <= limit <= len(self.held):
                line, self.held = self.held[:limit], self.held[limit:]
                return line
            more = self.raw.read(1 << 16)
            if not more:
                line, self.held = self.held, b""
                return line
            self.held += more


def _jsonl(lines: Iterable[Line], number: int = 0) -> Iterator[Item]:
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


JSONL_BLOCK = 1 << 18  # bytes of JSON Lines read at a time


def _jsonl_tasks(
    stream: IO[bytes],
    source: str,
    encoding: str,
    limit: int,
    note: Callable[[str], None] | None,
    chunk: int,
    lang: Lang = "en",
) -> Iterator[tuple[Any, ...]]:
    """A JSON Lines batch as tasks for `process_task`, read in blocks: the same applicants,
    lines and errors as `_jsonl(read_lines(...))`, at a fraction of the reading's cost.

    A block of whole lines that decodes as UTF-8 and holds no line longer than `limit` is
    handed on as its lines' text ("lines" tasks: the worker makes each Item). That is every
    block of a well-formed file, and there the line-by-line reader would give each line its
    text, decided as UTF-8 (or still undecided while all is ASCII), with no error. At the
    first block that is anything else (a line too long, bytes that are not UTF-8, GBK to
    decide), the rest of the input, that block included, is read line by line as before.
    """
    raw = _line_ends(stream)
    if isinstance(raw, _CarriageReturns) or not (encoding == AUTO or is_utf8(encoding)):
        found = read_lines(raw, source, encoding, limit, note, lang=lang)
        yield from _item_tasks(_jsonl(found), chunk)
        return
    lines = records = offset = 0  # read and handed on so far
    decided = encoding != AUTO  # AUTO: decided as UTF-8 at the first block that is not ASCII
    # Whole lines not handed on yet (fewer than `chunk` applicants): every task but the last
    # holds `chunk` applicants, so the workers, which take tasks in turn, get equal shares.
    pending: list[str] = []
    count = size = 0  # applicants and characters in `pending`
    closed = True  # the input's last line ends with a line end
    while True:
        whole = raw.read(JSONL_BLOCK)
        if not whole:
            break
        if not whole.endswith(b"\n"):  # the rest of its last line, if not too long
            whole += raw.readline(limit + 1)
        text = None
        if len(whole) <= limit or max(map(len, whole.split(b"\n"))) <= limit:
            with suppress(UnicodeDecodeError):
                text = whole.decode("utf-8")
        if text is None:  # read the rest line by line, from this block on
            if count:
                yield ("lines", lines, records, pending, True)
            lines += len(pending)
            records += count
            rest: Any = _Joined(whole, raw)  # read_lines only calls readline
            found = read_lines(rest, source, encoding, limit, note, lines, offset, decided, lang)
            yield from _item_tasks(_jsonl(found, records), chunk)
            return
        decided = decided or not whole.isascii()
        if offset == 0:
            text = text.lstrip("\ufeff")  # a byte-order mark, as read_lines drops it
        offset += len(whole)
        pieces = text.split("\n")
        closed = pieces[-1] == ""  # the block ends with a line end
        if closed:
            pieces.pop()
        if pending:
            pieces = pending + pieces  # counted already: `count` and `size` hold them
        first = 0  # the first line not handed on
        for at in range(len(pending), len(pieces)):
            piece = pieces[at]
            size += len(piece)
            if piece.strip():  # a blank line is no applicant (as in _jsonl)
                count += 1
            if count >= chunk or size >= CHUNK_BYTES:
                ends = closed or at + 1 < len(pieces)  # the input's open last line is not in it
                yield ("lines", lines, records, pieces[first : at + 1], ends)
                lines += at + 1 - first
                records += count
                first = at + 1
                count = size = 0
        pending = pieces[first:]
    if count:  # (blank lines at the end are no applicant)
        yield ("lines", lines, records, pending, closed)


def _line_items(lines: int, records: int, texts: list[str], closed: bool) -> list[Item]:
    """The applicants of a "lines" task: its lines after `lines` lines of the input, which
    held `records` applicants; the last line ends the input without a line end unless
    `closed`."""
    part = []
    last = len(texts) - 1
    for at, text in enumerate(texts):
        lines += 1
        if text.strip():
            records += 1
            part.append(Item(records, lines, text=text + "\n" if closed or at < last else text))
    return part


def _item_tasks(items: Iterable[Item], chunk: int) -> Iterator[tuple[Any, ...]]:
    return (("items", part) for part in _chunks(items, chunk))


class _Joined:
    """`head`, then the rest of `raw`, read line by line (a line may run on from one to the
    other)."""

    def __init__(self, head: bytes, raw: IO[bytes]) -> None:
        self.head: io.BytesIO | None = io.BytesIO(head)
        self.raw = raw

    def readline(self, limit: int = -1) -> bytes:
        if self.head is None:
            return self.raw.readline(limit)
        line = self.head.readline(limit)
        if line.endswith(b"\n") or 0 <= limit <= len(line):  # a whole line, or all that was asked
            return line
        self.head = None  # the head is used up: the line goes on in `raw`
        return line + self.raw.readline(-1 if limit < 0 else limit - len(line))


# Structure, or an ASCII letter outside strings (one class: searched as fast as without)
_JSON_SPECIAL = re.compile(r'[\[\]{}",A-Za-z_]')
_JSON_WORD = re.compile(r"\w*")
# The rest of a JSON string in this block: a string never runs over a line end (a raw
# newline is invalid JSON: the item is reported, and the reader resynchronises at the
# next item's start, see _json_list).
_JSON_STRING_BODY = re.compile(r'[^"\\\n]*(?:\\[^\n][^"\\\n]*)*')
_JSON_WORDS = frozenset(("true", "false", "null", "NaN", "Infinity"))
_JSON_EXPONENT = re.compile(r"[eE]\d*")  # the "e5" of 1e5
_UNQUOTED_RUN = re.compile(r'[^"\[\]{},:\n]*')  # a bare word's text up to a quote or structure
_BLANK = re.compile(r"[ \t\r\n]*")
_FIRST_KEY = re.compile(r'[{ \t\r\n]*("[^"\\\n]{1,100}")')  # {"applicant"
_KEY_AHEAD = re.compile(r'"[^"\\\n]*"[ \t\r\n]*:')  # an object's key: "facts":
_UNDECODED = re.compile("[\\udc80-\\udcff]")  # bytes the codec could not read (surrogateescape)
_CLOSES = {"]": "[", "}": "{"}
READ_BLOCK = 1 << 16


def _json_list(raw: IO[bytes], source: str, encoding: str, limit: int) -> Iterator[Item]:
    """The items of a JSON list, one at a time, read in blocks whatever its lines (a list
    on one line, as json.dumps writes it, included). Each item's text is cut out by tracking
    strings and brackets and parsed (by the worker) on its own, so a broken, undecodable or
    too long item costs only itself, and memory holds one item, never the whole list.

    A broken item must not take the items after it: the tracking resynchronises where the
    text shows it lost its way (each rule fires only on text that is invalid JSON, so a
    valid list is cut exactly as before):
    - a word outside strings (not true, false, null, a number's exponent) right after a
      quote, or running up to one: a quote is missing, and the word is read as string text;
    - after a string cut by a line end or a missing quote, or at a `{` where an object
      wants a key (after a comma: a `}` is missing, or a `{` is one too many), a `{` that
      looks like an item's start begins the next item: one followed by the first item's
      first key ({"applicant"), or first on its line at the first item's column (or left
      of it) and followed by no other key, unless this item's own lines are indented no
      deeper (json.dumps(indent=0));
    - a depth-1 comma followed by a key ("facts":) other than the first item's first key,
      or by no `{` after an item that does not parse, ends no item (a `}` is one too many
      or a `{` missing: the rest of the item is no item of its own);
    - a `{` at depth 1 after an item with no comma begins the next item (the item before
      is an error: a comma missing, or one lost in a broken string);
    - a `]` at depth 1 followed by more text is no end of the list if a comma follows, a
      `{` with no item open, or an item that does not parse (its `[` was lost).
    """
    import codecs

    utf8 = encoding.replace("_", "-").lower() in ("utf-8", "utf8", "utf-8-sig")
    name = "UTF-8" if utf8 else encoding
    decoder = codecs.getincrementaldecoder("utf-8-sig" if utf8 else encoding)("surrogateescape")
    stack: list[str] = []  # open brackets; the first is the list's own
    started = done = False
    in_string = escape = False
    broken = False  # the current item has a string cut by a line end, or a missing quote
    flush = False  # ... lines at or left of the items' column (see flush_left)
    merged = False  # ... failed to parse at a depth-1 comma or `]`, and went on
    closed = False  # the last bracket closed an item (not a stray one, closing more)
    parts: list[str] = []
    size = 0
    first: int | None = None  # line where the current item starts
    column: int | None = None  # the first item's column
    key = ""  # the first item's first key, quoted: "applicant" (if in its first block)
    too_long = False
    number = 0
    line = 1  # the line at position `counted` of the current block
    counted = 0
    carry_col = 0  # characters of the current line before this block
    carry_blank = True  # ... all of them blank
    tail = ""  # the last character before this block that is not blank

    def where(block: str, at: int) -> int:
        nonlocal line, counted
        line += block.count("\n", counted, at)
        counted = at
        return line

    def learn(block: str, begin: int) -> None:
        """The first item's column and first key, from its start at `begin`."""
        nonlocal column, key
        newline = block.rfind("\n", 0, begin)
        column = begin - newline - 1 if newline >= 0 else carry_col + begin
        found = _FIRST_KEY.match(block, begin)
        key = found.group(1) if found is not None else ""

    def add(block: str, begin: int, end: int) -> None:
        nonlocal size, first, too_long
        if first is None:
            piece = block[begin:end]
            rest = piece.lstrip()
            if not rest:
                return
            begin = end - len(rest)
            first = where(block, begin)
            if column is None:
                learn(block, begin)
        size += end - begin
        if size > limit:
            too_long = True
            parts.clear()
            if size > MAX_SKIP:
                raise _endless(source, first)
        elif not too_long:
            parts.append(block[begin:end])

    def finish() -> Item | None:
        nonlocal size, first, too_long, number, broken, flush, merged
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
        broken = flush = merged = False
        return item

    def before(block: str, at: int) -> tuple[str, int | None]:
        """The last character before `at` that is not blank, and `at`'s column if nothing
        but blanks precedes it on its line (else None)."""
        i = at - 1
        newline = -1
        while i >= 0 and block[i] in " \t\r\n":
            if newline < 0 and block[i] == "\n":
                newline = i
            i -= 1
        prev = block[i] if i >= 0 else tail
        if newline >= 0:
            return prev, at - newline - 1
        return prev, carry_col + at if i < 0 and carry_blank else None

    def at_key(block: str, at: int) -> bool:
        """Whether the first item's first key follows `at` (after blanks)."""
        return bool(key) and block.startswith(key, _BLANK.match(block, at).end())  # type: ignore[union-attr]

    def other_key(block: str, at: int) -> bool:
        """Whether a key other than the first item's first key follows `at` (after blanks):
        then a `{` there opens no item (in a list whose items start alike)."""
        after = _BLANK.match(block, at).end()  # type: ignore[union-attr]
        return bool(key) and _KEY_AHEAD.match(block, after) is not None and not at_key(block, at)

    def flush_left() -> bool:
        """Whether a line of the current item after its first starts at or left of the
        items' column with anything but a closing bracket, as json.dumps(indent=0) writes
        (then a `{` there may be the item's own). Once true, true for the rest of the item;
        when false the item ends, so each item's text is searched at most once more."""
        nonlocal flush
        if not flush:
            indent = rf"\n[ \t]{{0,{column}}}[^\s}}\]]"
            flush = re.search(indent, "".join(parts)) is not None
        return flush

    def parses(text: str) -> bool:
        try:
            json.loads(text)
        except (ValueError, RecursionError):
            return False
        return True

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
                if block[pos] == "\n":
                    broken = True
                else:
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
            elif char == "{" and (
                broken
                or merged
                or (len(stack) > 1 and stack[-1] == "{" and before(block, found.start())[0] == ",")
                or (len(stack) == 1 and closed and before(block, found.start())[0] == "}")
            ):
                at = found.start()
                add(block, start, at)  # the item so far (which sets the items' column)
                start = at
                prev, col = before(block, at)
                assert column is not None
                if len(stack) == 1:
                    # A `{` at the list's level right after the `}` closing an item, or a
                    # broken item: the next item, its comma missing. The one before is an
                    # error: its parse says why, or if it parses, the missing comma does.
                    if first is not None:
                        item = finish()
                        if item is not None and item.text is not None and parses(item.text):
                            why = (
                                "invalid JSON: no comma after this item (the next starts at "
                                f"line {where(block, at)})"
                            )
                            error = InputError(why, source=source, line=item.line)
                            item = Item(item.number, item.line, error=error)
                        if item is not None:
                            yield item
                elif (broken or (stack[-1] == "{" and prev == ",")) and (
                    at_key(block, pos)
                    or (
                        col is not None
                        and col <= column
                        and not other_key(block, pos)
                        and not flush_left()
                    )
                ):
                    # The item is broken, and the next begins here: a `{` with the first
                    # item's first key, or where the items start and with no other key.
                    # The broken item ends.
                    item = finish()
                    if item is not None:
                        yield item
                    del stack[1:]
                stack.append(char)
            elif char in "[{":
                stack.append(char)
            elif char in _CLOSES:
                opener = _CLOSES[char]
                closed = False
                if stack[-1] != opener:
                    # A stray closer inside an item (the item is broken; its parse says
                    # so): close up to its opener if one is open inside the item.
                    if opener in stack[1:]:
                        while stack.pop() != opener:
                            pass
                    continue
                closed = len(stack) == 2  # this closes an item
                if len(stack) == 1 and (after := _BLANK.match(block, pos).end()) < end:  # type: ignore[union-attr]
                    # Text follows the list's `]` in this block: the `]` is stray when a
                    # comma follows, a `{` with no item open, or an item that is broken.
                    add(block, start, found.start())
                    start = found.start()
                    if (
                        block[after] == ","
                        or (first is None and block[after] == "{")
                        or (
                            first is not None
                            and not too_long
                            and (merged or not parses("".join(parts)))
                        )
                    ):
                        merged = first is not None
                        continue
                stack.pop()
                if not stack:  # the end of the list
                    add(block, start, found.start())
                    item = finish()
                    if item is not None:
                        yield item
                    done = True
                    after_list = block[pos:]
                    if after_list.strip():
                        at = where(block, pos + len(after_list) - len(after_list.lstrip()))
                        number += 1
                        problem = InputError(
                            "text after the end of the list", source=source, line=at
                        )
                        yield Item(number, at, error=problem)
                        return
            elif char == "," and len(stack) == 1:
                add(block, start, found.start())
                start = found.start()
                after = _BLANK.match(block, pos).end()  # type: ignore[union-attr]
                if (
                    after < end
                    and block[after] not in "{]"
                    and first is not None
                    and (
                        merged
                        or (
                            _KEY_AHEAD.match(block, after) is not None
                            and not block.startswith(key or "{", after)
                        )
                        or (not too_long and not parses("".join(parts)))
                    )
                ):
                    merged = True  # a `{` missing or a `}` too many: the item goes on
                    continue
                item = finish()
                if item is not None:
                    yield item
                start = pos
            elif char != ",":  # a word outside strings
                # A word outside strings, where JSON has none but true, false, null and a
                # number's exponent: if a quote is right before it, or ends its text, the
                # quote that closes or opens its string is missing: read it as string text.
                at = found.start()
                pos = _JSON_WORD.match(block, at).end()  # type: ignore[union-attr]
                word = block[at:pos]
                if word in _JSON_WORDS or _JSON_EXPONENT.fullmatch(word) or at == 0 or pos >= end:
                    continue  # a number's exponent, or a word cut by the block's edge
                run = _UNQUOTED_RUN.match(block, at).end()  # type: ignore[union-attr]
                if block[at - 1] == '"' or (run < end and block[run] == '"'):
                    in_string = broken = True
                    pos = at
                    if column is None:  # in the first item, not added yet
                        learn(block, _BLANK.match(block, start).end())  # type: ignore[union-attr]
                    brace = at - 2  # `{"applicant` hidden in the string: the next item
                    while brace >= 0 and block[brace] in " \t\r\n":
                        brace -= 1
                    if brace >= 0 and block[brace] == "{" and at_key(block, at - 1):
                        add(block, start, brace)
                        item = finish()
                        if item is not None:
                            yield item
                        del stack[1:]
                        stack.append("{")
                        start = brace
                else:
                    pos = max(pos, run)  # a bare word: the item is broken, its quotes are not
        if started and not done:
            add(block, start, end)
        where(block, end)
        newline = block.rfind("\n")
        if newline >= 0:
            carry_col = end - newline - 1
            carry_blank = not block[newline + 1 :].strip(" \t\r")
        else:
            carry_col += end
            carry_blank = carry_blank and not block.strip(" \t\r")
        last = block.rstrip()
        if last:
            tail = last[-1]
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


def _cell(value: Any, source: str = "", line: int | None = None, column: str = "") -> Any:
    """A CSV cell as the type it looks like; the vocabulary check does the rest. A sheet's
    typed cell (number, date, true/false) keeps its type; a number exactly as shown."""
    if not isinstance(value, str):
        return _typed(value)
    text = value.strip()
    if "_" in text:
        return text  # 1_000 is no number here (Python's int() would read it): refused as one
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


def _typed(value: Any) -> Any:
    """A typed cell from a sheet as a profile value: floats as the Decimal they show."""
    if isinstance(value, bool | int | Decimal):
        return value
    if isinstance(value, float):
        number = Decimal(repr(value))
        return int(number) if number == number.to_integral_value() else number
    if isinstance(value, dt.datetime):
        return value.date()
    return value


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


Record = tuple[Line, list[Any] | None, PolicycalcError | None]


def _csv_records(
    lines: Iterator[Line], source: str, limit: int, kinds: Collection[str] | None = None
) -> Iterator[Record]:
    """CSV records: (first line, cells, None) or (first line, None, why it was rejected).

    A quoted cell may hold line ends (RFC 4180; Alt+Enter in Excel) and run over several
    lines; one whose quote never closes (or closes only where the cells no longer fit the
    header, or over lines that are rows of their own) rejects its first line only, and
    reading resumes on the next line, so an unterminated quote never swallows later
    applicants.
    """
    csv.field_size_limit(max(limit, 131072))
    feed = _Feed(lines, limit)
    reader = csv.reader(feed, strict=True)
    width: int | None = None
    id_at = kind_at = -1
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
                names = [c.strip() for c in cells]
                id_at = names.index("id") if "id" in names else -1
                kind_at = names.index("kind") if "kind" in names else -1
            elif len(feed.taken) > 1 and (
                len(cells) != width
                or any(_own_row(x.text, width, id_at, kind_at, kinds) for x in feed.taken[1:])
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


def _own_row(
    text: str | None, width: int, id_at: int, kind_at: int, kinds: Collection[str] | None
) -> bool:
    """A line that, read alone, is a row: every cell of one, an id, and a known fact kind
    (or none). A line of text inside a multi-line cell seldom is."""
    try:
        cells = next(csv.reader([text or ""]), [])
    except csv.Error:
        return False
    if len(cells) < width:
        return False
    if kinds is None or id_at < 0:
        return True
    kind = cells[kind_at].strip() if kind_at >= 0 else ""
    return bool(cells[id_at].strip()) and (not kind or kind in kinds)


def _guess_id(line: Line, at: int) -> str | None:
    """Whose row an unreadable record is: its id cell read loosely, if there is one."""
    text = line.text if line.text is not None else line.guess
    if text is None:
        return None
    try:
        cells = next(csv.reader([text.split("\n", 1)[0]]), [])
    except csv.Error:
        cells = text.split(",")
    return cells[at].strip() if at < len(cells) else None


def column_name(index: int) -> str:
    """A spreadsheet column's letters: 0 → A, 26 → AA."""
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


def _columns(names: list[str], source: str, line: int, vocabulary: Vocabulary | None) -> None:
    """Refuse a table whose columns are not what a batch reads: one line, at the header."""
    where: dict[str, int] = {}
    for index, name in enumerate(names):
        if not name:
            continue
        if name in where:
            error = InputError(
                f"column '{name}' appears twice (columns {column_name(where[name])} and "
                f"{column_name(index)}); keep one",
                source=source,
                line=line,
                field=name,
            )
            error.column = index  # type: ignore[attr-defined]  # a sheet names this cell
            raise error
        where[name] = index
    if "id" not in where:
        raise InputError(
            "a CSV batch needs an 'id' column (layout: README, or estimate --help)"
            + (f"{suggest('id', where)}" if where else ""),
            source=source,
            line=line,
        )
    if vocabulary is None:
        return
    known = {"id", "kind", "date", "product", "note"}
    known.update(f"applicant.{name}" for name in vocabulary.applicant)
    for kind in vocabulary.kinds.values():
        known.update(kind.fields)
    # A fact's product attributes (product.modality, …) and the old form's product_type,
    # modality and drug_class.
    known.update(f"product.{name}" for name in vocabulary.products)
    known.update(LEGACY_KEYS)
    for name in where:
        if name not in known:
            what = "applicant field" if name.startswith("applicant.") else "column"
            raise InputError(
                f"unknown {what} '{name}'{suggest(name, known)} (`policycalc facts` lists the "
                "fields)",
                source=source,
                line=line,
                field=name,
            )


def _table(records: Iterator[Record], source: str, vocabulary: Vocabulary | None) -> Iterator[Item]:
    """Applicants from table rows (CSV or a sheet), one row per fact.

    The rows of one applicant are the consecutive rows with its id. A row that fails, for
    any reason, rejects its whole applicant, naming every failing row: an applicant is never
    split into parts estimated apart. An id met again after other applicants is a duplicate,
    rejected, naming where it was first read.
    """
    head = next(records, None)
    if head is None:
        raise InputError("the CSV batch is empty", source=source)
    first, header, error = head
    if error is not None:
        raise error
    assert header is not None
    names = [str(n).strip() if n is not None else "" for n in header]
    _columns(names, source, first.number, vocabulary)
    at = names.index("id")
    number = 0
    seen = SeenIds()
    group: _Applicant | None = None
    for line, cells, bad in records:
        if cells is None:
            ident = _guess_id(line, at)
            if ident is None and group is not None:
                ident = group.ident
        else:
            value = cells[at] if at < len(cells) else None
            ident = "" if value is None else _text_cell(value).strip()
        if group is not None and ident == group.ident:
            group.add(line, cells, bad, names)
            continue
        if group is not None:
            yield group.item()
        number += 1
        group = _Applicant(number, ident, line.number, source)
        if ident is None:
            pass
        elif not ident:
            group.fail(
                InputError("the 'id' column is empty", source=source, line=line.number, field="id")
            )
        elif (earlier := seen.first(ident, line.number)) is not None:
            group.fail(
                InputError(
                    f"applicant '{ident}' was already read at line {earlier}; the rows of "
                    "one applicant go next to each other (sort the rows by id)",
                    source=source,
                    line=line.number,
                    field="id",
                )
            )
        group.add(line, cells, bad, names)
    if group is not None:
        yield group.item()


class _Applicant:
    """The rows of one applicant being gathered, and what failed in them."""

    def __init__(self, number: int, ident: str | None, line: int, source: str) -> None:
        self.number = number
        self.ident = ident
        self.line = line
        self.source = source
        self.data: dict[str, Any] = {"applicant": {"id": ident or ""}, "facts": []}
        self.failures: list[PolicycalcError] = []

    def fail(self, error: PolicycalcError) -> None:
        self.failures.append(error)

    def add(
        self, line: Line, cells: list[Any] | None, bad: PolicycalcError | None, names: list[str]
    ) -> None:
        if bad is not None:
            self.fail(bad)
            return
        assert cells is not None
        try:
            if len(cells) > len(names):
                raise InputError("more cells than columns", source=self.source, line=line.number)
            _csv_row(self.data, dict(zip(names, cells, strict=False)), self.source, line.number)
        except InputError as exc:
            self.fail(exc)

    def item(self) -> Item:
        if not self.failures:
            return Item(self.number, self.line, self.data)
        return Item(self.number, self.line, error=joined(self.failures))


def joined(failures: Sequence[PolicycalcError]) -> PolicycalcError:
    """Several failures of one applicant as one error: the first, carrying the others (one
    stderr line names them all; see `_error_line`)."""
    first = failures[0]
    if len(failures) == 1:
        return first
    error = copy.copy(first)
    error.others = list(failures[1:])
    return error


def _csv_row(data: dict[str, Any], row: dict[str, Any], source: str, line: int) -> None:
    fact: dict[str, Any] = {}
    for column, value in row.items():
        if column is None:
            raise InputError("more cells than columns", source=source, line=line)
        if column == "id" or value is None or (isinstance(value, str) and not value.strip()):
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
        elif not column:
            raise InputError(
                f"a cell under a column without a name ('{str(value)[:40]}')",
                source=source,
                line=line,
            )
        else:
            keep = column in ("product", "note", "kind")
            fact[column] = _text_cell(value) if keep else _cell(value, source, line, column)
    if fact:
        if "kind" not in fact:
            raise InputError(
                "a row with fact fields needs a 'kind'", source=source, line=line, field="kind"
            )
        fact["_line"] = line
        data["facts"].append(fact)


def _text_cell(value: Any) -> str:
    """A text column's cell (product, note, kind) as text, whatever type a sheet gave it."""
    if isinstance(value, str):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# ------------------------------------------------------------------ the work


@dataclass(frozen=True)
class Job:
    ruleset: Ruleset
    as_of: dt.date
    lang: Lang
    summary: bool
    source: str
    fmt: OutputFormat = OutputFormat.jsonl  # jsonl, csv (text the workers write) or xlsx
    mode: BatchMode = "estimate"  # opportunities: one row per opportunity
    sheet: tuple[str, tuple[str, ...]] | None = None  # a workbook's sheet: its name and columns
    top: int = 0  # opportunities: only each applicant's N with the most money at stake

    @property
    def columns(self) -> list[str]:
        match self.mode:
            case "opportunities":
                from .render.opportunities import OPPORTUNITY_COLUMNS, STAKE_COLUMNS

                return STAKE_COLUMNS if self.summary else OPPORTUNITY_COLUMNS
            case "estimate":
                return SUMMARY_COLUMNS if self.summary else AWARD_COLUMNS
            case _:
                assert_never(self.mode)


_JOB: Job | None = None  # set in the parent before worker processes fork


def set_job(job: Job) -> None:
    global _JOB
    _JOB = job


def process(item: Item) -> tuple[Any, int, str | None]:
    """Estimate one applicant: its output text and number of rows, or an error line."""
    job = _JOB
    assert job is not None
    _ESTIMATED[0] = None
    rows, error = _rows(item, job)
    if error is not None:
        return "", 0, error
    if isinstance(rows, _Lines):  # already written and escaped (award_lines, award_cells)
        return rows.text, rows.rows, None
    if job.fmt is OutputFormat.xlsx:  # rows for the parent's workbook: (sheet, row) pairs
        return rows, sum(1 for name, _ in rows if name != "summary" or job.summary), None
    return _text(rows, job), len(rows), None


class _Lines(NamedTuple):
    """An applicant's rows as the text written (JSON Lines or CSV), and how many."""

    text: str
    rows: int


def _text(rows: Sequence[Mapping[str, Any]], job: Job) -> str:
    if job.fmt is OutputFormat.csv:
        return csv_text(rows, job.columns)
    encode = JSON_ROW.encode
    return escaped("".join(encode(row) + "\n" for row in rows))


def _rows(item: Item, job: Job) -> tuple[Sequence[Mapping[str, Any]] | _Lines, str | None]:
    if item.error is not None:
        return [], _error_line(item.error, item, job)
    try:
        if item.text is None:
            data, one_line = item.data, False
        else:
            data, one_line = _record(item.text, item, job)
        if not one_line:
            _facts_with_lines(data, item)
        try:
            profile = build_profile(data, job.ruleset, job.source, item.line)
        except PolicycalcError as exc:
            if one_line:
                _facts_with_lines(data, item)
            raise _every_failure(data, exc, job, item) from None
        ident = profile.applicant.get("id")
        _ESTIMATED[0] = None if ident is None else str(ident)
        if job.mode == "opportunities":
            return _opportunity_rows(profile, item, job), None
        result = estimate(job.ruleset, profile, job.as_of, trace=False)
    except PolicycalcError as exc:
        return [], _error_line(exc, item, job)
    except (RecursionError, MemoryError, ValueError, ArithmeticError) as exc:
        # A record too deep, too big or too odd to compute: its own failure, not the batch's.
        what = "too deeply nested" if isinstance(exc, RecursionError) else type(exc).__name__
        problem = InputError(f"this record cannot be estimated ({what})", source=job.source)
        return [], _error_line(problem, item, job)
    lapsed = {x.document.id for x in result.excluded if x.stage == "validity"}
    if lapsed:
        _LAPSED.update(lapsed)
    if job.fmt is OutputFormat.xlsx:
        pairs: list[Any] = []
        if not job.summary:
            pairs = [
                ("awards", row) for row in award_rows(result, job.lang, item.line, item.number)
            ]
        pairs.append(("summary", summary_row(result, item.line, item.number, job.lang)))
        return pairs, None
    if job.summary:
        return [summary_row(result, item.line, item.number, job.lang)], None
    if job.fmt is OutputFormat.jsonl:
        return _Lines(*award_lines(result, job.lang, item.line, item.number)), None
    if job.fmt is OutputFormat.csv:
        table = award_cells(result, job.lang, item.line, item.number)
        if not _CSV:
            _CSV.append(csv_writer())  # one per process: a batch estimates one at a time
        return _Lines(csv_table(table, _CSV[0]), len(table)), None
    return award_rows(result, job.lang, item.line, item.number), None


def _facts_with_lines(data: Any, item: Item) -> None:
    """A profile's facts as a LineList with each fact's line: a CSV row's fact carries its
    own (`_line`, taken out), any other fact has the record's."""
    if isinstance(data, dict) and isinstance(data.get("facts"), list):
        facts = LineList(data["facts"])
        facts.line = item.line
        facts.item_lines = [
            f.pop("_line", item.line or 0) if isinstance(f, dict) else item.line or 0
            for f in data["facts"]
        ]
        data["facts"] = facts


def _record(text: str, item: Item, job: Job) -> tuple[Any, bool]:
    """A JSON record's data, and whether all its facts are on the record's line: so when its
    text holds no "_line" key (nor a \\u escape that could spell one), and then its facts are
    not wrapped in a LineList unless an error is to be worded (each fact's line would be the
    record's alike). The general path: parse_json, and False."""
    escapes = "\\u" in text
    data = _plain_json(text) if not escapes and text.isascii() else None
    if data is None:
        data = parse_json(text, job.source, item.line)
    return data, not escapes and "_line" not in text


# parse_json's decoder and hooks, for the text of a record that is plain ASCII without a
# \u escape: it cannot decode to a lone surrogate (only a \u escape can make one of ASCII),
# so parse_json's scan for one is skipped. Any failure is parse_json's to word: None.
_PLAIN_JSON = json.JSONDecoder(
    parse_float=Decimal, object_pairs_hook=_no_duplicates, parse_constant=_reject_constant
)


def _plain_json(text: str) -> Any:
    try:
        return _PLAIN_JSON.decode(text)
    except (ValueError, RecursionError):
        return None


_FACT_AT = re.compile(r"facts\[(\d+)\]")
_CSV: list[tuple[Any, Any]] = []  # the process's csv_writer() for award_cells' rows
_ESTIMATED: list[str | None] = [None]  # the id of the applicant `process` estimated last


def _every_failure(data: Any, first: PolicycalcError, job: Job, item: Item) -> PolicycalcError:
    """All the facts of an applicant that fail, as one error: after the first, the profile is
    checked again without each failing fact in turn (only when something failed)."""
    facts = data.get("facts") if isinstance(data, dict) else None
    if not isinstance(facts, LineList):
        return first
    failures = [first]
    kept = list(range(len(facts)))  # the original position of each fact still checked
    error = first
    for _ in range(20):
        found = _FACT_AT.match(error.field or "")
        if found is None or int(found.group(1)) >= len(kept):
            break
        del kept[int(found.group(1))]
        rest = LineList([facts[k] for k in kept])
        rest.line = facts.line
        rest.item_lines = [facts.line_of(k) or 0 for k in kept]
        try:
            build_profile({**data, "facts": rest}, job.ruleset, job.source, item.line)
            break
        except PolicycalcError as exc:
            error = exc
            again = _FACT_AT.match(exc.field or "")
            shown = copy.copy(exc)
            if again is not None and int(again.group(1)) < len(kept):
                shown.field = (
                    f"facts[{kept[int(again.group(1))]}]{(exc.field or '')[again.end() :]}"
                )
            failures.append(shown)
    return joined(failures)


def _opportunity_rows(profile: Any, item: Item, job: Job) -> Sequence[Mapping[str, Any]]:
    from .opportunities import find_opportunities
    from .render.opportunities import opportunity_rows, stake_row

    found = find_opportunities(job.ruleset, profile, job.as_of)
    if job.top:
        found = found._replace(items=found.items[: job.top])
    rows: list[Any]
    if job.summary:
        rows = [stake_row(found, item.line, item.number)]
    else:
        rows = list(opportunity_rows(found, job.lang, item.line, item.number))
    if job.fmt is OutputFormat.xlsx:
        sheet = "summary" if job.summary else "opportunities"
        return [(sheet, row) for row in rows]  # type: ignore[misc]
    return rows


def _error_line(error: PolicycalcError, item: Item, job: Job | None = None) -> str:
    """An applicant's error as one line: where and what, then every other failing row."""
    if error.line is None and item.line is not None:
        error.line = item.line
    sheet = job.sheet if job is not None else None
    text = placed(error, sheet)
    if error.others:
        more = "; ".join(placed(other, sheet, short=True) for other in error.others)
        text += f" (the applicant is rejected whole; also {more})"
    return text


def placed(
    error: PolicycalcError, sheet: tuple[str, tuple[str, ...]] | None, short: bool = False
) -> str:
    """An error with its place: FILE:LINE: FIELD, or for a sheet FILE: Sheet1!C7: FIELD.
    `short`: without the file (the other failures of an applicant already named it)."""
    if sheet is None:
        if not short:
            return str(error)
        shown = copy.copy(error)
        shown.source = None  # `line N: field: what`
        return str(shown)
    title, names = sheet
    field = error.field or ""
    found = _FACT_AT.match(field)
    column = field[found.end() + 1 :] if found is not None else field
    row = error.line
    at = getattr(error, "column", None)
    if row is None:
        cell = title
    elif at is not None:
        cell = f"{title}!{column_name(at)}{row}"
    elif column in names:
        cell = f"{title}!{column_name(names.index(column))}{row}"
    else:
        cell = f"{title}!{row}:{row}"
    shown = copy.copy(error)
    shown.source, shown.line = (None if short else f"{error.source}: {cell}"), None
    text = str(shown)
    return f"{cell}: {text}" if short else text


# ------------------------------------------------------------------ writers


def header(job: Job, bom: bool = False) -> str:
    """What the output starts with: a CSV header (and BOM), nothing for JSON Lines."""
    if job.fmt is not OutputFormat.csv:
        return ""
    return csv_header(job.columns, bom)


@dataclass
class Counts:
    read: int = 0
    estimated: int = 0
    rejected: int = 0
    rows: int = 0
    # the ids of the records written, to find a repeated id (None: the reader does that)
    ids: SeenIds | None = None
    last: int = 0  # the record of the last row written (a record's rows come together)
    repeated: int = 0  # records whose id was already used
    repeat: str | None = None  # the first of them, in words
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
    kind: InputFormat,
    job: Job,
    out: IO[str],
    report: Callable[[str], None],
    jobs: int = 1,
    progress: Callable[[int], None] | None = None,
    chunk: int = 512,
    encoding: str = AUTO,
    limit: int = MAX_RECORD,
    note: Callable[[str], None] | None = None,
    sheet: str | None = None,
) -> Counts:
    """Read applicants from `stream` (binary; a text stream is accepted), estimate each and
    write its text in input order; bad ones go to `report`.

    Input is read one record at a time (JSON Lines a block of whole lines at a time) and
    handed on in slices of at most `chunk` records and about CHUNK_BYTES of text, so memory
    stays flat however long the batch is, and no record longer than `limit` bytes is ever
    held whole.
    """
    tasks: Iterator[tuple[Any, ...]]
    if kind == "xlsx":
        from .workbook import read_sheet

        title, names, records = read_sheet(as_binary(stream), job.source, sheet)
        job = replace(job, sheet=(title, tuple(names)))
        placed = _placed_items(_table(records, job.source, job.ruleset.vocabulary), job)
        tasks = _item_tasks(placed, chunk)
    elif kind == "jsonl":
        tasks = _jsonl_tasks(as_binary(stream), job.source, encoding, limit, note, chunk, job.lang)
    else:
        vocabulary = job.ruleset.vocabulary
        items = read_items(stream, kind, job.source, encoding, limit, note, vocabulary, job.lang)
        tasks = _item_tasks(items, chunk)
    set_job(job)
    import gc

    gc.freeze()  # the ruleset lives for the whole run: keep it out of every collection
    counts = Counts()
    if kind not in ("csv", "xlsx"):  # a table's reader finds repeated ids itself
        counts.ids = SeenIds()
    if jobs <= 1:
        for task in tasks:
            _write_many(process_task(task), out, report, counts, progress, note)
        return counts
    workers = _Workers(jobs)
    if len(workers.pids) < jobs and note is not None:
        started = len(workers.pids)
        how = word("note_workers_some" if started else "note_workers_none", job.lang)
        note(
            said(
                "note_workers",
                job.lang,
                started=started,
                jobs=jobs,
                failure=workers.failure,
                how=how,
            )
        )
    if not workers.pids:  # not a single process could be forked: the work is done here
        for task in tasks:
            _write_many(process_task(task), out, report, counts, progress)
        return counts
    jobs = len(workers.pids)
    sink: Any = _Sink(out)
    with workers:
        # Task k goes to worker k % jobs; two in flight per worker; results read in order.
        window = 2 * jobs
        sent = 0
        for task in tasks:
            if sent >= window:
                _write_many(
                    workers.receive((sent - window) % jobs), sink, report, counts, progress, note
                )
            workers.send(sent % jobs, task)
            sent += 1
        for k in range(max(0, sent - window), sent):
            _write_many(workers.receive(k % jobs), sink, report, counts, progress, note)
    return counts


class _Sink:
    """Where the workers' results go. A worker sends its text as UTF-8 bytes (a str is
    pickled as UTF-8 anyway, and decoding it here only to encode it again on writing costs
    this process, which every worker waits on, a tenth of a second per 100 MB). They are
    written to the byte stream under `out` when that is the same as writing their text:
    `out` a UTF-8 TextIOWrapper that is not line-buffered, on a system whose line end is
    LF (the streams this program makes translate no line end there); otherwise decoded."""

    def __init__(self, out: IO[str]) -> None:
        self.out = out
        self.layer: IO[bytes] | None = None
        if isinstance(out, io.TextIOWrapper) and not out.line_buffering and os.linesep == "\n":
            with suppress(LookupError):
                if codecs.lookup(out.encoding).name == "utf-8":
                    self.layer = out.buffer

    def write(self, text: str | bytes) -> None:
        if isinstance(text, str):
            self.out.write(text)
        elif self.layer is None:
            self.out.write(text.decode("utf-8"))
        else:
            self.out.flush()  # what was written as text first
            self.layer.write(text)


def _placed_items(items: Iterator[Item], job: Job) -> Iterator[Item]:
    """A sheet's applicants; a refusal of the whole sheet names its cell (Sheet1!C1)."""
    try:
        yield from items
    except PolicycalcError as exc:
        raise type(exc)(placed(exc, job.sheet)) from None


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
        self.failure = ""  # why fewer workers than asked could be started
        sys.stdout.flush()
        sys.stderr.flush()
        with signals_blocked():  # a worker never runs the parent's signal handlers
            for _ in range(jobs):
                opened: list[int] = []
                try:  # a process limit or no memory: work with the workers there are
                    task_r, task_w = os.pipe()
                    opened += (task_r, task_w)
                    result_r, result_w = os.pipe()
                    opened += (result_r, result_w)
                    pid = os.fork()
                except OSError as exc:
                    for fd in opened:
                        os.close(fd)
                    self.failure = os.strerror(exc.errno) if exc.errno else str(exc)
                    break
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
                _widen(task_w)
                _widen(result_r)
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


def _widen(fd: int) -> None:
    """Let a pipe hold 1 MiB (Linux; 64 KiB by default): a worker's result (about 500 KiB
    of text for 512 applicants) then waits in the pipe, not in a blocked write. Where the
    system refuses (another kernel, a lower pipe-max-size), the pipe stays as it is."""
    with suppress(OSError, AttributeError, ImportError):
        import fcntl

        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, 1 << 20)


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
    """A worker's life: read tasks (in a thread), estimate each, send the results back (in
    another thread: the parent reads results in task order, so a result can wait in the pipe
    while the parent reads another worker's; meanwhile this one goes on estimating)."""
    import queue
    import threading

    from .output import worker_signals

    worker_signals()
    tasks: queue.SimpleQueue[Any] = queue.SimpleQueue()
    results: queue.SimpleQueue[Any] = queue.SimpleQueue()  # at most the tasks in flight

    def read() -> None:
        with open(task_fd, "rb") as source:
            while True:
                task = _receive(source)
                tasks.put(task)
                if task is None:
                    return

    def write() -> None:
        try:
            with open(result_fd, "wb") as out:
                while (result := results.get()) is not None:
                    _send(out, _as_utf8(result))
        except BaseException:  # the parent is gone (or killing this worker): stop here
            os._exit(1)

    threading.Thread(target=read, daemon=True).start()
    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    while (task := tasks.get()) is not None:
        results.put(process_task(task))
    results.put(None)
    writer.join()


def _as_utf8(result: tuple[Any, ...]) -> tuple[Any, ...]:
    """A result with its text as UTF-8 bytes (for _Sink), unless it holds a lone surrogate:
    then as it is, for the parent's stream to treat as it would treat it in one process."""
    if isinstance(result[0], str):
        with suppress(UnicodeEncodeError):
            return (result[0].encode("utf-8"), *result[1:])
    return result


def process_task(
    task: tuple[Any, ...],
) -> tuple[Any, int, list[tuple[int, str]], int, Counter[str], list[Any]]:
    """A slice: joined output text (rows for a workbook), row count, errors by position, its
    size, the documents not in force whose measures matched (applicants per document), and
    each applicant written (its id, number, line, output size and rows)."""
    part = task[1] if task[0] == "items" else _line_items(*task[1:])
    texts: list[Any] = []
    rows = 0
    errors: list[tuple[int, str]] = []
    # Each applicant written: its id, line, length of output and rows (duplicates are found
    # by the parent, which sees every slice).
    written: list[tuple[str | None, int, int | None, int, int]] = []
    for position, item in enumerate(part):
        text_out, count, error = process(item)
        if error is not None:
            errors.append((position, error))
        else:
            texts.append(text_out)
            rows += count
            written.append((_ESTIMATED[0], item.number, item.line, len(text_out), count))
    joined_out: Any = (
        [pair for text in texts for pair in text]
        if _JOB is not None and _JOB.fmt is OutputFormat.xlsx
        else "".join(texts)
    )
    return joined_out, rows, errors, len(part), _drain_lapsed(), written


def _write_many(
    result: tuple[Any, ...],
    out: IO[str],
    report: Callable[[str], None],
    counts: Counts,
    progress: Callable[[int], None] | None,
    note: Callable[[str], None] | None = None,
) -> None:
    text, rows, errors, size, lapsed, written = result
    counts.lapsed.update(lapsed)
    if counts.ids is not None:
        for ident, number, line, _, _ in written:
            if number == counts.last:
                continue  # another row of the same record
            counts.last = number
            if ident is not None:
                first = counts.ids.first(ident, -1 if line is None else line)
                if first is not None:
                    counts.repeated += 1
                    if counts.repeat is None:
                        counts.repeat = _duplicate(ident, line, None if first < 0 else first)
    for _, error in errors:
        report(error)
    counts.read += size
    counts.rejected += len(errors)
    counts.estimated += size - len(errors)
    counts.rows += rows
    out.write(text)
    if progress is not None:
        progress(size)


def _duplicate(ident: str, line: int | None, first: int | None) -> str:
    """Where an id was used again: `FILE:LINE: id: 'a' (first used at line 1)`."""
    job = _JOB
    said = InputError(
        f"'{ident}' (first used at line {first})",
        source=job.source if job is not None else None,
        line=line,
        field="id",
    )
    return str(said)  # str() shows control characters escaped


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
