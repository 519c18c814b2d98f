"""`opportunities`: each expected figure is worked out by hand from the policy text (article
cited); the code's own bounds are never the yardstick."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from policycalc.app import app
from policycalc.formulas import item_ceiling
from policycalc.opportunities import REASONS, Opportunity, find_opportunities
from policycalc.profile import load_profile

from .conftest import ROOT, day, make_profile

runner = CliRunner()


def _only(items: list[Opportunity], measure: str, reason: str | None = None) -> Opportunity:
    found = [o for o in items if o.measure.id == measure and (reason is None or o.reason == reason)]
    assert len(found) == 1, [(o.measure.id, o.reason, o.needs.en) for o in found]
    return found[0]


def _pair(o: Opportunity) -> tuple[Decimal | None, Decimal | None]:
    return o.amount.min, o.amount.max


# ------------------------------------------------------------------ Chongqing


def test_chongqing_third_party_contracts_just_missed(ruleset):
    # Chongqing 3．: 年度服务合同金额在300万元以上的，按3%奖励，最高不超过500万元.
    # 290万 in 2022 misses it; at 300万 the award is 3% × 300 = 9: the row's amount is 9, and
    # that more contracts pay more, up to the 500 ceiling, is a note (not the row's maximum).
    profile = make_profile(
        ruleset,
        "chongqing",
        {"kind": "rd_service_contracts", "date": "2022-12-31", "amount": 290},
    )
    found = find_opportunities(ruleset, profile, day("2023-01-01"))
    o = _only(found.items, "cq-03-rd-services")
    assert o.reason == "condition"
    assert _pair(o) == (Decimal(9), Decimal(9))
    assert "290" in o.needs.en and "300" in o.needs.en
    assert any("up to 500" in n.en for n in o.notes)
    assert o.document.id == "chongqing-biomed-2022" and o.measure.article == "3．"
    assert not found.estimate.awards  # nothing paid today: the 9–500 is never in a total


# ------------------------------------------------------------------ Suzhou


def test_suzhou_article_13_investment_under_one_yi(ruleset):
    # Suzhou 第十三条: 项目总投资1亿元以上、5亿元以下的，按实际投入的10%予以资助，最高2000万元.
    # A 9,000万 project misses the 1亿 (10,000万) floor; at 1亿 total, the 9,000万 actually
    # invested gives 10% × 9000 = 900.
    profile = make_profile(
        ruleset,
        "suzhou",
        {
            "kind": "industrialisation_project",
            "date": "2021-06-01",
            "product_type": "drug",
            "approval_local": True,
            "total_investment": 9000,
            "actual_investment": 9000,
        },
        in_enterprise_database=True,
    )
    o = _only(
        find_opportunities(ruleset, profile, day("2021-12-31")).items,
        "sz-13-drug-industrialisation",
    )
    assert o.reason == "condition"
    assert _pair(o) == (Decimal(900), Decimal(900))
    assert "9000" in o.needs.en and "10000" in o.needs.en


def test_suzhou_next_clinical_stage_of_the_product(ruleset):
    # Suzhou 第六条: completing Phase III brings 20% of that stage's R&D spend, at most 400万.
    # SZ-mAb-2 has completed Phase II and entered Phase III: completing Phase III is next; its
    # R&D spend is not known yet, so 0 to 400.
    profile = load_profile(str(ROOT / "examples" / "suzhou-antibody.toml"), ruleset)
    items = find_opportunities(ruleset, profile, day("2021-12-31")).items
    o = _only(items, "sz-06-phase-completed", "no_fact")
    assert o.reason == "no_fact" and o.product == "SZ-mAb-2"
    assert _pair(o) == (Decimal(0), Decimal(400))
    assert "Phase III" in o.needs.en and "SZ-mAb-2" in o.needs.en
    # 第六条 entry awards (100/150/250 for Phases I–III) are all behind this product: its
    # Phase II entry is paid, Phase III entry too; no next entry stage is offered for it.
    assert not [
        x
        for x in items
        if x.measure.id == "sz-06-phase-entered" and x.product and x.reason != "ceiling"
    ]


def test_suzhou_window_missed(ruleset):
    # Suzhou 第七条: a new class III certificate gets 20% of the product's R&D spend, at most
    # 300万: 20% × 1000 = 200. The document counts projects recognised from 2019-01-01; a
    # certificate of 2018-10-01 falls outside the window.
    profile = make_profile(
        ruleset,
        "suzhou",
        {"kind": "device_registration", "date": "2018-10-01", "device_class": 3, "rd_spend": 1000},
        in_enterprise_database=True,
    )
    o = _only(find_opportunities(ruleset, profile, day("2020-06-30")).items, "sz-07-class3")
    assert o.reason == "window"
    assert _pair(o) == (Decimal(200), Decimal(200))
    assert "2018-10-01" in o.needs.en and "2019-01-01" in o.needs.en


def test_suzhou_device_ceiling_already_used(ruleset):
    # Suzhou 第七条: 20% × 2000 = 400, capped at 300 per class III device; at most 500万 per
    # enterprise per year for device awards. Two certificates in 2020: 600 before the ceiling,
    # 500 after: the ceiling cuts exactly 100 in 2020, said once (who bears it is not known,
    # but the cut is certain).
    profile = make_profile(
        ruleset,
        "suzhou",
        {"kind": "device_registration", "date": "2020-03-01", "device_class": 3, "rd_spend": 2000},
        {"kind": "device_registration", "date": "2020-09-01", "device_class": 3, "rd_spend": 2000},
        in_enterprise_database=True,
    )
    items = find_opportunities(ruleset, profile, day("2020-12-31")).items
    found = [o for o in items if o.reason == "ceiling"]
    assert len(found) == 1
    o = found[0]
    assert o.ceiling is not None and o.ceiling.id == "sz-07-device-yearly:2020"
    assert _pair(o) == (Decimal(100), Decimal(100))
    assert "第七条" in o.needs.en and "2020" in o.needs.en
    assert o.needs.en.count("Class III device registration award") == 2


# ------------------------------------------------------------------ Kunming and Yunnan


def test_kunming_next_stage_and_a_field_that_makes_an_award_exact(ruleset):
    profile = load_profile(str(ROOT / "examples" / "kunming-cell.toml"), ruleset)
    items = find_opportunities(ruleset, profile, day("2023-06-30")).items
    # Kunming （六）: completing Phase II and entering Phase III, 每项最高不超过1000万元. The
    # CAR-T product completed Phase I and entered Phase II: that is its next stage.
    o = _only(items, "km-06-phase2")
    assert o.reason == "no_fact" and o.product == "KM-CART-01"
    assert _pair(o) == (Decimal(0), Decimal(1000))
    # Yunnan 八（二）: completing Phase II brings 20% of R&D spend, at most 500.
    o = _only(items, "yn-08-02-clinical-phase")
    assert o.product == "KM-CART-01" and _pair(o) == (Decimal(0), Decimal(500))


def test_yunnan_rd_spend_would_make_the_award_exact(ruleset):
    # Yunnan 八（二）: a clinical approval brings 20% of R&D spend, at most 300万. Without
    # rd_spend the award is 0 to 300; giving it makes it exact.
    profile = make_profile(
        ruleset,
        "kunming",
        {
            "kind": "clinical_approval",
            "date": "2021-06-20",
            "product": "KM-1",
            "product_type": "cell_biologic",
        },
    )
    items = find_opportunities(ruleset, profile, day("2023-06-30")).items
    o = _only(items, "yn-08-02-clinical-approval")
    assert o.reason == "missing_field"
    assert _pair(o) == (Decimal(0), Decimal(300))
    assert "R&D spend" in o.needs.en


def test_kunming_tax_registration_elsewhere(ruleset):
    # Kunming 附则: business AND tax registration in Kunming. Tax registered in Yunnan's
    # provincial office instead: （九）'s 5% of 1,000万 renovation invoices = 50 is lost
    # until the tax registration moves.
    profile = make_profile(
        ruleset,
        "kunming",
        {"kind": "renovation", "date": "2021-03-15", "invoice_amount": 1000, "in_local_park": True},
        tax_region="yunnan",
    )
    items = find_opportunities(ruleset, profile, day("2023-06-30")).items
    o = _only(items, "km-09-renovation")
    assert o.reason == "eligibility"
    assert _pair(o) == (Decimal(50), Decimal(50))
    assert "tax registration" in o.needs.en


# ------------------------------------------------------------------ Nanshan


def test_nanshan_high_growth_condition(ruleset):
    # Nanshan (五): high-growth firms get 30% of actual rent, at most 200万 a year:
    # 30% × 500 = 150, but only once the applicant is recognised as high-growth.
    profile = make_profile(
        ruleset,
        "nanshan",
        {"kind": "rent_paid", "date": "2022-06-30", "amount": 500, "subsidy_year": 1},
    )
    o = _only(
        find_opportunities(ruleset, profile, day("2023-01-01")).items, "ns-05-high-growth-rent"
    )
    assert o.reason == "condition"
    assert _pair(o) == (Decimal(150), Decimal(150))
    assert "high-growth" in o.needs.en


def test_no_fact_uses_the_measures_own_bounds(ruleset):
    # Chongqing 9．: 1000万 per innovative drug, 500 per improved drug or biosimilar, 100 per
    # classic TCM formula: without an approval, 100 to 1000.
    profile = make_profile(ruleset, "chongqing")
    o = _only(find_opportunities(ruleset, profile, day("2023-01-01")).items, "cq-09-drug")
    assert o.reason == "no_fact"
    assert _pair(o) == (Decimal(100), Decimal(1000))


def test_lapsed_documents_offer_nothing(ruleset):
    # Suzhou's 2019 measures lapsed on 2022-04-14: no opportunity from them in 2023.
    profile = make_profile(ruleset, "suzhou", in_enterprise_database=True)
    items = find_opportunities(ruleset, profile, day("2023-06-30")).items
    assert items
    assert not [o for o in items if o.document.id == "suzhou-measures-2019"]


# ------------------------------------------------------------------ bounds and ranking


PROFILES = sorted(p for p in (ROOT / "examples").glob("*.*") if p.suffix in (".yaml", ".toml"))


@pytest.mark.parametrize("path", PROFILES, ids=lambda p: p.name)
@pytest.mark.parametrize("as_of", ["2020-06-30", "2021-12-31", "2023-06-30"])
def test_never_more_than_the_text_states(ruleset, path: Path, as_of: str):
    profile = load_profile(str(path), ruleset)
    for region in ("kunming", "nanshan", "chongqing", "suzhou"):
        result = find_opportunities(ruleset, profile, day(as_of), region=region)
        for o in result.items:
            assert o.reason in REASONS
            low, high = o.amount.min, o.amount.max
            assert low is None or low >= 0
            if low is not None and high is not None:
                assert low <= high
            # The item ceiling the text states for the measure (formulas.item_ceiling reads
            # the data: the fixed sum, the "最高", the top of a range or of any stage).
            stated = item_ceiling(o.measure.formula)
            if stated is not None:
                assert high is not None and high <= stated, (o.measure.id, o.needs.en)
            for ceiling in o.document.ceilings:
                if ceiling.covers(o.measure.id) and high is not None:
                    assert high <= ceiling.amount, (o.measure.id, ceiling.id)


def test_ranked_by_money_at_stake(ruleset):
    profile = load_profile(str(ROOT / "examples" / "suzhou-antibody.toml"), ruleset)
    items = find_opportunities(ruleset, profile, day("2021-12-31")).items
    known = [o.amount.max for o in items if o.amount.max is not None]
    assert known == sorted(known, reverse=True)
    unknown = [i for i, o in enumerate(items) if o.amount.max is None]
    assert all(i >= len(known) for i in unknown)


# ------------------------------------------------------------------ command line


KEYS = {
    "document",
    "measure",
    "article",
    "title",
    "category",
    "reason",
    "needs",
    "notes",
    "ceiling",
    "min",
    "max",
    "recipient",
    "departments",
}


def _write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


CQ_290 = """applicant: {region: chongqing, name: "<b>渝研</b> =1+1"}
facts:
  - {kind: rd_service_contracts, date: 2022-12-31, amount: 290}
