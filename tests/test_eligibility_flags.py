"""Applicant flags a document's eligibility (or a measure) requires: unstated is unknown.

Issue 15, rule 3: what the profile does not say is never assumed. `independent_legal_person`,
`biomedicine_business` and `in_enterprise_database` have no default: unstated, every award
that needs one is possible (minimum 0, maximum as computed), with a note naming the flag in
the client's words and the flag in `award.unknown`; stated false excludes; stated true pays
as certain. Values worked by hand from the texts in /work/shared/seeds/.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from policycalc.engine import estimate
from policycalc.opportunities import find_opportunities

from .conftest import make_profile

# ---------------------------------------------------------------- Suzhou 2019 (document level)
# 第一条 适用范围：在苏州大市范围内进行登记注册,具备独立法人资格,从事生物医药研发、生产和服务的
# 在库企业. 第六条：进入I、II、III期临床试验阶段的新药项目,分别给予100万元、150万元和250万元
# 一次性资助 → entering Phase II with an innovative drug converted in Suzhou: 150, exact.

SZ_AS_OF = dt.date(2021, 6, 30)
SZ_PHASE2 = {
    "kind": "clinical_phase_entered",
    "date": "2021-03-01",
    "phase": 2,
    "converted_locally": True,
    "product.novelty": "innovative",
}
SZ_FIRM = {"independent_legal_person": True, "biomedicine_business": True,
           "in_enterprise_database": True}
SZ_WORDS = {
    "independent_legal_person": ("an independent legal person", "独立法人资格"),
    "biomedicine_business": ("works in biomedicine", "从事生物医药"),
    "in_enterprise_database": ("enterprise database", "在库企业"),
}


def _sz(ruleset, **applicant):
    profile = make_profile(ruleset, "suzhou", SZ_PHASE2, **{**SZ_FIRM, **applicant})
    result = estimate(ruleset, profile, SZ_AS_OF)
    awards = [a for a in result.awards if a.measure.id == "sz-06-phase-entered"]
    excluded = [x for x in result.excluded if x.measure.id == "sz-06-phase-entered"]
    return awards, excluded


def test_suzhou_all_three_flags_stated_true_pay_150_as_certain(ruleset):
    (award,), excluded = _sz(ruleset)
    assert (award.amount.min, award.amount.max) == (Decimal(150), Decimal(150))
    assert award.unknown == () and not excluded


@pytest.mark.parametrize("flag", list(SZ_WORDS))
def test_suzhou_a_flag_left_out_makes_the_award_possible_from_0(ruleset, flag):
    (award,), excluded = _sz(ruleset, **{flag: None})
    assert (award.amount.min, award.amount.max) == (Decimal(0), Decimal(150))
    assert award.unknown == (f"applicant.{flag}",) and not excluded
    en, zh = SZ_WORDS[flag]
    note = award.notes[0]
    # In the client's words (facts.yaml's labels), never the field's id.
    assert en in note.en and "possible (minimum 0)" in note.en and flag not in note.en
    assert zh in note.zh and "可能获得（最低 0）" in note.zh and flag not in note.zh


def test_suzhou_every_flag_left_out_is_named_once(ruleset):
    (award,), _ = _sz(ruleset, independent_legal_person=None, biomedicine_business=None,
                      in_enterprise_database=None)
    assert (award.amount.min, award.amount.max) == (Decimal(0), Decimal(150))
    assert set(award.unknown) == {f"applicant.{f}" for f in SZ_WORDS}
    assert all(en in award.notes[0].en for en, _ in SZ_WORDS.values())


@pytest.mark.parametrize("flag", list(SZ_WORDS))
def test_suzhou_a_flag_stated_false_excludes(ruleset, flag):
    awards, (ex,) = _sz(ruleset, **{flag: False})
    assert not awards and ex.stage == "eligibility" and "第一条" in ex.reason.en


def test_suzhou_database_binds_enterprises_only(ruleset):
    # 第一条: 在库企业, 以及其他事业单位、社会团体、民办非企业等机构 — a social organisation is
    # not asked for the database; one not stated an enterprise is possible when it says it
    # is not listed (it qualifies only if it is no enterprise).
    (award,), _ = _sz(ruleset, legal_form="social_organisation", in_enterprise_database=None)
    assert (award.amount.min, award.amount.max) == (Decimal(150), Decimal(150))
    (award,), _ = _sz(ruleset, legal_form=None, in_enterprise_database=False)
    assert (award.amount.min, award.amount.max) == (Decimal(0), Decimal(150))
    assert award.unknown == ("applicant.legal_form",)
    assert "legal form" in award.notes[0].en


def test_suzhou_opportunities_offer_stating_the_flag(ruleset):
    # The smallest change: say it, and the 150 of 第六条 is exact.
    profile = make_profile(ruleset, "suzhou", SZ_PHASE2,
                           **{**SZ_FIRM, "in_enterprise_database": None})
    items = find_opportunities(ruleset, profile, SZ_AS_OF).items
    (o,) = [x for x in items if x.measure.id == "sz-06-phase-entered" and x.fact is not None
            and x.fact.values.get("phase") == 2]
    assert o.reason == "missing_field"
    assert "enterprise database" in o.needs.en and "in_enterprise_database" not in o.needs.en
    assert (o.amount.min, o.amount.max) == (Decimal(150), Decimal(150))


# ------------------------------------------------------------------- Kunming (measure level)
# （六）：对在昆明市辖区内注册登记、具有独立法人资格的机构主导研发的细胞类生物制品产品…完成Ⅰ期临床
# 试验并进入Ⅱ期临床试验每项最高不超过500万元奖补 → 0..500 ("最高不超过": from 0 even when
# every condition holds); unstated, the same range but the award is only possible, the flag
# named; stated false, nothing.

KM_AS_OF = dt.date(2023, 6, 30)
KM_PHASE1 = {
    "kind": "clinical_phase_completed",
    "date": "2023-03-01",
    "phase": 1,
    "next_phase_entered": True,
    "product.modality": "cell",
}


def _km(ruleset, **applicant):
    profile = make_profile(ruleset, "kunming", KM_PHASE1, **applicant)
    result = estimate(ruleset, profile, KM_AS_OF)
    awards = [a for a in result.awards if a.measure.id == "km-06-phase1"]
    excluded = [x for x in result.excluded if x.measure.id == "km-06-phase1"]
    return awards, excluded


def test_kunming_stated_true_pays_up_to_500_with_nothing_unknown(ruleset):
    (award,), excluded = _km(ruleset, independent_legal_person=True)
    assert (award.amount.min, award.amount.max) == (Decimal(0), Decimal(500))
    assert award.unknown == () and not excluded
    assert not any("independent legal person" in n.en for n in award.notes)


def test_kunming_left_out_is_possible_and_named(ruleset):
    (award,), excluded = _km(ruleset, independent_legal_person=None)
    assert (award.amount.min, award.amount.max) == (Decimal(0), Decimal(500))
    assert award.unknown == ("applicant.independent_legal_person",) and not excluded
    note = award.notes[0]
    assert "whether the applicant is an independent legal person" in note.en
    assert "申请主体是否具有独立法人资格" in note.zh


def test_kunming_stated_false_excludes(ruleset):
    awards, (ex,) = _km(ruleset, independent_legal_person=False)
    assert not awards and ex.stage == "eligibility"
