"""The result of an estimate: awards, exclusions, ceiling groups, stacking groups, totals.

These types are the one result model the engine, the ceilings and the stacking code build
and every output format reads; they import nothing but the model, the money and the formula
steps, so no part of the core needs another part's module for its types.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable
from decimal import Decimal
from typing import Literal, NamedTuple

from .formulas import Step
from .model import Ceiling, Document, Fact, Measure, Profile, Ruleset, StackingRule, Status, Text
from .money import Amount

# Where a matching measure stopped: the document not in force, the applicant not eligible, the
# fact outside the window, a field the measure reads missing, a threshold not met, or a higher
# alternative paid instead (就高不重复).
Stage = Literal[
    "validity", "eligibility", "window", "missing", "threshold", "requirement", "stacking"
]


class Award:
    """One award. `own` is its clause's range as the text states it (the formula's bounds);
    `original` is what it gives before any shared ceiling, within its stacking group (the
    minimum lowered where another member may be the one paid); `amount` is what the award
    can honestly receive within all its groups."""

    __slots__ = (
        "amount",
        "document",
        "fact",
        "groups",
        "measure",
        "notes",
        "original",
        "own",
        "stack",
        "steps",
        "unknown",
    )

    def __init__(
        self,
        measure: Measure,
        document: Document,
        fact: Fact,
        amount: Amount,
        original: Amount,
        steps: list[Step] | None = None,
        notes: list[Text] | None = None,
    ) -> None:
        self.measure = measure
        self.document = document
        self.fact = fact
        self.amount = amount
        self.original = original
        self.own = original
        self.steps = steps if steps is not None else []
        self.notes = notes if notes is not None else []
        self.groups: list[str] = []  # ids of the ceiling groups it sits in, innermost first
        self.stack: str | None = None  # id of its stacking group, where it has alternatives
        # What its conditions read that the profile leaves out: it is possible, not certain.
        self.unknown: tuple[str, ...] = ()


class Exclusion(NamedTuple):
    """A measure that matched a fact but gives nothing here, and why."""

    measure: Measure
    document: Document
    fact: Fact | None
    stage: Stage
    reason: Text
    amount: Amount | None = None  # what it would have given, where known


class DocumentStatus(NamedTuple):
    document: Document
    status: Status
    eligibility: tuple[Text, ...]  # reasons the applicant is not eligible (empty: eligible)
    assumptions: tuple[Text, ...] = ()

    @property
    def eligible(self) -> bool:
        return not self.eligibility


class CeilingGroup(NamedTuple):
    """One ceiling applied to one scope key (a year, a product, all time) and the awards
    under it. `before` adds the members' bounds before this ceiling (members inside a
    nested group count as that group's bounds); `bounds` is what the group as a whole pays:
    [min(Σ mins, C), min(Σ maxes, C)], composed from the inside out."""

    id: str
    ceiling: Ceiling
    key: Hashable
    key_text: Text  # the scope key in words: "2020", "product P1", "in total"
    members: tuple[Award, ...]
    inner: tuple[str, ...]  # ids of the groups nested directly inside this one
    before: Amount
    bounds: Amount
    case_by_case: int  # members whose amount is unknown (they may take up the ceiling)

    @property
    def article(self) -> str:
        return self.ceiling.article

    @property
    def amount(self) -> Decimal:
        return self.ceiling.amount

    @property
    def scope(self) -> str:
        return self.ceiling.scope

    @property
    def cut(self) -> bool:
        """Whether the ceiling may cut what its members would otherwise get (a case-by-case
        member may take all of it)."""
        if self.case_by_case:
            return True
        return self.before.max is None or self.before.max > self.ceiling.amount


class StackGroup(NamedTuple):
    """Awards for one fact of which the text pays only the higher (`higher_only`), or of
    which the text does not say whether both pay (`may_overlap`), where which one pays is
    not certain: the pair's bounds, and the article that states the rule."""

    id: str
    rule: StackingRule
    article: str
    members: tuple[Award, ...]
    bounds: Amount
    note: Text


class Totals(NamedTuple):
    """What the applicant is certain to get (`min`) and the most it could (`max`), with the
    case-by-case items that sit outside these bounds."""

    min: Decimal
    max: Decimal
    case_by_case: int
    no_money: int
    awards: int


