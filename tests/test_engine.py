"""The engine on small, hand-made policy documents: stacking, ceilings, validity, eligibility."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from policycalc.engine import estimate
from policycalc.rulesets import load_ruleset

from .conftest import make_profile

DOC = """\
document:
  id: t-doc
  region: suzhou
  title: {zh: 测试, en: Test}
  issuer: {zh: 测试, en: Test}
  number: unknown
  source: none.txt
  issued: 2021-01-01
  effective_from: 2021-01-01
  effective_until: 2022-12-31
  validity: {zh: 两年, en: two years}
  stacking: {rule: higher_only, article: 附则, summary: {zh: 就高不重复, en: higher only}}
  eligibility: {registration: [business, tax], exclusions: [serious_credit_record]}
  ceilings:
    - {id: t-year, article: 第二条, summary: {zh: 每年300, en: 300 a year}, scope: per_year,
       amount: 300, measures: [t-renovation]}
measures:
  - id: t-low
    article: 第一条
    title: {zh: 低, en: Low}
    summary: {zh: 低, en: Low}
    category: clinical
    recipient: applicant
    departments: {lead: [市科技局]}
    trigger: {kind: clinical_phase_completed, where: {phase: 2}}
    formula: {kind: fixed, amount: 100}
    stacking_group: phase2
  - id: t-high
    article: 第一条
    title: {zh: 高, en: High}
    summary: {zh: 高, en: High}
    category: clinical
    recipient: applicant
    departments: {lead: [市科技局]}
    trigger: {kind: clinical_phase_completed, where: {phase: 2, converted_locally: true}}
    formula: {kind: range, min: 150, max: 400}
    stacking_group: phase2
  - id: t-renovation
    article: 第二条
    title: {zh: 装修, en: Renovation}
    summary: {zh: 装修, en: Renovation}
    category: premises
    recipient: applicant
    departments: {lead: [市科技局]}
    trigger: {kind: renovation}
    formula: {kind: share, base: invoice_amount, rate: 0.5, max: 200}
