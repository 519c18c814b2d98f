"""Every command through CliRunner: formats parse, errors are one line with the right exit code."""

from __future__ import annotations

import csv
import io
import json
import tomllib

import pytest
import yaml
from typer.testing import CliRunner

from policycalc.app import OutputFormat, app

from .conftest import ROOT

runner = CliRunner()
EXAMPLE = str(ROOT / "examples" / "kunming-cell.yaml")
AS_OF = "2023-06-30"


def run(*args: str, input: str | None = None):
    return runner.invoke(app, list(args), input=input)


def test_every_command_has_help_with_an_example():
    for name, command in app.registered_commands and [
        (c.name or c.callback.__name__, c) for c in app.registered_commands
    ]:
        result = run(name.replace("_", "-"), "--help")
        assert result.exit_code == 0, name
        assert "Example" in (command.callback.__doc__ or ""), name


def test_version():
    result = run("--version")
    assert result.exit_code == 0 and result.stdout.startswith("policycalc ")


def estimate_json(*extra: str) -> dict:
    result = run("estimate", EXAMPLE, "--as-of", AS_OF, "--format", "json", *extra)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_estimate_json_has_the_promised_fields():
    data = estimate_json()
    assert data["as_of"] == AS_OF and data["ruleset"]
    award = data["awards"][0]
    for key in ("document", "measure", "article", "title", "min", "max", "kind", "recipient",
                "departments", "notes"):
        assert key in award
    assert set(award["departments"]) >= {"lead", "support"}
    assert set(data["totals"]) >= {"min", "max", "case_by_case"}
    # Kunming （九）: 1,000万 renovation invoice × 5% = exactly 50.
    renovation = [a for a in data["awards"] if a["measure"] == "km-09-renovation"]
    assert renovation and renovation[0]["min"] == renovation[0]["max"] == 50
    # A Kunming applicant is reached by Yunnan's measures too.
    assert {d["region"] for d in data["documents"]} >= {"kunming", "yunnan"}


def test_totals_add_the_known_bounds():
    data = estimate_json()
    known = [a for a in data["awards"] if a["kind"] not in ("case_by_case", "no_money")]
    assert data["totals"]["min"] == pytest.approx(sum(a["min"] for a in known))
    assert data["totals"]["max"] == pytest.approx(sum(a["max"] for a in known))


@pytest.mark.parametrize("fmt", [f.value for f in OutputFormat if f.value != "table"])
def test_every_format_parses(fmt):
    result = run("estimate", EXAMPLE, "--as-of", AS_OF, "--format", fmt)
    assert result.exit_code == 0, result.stderr
    text = result.stdout
    if fmt == "json":
        assert json.loads(text)["awards"]
    elif fmt == "jsonl":
        rows = [json.loads(line) for line in text.splitlines()]
        assert rows and all("measure" in r for r in rows)
    elif fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(text)))
        assert rows and rows[0]["measure"] and rows[0]["as_of"] == AS_OF
    elif fmt == "yaml":
        assert yaml.safe_load(text)["awards"]
    elif fmt == "toml":
        assert tomllib.loads(text)["awards"]


def test_table_output_shows_amounts_and_departments():
    result = run("estimate", EXAMPLE, "--as-of", AS_OF, "--lang", "en")
    assert result.exit_code == 0
    assert "（九）" in result.stdout  # the article, never folded
    assert "Total" in result.stdout


def test_estimate_reads_stdin():
    text = (ROOT / "examples" / "kunming-cell.yaml").read_text(encoding="utf-8")
    result = run("estimate", "-", "--as-of", AS_OF, "--format", "json", input=text)
    assert result.exit_code == 0
    assert json.loads(result.stdout)["awards"]


def test_default_as_of_today_explains_lapsed_documents():
    result = run("estimate", EXAMPLE, "--format", "json", "--lang", "en")
    data = json.loads(result.stdout)
    kunming = next(d for d in data["documents"] if d["id"] == "kunming-cell-2020")
    assert kunming["status"] == "lapsed"  # 2020-10-21 + 5 years, before late 2026
    assert any("--as-of" in n for n in data["notes"])
    assert any(x["stage"] == "validity" for x in data["excluded"])


