"""Invalid policy data is refused with file, line and key; valid data loads."""

from __future__ import annotations

from pathlib import Path

import pytest

from policycalc.errors import DataError
from policycalc.rulesets import load_ruleset

GOOD = """\
document:
  id: test-doc
  region: chongqing
  title: {zh: 测试文件, en: Test document}
  issuer: {zh: 测试机关, en: Test issuer}
  number: unknown
  source: none.txt
  issued: 2022-01-01
  effective_from: 2022-01-01
  effective_until: 2023-12-31
  validity: {zh: 两年, en: two years}
  ceilings:
    - id: t-year
      article: 第一条
      summary: {zh: 每年500, en: 500 a year}
      scope: per_year
      amount: 500
      measures: all
measures:
  - id: t-01
    article: 第一条
    title: {zh: 测试, en: Test}
    summary: {zh: 测试, en: Test}
    category: clinical
    recipient: applicant
    departments: {lead: [市科技局], support: [市财政局]}
    trigger:
      kind: clinical_phase_entered
      where: {phase: 2}
    formula: {kind: share, base: rd_spend, rate: 0.2, max: 300}
"""


def write(tmp_path: Path, text: str) -> Path:
    folder = tmp_path / "data"
    folder.mkdir(exist_ok=True)
    (folder / "test-doc.yaml").write_text(text, encoding="utf-8")
    return folder


def error_for(tmp_path: Path, text: str) -> DataError:
    with pytest.raises(DataError) as info:
        load_ruleset([write(tmp_path, text)])
    return info.value


def test_good_document_loads(tmp_path):
    ruleset = load_ruleset([write(tmp_path, GOOD)])
    assert list(ruleset.documents) == ["test-doc"]
    assert ruleset.measures["t-01"].departments.lead[0].en.startswith("Chongqing Science")


@pytest.mark.parametrize(
    ("old", "new", "line", "words"),
    [
        ("    recipient: applicant\n", "    recipient: applicant\n    colour: red\n", 26,
         "unknown key 'colour'"),
        ("    article: 第一条\n    title", "    title", 20, "missing required key 'article'"),
        ("kind: share, base", "kind: shares, base", 30, "unknown value 'shares'"),
        ("effective_until: 2023-12-31", "effective_until: 2021-12-31", 10, "before it starts"),
        ("amount: 500", "amount: 50\n      # below a fixed award\n", 17, None),
        ("lead: [市科技局]", "lead: [市科学局]", 26, "unknown department '市科学局'"),
        ("region: chongqing", "region: chongqin", 3, "did you mean 'chongqing'"),
        ("rate: 0.2", "rate: twenty", 30, "expected a number"),
        ("where: {phase: 2}", "where: {phase: 7}", 29, "does not fit field 'phase'"),
        ("base: rd_spend", "base: rd_spent", 30, "no field 'rd_spent'"),
    ],
)
def test_bad_data_names_file_line_and_key(tmp_path, old, new, line, words):
    text = GOOD.replace(old, new, 1)
    if words is None:  # the ceiling case: make a fixed award above the ceiling
        text = text.replace("{kind: share, base: rd_spend, rate: 0.2, max: 300}",
                            "{kind: fixed, amount: 100}")
        words = "below the 100"
    error = error_for(tmp_path, text)
    message = str(error)
    assert "test-doc.yaml" in message
    assert words in message
    assert error.line == line


def test_duplicate_measure_id(tmp_path):
    text = GOOD + GOOD.split("measures:\n", 1)[1]
    assert "duplicate measure id 't-01'" in str(error_for(tmp_path, text))


def test_duplicate_key_is_an_error(tmp_path):
    text = GOOD.replace("  number: unknown\n", "  number: unknown\n  number: 12\n")
    error = error_for(tmp_path, text)
    assert "duplicate key 'number'" in str(error) and error.line == 7


def test_tags_cannot_build_objects(tmp_path):
    text = GOOD.replace("number: unknown", "number: !!python/object/apply:os.system [echo hi]")
    assert "not allowed" in str(error_for(tmp_path, text))


def test_range_below_min_and_rate_above_one(tmp_path):
    text = GOOD.replace("{kind: share, base: rd_spend, rate: 0.2, max: 300}",
                        "{kind: range, min: 300, max: 100}")
    assert "below min" in str(error_for(tmp_path, text))
    text = GOOD.replace("rate: 0.2", "rate: 20")
    assert "fraction" in str(error_for(tmp_path, text))


def test_every_bad_file_is_reported(tmp_path):
    folder = write(tmp_path, GOOD.replace("number: unknown", "number: unknown\n  colour: red"))
    (folder / "other.yaml").write_text("document: [1]\nmeasures: []\n", encoding="utf-8")
    with pytest.raises(DataError) as info:
        load_ruleset([folder])
    assert len([info.value, *info.value.others]) == 2


def test_bundled_data_is_valid(ruleset):
    assert len(ruleset.documents) >= 3
    for measure in ruleset.measures.values():
        assert measure.article and measure.title.zh and measure.title.en
