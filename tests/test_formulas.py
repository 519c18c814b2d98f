"""The formula kinds on plain objects, each figure worked out by hand."""

from __future__ import annotations

import inspect
import re
from decimal import Decimal as D

import pytest

from policycalc.formulas import (
    KINDS,
    Band,
    Banded,
    CaseByCase,
    Fixed,
    Formula,
    NoMoney,
    PerUnit,
    Range,
    Share,
    ShareRange,
    Staged,
    Tiered,
    UpTo,
    describe,
    evaluate,
    item_ceiling,
)

from .conftest import ROOT


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


# ---------------------------------------------------------------- edges of each kind


def test_share_at_the_point_where_the_ceiling_starts_to_bite():
    # 20% × 1,500 = 300, exactly the ceiling 300: exact, not capped; 20% × 1,505 = 301 → 300.
    formula = Share("rd_spend", D("0.2"), D(300))
    assert bounds(formula, rd_spend=D(1500)) == (D(300), D(300))
    assert bounds(formula, rd_spend=D(1505)) == (D(300), D(300))
    assert not any("capped" in s.en for s in evaluate(formula, {"rd_spend": D(1500)}).steps)
    assert any("capped" in s.en for s in evaluate(formula, {"rd_spend": D(1505)}).steps)


def test_share_without_a_ceiling_is_uncapped():
    # Jiangsu 30.: up to 50% of the local input, no sum stated: 50% × 4,000 → 0 to 2,000.
    formula = Share("local_amount", D("0.5"), None, rate_is_ceiling=True)
    assert bounds(formula, local_amount=D(4000)) == (D(0), D(2000))


def test_not_more_than_share_without_base_is_zero_to_ceiling_with_a_note():
    # Chongqing 8.: 不超过研发投入20%，Ⅱ期最高300; no spend given → 0 to 300, and a note asks for it.
    out = evaluate(Share("rd_spend", D("0.2"), D(300), rate_is_ceiling=True), {})
    assert out.amount is not None and (out.amount.min, out.amount.max) == (D(0), D(300))
    assert [n.en for n in out.notes] == ["give rd_spend for an exact figure"]


def test_share_range_without_base():
    # Suzhou 第十九条: 1%~3% of paid-in capital, at most 6,000: no capital given → 0 to 6,000
    # with a note; without a ceiling the sum is unknown.
    out = evaluate(ShareRange("paid_in_capital", D("0.01"), D("0.03"), D(6000)), {})
    assert out.amount is not None and (out.amount.min, out.amount.max) == (D(0), D(6000))
    assert [n.en for n in out.notes] == ["give paid_in_capital for an exact figure"]
    unknown = evaluate(ShareRange("paid_in_capital", D("0.01"), D("0.03"), None), {}).amount
    assert unknown is not None and unknown.kind == "case_by_case"


def test_share_range_where_only_the_top_is_capped():
    # 1% × 250,000 = 2,500 and 3% × 250,000 = 7,500 → 6,000: 2,500 to 6,000.
    formula = ShareRange("paid_in_capital", D("0.01"), D("0.03"), D(6000))
    assert bounds(formula, paid_in_capital=D(250000)) == (D(2500), D(6000))


def test_range_with_equal_ends_is_exact():
    out = evaluate(Range(D(200), D(200)), {}).amount
    assert out is not None and out.kind == "exact"


def test_per_unit_of_a_range_and_of_up_to_and_of_case_by_case():
    # Three units of 0 to 500 → 0 to 1,500; two of 100–400 → 200 to 800.
    assert bounds(PerUnit("count", UpTo(D(500))), count=3) == (D(0), D(1500))
    assert bounds(PerUnit("count", Range(D(100), D(400))), count=2) == (D(200), D(800))
    # A case-by-case unit stays unknown however many there are: never 0.
    unknown = evaluate(PerUnit("count", CaseByCase()), {"count": 4}).amount
    assert unknown is not None and unknown.kind == "case_by_case"


def test_per_unit_count_zero_says_why():
    out = evaluate(PerUnit("approval_numbers", Fixed(D(1000))), {"approval_numbers": 0})
    assert out.amount is None and out.reason is not None
    assert out.reason.en == "approval_numbers is 0"


def test_per_unit_of_a_share_without_base():
    # Each unit 10% of its fee, at most 50; no fee given → each 0 to 50, two units 0 to 100.
    out = evaluate(PerUnit("count", Share("fee", D("0.1"), D(50))), {"count": 2})
    assert out.amount is not None and (out.amount.min, out.amount.max) == (D(0), D(100))
    assert [n.en for n in out.notes] == ["give fee for an exact figure"]


def test_staged_without_the_stage_gives_nothing_and_says_so():
    formula = Staged("phase", {"1": Fixed(D(100))})
    out = evaluate(formula, {})
    assert out.amount is None and out.reason is not None and out.reason.en == "phase not given"
    out = evaluate(formula, {"phase": 3})
    assert out.reason is not None and out.reason.en == "no amount for phase = 3"


