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
    assert "读入 51 个申请主体：估算 50 个，拒收 1 个" in err
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


def test_a_long_yaml_item_costs_itself_and_an_endless_one_stops_the_list(monkeypatch):
    from policycalc import yamlsafe

    monkeypatch.setattr(yamlsafe, "MAX_RUN_ON", 20_000)
    # limit 1,000 characters: a 15,000-character note is past the limit but not past the
    # run-on bound (20,000): that item alone is rejected and g1 after it is read.
    long = '- applicant: {id: long, region: kunming, note: "' + "x" * 15_000 + '"}\n'
    counts, rows, errors = read_batch((YAML_GOOD % 0 + long + YAML_GOOD % 1).encode(), "yaml",
                                      limit=1_000)
    assert set(rows) == {"g0", "g1"} and counts.rejected == 1
    assert "in.yaml:3: record longer than 1,000 characters" in errors[0]
    # A quote that never closes: everything after it is one scalar, read until 20,000
    # characters, then the list is given up with one error naming the item's line.
    endless = '- applicant: {id: e, note: "' + ("y" * 99 + "\n") * 1_000
    counts, rows, errors = read_batch((YAML_GOOD % 0 + endless).encode(), "yaml", limit=1_000)
    assert set(rows) == {"g0"} and counts.rejected == 1
    assert errors == ["in.yaml:3: a list item runs on for more than 20,000 characters: this is "
                      "not a batch of profiles; reading stopped"]


def test_a_missing_quote_in_a_json_list_costs_only_its_item(tmp_path):
    # The issue's example: six items, one per line; the closing quote of item 3's id deleted.
    lines = [json.dumps(good(f"a{i}")) for i in range(1, 7)]
    lines[2] = lines[2].replace('"a3"', '"a3')
    (tmp_path / "clients.json").write_text("[\n" + ",\n".join(lines) + "\n]\n")
    result = cli("estimate", "--batch", "clients.json", "--as-of", AS_OF, "--summary",
                 "-o", "out.jsonl", cwd=tmp_path)
    err = clean(result)
    assert result.returncode == EXIT_DATA
    assert "clients.json:4: invalid JSON" in err  # item 3 starts on line 4
    assert "读入 6 个申请主体：估算 5 个，拒收 1 个" in err
    rows = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert [row["applicant"] for row in rows] == ["a1", "a2", "a4", "a5", "a6"]
    assert all(row["min"] == 50 for row in rows)


def _break(text: str, fault: str, name: str) -> str:
    """One item's text with one fault, made by hand."""
    if fault == "missing quote":  # the id's closing quote
        return text.replace(f'"{name}"', f'"{name}', 1)
    if fault == "missing }":  # the item's own closing brace
        at = text.rindex("}")
        return text[:at] + text[at + 1:]
    assert fault == "extra {"  # before the applicant's "id"
    return text.replace('"id"', '{"id"', 1)


# Where item k (1-6) starts: one per line after "[", or json.dumps(indent=2) with each of
# its 13 lines indented 2 more under "[" (13 = the lines json.dumps(good(...), indent=2)
# writes: {, "applicant": {, "id", "region", }, "facts": [, {, kind, date, amount, }, ], }),
# or all on line 1.
FIRST_LINE = {"one per line": lambda k: k + 1, "indent=2": lambda k: 2 + 13 * (k - 1),
              "one line": lambda k: 1}


@pytest.mark.parametrize("layout", sorted(FIRST_LINE))
@pytest.mark.parametrize("fault", ["missing quote", "missing }", "extra {"])
@pytest.mark.parametrize("bad", [1, 3, 6])
def test_a_broken_json_list_item_costs_only_itself(layout, fault, bad):
    names = [f"a{k}" for k in range(1, 7)]
    if layout == "indent=2":
        texts = [json.dumps(good(n), indent=2) for n in names]
        assert all(t.count("\n") + 1 == 13 for t in texts)
    else:
        texts = [json.dumps(good(n)) for n in names]
    texts[bad - 1] = _break(texts[bad - 1], fault, f"a{bad}")
    if layout == "one per line":
        raw = "[\n" + ",\n".join(texts) + "\n]\n"
    elif layout == "indent=2":
        raw = "[\n" + ",\n".join(t.replace("\n", "\n  ").join(["  ", ""]) for t in texts) + "\n]\n"
    else:
        raw = "[" + ", ".join(texts) + "]"
    counts, rows, errors = read_batch(raw.encode(), "json")
    assert sorted(rows) == [n for n in names if n != f"a{bad}"]
    assert all(row["min"] == 50 for row in rows.values())
    assert (counts.read, counts.estimated, counts.rejected) == (6, 5, 1)
    assert errors[0].startswith(f"in.json:{FIRST_LINE[layout](bad)}: invalid JSON"), errors


