"""Products described once (issue 15): attributes read by the conditions, the old form
mapped onto them, and what the profile leaves out making a measure possible (rule 3)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from policycalc.engine import estimate
from policycalc.errors import DataError, InputError
from policycalc.profile import build_profile, parse_document, read_text
from policycalc.rulesets import load_ruleset

from .test_loader import GOOD, write

AS_OF = dt.date(2023, 12, 31)


def load(text: str, ruleset, source: str = "p.yaml"):
    return build_profile(
        parse_document(read_text(text.encode("utf-8"), source), source), ruleset, source
    )


def error(text: str, ruleset) -> InputError:
    with pytest.raises(InputError) as info:
        load(text, ruleset)
    return info.value


def money(ruleset, profile, region=None, as_of=AS_OF):
    result = estimate(ruleset, profile, as_of, region=region)
    return sorted((a.measure.id, a.amount.min, a.amount.max) for a in result.awards)


CART = """\
applicant: {region: kunming, legal_form: enterprise}
products:
  - {id: CART1, modality: cell, novelty: innovative}
facts:
  - {kind: clinical_phase_completed, date: 2023-03-01, product: CART1, phase: 1,
     next_phase_entered: true, rd_spend: 1500, domestic: true, converted_locally: true}
  - {kind: clinical_phase_entered, date: 2023-03-01, product: CART1, phase: 2,
     rd_spend: 1000, domestic: true, converted_locally: true}
"""


def test_a_product_declared_once_gives_its_attributes_to_each_fact(ruleset):
    profile = load(CART, ruleset)
    for fact in profile.facts:
        assert fact.product == "CART1"
        assert fact.values["product.modality"] == "cell"
        assert fact.values["product.novelty"] == "innovative"
        # 药品注册分类: the innovative drug is class 1; a cell therapy is a drug.
        assert fact.values["product.drug_class"] == 1
        assert fact.values["product.category"] == "drug"


def test_a_class_1_car_t_meets_kunming_and_chongqing_at_once(ruleset):
    profile = load(CART, ruleset)
    # 昆明细胞十条（六）：细胞类生物制品完成Ⅰ期并进入Ⅱ期，每项最高不超过500万元.
    kunming = [a for a in money(ruleset, profile) if a[0].startswith("km-")]
    assert kunming == [("km-06-phase1", Decimal(0), Decimal(500))]
    # 重庆 8．（以上均包含生物制品）：Ⅱ期不超过研发投入20%，最高300万元/项; 20% × 1000 = 200.
    chongqing = money(ruleset, profile, region="chongqing")
    assert ("cq-08-phase2", Decimal(0), Decimal(200)) in chongqing


def test_the_old_form_gives_the_same_money_as_the_new_form(ruleset):
    old = CART.replace("products:\n  - {id: CART1, modality: cell, novelty: innovative}\n", "")
    old = old.replace(
        "product: CART1,", "product: CART1, product_type: cell_biologic, drug_class: 1,"
    )
    old_profile, new_profile = load(old, ruleset), load(CART, ruleset)
    for region in ("kunming", "chongqing", "suzhou", "nanshan"):
        assert money(ruleset, old_profile, region) == money(ruleset, new_profile, region)
    note = estimate(ruleset, old_profile, AS_OF).notes[0].en
    assert "old form" in note and "products" in note and "product: <id>" in note


def test_an_attribute_the_old_form_leaves_unknown_makes_the_measure_possible(ruleset):
    # product_type innovative_drug says nothing of the modality: Kunming （六） (cell
    # biologics, 最高不超过500万元) is possible, 0 to 500, and the note names the modality.
    old = """\
applicant: {region: kunming, independent_legal_person: true}
facts:
  - {kind: clinical_phase_completed, date: 2023-03-01, product: X, product_type: innovative_drug,
     phase: 1, next_phase_entered: true}
