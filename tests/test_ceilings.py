"""Shared ceilings against the model, by brute force.

The model (issue 9, R4): each award's entitlement x lies anywhere in its own bounds; payments
satisfy 0 ≤ y ≤ x and Σ y ≤ C in every ceiling group, and are maximal (every award is paid in
full or sits in a full group); how a cut is shared is unknown. A reported bound is valid if no
(x, y) lies outside it, and tight if some (x, y) reaches it. Here every (x, y) of an integer
grid is enumerated for small random sets of awards under random nested ceilings, and each
bound the code reports (per award, per group, in total) is checked against that enumeration,
which knows nothing of how the code computes.
"""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from hypothesis import assume, given
from hypothesis import strategies as st

from policycalc.ceilings import apply_ceilings
from policycalc.formulas import Fixed
from policycalc.model import (
    Ceiling,
    Departments,
    Document,
    Eligibility,
    Fact,
    Measure,
    Text,
)
from policycalc.money import Amount
from policycalc.results import Award

T = Text("t", "t")


def _document(ceilings: list[tuple[int, frozenset[int]]], n: int) -> Document:
    measures = tuple(
        Measure(
            id=f"m{i}", document_id="d", article="1", title=T, summary=T, category="c",
            recipient="applicant", departments=Departments((), ()), trigger=None,
            formula=Fixed(Decimal(1)),
        )
        for i in range(n)
    )
    caps = tuple(
        Ceiling(id=f"c{k}", article=f"art{k}", summary=T, scope="total", amount=Decimal(cap),
                measures=frozenset(f"m{i}" for i in members), document_id="d")
        for k, (cap, members) in enumerate(ceilings)
    )
    return Document(
        id="d", region="r", title=T, issuer=T, number="-", source="-", issued=None,
        effective_from=None, effective_until=None, validity=T, facts_from=None, stacking=None,
        eligibility=Eligibility(), ceilings=caps, measures=measures,
    )


def _awards(doc: Document, bounds: list[tuple[int, int] | None]) -> list[Award]:
    out = []
    for i, b in enumerate(bounds):
        fact = Fact(i + 1, "k", dt.date(2021, 1 + i, 1), {})
        amount = Amount.unknown() if b is None else Amount(Decimal(b[0]), Decimal(b[1]))
        out.append(Award(doc.measures[i], doc, fact, amount, amount))
    return out


@st.composite
def nested_ceilings(draw: st.DrawFn) -> tuple[list[tuple[int, int] | None], list]:
    n = draw(st.integers(1, 4))
    bounds: list[tuple[int, int] | None] = []
    for _ in range(n):
        if draw(st.integers(0, 7)) == 0:
            bounds.append(None)  # case by case
            continue
        lo = draw(st.integers(0, 3))
        bounds.append((lo, draw(st.integers(lo, 3))))
    groups: list[tuple[int, frozenset[int]]] = []
    for _ in range(draw(st.integers(1, 3))):
        members = frozenset(draw(st.sets(st.integers(0, n - 1), min_size=1)))
        nested = all(not (members & m) or members <= m or m <= members for _, m in groups)
        if nested and members not in [m for _, m in groups]:
            groups.append((draw(st.integers(1, 6)), members))
    return bounds, groups


def _feasible(bounds, groups):
    """Every (x, y) of the model on the integer grid: x within bounds (a case-by-case award
    anywhere from 0 to the largest ceiling), y ≤ x, within every ceiling, and maximal."""
    top = max(c for c, _ in groups)
    ranges = [range(0, top + 1) if b is None else range(b[0], b[1] + 1) for b in bounds]
    for x in itertools.product(*ranges):
        for y in itertools.product(*(range(v + 1) for v in x)):
            sums = [sum(y[i] for i in m) for _, m in groups]
            if any(s > c for s, (c, _) in zip(sums, groups, strict=True)):
                continue
            full = [s == c for s, (c, _) in zip(sums, groups, strict=True)]
            if all(
                y[i] == x[i] or any(f and i in m for f, (_, m) in zip(full, groups, strict=True))
                for i in range(len(x))
            ):
                yield x, y