def test_tiered_by_a_true_or_false_field():
    # A bool field's value is matched as the YAML words true / false.
    formula = Tiered("first_in_country", {"true": Fixed(D(200)), "false": Fixed(D(100))})
    assert bounds(formula, first_in_country=True) == (D(200), D(200))
    assert bounds(formula, first_in_country=False) == (D(100), D(100))


def test_tiered_picks_the_tier():
    # Jiangsu: 国家级、省级、市级 分别给予2000、1000、500 (DESIGN.md example): 省级 → 1,000.
    formula = Tiered("level", {"national": Fixed(D(2000)), "provincial": Fixed(D(1000)),
                               "city": Fixed(D(500))})
    assert bounds(formula, level="provincial") == (D(1000), D(1000))
    assert bounds(formula, level="district") is None


def test_band_edges_above_below_min_max():
    # Suzhou 第十三条: 1亿以上5亿以下 → [10,000, 50,000], 5亿以上 → above 50,000.
    formula = Banded("total_investment", (
        Band(D(10000), True, D(50000), True, Fixed(D(1))),
        Band(D(50000), False, None, True, Fixed(D(2))),
    ))
    assert bounds(formula, total_investment=D(50000)) == (D(1), D(1))
    assert bounds(formula, total_investment=D("50000.01")) == (D(2), D(2))
    # `below` excludes its bound.
    below = Banded("x", (Band(None, True, D(100), False, Fixed(D(7))),))
    assert bounds(below, x=D("99.99")) == (D(7), D(7))
    assert bounds(below, x=D(100)) is None


def test_band_outside_every_band_and_base_missing_say_why():
    formula = Banded("amount", (Band(D(300), True, None, True, Fixed(D(1))),))
    out = evaluate(formula, {"amount": D(299)})
    assert out.reason is not None and out.reason.en == "amount 299 is outside every band (first: ≥ 300)"
    out = evaluate(formula, {})
    assert out.reason is not None and out.reason.en == "amount not given: band unknown"


def test_band_with_its_share_base_missing_is_zero_to_ceiling():
    # Suzhou 第十三条: total 2亿 (in the 1亿–5亿 band) but the actual investment not given →
    # 10% of it, at most 2,000: 0 to 2,000 with a note asking for it.
    formula = Banded("total_investment", (
        Band(D(10000), True, D(50000), True, Share("actual_investment", D("0.1"), D(2000))),
    ))
    out = evaluate(formula, {"total_investment": D(20000)})
    assert out.amount is not None and (out.amount.min, out.amount.max) == (D(0), D(2000))
    assert [n.en for n in out.notes] == ["give actual_investment for an exact figure"]


def test_steps_only_when_traced():
    out = evaluate(Share("rd_spend", D("0.2"), D(300)), {"rd_spend": D(2000)}, trace=False)
    assert out.steps == [] and out.amount is not None and out.amount.max == D(300)


# ---------------------------------------------------------------- descriptions


@pytest.mark.parametrize(
    ("formula", "en", "zh"),
    [
        (Fixed(D(100)), "100", "100"),
        (Share("rd_spend", D("0.2"), D(800)), "20% of rd_spend, at most 800",
         "rd_spend 的 20%，最高 800"),
        (Share("rd_spend", D("0.2"), D(300), rate_is_ceiling=True),
         "not more than 20% of rd_spend, at most 300", "不超过 rd_spend 的 20%，最高 300"),
        (Share("local_amount", D("0.5"), None, rate_is_ceiling=True),
         "not more than 50% of local_amount", "不超过 local_amount 的 50%"),
        (ShareRange("paid_in_capital", D("0.01"), D("0.03"), D(6000)),
         "1%–3% of paid_in_capital, at most 6000", "paid_in_capital 的 1%–3%，最高 6000"),
        (UpTo(D(500)), "up to 500", "最高 500"),
        (Range(D(1000), D(3000)), "1000–3000", "1000–3000"),
        (PerUnit("approval_numbers", Fixed(D(1000))), "1000 per unit × approval_numbers",
         "每单位 1000 × approval_numbers"),
        (Staged("phase", {"1": Fixed(D(100)), "2": UpTo(D(150))}), "phase → 1: 100; 2: up to 150",
         "phase → 1: 100; 2: 最高 150"),
        (Tiered("level", {"national": Fixed(D(2000))}), "level → national: 2000",
         "level → national: 2000"),
        (Banded("amount", (Band(D(300), True, None, True, Share("amount", D("0.03"), D(500))),)),
         "amount ≥ 300: 3% of amount, at most 500; otherwise nothing",
         "amount ≥ 300: amount 的 3%，最高 500; 其余：无"),
        (Banded("x", (Band(D(1), False, D(5), False, CaseByCase()),)),
         "x > 1 and < 5: case by case (amount unknown); otherwise nothing",
         "x > 1 and < 5: 一事一议（金额未定）; 其余：无"),
        (CaseByCase(), "case by case (amount unknown)", "一事一议（金额未定）"),
        (NoMoney(), "no money", "无资金"),
    ],
)
def test_describe(formula, en, zh):
    assert (describe(formula, "en"), describe(formula, "zh")) == (en, zh)


