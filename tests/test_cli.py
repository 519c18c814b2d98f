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


def test_totals_and_ceiling_groups_worked_by_hand():
    data = estimate_json()
    # By hand from the texts, the example as of 2023-06-30: Kunming （六） up to 500
    # (最高不超过500), （七） 50 for the patent and 2% × 8,000 = 160 for the paid-in capital,
    # （九） 5% × 1,000 = 50; Yunnan 八（二） 20% × 600 = 120 and 20% × 1,200 = 240.
    # Certain 50 + 160 + 50 + 120 + 240 = 620; at most 620 + 500 = 1,120.
    assert (data["totals"]["min"], data["totals"]["max"]) == (620, 1120)
    # （七）'s capital subsidy is at most 500 in all: the one award of 160 sits under it, uncut.
    groups = {g["id"]: g for g in data["ceilings"]}
    capital = groups["km-07-capital-total"]
    assert (capital["article"], capital["scope"], capital["amount"]) == ("（七）", "total", 500)
    assert (capital["before"]["min"], capital["before"]["max"]) == (160, 160)
    assert (capital["min"], capital["max"]) == (160, 160)
    assert [m["measure"] for m in capital["members"]] == ["km-07-capital"]


@pytest.mark.parametrize("fmt", [f.value for f in OutputFormat if f.value not in ("table", "xlsx")])
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
    assert any("evaluate as of 2025-10-20" in n for n in data["notes"])
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


# ------------------------------------------------------------------ never silently partial

LAPSE = ("kunming-cell-2020 lapsed after 2025-10-20: 4 matching measures not counted; "
         "pass --as-of 2025-10-20")


LAPSE_ZH = "提示：kunming-cell-2020 已于 2025-10-20 失效：4 项匹配的措施未计入；用 --as-of 2025-10-20"


@pytest.mark.parametrize("fmt", [f.value for f in OutputFormat if f.value not in ("table", "xlsx")])
def test_a_lapsed_document_that_would_match_is_named_on_stderr(fmt):
    # Kunming's ten measures: issued 2020-10-21, in force for 5 years, so lapsed by today
    # (late 2026); the example's renovation （九）, capital and patent （七） and Phase I
    # （六） facts match four of its measures (README worked example).
    result = run("estimate", EXAMPLE, "--format", fmt, "--lang", "en")
    assert result.exit_code == 0
    notes = [line for line in result.stderr.splitlines() if line.startswith("Note:")]
    assert len(notes) == 1 and LAPSE in notes[0]
    # Issue 17: in the chosen language; Chinese is the default.
    chinese = run("estimate", EXAMPLE, "--format", fmt)
    assert [line for line in chinese.stderr.splitlines() if line.startswith("提示：")] == [
        LAPSE_ZH + "（或更早）可计入"
    ]
    assert "Note:" not in chinese.stderr
    inside = run("estimate", EXAMPLE, "--format", fmt, "--as-of", AS_OF)
    assert "Note:" not in inside.stderr and "提示" not in inside.stderr


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_table_says_a_lapse_once(lang, tmp_path):
    # Issue 17: the table prints its own "!" line for a lapsed document; stderr does not
    # repeat it. Written to a file, the person at the terminal is told on stderr.
    result = run("estimate", EXAMPLE, "--lang", lang)
    assert result.exit_code == 0
    assert "kunming-cell-2020" not in result.stderr
    assert result.stdout.count("2025-10-20") >= 1
    target = tmp_path / "out.txt"
    written = run("estimate", EXAMPLE, "--lang", lang, "-o", str(target))
    assert written.stderr.count("kunming-cell-2020") == 1


def test_compare_regions_names_lapsed_documents_once():
    result = run(
        "compare-regions", EXAMPLE, "--regions", "kunming,chongqing", "-f", "json", "--lang", "en"
    )
    assert result.exit_code == 0
    assert result.stderr.count("kunming-cell-2020 lapsed after 2025-10-20") == 1
    table = run("compare-regions", EXAMPLE, "--regions", "kunming,chongqing")
    assert "kunming-cell-2020" not in table.stderr  # the table says it itself