class Estimate(NamedTuple):
    ruleset: Ruleset
    profile: Profile
    as_of: dt.date
    region: str
    moved_from: str | None
    documents: list[DocumentStatus]
    awards: list[Award]
    excluded: list[Exclusion]
    general: list[Measure]
    notes: list[Text]
    ceilings: list[CeilingGroup]
    stacks: list[StackGroup]
    by_document: dict[str | None, Totals]  # None: the whole estimate

    @property
    def totals(self) -> Totals:
        """Computed from the ceiling groups: `min` is certain, `max` the most possible."""
        return self.by_document[None]

    def totals_by_category(self) -> dict[str, Totals]:
        """Totals per measure category by the same group rule as the whole: a stacking group
        counts once with its pair bounds, a ceiling group at what it pays. Where one ceiling
        covers several categories, a category is certain of what the group pays with its
        awards at their least and the others at their most, less what it pays without them,
        and gets at most what the group pays for its awards alone (case-by-case amounts
        count as 0, as in the total, and are counted beside it)."""
        zero = Decimal(0)
        lows: dict[str, Decimal] = {}
        highs: dict[str, Decimal] = {}
        unknown: dict[str, int] = {}
        none: dict[str, int] = {}
        count: dict[str, int] = {}
        for award in self.awards:
            category = award.measure.category
            count[category] = count.get(category, 0) + 1
            lows.setdefault(category, zero)
            highs.setdefault(category, zero)
            if not award.amount.money:
                none[category] = none.get(category, 0) + 1
            elif not award.amount.known:
                unknown[category] = unknown.get(category, 0) + 1

        # What ceilings see: each stacking group as one entitlement, each other award alone.
        units: list[tuple[tuple[Award, ...], Decimal, Decimal]] = []
        in_stack: set[int] = set()
        for stack in self.stacks:
            in_stack.update(id(a) for a in stack.members)
            b = stack.bounds
            known = b.min is not None and b.max is not None
            units.append(
                (stack.members, b.min or zero, b.max or zero)
                if known
                else (stack.members, zero, zero)
            )
        for award in self.awards:
            if id(award) in in_stack or not award.amount.money:
                continue
            own = award.original
            if own.min is None or own.max is None:
                units.append(((award,), zero, zero))
            else:
                units.append(((award,), own.min, own.max))

        def category_of(unit: tuple[tuple[Award, ...], Decimal, Decimal]) -> str:
            return unit[0][0].measure.category

        groups = {g.id: g for g in self.ceilings}
        members = {g.id: {id(a) for a in g.members} for g in self.ceilings}
        inner_ids = {i for g in self.ceilings for i in g.inner}

        def descendants(gid: str) -> set[str]:
            out: set[str] = set()
            for child in groups[gid].inner:
                if child in groups:
                    out |= {child} | descendants(child)
            return out

        def rank(gid: str, x: list[Decimal]) -> Decimal:
            g = groups[gid]
            below = descendants(gid)
            total = sum((rank(c, x) for c in g.inner if c in groups), zero)
            for index, unit in enumerate(units):
                ids = {id(a) for a in unit[0]}
                if ids & members[gid] and not any(ids & members[d] for d in below):
                    total += x[index]
            return min(g.amount, total)

        covered: set[int] = set()
        for gid, group in groups.items():
            if gid in inner_ids:
                continue
            mine = [i for i, u in enumerate(units) if {id(a) for a in u[0]} & members[gid]]
            covered.update(mine)
            for category in {category_of(units[i]) for i in mine}:
                ours = {i for i in mine if category_of(units[i]) == category}
                at_most = [units[i][2] for i in range(len(units))]
                x = [units[i][1] if i in ours else at_most[i] for i in range(len(units))]
                without = [zero if i in ours else at_most[i] for i in range(len(units))]
                alone = [at_most[i] if i in ours else zero for i in range(len(units))]
                lows[category] += rank(gid, x) - rank(gid, without)
                highs[category] += rank(gid, alone)
            del group
        for index, unit in enumerate(units):
            if index in covered:
                continue
            awards = unit[0]
            if len(awards) > 1:
                lows[category_of(unit)] += unit[1]
                highs[category_of(unit)] += unit[2]
                continue
            amount = awards[0].amount
            if amount.min is not None and amount.max is not None:
                lows[category_of(unit)] += amount.min
                highs[category_of(unit)] += amount.max
        return {
            c: Totals(lows[c], highs[c], unknown.get(c, 0), none.get(c, 0), count.get(c, 0))
            for c in lows
        }

    def totals_for(self, documents: set[str]) -> Totals:
        """The totals of some documents only (ceilings never span documents)."""
        parts = [t for d, t in self.by_document.items() if d is not None and d in documents]
        return Totals(
            sum((t.min for t in parts), Decimal(0)),
            sum((t.max for t in parts), Decimal(0)),
            sum(t.case_by_case for t in parts),
            sum(t.no_money for t in parts),
            sum(t.awards for t in parts),
        )


__all__ = [
    "Award",
    "CeilingGroup",
    "DocumentStatus",
    "Estimate",
    "Exclusion",
    "StackGroup",
    "Totals",
]
