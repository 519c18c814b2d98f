"""Generated and mutated input: nothing crashes, nothing runs code, the money obeys its rules.

Each suite has a fixed number of cases and a fixed seed in CI (see conftest.py: the "ci"
profile derandomises). POLICYCALC_FUZZ_SCALE=10 runs ten times as many cases locally, and
HYPOTHESIS_PROFILE=thorough draws them at random instead of from the fixed seed.
"""

from __future__ import annotations

import datetime as dt
import errno
import io
import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from policycalc import batch
from policycalc.app import app
from policycalc.ceilings import group_id
from policycalc.engine import estimate
from policycalc.errors import DataError, PolicycalcError
from policycalc.formulas import Share, evaluate, item_ceiling
from policycalc.loader import build
from policycalc.model import Fact, FieldSpec, Ruleset
from policycalc.opportunities import find_opportunities
from policycalc.profile import build_profile, parse_document, read_text
from policycalc.rulesets import SHARED_FILES, bundled_data_dir, load_ruleset

from .test_loader import GOOD

SCALE = int(os.environ.get("POLICYCALC_FUZZ_SCALE", "1"))
RULESET = load_ruleset()
AS_OF = dt.date(2022, 1, 1)


def cases(n: int) -> Any:
    return settings(max_examples=n * SCALE, deadline=None,
                    suppress_health_check=list(HealthCheck))


def one_line(error: PolicycalcError) -> None:
    text = str(error)
    assert text and "\n" not in text and "Traceback" not in text


# ------------------------------------------------------------------ strategies

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-10**12, 10**12), st.text(max_size=12),
    st.decimals(allow_nan=False, allow_infinity=False, places=3, min_value=-10**9,
                max_value=10**10),
    st.dates(dt.date(1900, 1, 1), dt.date(2200, 1, 1)),
)
junk = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                    | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=12)


def field_values(spec: FieldSpec) -> st.SearchStrategy[Any]:
    if spec.type == "money":
        return st.decimals(min_value=0, max_value=200000, places=2, allow_nan=False,
                           allow_infinity=False)
    if spec.type in ("count", "int"):
        if spec.values:
            return st.sampled_from(spec.values)
        return st.integers(0, 20)
    if spec.type == "bool":
        return st.booleans()
    if spec.type == "enum":
        assert spec.values
        return st.sampled_from(spec.values)
    if spec.type == "region":
        return st.sampled_from(sorted(RULESET.regions))
    if spec.type == "date":
        return st.dates(dt.date(2018, 1, 1), dt.date(2025, 12, 31))
    return st.text(max_size=6)


@st.composite
def facts(draw: st.DrawFn, ruleset: Ruleset = RULESET) -> dict[str, Any]:
    kind = ruleset.vocabulary.kinds[draw(st.sampled_from(sorted(ruleset.vocabulary.kinds)))]
    fact: dict[str, Any] = {"kind": kind.id,
                            "date": draw(st.dates(dt.date(2019, 1, 1), dt.date(2021, 12, 31)))}
    for name, spec in kind.fields.items():
        if spec.required or draw(st.booleans()):
            fact[name] = draw(field_values(spec))
    if draw(st.booleans()):
        fact["product"] = draw(st.sampled_from(["P1", "P2", "P3"]))
    return fact


@st.composite
def profiles(draw: st.DrawFn) -> dict[str, Any]:
    region = draw(st.sampled_from(["kunming", "chongqing", "suzhou", "nanshan", "jiangsu",
                                   "yunnan"]))
    applicant: dict[str, Any] = {"region": region}
    for flag in ("serious_credit_record", "high_growth", "founded_by_high_level_talent",
                 "fortune_global_500", "listed"):
        if draw(st.integers(0, 4)) == 0:
            applicant[flag] = draw(st.booleans())
    if draw(st.integers(0, 3)) == 0:
        applicant["legal_form"] = draw(field_values(RULESET.vocabulary.applicant["legal_form"]))
    return {"applicant": applicant, "facts": draw(st.lists(facts(), max_size=6))}


@st.composite
def mutated(draw: st.DrawFn) -> Any:
    """A valid profile with one part broken: a key dropped, renamed or given junk."""
    data = draw(profiles())
    target = draw(st.sampled_from(["applicant", "fact", "top"]))
    if target == "top":
        data[draw(st.sampled_from(["applicant", "facts", "extra"]))] = draw(junk)
        return data
    if target == "applicant" or not data["facts"]:
        holder = data["applicant"]
    else:
        holder = data["facts"][draw(st.integers(0, len(data["facts"]) - 1))]
    keys = sorted(holder)
    key = draw(st.sampled_from(keys)) if keys else "x"
    action = draw(st.sampled_from(["drop", "junk", "rename"]))
    if action == "drop":
        holder.pop(key, None)
    elif action == "junk":
        holder[key] = draw(junk)
    else:
        holder[key + draw(st.text(min_size=1, max_size=3))] = holder.pop(key, None)
    return data


# ------------------------------------------------------------------ no input crashes it


@cases(3000)
@given(st.one_of(junk, mutated()))
def test_any_profile_data_gives_an_estimate_or_one_clear_error(data):
    try:
        profile = build_profile(data, RULESET, "fuzz.yaml")
    except PolicycalcError as exc:
        one_line(exc)
        assert str(exc).startswith("fuzz.yaml")
        return
    result = estimate(RULESET, profile, AS_OF)
    assert result.totals.min <= result.totals.max


