"""Bad profiles get one clear message naming the file, line or field; good ones load."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from policycalc.errors import InputError
from policycalc.profile import build_profile, parse_document, read_text

GOOD_YAML = """\
applicant:
  region: kunming
facts:
  - kind: renovation
    date: 2021-03-15
    invoice_amount: 1000.5
"""


def load(text: str, ruleset, source: str = "p.yaml"):
    return build_profile(parse_document(read_text(text.encode("utf-8"), source), source),
                         ruleset, source)


def error(text: str | bytes, ruleset, source: str = "p.yaml") -> str:
    raw = text if isinstance(text, bytes) else text.encode("utf-8")
    with pytest.raises(InputError) as info:
        build_profile(parse_document(read_text(raw, source), source), ruleset, source)
    return str(info.value)


def test_good_yaml_profile(ruleset):
    profile = load(GOOD_YAML, ruleset)
    assert profile.region == "kunming" and profile.tax_region == "kunming"
    fact = profile.facts[0]
    assert fact.date == dt.date(2021, 3, 15)
    assert fact.values["invoice_amount"] == Decimal("1000.5")
    # No default legal form: a measure limited to enterprises is possible, not certain.
    assert "legal_form" not in profile.applicant


def test_toml_and_json_profiles_are_the_same(ruleset):
    toml = ('[applicant]\nregion = "kunming"\n\n[[facts]]\nkind = "renovation"\n'
            'date = 2021-03-15\ninvoice_amount = 1000.5\n')
    json = ('{"applicant": {"region": "kunming"}, "facts": [{"kind": "renovation", '
            '"date": "2021-03-15", "invoice_amount": 1000.5}]}')
    a, b, c = load(GOOD_YAML, ruleset), load(toml, ruleset, "p.toml"), load(json, ruleset, "p.json")
    assert [(f.kind, f.date, f.values) for f in a.facts] == \
        [(f.kind, f.date, f.values) for f in b.facts] == [(f.kind, f.date, f.values) for f in c.facts]


def test_bom_is_fine(ruleset):
    raw = "\ufeff" + GOOD_YAML
    assert load(raw, ruleset).region == "kunming"


def test_a_year_is_a_date(ruleset):
    profile = load(GOOD_YAML.replace("2021-03-15", "2021"), ruleset)
    assert profile.facts[0].date == dt.date(2021, 1, 1)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "empty"),
        ("applicant: [\n", "invalid YAML"),
        ("\x00\x01\x02garbage", "binary"),
        ("- 1\n- 2\n", "found a list"),
        ("applicant:\n  region: kunmin\n", "did you mean 'kunming'"),
        ("applicant:\n  region: kunming\n  colour: red\n", "unknown applicant field 'colour'"),
        ("applicant:\n  tax_region: kunming\n", "missing required field 'region'"),
        ("applicant: {region: kunming}\nfacts:\n  - {kind: renovaton, date: 2021-01-01, "
         "invoice_amount: 1}\n", "did you mean 'renovation'"),
        ("applicant: {region: kunming}\nfacts:\n  - {kind: renovation, date: 2021-01-01}\n",
         "missing required field 'invoice_amount'"),
        ("applicant: {region: kunming}\nfacts:\n  - {kind: renovation, date: 2021-01-01, "
         "invoice_amount: -5}\n", "cannot be negative"),
        ("applicant: {region: kunming}\nfacts:\n  - {kind: renovation, date: 2021-01-01, "
         "invoice_amount: 1.0e+30}\n", "implausibly large"),
        ("applicant: {region: kunming}\nfacts:\n  - {kind: renovation, date: 1066-01-01, "
         "invoice_amount: 1}\n", "out of range"),
        ("applicant: {region: kunming}\nfacts:\n  - {kind: renovation, date: soon, "
         "invoice_amount: 1}\n", "not a date"),
        ("applicant: {region: kunming}\nfacts:\n  - {kind: renovation, date: 2021-01-01, "
         "invoice_amount: lots}\n", "expected an amount"),
        ("applicant: {region: kunming, region: suzhou}\n", "duplicate key 'region'"),
        ("applicant: {region: kunming}\nfacts:\n  - {kind: renovation, date: 2021-01-01, "
         "invoice_amount: .inf}\n", "not a finite number"),
        ("a: &a [x, x]\nb: &b [*a, *a]\napplicant: {region: kunming}\n", "aliases"),
        ("applicant: !!python/object/apply:os.system [echo hi]\n", "not allowed"),
        ("applicant: {region: kunming}\nfacts: {kind: renovation}\n", "expected a list of facts"),
        ("applicant: {region: kunming}\nfacts:\n  - {kind: clinical_phase_entered, "
         "date: 2021-01-01, phase: 4}\n", "4 is not allowed"),
    ],
)
def test_bad_profiles(ruleset, text, words):
    message = error(text, ruleset)
    assert words in message
    assert message.startswith("p.yaml")


def test_error_names_the_line(ruleset):
    text = GOOD_YAML.replace("invoice_amount: 1000.5", "invoice_amount: -1")
    with pytest.raises(InputError) as info:
        load(text, ruleset)
    assert info.value.line == 6
    assert info.value.field == "facts[0].invoice_amount"


def test_gbk_text_is_named(ruleset):
    raw = "applicant:\n  name: 昆明细胞\n  region: kunming\n".encode("gbk")
    message = error(raw, ruleset)
    assert "not UTF-8" in message and "GBK" in message


def test_broken_toml_and_json(ruleset):
    assert "invalid TOML" in error('[applicant]\nregion = \n', ruleset, "p.toml")
    assert "invalid JSON" in error('{"applicant": ', ruleset, "p.json")
    assert "duplicate key" in error('{"applicant": {"region": "kunming", "region": "x"}}',
                                    ruleset, "p.json")
    assert "is not a number" in error('{"applicant": {"region": NaN}}', ruleset, "p.json")


@pytest.mark.parametrize(("name", "text", "words"), [
    ("p.toml", '[applicant]\nregion = "kunming"\nx = ' + "9" * 5000 + "\n", "4,300 digits"),
    ("p.json", '{"applicant": {"x": ' + "9" * 5000 + "}}", "4,300 digits"),
    ("p.yaml", "applicant:\n  x: " + "9" * 5000 + "\n", "5,000 characters is too long"),
    ("p.toml", '[applicant]\nx = ' + "[" * 5000 + "]" * 5000 + "\n", "nested too deeply"),
    ("p.json", '{"applicant": ' + "[" * 100_000 + "]" * 100_000 + "}", "nested too deeply"),
])
def test_huge_numbers_and_deep_nesting_are_one_clear_error(name, text, words):
    from policycalc.errors import InputError
    from policycalc.profile import parse_document

    with pytest.raises(InputError) as info:
        parse_document(text, name)
    assert words in str(info.value) and "\n" not in str(info.value)
    assert "sys." not in str(info.value)


def test_a_year_or_a_month_is_an_interval_and_is_quoted_as_written(ruleset):
    from policycalc.engine import estimate
    from policycalc.render.data import estimate_data

    data = {"applicant": {"region": "chongqing", "legal_form": "enterprise",
                          "independent_legal_person": True, "in_enterprise_database": True},
            "facts": [{"kind": "device_registration", "date": 2022, "device_class": 3},
                      {"kind": "device_registration", "date": "2022-02", "device_class": 3}]}
    profile = build_profile(data, ruleset, "p")
    year, month = profile.facts
    assert (year.date, year.end, year.when) == (dt.date(2022, 1, 1), dt.date(2022, 12, 31), "2022")
    assert (month.date, month.end, month.when) == (dt.date(2022, 2, 1), dt.date(2022, 2, 28),
                                                   "2022-02")
    # Chongqing's window opens 2022-03-31 (9．: 100 for a class III certificate): "2022" may
    # be inside or not → 0..100; "2022-02" ends before it → excluded, the message quoting it.
    est = estimate(ruleset, profile, dt.date(2022, 12, 31))
    assert [(a.amount.min, a.amount.max) for a in est.awards] == [(0, 100)]
    (window,) = [x for x in est.excluded if x.stage == "window"]
    assert "2022-02" in window.reason.en
    text = json.dumps(estimate_data(est, "en"), ensure_ascii=False)
    assert "2022-01-01" not in text and "2022-02-01" not in text


def test_a_bad_month_is_one_clear_error(ruleset):
    data = {"applicant": {"region": "chongqing"},
            "facts": [{"kind": "device_registration", "date": "2022-13", "device_class": 3}]}
    with pytest.raises(InputError, match="not a month"):
        build_profile(data, ruleset, "p")