def test_a_missing_brace_at_an_items_start_or_an_extra_one_in_it_costs_only_the_item():
    texts = [json.dumps(good(f"a{k}")) for k in range(1, 7)]
    texts[1] = texts[1][1:]  # item 2 has lost its opening brace
    texts[3] = texts[3].replace('"kunming"}', '"kunming"}}', 1)  # item 4 closes early
    for raw in ("[\n" + ",\n".join(texts) + "\n]\n", "[" + ", ".join(texts) + "]"):
        counts, rows, errors = read_batch(raw.encode(), "json")
        assert sorted(rows) == ["a1", "a3", "a5", "a6"]  # item 4's first half is no profile
        assert (counts.read, counts.rejected) == (6, 2)
        assert all("invalid JSON" in e for e in errors)


def test_a_line_cut_off_inside_a_string_costs_only_its_item():
    texts = [json.dumps(good(f"a{k}")) for k in range(1, 5)]
    texts[1] = '{"applicant": {"id": "a2'  # the rest of the line lost, its comma too
    raw = "[\n" + texts[0] + ",\n" + texts[1] + "\n" + ",\n".join(texts[2:]) + "\n]\n"
    counts, rows, errors = read_batch(raw.encode(), "json")
    assert sorted(rows) == ["a1", "a3", "a4"]
    assert (counts.read, counts.rejected) == (4, 1)
    assert errors[0].startswith("in.json:3: invalid JSON")


def test_a_stray_bracket_in_a_json_list_item_is_no_end_of_the_list():
    texts = [json.dumps(good(f"a{k}")) for k in range(1, 5)]
    texts[1] = texts[1].replace('"facts": [{', '"facts": [{]', 1)  # item 2 closes its list
    for raw in ("[\n" + ",\n".join(texts) + "\n]\n", "[" + ", ".join(texts) + "]"):
        counts, rows, errors = read_batch(raw.encode(), "json")
        assert sorted(rows) == ["a1", "a3", "a4"]
        assert (counts.read, counts.rejected) == (4, 1)
        assert "after the end of the list" not in errors[0]


def test_a_missing_comma_between_json_list_items_costs_the_item_before_it():
    texts = [json.dumps(good(f"a{k}")) for k in range(1, 5)]
    raw = "[\n" + texts[0] + ",\n" + texts[1] + "\n" + texts[2] + ",\n" + texts[3] + "\n]\n"
    counts, rows, errors = read_batch(raw.encode(), "json")
    assert sorted(rows) == ["a1", "a3", "a4"]
    assert (counts.read, counts.rejected) == (4, 1)
    assert errors == ["in.json:3: invalid JSON: no comma after this item (the next starts at "
                      "line 4)"]


def test_text_after_a_json_list_is_still_its_own_error():
    raw = "[\n" + json.dumps(good("a1")) + "\n] oops\n"
    counts, rows, errors = read_batch(raw.encode(), "json")
    assert sorted(rows) == ["a1"] and counts.read == 2
    assert errors == ["in.json:3: text after the end of the list"]


def test_a_json_list_that_is_no_list_is_one_error():
    with pytest.raises(PolicycalcError) as info:
        read_batch(b'{"applicant": {}}', "json")
    assert "is a list of profiles" in str(info.value)


# ------------------------------------------------------------------ 5, 6, 25-29. the writer

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = str(ROOT / "examples" / "kunming-cell.toml")