text_inputs = st.one_of(
    st.binary(max_size=200),
    st.text(max_size=200).map(lambda t: t.encode("utf-8")),
    st.text(alphabet="{}[]:,-&*!#'\"\n abcregionkunmingapplicantfacts0123456789.",
            max_size=120).map(lambda t: t.encode("utf-8")),
    st.sampled_from([
        b"a: &a [1,2]\nb: &b [*a,*a,*a]\nc: [*b,*b,*b]\n",
        b"applicant: !!python/object/apply:os.system ['echo owned']\n",
        b"applicant: !!python/name:os.system\n",
        "applicant:\n  region: 昆明\n".encode("gbk"),
        b"\xef\xbb\xbfapplicant:\n  region: kunming\n",
        b"[" * 500 + b"]" * 500,
        b"{" * 300,
    ]),
)


@cases(3000)
@given(text_inputs, st.sampled_from(["p.yaml", "p.toml", "p.json", "-"]))
def test_any_bytes_give_a_profile_or_one_clear_error(raw, name):
    try:
        profile = build_profile(parse_document(read_text(raw, name), name), RULESET, name)
    except PolicycalcError as exc:
        one_line(exc)
        return
    estimate(RULESET, profile, AS_OF)


# ------------------------------------------------------------------ policy files


def _tables() -> tuple[dict[Path, bytes], list[tuple[str, Path]]]:
    folder = bundled_data_dir()
    tables = [(name, folder / name) for name in SHARED_FILES]
    return {path: path.read_bytes() for _, path in tables}, tables


TABLES = _tables()
GOOD_LINES = GOOD.splitlines()


@st.composite
def broken_documents(draw: st.DrawFn) -> str:
    lines = list(GOOD_LINES)
    for _ in range(draw(st.integers(1, 3))):
        index = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(["drop", "value", "key", "indent", "insert"]))
        line = lines[index]
        if action == "drop":
            lines.pop(index)
        elif action == "value" and ":" in line:
            head = line.split(":", 1)[0]
            lines[index] = head + ": " + draw(st.sampled_from(
                ["-5", "0", "[]", "{}", "null", "x", "99999999999", "2021-02-30", "1.5", "'",
                 "!!python/object/apply:os.system [x]", "*nope", "true"]))
        elif action == "key" and ":" in line:
            head, rest = line.split(":", 1)
            lines[index] = head + draw(st.sampled_from(["x", "_", "s"])) + ":" + rest
        elif action == "indent":
            lines[index] = " " + line
        else:
            lines.insert(index, line)
    return "\n".join(lines) + "\n"


@cases(1500)
@given(broken_documents())
def test_broken_policy_files_are_refused_with_one_clear_error(text):
    raws, tables = TABLES
    path = Path("/fuzz/doc.yaml")
    try:
        ruleset = build({**raws, path: text.encode("utf-8")}, tables, [path])
    except DataError as exc:
        one_line(exc)
        assert "/fuzz/doc.yaml" in str(exc) or "yaml" in str(exc)
        return
    # Still valid (a harmless mutation): it must then compute.
    profile = build_profile({"applicant": {"region": "chongqing"}, "facts": []}, ruleset, "p")
    estimate(ruleset, profile, AS_OF)


# ------------------------------------------------------------------ the money


@cases(1500)
@given(profiles(), st.dates(dt.date(2019, 6, 1), dt.date(2024, 6, 1)))
def test_money_rules_hold_for_any_valid_profile(data, as_of):
    profile = build_profile(data, RULESET, "p")
    result = estimate(RULESET, profile, as_of)
    before = Decimal(0)
    unknown = 0
    for award in result.awards:
        amount, original = award.amount, award.original
        if amount.money and amount.known:
            assert amount.min is not None and amount.max is not None
            assert original.min is not None and original.max is not None
            assert 0 <= amount.min <= amount.max <= original.max
            ceiling = item_ceiling(award.measure.formula)
            if ceiling is not None and not hasattr(award.measure.formula, "count_field"):
                assert amount.max <= ceiling, award.measure.id
            before += original.max
        elif amount.money:
            unknown += 1
    # Totals come from the groups: never more than the awards before their ceilings, and a
    # group never pays more than its ceiling.
    totals = result.totals
    assert 0 <= totals.min <= totals.max <= before
    assert totals.case_by_case <= unknown
    for group in result.ceilings:
        assert group.bounds.min is not None and group.bounds.max is not None
        assert 0 <= group.bounds.min <= group.bounds.max <= group.amount, group.id
        assert all(any(m is a for a in result.awards) for m in group.members)
    # The result does not depend on the order the facts are listed in, same-day facts too.
    _same_in_any_order(data, as_of)
    if data["facts"]:
        day = data["facts"][0]["date"]
        _same_in_any_order(dict(data, facts=[dict(f, date=day) for f in data["facts"]]), as_of)


def _same_in_any_order(data: dict[str, Any], as_of: dt.date) -> None:
    first = estimate(RULESET, build_profile(data, RULESET, "p"), as_of)
    for seed in (7, 8):
        shuffled = dict(data, facts=random.Random(seed).sample(data["facts"], len(data["facts"])))
        again = estimate(RULESET, build_profile(shuffled, RULESET, "p"), as_of)
        key = sorted((a.measure.id, str(a.amount.min), str(a.amount.max)) for a in first.awards)
        assert key == sorted((a.measure.id, str(a.amount.min), str(a.amount.max))
                             for a in again.awards)
        assert again.totals == first.totals
        # A group of an unnamed product is named after its fact's place in the list ("#2"),
        # which moves with the shuffle; the name is a label, the bounds must not move.
        assert sorted((_unnumbered(g.id), g.bounds) for g in again.ceilings) == sorted(
            (_unnumbered(g.id), g.bounds) for g in first.ceilings)