"""
    result = estimate(ruleset, load(old, ruleset), AS_OF)
    award = next(a for a in result.awards if a.measure.id == "km-06-phase1")
    assert (award.amount.min, award.amount.max) == (Decimal(0), Decimal(500))
    assert award.unknown == ("product.modality",)
    assert any("modality of product X" in n.en for n in award.notes)


def test_a_contradicted_attribute_excludes(ruleset):
    # A chemical drug is no cell biologic: no Kunming （六） award at all.
    chem = CART.replace("modality: cell", "modality: chemical")
    assert not [a for a in money(ruleset, load(chem, ruleset)) if a[0].startswith("km-06")]


def test_a_device_has_no_novelty(ruleset):
    e = error(
        "applicant: {region: chongqing}\nproducts:\n  - {id: D, modality: device, novelty: innovative}\n",
        ruleset,
    )
    assert "novelty" in str(e) and e.field == "products[0]" and e.line == 3
    # Chongqing 8．reads the novelty: a device's Phase I contradicts it (not possible).
    device = load(
        "applicant: {region: chongqing}\nproducts:\n  - {id: D, modality: device}\nfacts:\n"
        "  - {kind: clinical_phase_entered, date: 2022-06-01, product: D, phase: 1, rd_spend: 100}\n",
        ruleset,
    )
    assert money(ruleset, device) == []


@pytest.mark.parametrize(
    ("text", "field", "line", "words"),
    [
        (
            "applicant: {region: kunming}\nproducts:\n  - {id: A, modality: cells}\n",
            "products[0].modality",
            3,
            "unknown value 'cells'",
        ),
        (
            "applicant: {region: kunming}\nproducts:\n  - {id: A, novelity: innovative}\n",
            "products[0].novelity",
            3,
            "did you mean 'novelty'",
        ),
        (
            "applicant: {region: kunming}\nproducts:\n  - {name: A}\n",
            "products[0].id",
            3,
            "'id'",
        ),
        (
            "applicant: {region: kunming}\nproducts:\n  - {id: A}\n  - {id: A}\n",
            "products[1].id",
            4,
            "duplicate product id 'A'",
        ),
        (
            "applicant: {region: kunming}\nproducts:\n  - {id: A}\nfacts:\n"
            "  - {kind: clinical_approval, date: 2022-01-01, product: B}\n",
            "facts[0].product",
            5,
            "unknown product 'B'",
        ),
        (
            "applicant: {region: kunming}\nproducts:\n  - {id: A, modality: cell}\nfacts:\n"
            "  - {kind: clinical_approval, date: 2022-01-01, product: A, product_type: tcm}\n",
            "facts[0]",
            5,
            "contradicts product 'A'",
        ),
        (
            "applicant: {region: kunming}\nfacts:\n"
            "  - {kind: clinical_approval, date: 2022-01-01, product_type: pill}\n",
            "facts[0].product_type",
            3,
            "unknown value 'pill'",
        ),
    ],
)
def test_bad_products_name_file_line_and_field(ruleset, text, field, line, words):
    e = error(text, ruleset)
    assert e.field == field and e.line == line and words in str(e), str(e)


def test_a_condition_on_an_unknown_product_attribute_is_a_data_error(tmp_path):
    text = GOOD.replace("where: {phase: 2}", "where: {phase: 2, product.modalty: cell}")
    assert text != GOOD
    with pytest.raises(DataError) as info:
        load_ruleset([write(tmp_path, text)])
    e = info.value
    assert e.field.endswith("where.product.modalty") and "did you mean 'modality'" in str(e)
    assert e.line is not None


def test_attributes_on_the_fact_itself_as_a_table_row_gives_them(ruleset):
    row = load(
        "applicant: {region: kunming}\nfacts:\n"
        "  - {kind: clinical_phase_completed, date: 2023-03-01, product: C, phase: 1,\n"
        "     next_phase_entered: true, product.modality: cell}\n",
        ruleset,
    )
    assert row.facts[0].values["product.modality"] == "cell"
    assert not row.assumptions  # the new vocabulary: no old-form note


# ------------------------------------------------------------------ conditions across measures


HQ = """\
applicant: {region: suzhou, legal_form: enterprise, in_enterprise_database: true,
            independent_legal_person: true, biomedicine_business: true, china_pharma_top100: true}
