"""The presentation path: one view, one writer per format, one row builder, safe output.

Expected texts are worked out by hand; tables are compared as text only in the exact-writer
and width tests, everything else parses JSON or CSV.
"""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET

import pytest
from rich.cells import cell_len
from typer.testing import CliRunner

from policycalc.app import app
from policycalc.engine import estimate
from policycalc.render.machine import csv_writer
from policycalc.render.report import category_matrix
from policycalc.render.safe import csv_cell, md, visible
from policycalc.render.views import EstimateView, ListView, OutputFormat
from policycalc.render.write import write

from .conftest import ROOT, day, make_profile

runner = CliRunner()
AS_OF = "2023-06-30"
KUNMING = str(ROOT / "examples" / "kunming-cell.yaml")
CHONGQING = str(ROOT / "examples" / "chongqing-antibody.yaml")


def run(*args: str, input: str | None = None, columns: int | None = None):
    env = {"COLUMNS": str(columns)} if columns else None
    return runner.invoke(app, list(args), input=input, env=env)


# ------------------------------------------------------------------ exact writers

REGION_ROWS = [
    {
        "id": "a",
        "name": "=1+1",
        "level": "city",
        "parent": None,
        "documents": ["d1", "d2"],
        "reached_by": [],
    },
]
REGION_COLUMNS = ["id", "name", "level", "parent", "documents", "reached_by"]

EXPECTED = {
    OutputFormat.json: (
        "[\n"
        "  {\n"
        '    "id": "a",\n'
        '    "name": "=1+1",\n'
        '    "level": "city",\n'
        '    "parent": null,\n'
        '    "documents": [\n'
        '      "d1",\n'
        '      "d2"\n'
        "    ],\n"
        '    "reached_by": []\n'
        "  }\n"
        "]\n"
    ),
    OutputFormat.jsonl: (
        '{"id":"a","name":"=1+1","level":"city","parent":null,"documents":["d1","d2"],'
        '"reached_by":[]}\n'
    ),
    # The name would be a formula in a spreadsheet: a leading ' keeps it text.
    OutputFormat.csv: "id,name,level,parent,documents,reached_by\na,'=1+1,city,,d1; d2,\n",
    OutputFormat.yaml: (
        "- id: a\n"
        "  name: =1+1\n"
        "  level: city\n"
        "  parent: null\n"
        "  documents:\n"
        "  - d1\n"
        "  - d2\n"
        "  reached_by: []\n"
    ),
    # TOML has no null: the parent is left out.
    OutputFormat.toml: (
        "[[items]]\n"
        'id = "a"\n'
        'name = "=1+1"\n'
        'level = "city"\n'
        "documents = [\n"
        '    "d1",\n'
        '    "d2",\n'
        "]\n"
        "reached_by = []\n"
    ),
    OutputFormat.table: (
        "┏━━━━┳━━━━━━┳━━━━━━━┳━━━━━━━━┳━━━━━━━━━━━┳━━━━━━━━━━━━┓\n"
        "┃ id ┃ name ┃ level ┃ parent ┃ documents ┃ reached by ┃\n"
        "┡━━━━╇━━━━━━╇━━━━━━━╇━━━━━━━━╇━━━━━━━━━━━╇━━━━━━━━━━━━┩\n"
        "│ a  │ =1+1 │ city  │ —      │ d1        │ —          │\n"
        "│    │      │       │        │ d2        │            │\n"
        "└────┴──────┴───────┴────────┴───────────┴────────────┘\n"
    ),
}


TEXT_FORMATS = [f for f in OutputFormat if f is not OutputFormat.xlsx]  # xlsx: test_workbook


def test_every_format_has_an_exact_expectation():
    assert set(EXPECTED) == set(TEXT_FORMATS)


@pytest.mark.parametrize("fmt", TEXT_FORMATS)
def test_each_writer_gives_the_exact_text(fmt):
    out = io.StringIO()
    write(ListView("regions", REGION_ROWS, REGION_COLUMNS, "en"), fmt, out)
    assert out.getvalue() == EXPECTED[fmt]


