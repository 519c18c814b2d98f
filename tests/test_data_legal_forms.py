"""Measures the texts word for enterprises only (issue 15, applicant kinds), read measure by
measure in Kunming, Yunnan, the Nanshan plan, the Suzhou cluster plan and Jiangsu.

Each limit here is one the text states in so many words ("…企业"); an institute is excluded,
an enterprise is paid, an applicant whose legal form is not given is possible (rule 3).
Values worked by hand from the texts in /work/shared/seeds/.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from policycalc.engine import estimate

from .conftest import make_profile


def _run(ruleset, region, as_of, fact, measure, **applicant):
    profile = make_profile(ruleset, region, fact, **applicant)
    result = estimate(ruleset, profile, dt.date.fromisoformat(as_of))
    awards = [a for a in result.awards if a.measure.id == measure]
    excluded = [x for x in result.excluded if x.measure.id == measure]
    return awards, excluded


# 云南 八（一）：总部新落户我省的生物医药世界500强或国内工业百强企业，一次性奖励1000万元.
YN_HQ = ("yunnan", "2020-06-30", {"kind": "headquarters_settled", "date": "2020-03-01"},
         "yn-08-01-hq")


def test_yunnan_hq_award_pays_an_enterprise_1000(ruleset):
    (award,), _ = _run(ruleset, *YN_HQ, fortune_global_500=True)
    assert (award.amount.min, award.amount.max) == (Decimal(1000), Decimal(1000))


def test_yunnan_hq_award_skips_a_research_institute(ruleset):
    awards, (ex,) = _run(ruleset, *YN_HQ, fortune_global_500=True,
                         legal_form="research_institute")
    assert not awards and ex.stage == "eligibility"


def test_yunnan_hq_award_is_possible_when_the_legal_form_is_not_given(ruleset):
    (award,), _ = _run(ruleset, *YN_HQ, fortune_global_500=True, legal_form=None)
    assert (award.amount.min, award.amount.max) == (Decimal(0), Decimal(1000))
    assert award.unknown == ("applicant.legal_form",)
    assert "the applicant's legal form" in award.notes[0].en


# Amount not stated in the text: case by case, amount unknown (never 0) for an enterprise.
CASE_BY_CASE = [
    # 昆明 （九）：根据企业当年对属地地方经济发展贡献情况，对企业的高级管理人才、高端专业人才给予奖励
    ("kunming", "2021-06-30", {"kind": "talent", "date": "2021-03-01", "type": "senior_manager"},
     "km-09-talent"),
    # 苏州集群方案 10.：对参加国家集中带量采购中标的企业给予奖励
    ("suzhou", "2022-12-31",
     {"kind": "volume_procurement_won", "date": "2022-06-01", "level": "national"},
     "szc-10-procurement-winner"),
    # 苏州集群方案 30.：对符合条件的上市(挂牌)企业给予支持
    ("suzhou", "2022-12-31", {"kind": "ipo", "date": "2022-06-01"}, "szc-30-listing-support"),
]


@pytest.mark.parametrize("where", CASE_BY_CASE, ids=[c[3] for c in CASE_BY_CASE])
def test_enterprise_only_case_by_case_measures(ruleset, where):
    (award,), _ = _run(ruleset, *where, in_enterprise_database=True)
    assert not award.amount.known and award.unknown == ()
    for form in ("research_institute", "university", "medical_institution"):
        awards, (ex,) = _run(ruleset, *where, legal_form=form)
        assert not awards and ex.stage == "eligibility", form
    (award,), _ = _run(ruleset, *where, legal_form=None)
    assert not award.amount.known and "applicant.legal_form" in award.unknown
