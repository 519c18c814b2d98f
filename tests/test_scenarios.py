"""Every scenario file under scenarios/ runs through the tool's own checker.

The expected figures in those files are worked out by hand from the document text, with the
article cited in each scenario's `cite`.
"""

from __future__ import annotations

import pytest

from policycalc.errors import InputError
from policycalc.scenarios import run_one
from policycalc.schema import Reader
from policycalc.yamlsafe import load_yaml

from .conftest import ROOT

FILES = sorted((ROOT / "scenarios").glob("*.yaml"))


def _cases():
    for path in FILES:
        data = load_yaml(path.read_text(encoding="utf-8"), str(path), error=InputError)
        scope = data.get("documents")
        for index, item in enumerate(data["scenarios"]):
            yield pytest.param(path, index, item, scope, id=f"{path.stem}[{index}]")


@pytest.mark.parametrize(("path", "index", "item", "scope"), list(_cases()))
def test_scenario(ruleset, path, index, item, scope):
    reader = Reader(item, str(path), f"scenarios[{index}]", InputError, item.line)
    documents = None if scope in (None, "all") else frozenset(scope)
    result = run_one(reader, ruleset, documents)
    assert result.passed, f"{result.name}: " + "; ".join(result.problems)


def test_every_money_measure_has_a_scenario(ruleset):
    named = set()
    for path in FILES:
        text = path.read_text(encoding="utf-8")
        named.update(m for m in ruleset.measures if m in text)
    missing = [m.id for m in ruleset.measures.values()
               if m.formula.kind != "no_money" and m.trigger is not None and m.id not in named]
    assert not missing, f"money measures without a scenario: {missing}"