def test_estimate_csv_row_exact(ruleset):
    # Kunming （九）: 5% of a 1,000万 renovation invoice in the park = exactly 50, paid to
    # the applicant; departments as the article lists them.
    profile = make_profile(
        ruleset,
        "kunming",
        {"kind": "renovation", "date": "2021-03-15", "invoice_amount": 1000, "in_local_park": True},
        id="km",
    )
    view = EstimateView(estimate(ruleset, profile, day(AS_OF)), "zh")
    out = io.StringIO()
    write(view, OutputFormat.csv, out, bom=True)
    assert out.getvalue() == (
        "\ufeffline,applicant,name,region,as_of,ruleset,document,measure,article,title,min,max,"
        "kind,clause_min,clause_max,recipient,lead,support,fact_index,fact_kind,fact_date,product,"
        "ceilings,stacking,stacking_min,stacking_max,notes,not_in_force\n"
        f",km,,kunming,2023-06-30,{ruleset.version},kunming-cell-2020,km-09-renovation,（九）,"
        "入驻装修补助,50,50,exact,50,50,applicant,各县（市）区人民政府; 开发（度假）园区管委会,"
        "市财政局; 昆明产投公司; 市科技局; 市工业和信息化局,1,renovation,2021-03-15,,,,,,,\n"
    )


# ------------------------------------------------------------------ safe cells and text