"""


def test_json_shape(tmp_path):
    path = _write(tmp_path, "cq.yaml", CQ_290)
    result = runner.invoke(app, ["opportunities", path, "--as-of", "2023-01-01", "-f", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {"as_of", "ruleset", "applicant", "opportunities"}
    assert data["as_of"] == "2023-01-01"
    for item in data["opportunities"]:
        assert set(item) == KEYS
        assert item["reason"] in REASONS
        assert set(item["departments"]) >= {"lead", "support"}
    rd = [o for o in data["opportunities"] if o["measure"] == "cq-03-rd-services"]
    assert rd[0]["min"] == 9 and rd[0]["max"] == 9


def test_csv_and_jsonl_one_row_per_opportunity(tmp_path):
    path = _write(tmp_path, "cq.yaml", CQ_290)
    base = ["opportunities", path, "--as-of", "2023-01-01"]
    data = json.loads(runner.invoke(app, [*base, "-f", "json"]).stdout)
    count = len(data["opportunities"])
    lines = runner.invoke(app, [*base, "-f", "jsonl"]).stdout.splitlines()
    assert len(lines) == count
    assert [json.loads(x)["measure"] for x in lines] == [
        o["measure"] for o in data["opportunities"]
    ]
    import csv
    import io

    rows = list(csv.DictReader(io.StringIO(runner.invoke(app, [*base, "-f", "csv"]).stdout)))
    assert len(rows) == count
    # A name that a spreadsheet would run as a formula is neutralised.
    names = {r["applicant"] for r in rows}
    assert names == {"<b>渝研</b> =1+1"}  # it does not start with = + - @: left as it is


def test_reports_escape_the_profile(tmp_path):
    path = _write(tmp_path, "cq.yaml", CQ_290)
    html_path = tmp_path / "r.html"
    md_path = tmp_path / "r.md"
    for target in (html_path, md_path):
        result = runner.invoke(
            app, ["opportunities", path, "--as-of", "2023-01-01", "--report", str(target)]
        )
        assert result.exit_code == 0, result.output
    page = html_path.read_text(encoding="utf-8")
    assert "<b>渝研</b>" not in page and "&lt;b&gt;渝研&lt;/b&gt;" in page
    # The client's words: the measure by its title, never its id (#16 item 4).
    assert "第三方研发服务奖励" in page and "cq-03-rd-services" not in page
    md = md_path.read_text(encoding="utf-8")
    assert "<b>" not in md and "第三方研发服务奖励" in md and "cq-03-rd-services" not in md
    result = runner.invoke(
        app, ["opportunities", path, "--as-of", "2023-01-01", "--report", str(tmp_path / "r.svg")]
    )
    assert result.exit_code == 2 and "Error:" in result.stderr


def test_regions_move_the_applicant(tmp_path):
    path = _write(tmp_path, "cq.yaml", CQ_290)
    result = runner.invoke(
        app,
        [
            "opportunities",
            path,
            "--as-of",
            "2021-12-31",
            "--regions",
            "suzhou,chongqing",
            "-f",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [r["region"] for r in data["regions"]] == ["suzhou", "chongqing"]
    suzhou = data["regions"][0]
    assert suzhou["applicant"]["moved_from"] == "chongqing"
    assert {o["document"] for o in suzhou["opportunities"]} <= {
        "suzhou-measures-2019",
        "suzhou-cluster-2022",
        "jiangsu-biomed-2021",
    }
    bad = runner.invoke(app, ["opportunities", path, "--regions", "atlantis"])
    assert bad.exit_code == 2 and "unknown region" in bad.stderr


def test_batch_ranks_a_client_list(tmp_path):
    lines = [
        {
            "applicant": {"id": "a", "region": "chongqing"},
            "facts": [{"kind": "rd_service_contracts", "date": "2022-12-31", "amount": 290}],
        },
        {"applicant": {"id": "b", "region": "atlantis"}, "facts": []},
        {
            "applicant": {"id": "c", "region": "nanshan"},
            "facts": [
                {"kind": "rent_paid", "date": "2022-06-30", "amount": 500, "subsidy_year": 1}
            ],
        },
    ]
    path = _write(tmp_path, "clients.jsonl", "\n".join(json.dumps(x) for x in lines) + "\n")
    result = runner.invoke(app, ["opportunities", "--batch", path, "--as-of", "2023-01-01"])
    assert result.exit_code == 1  # one row rejected, the good ones still written
    rows = [json.loads(x) for x in result.stdout.splitlines()]
    assert {r["applicant"] for r in rows} == {"a", "c"}
    assert "clients.jsonl:2" in result.stderr
    hit = [r for r in rows if r["applicant"] == "c" and r["measure"] == "ns-05-high-growth-rent"]
    assert hit[0]["min"] == 150 and hit[0]["reason"] == "condition" and hit[0]["line"] == 3


def test_batch_writes_a_row_for_an_applicant_without_opportunity(tmp_path):
    # On 2021-06-30 Chongqing's measures (in force from 2022-03-31, 渝府办〔2022〕12号) are not
    # yet in force and no other document reaches Chongqing: nothing to offer, yet the applicant
    # still has its row, as in estimate (rows in = applicants out).
    lines = [
        {"applicant": {"id": "cq", "region": "chongqing"}, "facts": []},
        {"applicant": {"id": "km", "region": "kunming"}, "facts": []},
    ]
    path = _write(tmp_path, "two.jsonl", "\n".join(json.dumps(x) for x in lines) + "\n")
    for fmt in ("jsonl", "csv"):
        result = runner.invoke(
            app, ["opportunities", "--batch", path, "--as-of", "2021-06-30", "-f", fmt]
        )
        assert result.exit_code == 0, result.output
        if fmt == "jsonl":
            rows = [json.loads(x) for x in result.stdout.splitlines()]
        else:
            import csv
            import io

            rows = list(csv.DictReader(io.StringIO(result.stdout)))
        cq = [r for r in rows if r["applicant"] == "cq"]
        assert len(cq) == 1 and not cq[0]["measure"] and not cq[0]["rank"]
        assert any(r["applicant"] == "km" and r["measure"] for r in rows)


def test_table_groups_by_category(tmp_path):
    path = _write(tmp_path, "cq.yaml", CQ_290)
    result = runner.invoke(
        app,
        ["opportunities", path, "--as-of", "2023-01-01", "--lang", "en"],
        env={"COLUMNS": "160"},
    )
    assert result.exit_code == 0, result.output
    assert "contract manufacturing and services" in result.stdout
    assert "cq-03-rd-services" in result.stdout
    assert "[b]" not in result.stdout


def test_chongqing_example_drug_approval_and_innovative_device(ruleset):
    # examples/chongqing-antibody.yaml as of 2022-06-30. Chongqing 9．: 1000 per innovative
    # drug, 500 per improved drug or biosimilar, 100 per classic TCM formula: no approval yet,
    # 100 to 1000. 8．: a device in the national innovative-device procedure, not more than
    # 20% of its R&D spend, at most 500: up to 500.
    profile = load_profile(str(ROOT / "examples" / "chongqing-antibody.yaml"), ruleset)
    items = find_opportunities(ruleset, profile, day("2022-06-30")).items
    assert _pair(_only(items, "cq-09-drug")) == (Decimal(100), Decimal(1000))
    assert _pair(_only(items, "cq-08-device")) == (Decimal(0), Decimal(500))
    # 8．'s Phase III award is already paid for CQ-mAb-7 (up to 500, the share being itself a
    # ceiling): nothing more to claim there.
    assert not [o for o in items if o.measure.id == "cq-08-phase3"]


def test_top_keeps_the_largest(tmp_path):
    path = _write(tmp_path, "cq.yaml", CQ_290)
    base = ["opportunities", path, "--as-of", "2023-01-01", "-f", "json"]
    every = json.loads(runner.invoke(app, base).stdout)["opportunities"]
    top = json.loads(runner.invoke(app, [*base, "--top", "3"]).stdout)["opportunities"]
    assert top == every[:3]


def test_an_upper_limit_passed_is_no_near_miss(ruleset):
    # Nanshan (五): rent support for at most three years in a row. A fourth subsidy year
    # cannot be mended by doing more: no "condition" opportunity on that fact.
    profile = make_profile(
        ruleset,
        "nanshan",
        {"kind": "rent_paid", "date": "2022-06-30", "amount": 500, "subsidy_year": 4},
        high_growth=True,
    )
    items = find_opportunities(ruleset, profile, day("2023-01-01")).items
    assert not [o for o in items if o.measure.id == "ns-05-high-growth-rent" and o.fact]


# ------------------------------------------------------------------ issue 16 and 18


def _cq_contracts(ruleset, first: int, second: int):
    return make_profile(
        ruleset,
        "chongqing",
        {"kind": "rd_service_contracts", "date": "2022-12-31", "amount": first},
        {"kind": "rd_service_contracts", "date": "2022-12-31", "amount": second},
    )


def test_same_day_facts_give_the_same_advice_in_any_order(ruleset):
    # #18 item 31: two same-day facts that tie on money (Chongqing 3．: 280 and 290 of
    # contracts both bring 3% × 300 = 9 at the threshold) came out in the order they were
    # listed. The order now follows what they are, not where they sit in the list.
    one = find_opportunities(ruleset, _cq_contracts(ruleset, 280, 290), day("2023-01-01")).items
    two = find_opportunities(ruleset, _cq_contracts(ruleset, 290, 280), day("2023-01-01")).items
    assert [o.needs.en for o in one] == [o.needs.en for o in two]
    assert [_pair(o) for o in one if o.measure.id == "cq-03-rd-services"] == [
        (Decimal(9), Decimal(9))
    ] * 2


def test_chongqing_13_more_than_1000_taken_at_1000(ruleset):
    # Chongqing 13．: 年度收入超过1000万元的，按3%一次性奖励，最高500万元. 900 of CDMO
    # revenue misses it; the least a client can aim at is 1000 itself ("超过" taken at the
    # threshold, and said so): 3% × 1000 = 30, in the text's precision (no 30.0003).
    profile = make_profile(
        ruleset, "chongqing", {"kind": "cdmo_revenue", "date": "2022-12-31", "amount": 900}
    )
    o = _only(find_opportunities(ruleset, profile, day("2023-01-01")).items, "cq-13-cdmo")
    assert o.reason == "condition"
    assert _pair(o) == (Decimal(30), Decimal(30))
    assert any("more than 1000" in n.en and "1000 itself" in n.en for n in o.notes)
    assert any("up to 500" in n.en for n in o.notes)


def test_chongqing_3_contracts_at_280(ruleset):
    # Chongqing 3．: 300万元以上 includes 300: with 280 of contracts, 3% × 300 = 9.
    profile = make_profile(
        ruleset, "chongqing", {"kind": "rd_service_contracts", "date": "2022-12-31", "amount": 280}
    )
    o = _only(find_opportunities(ruleset, profile, day("2023-01-01")).items, "cq-03-rd-services")
    assert _pair(o) == (Decimal(9), Decimal(9))
    assert not any("more than" in n.en for n in o.notes)  # 以上: 300 itself meets it


def test_suzhou_device_ceiling_nearly_used(ruleset):
    # Suzhou 第七条: a class III certificate brings 20% of R&D, at most 300; device awards
    # at most 500万 per enterprise per year. 2020: 20% × 2000 → 300 and 20% × 850 = 170,
    # 470 of the 500. A class II device (10% of R&D, at most 50) can bring at most the 30
    # that is left in 2020, and says which ceiling limits it.
    profile = make_profile(
        ruleset,
        "suzhou",
        {"kind": "device_registration", "date": "2020-03-01", "device_class": 3, "rd_spend": 2000},
        {"kind": "device_registration", "date": "2020-09-01", "device_class": 3, "rd_spend": 850},
        in_enterprise_database=True,
    )
    found = find_opportunities(ruleset, profile, day("2020-12-31"))
    assert found.estimate.totals.max == 470
    o = _only(found.items, "sz-07-class2")
    assert o.reason == "no_fact"
    assert _pair(o) == (Decimal(0), Decimal(30))
    assert any("第七条" in n.en and "30 is left" in n.en for n in o.notes)
    assert not [x for x in found.items if x.reason == "ceiling"]  # 470 < 500: nothing cut


def test_jiangsu_insurance_over_its_yearly_ceiling_is_one_row(ruleset):
    # Jiangsu 28.: 50% of the premium, at most 50万 per policy and 500万 per enterprise per
    # year. Eleven policies of 100 (50 each) and one of 20 (10) in 2022: 560 against 500.
    # One row for the ceiling and the year, cutting exactly 60, naming the awards.
    facts = [
        {"kind": "insurance_premium", "date": f"2022-{m:02d}-01",
         "policy_type": "clinical_trial_liability", "premium": 100}
        for m in range(1, 12)
    ]
    facts.append({"kind": "insurance_premium", "date": "2022-12-01",
                  "policy_type": "product_liability", "premium": 20})
    profile = make_profile(ruleset, "jiangsu", *facts)
    found = find_opportunities(ruleset, profile, day("2022-12-31"))
    cut = [o for o in found.items if o.reason == "ceiling"]
    assert len(cut) == 1
    assert _pair(cut[0]) == (Decimal(60), Decimal(60))
    assert cut[0].ceiling is not None and cut[0].ceiling.id == "js-28-insurance-yearly:2022"
    assert cut[0].needs.en.count("premium support (2022-") == 12
    # Another policy that year brings nothing more: the ceiling is full.
    assert not [o for o in found.items if o.measure.id == "js-28-insurance" and o.reason != "ceiling"]


def test_jiangsu_insurance_near_its_yearly_ceiling_is_not_cut(ruleset):
    # Jiangsu 28.: 50% of the premium, at most 50万 per policy and 500万 per enterprise per
    # year. Nine policies of 100 (50 each) and one of 60 (30) in 2022: 480, under the 500.
    # Every award is paid in full and no ceiling row appears; the ceiling's group says 20 is
    # left (500 - 480).
    facts = [
        {"kind": "insurance_premium", "date": f"2022-{m:02d}-01",
         "policy_type": "clinical_trial_liability", "premium": 100}
        for m in range(1, 10)
    ]
    facts.append({"kind": "insurance_premium", "date": "2022-12-01",
                  "policy_type": "product_liability", "premium": 60})
    profile = make_profile(ruleset, "jiangsu", *facts)
    found = find_opportunities(ruleset, profile, day("2022-12-31"))
    assert (found.estimate.totals.min, found.estimate.totals.max) == (480, 480)
    assert not [o for o in found.items if o.reason == "ceiling"]
    (group,) = [g for g in found.estimate.ceilings if g.id == "js-28-insurance-yearly:2022"]
    assert group.ceiling.amount - group.bounds.max == 20


def test_false_flag_and_missing_field_follow_one_convention(ruleset):
    # Kunming （七）: 获得发明专利证书的，第一注册申请人每件一次性50万元. A patent whose applicant
    # is not the first-named: made first-named, it brings 50.
    profile = make_profile(
        ruleset, "kunming",
        {"kind": "invention_patent", "date": "2021-05-01", "first_applicant": False},
    )
    o = _only(find_opportunities(ruleset, profile, day("2021-12-31")).items, "km-07-patent")
    assert o.reason == "condition" and _pair(o) == (Decimal(50), Decimal(50))
    # Suzhou 第八条: 全国首家通过一致性评价的，按研发费用20%资助，最高500万元. The rank is not
    # given: given the value that makes it apply (first), 20% × 1200 = 240 — not 0–240.
    profile = make_profile(
        ruleset, "suzhou",
        {"kind": "consistency_evaluation", "date": "2021-05-01", "rd_spend": 1200},
        in_enterprise_database=True,
    )
    o = _only(find_opportunities(ruleset, profile, day("2021-12-31")).items, "sz-08-first-generic")
    assert o.reason == "missing_field" and _pair(o) == (Decimal(240), Decimal(240))


def _two_clients(tmp_path):
    lines = [
        {
            # Chongqing 3． and 13．: 280 of contracts and 900 of CDMO revenue, both just
            # missed: 3% × 300 = 9 and 3% × 1000 = 30 at their thresholds.
            "applicant": {"id": "a", "name": "甲公司", "region": "chongqing"},
            "facts": [
                {"kind": "rd_service_contracts", "date": "2022-12-31", "amount": 280},
                {"kind": "cdmo_revenue", "date": "2022-12-31", "amount": 900},
            ],
        },
        {
            # Nanshan (五): 30% × 500 of rent = 150 once recognised as high-growth.
            "applicant": {"id": "b", "name": "乙公司", "region": "nanshan"},
            "facts": [
                {"kind": "rent_paid", "date": "2022-06-30", "amount": 500, "subsidy_year": 1}
            ],
        },
    ]
    return _write(tmp_path, "two.jsonl", "\n".join(json.dumps(x) for x in lines) + "\n")


def test_batch_top_is_per_applicant_and_rows_carry_the_name(tmp_path):
    path = _two_clients(tmp_path)
    result = runner.invoke(
        app, ["opportunities", "--batch", path, "--as-of", "2023-01-01", "--top", "2"]
    )
    assert result.exit_code == 0, result.output
    rows = [json.loads(x) for x in result.stdout.splitlines()]
    by = {who: [r for r in rows if r["applicant"] == who] for who in ("a", "b")}
    assert [r["rank"] for r in by["a"]] == [1, 2] and [r["rank"] for r in by["b"]] == [1, 2]
    assert {r["name"] for r in by["a"]} == {"甲公司"} and {r["name"] for r in by["b"]} == {"乙公司"}
    # The same two as a single run's --top 2 would give.
    full = runner.invoke(app, ["opportunities", "--batch", path, "--as-of", "2023-01-01"])
    everything = [json.loads(x) for x in full.stdout.splitlines()]
    assert [r["measure"] for r in by["a"]] == [
        r["measure"] for r in everything if r["applicant"] == "a"
    ][:2]


def test_batch_summary_is_the_money_at_stake_per_applicant(tmp_path):
    path = _two_clients(tmp_path)
    result = runner.invoke(
        app, ["opportunities", "--batch", path, "--as-of", "2023-01-01", "--summary"]
    )
    assert result.exit_code == 0, result.output
    rows = [json.loads(x) for x in result.stdout.splitlines()]
    assert [r["applicant"] for r in rows] == ["a", "b"]
    a = rows[0]
    assert a["name"] == "甲公司" and a["opportunities"] >= 2
    # Its sums hold the two thresholds just missed (9 and 30), whatever else it could claim.
    detail = runner.invoke(app, ["opportunities", "--batch", path, "--as-of", "2023-01-01"])
    mine = [json.loads(x) for x in detail.stdout.splitlines() if '"a"' in x]
    assert a["stake_min"] == sum(r["min"] or 0 for r in mine) >= 39
    assert a["stake_max"] == sum(r["max"] for r in mine if r["max"] is not None)
    assert a["unknown"] == sum(1 for r in mine if r["max"] is None)
    single = runner.invoke(app, ["opportunities", path, "--summary"])
    assert single.exit_code == 2 and "--summary" in single.stderr


def test_reason_keeps_some_obstacles_only():
    path = str(ROOT / "examples" / "chongqing-cdmo.yaml")
    result = runner.invoke(
        app, ["opportunities", path, "--as-of", "2023-01-01", "--reason", "condition", "-f", "json"]
    )
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)["opportunities"]
    # Chongqing 13． (3% × 1000 = 30) and 3． (3% × 300 = 9), the two thresholds just missed.
    assert [(o["measure"], o["min"], o["max"]) for o in found] == [
        ("cq-13-cdmo", 30, 30),
        ("cq-03-rd-services", 9, 9),
    ]
    bad = runner.invoke(app, ["opportunities", path, "--reason", "conditon"])
    assert bad.exit_code == 2 and "--reason" in bad.stderr and "condition" in bad.stderr


# ------------------------------------------------------------------ the client's words

_ID = re.compile(r"\b[a-z]+_[a-z_]+\b")


def _client_profiles(ruleset):
    """Every bundled example profile and every scenario's profile, with its date."""
    from policycalc.errors import InputError
    from policycalc.profile import build_profile
    from policycalc.yamlsafe import load_yaml

    for path in PROFILES:
        yield path.name, load_profile(str(path), ruleset), day("2023-06-30")
    for path in sorted((ROOT / "scenarios").glob("*.yaml")):
        data = load_yaml(path.read_text(encoding="utf-8"), str(path), error=InputError)
        for index, item in enumerate(data["scenarios"]):
            profile = build_profile(item["profile"], ruleset, str(path))
            yield f"{path.stem}[{index}]", profile, day(str(item["as_of"]))