def _unnumbered(group_id: str) -> str:
    return re.sub(r"#\d+", "#", group_id)


# ------------------------------------------------------------------ advice


@cases(300)
@given(profiles(), st.dates(dt.date(2019, 6, 1), dt.date(2024, 6, 1)))
def test_opportunities_never_exceed_the_measure_or_what_is_left(data, as_of):
    found = find_opportunities(RULESET, build_profile(data, RULESET, "p"), as_of)
    est = found.estimate
    groups = {g.id: g for g in est.ceilings}
    awarded = {(a.measure.id, a.fact.number) for a in est.awards}
    for o in found.items:
        high = o.amount.max
        if o.reason == "ceiling" or high is None:
            continue
        if o.fact is not None and (o.measure.id, o.fact.number) in awarded:
            continue  # a current award made exact: what is left is not its limit
        own = o.measure.formula.bounds().max
        assert own is None or high <= own, (o.measure.id, o.reason)
        fact = o.fact if o.fact is not None else Fact(0, "", as_of, {}, o.product)
        for ceiling in o.document.ceilings:
            if not ceiling.applies_to(o.measure):
                continue
            group = groups.get(group_id(ceiling, fact))
            used = group.bounds.min if group is not None else 0
            assert high <= max(0, ceiling.amount - (used or 0)), (o.measure.id, ceiling.id)
    # Nor does the advice depend on the order of the facts, same-day facts too (#18 item 31).
    _same_advice_in_any_order(data, as_of)
    if data["facts"]:
        day = data["facts"][0]["date"]
        _same_advice_in_any_order(
            dict(data, facts=[dict(f, date=day) for f in data["facts"]]), as_of)


def _advice_key(data: dict[str, Any], as_of: dt.date) -> list[tuple[Any, ...]]:
    items = find_opportunities(RULESET, build_profile(data, RULESET, "p"), as_of).items
    # An unnamed product is named after its fact's place in the list ("#2"): a label only.
    return [(o.measure.id, o.reason, o.amount, _unnumbered(o.needs.en),
             tuple(_unnumbered(n.en) for n in o.notes)) for o in items]


def _same_advice_in_any_order(data: dict[str, Any], as_of: dt.date) -> None:
    first = _advice_key(data, as_of)
    for seed in (7, 8):
        shuffled = dict(data, facts=random.Random(seed).sample(data["facts"], len(data["facts"])))
        assert sorted(_advice_key(shuffled, as_of)) == sorted(first)
        assert [k[:3] for k in _advice_key(shuffled, as_of)] == [k[:3] for k in first]


@cases(1000)
@given(st.decimals(min_value=0, max_value=10**7, places=2, allow_nan=False),
       st.decimals(min_value=0, max_value=10**7, places=2, allow_nan=False),
       st.decimals(min_value=Decimal("0.01"), max_value=1, places=2),
       st.one_of(st.none(), st.decimals(min_value=1, max_value=10**4, places=0)),
       st.booleans())
def test_share_with_ceiling_never_decreases_as_its_base_grows(a, b, rate, cap, ceiling_rate):
    formula = Share("base", rate, cap, ceiling_rate)
    low, high = sorted((a, b))
    first = evaluate(formula, {"base": low}).amount
    second = evaluate(formula, {"base": high}).amount
    assert first is not None and second is not None
    assert first.max is not None and second.max is not None
    assert first.max <= second.max and first.min <= second.min
    if cap is not None:
        assert second.max <= cap


# ------------------------------------------------------------------ batches

GOOD_ROW = json.dumps({"applicant": {"id": "g", "region": "kunming"},
                       "facts": [{"kind": "renovation", "date": "2021-03-15",
                                  "invoice_amount": 1000}]})


@cases(300)
@given(st.lists(st.one_of(st.just(GOOD_ROW), st.text(max_size=40).filter(lambda t: "\n" not in t
                                                                         and "\r" not in t)),
                min_size=1, max_size=30),
       st.sampled_from([1, 2]))
def test_batch_rows_in_equal_applicants_out_plus_rejected(rows, jobs):
    job = batch.Job(RULESET, dt.date(2023, 6, 30), "en", True, "in.jsonl")
    out = io.StringIO()
    errors: list[str] = []
    counts = batch.run(io.StringIO("\n".join(rows) + "\n"), "jsonl", job, out, errors.append,
                       jobs=jobs, chunk=4)
    written = out.getvalue().splitlines()
    non_blank = [r for r in rows if r.strip()]
    assert counts.read == len(non_blank) == counts.estimated + counts.rejected
    assert len(written) == counts.estimated and len(errors) == counts.rejected
    assert counts.estimated >= rows.count(GOOD_ROW)  # every good row is kept
    assert all(json.loads(line)["min"] == 50 for line in written if '"g"' in line)


# ------------------------------------------------------------------ the command line

runner = CliRunner()
EXAMPLE = str(Path(__file__).resolve().parent.parent / "examples" / "kunming-cell.toml")


