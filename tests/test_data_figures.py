"""Every figure of the bundled data against a table transcribed by hand from the documents.

The table below was written from the seed texts (shared/seeds, see the document's `source`),
article by article, not from the YAML files: a mistyped amount, rate or ceiling, a share read
as exact where the text says 不超过, a wrong stage or band, or a money measure added without
a hand check, fails here. Notation: `100` a fixed sum; `0..500` up to; `1000..3000` a range;
`20% cap 300` a share with its ceiling (`≤20%`: the share is itself a ceiling, 不超过/最高按);
`1%..3% cap 6000` a share range; `each …` per unit; `k=…; k=…` stages or tiers (sorted);
`[lo,hi): …` bands (`[`/`]` include the bound, `(`/`)` exclude it); `?` case by case.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

FIGURES = {
    # 重庆市加快生物医药产业发展若干措施 (003)
    "cq-03-cro": "≤20% cap 1000",  # 3．不超过固定资产投资20%、最高1000万元
    "cq-03-rd-services": "[300,): 3% cap 500",  # 3．年度合同金额300万元以上的按3%，最高不超过500
    "cq-08-preclinical": "≤20% cap 300",  # 8．不超过研发投入20%；临床前、Ⅰ、Ⅱ、Ⅲ期最高
    "cq-08-phase1": "≤20% cap 200",  #     300、200、300、700万元/项
    "cq-08-phase2": "≤20% cap 300",
    "cq-08-phase3": "≤20% cap 700",
    "cq-08-device": "≤20% cap 500",  # 8．创新医疗器械特别审查程序：不超过20%、最高500万元
    # 9．创新药1000，改良型新药、生物类似药500，中药经典名方100，三类器械100，一致性评价100
    "cq-09-drug": "biosimilar=500; improved=500; innovative=1000; tcm_classic=100",
    "cq-09-device": "100",
    "cq-09-consistency": "100",
    "cq-10-overseas": "0..100",  # 10．最高100万元一次性奖励
    "cq-12-manufacturing": "≤20% cap 1000",  # 12．不超过固定资产投资20%、最高1000万元
    "cq-13-cdmo": "(1000,): 3% cap 500",  # 13．超过1000万元的，按3%，最高不超过500万元
    "cq-14-supply-chain": "0..100",  # 14．最高100万元
    # 江苏省 关于促进全省生物医药产业高质量发展的若干政策措施 (004)
    "js-04-frontier": "500..2000",  # 4. 500万元—2000万元
    "js-05-phase2-next": "1000..3000",  # 5. 择优给予1000万元—3000万元 (drugs and devices)
    "js-05-device-prototype": "1000..3000",
    "js-05-innov-phase": "0..3000",  # 5. 创新药 最高3000万元
    "js-05-innov-approval": "0..3000",
    "js-05-improved-phase": "0..1000",  # 5. 改良型新药 最高1000万元
    "js-05-improved-approval": "0..1000",
    "js-05-device-review": "0..200",  # 5. 创新医疗器械特别审查程序 最高200万元
    "js-05-device-class3": "0..2000",  # 5. 首次取得第三类注册证且在省内生产 最高2000万元
    "js-13-transform": "0..4000",  # 13. 技术改造 最高4000万元
    "js-13-engineering": "0..3000",  # 13. 工程化攻关 最高3000万元
    "js-18-first-set": "0..3000",  # 18﹒首台 最高3000万元
    "js-18-first-batch": "0..300",  # 18﹒首批次 最高300万元
    "js-21-top-talent": "0..10000",  # 21. 最高给予1亿元项目资助
    "js-22-doctoral": "each 15",  # 22. 双创博士 15万元
    "js-28-acquisition": "≤5% cap 3000",  # 28. 不超过实际出资额(现金)的5%，最高不超过3000万元
    "js-28-insurance": "50% cap 50",  # 28. 保费的50%，单个保单最高不超过50万元
    "js-30-topup": "≤50%",  # 30﹒补助比例不超过地方投入的50% (no sum)
    # 昆明市高质量发展细胞产业十条措施 (000)
    "km-02-filing": "100",  # （二）项目团队一次性100万元
    "km-02-cost": "50% cap 500",  # （二）临床研究成本50%，最高500万
    "km-03-workstation": "academician=180; expert=90",  # （三）院士、专家工作站 180、90万元
    # （三）国家级重点实验室、技术创新中心 最高不超过500万元、1000万元
    "km-03-national-platform": "key_laboratory=0..500; technology_innovation_centre=0..1000",
    "km-06-phase1": "0..500",  # （六）完成Ⅰ期进入Ⅱ期 最高不超过500万元
    "km-06-phase2": "0..1000",  # （六）完成Ⅱ期进入Ⅲ期 最高不超过1000万元
    "km-06-phase3": "0..2000",  # （六）完成Ⅲ期并取得注册批件 最高不超过2000万元
    "km-06-mah": "0..2000",  # （六）MAH 在昆明产业化 最高不超过2000万元
    "km-07-international": "100",  # （七）国际认证 100万元
    "km-07-patent": "each 50",  # （七）发明专利 第一注册申请人 50万元
    "km-07-capital": "2% cap 500",  # （七）注册资本实际到位资金的2%，最高500万元
    "km-07-cmo": "5% cap 500",  # （七）销售收入的5%，最高500万元
    "km-07-brought-in": "each 1000",  # （七）每个批文1000万元
    "km-09-renovation": "5% cap 200",  # （九）装修发票金额5%，最高200万元
    # 南山区 十六条 interpretation (002)
    "ns-01-platform": "0..2000",  # (一)每年最高2000万元
    "ns-01-renovation": "50% cap 800",  # (一)装修费50%；与租金补贴累计最高800万元
    "ns-01-rent": "0..800",
    "ns-02-new-drug-stage": "0..2000",  # (二)每家企业每年最高2000万元
    "ns-03-consistency-first": "0..100",  # (三)每家企业每年最高100万元
    "ns-04-device-certificate": "0..300",  # (四)每家企业每年最高300万元
    "ns-05-high-growth-rent": "30% cap 200",  # (五)租金的30%，每年不超过200万元
    "ns-06-relocation-mah": "0..1000",  # (六)MAH、器械注册人 每年最高1000万元、150万元
    "ns-06-relocation-device": "0..150",
    "ns-07-talent-venture": "0..2000",  # (七)最高2000万元
    "ns-08-loan-interest": "70% cap 100",  # (八)利息金额的70%，每家每年最高100万元
    "ns-09-hazardous-waste": "0..30",  # (九)每家企业每年最高30万元
    "ns-10-science-event": "0..200",  # (十)每个活动最高200万元
    # 苏州市 关于加快推进苏州市生物医药产业高质量发展的若干措施 (004)
    "sz-06-major-project": "20% cap 2000",  # 第六条 项目资金的20%，最高不超过2000万元
    "sz-06-phase-entered": "1=100; 2=150; 3=250",  # 第六条 进入I、II、III期 100、150、250
    # 第六条 完成I、II、III期 研发费用的20%，最高不超过100、200、400万元
    "sz-06-phase-completed": "1=20% cap 100; 2=20% cap 200; 3=20% cap 400",
    "sz-07-class3": "20% cap 300",  # 第七条 第三类 20%，最高不超过300万元
    "sz-07-class2": "10% cap 50",  # 第七条 第二类 10%，最高不超过50万元
    "sz-08-first-generic": "20% cap 500",  # 第八条 20%，最高不超过500万元
    "sz-11-glp": "[3,5): 100 | [5,): 200",  # 第十一条 GLP 3大项、5大项 100、200万元
    "sz-11-gcp": "each 50",  # 第十一条 每新增1个专业学科 50万元
    "sz-11-cnas": "20% cap 300",  # 第十一条 设备金额的20%，最高不超过300万元
    "sz-11-intl-cert": "20% cap 200",  # 第十一条 申报费用的20%，最高不超过200万元
    # 第十三条 总投资1亿元以上5亿元以下 实际投入10%，最高2000万元；5亿元以上 一事一议
    "sz-13-drug-industrialisation": "[10000,50000]: 10% cap 2000 | (50000,): ?",
    # 第十三条 器械 5000万元以上1亿元以下 10%，最高500万元；1亿元以上 一事一议
    "sz-13-device-industrialisation": "[5000,10000]: 10% cap 500 | (10000,): ?",
    "sz-14-digital-transformation": "≤15% cap 500",  # 第十四条 最高按投资额的15%；500万元
    "sz-15-entrusting": "5% cap 1000",  # 第十五条 委托方 交易费用的5%；每年最高1000万元
    "sz-15-manufacturer": "≤10% cap 500",  # 第十五条 受托方 最高按10%；每个品种最高500万元
    "sz-16-first-set": "15%..30% cap 1000",  # 第十六条 售价的15%~30%，最高不超过1000万元
    "sz-17-overseas-approval": "100",  # 第十七条 每个产品100万元
    "sz-19-regional-hq": "1%..3% cap 6000",  # 第十九条 实收资本的1%~3%，最高不超过6000万元
    "sz-19-rd-centre": "20% cap 1000",  # 第十九条 研发费用的20%，最高不超过1000万元
    "sz-20-leading-project": "100..400",  # 第二十条 100~400万元项目资助
    "sz-20-leading-housing": "100..250",  # 第二十条 100~250万元安家补贴
    "sz-20-shortage": "each 6..12",  # 第二十条 紧缺人才 6~12万元
    "sz-20-headhunter": "≤100% cap 100",  # 第二十条 佣金补贴 每年最高100万元
    "sz-20-innovative-leading": "0..50",  # 第二十条 引才奖励 最高50万元
    "sz-20-top-housing": "0..500",  # 第二十条 购房补贴 最高500万元
    "sz-20-top-contribution": "0..100",  # 第二十条 贡献奖励 最高100万元
    "sz-22-ipo": "0..100",  # 第二十二条 每家最高不超过100万元
    "sz-23-new-platform": "30% cap 2000",  # 第二十三条 总投资的30%，最高不超过2000万元
    "sz-23-platform-services": "10% cap 500",  # 第二十三条 服务金额的10%，每年最高500万元
    # 第二十四条 国家级、省级、苏州市级 2000、1000、500万元
    "sz-24-innovation-centre": "city=500; national=2000; provincial=1000",
    # 云南省 生物医药产业高质量发展 opinions, 八 (001)
    "yn-08-01-hq": "1000",  # 八（一）一次性奖励1000万元
    # 八（二）研发投入的20%：临床批件最高300；完成Ⅰ、Ⅱ、Ⅲ期最高300、500、800万元
    "yn-08-02-clinical-approval": "20% cap 300",
    "yn-08-02-clinical-phase": "1=20% cap 300; 2=20% cap 500; 3=20% cap 800",
    "yn-08-02-consistency": "0..300",  # 八（二）一致性评价 每个品种最高300万元
    "yn-08-02-tcm-reeval": "0..500",  # 八（二）中成药上市后再评价 最高500万元
}


def n(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def pct(rate: Decimal) -> str:
    return n(rate * 100) + "%"


def cap(ceiling: Decimal | None) -> str:
    return "" if ceiling is None else f" cap {n(ceiling)}"


def interval(band: Any) -> str:
    lower = "" if band.lower is None else n(band.lower)
    upper = "" if band.upper is None else n(band.upper)
    left = "[" if band.lower_inclusive and band.lower is not None else "("
    right = "]" if band.upper_inclusive and band.upper is not None else ")"
    return f"{left}{lower},{upper}{right}"


def figures(f: Any) -> str:
    """The formula's figures in the notation of the module docstring (read off its fields)."""
    kind = f.kind
    if kind == "fixed":
        return n(f.amount)
    if kind == "up_to":
        return f"0..{n(f.max)}"
    if kind == "range":
        return f"{n(f.min)}..{n(f.max)}"
    if kind == "share":
        return ("≤" if f.rate_is_ceiling else "") + pct(f.rate) + cap(f.max)
    if kind == "share_range":
        return f"{pct(f.rate_min)}..{pct(f.rate_max)}{cap(f.max)}"
    if kind == "per_unit":
        return "each " + figures(f.each)
    if kind in ("staged", "tiered"):
        return "; ".join(f"{k}={figures(v)}" for k, v in sorted(f.options.items()))
    if kind == "banded":
        return " | ".join(f"{interval(b)}: {figures(b.formula)}" for b in f.bands)
    if kind == "case_by_case":
        return "?"
    raise AssertionError(f"no notation for kind {kind}")


def test_every_money_figure_matches_the_hand_made_table(ruleset):
    wrong = {
        m.id: (figures(m.formula), FIGURES[m.id])
        for m in ruleset.measures.values()
        if m.id in FIGURES and figures(m.formula) != FIGURES[m.id]
    }
    assert not wrong, f"data vs the text (data, hand table): {wrong}"


def test_every_measure_with_a_figure_is_in_the_table(ruleset):
    # A new or changed money measure needs its figures read from the text into FIGURES.
    with_figures = {
        m.id for m in ruleset.measures.values() if m.formula.kind not in ("no_money", "case_by_case")
    }
    assert with_figures - set(FIGURES) == set(), "measures with figures not in the hand table"
    assert set(FIGURES) - with_figures == set(), "table rows for measures without figures"