def test_client_reports_speak_in_labels_not_ids(ruleset):
    # #16 item 4: a consultant hands the report to a client without editing a word: no fact
    # kind, field name, enum value or measure id (ids stay in JSON, CSV and explain).
    from policycalc.render.opportunities import html_report, markdown
    from policycalc.render.views import OpportunitiesView

    seen = 0
    for name, profile, as_of in _client_profiles(ruleset):
        result = find_opportunities(ruleset, profile, as_of)
        seen += len(result.items)
        for lang in ("zh", "en"):
            view = OpportunitiesView((result,), lang, as_of, ruleset.version)
            for text in (markdown(view), html_report(view)):
                found = sorted(set(_ID.findall(text)))
                assert not found, (name, lang, found)
                ids = {o.measure.id for o in result.items} | {o.document.id for o in result.items}
                assert not [i for i in ids if i in text], (name, lang)
    assert seen > 500  # every opportunity and note of them all was rendered


def test_estimate_reports_speak_in_labels_too(ruleset):
    # #16 item 4: estimate reports (Markdown, HTML, SVG) name no field, fact kind or enum value
    # either (`known_by`, `modality = cell_biologic` before). Profiles in the old form are
    # left out: their note about the old form is about the input, for the consultant.
    from policycalc.engine import estimate
    from policycalc.formats import report_kind
    from policycalc.render.report import render_report
    from policycalc.render.views import EstimateView

    checked = 0
    for name, profile, as_of in _client_profiles(ruleset):
        if profile.assumptions:
            continue
        result = estimate(ruleset, profile, as_of)
        checked += 1
        for lang in ("zh", "en"):
            for suffix in (".md", ".html", ".svg"):
                text = render_report(report_kind("report" + suffix), EstimateView(result, lang))
                found = sorted(set(_ID.findall(text)))
                assert not found, (name, lang, suffix, found)
    assert checked > 100


