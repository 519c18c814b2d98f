"""`interview`: the questions come from policy_data/, answers are checked as typed, and a
scripted interview writes the same profile as one written by hand."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from policycalc.app import app
from policycalc.interview import Invalid, make_plan, parse_answer, run_interview
from policycalc.profile import build_profile, load_profile

from .conftest import ROOT

runner = CliRunner()
DATA = ROOT / "policy_data"


# ------------------------------------------------------------------ coverage, from the YAML


def _formula_fields(formula: Any) -> set[str]:
    """Fields a formula reads, straight from its YAML mapping."""
    if not isinstance(formula, dict):
        return set()
    out = {formula[k] for k in ("base", "by", "count") if k in formula}
    for key in ("each", "formula"):
        out |= _formula_fields(formula.get(key))
    for key in ("stages", "tiers"):
        for option in (formula.get(key) or {}).values():
            out |= _formula_fields(option)
    for band in formula.get("bands") or []:
        out |= _formula_fields(band.get("formula"))
    return out


def _condition_fields(block: Any) -> set[str]:
    """Fields a `where` or `applicant` block names; `any:` holds a list of such blocks."""
    out: set[str] = set()
    for key, value in (block or {}).items():
        if key == "any":
            for group in value:
                out |= _condition_fields(group)
        else:
            out.add(key)
    return out


def _read_from_yaml(region: str, as_of: dt.date) -> tuple[set[tuple[str, str | None]], set[str]]:
    """(kind, field) pairs and applicant fields that the region's money measures in force
    read, worked out from the YAML files themselves."""
    regions = yaml.safe_load((DATA / "regions.yaml").read_text(encoding="utf-8"))["regions"]
    chain, current = [], region
    while current:
        chain.append(current)
        current = regions[current].get("parent")
    pairs: set[tuple[str, str | None]] = set()
    applicant: set[str] = set()
    for path in sorted(DATA.glob("*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        if not isinstance(doc, dict) or "document" not in doc:
            continue
        head = doc["document"]
        start, end = head.get("effective_from"), head.get("effective_until")
        start = start if isinstance(start, dt.date) else None  # `unknown` (R3)
        if head["region"] not in chain or (start and as_of < start) or (end and as_of > end):
            continue
        rules = head.get("eligibility") or {}
        if "tax" in rules.get("registration", []):
            applicant.add("tax_region")
        for key, field in (
            ("legal_forms", "legal_form"),
            ("independent_legal_person", "independent_legal_person"),
            ("biomedicine_business", "biomedicine_business"),
            ("in_enterprise_database", "in_enterprise_database"),
        ):
            if rules.get(key):
                applicant.add(field)
        applicant |= set(rules.get("exclusions", [])) | set(rules.get("suspensions", []))
        for m in doc["measures"]:
            if m["formula"]["kind"] == "no_money" or "trigger" not in m:
                continue
            kind = m["trigger"]["kind"]
            pairs.add((kind, None))
            for f in _condition_fields(m["trigger"].get("where")):
                # A product's attribute is asked once per product, not per fact.
                pairs.add(("product", f[8:]) if f.startswith("product.") else (kind, f))
            pairs |= {(kind, f) for f in _formula_fields(m["formula"])}
            applicant |= _condition_fields(m["trigger"].get("applicant"))
    return pairs, applicant


@pytest.mark.parametrize(
    "region,as_of",
    [
        ("chongqing", "2022-06-30"),
        ("suzhou", "2021-12-31"),
        ("suzhou", "2023-06-30"),
        ("kunming", "2023-06-30"),
        ("nanshan", "2023-06-30"),
    ],
)
def test_questions_cover_every_field_the_money_measures_read(ruleset, region, as_of):
    day = dt.date.fromisoformat(as_of)
    pairs, applicant = _read_from_yaml(region, day)
    assert pairs, "some money measure is in force"
    plan = make_plan(ruleset, region, day)
    asked = set(plan.questions())
    assert pairs <= asked, sorted(pairs - asked, key=str)
    assert applicant <= set(plan.applicant), applicant - set(plan.applicant)


def test_money_at_stake_orders_the_kinds(ruleset):
    # Chongqing 8．: Phases I, II, III at most 200, 300 and 700 (together 1,200); a national
    # innovative device at most 500; a preclinical project at most 300. So within the
    # clinical topic: phases entered first, then the device procedure, then preclinical.
    plan = make_plan(ruleset, "chongqing", dt.date(2022, 6, 30))
    clinical = dict(plan.topics)["clinical"]
    assert [(k.kind, k.stake) for k in clinical] == [
        ("clinical_phase_entered", Decimal(1200)),
        ("innovative_device_review", Decimal(500)),
        ("preclinical_project", Decimal(300)),
    ]
    # 9．: 1000 (innovative drug) is the most a drug approval brings; 100 for a class III
    # device, 100 for a consistency evaluation, up to 100 for a supply-chain product.
    approval = dict(plan.topics)["approval"]
    assert approval[0].kind == "drug_approval" and approval[0].stake == Decimal(1000)


# ------------------------------------------------------------------ answers as typed


@pytest.mark.parametrize(
    "field,answer,value",
    [
        ("rd_spend", "2,500", 2500),
        ("rd_spend", "12.5万", Decimal("12.5")),
        ("phase", "2", 2),
        ("novelty", "1", "innovative"),
        ("novelty", "Biosimilar", "biosimilar"),
        ("modality", "cell", "cell"),
        ("drug_class", "1", 1),
        ("converted_locally", "是", True),
        ("converted_locally", "n", False),
    ],
)
def test_answers_are_converted(ruleset, field, answer, value):
    vocab = ruleset.vocabulary
    spec = vocab.products.get(field) or vocab.kinds["clinical_phase_completed"].fields[field]
    assert parse_answer(spec, answer, ruleset) == value


@pytest.mark.parametrize(
    "field,answer",
    [("rd_spend", "-5"), ("rd_spend", "lots"), ("phase", "4"), ("novelty", "pill"),
     ("drug_class", "9")],
)
def test_bad_answers_are_refused(ruleset, field, answer):
    vocab = ruleset.vocabulary
    spec = vocab.products.get(field) or vocab.kinds["clinical_phase_completed"].fields[field]
    with pytest.raises(Invalid):
        parse_answer(spec, answer, ruleset)


def test_a_bad_answer_at_the_terminal_is_asked_again(ruleset):
    plan = make_plan(ruleset, "chongqing", dt.date(2023, 1, 1))
    answers = iter(["", "maybe", "no"] + ["no"] * 40)
    said: list[str] = []
    asked: list[str] = []

    def ask(prompt: str) -> str | None:
        asked.append(prompt)
        return next(answers, None)

    data = run_interview(ruleset, plan, ask, said.append, "en")
    assert data == {"applicant": {"region": "chongqing"}, "facts": []}
    assert any("not valid: 'maybe'" in line for line in said)
    # "no products in development": no question about a phase or a preclinical project.
    stages = [p for p in asked if "in development" not in p]
    assert not [p for p in stages if "phase" in p or "preclinical" in p]
    assert len(asked) == len(stages) + 2  # the products question, asked twice


# ------------------------------------------------------------------ the command, scripted

# Chongqing, 2023-01-01: the order follows the money at stake (clinical first: 8．'s
# stage awards; then platforms, approvals, contract services, international, finance,
# investment). Each line answers one question.
CQ_ANSWERS = [
    "长江抗体药业有限公司",  # name
    "yes",  # products in development
    "CQ-mAb-7",  # the product's id
    "1",  # novelty: 1 = innovative (the one product attribute Chongqing's measures read)
    "no",  # another product?
    "yes",  # clinical_phase_entered: any?
    "2022-05-25",  # (the one product: no question which)
    "3",  # phase
    "2,500",  # rd_spend
    "no",  # another phase entered?
    "no",  # innovative_device_review
    "no",  # preclinical_project
    "no",  # fixed_asset_investment
    "no",  # drug_approval
    "no",  # consistency_evaluation
    "yes",  # device_registration
    "2022-04-02",
    "3",  # device_class
    "no",  # another device?
    "no",  # supply_chain_product
    "no",  # cdmo_revenue
    "yes",  # rd_service_contracts
    "2022",  # a year
    "290",
    "no",
    "no",  # international_approval
    "no",  # ipo
    "no",  # major_project_listed
]

BY_HAND = {
    "applicant": {"region": "chongqing", "name": "长江抗体药业有限公司"},
    "products": [{"id": "CQ-mAb-7", "novelty": "innovative"}],
    "facts": [
        {
            "kind": "clinical_phase_entered",
            "date": "2022-05-25",
            "product": "CQ-mAb-7",
            "phase": 3,
            "rd_spend": 2500,
        },
        {"kind": "device_registration", "date": "2022-04-02", "device_class": 3},
        {"kind": "rd_service_contracts", "date": 2022, "amount": 290},
    ],
}


def _same(a: Any, b: Any) -> None:
    assert a.applicant == b.applicant
    assert a.products == b.products
    assert [(f.kind, f.date, f.values, f.product) for f in a.facts] == [
        (f.kind, f.date, f.values, f.product) for f in b.facts
    ]


@pytest.mark.parametrize("name", ["client.toml", "client.yaml"])
def test_stdin_interview_writes_the_profile_written_by_hand(ruleset, tmp_path: Path, name):
    target = tmp_path / name
    result = runner.invoke(
        app,
        [
            "interview",
            "--region",
            "chongqing",
            "--as-of",
            "2023-01-01",
            "--lang",
            "en",
            "-o",
            str(target),
        ],
        input="\n".join(CQ_ANSWERS) + "\n",
    )
    assert result.exit_code == 0, result.output
    text = target.read_text(encoding="utf-8")
    assert ("[applicant]" in text) == name.endswith(".toml")
    _same(load_profile(str(target), ruleset), build_profile(BY_HAND, ruleset, "<hand>"))
    # Then the estimate (Chongqing 8．: Phase III entered, 20% of 2,500 capped at 700 and
    # "不超过": up to 500; 9．: a class III device, 100) and three opportunities.
    assert "cq-08-phase3" in result.stdout and "cq-09-device" in result.stdout
    assert "100–600" in result.stdout
    assert result.stdout.count("#") >= 3 and "#4" not in result.stdout


def test_profile_to_stdout_in_the_format_asked(ruleset):
    result = runner.invoke(
        app,
        ["interview", "--region", "chongqing", "--as-of", "2023-01-01", "-f", "yaml"],
        input="\n".join(CQ_ANSWERS) + "\n",
    )
    assert result.exit_code == 0, result.output
    data = yaml.safe_load(result.stdout)
    _same(build_profile(data, ruleset, "<out>"), build_profile(BY_HAND, ruleset, "<hand>"))
    assert "cq-08-phase3" in result.stderr  # the estimate goes beside the questions


def test_no_terminal_and_no_answers_is_one_clear_line():
    result = runner.invoke(app, ["interview", "--region", "suzhou"], input="")
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error:") and "no terminal" in lines[0]


def test_a_bad_scripted_answer_names_its_line():
    answers = [*CQ_ANSWERS[:7], "4"]  # phase 4 does not exist
    result = runner.invoke(
        app,
        ["interview", "--region", "chongqing", "--as-of", "2023-01-01"],
        input="\n".join(answers) + "\n",
    )
    assert result.exit_code == 2
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("Error: <stdin>:8") and "'4'" in last


def test_answers_that_run_out():
    result = runner.invoke(
        app,
        ["interview", "--region", "chongqing", "--as-of", "2023-01-01"],
        input="\n".join(CQ_ANSWERS[:4]) + "\n",
    )
    assert result.exit_code == 2
    assert "ran out" in result.stderr.strip().splitlines()[-1]


def test_never_overwrites(tmp_path: Path):
    target = tmp_path / "client.toml"
    target.write_text("keep", encoding="utf-8")
    result = runner.invoke(
        app,
        ["interview", "--region", "chongqing", "-o", str(target)],
        input="\n".join(CQ_ANSWERS) + "\n",
    )
    assert result.exit_code == 2 and "already exists" in result.stderr
    assert target.read_text(encoding="utf-8") == "keep"


def test_the_bundled_answers_file_writes_the_same_profile(ruleset, tmp_path: Path):
    target = tmp_path / "client.toml"
    result = runner.invoke(
        app,
        [
            "interview",
            "--region",
            "chongqing",
            "--as-of",
            "2023-01-01",
            "--answers",
            str(ROOT / "examples" / "cq-answers.txt"),
            "-o",
            str(target),
        ],
    )
    assert result.exit_code == 0, result.output
    _same(load_profile(str(target), ruleset), build_profile(BY_HAND, ruleset, "<hand>"))


def test_a_bad_line_in_an_answers_file_is_named(tmp_path: Path):
    answers = tmp_path / "answers.txt"
    answers.write_text("# a comment\nname\n# products?\nmaybe\n", encoding="utf-8")
    result = runner.invoke(app, ["interview", "--region", "chongqing", "--answers", str(answers)])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines()[-1].startswith(f"Error: {answers}:4")