@pytest.mark.parametrize(
    ("cell", "safe"),
    [
        ('=HYPERLINK("x")', '\'=HYPERLINK("x")'),
        ("+1", "'+1"),
        ("-2", "'-2"),
        ("@SUM(1+1)*cmd|' /C calc'!A0", "'@SUM(1+1)*cmd|' /C calc'!A0"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("a=b", "a=b"),
        ("2021-03-15", "2021-03-15"),
        ("", ""),
    ],
)
def test_csv_cell_neutralises_what_a_spreadsheet_would_run(cell, safe):
    assert csv_cell(cell) == safe


def test_visible_and_markdown_escapes():
    assert visible("a\nb\x1b[31mc\x7f") == "a\\nb\\x1b[31mc\\x7f"
    assert md("<script>|x|*y*\n") == "\\<script\\>\\|x\\|\\*y\\*\\\\n"


HOSTILE_NAME = "<script>alert(1)</script>\n合计: 99999 万元\x1b[2J"
HOSTILE_ID = '=HYPERLINK("http://x")'
HOSTILE_PRODUCT = "@SUM(1+1)*cmd|' /C calc'!A0"


def hostile_profile() -> str:
    return json.dumps(
        {
            "applicant": {"name": HOSTILE_NAME, "id": HOSTILE_ID, "region": "kunming"},
            "facts": [
                {
                    "kind": "renovation",
                    "date": "2021-03-15",
                    "invoice_amount": 1000,
                    "in_local_park": True,
                },
                {
                    "kind": "clinical_approval",
                    "date": "2021-06-20",
                    "product": HOSTILE_PRODUCT,
                    "product_type": "cell_biologic",
                    "rd_spend": 600,
                },
            ],
        },
        ensure_ascii=False,
    )


def dangerous(cell: str) -> bool:
    return cell[:1] in ("=", "+", "-", "@", "\t", "\r")


def test_every_csv_is_neutralised(tmp_path):
    path = tmp_path / "p.json"
    path.write_text(hostile_profile(), encoding="utf-8")
    batch = tmp_path / "b.jsonl"
    batch.write_text(hostile_profile().replace("\n", "") + "\n", encoding="utf-8")
    outputs = {
        "single": run("estimate", str(path), "--as-of", AS_OF, "-f", "csv"),
        "batch": run("estimate", "--batch", str(batch), "--as-of", AS_OF, "-f", "csv"),
        "excel": run("estimate", "--batch", str(batch), "--as-of", AS_OF, "-f", "csv", "--excel"),
        "summary": run(
            "estimate", "--batch", str(batch), "--as-of", AS_OF, "-f", "csv", "--summary"
        ),
        "compare": run("compare-regions", str(path), "--as-of", AS_OF, "-f", "csv"),
        "explain": run(
            "explain",
            "yn-08-02-clinical-approval",
            "--profile",
            str(path),
            "--as-of",
            AS_OF,
            "-f",
            "csv",
        ),
    }
    for name, result in outputs.items():
        assert result.exit_code == 0, (name, result.stderr)
        rows = list(csv.reader(io.StringIO(result.stdout.lstrip("\ufeff"))))
        assert len(rows) > 1, name
        assert not [c for row in rows for c in row if dangerous(c)], name
    single = list(csv.DictReader(io.StringIO(outputs["single"].stdout)))
    assert {r["applicant"] for r in single} == {"'" + HOSTILE_ID}
    assert "'" + HOSTILE_PRODUCT in {r["product"] for r in single}


@pytest.mark.parametrize("suffix", [".md", ".html", ".svg"])
def test_reports_escape_everything_from_the_profile(tmp_path, suffix):
    path = tmp_path / "p.json"
    path.write_text(hostile_profile(), encoding="utf-8")
    target = tmp_path / f"r{suffix}"
    result = run("estimate", str(path), "--as-of", AS_OF, "-f", "json", "--report", str(target))
    assert result.exit_code == 0, result.stderr
    text = target.read_text(encoding="utf-8")
    assert "\x1b" not in text
    raw_tag = re.compile(r"(?<!\\)<script" if suffix == ".md" else "<script")
    assert not raw_tag.search(text)
    # The newline in the name never starts a line of its own: no fake total.
    assert not [line for line in text.splitlines() if line.lstrip("#*- ").startswith("合计: 99999")]
    if suffix == ".md":
        assert "\\<script\\>" in text
    else:
        assert "&lt;script&gt;" in text
    if suffix == ".svg":
        ET.fromstring(text)  # valid XML: no raw control character


def test_table_and_explain_show_markup_and_controls_as_text(tmp_path):
    path = tmp_path / "p.json"
    data = json.loads(hostile_profile())
    data["facts"][1]["product"] = "KM[/]CART"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    table = run("estimate", str(path), "--as-of", AS_OF)
    assert table.exit_code == 0, table.stderr
    assert "\x1b" not in table.stdout and "KM[/]CART" in table.stdout
    assert "\\n合计: 99999" in table.stdout  # the name's newline shown, not obeyed
    explain = run("explain", "yn-08-02-clinical-approval", "--profile", str(path), "--as-of", AS_OF)
    assert explain.exit_code == 0, explain.stderr
    assert "KM[/]CART" in explain.stdout and "internal error" not in explain.stderr


# ------------------------------------------------------------------ one row builder


GOOD = {
    "applicant": {"id": "km", "region": "kunming", "name": "滇池"},
    "facts": [
        {"kind": "renovation", "date": "2021-03-15", "invoice_amount": 1000, "in_local_park": True},
        {"kind": "capital_paid_in", "date": "2021-04-01", "amount": 8000},
    ],
}
NOTHING = {"applicant": {"id": "idle", "region": "kunming"}, "facts": []}


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_single_and_batch_rows_agree_field_for_field(tmp_path, fmt):
    path = tmp_path / "p.json"
    path.write_text(json.dumps(GOOD), encoding="utf-8")
    single = run("estimate", str(path), "--as-of", AS_OF, "-f", fmt)
    batch = run(
        "estimate", "--batch", "-", "--as-of", AS_OF, "-f", fmt, input=json.dumps(GOOD) + "\n"
    )
    assert single.exit_code == batch.exit_code == 0, single.stderr + batch.stderr

    def rows(text: str) -> list[dict]:
        if fmt == "csv":
            return list(csv.DictReader(io.StringIO(text)))
        return [json.loads(line) for line in text.splitlines()]

    one, many = rows(single.stdout), rows(batch.stdout)
    # Kunming （七） capital 2% × 8,000 = 160 and （九） renovation 5% × 1,000 = 50.
    assert {r["measure"]: r["max"] for r in one} == (
        {"km-07-capital": "160", "km-09-renovation": "50"}
        if fmt == "csv"
        else {"km-07-capital": 160, "km-09-renovation": 50}
    )
    assert list(one[0]) == list(many[0])  # the same columns, in the same order
    for a, b in zip(one, many, strict=True):
        assert {k: v for k, v in a.items() if k != "line"} == {
            k: v for k, v in b.items() if k != "line"
        }
    assert all(r["line"] in ("1", 1) for r in many)


@pytest.mark.parametrize("summary", [False, True])
def test_every_batch_applicant_appears(summary):
    text = "".join(json.dumps(p) + "\n" for p in (GOOD, NOTHING, GOOD))
    args = ["estimate", "--batch", "-", "--as-of", AS_OF] + (["--summary"] if summary else [])
    result = run(*args, input=text)
    assert result.exit_code == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert sorted({r["line"] for r in rows}) == [1, 2, 3]  # rows in = applicants out
    idle = [r for r in rows if r["applicant"] == "idle"]
    assert len(idle) == 1
    if summary:
        assert (idle[0]["min"], idle[0]["max"], idle[0]["awards"]) == (0, 0, 0)
    else:
        assert idle[0]["measure"] is None and idle[0]["min"] is None


def test_an_estimate_without_award_still_writes_a_row(tmp_path):
    path = tmp_path / "p.json"
    path.write_text(json.dumps(NOTHING), encoding="utf-8")
    result = run("estimate", str(path), "--as-of", AS_OF, "-f", "jsonl")
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == 1 and rows[0]["applicant"] == "idle" and rows[0]["kind"] is None


def test_explain_csv_is_flat_and_has_the_computation():
    result = run(
        "explain",
        "km-09-renovation",
        "--profile",
        KUNMING,
        "--as-of",
        AS_OF,
        "-f",
        "csv",
        "--lang",
        "en",
    )
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert not [c for r in rows for c in r.values() if c.startswith(("{", "["))]
    # Kunming （九）: the example's one renovation fact, 5% × 1,000 = 50.
    assert [(r["fact_index"], r["counted"], r["min"], r["max"]) for r in rows] == [
        ("1", "true", "50", "50")
    ]
    assert "Kunming Finance Bureau" in rows[0]["support"]
    assert "5%" in rows[0]["steps"]
    bare = run("explain", "km-09-renovation", "-f", "csv")
    assert len(list(csv.DictReader(io.StringIO(bare.stdout)))) == 1


# ------------------------------------------------------------------ money in the matrix


def test_category_matrix_sums_exact_decimals():
    def totals(lo, hi):
        return {"min": lo, "max": hi, "case_by_case": 0, "no_money": 0, "awards": 2, "label": "C"}

    regions = [{"region": "r", "totals_by_category": {"c": totals(0.3, 12345.625)}}]
    _, matrix = category_matrix(regions)
    # JSON numbers back to exact decimals: 0.3 and 12345.625, never a float's tail.
    assert matrix["C"]["r"] == "0.3–12345.625"


# ------------------------------------------------------------------ tables that fit


def ids_of(data: dict) -> set[str]:
    found = {a["measure"] for a in data["awards"]} | {d["id"] for d in data["documents"]}
    return found


def assert_fits(text: str, width: int, ids: set[str]) -> None:
    wide = [line for line in text.splitlines() if cell_len(line) > width]
    assert not wide, wide[:3]
    for ident in ids:
        assert ident in text, ident  # whole, on one line


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("width", [80, 100, 200])
def test_estimate_table_fits_without_splitting_ids(lang, width):
    data = json.loads(run("estimate", KUNMING, "--as-of", AS_OF, "-f", "json").stdout)
    table = run("estimate", KUNMING, "--as-of", AS_OF, "--lang", lang, "--steps", columns=width)
    assert table.exit_code == 0, table.stderr
    assert_fits(table.stdout, width, ids_of(data))
    for header in ("金额（万元）", "牵头部门") if lang == "zh" else ("Award (万元)",):
        assert header in table.stdout


def test_steps_are_shown_in_the_table():
    data = json.loads(
        run("estimate", KUNMING, "--as-of", AS_OF, "-f", "json", "--steps", "--lang", "en").stdout
    )
    steps = [s for a in data["awards"] for s in a["steps"]]
    # Kunming （九）: the renovation step reads 5% × 1,000 = 50.
    assert any("5% × invoice_amount 1000 = 50" in s for s in steps)
    table = run("estimate", KUNMING, "--as-of", AS_OF, "--lang", "en", "--steps", columns=200)
    plain = run("estimate", KUNMING, "--as-of", AS_OF, "--lang", "en", columns=200)
    flat = " ".join(table.stdout.split())
    assert "5% × invoice_amount 1000 = 50" in flat
    assert "5% × invoice_amount" not in plain.stdout


@pytest.mark.parametrize("width", [80, 120])
def test_compare_table_fits_and_bars_align(width):
    data = json.loads(
        run("compare-regions", CHONGQING, "--as-of", "2022-06-30", "-f", "json").stdout
    )
    ids = set().union(*(ids_of(r) for r in data["regions"]))
    result = run("compare-regions", CHONGQING, "--as-of", "2022-06-30", columns=width)
    assert result.exit_code == 0, result.stderr
    assert_fits(result.stdout, width, ids)
    # A region with nothing (Nanshan here: its (四) certificate of 2022 is claimed in 2023,
    # after --as-of) has no bar.
    names = [r["region_label"] for r in data["regions"] if r["totals"]["max"]]
    bars = [
        line
        for line in result.stdout.splitlines()
        if re.search("[■░]", line) and line.split()[0] in names
    ]
    assert len(bars) == len(names)
    starts = {cell_len(line[: re.search("[■░]", line).start()]) for line in bars}
    assert len(starts) == 1  # every bar starts in the same display column


@pytest.mark.parametrize(
    ("args", "key"),
    [
        (("measures",), "measure"),
        (("measures", "--lang", "en"), "measure"),
        (("measures", "--stats"), "document"),
        (("regions",), "id"),
        (("facts",), "kind"),
        (("facts", "clinical_phase_completed"), "field"),
    ],
)
def test_listings_fit_at_80(args, key):
    data = json.loads(run(*args, "-f", "json").stdout)
    ids = {row[key] for row in data if row.get(key)}
    result = run(*args, columns=80)
    assert result.exit_code == 0, result.stderr
    assert_fits(result.stdout, 80, ids)


def test_pipe_width_is_used_when_not_a_terminal():
    # CliRunner is not a terminal; without COLUMNS the wide layout (departments in their
    # own columns) is used, at most 120 columns wide.
    result = runner.invoke(
        app, ["estimate", KUNMING, "--as-of", AS_OF, "--lang", "en"], env={"COLUMNS": ""}
    )
    assert max(cell_len(line) for line in result.stdout.splitlines()) <= 120


# ------------------------------------------------------------------ reports in the client's words


@pytest.mark.parametrize("suffix", [".html", ".md", ".svg"])
def test_compare_report_speaks_the_clients_words(tmp_path, suffix):
    target = tmp_path / f"c{suffix}"
    result = run(
        "compare-regions",
        CHONGQING,
        "--as-of",
        "2022-06-30",
        "-f",
        "json",
        "--lang",
        "en",
        "--report",
        str(target),
    )
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    text = target.read_text(encoding="utf-8")
    program_words = {"converted_locally", "clinical_phase_completed"}
    for region in data["regions"]:
        program_words |= {region["region"]} | ids_of(region)
        program_words |= {x["measure"] for x in region["excluded"]}
        assert region["region_label"] in text
    found = [w for w in program_words if re.search(rf"(?<![\w-]){re.escape(w)}(?![\w-])", text)]
    assert not found
    # The chart's labels are whole: the SVG is as wide as its longest total.
    if suffix == ".html":
        assert re.search(r'<td class="num">[^<]*3000</td>', text)  # amounts right-aligned
    if suffix == ".md":
        assert "---:|" in text


def test_xml_escape_covers_markup_and_quotes():
    from policycalc.render.safe import xml

    assert xml("<a href=\"x\" title='y'>&\x00</a>") == (
        "&lt;a href=&quot;x&quot; title=&#x27;y&#x27;&gt;&amp;\\x00&lt;/a&gt;"
    )


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_explain_fits_at_80(lang):
    result = run(
        "explain",
        "yn-08-02-clinical-approval",
        "--profile",
        KUNMING,
        "--as-of",
        AS_OF,
        "--lang",
        lang,
        columns=80,
    )
    assert result.exit_code == 0, result.stderr
    assert_fits(result.stdout, 80, {"yn-08-02-clinical-approval", "KM-CART-01"})


def test_a_ceiling_group_in_one_line():
    from policycalc.render.data import ceiling_text

    # Suzhou 第六条: clinical awards at most 3,000 per enterprise per year; two awards of
    # 2,000 and 1,500 in 2020 add up to 3,500, of which the group pays 3,000.
    group = {
        "article": "第六条",
        "scope": "per_year",
        "amount": 3000,
        "key": "2020",
        "before": {"min": 3500, "max": 3500},
        "min": 3000,
        "max": 3000,
        "case_by_case": 0,
    }
    assert ceiling_text(group, "en") == "第六条 yearly ceiling 3000 (2020): 3500 → 3000"
    within = dict(group, before={"min": 0, "max": 500}, min=0, max=500, case_by_case=1)
    assert ceiling_text(within, "zh") == "第六条 每年上限 3000 (2020): 0–500 +1? → 0–500"


def test_one_bilingual_word_table():
    # Every table of (Chinese, English) word pairs in the whole package is render/words.py's:
    # the interview's words, the renderers' and the commands' included.
    import ast

    pairs = {}
    for path in (ROOT / "cli").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Dict)
                and node.values
                and all(
                    isinstance(v, ast.Tuple)
                    and len(v.elts) == 2
                    and all(
                        isinstance(e, ast.Constant) and isinstance(e.value, str) for e in v.elts
                    )
                    for v in node.values
                )
            ):
                name = path.relative_to(ROOT / "cli").as_posix()
                pairs[name] = pairs.get(name, 0) + 1
    assert pairs == {"render/words.py": 1}