@pytest.mark.parametrize("target", ["/dev/stdout", "/dev/fd/1", "/proc/self/fd/1", "log"])
def test_output_to_stdout_appended_to_a_file_keeps_what_it_had(tmp_path, target):
    log = tmp_path / "log"
    log.write_text("earlier line\n")
    with open(log, "ab") as handle:  # `>> log 2>&1`
        result = subprocess.run(
            [sys.executable, "-m", "policycalc", "regions", "-f", "csv", "--lang", "en",
             "-o", target], cwd=tmp_path, stdout=handle, stderr=handle, timeout=60)
    text = log.read_text()
    assert result.returncode == 0, text
    assert text.startswith("earlier line\nid,name,level,parent,documents,reached_by\n")
    assert text.endswith(f"wrote {target}\n")
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]


def _data_copy(tmp_path: Path) -> Path:
    import shutil

    from policycalc.rulesets import bundled_data_dir

    folder = tmp_path / "d"
    shutil.copytree(bundled_data_dir(), folder)
    return folder


COMMANDS_WITH_OUTPUT = [
    ["estimate", "p.toml"], ["compare-regions", "p.toml"], ["opportunities", "p.toml"],
    ["explain", "km-09-renovation", "--profile", "p.toml"], ["measures"], ["regions"],
    ["facts"],
]


@pytest.mark.parametrize("command", COMMANDS_WITH_OUTPUT, ids=lambda c: c[0])
def test_no_command_overwrites_a_file_it_read(tmp_path, command):
    data = _data_copy(tmp_path)
    (tmp_path / "p.toml").write_text(Path(EXAMPLE).read_text())
    extra = tmp_path / "e"
    extra.mkdir()
    targets = [data / "kunming-cell-2020.yaml", data / "regions.yaml"]
    if "p.toml" in command:
        targets.append(tmp_path / "p.toml")
    dated = ["--as-of", AS_OF] if "p.toml" in command else []
    for target in targets:
        before = target.read_bytes()
        result = cli(*command, *dated, "--data-dir", str(data), "-o", str(target),
                     cwd=tmp_path)
        err = clean(result)
        assert result.returncode == EXIT_USAGE, (command, target, err)
        assert "is an input of this run; refusing to overwrite it" in err
        assert target.read_bytes() == before
    # --extra-data: its files are inputs too
    (extra / "mine.yaml").write_bytes((data / "kunming-cell-2020.yaml").read_bytes().replace(
        b"kunming-cell-2020", b"mine-2020").replace(b"km-", b"mk-"))
    result = cli(*command, *dated, "--extra-data", str(extra), "-o",
                 str(extra / "mine.yaml"), cwd=tmp_path)
    assert result.returncode == EXIT_USAGE and "is an input" in clean(result)


def test_writers_cannot_be_called_without_their_inputs():
    import inspect

    from policycalc import output

    for writer in (output.Output, output.open_output, output.write_file):
        parameter = inspect.signature(writer).parameters["inputs"]
        assert parameter.default is inspect.Parameter.empty, writer


def test_a_long_file_name_is_written(tmp_path):
    from policycalc.output import write_file

    name = "r" * 250 + ".csv"  # 254 bytes: the temporary name must be cut to fit 255
    write_file(tmp_path / name, "text\n", inputs=())
    assert (tmp_path / name).read_text() == "text\n"
    assert [p.name for p in tmp_path.iterdir()] == [name]
    wide = "报" * 84 + ".md"  # 255 bytes of UTF-8
    write_file(tmp_path / wide, "text\n", inputs=())
    assert (tmp_path / wide).read_text() == "text\n"


def test_a_replaced_file_loses_setuid_and_setgid(tmp_path):
    from policycalc.output import write_file

    target = tmp_path / "out.txt"
    target.write_text("old")
    target.chmod(0o6755)
    write_file(target, "new", inputs=())
    assert target.read_text() == "new" and (target.stat().st_mode & 0o7777) == 0o755