# ------------------------------------------------------------------ the stage vocabulary


def test_product_stages_come_from_facts_yaml(ruleset):
    # #16 item 6: which fact kinds are stages, the phase field and the last phase are data.
    stages = ruleset.vocabulary.stages
    assert stages is not None
    assert stages.entered == "clinical_phase_entered" and stages.last_phase == 3
    assert stages.phase in ruleset.vocabulary.kinds[stages.completed].fields


def test_a_stage_kind_that_does_not_exist_is_refused():
    from policycalc.errors import DataError
    from policycalc.loader import build
    from policycalc.rulesets import SHARED_FILES, bundled_data_dir

    folder = bundled_data_dir()
    tables = [(name, folder / name) for name in SHARED_FILES]
    raws = {path: path.read_bytes() for _, path in tables}
    facts = folder / "facts.yaml"
    raws[facts] = raws[facts].replace(
        b"entered: clinical_phase_entered", b"entered: clinical_phase_enterd"
    )
    with pytest.raises(DataError) as caught:
        build(raws, tables, [])
    assert "stages.entered" in str(caught.value) and "clinical_phase_entered" in str(caught.value)


def test_suzhou_hq_extra_below_its_threshold_names_the_hq_award(ruleset):
    # Suzhou 第十九条: a regional HQ with 产值规模不低于15亿元 gets 1%~3% of paid-in capital;
    # 其中 an independent R&D centre gets a further 20% of last year's R&D spend, at most
    # 1000万. An HQ with 14亿 (140000万) of output misses the 15亿: the extra is a condition
    # opportunity naming the HQ award and the shortfall, at 20% × 3000 = 600; the HQ award
    # itself, at the threshold, is 1%–3% × 50000 = 500–1500.
    profile = make_profile(
        ruleset,
        "suzhou",
        {"kind": "regional_headquarters", "date": "2021-06-01", "years_operating": 2,
         "output_value": 140000, "paid_in_capital": 50000},
        {"kind": "regional_rd_centre", "date": "2021-06-01", "prior_year_rd_spend": 3000},
        listed=True,
        in_enterprise_database=True,
        legal_form="enterprise",
    )
    found = find_opportunities(ruleset, profile, day("2021-12-31"))
    assert not found.estimate.awards
    extra = _only(found.items, "sz-19-rd-centre")
    assert extra.reason == "condition"
    assert _pair(extra) == (Decimal(600), Decimal(600))
    assert "Regional headquarters award" in extra.needs.en and "第十九条" in extra.needs.en
    assert "140000" in extra.needs.en and "150000" in extra.needs.en
    hq = _only(found.items, "sz-19-regional-hq")
    assert hq.reason == "condition" and _pair(hq) == (Decimal(500), Decimal(1500))
