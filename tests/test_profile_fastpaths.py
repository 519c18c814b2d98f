"""The profile reader's fast paths agree with its general path: the same value, or the same
error, for any input (profile.py: `_converter` against `_value`, plain old-form keys read from
a cache against `_old_form` one key at a time, the cached legacy note against its text)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from unittest.mock import patch

from hypothesis import given
from hypothesis import strategies as st

from policycalc import profile as P
from policycalc.api import load_ruleset  # the bundled ruleset, loaded once
from policycalc.errors import Error
from policycalc.model import FieldSpec, Ruleset, Text

SPECS = [
    FieldSpec("f", "bool", Text("", "")),
    FieldSpec("f", "money", Text("", "")),
    FieldSpec("f", "count", Text("", "")),
    FieldSpec("f", "count", Text("", ""), values=(0, 1, 5)),
    FieldSpec("f", "int", Text("", "")),
    FieldSpec("f", "int", Text("", ""), values=(1, 2, 3)),
    FieldSpec("f", "enum", Text("", ""), values=("drug", "device", "1")),
    FieldSpec("f", "enum", Text("", ""), values=(1, 2)),
    FieldSpec("f", "region", Text("", "")),
    FieldSpec("f", "text", Text("", "")),
    FieldSpec("f", "date", Text("", "")),
]

# Near every edge a fast path tests: the bounds of a count and an amount, bools (ints to
# isinstance), enum values and regions as text, numbers written in text, surrogates.
EDGES = [
    0, -1, 1, 2, 3, 5, True, False, P.MAX_COUNT, P.MAX_COUNT + 1, 10**9, 10**9 + 1,
    -(10**9), 10**30, "drug", "device", "1", "suzhou", "kunming", "nowhere", "",
    "0x10", "1,000", "017", " 12 ", "2022-05-01", "2022", "\ud800", "药", None, [], {},
    ["drug"], Decimal("1"), Decimal("1.0"), Decimal("-0"), Decimal("NaN"),
    Decimal("Infinity"), Decimal("1000000000"), Decimal("1000000000.01"), 1.5,
    float("nan"), dt.date(2022, 5, 1),
]  # fmt: skip
values = st.one_of(
    st.sampled_from(EDGES),
    st.integers(),
    st.integers(-3, 12),
    st.booleans(),
    st.text(max_size=8),
    st.decimals(),
    st.floats(),
    st.dates(),
    st.lists(st.integers(), max_size=2),
)


def outcome(call: Any) -> tuple[str, str]:
    """What a call gives, comparable across calls: the value's type and repr, or the error
    (a `_Bad`, or what Decimal raises for a signalling NaN)."""
    try:
        value = call()
    except Exception as exc:
        return (f"error {type(exc).__name__}", str(exc))
    return (type(value).__name__, repr(value))


def test_a_fields_converter_gives_what_value_gives_at_every_edge():
    ruleset = load_ruleset()
    for spec in SPECS:
        convert = P._converter(spec)
        for value in EDGES:
            fast = outcome(lambda: convert(value, ruleset))  # noqa: B023 (called at once)
            general = outcome(lambda: P._value(spec, value, ruleset))  # noqa: B023
            assert fast == general, (spec.type, spec.values, value)


@given(st.sampled_from(SPECS), values)
def test_a_fields_converter_gives_what_value_gives(spec: FieldSpec, value: Any):
    ruleset = load_ruleset()
    convert = P._converter(spec)
    assert outcome(lambda: convert(value, ruleset)) == outcome(
        lambda: P._value(spec, value, ruleset)
    )


def read(data: dict[str, Any], ruleset: Ruleset) -> Any:
    """A profile as comparable data, or its error."""
    try:
        profile = P.build_profile(data, ruleset, "<test>")
    except Error as exc:
        return ("error", str(exc), exc.field, exc.line)
    facts = [(f.kind, f.date, sorted(f.values.items(), key=repr)) for f in profile.facts]
    return (facts, profile.assumptions)


# Old-form keys and product attributes on a fact, in any order and with any values (valid
# ones mostly, so that what they say is read, and contradictions with them).
old_keys = st.one_of(
    st.tuples(st.just("product_type"), st.sampled_from([*P.LEGACY_PRODUCT_TYPE, "drugs", 1])),
    st.tuples(st.just("modality"), st.sampled_from([*P.LEGACY_MODALITY, "cell", None])),
    st.tuples(
        st.just("drug_class"),
        st.sampled_from([1, 2, 3, 4, 5, 0, 6, True, Decimal("2"), Decimal("2.5"), "1"]),
    ),
    st.tuples(
        st.sampled_from(["product.novelty", "product.category", "product.drug_class"]),
        st.sampled_from(["innovative", "generic", "drug", "device", 1, 3]),
    ),
)


@given(
    st.lists(st.lists(old_keys, max_size=4).map(dict), min_size=1, max_size=5),
    st.booleans(),
)
def test_plain_old_form_keys_read_from_the_cache_as_one_by_one(
    old_forms: list[dict[str, Any]], declared: bool
):
    ruleset = load_ruleset()
    facts = []
    for old in old_forms:
        fact: dict[str, Any] = {"kind": "clinical_phase_entered", "date": "2022-05-01"}
        fact.update(old)
        fact["phase"] = 1
        if declared:
            fact["product"] = "p1"
        facts.append(fact)
    data: dict[str, Any] = {"applicant": {"region": "suzhou"}, "facts": facts}
    if declared:
        data["products"] = [{"id": "p1", "modality": "chemical", "novelty": "innovative"}]
    fast = read(data, ruleset)
    # The general path: no value counts as plain, so each key goes through _old_form.
    general_only = {key: (object, ()) for key in P._PLAIN_OLD}
    with patch.dict(P._PLAIN_OLD, general_only):
        assert read(data, ruleset) == fast


@given(
    st.lists(st.sampled_from(["facts[0] modality: tcm", "facts[1] drug_class: 2", "x"]), min_size=1)
)
def test_the_cached_legacy_note_is_its_text(legacy: list[str]):
    assert P._legacy_note(legacy) == P._legacy_text(legacy)
    assert P._legacy_note(list(legacy)) == P._legacy_text(legacy)  # from the cache


day_texts = st.one_of(
    st.dates().map(str),
    st.dates().map(lambda d: f" {d} "),
    st.dates().map(lambda d: str(d)[:7]),
    st.dates().map(lambda d: str(d)[:4]),
    st.from_regex(r"[0-9]{4}-[0-9]{1,2}(-[0-9]{1,2})?", fullmatch=True),
    st.text(max_size=12),
)


@given(day_texts)
def test_a_day_read_again_from_the_cache_is_what_when_gives(text: str):
    ruleset = load_ruleset()
    try:
        expected: Any = P._when(text)
    except P._Bad as exc:
        expected = str(exc)
    for _ in range(2):  # the second time a day comes from the cache
        data = {
            "applicant": {"region": "suzhou"},
            "facts": [{"kind": "renovation", "date": text, "invoice_amount": 1}],
        }
        try:
            fact = P.build_profile(data, ruleset, "<test>").facts[0]
        except Error as exc:
            assert (exc.message, exc.field) == (expected, "facts[0].date")
        else:
            assert (fact.date, fact.until, fact.written) == expected


def test_facts_and_profiles_built_by_position_have_every_field():
    ruleset = load_ruleset()
    data = {
        "applicant": {"region": "suzhou"},
        "facts": [{"kind": "renovation", "date": "2022-05", "invoice_amount": 1, "note": "n"}],
    }
    profile = P.build_profile(data, ruleset, "<test>")
    assert len(profile) == len(profile._fields)
    fact = profile.facts[0]
    assert len(fact) == len(fact._fields)
    assert (fact.number, fact.kind, fact.note, fact.written) == (1, "renovation", "n", "2022-05")
    assert (fact.date, fact.until) == (dt.date(2022, 5, 1), dt.date(2022, 5, 31))
    assert (profile.source, profile.line, profile.products) == ("<test>", None, None)