@cases(200)
@given(st.lists(st.sampled_from([
    "estimate", "explain", "measures", "facts", "compare-regions", "regions", "--as-of",
    "2023-06-30", "2023-02-30", "yesterday", "--format", "json", "xml", "csv", "--lang", "fr",
    "en", EXAMPLE, "/nonexistent", "-", "--regions", "kunming,mars", "--batch", "--jobs", "0",
    "km-09-renovation", "--data-dir", "/tmp", "--summary", "--all", "--stats",
]), max_size=7))
def test_any_command_line_exits_with_a_documented_code(argv):
    result = runner.invoke(app, argv, input="")
    assert result.exit_code in (0, 1, 2)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        pytest.fail(f"{argv}: {result.exception!r}")


# ------------------------------------------------------------------ hostile batches (issue 11)

GOOD_CSV_HEAD = "id,applicant.region,kind,date,invoice_amount\n"
BAD_CELLS = ['"1000', "²", "9" * 5000, "1.0e+999999999", "x" * 3000, "1,00", "½", "٣", "-0",
             "NaN", "Infinity", '"a""b', '1000"', "\x00", "\u202e1000"]


def _good_csv(name: str) -> bytes:
    # Kunming （九）: 5% of a 1,000万 renovation invoice = 50.
    return f"{name},kunming,renovation,2021-03-15,1000\n".encode()


bad_csv_rows = st.one_of(
    st.sampled_from(BAD_CELLS).map(
        lambda cell: f"b,kunming,renovation,2021-03-15,{cell}\n".encode()),
    st.binary(min_size=1, max_size=60).map(lambda raw: raw.replace(b"\n", b" ") + b"\n"),
    st.text(alphabet=',"\r\nabc01²', max_size=30).map(lambda t: ("b," + t + "\n").encode()),
)


def _batch(raw: bytes, fmt: str, limit: int = 2048) -> tuple[batch.Counts, list[str], list[str]]:
    job = batch.Job(RULESET, dt.date(2023, 6, 30), "en", True, "in." + fmt)
    out = io.StringIO()
    errors: list[str] = []
    counts = batch.run(io.BytesIO(raw), fmt, job, out, errors.append, chunk=4, limit=limit)
    return counts, out.getvalue().splitlines(), errors


@cases(300)
@given(st.lists(st.one_of(st.none(), bad_csv_rows), min_size=1, max_size=25))
def test_hostile_csv_rows_never_cost_a_good_applicant(plan):
    raw = GOOD_CSV_HEAD.encode()
    good = []
    for index, row in enumerate(plan):
        if row is None:
            good.append(f"g{index}")
            raw += _good_csv(f"g{index}")
        else:
            raw += row
        raw += _good_csv(f"h{index}")  # every bad row is followed by a good applicant
        good.append(f"h{index}")
    counts, written, errors = _batch(raw, "csv")
    assert counts.read == counts.estimated + counts.rejected
    assert len(written) == counts.estimated and len(errors) == counts.rejected
    out = {json.loads(line)["applicant"]: json.loads(line) for line in written}
    for name in good:  # a bad row may take an applicant with its own id, never another's
        assert name in out, (name, errors)
        assert out[name]["min"] == out[name]["max"] == 50
    for error in errors:
        assert "\n" not in error and error.startswith("in.csv:")


@cases(300)
@given(st.lists(st.one_of(st.just(None), st.binary(max_size=80), st.integers(2049, 6000)),
                min_size=1, max_size=20))
def test_hostile_json_lines_cost_only_themselves(plan):
    raw = b""
    for item in plan:
        if item is None:
            raw += GOOD_ROW.encode() + b"\n"
        elif isinstance(item, int):
            raw += b'{"x": "' + b"y" * item + b'"}\n'  # over the 2,048-byte limit
        else:
            raw += item.replace(b"\n", b" ") + b"\n"
    counts, written, errors = _batch(raw, "jsonl")
    assert counts.read == counts.estimated + counts.rejected
    assert counts.estimated >= plan.count(None)
    assert all(json.loads(line)["min"] == 50 for line in written if '"g"' in line)
    assert all("\n" not in e for e in errors)


@cases(200)
@given(st.lists(st.one_of(st.just(GOOD_ROW), st.text(max_size=30),
                          junk.map(lambda value: json.dumps(value, default=str))),
                min_size=1, max_size=15))
def test_a_json_list_keeps_every_good_item(items):
    raw = ("[\n" + ",\n".join(items) + "\n]\n").encode("utf-8", "surrogatepass")
    try:
        counts, written, _errors = _batch(raw, "json")
    except PolicycalcError as exc:  # the whole file is not a list at all
        one_line(exc)
        return
    assert counts.read == counts.estimated + counts.rejected
    good = sum(1 for line in written if json.loads(line)["applicant"] == "g")
    # An item of raw text may break the brackets of the items after it; a good item before
    # any raw text always survives.
    first_raw = next((i for i, t in enumerate(items) if t != GOOD_ROW), len(items))
    assert good >= first_raw


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(), lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=12)
LIST_LAYOUTS = ["one per line", "[ on the first", "one line", "indent 0", "indent 1", "indent 2"]