def test_ceiling_groups_show_under_their_awards_and_in_rows(tmp_path):
    # Kunming （七）: 2% of paid-in capital, each payment at most 500 and at most 500 per
    # enterprise in all. 2% × 20,000 = 400 and 2% × 10,000 = 200 add up to 600, cut to 500.
    profile = {
        "applicant": {"id": "cap", "region": "kunming", "legal_form": "enterprise"},
        "facts": [
            {"kind": "capital_paid_in", "date": "2021-04-01", "amount": 20000},
            {"kind": "capital_paid_in", "date": "2022-04-01", "amount": 10000},
        ],
    }
    path = tmp_path / "p.json"
    path.write_text(json.dumps(profile), encoding="utf-8")
    data = json.loads(run("estimate", str(path), "--as-of", AS_OF, "-f", "json").stdout)
    (group,) = [g for g in data["ceilings"] if g["ceiling"] == "km-07-capital-total"]
    table = run("estimate", str(path), "--as-of", AS_OF, "--lang", "en", columns=200)
    assert "ceiling in total 500: 600 → 500" in table.stdout
    rows = list(
        csv.DictReader(
            io.StringIO(run("estimate", str(path), "--as-of", AS_OF, "-f", "csv").stdout)
        )
    )
    assert [r["ceilings"] for r in rows] == [group["id"], group["id"]]
    report = tmp_path / "r.md"
    run("estimate", str(path), "--as-of", AS_OF, "-f", "json", "--report", str(report))
    assert "（七） 累计上限 500: 600 → 500" in report.read_text(encoding="utf-8")