def test_a_hard_linked_file_is_rewritten_in_place_as_cp_does(tmp_path):
    target, other = tmp_path / "out.txt", tmp_path / "other.txt"
    target.write_text("old")
    other.hardlink_to(target)
    inode = target.stat().st_ino
    result = cli("regions", "-f", "csv", "-o", "out.txt", cwd=tmp_path)
    assert result.returncode == 0, clean(result)
    assert other.read_text().startswith("id,name,level") and target.stat().st_ino == inode
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.txt", "out.txt"]


def test_a_write_only_file_in_a_locked_folder_is_rewritten(tmp_path):
    """A file the user may write, in a folder where it may not create one: as `cp` does,
    the file itself is rewritten. (As root, the check runs as nobody in a forked child.)"""
    import os
    import tempfile

    from policycalc.output import write_file

    as_root = os.geteuid() == 0
    if as_root:  # a folder nobody can reach (pytest's own are private to root)
        tmp_path = Path(tempfile.mkdtemp(prefix="policycalc-"))
        tmp_path.chmod(0o755)
    folder = tmp_path / "locked"
    folder.mkdir()
    target = folder / "out.txt"
    target.write_text("old")
    if as_root:
        os.chown(target, 65534, 65534)
    target.chmod(0o200)
    folder.chmod(0o555)
    try:
        if as_root:
            pid = os.fork()
            if pid == 0:
                code = 1
                try:
                    os.setgid(65534)
                    os.setuid(65534)
                    write_file(target, "new\n", inputs=())
                    code = 0
                finally:
                    os._exit(code)
            assert os.waitpid(pid, 0)[1] == 0
        else:
            write_file(target, "new\n", inputs=())
    finally:
        folder.chmod(0o755)
    target.chmod(0o600)
    assert target.read_text() == "new\n" and os.listdir(folder) == ["out.txt"]
    if as_root:
        import shutil

        shutil.rmtree(tmp_path)


@pytest.mark.parametrize("command", [["estimate", EXAMPLE], ["compare-regions", EXAMPLE],
                                     ["opportunities", EXAMPLE]], ids=lambda c: c[0])
def test_report_and_output_may_not_name_the_same_file(tmp_path, command):
    (tmp_path / "x.md").write_text("keep")
    result = cli(*command, "--as-of", AS_OF, "--report", "x.md", "-o", "./x.md", cwd=tmp_path)
    err = clean(result)
    assert result.returncode == EXIT_USAGE and "--report: names the same file" in err
    assert (tmp_path / "x.md").read_text() == "keep"


# ------------------------------------------------------------------ 30. bounded work


def test_one_record_of_a_mebibyte_under_shared_ceilings_is_estimated_quickly():
    """Some 6,700 awards in one Suzhou applicant, all under the yearly and document
    ceilings: the grouping used to compare every award with every other (14 s of CPU);
    near-linear it takes well under a second. The bound here is loose for a busy machine."""
    import time

    from policycalc.engine import estimate
    from policycalc.profile import build_profile

    facts = []
    for i in range(6700):
        date = f"2020-{i % 12 + 1:02d}-{i % 28 + 1:02d}"
        if i % 3 == 0:
            facts.append({"kind": "clinical_phase_completed", "date": date, "phase": i % 3 + 1,
                          "product_type": "innovative_drug", "drug_class": 1,
                          "rd_spend": 100 + i % 5000, "next_phase_entered": True,
                          "product": f"P{i}"})
        elif i % 3 == 1:
            facts.append({"kind": "clinical_phase_entered", "date": date, "phase": i % 3 + 1,
                          "product_type": "innovative_drug", "rd_spend": 100 + i % 5000,
                          "product": f"P{i}"})
        else:
            facts.append({"kind": "device_registration", "date": date, "device_class": 3,
                          "rd_spend": 50 + i % 3000, "product": f"P{i}"})
    data = {"applicant": {"id": "h", "region": "suzhou"}, "facts": facts}
    assert len(json.dumps(data)) < 1 << 20
    profile = build_profile(data, RULESET, "h.jsonl")
    start = time.process_time()
    result = estimate(RULESET, profile, dt.date(2021, 6, 30), trace=False)
    assert time.process_time() - start < 4
    # Suzhou 第五条: at most 8,000万 per enterprise per year; every fact is in 2020, and the
    # clinical (第六条, 3,000万 a year) and device ceilings are full many times over.
    assert result.totals.max <= 8000