def json_list(items: list[Any], layout: str, ascii_only: bool = True) -> str:
    texts = [json.dumps(item, ensure_ascii=ascii_only) for item in items]
    if layout == "one per line":
        return "[\n" + ",\n".join(texts) + "\n]\n"
    if layout == "[ on the first":
        return "[" + ",\n ".join(texts) + "]\n"
    if layout == "one line":
        return json.dumps(items, ensure_ascii=ascii_only)
    return json.dumps(items, indent=int(layout[-1]), ensure_ascii=ascii_only)


@cases(300)
@given(st.lists(json_values, max_size=8), st.sampled_from(LIST_LAYOUTS), st.booleans(),
       st.sampled_from([1, 2, 3, 7, 64, 1 << 16]))
def test_a_valid_json_list_is_cut_into_exactly_its_items(items, layout, ascii_only, block):
    """Whatever the values, layout and read size, the reader's items are the list's own, as
    the json module reads them: none of the rules that resynchronise after a broken item
    fires on valid JSON."""
    raw = json_list(items, layout, ascii_only).encode()
    with mock.patch.object(batch, "READ_BLOCK", block):
        read = list(batch._json_list(io.BytesIO(raw), "in.json", "utf-8", 1 << 20))
    assert [it.error for it in read] == [None] * len(items)
    assert [json.loads(it.text) for it in read] == items


def _profile(name: str) -> dict[str, Any]:
    return {"applicant": {"id": name, "region": "kunming"},
            "facts": [{"kind": "renovation", "date": "2021-03-15", "invoice_amount": 1000}]}


def _item_spans(raw: str) -> list[tuple[int, int]]:
    """Where each item of a valid JSON list starts and ends, as the json module reads it."""
    decoder = json.JSONDecoder()
    blank = re.compile(r"[ \t\r\n]*")
    spans = []
    at = raw.index("[") + 1
    while True:
        at = blank.match(raw, at).end()  # type: ignore[union-attr]
        if raw[at] == "]":
            return spans
        end = decoder.raw_decode(raw, at)[1]
        spans.append((at, end))
        at = blank.match(raw, end).end()  # type: ignore[union-attr]
        at += raw[at] == ","


@cases(300)
@given(st.integers(1, 8), st.data(), st.sampled_from(LIST_LAYOUTS),
       st.sampled_from(["delete", "insert"]), st.sampled_from('"{}[]'))
def test_one_broken_item_in_a_json_list_costs_no_other(n, data, layout, how, char):
    """N profiles; one of them loses one of its quotes or brackets, or gains one (not `[`,
    which can open a list of the items after it): every other item is estimated exactly
    once. A lost character costs exactly its item: N read, 1 rejected."""
    bad = data.draw(st.integers(0, n - 1), label="bad")
    names = [f"g{i}" for i in range(n)]
    raw = json_list([_profile(name) for name in names], layout)
    begin, end = _item_spans(raw)[bad]
    span = raw[begin:end]
    assert json.loads(span) == _profile(f"g{bad}")
    if how == "delete":
        places = [i for i, c in enumerate(span) if c == char]
        at = data.draw(st.sampled_from(places), label="at")
        broken = span[:at] + span[at + 1:]
    else:
        assume(char != "[")
        at = data.draw(st.integers(1, len(span) - 1), label="at")  # inside the item
        broken = span[:at] + char + span[at:]
    raw = raw[:begin] + broken + raw[end:]
    counts, written, errors = _batch(raw.encode(), "json", limit=1 << 20)
    estimated = [json.loads(line)["applicant"] for line in written]
    others = [name for name in names if name != f"g{bad}"]
    assert sorted(name for name in estimated if name in others) == others, (errors, raw)
    assert counts.read == counts.estimated + counts.rejected
    assert all("\n" not in e for e in errors)
    if how == "delete":
        assert (counts.read, counts.rejected) == (n, 1), (errors, raw)
        first_line = raw.count("\n", 0, begin) + 1
        last_line = raw.count("\n", 0, begin + len(broken)) + 1
        line = int(errors[0].split(":")[1])
        assert first_line <= line <= last_line, (errors, raw)


@cases(200)
@given(st.lists(st.one_of(
    st.just("- applicant: {id: g, region: kunming}\n"
            "  facts: [{kind: renovation, date: 2021-03-15, invoice_amount: 1000}]\n"),
    st.sampled_from([
        "- applicant: *nope\n", "- *x\n", "- applicant: {id: d, region: kunming}\n"
        "  facts: [{kind: renovation, date: 2021-02-30, invoice_amount: 5}]\n",
        "- applicant: {id: n, x: " + "9" * 500 + "}\n", "- 17\n", "- [1, 2]\n",
        "- applicant: !!python/name:os.system x\n",
    ])), min_size=1, max_size=12))
def test_a_yaml_list_item_costs_only_itself(items):
    counts, written, _errors = _batch("".join(items).encode(), "yaml", limit=1 << 20)
    assert counts.read == len(items) == counts.estimated + counts.rejected
    assert sum(1 for line in written if json.loads(line)["applicant"] == "g") == sum(
        1 for i in items if "id: g" in i)


# ------------------------------------------------------------------ hostile policy data


