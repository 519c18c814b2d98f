"""Batch estimation: every good row is kept, every bad row reported, output atomic."""

from __future__ import annotations

import csv
import io
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from policycalc.app import app

runner = CliRunner()
AS_OF = "2023-06-30"

# Kunming （九）: 5% of a 1,000万 renovation invoice = exactly 50.
GOOD_KM = {"applicant": {"id": "km", "region": "kunming"},
           "facts": [{"kind": "renovation", "date": "2021-03-15", "invoice_amount": 1000}]}
# Chongqing 8．: not more than 20% of 2,000万, at most 300 → 0 to 300.
GOOD_CQ = {"applicant": {"id": "cq", "region": "chongqing"},
           "facts": [{"kind": "clinical_phase_entered", "date": "2022-06-01", "phase": 2,
                      "product_type": "innovative_drug", "rd_spend": 2000}]}


def lines(*rows: object) -> str:
    return "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows)


def run(*args: str, input: str | None = None):
    return runner.invoke(app, ["estimate", *args], input=input)


def test_bad_rows_never_cost_good_ones(tmp_path):
    data = lines(GOOD_KM, "not json", GOOD_CQ, {"applicant": {"region": "kunmin"}},
                 {"applicant": {"region": "kunming"}, "facts": [{"kind": "renovation"}]},
                 GOOD_KM)
    path = tmp_path / "in.jsonl"
    path.write_text(data, encoding="utf-8")
    result = run("--batch", str(path), "--as-of", AS_OF, "--summary")
    assert result.exit_code == 1
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    errors = [e for e in result.stderr.splitlines() if e.startswith("Error:")]
    assert len(rows) + len(errors) == 6  # rows in = applicants out + rejected
    assert [r["line"] for r in rows] == [1, 3, 6]
    assert f"{path}:2:" in errors[0] and "invalid JSON" in errors[0]
    assert f"{path}:4:" in errors[1] and "did you mean 'kunming'" in errors[1]
    assert f"{path}:5:" in errors[2] and "date" in errors[2]
    assert rows[0]["min"] == rows[0]["max"] == 50
    assert (rows[1]["min"], rows[1]["max"]) == (0, 300)
    assert "读入 6 个申请主体：估算 3 个，拒收 3 个" in result.stderr


def test_all_good_exits_zero_and_one_row_per_award():
    result = run("--batch", "-", "--as-of", AS_OF, input=lines(GOOD_KM, GOOD_CQ))
    assert result.exit_code == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert {(r["applicant"], r["measure"]) for r in rows} >= {("km", "km-09-renovation"),
                                                              ("cq", "cq-08-phase2")}


@pytest.mark.parametrize("fmt", ["json", "yaml"])
def test_json_and_yaml_lists(tmp_path, fmt):
    import yaml

    path = tmp_path / f"in.{fmt}"
    data = [GOOD_KM, GOOD_CQ, {"applicant": {"region": "nowhere"}}]
    path.write_text(json.dumps(data) if fmt == "json" else yaml.safe_dump(data),
                    encoding="utf-8")
    result = run("--batch", str(path), "--as-of", AS_OF, "--summary")
    assert result.exit_code == 1
    assert len(result.stdout.splitlines()) == 2
    assert "unknown region 'nowhere'" in result.stderr


def test_csv_in_csv_out_with_excel_bom(tmp_path):
    path = tmp_path / "in.csv"
    path.write_text(
        "id,applicant.region,kind,date,invoice_amount,phase,product_type,rd_spend\n"
        "a,kunming,renovation,2021-03-15,1000,,,\n"
        "b,chongqing,clinical_phase_entered,2022-06-01,,2,innovative_drug,2000\n"
        "c,kunming,renovation,2021-03-15,-5,,,\n",
        encoding="utf-8")
    result = run("--batch", str(path), "--as-of", AS_OF, "--summary", "--format", "csv",
                 "--excel")
    assert result.exit_code == 1
    assert result.stdout.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(result.stdout.lstrip("\ufeff"))))
    assert [(r["applicant"], r["min"], r["max"]) for r in rows] == [("a", "50", "50"),
                                                                     ("b", "0", "300")]
    assert f"{path}:4:" in result.stderr and "negative" in result.stderr