def test_stacking_groups_show_in_the_table_and_rows():
    # Jiangsu 5.: Phase II completed with Phase III started pays 1000–3000, and the class-1
    # phase award up to 3000; the text does not say whether both pay: together
    # [max of mins, sum of maxes] = [1000, 6000].
    suzhou = str(ROOT / "examples" / "suzhou-antibody.toml")
    args = ("estimate", suzhou, "--as-of", "2022-03-01", "--lang", "en")
    data = json.loads(run(*args, "-f", "json").stdout)
    (stack,) = [s for s in data["stacking"] if s["article"] == "5."]
    table = run(*args, columns=200)
    assert "both may pay: together 1000–6000" in table.stdout
    rows = list(csv.DictReader(io.StringIO(run(*args, "-f", "csv").stdout)))
    members = {m["measure"] for m in stack["members"]}
    assert {r["measure"] for r in rows if r["stacking"] == stack["id"]} == members


def test_table_sections_start_on_a_blank_line_not_a_visible_escape():
    # The Suzhou example on 2021-06-30: the cluster plan (from 2022-05-19) is not yet in force, so
    # its matching measure is listed under "excluded"; the section must open with a blank line,
    # never with the two characters backslash and n that `visible` makes of a newline.
    suzhou = str(ROOT / "examples" / "suzhou-antibody.toml")
    result = run("estimate", suzhou, "--as-of", "2021-06-30", columns=80)
    assert result.exit_code == 0, result.output
    assert "\\n" not in result.stdout
    assert "\n\n未计入的措施" in result.stdout
    # The document lines keep id and dates together on one line at 80 columns.
    assert "    [suzhou-measures-2019] 2019-04-15 – 2022-04-14: 有效" in result.stdout


