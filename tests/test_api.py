"""The public API: `to_dict()` is the command's JSON, errors are typed, the stream goes on
past a bad profile, importing it loads no terminal library, and docs/api.md runs."""

from __future__ import annotations

import datetime as dt
import doctest
import json
import re
import subprocess
import sys
from decimal import Decimal

import pytest
from typer.testing import CliRunner

import policycalc
from policycalc.app import app

from .conftest import ROOT

runner = CliRunner()
KUNMING = str(ROOT / "examples" / "kunming-cell.toml")
CHONGQING = str(ROOT / "examples" / "chongqing-antibody.yaml")
AS_OF = "2023-06-30"


def cli_json(*args: str):
    result = runner.invoke(app, [*args, "--format", "json"])
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


# ------------------------------------------------------------------ the command's JSON


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_estimate_to_dict_is_the_commands_json(lang):
    api = policycalc.estimate(KUNMING, AS_OF).to_dict(lang)
    assert api == cli_json("estimate", KUNMING, "--as-of", AS_OF, "--lang", lang)
    full = policycalc.estimate(KUNMING, AS_OF).to_dict(lang, steps=True, show_all=True)
    assert full == cli_json(
        "estimate", KUNMING, "--as-of", AS_OF, "--lang", lang, "--steps", "--all"
    )
    assert full["awards"][0]["steps"]  # the steps were recorded, not merely both empty


def test_compare_regions_to_dict_is_the_commands_json():
    api = policycalc.compare_regions(KUNMING, ["kunming", "chongqing"], AS_OF)
    assert api.regions == ("kunming", "chongqing")
    assert api.to_dict() == cli_json(
        "compare-regions", KUNMING, "--regions", "kunming,chongqing", "--as-of", AS_OF
    )
    every = policycalc.compare_regions(KUNMING, None, AS_OF).to_dict("en")
    assert every == cli_json("compare-regions", KUNMING, "--as-of", AS_OF, "--lang", "en")


def test_opportunities_to_dict_is_the_commands_json():
    one = policycalc.opportunities(CHONGQING, "2023-01-01")
    assert one.to_dict() == cli_json("opportunities", CHONGQING, "--as-of", "2023-01-01")
    two = policycalc.opportunities(CHONGQING, "2023-01-01", regions=["chongqing", "suzhou"])
    assert two.to_dict("en") == cli_json(
        "opportunities", CHONGQING, "--regions", "chongqing,suzhou", "--as-of", "2023-01-01",
        "--lang", "en",
    )
    assert len(two.sections) == 2 and two.items


@pytest.mark.parametrize("profile", [None, KUNMING])
def test_explain_to_dict_is_the_commands_json(profile):
    api = policycalc.explain("km-09-renovation", profile, AS_OF)
    args = ["explain", "km-09-renovation", "--as-of", AS_OF]
    if profile is not None:
        args += ["--profile", profile]
        assert api.awards and api.estimate is not None
    assert api.to_dict() == cli_json(*args)


def test_batch_rows_are_the_commands_json_lines():
    source = ROOT / "examples" / "clients.jsonl"
    result = runner.invoke(app, ["estimate", "--batch", str(source), "--as-of", AS_OF, "-q"])
    assert result.exit_code == 0, result.stderr
    written = [json.loads(line) for line in result.stdout.splitlines()]
    numbered = [
        (number, json.loads(line))
        for number, line in enumerate(source.read_text(encoding="utf-8").splitlines(), 1)
        if line.strip()
    ]
    found = policycalc.estimate_many([data for _, data in numbered], AS_OF)
    rows = [
        row
        for (line, _), est in zip(numbered, found, strict=True)
        for row in est.rows(line=line, number=line)
    ]
    assert rows == written


# ------------------------------------------------------------------ profiles and results


def test_a_profile_is_a_mapping_or_a_path():
    from policycalc.profile import parse_document

    data = parse_document((ROOT / "examples" / "kunming-cell.toml").read_text("utf-8"), "x")
    as_path = policycalc.estimate(KUNMING, AS_OF)
    as_mapping = policycalc.estimate(data, dt.date(2023, 6, 30))
    assert as_mapping.to_dict() == as_path.to_dict()
    assert isinstance(as_path.totals.max, Decimal)


