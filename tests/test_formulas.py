"""The formula kinds on plain objects, each figure worked out by hand."""

from __future__ import annotations

from decimal import Decimal as D

from policycalc.formulas import (
    Band,
    Banded,
    CaseByCase,
    Fixed,
    NoMoney,
    PerUnit,
    Range,
    Share,
    ShareRange,
    Staged,
    UpTo,
    evaluate,
)


def bounds(formula, **values):
    out = evaluate(formula, values)
    if out.amount is None:
        return None
    return (out.amount.min, out.amount.max)


def test_fixed_sum_is_exact():
    # Kunming （二）: 给予项目团队一次性100万元的奖励 → exactly 100.
    assert bounds(Fixed(D(100))) == (D(100), D(100))


def test_share_with_ceiling_is_exact_and_capped():
    # Yunnan 八（二）: 按照研发投入的20% … Ⅲ期 最高800: 20% × 5,000 = 1,000 → 800.
    formula = Share("rd_spend", D("0.2"), D(800))
    assert bounds(formula, rd_spend=D(5000)) == (D(800), D(800))
    # 20% × 1,000 = 200, under the ceiling.
    assert bounds(formula, rd_spend=D(1000)) == (D(200), D(200))


def test_share_not_more_than_runs_from_zero():
    # Chongqing 8．: 不超过研发投入20% … Ⅱ期最高300: 20% × 2,000 = 400 → 0 to 300.
    formula = Share("rd_spend", D("0.2"), D(300), rate_is_ceiling=True)
    assert bounds(formula, rd_spend=D(2000)) == (D(0), D(300))
    # 20% × 1,000 = 200 → 0 to 200.
    assert bounds(formula, rd_spend=D(1000)) == (D(0), D(200))


def test_share_without_base_is_zero_to_ceiling_with_a_note():
    formula = Share("rd_spend", D("0.2"), D(300))
    out = evaluate(formula, {})
    assert out.amount is not None and (out.amount.min, out.amount.max) == (D(0), D(300))
    assert any("rd_spend" in n.en for n in out.notes)


def test_share_without_base_or_ceiling_is_unknown_not_zero():
    # Jiangsu 30.: up to 50% of local input, no ceiling; without the base the sum is unknown.
    out = evaluate(Share("local_amount", D("0.5"), None, rate_is_ceiling=True), {})
    assert out.amount is not None and out.amount.kind == "case_by_case"


def test_share_range_caps_both_ends():
    # Suzhou 第十九条: 实收资本的1%~3%，最高6000: capital 100,000 → 1,000 to 3,000;
    # capital 300,000 → 3,000 to 6,000 (9,000 capped).
    formula = ShareRange("paid_in_capital", D("0.01"), D("0.03"), D(6000))
    assert bounds(formula, paid_in_capital=D(100000)) == (D(1000), D(3000))
    assert bounds(formula, paid_in_capital=D(300000)) == (D(3000), D(6000))
    # capital 700,000 → 7,000 to 21,000, both capped at 6,000.
    assert bounds(formula, paid_in_capital=D(700000)) == (D(6000), D(6000))


def test_up_to_is_a_range_from_zero_never_a_bare_maximum():
    # Kunming （六）: 每项最高不超过500万元 → 0 to 500.
    out = evaluate(UpTo(D(500)), {})
    assert out.amount is not None
    assert (out.amount.min, out.amount.max, out.amount.kind) == (D(0), D(500), "up_to")


def test_range():
    # Jiangsu 5.: 择优给予1000万元—3000万元.
    assert bounds(Range(D(1000), D(3000))) == (D(1000), D(3000))


def test_case_by_case_is_unknown_and_no_money_is_none():
    unknown = evaluate(CaseByCase(), {}).amount
    assert unknown is not None and unknown.kind == "case_by_case" and unknown.max is None
    none = evaluate(NoMoney(), {}).amount
    assert none is not None and none.kind == "no_money" and not none.money


def test_per_unit_multiplies_and_defaults_to_one():
    # Kunming （七）: 每个批文1000万元: 3 approval numbers → 3,000.
    formula = PerUnit("approval_numbers", Fixed(D(1000)))
    assert bounds(formula, approval_numbers=3) == (D(3000), D(3000))
    assert bounds(formula) == (D(1000), D(1000))
    assert bounds(formula, approval_numbers=0) is None
    # Suzhou 第二十条: 紧缺人才 6~12万元 each: 4 people → 24 to 48.
    assert bounds(PerUnit("count", Range(D(6), D(12))), count=4) == (D(24), D(48))


def test_staged_picks_the_stage_and_unlisted_stage_gives_nothing():
    # Suzhou 第六条: 进入I、II、III期 分别给予100、150、250万元.
    formula = Staged("phase", {"1": Fixed(D(100)), "2": Fixed(D(150)), "3": Fixed(D(250))})
    assert bounds(formula, phase=2) == (D(150), D(150))
    assert bounds(formula, phase=3) == (D(250), D(250))
    assert bounds(Staged("phase", {"1": Fixed(D(1))}), phase=2) is None


def test_banded_threshold_both_sides():
    # Chongqing 3．: 年度合同金额在300万元以上的, 按3%…最高500: 以上 includes 300.
    formula = Banded("amount", (Band(D(300), True, None, True,
                                     Share("amount", D("0.03"), D(500))),))
    assert bounds(formula, amount=D(300)) == (D(9), D(9))
    assert bounds(formula, amount=D(299)) is None
    assert bounds(formula, amount=D(20000)) == (D(500), D(500))


def test_banded_upper_band_case_by_case():
    # Suzhou 第十三条: 1亿以上5亿以下 10% of actual, ≤2000; 5亿以上 一事一议.
    formula = Banded("total_investment", (
        Band(D(10000), True, D(50000), True, Share("actual_investment", D("0.1"), D(2000))),
        Band(D(50000), False, None, True, CaseByCase()),
    ))
    assert bounds(formula, total_investment=D(9999), actual_investment=D(9999)) is None
    assert bounds(formula, total_investment=D(10000), actual_investment=D(8000)) == (D(800), D(800))
    assert bounds(formula, total_investment=D(40000), actual_investment=D(30000)) == \
        (D(2000), D(2000))
    out = evaluate(formula, {"total_investment": D(60000), "actual_investment": D(60000)})
    assert out.amount is not None and out.amount.kind == "case_by_case"