# ------------------------------------------------------------------ award_lines


def _scenario_profiles():
    from policycalc.errors import InputError
    from policycalc.yamlsafe import load_yaml

    for path in sorted((ROOT / "scenarios").glob("*.yaml")):
        data = load_yaml(path.read_text(encoding="utf-8"), str(path), error=InputError)
        for index, item in enumerate(data["scenarios"]):
            yield f"{path.stem}[{index}]", item["profile"], item["as_of"]


_KEPT = csv_writer()


def _lines_against_rows(est, lang, line, number):
    from policycalc.render.machine import csv_table, csv_text
    from policycalc.render.rows import (
        AWARD_COLUMNS,
        JSON_ROW,
        award_cells,
        award_lines,
        award_rows,
        flat_value,
    )
    from policycalc.render.safe import escaped

    text, count = award_lines(est, lang, line, number)
    rows = award_rows(est, lang, line, number)
    assert count == len(rows)
    assert text.endswith("\n")
    lines = text[:-1].split("\n")  # JSON escapes a line end inside a string: one row a line
    assert len(lines) == len(rows)
    for written, row in zip(lines, rows, strict=True):
        parsed = json.loads(written)
        assert parsed == row
        assert list(parsed) == list(row)  # the same key order
        assert written == escaped(JSON_ROW.encode(row))  # the same text, byte for byte
    # award_cells: each row's cells flattened from its fields, cell by cell and type by type
    # (a CSV writes 1 and 1.0 apart), and the same CSV text.
    table = award_cells(est, lang, line, number)
    flat = [[flat_value(row[k]) for k in AWARD_COLUMNS] for row in rows]
    assert [[(type(c), c) for c in cells] for cells in table] == [
        [(type(c), c) for c in cells] for cells in flat
    ]
    assert csv_table(table) == csv_text(rows, AWARD_COLUMNS)
    # and with one writer kept for every call, as a batch does
    assert csv_table(table, _KEPT) == csv_text(rows, AWARD_COLUMNS)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_award_lines_and_cells_are_award_rows_for_every_scenario(ruleset, lang):
    from policycalc.profile import build_profile

    count = 0
    for name, data, as_of in _scenario_profiles():
        est = estimate(ruleset, build_profile(data, ruleset, name), as_of)
        _lines_against_rows(est, lang, 7, 3)
        _lines_against_rows(est, lang, None, None)
        count += 1
    assert count > 100


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_award_lines_and_cells_write_odd_text_as_the_rows_do(ruleset, lang):
    # A formula start, quotes, a comma, backslashes, CR and LF, a bidi control, DEL and Chinese
    # in every text the profile gives a row: its id, name and a product; then no id, so the
    # row names the applicant by name.
    from decimal import Decimal

    from policycalc.profile import build_profile
    from policycalc.render.rows import award_rows

    odd = '=a"b\\c\r\nd\u202ee, 中\x7f'
    data = {
        "applicant": {
            "id": odd,
            "name": odd,
            "region": "chongqing",
            "legal_form": "enterprise",
            "independent_legal_person": True,
            "biomedicine_business": True,
        },
        "products": [{"id": odd, "modality": "biologic", "novelty": "innovative"}],
        "facts": [
            {
                "kind": "clinical_phase_entered",
                "date": "2022-05",
                "product": odd,
                "phase": 3,
                "rd_spend": Decimal("2500.5"),
                "domestic": True,
                "converted_locally": True,
            }
        ],
    }
    est = estimate(ruleset, build_profile(data, ruleset, "odd"), day("2023-06-30"))
    rows = award_rows(est, lang, 1, 1)
    assert [row["max"] for row in rows] == [500.1]  # up to 20% of 2,500.5 (cap 700): not whole
    _lines_against_rows(est, lang, 1, 1)
    del data["applicant"]["id"]
    est = estimate(ruleset, build_profile(data, ruleset, "odd"), day("2023-06-30"))
    _lines_against_rows(est, lang, 1, 1)