# ------------------------------------------------------------------ 7-10. streams, fork, signals

STDOUT_COMMANDS = [
    ["estimate", EXAMPLE, "--as-of", AS_OF], ["estimate", EXAMPLE, "-f", "json"],
    ["compare-regions", EXAMPLE], ["opportunities", EXAMPLE], ["explain", "km-09-renovation"],
    ["measures"], ["measures", "--stats"], ["regions"], ["facts"], ["facts", "renovation"],
    ["validate"], ["check", "-q"], ["init"], ["--help"], ["--version"], ["estimate", "--help"],
    ["estimate", "--batch", str(ROOT / "examples" / "clients.csv"), "--as-of", AS_OF],
    ["interview", "--region", "chongqing", "--as-of", "2023-01-01", "--answers",
     str(ROOT / "examples" / "cq-answers.txt")],
]


@pytest.mark.parametrize("command", STDOUT_COMMANDS, ids=lambda c: " ".join(c[:2])[:30])
def test_a_full_disk_on_stdout_is_one_error_line_and_exit_3(tmp_path, command):
    with open("/dev/full", "wb") as full:
        result = subprocess.run([sys.executable, "-m", "policycalc", *command], cwd=tmp_path,
                                stdout=full, stderr=subprocess.PIPE, timeout=120)
    err = clean(result)
    assert result.returncode == 3, err
    assert "Error: <stdout>: cannot write: No space left on device\n" in err


def _closed(fd: int) -> Any:
    import os

    return lambda: os.close(fd)


def test_closed_stdout_is_one_error_line_and_output_files_still_work(tmp_path):
    result = cli("regions", cwd=tmp_path, preexec_fn=_closed(1))
    assert result.returncode == 3
    assert clean(result) == "Error: <stdout>: cannot write: standard output is closed\n"
    result = cli("regions", "-f", "csv", "-o", "r.csv", cwd=tmp_path, preexec_fn=_closed(1))
    assert result.returncode == 0, clean(result)
    assert (tmp_path / "r.csv").read_text().startswith("id,name")


@pytest.mark.parametrize("command", [["estimate", "-"], ["estimate", "--batch", "-"],
                                     ["interview", "--region", "chongqing"]])
def test_closed_stdin_is_one_error_line(tmp_path, command):
    result = cli(*command, cwd=tmp_path, preexec_fn=_closed(0))
    assert result.returncode == EXIT_USAGE
    assert "Error: <stdin>: cannot read: standard input is closed" in clean(result)


def test_closed_stderr_and_a_full_stderr_still_give_the_exit_code(tmp_path):
    result = cli("estimate", "/nonexistent", cwd=tmp_path, preexec_fn=_closed(2))
    assert result.returncode == EXIT_USAGE
    with open("/dev/full", "wb") as full:
        result = subprocess.run([sys.executable, "-m", "policycalc", "estimate", "/nonexistent"],
                                cwd=tmp_path, stderr=full, timeout=60)
    assert result.returncode == EXIT_USAGE


@pytest.mark.parametrize("command", [
    ["estimate", "/dev/zero"], ["estimate", "-"], ["interview", "--region", "chongqing",
                                                   "--answers", "/dev/zero"],
    ["estimate", "--batch", "/dev/zero"],
    ["estimate", "--batch", "/dev/zero", "--input-format", "jsonl"],
    ["estimate", "--batch", "/dev/zero", "--input-format", "json"],
    ["estimate", "--batch", "/dev/zero", "--input-format", "yaml"],
], ids=lambda c: " ".join(c[1:])[:40])
def test_dev_zero_as_input_ends_with_one_error_line(tmp_path, command):
    with open("/dev/zero", "rb") as zero:
        result = subprocess.run([sys.executable, "-m", "policycalc", *command], cwd=tmp_path,
                                stdin=zero, capture_output=True, timeout=120)
    err = clean(result)
    assert result.returncode in (EXIT_DATA, EXIT_USAGE), err
    assert err.startswith("Error: ")


