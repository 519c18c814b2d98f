"""stderr's messages follow --lang (issue 17, "Terminal and help"): the batch count line, the
batch notes and "wrote FILE" are Chinese under the default zh and English under en, while an
`Error:` line is English in both."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from policycalc import batch
from policycalc.app import app
from policycalc.render.words import said, word
from policycalc.rulesets import load_ruleset

runner = CliRunner()
AS_OF = "2023-06-30"
EXAMPLE = str(Path(__file__).resolve().parent.parent / "examples" / "kunming-cell.yaml")


def record(ident: str, amount: object = 1000) -> str:
    # Kunming （九）: a renovation invoice; --summary writes one row per applicant.
    return json.dumps({
        "applicant": {"id": ident, "region": "kunming"},
        "facts": [{"kind": "renovation", "date": "2021-03-15", "invoice_amount": amount}],
    }) + "\n"


def batch_file(tmp_path: Path, *records: str) -> Path:
    path = tmp_path / "in.jsonl"
    path.write_text("".join(records), encoding="utf-8")
    return path


def stderr_lines(*args: str) -> list[str]:
    result = runner.invoke(app, list(args))
    assert result.exit_code in (0, 1), result.stderr
    return result.stderr.splitlines()


@pytest.mark.parametrize(("lang", "said"), [
    ("zh", "读入 3 个申请主体：估算 2 个，拒收 1 个；写出 2 行"),
    ("en", "3 applicants read: 2 estimated, 1 rejected; 2 rows written"),
])
def test_the_batch_count_line_follows_lang(tmp_path, lang, said):
    path = batch_file(tmp_path, record("a"), record("b", "x"), record("c"))
    lines = stderr_lines("estimate", "--batch", str(path), "--as-of", AS_OF, "--summary",
                         "--lang", lang)
    assert lines[-1] == said
    # The rejected record's line is an Error: line, English in both languages.
    assert [x for x in lines if x.startswith("Error:")] == [
        f"Error: {path}:2: facts[0].invoice_amount: expected an amount in 万元, found text"]


@pytest.mark.parametrize(("lang", "said"), [
    ("zh", "读入 2 个申请主体：查看 2 个，拒收 0 个；写出 2 行"),
    ("en", "2 applicants read: 2 looked at, 0 rejected; 2 rows written"),
])
def test_the_opportunities_count_line_follows_lang(tmp_path, lang, said):
    path = batch_file(tmp_path, record("a"), record("b"))
    lines = stderr_lines("opportunities", "--batch", str(path), "--as-of", AS_OF, "--top", "1",
                         "--lang", lang)
    assert lines[-1] == said


@pytest.mark.parametrize(("lang", "said"), [
    ("zh", "提示：2 条记录使用了前面已用过的 id，该 id 的行来自不止一条记录；第一处："
           "{path}:3: id: 'a' (first used at line 1)"),
    ("en", "Note: 2 records reuse an id already used, so rows with that id come from more than "
           "one record; the first: {path}:3: id: 'a' (first used at line 1)"),
])
def test_the_repeated_id_note_follows_lang(tmp_path, lang, said):
    path = batch_file(tmp_path, record("a"), record("b"), record("a"), record("b"))
    lines = stderr_lines("estimate", "--batch", str(path), "--as-of", AS_OF, "--summary",
                         "--lang", lang)
    assert said.format(path=path) in lines


@pytest.mark.parametrize(("lang", "said"), [
    ("zh", "提示：只在前 2 条记录中检查了 id 是否重复（从第 3 行起，重复的 id 不再发现）"),
    ("en", "Note: ids were checked for repeats among the first 2 records only (from line 3 on, "
           "a repeated id is not noticed)"),
])
def test_the_ids_checked_note_follows_lang(tmp_path, monkeypatch, lang, said):
    from policycalc import seen

    monkeypatch.setattr(seen, "CAPACITY", 2)  # the first 2 ids remembered, then no more
    path = batch_file(tmp_path, record("a"), record("b"), record("c"), record("d"))
    lines = stderr_lines("estimate", "--batch", str(path), "--as-of", AS_OF, "--summary",
                         "--lang", lang)
    assert said in lines


@pytest.mark.parametrize(("lang", "said"), [
    ("zh", "提示：{path}：按 GBK 读入；用 --encoding 可指定编码"),
    ("en", "Note: {path}: read as GBK; pass --encoding to choose"),
])
def test_the_gbk_note_follows_lang(tmp_path, lang, said):
    path = tmp_path / "in.csv"
    text = "id,applicant.name,applicant.region\nk1,滇池细胞,kunming\n"
    path.write_bytes(text.encode("gbk"))
    lines = stderr_lines("estimate", "--batch", str(path), "--as-of", AS_OF, "--lang", lang)
    assert lines[0] == said.format(path=path)


@pytest.mark.parametrize(("lang", "said"), [
    ("zh", "提示：3 个工作进程中只启动了 0 个（Resource temporarily unavailable）；"
           "改在本进程中运行"),
    ("en", "Note: 0 of 3 worker processes could be started (Resource temporarily unavailable); "
           "running in this one"),
])
def test_the_worker_processes_note_follows_the_jobs_lang(monkeypatch, lang, said):
    import errno
    import os

    def fork() -> int:
        raise OSError(errno.EAGAIN, os.strerror(errno.EAGAIN))

    monkeypatch.setattr(os, "fork", fork)
    job = batch.Job(load_ruleset(), dt.date(2023, 6, 30), lang, True, "in.jsonl")
    notes: list[str] = []
    raw = "".join(record(f"g{i}") for i in range(8)).encode()
    counts = batch.run(io.BytesIO(raw), "jsonl", job, io.StringIO(), notes.append, jobs=3,
                       chunk=4, note=notes.append)
    assert counts.estimated == 8
    assert notes == [said]


def test_the_worker_note_for_some_workers_says_running_with_those():
    facts: dict[str, Any] = {"started": 1, "jobs": 3, "failure": "EAGAIN"}
    zh = said("note_workers", "zh", **facts, how=word("note_workers_some", "zh"))
    en = said("note_workers", "en", **facts, how=word("note_workers_some", "en"))
    assert zh == "提示：3 个工作进程中只启动了 1 个（EAGAIN）；以已启动的进程运行"
    assert en == "Note: 1 of 3 worker processes could be started (EAGAIN); running with those"


@pytest.mark.parametrize(("lang", "wrote"), [("zh", "已写入"), ("en", "wrote")])
def test_wrote_file_follows_lang(tmp_path, lang, wrote):
    table = tmp_path / "regions.csv"
    result = runner.invoke(app, ["regions", "-f", "csv", "-o", str(table), "--lang", lang])
    assert result.exit_code == 0, result.stderr
    assert result.stderr == f"{wrote} {table}\n"
    # --report too, then -o: each file said once, when it is complete.
    report = tmp_path / "client.html"
    out = tmp_path / "client.json"
    result = runner.invoke(app, ["estimate", EXAMPLE, "--as-of", AS_OF, "-f", "json",
                                 "-o", str(out), "--report", str(report), "--lang", lang])
    assert result.exit_code == 0, result.stderr
    assert result.stderr.splitlines() == [f"{wrote} {report}", f"{wrote} {out}"]


def test_the_line_reader_words_its_gbk_note_in_the_language_given():
    notes: list[str] = []
    raw = io.BufferedReader(io.BytesIO("k1,滇池\n".encode("gbk")))  # type: ignore[arg-type]
    list(batch.read_lines(raw, "f.csv", "auto", 1 << 20, notes.append, lang="zh"))
    assert notes == ["提示：f.csv：按 GBK 读入；用 --encoding 可指定编码"]
