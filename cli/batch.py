"""Batch estimation: many profiles in, one stream of rows out, bad rows reported and skipped.

Input: JSON Lines (one profile per line), a JSON or YAML list of profiles, or CSV with one
row per fact (layout in the README and `estimate --help`). Output streams in input order as JSON Lines or CSV, one row
per award or (summary) one row per applicant. Work can be spread over processes; memory
stays flat because input is read and written in bounded chunks.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any, NamedTuple

from .engine import estimate
from .errors import InputError, PolicycalcError
from .lines import LineList
from .model import Lang, Ruleset
from .profile import build_profile, grouped_number, parse_json
from .render.machine import csv_header, csv_text
from .render.rows import AWARD_COLUMNS, SUMMARY_COLUMNS, award_rows, num, summary_row
from .yamlsafe import load_yaml

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
        yield Item(number, line_no, text=line)


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
    grouped = grouped_number(text)
    if grouped is not None:
        return grouped
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
        raise InputError(
            "a CSV batch needs an 'id' column (layout: README, or estimate --help)",
            source=source,
            line=1,
        )
    number = 0
    current: str | None = None
    start = 0
    data: dict[str, Any] | None = None
    error: PolicycalcError | None = None
    for row in reader:
        line = reader.line_num
        ident = (row.get("id") or "").strip()
        if ident != current or data is None:
            if data is not None:
                yield Item(number, start, data, error)
            number += 1
            current, start, error = ident, line, None
            data = {"applicant": {"id": ident}, "facts": []}
            if not ident:
                error = InputError("the 'id' column is empty", source=source, line=line, field="id")
        if error is not None:
            continue
        try:
            _csv_row(data, row, source, line)
        except InputError as exc:
            error = exc
    if data is not None:
        yield Item(number, start, data, error)


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
    dumps = json.dumps
    return "".join(dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n" for row in rows)


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


def run(
    stream: IO[str],
    kind: str,
    job: Job,
    out: IO[str],
    report: Callable[[str], None],
    jobs: int = 1,
    progress: Callable[[int], None] | None = None,
    chunk: int = 512,
) -> Counts:
    """Read applicants from `stream`, estimate each and write its text in input order; bad
    ones go to `report`.

    Input is taken in chunks, so memory stays flat however long it is. With several jobs the
    workers take whole slices: for JSON Lines the raw lines themselves, so the parent does
    little but read and write.
    """
    set_job(job)
    import gc

    gc.freeze()  # the ruleset lives for the whole run: keep it out of every collection
    counts = Counts()
    if jobs <= 1:
        for part in _chunks(read_items(stream, kind, job.source), chunk):
            results = [process(item) for item in part]
            errors = [(i, e) for i, (_, _, e) in enumerate(results) if e is not None]
            text = "".join(t for t, _, e in results if e is None)
            _write_many(
                (text, sum(r for _, r, _ in results), errors, len(part)),
                out,
                report,
                counts,
                progress,
            )
        return counts
    tasks: Iterator[Any]
    if kind == "jsonl":
        tasks = _line_tasks(stream, chunk)
    else:
        tasks = (("items", part) for part in _chunks(read_items(stream, kind, job.source), chunk))
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


def _line_tasks(stream: IO[str], size: int) -> Iterator[tuple[str, int, int, list[str]]]:
    """Raw JSON Lines in slices: ("lines", first line, first applicant number, lines)."""
    import itertools

    line_no, number = 1, 1
    while True:
        lines = list(itertools.islice(stream, size))
        if not lines:
            return
        if line_no == 1:
            lines[0] = lines[0].lstrip("\ufeff")
        yield ("lines", line_no, number, lines)
        line_no += len(lines)
        number += sum(1 for line in lines if line.strip())


def process_task(task: tuple[Any, ...]) -> tuple[str, int, list[tuple[int, str]], int]:
    """A worker's slice: joined output text, row count, errors by position, and its size."""
    if task[0] == "lines":
        _, line_no, number, lines = task
        part = []
        for offset, line in enumerate(lines):
            if line.strip():
                part.append(Item(number, line_no + offset, text=line))
                number += 1
    else:
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
    return "".join(texts), rows, errors, len(part)


def _write_many(
    result: tuple[str, int, list[tuple[int, str]], int],
    out: IO[str],
    report: Callable[[str], None],
    counts: Counts,
    progress: Callable[[int], None] | None,
) -> None:
    text, rows, errors, size = result
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
    for item in items:
        part.append(item)
        if len(part) >= size:
            yield part
            part = []
    if part:
        yield part


__all__ = ["Item", "Job", "header", "num", "read_items", "run"]