@cases(150)
@given(st.integers(1, 12), st.integers(1, 12))
def test_aliases_that_expand_too_far_fail_fast(width, levels):
    from policycalc.yamlsafe import ALIAS_FLOOR, ALIAS_RATIO, MAX_NODES

    text = "x0: &a0 [1]\n" + "".join(
        f"x{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * width) + "]\n" for i in range(1, levels + 1))
    values = [2]  # x0: a list and its one number; each level: a list of `width` of the last
    for _ in range(levels):
        values.append(1 + width * values[-1])
    expanded = sum(values)  # worked out by hand, not by the code under test
    raws, tables = TABLES
    path = Path("/fuzz/doc.yaml")
    with pytest.raises(DataError) as info:  # unknown top-level keys, if nothing else
        build({**raws, path: (text + GOOD).encode()}, tables, [path])
    one_line(info.value)
    if expanded > MAX_NODES:
        assert "aliases expand" in str(info.value)
    elif expanded < ALIAS_FLOOR - 1_000:  # below the floor, any ratio is fine
        assert "aliases expand" not in str(info.value)
    elif expanded > ALIAS_RATIO * (2_000 + levels * (width + 2)):
        # GOOD and the anchors are written in under 2,000 values: past ten times that, refused
        assert "aliases expand" in str(info.value)


@cases(200)
@given(st.lists(st.tuples(st.integers(0, 9), st.one_of(st.none(), st.integers(0, 9))),
                min_size=1, max_size=12, unique_by=lambda t: t[0]))
def test_any_region_graph_is_a_tree_or_one_clear_error(edges):
    regions = (bundled_data_dir() / "regions.yaml").read_text(encoding="utf-8") + "".join(
        f"  z{a}: {{zh: 区, en: Z, level: city"
        + (f", parent: z{b}" if b is not None and b in dict(edges) else "") + "}\n"
        for a, b in edges)
    raws, tables = TABLES
    path = next(p for name, p in tables if name == "regions.yaml")
    try:
        ruleset = build({**raws, path: regions.encode()}, tables, [])
    except DataError as exc:
        one_line(exc)
        assert "cycle" in str(exc) or "levels deep" in str(exc)
        return
    for region in ruleset.regions:  # a tree: every chain ends, no region twice
        chain = ruleset.chain(region)
        assert len(chain) == len(set(chain)) <= 9


@cases(300)
@given(st.one_of(
    st.integers(-10, 10).map(lambda e: f"1.0e+{10 ** e if e > 0 else e}"),
    st.integers(0, 6000).map(lambda n: "9" * n or "0"),
    st.sampled_from([".inf", "-.inf", ".nan", "1e400", "0x1F", "0o17", "1_000", "-0.0", "1e-400"]),
))
def test_any_amount_in_policy_data_is_in_range_or_one_clear_error(amount):
    text = GOOD.replace("amount: 500", f"amount: {amount}", 1)
    raws, tables = TABLES
    path = Path("/fuzz/doc.yaml")
    try:
        ruleset = build({**raws, path: text.encode()}, tables, [path])
    except DataError as exc:
        one_line(exc)
        return
    for doc in ruleset.documents.values():
        for ceiling in doc.ceilings:
            assert ceiling.amount.is_finite() and 0 < ceiling.amount <= 10**9
    profile = build_profile({"applicant": {"region": "chongqing"}, "facts": []}, ruleset, "p")
    estimate(ruleset, profile, AS_OF)


# ------------------------------------------------------------------ issue 18: hostile text

LONE = st.sampled_from(["\ud800", "\udfff", "\udc80", "a\udbffb", "\ud83d"])


@st.composite
def with_lone_surrogate(draw: st.DrawFn) -> dict[str, Any]:
    """A valid profile with a lone surrogate in one key or text: any field, any place."""
    data = draw(profiles())
    lone = draw(LONE)
    facts_ = data["facts"]
    place = draw(st.sampled_from(["id", "name", "applicant key", "region", "fact key", "kind",
                                  "date", "product", "note", "value", "top key"]))
    fact = facts_[draw(st.integers(0, len(facts_) - 1))] if facts_ else None
    if place in ("id", "name"):
        data["applicant"][place] = "x" + lone
    elif place == "applicant key":
        data["applicant"][lone] = 1
    elif place == "region":
        data["applicant"]["region"] = lone
    elif place == "top key":
        data[lone] = []
    elif fact is None:
        data["applicant"]["id"] = lone
    elif place == "fact key":
        fact[lone + "x"] = 1
    elif place in ("kind", "date", "product", "note"):
        fact[place] = lone + "y"
    else:  # any value of the fact
        fact[draw(st.sampled_from(sorted(fact)))] = lone
    return data


def _strict_text() -> io.TextIOWrapper:
    return io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="strict", newline="")


@cases(150)
@given(with_lone_surrogate(), st.sampled_from(["p.json", "p.yaml", "built"]))
def test_a_lone_surrogate_anywhere_in_a_profile_is_one_clear_error(data, name):
    # JSON escapes it as \udXXX; JSON text is YAML too, where the escape means the same.
    text = json.dumps(data, default=str)
    try:
        if name == "built":
            profile = build_profile(data, RULESET, name)
        else:
            profile = build_profile(parse_document(text, name), RULESET, name)
    except PolicycalcError as exc:
        one_line(exc)
        str(exc).encode("utf-8")  # the error line itself can be written
        return
    pytest.fail(f"a lone surrogate was accepted: {profile!r}"[:300])


@cases(60)
@given(st.lists(st.one_of(st.none(), with_lone_surrogate()), min_size=1, max_size=8),
       st.sampled_from(["jsonl", "json", "json1", "yaml"]), st.sampled_from([1, 2]))
