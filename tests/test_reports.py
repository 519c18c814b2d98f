"""Reports, languages and the ruleset version that makes a saved result reproducible."""

from __future__ import annotations

import csv
import io
import json
import tomllib

import pytest
import yaml
from typer.testing import CliRunner

from policycalc.app import app

from .conftest import ROOT

runner = CliRunner()
KUNMING = str(ROOT / "examples" / "kunming-cell.toml")
CHONGQING = str(ROOT / "examples" / "chongqing-antibody.yaml")
AS_OF = "2023-06-30"


def run(*args: str):
    return runner.invoke(app, list(args))


@pytest.mark.parametrize("suffix", [".md", ".html", ".svg"])
def test_estimate_report_says_what_a_client_needs(tmp_path, suffix):
    target = tmp_path / f"report{suffix}"
    result = run("estimate", KUNMING, "--as-of", AS_OF, "--lang", "en", "--format", "json",
                 "--report", str(target))
    assert result.exit_code == 0, result.stderr
    version = json.loads(result.stdout)["ruleset"]
    text = target.read_text(encoding="utf-8")
    # Totals by hand: Kunming （六） 0..500 (最高不超过500), （七） 50 (patent) and 2% × 8,000 =
    # 160 (capital), （九） 5% × 1,000 = 50; Yunnan 八（二） 20% × 600 = 120 and 20% × 1,200 =
    # 240. Minimum 620, maximum 1,120.
    for expected in ("滇池细胞治疗有限公司", AS_OF, version, "（九）", "not commitments",
                     "Kunming Finance Bureau", "620–1120",
                     "Ten Measures for High-Quality Development of the Cell Industry in Kunming"):
        assert expected in text, expected
    # The client's words: documents and measures by title, never by id.
    for program_word in ("kunming-cell-2020", "km-09-renovation", "yunnan"):
        assert program_word not in text, program_word
    if suffix == ".html":
        assert text.startswith("<!DOCTYPE html>") and "<script" not in text
    if suffix == ".svg":
        assert text.startswith("<svg")


def test_compare_report_has_chart_and_category_matrix(tmp_path):
    target = tmp_path / "compare.html"
    result = run("compare-regions", CHONGQING, "--as-of", "2022-06-30", "--report", str(target),
                 "--format", "json")
    assert result.exit_code == 0, result.stderr
    text = target.read_text(encoding="utf-8")
    assert "<svg" in text and "重庆市" in text and "苏州市" in text
    assert "临床研究与研发阶段" in text  # the clinical category's Chinese label


def test_compare_table_shows_bars_and_matrix():
    result = run("compare-regions", CHONGQING, "--as-of", "2022-06-30", "--lang", "en")
    assert result.exit_code == 0
    assert "■" in result.stdout and "By category" in result.stdout


def test_bad_report_name_is_a_usage_error(tmp_path):
    result = run("estimate", KUNMING, "--report", str(tmp_path / "r.pdf"))
    assert result.exit_code == 2 and ".html, .svg or .md" in result.stderr


def test_languages_translate_titles_and_departments():
    zh = json.loads(run("estimate", KUNMING, "--as-of", AS_OF, "--format", "json").stdout)
    en = json.loads(run("estimate", KUNMING, "--as-of", AS_OF, "--format", "json",
                        "--lang", "en").stdout)
    pick = {a["measure"]: a for a in zh["awards"]}["km-09-renovation"]
    pick_en = {a["measure"]: a for a in en["awards"]}["km-09-renovation"]
    assert pick["departments"]["support"][0] == "市财政局"
    assert pick_en["departments"]["support"][0] == "Kunming Finance Bureau"
    assert pick["title"] != pick_en["title"]


@pytest.mark.parametrize("fmt", ["json", "yaml", "toml", "csv", "jsonl"])
def test_every_output_carries_ruleset_and_as_of(fmt):
    result = run("estimate", KUNMING, "--as-of", AS_OF, "--format", fmt)
    assert result.exit_code == 0
    text = result.stdout
    if fmt == "json":
        data = json.loads(text)
    elif fmt == "yaml":
        data = yaml.safe_load(text)
    elif fmt == "toml":
        data = tomllib.loads(text)
    elif fmt == "csv":
        data = next(csv.DictReader(io.StringIO(text)))
    else:
        data = json.loads(text.splitlines()[0])
    assert data["as_of"] == AS_OF and len(data["ruleset"]) == 12
    table = run("estimate", KUNMING, "--as-of", AS_OF)
    assert "ruleset" in table.stdout and AS_OF in table.stdout


def test_payment_is_shown_where_the_text_says_it():
    data = json.loads(run("estimate", KUNMING, "--as-of", AS_OF, "--format", "json").stdout)
    renovation = {a["measure"]: a for a in data["awards"]}["km-09-renovation"]
    # Kunming （九）: 给予…一次性补助 — paid once.
    assert renovation["payment"]["frequency"] == "once"
