"""Workbooks (.xlsx): results written with typed cells, batches read from a sheet (issue 17
item 1). Every workbook written here is read back with openpyxl and its cells checked."""

from __future__ import annotations

import ast
import datetime as dt
import json
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from policycalc.app import app

runner = CliRunner()
ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = str(ROOT / "examples" / "kunming-cell.toml")
CLIENTS = str(ROOT / "examples" / "clients.csv")
AS_OF = "2023-06-30"


def run(*args: str):
    return runner.invoke(app, list(args))


def book(path: Path) -> openpyxl.Workbook:
    return openpyxl.load_workbook(path)


def table(sheet) -> list[dict]:
    rows = list(sheet.iter_rows(values_only=True))
    head = rows[0]
    return [dict(zip(head, row, strict=True)) for row in rows[1:]]


def check_layout(sheet) -> None:
    """A frozen, bold header; amounts named with their unit; every column given a width."""
    assert sheet.freeze_panes == "A2"
    assert all(cell.font.b for cell in sheet[1])
    heads = [cell.value for cell in sheet[1]]
    assert "min" not in heads and "max" not in heads
    for index in range(1, len(heads) + 1):
        letter = openpyxl.utils.get_column_letter(index)
        assert sheet.column_dimensions[letter].width >= 6


def test_estimate_writes_awards_summary_notes_and_the_stamp(tmp_path):
    out = tmp_path / "result.xlsx"
    result = run("estimate", EXAMPLE, "--as-of", AS_OF, "-o", str(out))
    assert result.exit_code == 0, result.stderr
    wb = book(out)
    assert wb.sheetnames == ["awards", "summary", "notes", "ruleset"]
    for sheet in wb:
        check_layout(sheet)
    awards = {r["measure"]: r for r in table(wb["awards"])}
    # Kunming （九）: 5% of the 1,000万 renovation invoice = 50; （七）: 2% of 8,000万 paid-in
    # capital = 160. Numbers, not text.
    assert awards["km-09-renovation"]["min (万元)"] == awards["km-09-renovation"]["max (万元)"] == 50
    assert awards["km-07-capital"]["min (万元)"] == 160
    cells = {c.value: c for c in wb["awards"]["A"] if c.value is not None}
    sheet = wb["awards"]
    head = [c.value for c in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        by = dict(zip(head, row, strict=True))
        assert by["applicant"].data_type == "s" and by["applicant"].value == "km-001"
        assert by["min (万元)"].data_type == "n" and by["max (万元)"].data_type == "n"
        assert by["line"].value is None
    assert cells
    (summary,) = table(wb["summary"])
    assert summary["applicant"] == "km-001" and summary["awards"] == len(awards)
    stamp = {r["key"]: r["value"] for r in table(wb["ruleset"])}
    assert stamp["as_of"] == AS_OF and stamp["unit"] == "万元"
    ruleset = json.loads(run("estimate", EXAMPLE, "--as-of", AS_OF, "-f", "json").stdout)
    assert stamp["ruleset"] == ruleset["ruleset"]


def test_xlsx_format_needs_an_output_file():
    result = run("estimate", EXAMPLE, "--as-of", AS_OF, "-f", "xlsx")
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "Error: --format: xlsx writes a workbook: give -o FILE.xlsx"]


def test_ids_and_codes_stay_text_and_a_formula_stays_text(tmp_path):
    profile = tmp_path / "p.yaml"
    profile.write_text(
        "applicant: {id: '0012', name: '=1+1', region: kunming}\n"
        "facts: [{kind: renovation, date: 2021-03-15, invoice_amount: 1000}]\n", encoding="utf-8")
    out = tmp_path / "x.xlsx"
    assert run("estimate", str(profile), "--as-of", AS_OF, "-f", "xlsx", "-o", str(out)).exit_code == 0
    sheet = book(out)["awards"]
    head = [c.value for c in sheet[1]]
    row = dict(zip(head, sheet[2], strict=True))
    assert (row["applicant"].value, row["applicant"].data_type) == ("0012", "s")
    assert (row["name"].value, row["name"].data_type) == ("=1+1", "s")  # text, not a formula


