"""Dates of the bundled documents, worked out by hand from the seed texts.

Nanshan's 十六条 measures (seed 002) are known only through their official interpretation,
headed 时间:2021-06-08 / 来源:南山区人民政府办公室; the measures' own issue and commencement
dates are not in the file. Like Yunnan's opinions (seed 001, no date at all; a copy posted on
2019-11-22), the start is unknown and the interpretation's date is the date by which the
measures were known: a fact before it may fall before the window, so its award is possible
(minimum 0) with a note saying why, never silently exact and never silently lost.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from policycalc.engine import estimate

from .conftest import day, make_profile

NANSHAN = "nanshan-measures-2021"
NOTE = "states no start date (it was public by 2021-06-08)"


def awards(result, measure_id):
    return [a for a in result.awards if a.measure.id == measure_id]


def only(result, measure_id):
    found = awards(result, measure_id)
    assert len(found) == 1, [(a.measure.id, a.amount) for a in result.awards]
    return found[0]


def bounds(award):
    return (award.amount.min, award.amount.max)


def start_note(award):
    return [n.en for n in award.notes if NOTE in n.en]


def test_nanshan_measures_start_is_unknown_and_known_by_the_interpretation(ruleset):
    # 002: "时间:2021-06-08" heads the interpretation; the measures' own dates are not given.
    doc = ruleset.documents[NANSHAN]
    assert doc.start_unknown is True
    assert doc.effective_from is None and doc.window_start is None
    assert doc.known_by == dt.date(2021, 6, 8)
    assert doc.effective_until is None  # no end date stated
    assert doc.status(day("2015-01-01")) == "in_force"  # an unknown start is never "not yet"
    # The plan (实施方案) itself was published 2021-06-08 (002: "2021年6月8日…正式发布"; 时间:2021-06-08).
    plan = ruleset.documents["nanshan-plan-2021"]
    assert plan.effective_from == dt.date(2021, 6, 8)


def test_a_2015_certificate_under_an_unknown_start_is_possible_and_says_why(ruleset):
    # (四) 对上一年度获得二类、三类医疗器械产品注册证给予奖励，每家企业每年最高300万元: a class 2
    # certificate of 2015 is claimed in 2016, long before 2021-06-08, the only known date.
    fact = {"kind": "device_registration", "date": "2015-05-01", "device_class": 2}
    result = estimate(ruleset, make_profile(ruleset, "nanshan", fact), day("2026-12-01"))
    award = only(result, "ns-04-device-certificate")
    assert bounds(award) == (0, 300)
    notes = start_note(award)
    assert notes and "2016" in notes[0] and "(四)" in notes[0], [n.en for n in award.notes]


def test_a_2020_certificate_claimed_in_2021_needs_no_start_note(ruleset):
    # (四): a 2020 certificate is claimed in 2021; the claim can be made after 2021-06-08.
    fact = {"kind": "device_registration", "date": "2020-09-01", "device_class": 3}
    result = estimate(ruleset, make_profile(ruleset, "nanshan", fact), day("2021-12-31"))
    award = only(result, "ns-04-device-certificate")
    assert bounds(award) == (0, 300)
    assert start_note(award) == []


def test_a_claim_as_of_before_the_interpretation_carries_the_note(ruleset):
    # (四): the 2020 certificate, as of 2021-03-01: every day it could have been claimed so far
    # precedes 2021-06-08, so whether the measures were in force is not known.
    fact = {"kind": "device_registration", "date": "2020-09-01", "device_class": 3}
    result = estimate(ruleset, make_profile(ruleset, "nanshan", fact), day("2021-03-01"))
    award = only(result, "ns-04-device-certificate")
    assert bounds(award) == (0, 300)
    assert start_note(award)


def test_a_2018_first_nationwide_generic_is_possible_with_the_note(ruleset):
    # (三) 对上一年度在全国首个通过仿制药一致性评价的药品给予奖励，每家企业每年最高100万元.
    fact = {"kind": "consistency_evaluation", "date": "2018-04-01", "nationwide_rank": 1,
            "product": "G"}
    result = estimate(ruleset, make_profile(ruleset, "nanshan", fact), day("2026-12-01"))
    award = only(result, "ns-03-consistency-first")
    assert bounds(award) == (0, 100)
    assert start_note(award)


def test_a_rent_before_the_interpretation_is_possible_not_exact(ruleset):
    # (五) 按照其实际租金的30%给予补贴，每年补贴金额分别不超过200万元: rent 100 → 30.
    # Paid 2020-12-31, before 2021-06-08: possible, 0..30, with the note; the same rent paid
    # 2021-12-31 is exactly 30.
    early = {"kind": "rent_paid", "date": "2020-12-31", "amount": 100, "subsidy_year": 1}
    late = {"kind": "rent_paid", "date": "2021-12-31", "amount": 100, "subsidy_year": 2}
    result = estimate(ruleset, make_profile(ruleset, "nanshan", early, late, high_growth=True),
                      day("2022-06-01"))
    got = {a.fact.date.isoformat(): a for a in awards(result, "ns-05-high-growth-rent")}
    assert bounds(got["2020-12-31"]) == (0, Decimal(30))
    assert start_note(got["2020-12-31"])
    assert bounds(got["2021-12-31"]) == (30, 30)
    assert start_note(got["2021-12-31"]) == []