def _fork_fails_after(monkeypatch: Any, started: int) -> None:
    import errno
    import os

    real = os.fork
    count = [0]

    def fork() -> int:
        count[0] += 1
        if count[0] > started:
            raise OSError(errno.EAGAIN, os.strerror(errno.EAGAIN))
        return real()

    monkeypatch.setattr(os, "fork", fork)


@pytest.mark.parametrize("started", [0, 1])
def test_a_failed_fork_under_jobs_still_estimates_every_applicant(monkeypatch, started):
    _fork_fails_after(monkeypatch, started)
    raw = "".join(json.dumps(good(f"g{i}")) + "\n" for i in range(40)).encode()
    job = batch.Job(RULESET, dt.date(2023, 6, 30), "en", True, "in.jsonl")
    out = io.StringIO()
    notes: list[str] = []
    counts = batch.run(io.BytesIO(raw), "jsonl", job, out, notes.append, jobs=3, chunk=4,
                       note=notes.append)
    assert counts.estimated == 40 and counts.rejected == 0
    assert len(out.getvalue().splitlines()) == 40
    assert notes == [f"Note: {started} of 3 worker processes could be started (Resource "
                     f"temporarily unavailable); running "
                     f"{'in this one' if not started else 'with those'}"]


def test_a_signal_in_the_first_milliseconds_is_one_line_not_a_traceback(tmp_path):
    """SIGINT at random moments of start-up. A signal that lands before any policycalc code
    runs (the interpreter's own start-up, the console script's `import re`) is Python's,
    out of reach of the package; once the package loads, it is one line and exit 130."""
    import random
    import signal
    import time

    rng = random.Random(18)
    for _ in range(12):
        proc = subprocess.Popen([sys.executable, "-m", "policycalc", "estimate", EXAMPLE,
                                 "--as-of", AS_OF], cwd=tmp_path, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE)
        time.sleep(rng.uniform(0.01, 0.25))
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
        text = err.decode("utf-8", "replace")
        if "Traceback" in text:
            assert "/cli/" not in text and "policycalc/" not in text, text
        else:
            assert proc.returncode in (0, 130, -2), text
            assert proc.returncode != 130 or text.endswith("Error: interrupted (SIGINT)\n")


# ------------------------------------------------------------------ 11-15. data and cache


def _bomb(width: int, depth: int) -> str:
    lines = ["x0: &a0 [" + ",".join(["lol"] * width) + "]"]
    lines += [f"x{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * width) + "]"
              for i in range(1, depth + 1)]
    return "\n".join(lines) + "\n"


def test_a_small_alias_bomb_is_refused(tmp_path):
    from policycalc.yamlsafe import MAX_NODES

    text = _bomb(9, 5)  # 9**5 = 59,049 values (under the old 1,000,000) from 245 bytes
    assert len(text) < 300 and MAX_NODES > 9 ** 5
    (tmp_path / "bomb.yaml").write_text(text)
    result = cli("validate", "bomb.yaml", cwd=tmp_path)
    assert result.returncode == EXIT_DATA
    assert "aliases expand" in clean(result) and "alias bomb" in clean(result)
    assert cli("validate", cwd=tmp_path).returncode == 0  # the bundled anchors are fine


def test_extra_data_cannot_redefine_a_bundled_region(tmp_path):
    extra = tmp_path / "e"
    extra.mkdir()
    (extra / "regions.yaml").write_text(
        "regions:\n  kunming: {zh: 昆明市, en: Kunming, level: city, parent: chongqing}\n")
    result = cli("estimate", EXAMPLE, "--as-of", AS_OF, "--extra-data", "e", cwd=tmp_path)
    err = clean(result)
    assert result.returncode == EXIT_DATA and err.count("\n") == 1
    assert "e/regions.yaml:2: regions.kunming: region 'kunming' is defined already" in err
    # the same definition again, beside a new region, is fine
    (extra / "regions.yaml").write_text(
        "regions:\n  kunming: {zh: 昆明市, en: Kunming, level: city, parent: yunnan}\n"
        "  dali: {zh: 大理州, en: Dali, level: city, parent: yunnan}\n")
    result = cli("regions", "--extra-data", "e", "-f", "csv", cwd=tmp_path)
    assert result.returncode == 0 and b"\ndali," in result.stdout


