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



# ---------------------------------------------------------------- formula kinds

FORMULA_LINE = "    formula: {kind: share, base: rd_spend, rate: 0.2, max: 300}\n"


def with_formula(block: str) -> str:
    """GOOD with its formula (line 30) replaced by `block`, indented under the measure."""
    assert FORMULA_LINE in GOOD
    lines = "".join("    " + line + "\n" for line in block.strip("\n").split("\n"))
    return GOOD.replace(FORMULA_LINE, lines)


# One bad formula of each kind: the error names the file, the line and the key path. Lines
# count from GOOD: `formula:` is line 30, so the block's second line is 31, and so on.
@pytest.mark.parametrize(
    ("block", "line", "field", "words"),
    [
        ("formula:\n  kind: fixed\n  amount: 0", 32, "formula.amount", "must be more than 0"),
        ("formula:\n  kind: share\n  base: domestic\n  rate: 0.2", 32, "formula.base",
         "field 'domestic' is bool, not a number"),
        ("formula:\n  kind: share\n  base: rd_spend\n  rate: 20", 33, "formula.rate",
         "a rate is a fraction such as 0.2, found 20"),
        ("formula:\n  kind: share_range\n  base: rd_spend\n  rate_min: 0.03\n  rate_max: 0.01",
         34, "formula.rate_max", "rate_max 0.01 is below rate_min 0.03"),
        ("formula:\n  kind: up_to\n  max: 0", 32, "formula.max", "must be more than 0"),
        ("formula:\n  kind: range\n  min: 300\n  max: 100", 33, "formula.max",
         "max 100 is below min 300"),
        ("formula:\n  kind: per_unit\n  count: phases\n  each: {kind: fixed, amount: 1}", 32,
         "formula.count", "no field 'phases' (did you mean 'phase'?)"),
        ("formula:\n  kind: per_unit\n  count: phase\n  each:\n    kind: fixed\n    amount: x",
         35, "formula.each.amount", "expected a number"),
        ("formula:\n  kind: staged\n  by: phase\n  stages:\n    1: {kind: fixed, amount: 1}\n"
         "    4: {kind: fixed, amount: 2}", 35, "formula.stages.4",
         "'4' is not a value of field 'phase'"),
        ("formula:\n  kind: tiered\n  by: phase\n  tiers: {}", 33, "formula.tiers",
         "no tiers given"),
        ("formula:\n  kind: banded\n  base: rd_spend\n  bands:\n    - min: 100\n"
         "      above: 100\n      formula: {kind: fixed, amount: 1}", 35,
         "formula.bands[0].above", "give min or above, not both"),
        ("formula:\n  kind: banded\n  base: rd_spend\n  bands:\n    - min: 100\n"
         "      below: 50\n      formula: {kind: fixed, amount: 1}", 35,
         "formula.bands[0].below", "the band ends (50) below its start (100)"),
        ("formula:\n  kind: case_by_case\n  amount: 5", 32, "formula.amount",
         "unknown key 'amount'"),
        ("formula:\n  kind: no_money\n  max: 5", 32, "formula.max", "unknown key 'max'"),
        ("formula:\n  kind: fixd\n  amount: 5", 31, "formula.kind",
         "unknown value 'fixd' (did you mean 'fixed'?)"),
    ],
)
def test_bad_formula_names_file_line_and_key(tmp_path, block, line, field, words):
    error = error_for(tmp_path, with_formula(block))
    assert error.source is not None and error.source.endswith("test-doc.yaml")
    assert (error.line, error.field) == (line, f"measures[0].{field}")
    assert words in str(error)


def test_a_formula_reading_fact_fields_needs_a_trigger(tmp_path):
    text = GOOD.replace("    trigger:\n      kind: clinical_phase_entered\n      where: {phase: 2}\n",
                        "")
    assert "needs a trigger" in str(error_for(tmp_path, text))
    # The same measure with a fixed sum is a general measure and loads.
    fixed = text.replace("{kind: share, base: rd_spend, rate: 0.2, max: 300}",
                         "{kind: fixed, amount: 10}")
    assert load_ruleset([write(tmp_path, fixed)]).measures["t-01"].trigger is None