def test_chongqing_phase3_and_class3_device_worked_by_hand():
    # Chongqing 8．: Phase III projects get not more than 20% of the R&D spend, at most
    # 700万 each: 20% of 2,500 = 500 → 0 to 500. 9．: a class III device 100万 each.
    est = policycalc.estimate(CHONGQING, "2023-01-01")
    got = {a.measure.id: (a.amount.min, a.amount.max) for a in est.awards}
    assert got == {"cq-08-phase3": (0, 500), "cq-09-device": (100, 100)}
    assert (est.totals.min, est.totals.max) == (100, 600)


def test_estimate_many_keeps_order_and_goes_on_after_a_bad_profile():
    good = {"applicant": {"id": "a", "region": "kunming"}, "facts": []}
    bad = {"applicant": {"id": "b", "region": "atlantis"}, "facts": []}
    results = list(policycalc.estimate_many([good, bad, 42, CHONGQING], "2023-01-01"))
    assert [r.ok for r in results] == [True, False, False, True]
    rejected = results[1]
    assert isinstance(rejected, policycalc.Rejected) and rejected.number == 2
    assert isinstance(rejected.error, policycalc.BatchRecordError)
    assert isinstance(rejected.error.__cause__, policycalc.ProfileError)
    assert rejected.error.field == "applicant.region" and rejected.error.number == 2
    assert rejected.to_dict()["field"] == "applicant.region"
    assert results[2].error.number == 3
    assert results[3].totals.max == 600


def test_estimate_many_is_lazy():
    taken = []

    def profiles():
        for number in range(1000):
            taken.append(number)
            yield {"applicant": {"id": str(number), "region": "kunming"}, "facts": []}

    stream = policycalc.estimate_many(profiles(), AS_OF)
    first = next(stream)
    assert first.ok and len(taken) == 1


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="needs fork")
def test_estimate_many_with_jobs_gives_the_same_results_in_order():
    ruleset = policycalc.load_ruleset()
    source = ROOT / "examples" / "clients.jsonl"
    lines = [json.loads(x) for x in source.read_text("utf-8").splitlines() if x.strip()]
    profiles = [*lines * 150, {"facts": []}, *lines]
    serial = [r.to_dict() for r in policycalc.estimate_many(profiles, AS_OF)]
    results = list(policycalc.estimate_many(profiles, AS_OF, jobs=2))
    assert [r.to_dict() for r in results] == serial
    assert not results[len(lines) * 150].ok
    assert results[0].ruleset is ruleset  # the caller's own ruleset, not a copy per result
    assert results[0].awards[0].measure is ruleset.measures[results[0].awards[0].measure.id]


# ------------------------------------------------------------------ errors


def test_errors_are_one_hierarchy_typed_by_meaning():
    kinds = [
        policycalc.PolicyDataError,
        policycalc.InputError,
        policycalc.ProfileError,
        policycalc.BatchRecordError,
        policycalc.ArgumentError,
        policycalc.OutputError,
    ]
    assert all(issubclass(k, policycalc.Error) for k in kinds)
    assert issubclass(policycalc.ProfileError, policycalc.InputError)
    with pytest.raises(policycalc.ProfileError) as bad:
        policycalc.estimate({"applicant": {"region": "kunming"}, "facts": [{"kind": "x"}]})
    assert bad.value.field == "facts[0].kind"
    with pytest.raises(policycalc.ProfileError) as missing:
        policycalc.estimate(str(ROOT / "no-such-profile.yaml"))
    assert missing.value.source.endswith("no-such-profile.yaml")
    with pytest.raises(policycalc.ArgumentError) as date:
        policycalc.estimate(KUNMING, "30/06/2023")
    assert date.value.field == "as_of"
    with pytest.raises(policycalc.ArgumentError):
        policycalc.compare_regions(KUNMING, ["atlantis"], AS_OF)
    with pytest.raises(policycalc.ArgumentError):
        policycalc.explain("no-such-measure")
    with pytest.raises(policycalc.PolicyDataError):
        policycalc.load_ruleset([ROOT / "no-such-folder"])


