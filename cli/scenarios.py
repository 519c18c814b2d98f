"""Scenario files: a profile, an as-of date and the awards expected, checked by the tool itself."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from .engine import estimate
from .errors import InputError
from .model import Ruleset
from .money import fmt
from .profile import build_profile, read_text
from .schema import Reader
from .yamlsafe import load_yaml

Expected = tuple[str, Decimal | None, Decimal | None]


@dataclass
class Result:
    source: str
    line: int | None
    name: str
    cite: str | None
    passed: bool
    problems: list[str] = field(default_factory=list)


def _bound(r: Reader, key: str) -> Decimal | None:
    value = r.raw(key)
    if value is None:
        return None
    number: Decimal = r.to_number(key, value)
    return number


def _key(item: Expected) -> tuple[str, str, str]:
    measure, lo, hi = item
    return (measure, "?" if lo is None else fmt(lo), "?" if hi is None else fmt(hi))


def _show(item: tuple[str, str, str]) -> str:
    measure, lo, hi = item
    if lo == "?" and hi == "?":
        return f"{measure} case by case"
    return f"{measure} {lo}..{hi}"


def run_file(path: Path, ruleset: Ruleset) -> list[Result]:
    source = str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", source=source) from None
    data = load_yaml(read_text(raw, source), source, error=InputError)
    top = Reader(data, source, "", InputError)
    scope = _scope(top, ruleset)
    top.seq("scenarios")
    results = []
    for index, item, line in top.items("scenarios"):
        results.append(
            run_one(Reader(item, source, f"scenarios[{index}]", InputError, line), ruleset, scope)
        )
    top.finish()
    return results


def _scope(
    r: Reader, ruleset: Ruleset, default: frozenset[str] | None = None
) -> frozenset[str] | None:
    """`documents`: the documents whose awards a scenario compares (default: all)."""
    value = r.raw("documents", None)
    if value is None:
        return default
    if value == "all":
        return None
    ids = r.str_list("documents")
    for doc_id in ids:
        if doc_id not in ruleset.documents:
            raise r.fail("documents", f"unknown document '{doc_id}'")
    return frozenset(ids)


def run_one(r: Reader, ruleset: Ruleset, scope: frozenset[str] | None = None) -> Result:
    """Run one scenario. Only awards of documents in `scope` (None: all) are compared."""
    name = r.string("name")
    scope = _scope(r, ruleset, scope)
    cite = r.opt_str("cite")
    as_of = r.date("as_of")
    if not isinstance(as_of, dt.date):
        raise r.fail("as_of", "an as_of date is required")
    region = r.opt_str("region")
    if region is not None and region not in ruleset.regions:
        raise r.fail("region", f"unknown region '{region}'")
    profile = build_profile(r.raw("profile"), ruleset, r.source, r.line_of("profile"))
    e = r.sub("expect")
    r.raw("expect")
    expected: list[Expected] = []
    for index, item, line in e.items("awards") if e.seq("awards", None) is not None else ():
        a = Reader(item, r.source, f"{e.field('awards')}[{index}]", InputError, line)
        measure = a.string("measure")
        if measure not in ruleset.measures:
            raise a.fail("measure", f"unknown measure '{measure}'")
        expected.append((measure, _bound(a, "min"), _bound(a, "max")))
        a.finish()
    totals = None
    if e.raw("totals", None) is not None:
        t = e.sub("totals")
        totals = (_bound(t, "min"), _bound(t, "max"), t.raw("case_by_case", None))
        t.finish()
    groups: list[tuple[str, Decimal | None, Decimal | None]] = []
    for index, item, line in e.items("ceilings") if e.seq("ceilings", None) is not None else ():
        g = Reader(item, r.source, f"{e.field('ceilings')}[{index}]", InputError, line)
        groups.append((g.string("id"), _bound(g, "min"), _bound(g, "max")))
        g.finish()
    excluded = e.str_list("excluded", ())
    e.finish()
    r.finish()

    est = estimate(ruleset, profile, as_of, region=region)
    awards = [a for a in est.awards if scope is None or a.document.id in scope]
    actual = [(a.measure.id, a.amount.min, a.amount.max) for a in awards if a.amount.money]
    want, got = Counter(map(_key, expected)), Counter(map(_key, actual))
    problems = []
    surplus = sorted((got - want).elements())
    for item in sorted((want - got).elements()):
        # Pair a missing award with a surplus award of the same measure: one wrong figure.
        same = next((k for k in surplus if k[0] == item[0]), None)
        if same is not None:
            surplus.remove(same)
            problems.append(f"expected {_show(item)} (got {_show(same)})")
        else:
            problems.append(f"expected {_show(item)} (not awarded)")
    for item in surplus:
        problems.append(f"unexpected award {_show(item)}")
    if totals is not None:
        t_now = est.totals if scope is None else est.totals_for(set(scope))
        lo, hi, unknown = totals
        if (lo is not None and t_now.min != lo) or (hi is not None and t_now.max != hi):
            problems.append(
                f"totals {fmt(t_now.min)}..{fmt(t_now.max)}, expected "
                f"{fmt(lo) if lo is not None else '?'}..{fmt(hi) if hi is not None else '?'}"
            )
        if unknown is not None and t_now.case_by_case != unknown:
            problems.append(f"{t_now.case_by_case} case-by-case items, expected {unknown}")
    found = {g.id: g.bounds for g in est.ceilings}
    for gid, lo, hi in groups:
        if gid not in found:
            problems.append(f"expected ceiling group {gid} (groups: {', '.join(sorted(found))})")
            continue
        pays = found[gid]
        if (lo is not None and pays.min != lo) or (hi is not None and pays.max != hi):
            problems.append(
                f"ceiling group {gid} pays {pays.describe('en')}, expected "
                f"{fmt(lo) if lo is not None else '?'}..{fmt(hi) if hi is not None else '?'}"
            )
    excluded_ids = {x.measure.id for x in est.excluded}
    for measure in excluded:
        if measure not in excluded_ids:
            problems.append(f"expected {measure} to be reported as excluded")
    return Result(r.source, r.line, name, cite, not problems, problems)


def scenario_files(paths: list[Path]) -> list[Path]:
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            out.extend(sorted(path.glob("*.yaml")) + sorted(path.glob("*.yml")))
        else:
            out.append(path)
    return out


def summary(results: list[Result]) -> dict[str, Any]:
    failed = [r for r in results if not r.passed]
    return {"passed": len(results) - len(failed), "failed": len(failed)}