facts:
  - {kind: regional_headquarters, date: 2020-01-15, years_operating: 2, output_value: OUTPUT,
     paid_in_capital: 100000}
  - {kind: regional_rd_centre, date: 2020-04-01, prior_year_rd_spend: 3000}
"""


@pytest.mark.parametrize(
    ("output", "expected"),
    # 苏州 第十九条：产值规模不低于15亿元 (150000万); 其中…研发中心…20%额外资助: 20% × 3000 = 600.
    [(150000, (Decimal(600), Decimal(600))), (140000, None)],
)
def test_the_hq_extra_follows_its_hq(ruleset, output, expected):
    profile = load(HQ.replace("OUTPUT", str(output)), ruleset)
    result = estimate(ruleset, profile, dt.date(2021, 6, 30))
    got = [(a.amount.min, a.amount.max) for a in result.awards if a.measure.id == "sz-19-rd-centre"]
    assert got == ([expected] if expected else [])
    if expected is None:
        (ex,) = [x for x in result.excluded if x.measure.id == "sz-19-rd-centre"]
        hq = ruleset.measures["sz-19-regional-hq"].title.en
        assert ex.stage == "requirement" and hq in ex.reason.en
    else:
        (award,) = [a for a in result.awards if a.measure.id == "sz-19-rd-centre"]
        hq = ruleset.measures["sz-19-regional-hq"].title.en
        assert any(hq in s.en and "hold" in s.en for s in award.steps)


def test_a_device_in_the_review_is_checked_on_the_same_product(ruleset):
    # 江苏 5.：对进入上述程序、首次取得医疗器械注册证书(第三类)且在我省生产的医疗器械产品，择优给予最高2000万元.
    def device(review_product: str) -> list:
        profile = load(
            "applicant: {region: jiangsu, legal_form: enterprise}\nfacts:\n"
            f"  - {{kind: innovative_device_review, date: 2022-01-10, level: national, "
            f"product: {review_product}}}\n"
            "  - {kind: device_registration, date: 2022-09-01, product: D1, device_class: 3,\n"
            "     first_class3_certificate: true, produced_in_region: true}\n",
            ruleset,
        )
        result = estimate(ruleset, profile, dt.date(2022, 12, 31))
        return [
            (a.amount.min, a.amount.max, a.unknown)
            for a in result.awards
            if a.measure.id == "js-05-device-class3"
        ]

    assert device("D1") == [(Decimal(0), Decimal(2000), ())]
    # Another product's review says nothing of D1's: possible, the missing fact named.
    assert device("D2") == [
        (Decimal(0), Decimal(2000), ("a fact of kind innovative_device_review (product D1)",))
    ]


@pytest.mark.parametrize(
    ("review", "expected"),
    # 江苏 5.：对进入上述程序、首次取得医疗器械注册证书(第三类)且在我省生产的医疗器械产品，择优给予
    # 最高2000万元: "进入上述程序" (the special review of the sentence before) said by the
    # registration itself, with no review fact: yes is the award up to 2000 (择优: from 0), nothing
    # left unknown; no is no award. Said by that field alone: every other yes/no of the fact
    # (priority scope, own IP, converted locally) is left unsaid, the class III first
    # certificate and production in Jiangsu are yes.
    [(True, (Decimal(0), Decimal(2000), ())), (False, None)],
)
def test_the_registration_itself_can_say_the_device_entered_the_review(ruleset, review, expected):
    profile = load(
        "applicant: {region: jiangsu, legal_form: enterprise}\nfacts:\n"
        "  - {kind: device_registration, date: 2022-09-01, product: D1, device_class: 3,\n"
        f"     first_class3_certificate: true, produced_in_region: true, "
        f"innovative_review: {str(review).lower()}}}\n",
        ruleset,
    )
    result = estimate(ruleset, profile, dt.date(2022, 12, 31))
    got = [(a.amount.min, a.amount.max, a.unknown) for a in result.awards
           if a.measure.id == "js-05-device-class3"]
    out = [x.stage for x in result.excluded if x.measure.id == "js-05-device-class3"]
    assert got == ([expected] if expected else [])
    assert out == ([] if expected else ["requirement"])


GCP_HOSPITAL = """\
applicant: {region: suzhou, legal_form: medical_institution}
facts:
CERT  - {kind: clinical_engineering_collaboration, date: 2023-06-01, partner_local: true FLAG}
"""


@pytest.mark.parametrize(
    ("cert", "flag", "expected"),
    # 苏州集群方案 23.：对已取得GCP资质的医疗机构联合在苏企业开展医工协同创新的给予支持 (no sum:
    # case by case). The qualification is the condition of the sentence before (对取得GCP资质的
    # 医疗机构…给予支持, szc-23-gcp-specialties): the collaboration's own flag says it, or the
    # same hospital's GCP accreditation does; with neither, the hospital may or may not hold it.
    [
        (None, ", gcp_qualified: true", "paid"),
        (None, ", gcp_qualified: false", "excluded"),
        ("GCP", "", "paid"),
        (None, "", "possible"),
    ],
)
def test_the_hospital_industry_support_follows_the_gcp_qualification(ruleset, cert, flag, expected):
    facts = f"  - {{kind: certification, date: 2023-03-01, scheme: {cert}}}\n" if cert else ""
    profile = load(GCP_HOSPITAL.replace("CERT", facts).replace(" FLAG", flag), ruleset)
    result = estimate(ruleset, profile, AS_OF)
    got = [a for a in result.awards if a.measure.id == "szc-23-hospital-industry"]
    out = [x for x in result.excluded if x.measure.id == "szc-23-hospital-industry"]
    if expected == "excluded":
        assert got == [] and [x.stage for x in out] == ["requirement"]
        return
    (award,) = got
    assert out == []
    # Case by case: the amount is never a figure, paid or possible.
    assert (award.amount.min, award.amount.max) == (None, None)
    assert award.unknown == (() if expected == "paid" else ("a fact of kind certification",))


def test_a_requirement_on_an_unknown_measure_is_a_data_error(tmp_path):
    text = GOOD.replace(
        "    formula: {kind: share",
        "    requires: {measure: t-02, same: applicant}\n    formula: {kind: share",
    )
    with pytest.raises(DataError) as info:
        load_ruleset([write(tmp_path, text)])
    assert "requires unknown measure 't-02'" in str(info.value) and info.value.line is not None


# ---------------------------------------------------------------- device class and own IP

# 苏州 第七条：对新取得医疗器械注册证书的第三类医疗器械产品，按投入该产品实际研发费用的20%予以资助，
# 最高不超过300万元；对符合第三条所列范围、新取得医疗器械注册证书的第二类医疗器械…按…10%予以资助，
# 最高不超过50万元。单个企业每年资助最高不超过500万元。
SZ_DEVICES = """\
applicant: {region: suzhou, legal_form: enterprise, in_enterprise_database: true,
            independent_legal_person: true, biomedicine_business: true}