def test_api_errors_name_no_command_line_option():
    problems = []
    for call in (
        lambda: policycalc.estimate(KUNMING, "tomorrow"),
        lambda: policycalc.compare_regions(KUNMING, ["atlantis"]),
        lambda: policycalc.opportunities(KUNMING, regions=[]),
        lambda: policycalc.explain("nope"),
        lambda: policycalc.estimate_many([], jobs=0),
    ):
        with pytest.raises(policycalc.Error) as caught:
            list(call())  # type: ignore[call-overload]
        problems.append(str(caught.value))
    assert not [p for p in problems if re.search(r"--[a-z]", p)], problems


def test_extra_data_redefining_a_region_is_refused_without_naming_an_option(tmp_path):
    (tmp_path / "regions.yaml").write_text(
        "regions:\n  kunming: {zh: 昆明市, en: Kunming, level: city, parent: chongqing}\n")
    with pytest.raises(policycalc.PolicyDataError) as caught:
        policycalc.load_ruleset(extra_data=[tmp_path])
    said = str(caught.value)
    assert "region 'kunming' is defined already" in said and not re.search(r"--[a-z]", said)


# ------------------------------------------------------------------ the package's face


def test_all_lists_the_api_and_every_name_resolves():
    expected = {
        "load_ruleset", "estimate", "estimate_many", "compare_regions", "opportunities",
        "explain", "Error", "ProfileError", "PolicyDataError", "BatchRecordError",
    }
    assert expected <= set(policycalc.__all__)
    assert set(policycalc.__all__) == {"__version__", *policycalc._API}
    for name in policycalc.__all__:
        assert getattr(policycalc, name) is not None, name
    # opportunities.py is a module of the package too: the API's function wins
    import importlib

    importlib.import_module("policycalc.opportunities")

    assert callable(policycalc.explain) and callable(policycalc.opportunities)


def test_importing_and_calling_the_api_loads_no_terminal_library():
    code = f"""
import sys, policycalc
assert not {{"typer", "rich", "click"}} & set(sys.modules), "import policycalc"
p = {CHONGQING!r}
policycalc.load_ruleset()
e = policycalc.estimate(p, "2023-01-01"); e.to_dict(steps=True, show_all=True); e.rows(); e.summary()
for r in policycalc.estimate_many([p, {{}}], "2023-01-01"): r.to_dict()
policycalc.compare_regions(p, ["chongqing", "kunming"], "2023-01-01").to_dict()
o = policycalc.opportunities(p, "2023-01-01"); o.to_dict(); o.rows()
policycalc.explain("cq-08-phase3", p, "2023-01-01").to_dict()
try:
    policycalc.explain("nope")
except policycalc.Error:
    pass
loaded = sorted(m for m in ("typer", "rich", "click") if m in sys.modules)
print(loaded)
"""
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, cwd=ROOT
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_import_policycalc_alone_is_cheap():
    code = "import sys, policycalc; print(sorted(m for m in sys.modules if m.startswith('policycalc')))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "['policycalc']"


# ------------------------------------------------------------------ docs/api.md runs


def test_the_examples_in_docs_api_md_run(monkeypatch):
    text = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```pycon\n(.*?)```", text, re.S)
    assert len(blocks) >= 5
    monkeypatch.chdir(ROOT)
    parser = doctest.DocTestParser()
    test = parser.get_doctest("\n".join(blocks), {}, "docs/api.md", str(ROOT / "docs/api.md"), 0)
    runner_ = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    runner_.run(test)
    failed, tried = runner_.summarize(verbose=False)
    assert tried >= 15 and failed == 0


def test_a_program_importing_the_entry_point_keeps_its_collector_as_it_was():
    # The command turns the garbage collector off while its modules load (start-up); a
    # program that imports policycalc.__main__ (to call `run` itself, say) is not the
    # command, and its collector stays on, or off if it turned it off.
    code = (
        "import gc, policycalc.__main__; on = gc.isenabled(); gc.disable(); "
        "import policycalc.entry; print(on, gc.isenabled())"
    )
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert found.stdout.split() == ["True", "False"], found.stderr
