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

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from policycalc.ceilings import _apply_general, apply_ceilings
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
from policycalc.results import Award, CeilingGroup, StackGroup

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


# ------------------------------------------------------------- the direct path for disjoint groups

# Values with different exponents (1.50, 1E+1, 2.0): the direct path must give the same Decimal
# to the digit, not only the same number.
_VALUES = ["0", "1", "1.50", "2", "2.0", "3", "1E+1", "12.5"]
_CAPS = ["0", "1", "2.0", "3", "5", "1E+1", "100"]
_SCOPES = ["total", "per_year", "per_product", "per_product_year"]


@st.composite
def disjoint_cases(draw: st.DrawFn) -> dict:
    """Awards over one or two documents, each measure under at most one of its document's
    ceilings (so no award sits under two groups): lone awards under a ceiling, several under
    one, none under any, case-by-case, no-money and person-paid awards, ceilings per year and
    per product, and pairs of alternatives of one fact (stacking units)."""
    docs = []
    for d in range(draw(st.integers(1, 2))):
        n_measures = draw(st.integers(1, 4))
        n_caps = draw(st.integers(0, 3))
        owner = [draw(st.integers(-1, n_caps - 1)) for _ in range(n_measures)]  # -1: none
        caps = [
            {
                "scope": draw(st.sampled_from(_SCOPES)),
                "amount": draw(st.sampled_from(_CAPS)),
                # One ceiling over every measure of the document (measures: None).
                "all": n_caps == 1 and all(o == 0 for o in owner) and draw(st.booleans()),
                "exempt": draw(st.booleans()),
                "measures": [m for m in range(n_measures) if owner[m] == k],
            }
            for k in range(n_caps)
        ]
        people = [draw(st.integers(0, 5)) == 0 for _ in range(n_measures)]
        docs.append(
            {"id": f"d{d}", "caps": caps, "people": people, "n": n_measures, "owner": owner}
        )
    awards = []
    for _ in range(draw(st.integers(0, 6))):
        d = draw(st.integers(0, len(docs) - 1))
        kind = draw(st.integers(0, 9))
        if kind == 0:
            amount = None  # case by case
        elif kind == 1:
            amount = "none"  # no money
        else:
            lo, hi = sorted(draw(st.lists(st.sampled_from(_VALUES), min_size=2, max_size=2)),
                            key=Decimal)
            amount = (lo, draw(st.sampled_from([lo, hi])) if kind == 2 else hi)
        awards.append({
            "doc": d,
            "measure": draw(st.integers(0, docs[d]["n"] - 1)),
            "year": draw(st.sampled_from([2021, 2022])),
            "product": draw(st.sampled_from([None, "P1", "P2"])),
            "amount": amount,
        })
    # Alternatives of one fact: two awards of one document, of different measures.
    stacks = []
    pairs = [(i, j) for i in range(len(awards)) for j in range(i + 1, len(awards))
             if awards[i]["doc"] == awards[j]["doc"]
             and awards[i]["measure"] != awards[j]["measure"]
             and "none" not in (awards[i]["amount"], awards[j]["amount"])]
    # Most often two under one ceiling, so that the pair is one unit under it.
    under_one = [(i, j) for i, j in pairs
                 if docs[awards[i]["doc"]]["owner"][awards[i]["measure"]]
                 == docs[awards[j]["doc"]]["owner"][awards[j]["measure"]] >= 0]
    if pairs and draw(st.booleans()):
        i, j = draw(st.sampled_from(under_one if under_one and draw(st.booleans()) else pairs))
        awards[j]["year"], awards[j]["product"] = awards[i]["year"], awards[i]["product"]
        stacks.append((i, j))
    return {"docs": docs, "awards": awards, "stacks": stacks, "trace": draw(st.booleans())}