def test_compare_regions_side_by_side():
    result = run("compare-regions", EXAMPLE, "--regions", "kunming,chongqing", "--as-of",
                 AS_OF, "--format", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert [r["region"] for r in data["regions"]] == ["kunming", "chongqing"]
    chongqing = data["regions"][1]
    assert chongqing["applicant"]["moved_from"] == "kunming"
    assert all(d["region"] == "chongqing" for d in chongqing["documents"])
    table = run("compare-regions", EXAMPLE, "--regions", "kunming,chongqing", "--as-of", AS_OF)
    assert table.exit_code == 0


def test_explain_shows_steps():
    result = run("explain", "km-09-renovation", "--profile", EXAMPLE, "--as-of", AS_OF,
                 "--format", "json", "--lang", "en")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["measure"]["article"] == "（九）"
    steps = data["computation"][0]["steps"]
    assert any("5%" in s for s in steps)
    table = run("explain", "km-09-renovation", "--profile", EXAMPLE, "--as-of", AS_OF)
    assert table.exit_code == 0 and "（九）" in table.stdout


def test_measures_regions_facts_init_validate():
    for args in (("measures", "--region", "kunming", "--format", "json"),
                 ("measures", "--stats", "--format", "json"),
                 ("regions", "--format", "json"),
                 ("facts", "--format", "json"),
                 ("facts", "renovation")):
        result = run(*args)
        assert result.exit_code == 0, (args, result.stderr)
    rows = json.loads(run("measures", "--region", "kunming", "--format", "json").stdout)
    assert {r["region"] for r in rows} == {"kunming", "yunnan"}
    assert run("validate").exit_code == 0


@pytest.mark.parametrize("fmt", ["toml", "yaml"])
def test_init_template_is_a_valid_profile(tmp_path, fmt):
    target = tmp_path / f"p.{fmt}"
    assert run("init", "--format", fmt, "--output", str(target)).exit_code == 0
    result = run("estimate", str(target), "--as-of", AS_OF, "--format", "json")
    assert result.exit_code == 0, result.stderr
    again = run("init", "--format", fmt, "--output", str(target))
    assert again.exit_code == 2 and "already exists" in again.stderr


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        (("estimate", "nope.yaml"), 2, "no such file"),
        (("estimate", EXAMPLE, "--as-of", "2023-13-45"), 2, "not a date"),
        (("estimate", EXAMPLE, "--format", "xml"), 2, "xml"),
        (("explain", "km-09-renovaton"), 2, "did you mean 'km-09-renovation'"),
        (("compare-regions", EXAMPLE, "--regions", "kunmin"), 2, "did you mean 'kunming'"),
        (("facts", "renovaton"), 2, "did you mean 'renovation'"),
        (("measures", "--region", "suzho"), 2, "did you mean 'suzhou'"),
        (("validate", "/nonexistent/folder.yaml"), 1, "no such file"),
    ],
)
def test_errors_are_one_line_with_exit_code(args, code, words):
    result = run(*args)
    assert result.exit_code == code
    assert words in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_bad_profile_exit_2_and_one_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("applicant:\n  region: kunming\n  colour: red\n", encoding="utf-8")
    result = run("estimate", str(bad))
    assert result.exit_code == 2
    assert result.stderr.strip().count("\n") == 0
    assert f"{bad}:3" in result.stderr and "colour" in result.stderr


def test_invalid_data_dir_exit_1(tmp_path):
    (tmp_path / "x.yaml").write_text("document: {}\nmeasures: []\n", encoding="utf-8")
    result = run("estimate", EXAMPLE, "--data-dir", str(tmp_path))
    assert result.exit_code == 1
    assert "x.yaml" in result.stderr and "missing required key" in result.stderr


def test_toml_and_yaml_examples_agree():
    # The bundled example exists in both formats; they must describe the same applicant.
    toml = run("estimate", str(ROOT / "examples" / "kunming-cell.toml"), "--as-of", AS_OF,
               "--format", "json")
    data = json.loads(toml.stdout)
    assert data["totals"] == estimate_json()["totals"]