"""


def ruleset(tmp_path: Path):
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "t-doc.yaml").write_text(DOC, encoding="utf-8")
    return load_ruleset([folder], use_cache=False)


PHASE2 = {"kind": "clinical_phase_completed", "date": "2021-06-01", "phase": 2,
          "product_type": "innovative_drug"}


def awards(result):
    return {(a.measure.id, a.amount.min, a.amount.max) for a in result.awards}


def test_higher_only_keeps_the_higher_and_says_what_it_dropped(tmp_path):
    rules = ruleset(tmp_path)
    result = estimate(rules, make_profile(rules, "suzhou", PHASE2), dt.date(2022, 1, 1))
    # Both measures reward the same fact; 400 beats 100, so only t-high stays.
    assert awards(result) == {("t-high", 150, 400)}
    dropped = [x for x in result.excluded if x.stage == "stacking"]
    assert [x.measure.id for x in dropped] == ["t-low"]
    assert "t-high" in dropped[0].reason.en
    # converted_locally was not given: it is tied to the place, so it is assumed, and said.
    high = result.awards[0]
    assert any("converted_locally" in n.en for n in high.notes)


def test_yearly_ceiling_is_a_group_whatever_the_order(tmp_path):
    rules = ruleset(tmp_path)
    dates = ("2021-03-01", "2021-05-01", "2021-07-01", "2022-02-01")
    facts = [{"kind": "renovation", "date": d, "invoice_amount": 300} for d in dates]
    result = estimate(rules, make_profile(rules, "suzhou", *facts), dt.date(2022, 6, 1))
    # Each: 50% × 300 = 150 (under the item ceiling 200), exact before the shared ceiling.
    # 第二条 300 a year: 2021 holds three (450 before) → the group pays exactly 300; who
    # bears the cut is not known, so each 2021 award gets 0–150 (all of it if the others
    # bear the cut, nothing if the other two take the 300). 2022 holds one: exactly 150.
    got = sorted((a.fact.date.isoformat(), a.amount.min, a.amount.max) for a in result.awards)
    assert got == [("2021-03-01", 0, 150), ("2021-05-01", 0, 150), ("2021-07-01", 0, 150),
                   ("2022-02-01", 150, 150)]
    assert all(a.original.min == a.original.max == 150 for a in result.awards)
    groups = {g.id: g for g in result.ceilings}
    assert set(groups) == {"t-year:2021", "t-year:2022"}
    year = groups["t-year:2021"]
    assert (year.before.min, year.before.max) == (450, 450)
    assert (year.bounds.min, year.bounds.max) == (300, 300) and len(year.members) == 3
    # Totals come from the groups: 300 certain in 2021 plus 150 in 2022.
    assert (result.totals.min, result.totals.max) == (450, 450)
    # The same facts listed the other way round give the same result.
    again = estimate(rules, make_profile(rules, "suzhou", *reversed(facts)), dt.date(2022, 6, 1))
    assert sorted((a.fact.date.isoformat(), a.amount.min, a.amount.max)
                  for a in again.awards) == got
    assert again.totals == result.totals


def test_validity_and_the_hint_to_use_as_of(tmp_path):
    rules = ruleset(tmp_path)
    profile = make_profile(rules, "suzhou", PHASE2)
    lapsed = estimate(rules, profile, dt.date(2023, 1, 1))
    assert not lapsed.awards
    assert {x.stage for x in lapsed.excluded} == {"validity"}
    assert any("evaluate as of 2022-12-31" in n.en for n in lapsed.notes)
    early = estimate(rules, make_profile(rules, "suzhou",
                                         dict(PHASE2, date="2020-12-31")), dt.date(2021, 6, 1))
    assert {x.stage for x in early.excluded} == {"window"}


def test_registration_and_exclusions(tmp_path):
    rules = ruleset(tmp_path)
    day = dt.date(2022, 1, 1)
    elsewhere = estimate(rules, make_profile(rules, "suzhou", PHASE2, tax_region="kunming"), day)
    assert not elsewhere.awards
    assert any("tax registration" in x.reason.en for x in elsewhere.excluded)
    flagged = estimate(rules, make_profile(rules, "suzhou", PHASE2,
                                           serious_credit_record=True), day)
    assert not flagged.awards
    # A Jiangsu-wide applicant outside Suzhou is not reached by a Suzhou document at all.
    other = estimate(rules, make_profile(rules, "jiangsu", PHASE2), day)
    assert not other.documents


def test_compare_regions_moves_the_applicant(tmp_path):
    rules = ruleset(tmp_path)
    profile = make_profile(rules, "kunming", PHASE2)
    moved = estimate(rules, profile, dt.date(2022, 1, 1), region="suzhou")
    assert moved.moved_from == "kunming" and moved.region == "suzhou"
    assert awards(moved) == {("t-high", 150, 400)}


def test_higher_only_between_ranges_keeps_both_where_the_higher_is_not_certain(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    # t-high now 50..400 against t-low's exact 100: either may be the higher.
    text = DOC.replace("formula: {kind: range, min: 150, max: 400}",
                       "formula: {kind: range, min: 50, max: 400}")
    (folder / "t-doc.yaml").write_text(text, encoding="utf-8")
    rules = load_ruleset([folder], use_cache=False)
    result = estimate(rules, make_profile(rules, "suzhou", PHASE2), dt.date(2022, 1, 1))
    # 就高不重复 (附则) between [100, 100] and [50, 400]: the pair pays [max of mins, max of
    # maxes] = [100, 400]; neither is dropped, each alone 0 to its maximum.
    assert awards(result) == {("t-low", 0, 100), ("t-high", 0, 400)}
    assert not [x for x in result.excluded if x.stage == "stacking"]
    (stack,) = result.stacks
    assert (stack.rule, stack.article, stack.bounds.min, stack.bounds.max) == (
        "higher_only", "附则", 100, 400)
    assert (result.totals.min, result.totals.max) == (100, 400)
    assert all("附则" in a.notes[-1].en for a in result.awards)


def test_may_overlap_pays_at_least_the_higher_and_at_most_both(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    text = DOC.replace("    stacking_group: phase2\n", "").replace(
        "  ceilings:\n",
        "  may_overlap:\n"
        "    - {id: t-both, article: 第一条, summary: {zh: 未说明, en: silent},"
        " measures: [t-low, t-high]}\n  ceilings:\n")
    (folder / "t-doc.yaml").write_text(text, encoding="utf-8")
    rules = load_ruleset([folder], use_cache=False)
    result = estimate(rules, make_profile(rules, "suzhou", PHASE2), dt.date(2022, 1, 1))
    # 第一条 does not say whether both pay: [max(100, 150), 100 + 400] = [150, 500]. t-high's
    # 150 is at least t-low's 100, so t-high is certainly paid (the higher): 150..400;
    # t-low may or may not be paid as well: 0..100.
    assert awards(result) == {("t-low", 0, 100), ("t-high", 150, 400)}
    (stack,) = result.stacks
    assert (stack.rule, stack.bounds.min, stack.bounds.max) == ("may_overlap", 150, 500)
    assert (result.totals.min, result.totals.max) == (150, 500)