@pytest.mark.parametrize("kind", ["fifo", "zero"])
def test_a_fifo_or_a_device_in_a_data_folder_is_refused_at_once(tmp_path, kind):
    import os
    import shutil

    from policycalc.rulesets import bundled_data_dir

    data = tmp_path / "d"
    shutil.copytree(bundled_data_dir(), data)
    odd = data / "zz.yaml"
    if kind == "fifo":
        os.mkfifo(odd)
    else:
        odd.symlink_to("/dev/zero")
    result = cli("validate", "d", cwd=tmp_path)
    err = clean(result)
    assert result.returncode == EXIT_DATA
    assert err.startswith("Error: d/zz.yaml: is ") and "a policy file is a regular file" in err


@pytest.mark.parametrize("kind", ["fifo", "symlink"])
def test_the_cache_replaces_whatever_stands_at_its_entry(tmp_path, kind):
    import os

    cache = tmp_path / "cache"
    cache.mkdir(mode=0o700)
    env = {**os.environ, "POLICYCALC_CACHE_DIR": str(cache)}
    assert cli("regions", cwd=tmp_path, env=env).returncode == 0
    (entry,) = cache.iterdir()
    entry.unlink()
    victim = tmp_path / "victim"
    victim.write_text("mine")
    if kind == "fifo":
        os.mkfifo(entry)
    else:
        entry.symlink_to(victim)
    result = cli("regions", cwd=tmp_path, env=env)
    assert result.returncode == 0, clean(result)
    assert victim.read_text() == "mine"
    assert entry.is_file() and not entry.is_symlink()


@pytest.mark.parametrize("home", ["missing", "", "relative"])
def test_no_cache_folder_is_made_for_a_home_that_is_not_there(tmp_path, home):
    import os

    if home == "missing":
        home = str(tmp_path / "nonexistent-home")
    env = {k: v for k, v in os.environ.items()
           if k not in ("XDG_CACHE_HOME", "POLICYCALC_CACHE_DIR", "POLICYCALC_CACHE")}
    env["HOME"] = home
    result = cli("regions", cwd=tmp_path, env=env)
    assert result.returncode == 0, clean(result)
    assert list(tmp_path.iterdir()) == []
    from policycalc import cache

    os.environ["HOME"], saved = home, os.environ.get("HOME", "")
    try:
        assert cache.folder() is None or os.environ.get("XDG_CACHE_HOME")
    finally:
        os.environ["HOME"] = saved


# ------------------------------------------------------------------ 16-18. output hygiene

HOSTILE_TEXT = 'applicant: {id: "a\\u009bb\\u202ec\\x1bd\\x00e", region: kunming}\n' \
    'facts: [{kind: renovation, date: 2021-03-15, invoice_amount: 1000, ' \
    'note: "n\\u009b\\u202e\\x1b\\u2028"}]\n'
RAW_UNSAFE = ["\x1b", "\x00", "\x9b", "\u202e", "\u2028"]


@pytest.mark.parametrize("fmt", ["table", "csv", "json", "jsonl", "toml", "yaml"])
def test_no_control_or_bidi_character_reaches_any_output_raw(tmp_path, fmt):
    (tmp_path / "h.yaml").write_text(HOSTILE_TEXT)
    result = cli("estimate", "h.yaml", "--as-of", AS_OF, "-f", fmt, "--all", cwd=tmp_path)
    assert result.returncode == 0, clean(result)
    out = result.stdout.decode("utf-8")
    assert out and not [c for c in RAW_UNSAFE if c in out], fmt
    if fmt in ("json", "toml", "yaml"):
        assert "\\u202e" in out and ("\\u009b" in out or "\\x9B" in out)