# ------------------------------------------------------------------ options in a batch

BATCH = str(ROOT / "examples" / "clients.jsonl")


@pytest.mark.parametrize("flag", ["--steps", "--all"])
def test_single_profile_options_are_errors_in_a_batch(flag):
    result = run("estimate", "--batch", BATCH, flag)
    assert result.exit_code == 2
    assert result.stderr == f"Error: {flag}: goes with a single PROFILE, not --batch\n"


def test_a_batch_never_writes_json_lines_for_table():
    result = run("estimate", "--batch", BATCH, "-f", "table")
    assert result.exit_code == 2 and "batch output is jsonl, csv or xlsx, not table" in result.stderr
    assert result.stdout == ""
    default = run("estimate", "--batch", BATCH, "--as-of", AS_OF)
    assert default.exit_code == 0
    # One row per award: km-001 six, cq-001 two, sz-001 three — its Phase II completion meets
    # both of Jiangsu 5.'s sentences, which the text does not say stack (two rows, R6).
    assert len([json.loads(line) for line in default.stdout.splitlines()]) == 11


# ------------------------------------------------------------------ files for Excel

def _bom_csv(path) -> list[dict[str, str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(raw[3:].decode("utf-8"))))


@pytest.mark.parametrize(
    "args",
    [
        ("estimate", EXAMPLE, "--as-of", AS_OF),
        ("compare-regions", EXAMPLE, "--regions", "kunming,chongqing", "--as-of", AS_OF),
        ("explain", "km-09-renovation", "--profile", EXAMPLE, "--as-of", AS_OF),
        ("measures", "--region", "kunming"),
        ("regions",),
        ("facts", "renovation"),
    ],
    ids=lambda args: args[0],
)
def test_every_result_command_writes_csv_for_excel_to_a_file(tmp_path, args):
    target = tmp_path / "out.csv"
    result = run(*args, "--format", "csv", "--excel", "-o", str(target))
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert _bom_csv(target)
    table = run(*args, "-o", str(tmp_path / "out.txt"))
    assert table.exit_code == 0 and table.stdout == ""
    assert (tmp_path / "out.txt").read_text(encoding="utf-8").strip()


def test_single_estimate_csv_for_excel_keeps_the_article():
    result = run("estimate", EXAMPLE, "--as-of", AS_OF, "-f", "csv", "--excel")
    assert result.stdout.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(result.stdout[1:])))
    assert "（九）" in {r["article"] for r in rows}


def test_excel_goes_with_csv():
    result = run("measures", "--excel")
    assert result.exit_code == 2 and result.stderr == "Error: --excel: goes with --format csv\n"


GBK_PROFILE = (
    "applicant:\n  name: 滇池细胞治疗有限公司\n  region: kunming\n  legal_form: enterprise\n"
    "facts:\n  - {kind: renovation, date: 2021-03-15, invoice_amount: 1000, in_local_park: true}\n"
)


def test_a_gbk_profile_is_read_as_gbk_with_a_note_and_refused_as_named_utf8(tmp_path):
    path = tmp_path / "client.yaml"
    path.write_bytes(GBK_PROFILE.encode("gbk"))
    named = run("estimate", str(path), "--as-of", AS_OF, "-f", "json", "--encoding", "utf-8")
    assert named.exit_code == 2 and "--encoding gbk" in named.stderr
    for given in ((), ("--encoding", "gbk")):
        result = run("estimate", str(path), "--as-of", AS_OF, "-f", "json", "--lang", "en", *given)
        assert result.exit_code == 0, result.stderr
        data = json.loads(result.stdout)
        assert data["applicant"]["name"] == "滇池细胞治疗有限公司"
        # Kunming （九）: 5% of 1,000 = 50.
        assert [(a["measure"], a["min"]) for a in data["awards"]] == [("km-09-renovation", 50)]
        said = [n for n in data["notes"] if "read as GBK" in n]
        assert len(said) == (0 if given else 1), data["notes"]


