"""Batch files as Excel and people save them: encodings, line ends, multi-line cells, columns,
and applicants that are never split (issue 17 items 2, 7, 8; issue 18 items 19, 21-24)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from policycalc.app import app

runner = CliRunner()
AS_OF = "2023-06-30"
CLIENTS = Path(__file__).resolve().parent.parent / "examples" / "clients.csv"
HEAD = "id,applicant.name,applicant.region,kind,date,invoice_amount,note\n"


def km(ident: str, name: str = "滇池", date: str = "2021-03-15", amount: str = "1000") -> str:
    # Kunming （九）: 5% of a 1,000万 renovation invoice = 50.
    return f"{ident},{name},kunming,renovation,{date},{amount},\n"


def run(path: Path, *args: str):
    return runner.invoke(app, ["estimate", "--batch", str(path), "--as-of", AS_OF, "--summary",
                               *args])


def rows(result) -> list[dict]:
    return [json.loads(line) for line in result.stdout.splitlines()]


def errors(result) -> list[str]:
    return [e for e in result.stderr.splitlines() if e.startswith("Error:")]


def test_a_gbk_file_is_read_as_gbk_with_one_note(tmp_path):
    path = tmp_path / "gbk.csv"
    path.write_bytes(CLIENTS.read_text(encoding="utf-8").encode("gbk"))
    result = run(path)
    same = run(CLIENTS)
    assert result.exit_code == 0, result.stderr
    assert rows(result) == [dict(r, line=r["line"]) for r in rows(same)]
    notes = [n for n in result.stderr.splitlines() if "GBK" in n]
    assert notes == [f"提示：{path}：按 GBK 读入；用 --encoding 可指定编码"]
    assert "读入 3 个申请主体：估算 3 个，拒收 0 个" in result.stderr


def test_one_gbk_row_rejects_its_whole_applicant_never_splits_it(tmp_path):
    # Finding 2: km-001 has five rows (lines 2-6); line 3 holds GBK bytes in a UTF-8 file.
    lines = CLIENTS.read_text(encoding="utf-8").splitlines(keepends=True)
    path = tmp_path / "mixed.csv"
    path.write_bytes(lines[0].encode() + lines[1].encode() + lines[2].encode("gbk")
                     + "".join(lines[3:]).encode())
    result = run(path)
    assert result.exit_code == 1
    assert [r["applicant"] for r in rows(result)] == ["cq-001", "sz-001"]
    assert len(errors(result)) == 1 and f"{path}:3: not UTF-8 text" in errors(result)[0]
    assert "读入 3 个申请主体：估算 2 个，拒收 1 个" in result.stderr


def test_every_failing_row_of_an_applicant_is_named_on_its_one_line(tmp_path):
    path = tmp_path / "in.csv"
    path.write_text(HEAD + km("a") + km("a", date="2021-02-30") + km("a", amount="abc")
                    + km("b") + km("c", date="2021-02-29"), encoding="utf-8")
    result = run(path)
    assert [r["applicant"] for r in rows(result)] == ["b"]
    found = errors(result)
    assert len(found) == 2
    assert found[0].startswith(f"Error: {path}:3: facts[1].date:")
    assert "rejected whole; also line 4: facts[2].invoice_amount:" in found[0]
    assert found[1].startswith(f"Error: {path}:6: facts[0].date:")
    assert "读入 3 个申请主体：估算 1 个，拒收 2 个" in result.stderr


def test_latin1_bytes_get_no_gbk_hint_and_encoding_reads_them(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes((HEAD + km("m1", "Müller GmbH")).encode("latin-1"))
    result = run(path)
    assert result.exit_code == 1
    assert "GBK" not in result.stderr and "pass --encoding" in result.stderr
    fixed = run(path, "--encoding", "latin-1")
    assert fixed.exit_code == 0 and rows(fixed)[0]["min"] == 50


def test_a_bom_file_read_as_gbk_is_called_utf8_not_a_missing_id(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + (HEAD + km("a")).encode())
    result = run(path, "--encoding", "gbk")
    assert result.exit_code == 2
    assert errors(result) == [f"Error: {path}: the file starts with a UTF-8 byte-order mark: "
                              "it is UTF-8 text, not gbk; leave out --encoding"]
    assert run(path).exit_code == 0  # read as UTF-8 without the option


def test_utf16_is_refused_up_front_not_record_by_record(tmp_path):
    path = tmp_path / "u16.csv"
    path.write_bytes((HEAD + km("a") + km("b")).encode("utf-16"))
    for args in ((), ("--encoding", "utf-16")):
        result = run(path, *args)
        assert result.exit_code == 2 and len(errors(result)) == 1, result.stderr
        assert "申请主体" not in result.stderr


def test_cr_only_line_ends_are_read(tmp_path):
    path = tmp_path / "mac.csv"
    path.write_bytes((HEAD + km("a") + km("b")).replace("\n", "\r").encode())
    result = run(path)
    assert result.exit_code == 0, result.stderr
    assert [(r["applicant"], r["line"]) for r in rows(result)] == [("a", 2), ("b", 3)]


@pytest.mark.parametrize("end", ["\n", "\r\n"])
def test_a_multiline_quoted_cell_is_one_cell(tmp_path, end):
    # Excel: rows end in CRLF, Alt+Enter is LF inside the quoted cell; the second line of the
    # note has as many commas as a row, yet no id and no fact kind: it is text.
    note = '"first line\nsecond, with, commas, like, a, row, here"'
    text = (HEAD + f'a,"滇池\n细胞",kunming,renovation,2021-03-15,1000,{note}\n' + km("b"))
    path = tmp_path / "ml.csv"
    path.write_bytes(text.replace("\n", end).replace(end + "second", "\nsecond").encode())
    result = run(path)
    assert result.exit_code == 0, result.stderr
    assert [(r["applicant"], r["line"]) for r in rows(result)] == [("a", 2), ("b", 5)]


def test_a_duplicate_column_is_refused_in_one_line(tmp_path):
    path = tmp_path / "dup.csv"
    path.write_text("id,applicant.region,kind,date,invoice_amount,applicant.region\n"
                    "a,kunming,renovation,2021-03-15,1000,chongqing\n", encoding="utf-8")
    result = run(path)
    assert result.exit_code == 2
    assert errors(result) == [f"Error: {path}:1: applicant.region: column 'applicant.region' "
                              "appears twice (columns B and F); keep one"]


def test_an_unknown_column_is_named_on_the_header_line_with_a_suggestion(tmp_path):
    # Finding 7: the typo is in the header (line 1), not in the first row after it.
    path = tmp_path / "typo.csv"
    path.write_text("id,applicant.region,knd,date,invoice_amount\n" + "a,kunming,renovation,"
                    "2021-03-15,1000\n", encoding="utf-8")
    result = run(path)
    assert result.exit_code == 2
    assert errors(result)[0].startswith(f"Error: {path}:1: knd: unknown column 'knd' "
                                        "(did you mean 'kind'?)")
    path.write_text("id,applicant.regoin,kind,date,invoice_amount\n", encoding="utf-8")
    assert "did you mean 'applicant.region'" in run(path).stderr


def test_a_repeated_id_after_other_applicants_is_a_duplicate(tmp_path):
    path = tmp_path / "ids.csv"
    path.write_text(HEAD + km("a") + km("a", date="2021-04-01") + km("b")
                    + km("a", date="2021-05-01"), encoding="utf-8")
    result = run(path)
    assert result.exit_code == 1
    assert [(r["applicant"], r["awards"]) for r in rows(result)] == [("a", 2), ("b", 1)]
    assert errors(result) == [f"Error: {path}:5: id: applicant 'a' was already read at line 2; "
                              "the rows of one applicant go next to each other (sort the rows "
                              "by id)"]
    assert "读入 3 个申请主体：估算 2 个，拒收 1 个" in result.stderr


def test_csv_output_quotes_a_carriage_return_and_forges_no_row(tmp_path):
    # Finding 8: a CR inside a cell was written unquoted, so `=1+1` began a forged row.
    path = tmp_path / "in.jsonl"
    record = {"applicant": {"id": "x\r=1+1", "region": "kunming"},
              "facts": [{"kind": "renovation", "date": "2021-03-15", "invoice_amount": 1000}]}
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    result = run(path, "-f", "csv")
    assert result.exit_code == 0, result.stderr
    table = list(csv.reader(io.StringIO(result.stdout, newline="")))
    assert len(table) == 2 and table[1][0] == "x\r=1+1"
    assert '\n"x\r=1+1",' in result.stdout  # quoted: the CR stays inside its cell


# ------------------------------------------------------------------ who and why (item 3)

NAMES = {"km-001": "滇池细胞治疗有限公司", "cq-001": "长江抗体药业有限公司",
         "sz-001": "金鸡湖生物制药有限公司"}
# Suzhou's 2019 measures lapsed after 2022-04-14 (their own five-year window, README); on
# 2023-06-30 only sz-001 has facts its measures read.
SZ_LAPSED = "suzhou-measures-2019 (lapsed after 2022-04-14)"


@pytest.mark.parametrize("summary", [False, True])
@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_every_batch_row_names_its_applicant_and_its_lapsed_documents(fmt, summary):
    args = ["estimate", "--batch", str(CLIENTS), "--as-of", AS_OF, "-f", fmt, "--lang", "en"]
    result = runner.invoke(app, args + (["--summary"] if summary else []))
    assert result.exit_code == 0, result.stderr
    if fmt == "jsonl":
        found = rows(result)
        lapsed = [r["not_in_force"] for r in found]
    else:
        found = list(csv.DictReader(io.StringIO(result.stdout)))
        lapsed = [[x for x in r["not_in_force"].split("; ") if x] for r in found]
    assert found and all(r["name"] == NAMES[r["applicant"]] for r in found)
    for row, documents in zip(found, lapsed, strict=True):
        assert documents == ([SZ_LAPSED] if row["applicant"] == "sz-001" else [])
    header = list(found[0])
    assert header.index("name") == header.index("applicant") + 1  # beside its id


def test_an_applicant_without_awards_names_the_lapsed_document_in_its_row(tmp_path):
    # Kunming's ten measures lapsed after 2025-10-20 (five years from 2020-10-21): on
    # 2026-01-01 the renovation matches (九) but is not counted, and nothing else pays.
    path = tmp_path / "one.csv"
    path.write_text(HEAD + km("r1"), encoding="utf-8")
    result = runner.invoke(app, ["estimate", "--batch", str(path), "--as-of", "2026-01-01",
                                 "--lang", "en"])
    (row,) = rows(result)
    assert (row["applicant"], row["name"], row["measure"]) == ("r1", "滇池", None)
    assert row["not_in_force"] == ["kunming-cell-2020 (lapsed after 2025-10-20)"]


def test_a_repeated_id_in_json_lines_is_flagged_and_both_are_estimated(tmp_path):
    # Each JSON Lines record is a whole profile: a repeat is estimated too (nothing is lost),
    # with a note, since rows are told apart by id (issue 18 item 21).
    record = {"applicant": {"id": "a", "region": "kunming"},
              "facts": [{"kind": "renovation", "date": "2021-03-15", "invoice_amount": 1000}]}
    other = dict(record, applicant={"id": "b", "region": "kunming"})
    path = tmp_path / "in.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in (record, other, record)),
                    encoding="utf-8")
    result = run(path)
    assert result.exit_code == 0
    assert [(r["applicant"], r["line"]) for r in rows(result)] == [("a", 1), ("b", 2), ("a", 3)]
    notes = [n for n in result.stderr.splitlines() if "已用过的 id" in n]
    assert notes == ["提示：1 条记录使用了前面已用过的 id，该 id 的行来自不止一条记录；第一处："
                     f"{path}:3: id: 'a' (first used at line 1)"]
    assert "读入 3 个申请主体：估算 3 个，拒收 0 个" in result.stderr