def test_compare_regions_and_opportunities_write_workbooks(tmp_path):
    out = tmp_path / "cmp.xlsx"
    result = run("compare-regions", EXAMPLE, "--regions", "kunming,chongqing", "--as-of", AS_OF,
                 "-o", str(out))
    assert result.exit_code == 0, result.stderr
    wb = book(out)
    assert [r["region"] for r in table(wb["summary"])] == ["kunming", "chongqing"]
    assert {r["region"] for r in table(wb["awards"])} <= {"kunming", "chongqing"}
    opp = tmp_path / "opp.xlsx"
    result = run("opportunities", EXAMPLE, "--as-of", AS_OF, "-o", str(opp))
    assert result.exit_code == 0, result.stderr
    wb = book(opp)
    assert wb.sheetnames[0] == "opportunities"
    check_layout(wb["opportunities"])
    rows = table(wb["opportunities"])
    assert rows and all(isinstance(r["rank"], int) for r in rows)
    # Every number is a number cell, whatever its column (a range, a group, a stake).
    for sheet in (wb["opportunities"], book(tmp_path / "cmp.xlsx")["awards"]):
        head = [c.value for c in sheet[1]]
        for row in sheet.iter_rows(min_row=2):
            for name, cell in zip(head, row, strict=True):
                if name.endswith("(万元)") and cell.value is not None:
                    assert cell.data_type == "n", (name, cell.value)
        assert all(not h.endswith(("_min", "_max")) for h in head)
    assert all(r["max (万元)"] is None or isinstance(r["max (万元)"], int | float) for r in rows)


def test_a_batch_writes_awards_summary_and_notes_with_rejected_rows(tmp_path):
    source = tmp_path / "in.csv"
    text = Path(CLIENTS).read_text(encoding="utf-8")
    source.write_text(text + "zz-001,某公司,kunming,enterprise,renovation,2021-02-30,,1000"
                      + "," * 13 + "\n", encoding="utf-8")
    out = tmp_path / "out.xlsx"
    result = run("estimate", "--batch", str(source), "--as-of", AS_OF, "-o", str(out))
    assert result.exit_code == 1
    wb = book(out)
    assert wb.sheetnames == ["awards", "summary", "notes", "ruleset"]
    summary = table(wb["summary"])
    assert [r["applicant"] for r in summary] == ["km-001", "cq-001", "sz-001"]
    assert summary[0]["name"] == "滇池细胞治疗有限公司"
    # Suzhou's 2019 measures lapsed after 2022-04-14: sz-001's rows say so (issue 17 item 3).
    assert [bool(r["not_in_force"]) for r in summary] == [False, False, True]
    assert "suzhou-measures-2019" in summary[2]["not_in_force"]
    awards = table(wb["awards"])
    assert {r["applicant"] for r in awards} == {"km-001", "cq-001", "sz-001"}
    renovation = [r for r in awards if r["measure"] == "km-09-renovation"]
    assert renovation[0]["min (万元)"] == 50  # Kunming （九）: 5% of "1,000"
    notes = table(wb["notes"])
    assert any(n["kind"] == "rejected" and ":13:" in n["text"] for n in notes)
    assert any(n["kind"] == "not in force" and "suzhou-measures-2019" in n["text"] for n in notes)


def write_clients_sheet(path: Path, title: str = "Clients") -> None:
    wb = openpyxl.Workbook()
    sheet = wb.active
    sheet.title = title
    # （七）'s capital award is for enterprises (企业注册资本): the legal form is given, last.
    sheet.append(["id", "applicant.name", "applicant.region", "kind", "date", "invoice_amount",
                  "in_local_park", "amount", "applicant.legal_form"])
    sheet.append(["0012", "滇池细胞治疗有限公司", "kunming", "renovation", dt.datetime(2021, 3, 15),
                  1000, True, None, "enterprise"])
    sheet.append(["0012", "滇池细胞治疗有限公司", "kunming", "capital_paid_in", dt.date(2021, 4, 1),
                  None, None, 8000.0, "enterprise"])
    sheet.append(["0013", "B", "kunming", "renovation", "2021-02-30", 1000, None, None, None])
    sheet.append([14, "C", "kunming", "renovation", "2021-03-15", "abc", None, None, None])
    wb.save(path)


