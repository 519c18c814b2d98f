"""JSON Lines read a block at a time (batch._jsonl_tasks) against the line-by-line reader it
stands in for, and the parallel run's byte path (batch._Sink, batch._as_utf8)."""

from __future__ import annotations

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policycalc import batch


def _by_lines(raw: bytes, encoding: str, limit: int) -> tuple[list[tuple], list[str]]:
    """The general reader: each line read, decoded and checked on its own."""
    notes: list[str] = []
    stream = batch._line_ends(io.BufferedReader(io.BytesIO(raw)))  # type: ignore[arg-type]
    lines = batch.read_lines(stream, "f.jsonl", encoding, limit, notes.append)
    return [_said(item) for item in batch._jsonl(lines)], notes


def _by_blocks(raw: bytes, encoding: str, limit: int, chunk: int) -> tuple[list[list], list[str]]:
    notes: list[str] = []
    tasks = batch._jsonl_tasks(io.BytesIO(raw), "f.jsonl", encoding, limit, notes.append, chunk)
    parts = [
        [_said(item) for item in (task[1] if task[0] == "items" else batch._line_items(*task[1:]))]
        for task in tasks
    ]
    return parts, notes


def _said(item: batch.Item) -> tuple:
    error = item.error
    return (item.number, item.line, item.data, item.text,
            None if error is None else (type(error).__name__, str(error)))


LINES = st.sampled_from([
    b'{"applicant": {"id": "a"}}', b"", b"  ", b"\t", b"\r", "\u3000".encode(),
    b"\x1c", "\u2028".encode(), b"\xef\xbb\xbf{}", "{\"n\": \"\u4e2d\u6587\"}".encode(),
    "\u00e9".encode(), "{\"n\": \"\u4e2d\u6587\"}".encode("gbk"), b"\xff\xfe", b"x" * 30,
    b"y" * 12, b"{}",
])


@settings(max_examples=400, deadline=None)
@given(
    lines=st.lists(LINES, max_size=14),
    crlf=st.booleans(),
    last_end=st.booleans(),
    encoding=st.sampled_from(["auto", "utf-8", "gbk", "latin-1"]),
    limit=st.integers(4, 40),
    block=st.integers(1, 48),
    chunk=st.integers(1, 5),
)
def test_blocks_give_the_same_applicants_lines_errors_and_notes_as_lines(
    lines, crlf, last_end, encoding, limit, block, chunk
):
    """Every applicant with its number, line, text or error, and every note, as the
    line-by-line reader gives them, in the same order; tasks hold at most `chunk` applicants,
    and every task before the last "lines" task holds exactly `chunk` (equal shares)."""
    end = b"\r\n" if crlf else b"\n"
    raw = end.join(lines) + (end if last_end and lines else b"")
    want, want_notes = _by_lines(raw, encoding, limit)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(batch, "JSONL_BLOCK", block)
        parts, notes = _by_blocks(raw, encoding, limit, chunk)
    assert [item for part in parts for item in part] == want
    assert notes == want_notes
    assert all(0 < len(part) <= chunk for part in parts)


def test_blank_lines_and_an_open_last_line_by_hand():
    # Lines: 1 an applicant, 2 empty, 3 spaces, 4 an ideographic space, 5 an applicant ending
    # in CRLF, 6 an applicant with no line end: three applicants, on lines 1, 5 and 6.
    raw = '{"a":1}\n\n   \n\u3000\n{"b":2}\r\n{"c":3}'.encode()
    parts, notes = _by_blocks(raw, "auto", 1 << 20, 2)
    assert parts == [
        [(1, 1, None, '{"a":1}\n', None), (2, 5, None, '{"b":2}\r\n', None)],
        [(3, 6, None, '{"c":3}', None)],
    ]
    assert notes == []


def test_a_gbk_line_after_the_first_block_rejects_that_line_only(monkeypatch):
    # Five UTF-8 applicants, then one line in GBK, then two more: blocks of 16 bytes put the
    # GBK line well after the first block. Read as UTF-8 (decided by line 2's Chinese), the
    # GBK line is its own error at line 6; lines 7 and 8 are still applicants 7 and 8.
    good = ['{"n":"x"}', '{"n":"中"}', '{"n":"x"}', '{"n":"x"}', '{"n":"x"}']
    raw = ("\n".join(good) + "\n").encode() + '{"n":"中"}'.encode("gbk") + b"\n"
    raw += b'{"n":"y"}\n{"n":"z"}\n'
    monkeypatch.setattr(batch, "JSONL_BLOCK", 16)
    parts, _ = _by_blocks(raw, "auto", 1 << 20, 3)
    items = [item for part in parts for item in part]
    assert [(number, line) for number, line, *_ in items] == [(n, n) for n in range(1, 9)]
    assert [number for number, _, _, _, error in items if error is not None] == [6]
    assert "not UTF-8 text" in items[5][4][1]


def test_tasks_take_equal_shares_across_blocks(monkeypatch):
    # 10 applicants of 8 bytes each ('{"i":N}' and a line end), blocks of 20 bytes (two and
    # a half lines), chunk 4: tasks of 4, 4 and 2 applicants, whatever the block bounds.
    raw = b"".join(b'{"i":%d}\n' % n for n in range(10))
    monkeypatch.setattr(batch, "JSONL_BLOCK", 20)
    parts, _ = _by_blocks(raw, "auto", 1 << 20, 4)
    assert [len(part) for part in parts] == [4, 4, 2]
    assert [item[1] for part in parts for item in part] == list(range(1, 11))


def test_the_sink_writes_worker_bytes_under_a_utf8_stream_after_its_text():
    buffer = io.BytesIO()
    out = io.TextIOWrapper(buffer, encoding="utf-8", newline="")
    sink = batch._Sink(out)
    assert sink.layer is out.buffer
    out.write("header\n")
    sink.write("甲\n".encode())
    sink.write("乙\n")
    out.flush()
    assert buffer.getvalue().decode() == "header\n甲\n乙\n"


@pytest.mark.parametrize("out", [
    io.StringIO(),
    io.TextIOWrapper(io.BytesIO(), encoding="gbk", newline=""),
    io.TextIOWrapper(io.BytesIO(), encoding="utf-8", line_buffering=True),
])
def test_the_sink_decodes_for_any_other_stream(out):
    sink = batch._Sink(out)
    assert sink.layer is None
    sink.write("甲\n".encode())
    out.flush()
    if isinstance(out, io.StringIO):
        assert out.getvalue() == "甲\n"
    else:
        assert out.buffer.getvalue() == "甲\n".encode(out.encoding)


def test_a_result_with_a_lone_surrogate_stays_text():
    assert batch._as_utf8(("a\udc80", 1))[0] == "a\udc80"
    assert batch._as_utf8(("中", 1)) == ("中".encode(), 1)
    assert batch._as_utf8(([("sheet", {})], 1))[0] == [("sheet", {})]