def test_a_lone_surrogate_in_a_batch_costs_only_its_record(plan, fmt, jobs):
    records = [json.loads(GOOD_ROW) if p is None else p for p in plan]
    texts = [json.dumps(r, default=str) for r in records]
    if fmt == "jsonl":
        raw = "\n".join(texts) + "\n"
    elif fmt == "json":
        raw = "[\n" + ",\n".join(texts) + "\n]\n"
    elif fmt == "json1":  # one line, as json.dumps writes a list
        raw = json.dumps(records, default=str)
    else:
        raw = "".join(f"- {t}\n" for t in texts)
    kind = "json" if fmt == "json1" else fmt
    job = batch.Job(RULESET, dt.date(2023, 6, 30), "en", True, "in." + kind)
    out = _strict_text()
    errors: list[str] = []
    counts = batch.run(io.BytesIO(raw.encode()), kind, job, out, errors.append, jobs=jobs,
                       chunk=3)
    out.flush()
    assert counts.read == len(plan) and counts.rejected == len(plan) - plan.count(None)
    assert counts.estimated == plan.count(None)
    for error in errors:
        assert "\n" not in error
        error.encode("utf-8")


@cases(80)
@given(st.lists(st.one_of(st.none(), st.binary(min_size=1, max_size=40),
                          st.integers(2049, 5000), st.sampled_from([b"\xff", b"\xc3", b"\xed\xa0\x80"])),
                min_size=1, max_size=12),
       st.booleans())
def test_a_json_list_on_any_lines_keeps_every_good_item(plan, one_line_list):
    """Good items beside undecodable, too long and junk ones: every good item is read, on
    one line or many (junk is made bracket-neutral so it cannot merge items by design)."""
    items = []
    for part in plan:
        if part is None:
            items.append(GOOD_ROW.encode())
        elif isinstance(part, int):
            items.append(b'{"x": "' + b"y" * part + b'"}')  # over the 2,048-byte limit
        else:
            junk_ = bytes(b for b in part if b not in b'[]{}"\\,\n')
            items.append(b'{"x": "' + junk_ + b'"}')
    sep = b", " if one_line_list else b",\n"
    raw = b"[" + sep.join(items) + b"]"
    counts, written, errors = _batch(raw, "json")
    assert counts.read == len(plan)
    assert sum(1 for line in written if json.loads(line)["applicant"] == "g") == plan.count(None)
    assert all("\n" not in e for e in errors)


@cases(60)
@given(st.lists(st.one_of(
    st.none(),
    st.integers(60, 120).map(lambda n: "- {applicant: {id: d, x: " + "[" * n + "]" * n + "}}\n"),
    st.sampled_from(["- &a {applicant: {id: a, region: kunming}}\n",
                     "- {applicant: &b {id: b}, facts: &b []}\n",
                     "- &c [1, &c 2]\n", "- *zz\n", "- {applicant: *zz}\n"])),
    min_size=1, max_size=10))
def test_nesting_and_anchors_in_a_yaml_list_cost_only_their_item(plan):
    good_item = ("- applicant: {id: g, region: kunming}\n"
                 "  facts: [{kind: renovation, date: 2021-03-15, invoice_amount: 1000}]\n")
    raw = "".join(good_item if p is None else p for p in plan)
    counts, written, _errors = _batch(raw.encode(), "yaml", limit=1 << 20)
    assert counts.read == len(plan)
    assert sum(1 for line in written if json.loads(line)["applicant"] == "g") == plan.count(None)


# ------------------------------------------------------------------ issue 18: streams and folders

def _no_bug(text: str) -> None:
    assert "Traceback" not in text and "internal error" not in text, text


@cases(40)
@given(st.lists(st.one_of(st.just(GOOD_ROW), st.binary(max_size=30).map(
    lambda b: b.decode("latin-1"))), min_size=1, max_size=10),
       st.sampled_from(["jsonl", "json", "yaml", "csv"]), st.integers(0, 400),
       st.integers(0, 2_000_000), st.sampled_from([b"\0", b"x", b"[", b" "]))
def test_a_cut_or_endless_stream_ends_with_one_clear_error(rows, fmt, cut, run, filler):
    """A batch cut short anywhere, or running on with a byte repeated (NUL as /dev/zero
    gives, letters, brackets): every good record before the damage is kept, and whatever
    happens is counted or is one error line."""
    text = {"jsonl": "\n".join(rows) + "\n", "json": "[" + ",\n".join(rows) + "]",
            "yaml": "".join(f"- {r}\n" for r in rows),
            "csv": GOOD_CSV_HEAD + "g,kunming,renovation,2021-03-15,1000\n" * len(rows)}[fmt]
    raw = text.encode("utf-8", "surrogatepass")
    raw = raw[: max(1, len(raw) - cut)] + filler * run
    try:
        counts, _written, errors = _batch(raw, fmt, limit=4096)
    except PolicycalcError as exc:  # the stream as a whole is no batch: one line
        one_line(exc)
        return
    assert counts.read == counts.estimated + counts.rejected
    assert all("\n" not in e for e in errors)


def _run(argv: list[str], **kwargs: Any) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "policycalc", *argv], timeout=120,
                          check=False, **kwargs)