def _build(case: dict) -> tuple[list[Award], list[StackGroup]]:
    """Fresh documents, awards and stacking groups for a case (each path mutates its own)."""
    documents = []
    for spec in case["docs"]:
        measures = tuple(
            Measure(
                id=f"{spec['id']}m{i}", document_id=spec["id"], article="1", title=T, summary=T,
                category="c", recipient="person" if spec["people"][i] else "applicant",
                departments=Departments((), ()), trigger=None, formula=Fixed(Decimal(1)),
            )
            for i in range(spec["n"])
        )
        caps = tuple(
            Ceiling(
                id=f"{spec['id']}c{k}", article=f"art{k}", summary=T, scope=c["scope"],
                amount=Decimal(c["amount"]),
                measures=None if c["all"] else frozenset(f"{spec['id']}m{i}" for i in c["measures"]),
                document_id=spec["id"], exempt=frozenset({"person"}) if c["exempt"] else frozenset(),
            )
            for k, c in enumerate(spec["caps"])
        )
        documents.append(Document(
            id=spec["id"], region="r", title=T, issuer=T, number="-", source="-", issued=None,
            effective_from=None, effective_until=None, validity=T, facts_from=None,
            stacking=None, eligibility=Eligibility(), ceilings=caps, measures=measures,
        ))
    awards = []
    facts: dict[int, Fact] = {}
    for i, spec in enumerate(case["awards"]):
        shared = next((a for a, b in case["stacks"] if b == i), None)
        fact = facts[shared] if shared is not None else Fact(
            i + 1, "k", dt.date(spec["year"], 1 + i, 1), {}, product=spec["product"]
        )
        facts[i] = fact
        b = spec["amount"]
        if b is None:
            amount = Amount.unknown()
        elif b == "none":
            amount = Amount.none()
        else:
            amount = Amount(Decimal(b[0]), Decimal(b[1]))
        doc = documents[spec["doc"]]
        awards.append(Award(doc.measures[spec["measure"]], doc, fact, amount, amount))
    stacks = []
    for i, j in case["stacks"]:
        pair = (awards[i], awards[j])
        amounts = [a.amount for a in pair]
        if all(x.known for x in amounts):
            bounds = Amount(max(x.min for x in amounts), max(x.max for x in amounts))
        else:
            bounds = Amount.unknown()
        stacks.append(StackGroup(f"s{i}", "higher_only", "1", pair, bounds, T))
    return awards, stacks


def _digits(value: Decimal | None) -> str | None:
    return None if value is None else str(value)  # str keeps the exponent: 2.0 ≠ 2 here


def _seen(awards: list[Award], found: list[CeilingGroup], totals: dict) -> tuple:
    """Everything apply_ceilings gives, in plain values (Decimals to the digit)."""
    def amount(a: Amount) -> tuple:
        return (_digits(a.min), _digits(a.max), a.money)

    return (
        [
            (g.id, g.ceiling.id, g.key, g.key_text,
             [(a.measure.id, a.fact.number) for a in g.members],
             g.inner, amount(g.before), amount(g.bounds), g.case_by_case)
            for g in found
        ],
        [(a.measure.id, a.fact.number, amount(a.amount), a.groups, a.notes, a.steps)
         for a in awards],
        {k: (_digits(t.min), _digits(t.max), t.case_by_case, t.no_money, t.awards)
         for k, t in totals.items()},
    )


@given(disjoint_cases())
@settings(max_examples=600)
def test_direct_path_for_disjoint_groups_equals_the_general_path(case):
    fast_awards, fast_stacks = _build(case)
    fast = apply_ceilings(fast_awards, fast_stacks, case["trace"])
    # The case is one the direct path takes: no award under two groups.
    assert all(len(a.groups) <= 1 for a in fast_awards)
    slow_awards, slow_stacks = _build(case)
    slow = _apply_general(slow_awards, slow_stacks, case["trace"])
    assert _seen(fast_awards, *fast) == _seen(slow_awards, *slow)