def test_the_reports_carry_no_bidi_override(tmp_path):
    (tmp_path / "h.yaml").write_text(HOSTILE_TEXT)
    for name in ("r.html", "r.md", "r.svg"):
        result = cli("estimate", "h.yaml", "--as-of", AS_OF, "--report", name, cwd=tmp_path)
        assert result.returncode == 0, clean(result)
        text = (tmp_path / name).read_text()
        assert not [c for c in RAW_UNSAFE if c in text], name


def test_error_and_note_lines_show_c1_and_bidi_characters_escaped(tmp_path):
    # A reused id holding U+202E and an unknown key holding U+202E and U+0085 (NEL, a line
    # end to some terminals): the duplicate-id note and the record's Error: line name them,
    # escaped as the other outputs escape them, so stderr stays one line per message and
    # reads in its own order.
    record = {"applicant": {"id": "a\u202eb", "region": "kunming"}, "facts": []}
    bad = {"applicant": {"id": "c", "region": "kunming", "k\u202ey\x85": 1}, "facts": []}
    lines = [json.dumps(record), json.dumps(record), json.dumps(bad)]
    (tmp_path / "b.jsonl").write_text("\n".join(lines) + "\n")
    result = cli("estimate", "--batch", "b.jsonl", "--as-of", AS_OF, cwd=tmp_path)
    err = clean(result)
    assert result.returncode == EXIT_DATA
    assert not [c for c in ("\u202e", "\x85") if c in err], err
    said = err.splitlines()
    assert any("id: 'a\\u202eb'" in line for line in said), err
    assert any(line.startswith("Error:") and "k\\u202ey\\x85" in line for line in said), err


def test_the_json_escapes_read_back_as_the_same_text(tmp_path):
    (tmp_path / "h.yaml").write_text(HOSTILE_TEXT)
    result = cli("estimate", "h.yaml", "--as-of", AS_OF, "-f", "json", "--all", cwd=tmp_path)
    data = json.loads(result.stdout)
    assert data["applicant"]["id"] == "a\x9bb\u202ec\x1bd\x00e"


# ------------------------------------------------------------------ 20. numbers in other bases


@pytest.mark.parametrize("name, text", [
    ("p.yaml", "invoice_amount: 16:40"), ("p.yaml", "invoice_amount: 0x3E8"),
    ("p.yaml", "invoice_amount: 01750"), ("p.yaml", "invoice_amount: 1_000"),
    ("p.toml", "invoice_amount = 0x3E8"), ("p.toml", "invoice_amount = 1_000"),
])
def test_a_number_in_another_base_is_refused_not_read_as_1000(tmp_path, name, text):
    if name.endswith(".yaml"):
        body = ("applicant: {region: kunming}\nfacts:\n  - kind: renovation\n"
                f"    date: 2021-03-15\n    {text}\n")
    else:
        body = ('[applicant]\nregion = "kunming"\n[[facts]]\nkind = "renovation"\n'
                f"date = 2021-03-15\n{text}\n")
    (tmp_path / name).write_text(body)
    result = cli("estimate", name, "--as-of", AS_OF, cwd=tmp_path)
    err = clean(result)
    assert result.returncode == EXIT_USAGE and err.count("\n") == 1
    line = 5 if name.endswith(".yaml") else 6  # the line of the amount
    assert "is not a number in decimal digits" in err and f"{name}:{line}" in err


def test_a_csv_amount_with_an_underscore_rejects_its_applicant_only():
    raw = (b"id,applicant.region,kind,date,invoice_amount\n"
           b"a,kunming,renovation,2021-03-15,1_000\nb,kunming,renovation,2021-03-15,1000\n")
    _counts, rows, errors = read_batch(raw, "csv")
    assert list(rows) == ["b"] and rows["b"]["min"] == 50
    assert "'1_000' is not a number in decimal digits" in errors[0]


def test_a_text_field_keeps_what_yaml_would_read_as_a_number(tmp_path):
    (tmp_path / "p.yaml").write_text("applicant: {region: kunming, id: 16:40}\n")
    result = cli("estimate", "p.yaml", "--as-of", AS_OF, "-f", "json", cwd=tmp_path)
    assert json.loads(result.stdout)["applicant"]["id"] == "16:40"