def test_latin1_bytes_are_not_taken_for_gbk(tmp_path):
    path = tmp_path / "client.yaml"
    path.write_bytes("applicant: {name: Société Générale, region: kunming}\n".encode("latin-1"))
    result = run("estimate", str(path), "--as-of", AS_OF)
    assert result.exit_code == 2 and "not UTF-8" in result.stderr and "GBK" not in result.stderr


CSV_BATCH = (
    "id,applicant.name,applicant.region,kind,date,invoice_amount,in_local_park\n"
    "km-9,昆明某细胞公司,kunming,renovation,2021-03-15,\"1,000\",true\n"
)


def test_a_gbk_csv_batch_with_thousands_separators(tmp_path):
    path = tmp_path / "clients.csv"
    path.write_bytes(CSV_BATCH.encode("gbk"))
    plain = run("estimate", "--batch", str(path), "--as-of", AS_OF)
    # Read as GBK without the option, with one note (issue 17 item 2).
    assert plain.exit_code == 0 and "按 GBK 读入；用 --encoding 可指定编码" in plain.stderr
    result = run("estimate", "--batch", str(path), "--as-of", AS_OF, "--encoding", "gbk")
    assert result.exit_code == 0, result.stderr
    assert "GBK" not in result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    # Kunming （九）: 5% of "1,000" = 50.
    assert [(r["measure"], r["min"], r["max"]) for r in rows] == [("km-09-renovation", 50, 50)]
    assert plain.stdout == result.stdout


def test_an_amount_with_thousands_separators_in_a_profile(tmp_path):
    path = tmp_path / "client.yaml"
    path.write_text(GBK_PROFILE.replace("1000", '"1,000"'), encoding="utf-8")
    data = json.loads(run("estimate", str(path), "--as-of", AS_OF, "-f", "json").stdout)
    assert [(a["measure"], a["min"]) for a in data["awards"]] == [("km-09-renovation", 50)]
    bad = tmp_path / "bad.yaml"
    bad.write_text(GBK_PROFILE.replace("1000", '"1,00"'), encoding="utf-8")
    assert run("estimate", str(bad), "--as-of", AS_OF).exit_code == 2


def test_unknown_encoding():
    result = run("estimate", EXAMPLE, "--encoding", "klingon")
    assert result.exit_code == 2 and "unknown encoding 'klingon'" in result.stderr


# ------------------------------------------------------------------ unknown values

@pytest.mark.parametrize(
    ("args", "listed"),
    [
        (("measures", "--category", "foo"), "one of: clinical, approval"),
        (("measures", "--region", "foo"), "one of: "),
        (("measures", "--document", "foo"), "kunming-cell-2020"),
        (("compare-regions", EXAMPLE, "--regions", ""), "one of: "),
        (("compare-regions", EXAMPLE, "--regions", " , "), "one of: "),
        (("estimate", "--batch", BATCH, "--input-format", "xls"), "one of: jsonl, json"),
        (("init", "--region", "foo"), "one of: "),
    ],
)
def test_unknown_values_list_the_valid_ones(args, listed):
    result = run(*args)
    assert result.exit_code == 2
    assert listed in result.stderr and result.stderr.count("\n") == 1
    if "one of: " in listed and "region" in " ".join(args):
        assert "kunming" in result.stderr and "chongqing" in result.stderr


def test_every_command_lists_exit_codes_in_its_help():
    for info in app.registered_commands:
        name = (info.name or info.callback.__name__).replace("_", "-")
        text = run(name, "-h").stdout
        assert "Exit codes: 0 success; 1" in text and "2 a usage or input error" in text, name
    assert "Exit codes:" in run("-h").stdout