# The document ceiling in GOOD is 500 a year (line 17). A measure that always gives more than
# that on some branch is refused, naming the ceiling's amount and the branch.
@pytest.mark.parametrize(
    ("formula", "words"),
    [
        ("{kind: range, min: 501, max: 900}", "below the 501 that measure 't-01' always gives"),
        ("{kind: staged, by: phase, stages: {1: {kind: fixed, amount: 100}, "
         "3: {kind: fixed, amount: 800}}}", "below the 800 that measure 't-01' always gives "
         "when phase = 3"),
        ("{kind: tiered, by: phase, tiers: {1: {kind: range, min: 600, max: 700}, "
         "2: {kind: up_to, max: 900}}}", "below the 600 that measure 't-01' always gives "
         "when phase = 1"),
        ("{kind: per_unit, count: phase, each: {kind: fixed, amount: 501}}",
         "below the 501 that measure 't-01' always gives"),
        ("{kind: banded, base: rd_spend, bands: [{max: 100, formula: {kind: fixed, amount: 5}},"
         " {above: 100, formula: {kind: staged, by: phase, stages: "
         "{2: {kind: fixed, amount: 700}}}}]}",
         "below the 700 that measure 't-01' always gives when rd_spend > 100, phase = 2"),
    ],
)
def test_ceiling_below_what_a_measure_always_gives(tmp_path, formula, words):
    text = GOOD.replace("{kind: share, base: rd_spend, rate: 0.2, max: 300}", formula)
    error = error_for(tmp_path, text)
    assert (error.line, error.field) == (17, "document.ceilings[0].amount")
    assert "ceiling 500 is " + words in str(error)


@pytest.mark.parametrize(
    "formula",
    [
        "{kind: fixed, amount: 500}",  # equal to the ceiling: it fits
        "{kind: up_to, max: 900}",  # 0 to 900: not always above
        "{kind: share, base: rd_spend, rate: 0.5, max: 900}",  # depends on the spend
        "{kind: staged, by: phase, stages: {1: {kind: fixed, amount: 100}, "
        "3: {kind: up_to, max: 800}}}",
        "{kind: case_by_case}",
    ],
)
def test_ceiling_above_what_a_measure_always_gives_loads(tmp_path, formula):
    text = GOOD.replace("{kind: share, base: rd_spend, rate: 0.2, max: 300}", formula)
    assert "t-01" in load_ruleset([write(tmp_path, text)]).measures


# ------------------------------------------------------------------ issue 11: data that could hang


def _folder_with(tmp_path, name: str, text: str):
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / name).write_text(text, encoding="utf-8")
    return folder


def test_an_alias_bomb_fails_fast_with_one_line(tmp_path):
    import time

    from policycalc.errors import DataError
    from policycalc.rulesets import load_ruleset

    bomb = "x0: &a0 [lol,lol,lol,lol,lol,lol,lol,lol,lol]\n" + "".join(
        f"x{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]\n" for i in range(1, 10))
    assert len(bomb) < 1500  # 9**10 values once expanded
    folder = _folder_with(tmp_path, "bomb.yaml", bomb + GOOD)
    started = time.monotonic()
    with pytest.raises(DataError, match="aliases expand to more than 1,000,000 values"):
        load_ruleset([folder], use_cache=False)
    assert time.monotonic() - started < 10


def _regions(extra: str) -> str:
    from policycalc.rulesets import bundled_data_dir

    return (bundled_data_dir() / "regions.yaml").read_text(encoding="utf-8") + extra


def test_circular_region_parents_are_a_validation_error_naming_them(tmp_path):
    from policycalc.errors import DataError
    from policycalc.rulesets import load_ruleset

    folder = _folder_with(tmp_path, "regions.yaml", _regions(
        "  loop-a: {zh: 甲, en: A, level: city, parent: loop-b}\n"
        "  loop-b: {zh: 乙, en: B, level: province, parent: loop-a}\n"))
    with pytest.raises(DataError, match="region parents form a cycle: loop-a → loop-b → loop-a"):
        load_ruleset([folder], use_cache=False)


def test_a_deep_region_hierarchy_is_refused_quickly(tmp_path):
    from policycalc.errors import DataError
    from policycalc.rulesets import load_ruleset

    chain = "".join(f"  d{i}: {{zh: 区, en: D, level: district"
                    f"{', parent: d' + str(i - 1) if i else ''}}}\n" for i in range(5000))
    folder = _folder_with(tmp_path, "regions.yaml", _regions(chain))
    with pytest.raises(DataError, match="nested more than 8 levels deep"):
        load_ruleset([folder], use_cache=False)


@pytest.mark.parametrize("amount", ["1.0e+999999999", "1000000001", "9" * 5000])
def test_an_amount_out_of_range_is_a_validation_error(tmp_path, amount):
    from policycalc.errors import DataError
    from policycalc.rulesets import load_ruleset

    text = GOOD.replace("amount: 500", f"amount: {amount}", 1)
    assert text != GOOD
    folder = _folder_with(tmp_path, "doc.yaml", text)
    with pytest.raises(DataError) as info:
        load_ruleset([folder], use_cache=False)
    assert "out of range" in str(info.value) or "too long" in str(info.value)
    assert "\n" not in str(info.value)