COMMAND_LINES = st.sampled_from([
    ["estimate", EXAMPLE, "--as-of", "2023-06-30"], ["estimate", EXAMPLE, "-f", "csv"],
    ["estimate", EXAMPLE, "-f", "yaml"], ["estimate", EXAMPLE, "-f", "toml"],
    ["compare-regions", EXAMPLE, "-f", "json"], ["opportunities", EXAMPLE, "-f", "jsonl"],
    ["explain", "km-09-renovation", "-f", "json"], ["measures", "-f", "csv"],
    ["measures", "--stats"], ["regions", "-f", "yaml"], ["facts", "renovation"],
    ["validate"], ["check", "-q"], ["init", "-f", "yaml"], ["--help"], ["--version"],
    ["measures", "--help"], ["estimate", "--batch", EXAMPLE.replace("kunming-cell.toml",
                                                                    "clients.jsonl")],
])


@cases(12)
@given(COMMAND_LINES)
def test_a_full_disk_on_stdout_is_exit_3_for_any_command(argv):
    with open("/dev/full", "wb") as full:
        result = _run(argv, stdout=full, stderr=subprocess.PIPE)
    err = result.stderr.decode("utf-8", "replace")
    _no_bug(err)
    assert result.returncode == 3 and "Error: <stdout>: cannot write:" in err


@cases(10)
@given(COMMAND_LINES, st.sampled_from([0, 1]))
def test_a_closed_standard_stream_is_one_line_for_any_command(argv, fd):
    result = _run(argv, stdout=subprocess.DEVNULL if fd == 0 else None, stderr=subprocess.PIPE,
                  preexec_fn=lambda: os.close(fd))
    err = result.stderr.decode("utf-8", "replace")
    _no_bug(err)
    assert result.returncode in (0, 1, 2, 3)


@cases(10)
@given(st.floats(0.0, 0.3), st.sampled_from([signal.SIGINT, signal.SIGTERM, signal.SIGHUP]))
def test_a_signal_at_any_moment_of_start_up_is_one_line(delay, signum):
    proc = subprocess.Popen([sys.executable, "-m", "policycalc", "estimate", EXAMPLE,
                             "--as-of", "2023-06-30"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    time.sleep(delay)
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=60)
    text = err.decode("utf-8", "replace")
    if "Traceback" in text:  # only before any policycalc code runs (Python's own start-up)
        assert "/cli/" not in text and "policycalc/" not in text, text
        return
    assert proc.returncode in (0, 128 + signum, -signum), text


@cases(30)
@given(st.integers(0, 3), st.integers(2, 4),
       st.lists(st.one_of(st.just(GOOD_ROW), st.text(max_size=20).filter(
           lambda t: "\n" not in t and "\r" not in t)), min_size=1, max_size=20))
def test_a_failed_fork_never_costs_a_record(started, jobs, rows):
    real = os.fork
    calls = [0]

    def fork() -> int:
        calls[0] += 1
        if calls[0] > started:
            raise OSError(errno.EAGAIN, os.strerror(errno.EAGAIN))
        return real()

    job = batch.Job(RULESET, dt.date(2023, 6, 30), "en", True, "in.jsonl")
    out = io.StringIO()
    errors: list[str] = []
    with mock.patch.object(os, "fork", fork):
        counts = batch.run(io.StringIO("\n".join(rows) + "\n"), "jsonl", job, out,
                           errors.append, jobs=jobs, chunk=3, note=lambda _: None)
    non_blank = [r for r in rows if r.strip()]
    assert counts.read == len(non_blank) == counts.estimated + counts.rejected
    assert counts.estimated >= rows.count(GOOD_ROW)


ODD_ENTRIES = st.sampled_from(["fifo", "zero", "dangling", "folder", "link-to-folder",
                               "link-to-doc", "empty"])


def _plant(path: Path, kind: str, folder: Path) -> None:
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "zero":
        path.symlink_to("/dev/zero")
    elif kind == "dangling":
        path.symlink_to(folder / "nothing-here")
    elif kind == "folder":
        path.mkdir()
    elif kind == "link-to-folder":
        path.symlink_to(folder)
    elif kind == "link-to-doc":
        path.symlink_to(folder / "kunming-cell-2020.yaml")
    else:
        path.write_bytes(b"")


@cases(20)
@given(st.lists(ODD_ENTRIES, min_size=1, max_size=3))
def test_fifos_devices_and_links_in_a_data_folder_never_hang_or_crash(kinds):
    import shutil
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "d"
        shutil.copytree(bundled_data_dir(), folder)
        for number, kind in enumerate(kinds):
            _plant(folder / f"zz{number}.yaml", kind, folder)
        try:
            load_ruleset([folder], use_cache=False)
        except PolicycalcError as exc:
            one_line(exc)


@cases(15)
@given(ODD_ENTRIES)
def test_whatever_stands_at_a_cache_entry_is_replaced_not_followed(kind):
    import tempfile

    from policycalc import cache

    with tempfile.TemporaryDirectory() as tmp:
        where = Path(tmp) / "cache"
        where.mkdir(mode=0o700)
        victim = Path(tmp) / "victim.yaml"
        victim.write_text("mine")
        with mock.patch.dict(os.environ, {"POLICYCALC_CACHE_DIR": str(where)}):
            key = "0" * 40
            entry = where / f"ruleset-{key}.pickle"
            _plant(entry, kind if kind != "link-to-doc" else "dangling", where)
            if kind == "link-to-doc":
                entry.unlink()
                entry.symlink_to(victim)
            assert cache.get(key) is None
            cache.put(key, {"a": 1})
            assert victim.read_text() == "mine"
            if kind != "folder":
                assert cache.get(key) == {"a": 1}