def test_the_table_header_says_when_the_date_is_today_by_default():
    import datetime as dt

    today = dt.date.today().isoformat()
    header = run("estimate", EXAMPLE, "--lang", "en").stdout.splitlines()[0]
    assert f"as of (today, by default) {today}" in header
    given = run("estimate", EXAMPLE, "--lang", "en", "--as-of", AS_OF).stdout.splitlines()[0]
    assert f"as of {AS_OF}" in given and "today" not in given
    compare = run("compare-regions", EXAMPLE, "--regions", "kunming", "--lang", "en").stdout
    assert f"as of (today, by default) {today}" in compare.splitlines()[0]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_batch_names_each_lapsed_document_once_at_the_end(tmp_path, jobs):
    # Three copies of the Kunming example: Kunming's measures lapsed after 2025-10-20 (issued
    # 2020-10-21, in force 5 years), so today they match and are not counted, for 3 applicants.
    line = json.dumps(yaml.safe_load((ROOT / "examples" / "kunming-cell.yaml").read_text(
        encoding="utf-8")), default=str, ensure_ascii=False)
    source = tmp_path / "three.jsonl"
    source.write_text((line + "\n") * 3, encoding="utf-8")
    result = run("estimate", "--batch", str(source), "--jobs", jobs, "--lang", "en")
    assert result.exit_code == 0, result.stderr
    lines = result.stderr.splitlines()
    notes = [x for x in lines if x.startswith("Note:") and "already used" not in x]
    assert notes == [
        "Note: kunming-cell-2020 lapsed after 2025-10-20: measures matching 3 applicants not "
        "counted; pass --as-of 2025-10-20 (or earlier) to count them"
    ]
    assert lines[-1].startswith("3 applicants read: 3 estimated")
    # Under the default Chinese the same note is in Chinese, once.
    chinese = run("estimate", "--batch", str(source), "--jobs", jobs).stderr.splitlines()
    assert [x for x in chinese if "kunming-cell-2020" in x] == [
        "提示：kunming-cell-2020 已于 2025-10-20 失效：与 3 个申请主体匹配的措施未计入；"
        "用 --as-of 2025-10-20（或更早）可计入"
    ]
    inside = run("estimate", "--batch", str(source), "--jobs", jobs, "--as-of", AS_OF)
    assert "kunming-cell-2020" not in inside.stderr


def test_no_gbk_hint_for_other_encodings(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes(GBK_PROFILE.replace("滇池细胞治疗有限公司", "Café Therapeutics").encode("latin-1"))
    result = run("estimate", str(path), "--as-of", AS_OF)
    assert result.exit_code == 2 and "not UTF-8 text" in result.stderr
    assert "--encoding gbk" not in result.stderr


def test_an_internal_error_is_one_line_with_an_exit_code_of_its_own(monkeypatch, capsys):
    # A bug (here, the engine failing) is neither the input's fault nor a usage error.
    import sys

    from policycalc import engine
    from policycalc import entry as app_module
    from policycalc.errors import EXIT_INTERNAL

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(engine, "estimate", broken)
    monkeypatch.setattr(sys, "argv", ["policycalc", "estimate", EXAMPLE, "--as-of", AS_OF])
    with pytest.raises(SystemExit) as stop:
        app_module._main()
    assert stop.value.code == EXIT_INTERNAL == 70
    err = capsys.readouterr().err
    assert err == "Error: internal error (RuntimeError: boom); please report it\n"


def test_measures_money_leaves_out_the_measures_without_money():
    # Suzhou cluster plan 33. names major platforms to build and gives no sum or support to
    # claim; 21. pays by clinical phase. --money keeps 21.'s measure and drops 33.'s.
    runner = CliRunner()
    ids = {}
    for flag in ([], ["--money"]):
        result = runner.invoke(app, ["measures", "--document", "suzhou-cluster-2022",
                                     "--format", "json", *flag])
        assert result.exit_code == 0, result.output
        ids[bool(flag)] = {row["measure"] for row in json.loads(result.stdout)}
    assert {"szc-21-drug-phases", "szc-33-major-platforms"} <= ids[False]
    assert "szc-21-drug-phases" in ids[True]
    assert "szc-33-major-platforms" not in ids[True]