def test_jobs_keep_input_order(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text(lines(*([GOOD_KM, GOOD_CQ, "oops"] * 400)), encoding="utf-8")
    one = run("--batch", str(path), "--as-of", AS_OF)
    two = run("--batch", str(path), "--as-of", AS_OF, "--jobs", "2")
    assert one.exit_code == two.exit_code == 1
    assert one.stdout == two.stdout
    assert one.stderr == two.stderr


def test_output_is_written_whole(tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_text(lines(GOOD_KM), encoding="utf-8")
    target = tmp_path / "out.jsonl"
    result = run("--batch", str(source), "--as-of", AS_OF, "--output", str(target))
    assert result.exit_code == 0
    assert json.loads(target.read_text(encoding="utf-8"))["measure"] == "km-09-renovation"
    assert not list(tmp_path.glob(".*.part"))


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("x.yaml", "--batch", "y.jsonl"), "not both"),
        (("x.yaml", "--summary"), "--summary: goes with --batch"),
        (("--batch", "-", "--format", "json"), "jsonl, csv or xlsx"),
        (("--batch", "-", "--input-format", "xml"), "unknown input format"),
        (("--batch", "-", "--excel"), "--excel: goes with --format csv"),
        (("--batch", "/nonexistent.jsonl"), "no such file"),
        (("--batch", "-", "--output", "/nonexistent/dir/out.jsonl"), "folder does not exist"),
    ],
)
def test_conflicting_or_bad_options_exit_2(args, words):
    result = run(*args, input="")
    assert result.exit_code == 2
    assert words in result.stderr


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_killed_run_leaves_no_partial_output(tmp_path, sig):
    source = tmp_path / "in.jsonl"
    source.write_text(lines(*([GOOD_KM, GOOD_CQ] * 60000)), encoding="utf-8")
    target = tmp_path / "out.jsonl"
    proc = subprocess.Popen([sys.executable, "-m", "policycalc", "estimate", "--batch", str(source), "--as-of", AS_OF,
                             "-q", "--output", str(target)], stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 20
    while not list(tmp_path.glob(".out.jsonl.*.part")) and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode != 0
    assert "Traceback" not in err
    assert not target.exists()
    assert not list(Path(tmp_path).glob(".out.jsonl.*.part"))


# ------------------------------------------------------------------ issue 11: one record at a time

CSV_HEAD = "id,applicant.region,kind,date,invoice_amount\n"


def csv_good(name: str) -> str:
    # Kunming （九）: 5% of a 1,000万 renovation invoice = 50.
    return f"{name},kunming,renovation,2021-03-15,1000\n"


@pytest.mark.parametrize(("bad", "words"), [
    ('q,kunming,renovation,2021-03-15,"1000\n', "a quote opened here is never closed"),
    ("s,kunming,renovation,2021-03-15,²\n", "expected an amount"),
    ("h,kunming,renovation,2021-03-15," + "9" * 5000 + "\n", "5,000 digits"),
    ("e,kunming,renovation,2021-03-15,1.0e+999999999\n", "not a plausible number"),
])
def test_one_bad_csv_row_costs_only_itself(tmp_path, bad, words):
    path = tmp_path / "in.csv"
    path.write_text(CSV_HEAD + csv_good("a") + bad + "".join(csv_good(f"z{i}") for i in range(50)),
                    encoding="utf-8")
    result = run("--batch", str(path), "--as-of", AS_OF, "--summary")
    assert result.exit_code == 1
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == 51 and all(r["min"] == r["max"] == 50 for r in rows)
    errors = [e for e in result.stderr.splitlines() if e.startswith("Error:")]
    assert len(errors) == 1 and f"{path}:3:" in errors[0] and words in errors[0]
    assert "读入 52 个申请主体：估算 51 个，拒收 1 个" in result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr


def test_an_undecodable_byte_names_its_line_and_byte_offset(tmp_path):
    path = tmp_path / "in.csv"
    before = CSV_HEAD + "".join(csv_good(f"a{i}") for i in range(1499))
    data = before.encode() + b"x,kunming,renovation,2021-03-15,10\xff0\n" + csv_good("z").encode()
    path.write_bytes(data)
    result = run("--batch", str(path), "--as-of", AS_OF, "--summary")
    offset = len(before.encode()) + len(b"x,kunming,renovation,2021-03-15,10")
    assert f"{path}:1501: not UTF-8 text at byte {offset:,} of the file (0xff)" in result.stderr
    assert "读入 1501 个申请主体：估算 1500 个，拒收 1 个" in result.stderr


def test_an_oversize_line_is_rejected_without_holding_it(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text(lines(GOOD_KM, '{"applicant": {"note": "' + "x" * 3_000_000 + '"}}',
                          GOOD_CQ), encoding="utf-8")
    result = run("--batch", str(path), "--as-of", AS_OF, "--summary")
    assert f"{path}:2: record longer than 1,048,576 bytes" in result.stderr
    assert "读入 3 个申请主体：估算 2 个，拒收 1 个" in result.stderr
    bigger = run("--batch", str(path), "--as-of", AS_OF, "--summary", "--max-record-size", "4M")
    assert "record longer" not in bigger.stderr


def test_a_json_list_is_read_item_by_item(tmp_path):
    path = tmp_path / "in.json"
    path.write_text('[\n' + json.dumps(GOOD_KM) + ',\n{"applicant": oops},\n'
                    + json.dumps(GOOD_CQ) + '\n]\n', encoding="utf-8")
    result = run("--batch", str(path), "--as-of", AS_OF, "--summary")
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["applicant"] for r in rows] == ["km", "cq"]
    assert f"{path}:3: invalid JSON" in result.stderr


def test_a_yaml_list_item_with_an_alias_or_a_bad_date_costs_only_itself(tmp_path):
    path = tmp_path / "in.yaml"
    path.write_text(
        "- applicant: {id: a, region: kunming}\n"
        "  facts: [{kind: renovation, date: 2021-03-15, invoice_amount: 1000}]\n"
        "- applicant: *x\n"
        "- applicant: {id: b, region: kunming}\n"
        "  facts: [{kind: renovation, date: 2021-02-30, invoice_amount: 1000}]\n"
        "- applicant: {id: c, region: kunming}\n"
        "  facts: [{kind: renovation, date: 2021-03-15, invoice_amount: 1000}]\n",
        encoding="utf-8")
    result = run("--batch", str(path), "--as-of", AS_OF, "--summary")
    assert [json.loads(r)["applicant"] for r in result.stdout.splitlines()] == ["a", "c"]
    assert f"{path}:3: invalid YAML: aliases" in result.stderr
    assert f"{path}:5: invalid YAML: '2021-02-30'" in result.stderr


def test_a_quote_closed_by_a_later_row_does_not_swallow_the_rows_between(tmp_path):
    path = tmp_path / "in.csv"
    path.write_text(CSV_HEAD + 'q,kunming,renovation,2021-03-15,"1000\n' + csv_good("a")
                    + 'r,kunming,renovation,2021-03-15,1000"\n' + csv_good("b"),
                    encoding="utf-8")
    result = run("--batch", str(path), "--as-of", AS_OF, "--summary")
    names = [json.loads(line)["applicant"] for line in result.stdout.splitlines()]
    assert names == ["a", "b"]
    assert f"{path}:2: a quote opened here" in result.stderr
    assert f"{path}:4:" in result.stderr
    assert "读入 4 个申请主体：估算 2 个，拒收 2 个" in result.stderr


# ------------------------------------------------------------------ the JSON record fast path

_TEXTS = st.sampled_from(["a", "app-1", 'q"u\\o', "中文", "\u202eevil", "del\x7f", "\x85", ""])
_DATES = st.sampled_from(["2022-03-01", "2021-11-30", "2022-05", "2021"])
_GOOD_FACTS = st.one_of(
    st.fixed_dictionaries(
        {"kind": st.just("renovation"), "date": _DATES, "invoice_amount": st.integers(1, 9000)}
    ),
    st.fixed_dictionaries(
        {
            "kind": st.just("insurance_premium"),
            "date": _DATES,
            "policy_type": st.just("clinical_trial_liability"),
            "premium": st.sampled_from([5, 200, 12.5]),
        }
    ),
)
_BAD_FACTS = st.fixed_dictionaries(
    {
        "kind": st.sampled_from(["renovation", "no_such_kind"]),
        "date": st.sampled_from(["2022-03-01", "bad"]),
    },
    optional={
        "invoice_amount": st.sampled_from([500, "x", None]),
        "_line": st.integers(1, 99),  # a CSV row's line, when a JSON record gives one
        "unknown_field": st.just(1),
    },
)
_FACTS = st.one_of(_GOOD_FACTS, _GOOD_FACTS, _GOOD_FACTS, _BAD_FACTS, st.just(1))
_PROFILES = st.fixed_dictionaries(
    {
        "applicant": st.fixed_dictionaries(
            {"region": st.sampled_from(["kunming", "suzhou", "kunming", "suzhou", "nowhere"])},
            optional={"id": _TEXTS, "name": _TEXTS},
        ),
        "facts": st.lists(_FACTS, min_size=1, max_size=4),
    }
)


@st.composite
def _records(draw):
    """A JSON record's text as a batch may hold it: any profile, written with or without
    \\u escapes, sometimes with a lone surrogate escape or broken."""
    text = json.dumps(draw(_PROFILES), ensure_ascii=draw(st.booleans()))
    change = draw(st.sampled_from(["none"] * 5 + ["surrogate", "cut", "line-escape"]))
    if change == "surrogate":
        text = text.replace('"region"', '"\\ud800":1,"region"', 1)
    elif change == "cut":
        text = text[: draw(st.integers(0, len(text)))]
    elif change == "line-escape":  # a _line key spelt with an escape
        text = text.replace('"kind"', '"\\u005fline":3,"kind"', 1)
    return text


@given(_records(), st.integers(1, 40), st.sampled_from(["jsonl", "csv"]))
def test_json_record_fast_path_is_the_general_one(ruleset, text, line, fmt):
    # The general path: every record parsed by parse_json, every profile's facts wrapped with
    # their lines; the fast path must write the same text, rows and error.
    import datetime as dt

    from policycalc import batch
    from policycalc.formats import OutputFormat
    from policycalc.profile import parse_json

    job = batch.Job(ruleset, dt.date(2023, 6, 30), "zh", False, "in.jsonl", OutputFormat(fmt))
    batch.set_job(job)
    item = batch.Item(1, line, text=text)
    fast = batch.process(item)
    fast_lapsed = batch._drain_lapsed()
    record = batch._record
    batch._record = lambda text, item, job: (parse_json(text, job.source, item.line), False)
    try:
        general = batch.process(item)
    finally:
        batch._record = record
    assert fast == general
    assert fast_lapsed == batch._drain_lapsed()