# ---------------------------------------------------------------- ceilings of one award


@pytest.mark.parametrize(
    ("formula", "ceiling"),
    [
        (Fixed(D(100)), D(100)),
        (Share("rd_spend", D("0.2"), D(800)), D(800)),
        (Share("local_amount", D("0.5"), None), None),
        (UpTo(D(500)), D(500)),
        (Range(D(1000), D(3000)), D(3000)),
        (PerUnit("n", Fixed(D(1000))), None),  # grows with the count
        (Staged("phase", {"1": Fixed(D(100)), "3": Fixed(D(250))}), D(250)),
        (Staged("phase", {"1": Fixed(D(100)), "3": CaseByCase()}), None),
        (Banded("x", (Band(None, True, None, True, UpTo(D(9))),)), D(9)),
        (CaseByCase(), None),
        (NoMoney(), D(0)),
    ],
)
def test_item_ceiling(formula, ceiling):
    assert item_ceiling(formula) == ceiling


# ---------------------------------------------------------------- the closed set


def test_every_kind_is_listed_and_documented():
    # Every concrete kind class is in KINDS (a class left out could never be read), and the
    # kinds in the data-format table are exactly these.
    def concrete(cls):
        for sub in cls.__subclasses__():
            yield from concrete(sub)
            if not inspect.isabstract(sub) and not sub.__name__.startswith("_"):
                yield sub

    assert {cls.kind: cls for cls in concrete(Formula)} == KINDS
    table = (ROOT / "docs" / "data-format.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `([a-z_]+)`", table, flags=re.M))
    assert documented == set(KINDS)


# ---------------------------------------------------------------- through the ruleset cache


def test_every_kind_survives_the_ruleset_cache(tmp_path, monkeypatch):
    from policycalc.rulesets import load_ruleset

    monkeypatch.setenv("POLICYCALC_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("POLICYCALC_CACHE", raising=False)
    built = load_ruleset()
    cached = load_ruleset()
    assert list((tmp_path / "cache").glob("ruleset-*.pickle")) and cached is not built
    kinds = {m.formula.kind for m in cached.measures.values()}
    assert kinds == set(KINDS), "the bundled data no longer uses every kind"
    assert all(type(m.formula) is KINDS[m.formula.kind] for m in cached.measures.values())

    def amount(measure_id, **values):
        out = evaluate(cached.measures[measure_id].formula, values).amount
        return None if out is None else (out.min, out.max)

    # Chongqing 8.: 不超过研发投入20%，Ⅱ期最高300: 20% × 2,000 = 400 → 0 to 300.
    assert amount("cq-08-phase2", rd_spend=D(2000)) == (D(0), D(300))
    # Suzhou 第六条: 进入II期 150.
    assert amount("sz-06-phase-entered", phase=2) == (D(150), D(150))
    # Suzhou 第十一条: GLP 3大项 100 (4 items is in the 3-item band).
    assert amount("sz-11-glp", glp_items=4) == (D(100), D(100))
    # Kunming （七）: 每个批文1000万元, 2 approval numbers → 2,000.
    assert amount("km-07-brought-in", approval_numbers=2) == (D(2000), D(2000))
    # Suzhou 第十九条: 1%~3% of paid-in capital 100,000 → 1,000 to 3,000.
    assert amount("sz-19-regional-hq", paid_in_capital=D(100000)) == (D(1000), D(3000))


def test_no_isinstance_on_a_formula_kind_outside_formulas_py():
    # A kind owns its meaning (#16 item 6): a caller asking `isinstance` on a kind has found
    # a method of `Formula` that is missing.
    from policycalc.formulas import KINDS

    names = {cls.__name__ for cls in KINDS.values()} | {"Formula", "_Choice", "_Plain", "Band"}
    pattern = re.compile(r"isinstance\([^)]*\b(" + "|".join(sorted(names)) + r")\b")
    cli = ROOT / "cli"
    found = [
        f"{path.relative_to(ROOT)}:{n}"
        for path in sorted(cli.rglob("*.py"))
        if path.name != "formulas.py"
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if pattern.search(line)
    ]
    assert not found, found
    # And every kind answers every question advice asks, without a fall-through.
    for cls in KINDS.values():
        assert not getattr(cls, "__abstractmethods__", None), cls.__name__
