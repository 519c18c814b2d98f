"""Issue 16, the client's words: every enum value has its own words in facts.yaml (`labels`),
read before the field's label listing; a bad `labels` key is refused with file, line and field."""

from __future__ import annotations

import pytest

from policycalc.errors import DataError
from policycalc.loader import build
from policycalc.model import FieldSpec, Text
from policycalc.rulesets import SHARED_FILES, bundled_data_dir
from policycalc.wording import condition_words, value_words

# Proper names, written the same in a Chinese text as in an English one.
PROPER_NAMES = {"FDA", "EMA", "PMDA", "WHO", "CE", "GLP", "GCP", "CNAS", "AAALAC", "FERCAP", "AAHRPP"}


def _enum_fields(ruleset):
    vocab = ruleset.vocabulary
    yield from (("applicant", n, s) for n, s in vocab.applicant.items())
    yield from (("product", n, s) for n, s in vocab.products.items())
    for kind_id, kind in vocab.kinds.items():
        yield from ((kind_id, n, s) for n, s in kind.fields.items())


def test_every_enum_value_has_chinese_words_of_its_own(ruleset):
    checked = 0
    for where, name, spec in _enum_fields(ruleset):
        if spec.type != "enum":
            continue
        for value in spec.values:
            checked += 1
            assert spec.labels is not None and value in spec.labels, (where, name, value)
            words = value_words(spec, value)
            assert words.zh and words.en, (where, name, value)
            if value in PROPER_NAMES:
                assert words == Text(value, value)
            else:
                assert words.zh != value and words.zh != value.replace("_", " "), (where, name)
                assert not any("a" <= c.lower() <= "z" for c in words.zh.replace("CRO", "")), (
                    where,
                    name,
                    value,
                    words.zh,
                )
    assert checked > 90


@pytest.mark.parametrize(
    "kind, field, value, zh, en",
    [
        ("insurance_premium", "policy_type", "clinical_trial_liability",
         "人体临床试验责任保险", "clinical trial liability insurance"),
        ("innovation_institution_project", "founder", "cas", "中国科学院",
         "Chinese Academy of Sciences"),
        ("innovation_institution_project", "founder", "cams", "中国医学科学院",
         "Chinese Academy of Medical Sciences"),
        ("major_project_listed", "list", "chongqing_jiebang_guashuai", "重庆市“揭榜挂帅”清单",
         "Chongqing's 揭榜挂帅 (open competition) list"),
        ("contract_manufacturing", "role", "entrusting_holder", "委托方（持有人）",
         "entrusting party (the holder)"),
        ("technical_transformation", "scope", "transformation", "技术改造",
         "technical transformation"),
        ("talent", "type", "top", "顶尖人才（团队）", "top talent (team)"),
        ("fixed_asset_investment", "purpose", "cro", "新建 CRO", "new CRO"),
    ],
)  # fmt: skip
def test_a_value_in_its_own_words(ruleset, kind, field, value, zh, en):
    spec = ruleset.vocabulary.kinds[kind].fields[field]
    assert value_words(spec, value) == Text(zh, en)


def test_product_category_and_a_condition_on_a_value(ruleset):
    from policycalc.model import Condition

    spec = ruleset.vocabulary.products["category"]
    assert value_words(spec, "drug") == Text("药品", "drug")
    fields = ruleset.vocabulary.kinds["innovation_centre"].fields
    words = condition_words(Condition("level", "in", ("national", "provincial")), fields)
    assert words == Text("国家级或省级", "national or provincial")


def test_labels_come_first_and_the_label_listing_is_the_fallback():
    spec = FieldSpec(
        "role",
        "enum",
        Text("身份：持有人、注册人", "role: holder, registrant"),
        values=("holder", "registrant"),
        labels={"holder": Text("上市许可持有人", "marketing-authorisation holder")},
    )
    assert value_words(spec, "holder") == Text("上市许可持有人", "marketing-authorisation holder")
    assert value_words(spec, "registrant") == Text("注册人", "registrant")


def _build_with(old: bytes, new: bytes):
    folder = bundled_data_dir()
    tables = [(name, folder / name) for name in SHARED_FILES]
    raws = {path: path.read_bytes() for _, path in tables}
    facts = folder / "facts.yaml"
    assert old in raws[facts]
    raws[facts] = raws[facts].replace(old, new, 1)
    with pytest.raises(DataError) as caught:
        build(raws, tables, [])
    return caught.value, raws[facts]


def test_a_labels_key_that_is_not_a_value_is_refused_with_file_line_and_field():
    error, text = _build_with(
        b"      product_liability: {zh:", b"      product_liabilty: {zh:"
    )
    line = text.decode("utf-8").splitlines().index(
        "          product_liabilty: {zh: 产品责任保险, en: product liability insurance}"
    ) + 1
    assert error.source is not None and error.source.endswith("facts.yaml")
    assert error.line == line
    assert error.field == "kinds.insurance_premium.fields.policy_type.labels.product_liabilty"
    assert "'product_liabilty' is not one of the field's values" in str(error)
    assert "product_liability" in str(error)  # did you mean


def test_a_label_without_its_english_is_refused():
    error, _ = _build_with(
        "{zh: 产品责任保险, en: product liability insurance}".encode(),
        "{zh: 产品责任保险}".encode(),
    )
    assert error.field == "kinds.insurance_premium.fields.policy_type.labels.product_liability"
    assert "missing required key 'en'" in str(error)


def test_labels_on_a_field_without_values_is_refused():
    error, _ = _build_with(
        "  name: {type: text, zh: 申".encode(),
        "  name: {type: text, labels: {a: {zh: 甲, en: A}}, zh: 申".encode(),
    )
    assert error.field == "applicant.name.labels"


@pytest.mark.parametrize(
    "kind, field, answer, value",
    [
        ("innovation_institution_project", "founder", "中国科学院", "cas"),
        ("innovation_institution_project", "founder", "Chinese Academy of Engineering", "cae"),
        ("innovation_institution_project", "founder", "cams", "cams"),
        ("talent", "type", "顶尖人才(团队)", "top"),
        ("insurance_premium", "policy_type", "产品责任保险", "product_liability"),
        ("international_approval", "agency", "其他国际机构", "other"),
        ("international_approval", "agency", "FDA", "FDA"),
    ],
)  # fmt: skip
def test_the_interview_takes_a_value_in_the_words_it_shows(ruleset, kind, field, answer, value):
    from policycalc.interview import parse_answer
    from policycalc.interview import value_words as shown_words

    spec = ruleset.vocabulary.kinds[kind].fields[field]
    assert parse_answer(spec, answer, ruleset) == value
    assert shown_words(spec)[value] == tuple(spec.labels[value])


def test_facts_shows_each_value_beside_its_words_and_machine_formats_keep_the_ids():
    import json

    from typer.testing import CliRunner

    from policycalc.app import app

    def cells(args: list[str]) -> str:  # a table's text, wrapped cells joined up
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.stderr
        return "".join(result.stdout.replace("│", "").split())

    runner = CliRunner()
    table = cells(["facts", "innovation_institution_project"])
    assert "cas=中国科学院" in table and "cae=中国工程院" in table
    english = cells(["facts", "relocation", "--lang", "en"])
    assert "drug_mah=drugmarketing-authorisationholder" in english
    rows = json.loads(runner.invoke(app, ["facts", "relocation", "-f", "json"]).stdout)
    role = next(r for r in rows if r["field"] == "role")
    assert role["values"] == ["drug_mah", "device_registrant"]
    assert role["label"] == "身份：药品上市许可持有人、医疗器械注册人"