@given(nested_ceilings())
def test_every_bound_is_valid_and_tight_under_nested_ceilings(case):
    bounds, groups = case
    size = 1
    top = max(c for c, _ in groups)
    for b in bounds:
        size *= (top + 1) if b is None else (b[1] - b[0] + 1)
    assume(size <= 200)
    doc = _document(groups, len(bounds))
    awards = _awards(doc, bounds)
    found, totals = apply_ceilings(awards, [])
    points = list(_feasible(bounds, groups))
    assert points
    known = [i for i, b in enumerate(bounds) if b is not None]
    for i in known:
        got = awards[i].amount
        paid = [y[i] for _, y in points]
        # Valid and tight: the least and the most award i is paid over the whole model.
        assert (got.min, got.max) == (min(paid), max(paid)), (i, bounds, groups)
        assert awards[i].original == Amount(Decimal(bounds[i][0]), Decimal(bounds[i][1]))
    # Totals: what is certain over every award (a case-by-case one included) and the most the
    # known awards can be paid.
    assert totals[None].min == min(sum(y) for _, y in points)
    assert totals[None].max == max(sum(y[i] for i in known) for _, y in points)
    # Each group, standing alone (before any ceiling above it): [min(Σ mins, C), min(Σ maxes,
    # C)] from the inside out; the outermost groups' bounds are what they actually pay.
    by_id = {g.id: g for g in found}
    for k, (_cap, members) in enumerate(groups):
        group = by_id[f"c{k}"]
        assert {a.measure.id for a in group.members} == {f"m{i}" for i in members}
        outer = not any(members < m for _, m in groups)
        if outer and all(bounds[i] is not None for i in members):
            paid = [sum(y[i] for i in members) for _, y in points]
            assert (group.bounds.min, group.bounds.max) == (min(paid), max(paid))


def test_a_case_by_case_award_can_take_the_whole_ceiling():
    # Ceiling 5 over an exact 3 and a case-by-case award: the case-by-case award may be
    # granted 5 and take all of it (the cut falling on the other), so the 3 is certain of 0.
    doc = _document([(5, frozenset({0, 1}))], 2)
    awards = _awards(doc, [(3, 3), None])
    found, totals = apply_ceilings(awards, [])
    assert (awards[0].amount.min, awards[0].amount.max) == (0, 3)
    assert awards[1].amount.min is None  # still case by case
    assert any("case by case" in n.en and "at most 5" in n.en for n in awards[1].notes)
    assert (totals[None].min, totals[None].max, totals[None].case_by_case) == (3, 3, 1)
    assert found[0].case_by_case == 1


def test_a_shared_ceiling_never_shows_nothing_as_exact():
    # Three exact 100s under 100 (Nanshan (三)'s shape): each is 0–100, not "0–0 exact".
    doc = _document([(100, frozenset({0, 1, 2}))], 3)
    awards = _awards(doc, [(100, 100)] * 3)
    _, totals = apply_ceilings(awards, [])
    assert [(a.amount.min, a.amount.max) for a in awards] == [(0, 100)] * 3
    assert (totals[None].min, totals[None].max) == (100, 100)


def test_explain_shows_the_group_computation(ruleset):
    import policycalc
    from policycalc.profile import build_profile

    # Nanshan 三、(八): 70% of the interest at the ceiling rate, at most 100 a year per
    # enterprise. Loan A: 70% × 200 = 140 → 100; loan B: interest not given → 0..100. Same
    # day: the 2022 group holds both, 100..200 before, and pays exactly 100.
    profile = build_profile({"applicant": {"region": "nanshan", "legal_form": "enterprise",
                                          "independent_legal_person": True,
                                          "biomedicine_business": True}, "facts": [
        {"kind": "loan_interest", "date": "2022-06-30", "interest_at_cap": 200,
         "repaid_on_time": True},
        {"kind": "loan_interest", "date": "2022-06-30", "repaid_on_time": True}]},
        ruleset, "p")
    data = policycalc.explain(
        "ns-08-loan-interest", profile, dt.date(2022, 12, 31), ruleset=ruleset
    ).to_dict("en")
    (group,) = data["ceiling_groups"]
    assert (group["id"], group["article"], group["amount"]) == ("ns-08-yearly:2022", "(八)", 100)
    assert group["before"] == {"min": 100, "max": 200}
    assert (group["min"], group["max"]) == (100, 100)
    assert [(c["min"], c["max"]) for c in data["computation"]] == [(0, 100), (0, 100)]
    assert all(c["ceilings"] == ["ns-08-yearly:2022"] for c in data["computation"])