products:
  - {id: STENT, modality: device CLASS3}
  - {id: PUMP, modality: device CLASS2}
facts:
  - {kind: device_registration, date: 2020-02-01, product: STENT, rd_spend: 800 FACT3}
  - {kind: device_registration, date: 2020-03-01, product: PUMP, rd_spend: 300,
     in_priority_scope: true FACT2}
"""


def sz_devices(on_product: bool) -> str:
    where = ("CLASS", "FACT") if on_product else ("FACT", "CLASS")
    text = SZ_DEVICES
    for n in ("3", "2"):
        text = text.replace(f" {where[0]}{n}", f", device_class: {n}")
        text = text.replace(f" {where[1]}{n}", "")
    return text


def test_a_device_class_on_the_product_pays_as_on_the_fact(ruleset):
    # Class III: 20% × 800 = 160 (under 300); class II in art. 3's scope: 10% × 300 = 30
    # (under 50); 160 + 30 = 190 within the 500 a year.
    expected = [
        ("sz-07-class2", Decimal(30), Decimal(30)),
        ("sz-07-class3", Decimal(160), Decimal(160)),
    ]
    as_of = dt.date(2020, 12, 31)
    for on_product in (True, False):
        profile = load(sz_devices(on_product), ruleset)
        assert [f.values["device_class"] for f in profile.facts] == [3, 2]
        assert money(ruleset, profile, as_of=as_of) == expected


def test_a_device_class_on_a_one_row_fact_is_the_products(ruleset):
    # product.device_class on the fact itself (a CSV row) gives the fact its class too.
    text = sz_devices(on_product=False).replace(
        "product: STENT, rd_spend: 800, device_class: 3", "product.device_class: 3, rd_spend: 800"
    )
    profile = load(text, ruleset)
    assert profile.facts[0].values["device_class"] == 3
    assert ("sz-07-class3", Decimal(160), Decimal(160)) in money(
        ruleset, profile, as_of=dt.date(2020, 12, 31)
    )


def test_a_fact_that_contradicts_its_products_class_is_one_error(ruleset):
    text = sz_devices(on_product=True).replace(
        "product: STENT, rd_spend: 800", "product: STENT, device_class: 2, rd_spend: 800"
    )
    e = error(text, ruleset)
    assert e.field == "facts[0].device_class"
    assert e.message == "device_class 2 contradicts product 'STENT' (device_class 3)"
    assert "\n" not in str(e)
    # A fact that states the product's own class is fine.
    same = text.replace("device_class: 2, rd_spend: 800", "device_class: 3, rd_spend: 800")
    assert load(same, ruleset).facts[0].values["device_class"] == 3


def test_a_fact_that_contradicts_its_products_own_ip_is_one_error(ruleset):
    text = """\