def test_a_batch_is_read_from_a_sheet_with_cell_references(tmp_path):
    source = tmp_path / "clients.xlsx"
    write_clients_sheet(source)
    result = run("estimate", "--batch", str(source), "--as-of", AS_OF, "--summary")
    assert result.exit_code == 1
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    # （九） 5% of 1,000 = 50 and （七） 2% of 8,000 = 160.
    assert [(r["applicant"], r["min"], r["max"]) for r in rows] == [("0012", 210, 210)]
    errors = [e for e in result.stderr.splitlines() if e.startswith("Error:")]
    assert errors[0].startswith(f"Error: {source}: Clients!E4: facts[0].date:")
    assert errors[1].startswith(f"Error: {source}: Clients!F5: facts[0].invoice_amount:")
    assert "读入 3 个申请主体：估算 1 个，拒收 2 个" in result.stderr


def test_a_named_sheet_and_an_unknown_one(tmp_path):
    source = tmp_path / "clients.xlsx"
    write_clients_sheet(source)
    wb = openpyxl.load_workbook(source)
    wb.create_sheet("Empty", 0)
    wb.save(source)
    result = run("estimate", "--batch", str(source), "--as-of", AS_OF, "--sheet", "Clients")
    assert "估算 1 个" in result.stderr
    result = run("estimate", "--batch", str(source), "--as-of", AS_OF, "--sheet", "Client")
    assert result.exit_code == 2
    assert "Error: --sheet: no sheet 'Client' (did you mean 'Clients'?)" in result.stderr


def test_a_duplicate_column_in_a_sheet_names_its_cell(tmp_path):
    source = tmp_path / "dup.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["id", "kind", "id"])
    wb.save(source)
    result = run("estimate", "--batch", str(source), "--as-of", AS_OF)
    assert result.exit_code == 2
    assert f"Error: {source}: Sheet!C1: id: column 'id' appears twice" in result.stderr


def test_openpyxl_is_imported_only_to_read_or_write_a_workbook():
    for path in (ROOT / "cli").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        top = {n for node in tree.body if isinstance(node, ast.Import | ast.ImportFrom)
               for n in ([node.module] if isinstance(node, ast.ImportFrom) else
                         [a.name for a in node.names])}
        assert not any(str(n).startswith("openpyxl") for n in top), path
    code = ("import sys\nfrom policycalc.entry import main\nsys.argv = ['policycalc', 'estimate', "
            f"{EXAMPLE!r}, '--as-of', '{AS_OF}', '-f', 'json']\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "print('openpyxl' in sys.modules, file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.stderr.strip().splitlines()[-1] == "False", done.stderr


@pytest.mark.parametrize("args", [["measures", "--region", "kunming"], ["regions"], ["facts"],
                                  ["explain", "km-09-renovation", "--profile", EXAMPLE]])
def test_every_listing_writes_a_workbook(tmp_path, args):
    out = tmp_path / "x.xlsx"
    result = run(*args, "-o", str(out))
    assert result.exit_code == 0, result.stderr
    sheet = book(out).worksheets[0]
    check_layout(sheet)
    assert sheet.max_row >= 2


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_a_workbook_saved_by_a_spreadsheet_reads_as_its_csv(tmp_path):
    # LibreOffice Calc opens examples/clients.csv (as UTF-8) and saves it as .xlsx: numbers
    # become number cells ("1,000" included), dates date cells, names shared strings.
    shutil.copy(CLIENTS, tmp_path / "clients.csv")
    subprocess.run(["soffice", "--headless", "--infilter=CSV:44,34,76,1", "--convert-to", "xlsx",
                    "--outdir", str(tmp_path), str(tmp_path / "clients.csv")],
                   env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}, capture_output=True,
                   timeout=180, check=False)
    saved = tmp_path / "clients.xlsx"
    if not saved.exists():
        pytest.skip("LibreOffice could not convert the file here")
    args = ["--as-of", AS_OF, "--summary"]
    from_book = run("estimate", "--batch", str(saved), *args)
    from_csv = run("estimate", "--batch", CLIENTS, *args)
    assert from_book.exit_code == 0, from_book.stderr
    assert from_book.stdout == from_csv.stdout
