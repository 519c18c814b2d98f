"""Issue 18, the second hostile pass: each finding reproduced as it was reported.

Expected figures: Kunming （九） pays 5% of a renovation invoice, so 1,000万 gives exactly 50.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from policycalc import batch
from policycalc.errors import EXIT_DATA, EXIT_USAGE, PolicycalcError
from policycalc.rulesets import load_ruleset

AS_OF = "2023-06-30"
RULESET = load_ruleset()


def good(name: str) -> dict[str, Any]:
    return {"applicant": {"id": name, "region": "kunming"},
            "facts": [{"kind": "renovation", "date": "2021-03-15", "invoice_amount": 1000}]}


def cli(*args: str, cwd: Path, stdin: bytes | None = None, **kwargs: Any
        ) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "policycalc", *args], cwd=cwd, input=stdin,
                          capture_output=True, timeout=120, **kwargs)


def clean(result: subprocess.CompletedProcess[bytes]) -> str:
    """stderr, checked: no traceback and no internal error, each line one `Error:`/note."""
    err = result.stderr.decode("utf-8", "replace")
    assert "Traceback" not in err and "internal error" not in err, err
    return err


def read_batch(raw: bytes, fmt: str, limit: int = 1 << 20
               ) -> tuple[batch.Counts, dict[str, dict[str, Any]], list[str]]:
    job = batch.Job(RULESET, dt.date(2023, 6, 30), "en", True, "in." + fmt)
    out = io.StringIO()
    errors: list[str] = []
    counts = batch.run(io.BytesIO(raw), fmt, job, out, errors.append, chunk=4, limit=limit)
    rows = {json.loads(line)["applicant"]: json.loads(line) for line in out.getvalue().splitlines()}
    assert counts.read == counts.estimated + counts.rejected
    assert len(errors) == counts.rejected and len(rows) == counts.estimated
    return counts, rows, errors


# ------------------------------------------------------------------ 1. lone surrogates


def test_a_lone_surrogate_in_a_batch_costs_only_its_record(tmp_path):
    bad = '{"applicant": {"id": "x\\ud800", "region": "kunming"}, "facts": []}'
    lines = [json.dumps(good(f"g{i}")) for i in range(50)]
    lines.insert(20, bad)
    (tmp_path / "in.jsonl").write_text("\n".join(lines) + "\n")
    result = cli("estimate", "--batch", "in.jsonl", "--as-of", AS_OF, "--summary",
                 "-o", "out.jsonl", cwd=tmp_path)
    err = clean(result)
    assert result.returncode == EXIT_DATA
    assert "in.jsonl:21: applicant.id: text with a lone surrogate (\\ud800)" in err
    assert "51 applicants read: 50 estimated, 1 rejected" in err
    rows = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert len(rows) == 50 and all(row["min"] == 50 for row in rows)


@pytest.mark.parametrize("name, text", [
    ("p.json", '{"applicant": {"id": "x\\ud800", "region": "kunming"}}'),
    ("p.json", '{"applicant": {"region": "kunming"}, "facts": [{"kind": "renovation", '
               '"date": "2021-03-15", "invoice_amount": 5, "note": "\\udfff"}]}'),
    ("p.json", '{"applicant": {"region": "kunming", "\\udc80": 1}}'),
    ("p.yaml", 'applicant: {id: "x\\ud800", region: kunming}\n'),
    ("p.yaml", 'applicant: {region: kunming}\nfacts: [{kind: renovation, date: 2021-03-15, '
               'invoice_amount: 5, product: "\\udbff"}]\n'),
    ("p.toml", '[applicant]\nid = "x\\ud800"\nregion = "kunming"\n'),
])
@pytest.mark.parametrize("fmt", ["table", "json", "csv", "toml"])
def test_a_lone_surrogate_in_a_profile_is_one_error_line(tmp_path, name, text, fmt):
    (tmp_path / name).write_text(text)
    result = cli("estimate", name, "--as-of", AS_OF, "-f", fmt, cwd=tmp_path)
    err = clean(result)
    assert result.returncode == EXIT_USAGE
    assert err.startswith(f"Error: {name}") and err.count("\n") == 1


# ------------------------------------------------------------------ 2, 3. JSON lists


def test_a_json_list_on_one_line_longer_than_the_record_limit_is_read():
    items = [good(f"g{i}") for i in range(20)]
    raw = json.dumps(items).encode()  # one line, as json.dumps writes it
    assert len(raw) > 2048
    counts, rows, errors = read_batch(raw, "json", limit=2048)
    assert counts.read == 20 and not errors
    assert all(rows[f"g{i}"]["min"] == 50 for i in range(20))


def test_a_long_or_undecodable_line_in_a_json_list_costs_only_its_item():
    raw = (b"[\n" + json.dumps(good("a")).encode() + b",\n"
           + b'{"applicant": {"id": "long", "x": "' + b"y" * 5000 + b'"}}, '
           + json.dumps(good("b")).encode() + b",\n"
           + b'{"applicant": {"id": "\xff\xfe"}}, ' + json.dumps(good("c")).encode() + b",\n"
           + json.dumps(good("d")).encode() + b"\n]\n")
    counts, rows, errors = read_batch(raw, "json", limit=2048)
    assert sorted(rows) == ["a", "b", "c", "d"]
    assert counts.read == 6 and counts.rejected == 2
    assert errors[0].startswith("in.json:3: record longer than 2,048 bytes")
    assert errors[1] == "in.json:4: not UTF-8 text (byte 0xff)"


# ------------------------------------------------------------------ 4. YAML lists

YAML_GOOD = ("- applicant: {id: g%d, region: kunming}\n"
             "  facts: [{kind: renovation, date: 2021-03-15, invoice_amount: 1000}]\n")


def test_a_deep_or_anchored_yaml_item_costs_only_itself():
    deep = "- applicant: {id: deep, x: " + "[" * 70 + "1" + "]" * 70 + "}\n"
    items = [YAML_GOOD % 0, deep, YAML_GOOD % 1,
             "- &a {applicant: {id: a1, region: kunming}}\n", YAML_GOOD % 2,
             "- &a {applicant: {id: a2, region: kunming}}\n", YAML_GOOD % 3,
             "- {applicant: &b {id: a3, region: kunming}, facts: &b []}\n", YAML_GOOD % 4,
             "- &c [1, &c 2]\n", YAML_GOOD % 5]
    counts, rows, errors = read_batch("".join(items).encode(), "yaml")
    assert counts.read == 11 and counts.rejected == 3
    assert {f"g{i}" for i in range(6)} <= set(rows) and {"a1", "a2"} <= set(rows)
    assert "nested more than 64 levels deep" in errors[0]
    assert "the anchor &b is defined twice" in errors[1]


def test_a_json_list_that_is_no_list_is_one_error():
    with pytest.raises(PolicycalcError) as info:
        read_batch(b'{"applicant": {}}', "json")
    assert "is a list of profiles" in str(info.value)