applicant: {region: suzhou}
products:
  - {id: D1, modality: ivd, device_class: 2, independent_ip: true}
facts:
  - {kind: device_registration, date: 2023-03-01, product: D1, independent_ip: false}
"""
    e = error(text, ruleset)
    assert e.field == "facts[0].independent_ip"
    assert e.message == "independent_ip false contradicts product 'D1' (independent_ip true)"


@pytest.mark.parametrize("modality", ["chemical", "biologic", "cell", "gene", "vaccine", "tcm"])
def test_a_device_class_on_a_drug_is_an_error(ruleset, modality):
    text = f"""\
applicant: {{region: suzhou}}
products:
  - {{id: P1, modality: {modality}, device_class: 3}}
facts: []
"""
    e = error(text, ruleset)
    assert e.field == "products[0]"
    assert e.message == (
        f"'device_class' is for medical devices (modality device or ivd); "
        f"its modality is '{modality}'"
    )


def test_a_device_class_makes_a_product_a_device(ruleset):
    text = "applicant: {region: suzhou}\nproducts:\n  - {id: P1, device_class: 2}\nfacts: []\n"
    assert load(text, ruleset).products == {
        "P1": {"product.device_class": 2, "product.category": "device",
               "product.novelty": None, "product.drug_class": None}
    }  # fmt: skip
    drug = text.replace("device_class: 2", "drug_class: 1, device_class: 2")
    assert "makes it a drug" in error(drug, ruleset).message


def test_the_required_device_class_is_met_by_the_product_alone(ruleset):
    with_product = sz_devices(on_product=True)
    assert load(with_product, ruleset).facts[0].values["device_class"] == 3
    # A product that does not say it, or no product: the fact must.
    bare = with_product.replace("modality: device, device_class: 3", "modality: device")
    e = error(bare, ruleset)
    assert (e.field, e.message) == (
        "facts[0].device_class",
        "missing required field 'device_class' for kind 'device_registration'",
    )


def test_own_ip_on_the_product_decides_the_cluster_plans_device_support(ruleset):
    # 苏州集群方案 21.：…取得二类、三类医疗器械注册证，拥有自主知识产权的产品… (no sum: case by
    # case). Own IP said on the product: listed, nothing unknown; said false: excluded; not
    # said: possible, independent_ip named.
    def support(ip: str) -> list:
        profile = load(
            "applicant: {region: suzhou, legal_form: enterprise}\n"
            f"products:\n  - {{id: D1, modality: device, device_class: 3{ip}}}\n"
            "facts:\n  - {kind: device_registration, date: 2023-03-01, product: D1}\n",
            ruleset,
        )
        result = estimate(ruleset, profile, AS_OF)
        return [a.unknown for a in result.awards if a.measure.id == "szc-21-device-registration"]

    assert support(", independent_ip: true") == [()]
    assert support(", independent_ip: false") == []
    assert support("") == [("independent_ip",)]


def test_an_old_device_profile_reads_as_before(ruleset):
    # No products section, the class on each fact: the facts hold what they say, no more.
    text = """\
applicant: {region: suzhou, legal_form: enterprise, in_enterprise_database: true,
            independent_legal_person: true, biomedicine_business: true}
facts:
  - {kind: device_registration, date: 2020-02-01, device_class: 3, rd_spend: 800}
  - {kind: industrialisation_project, date: 2020-06-01, device_class: 2, total_investment: 6000}
"""
    profile = load(text, ruleset)
    assert profile.products is None
    assert [f.values for f in profile.facts] == [
        {"device_class": 3, "rd_spend": Decimal(800)},
        {"device_class": 2, "total_investment": Decimal(6000)},
    ]
    assert ("sz-07-class3", Decimal(160), Decimal(160)) in money(
        ruleset, profile, as_of=dt.date(2020, 12, 31)
    )


@pytest.mark.parametrize("on_product", [None, 1, 2, 3])
@pytest.mark.parametrize("on_fact", [None, 1, 2, 3])
@pytest.mark.parametrize(
    "ip", [(None, None), (True, None), (None, False), (True, True), (False, True)]
)
def test_every_placement_of_class_and_own_ip(ruleset, on_product, on_fact, ip):
    # The rule, case by case: the fact's own value if it states one, else the product's; both
    # stated and different is an error; the class is required from one or the other.
    ip_product, ip_fact = ip
    attrs = "".join(
        f", {k}: {str(v).lower()}"
        for k, v in (("device_class", on_product), ("independent_ip", ip_product))
        if v is not None
    )
    fields = "".join(
        f", {k}: {str(v).lower()}"
        for k, v in (("device_class", on_fact), ("independent_ip", ip_fact))
        if v is not None
    )
    text = (
        f"applicant: {{region: suzhou}}\nproducts:\n  - {{id: D1, modality: device{attrs}}}\n"
        f"facts:\n  - {{kind: device_registration, date: 2023-03-01, product: D1{fields}}}\n"
    )
    clash = (on_product is not None and on_fact is not None and on_product != on_fact) or (
        ip_product is not None and ip_fact is not None and ip_product != ip_fact
    )
    if on_product is None and on_fact is None:
        assert "missing required field 'device_class'" in error(text, ruleset).message
    elif clash:
        assert "contradicts product 'D1'" in error(text, ruleset).message
    else:
        values = load(text, ruleset).facts[0].values
        assert values["device_class"] == (on_fact if on_fact is not None else on_product)
        own_ip = ip_fact if ip_fact is not None else ip_product
        assert values.get("independent_ip") == own_ip
        assert ("independent_ip" in values) == (own_ip is not None)
