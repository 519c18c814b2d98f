"""Shared ceilings as groups: per article or document, per year, per product, in total.

The model the bounds are honest against: each award's entitlement x lies anywhere in its own
bounds [min, max] (before shared ceilings); payments y satisfy 0 ≤ y ≤ x and, for every
ceiling group, Σ y ≤ C; and they are maximal (no payment can grow without breaking a
ceiling). How a cut is shared among the awards is not known.

With nested ceilings (every two groups either disjoint or one inside the other) the feasible
payments form a polymatroid, so every maximal payment pays the same total: the group's
"rank" r(g) = min(C_g, Σ r(inner groups) + Σ x of its direct members), computed from the
inside out. Hence:
- a group pays [r at every min, r at every max] — [min(Σ mins, C), min(Σ maxes, C)] composed
  from the inside out; the totals add the outermost groups and the awards under none;
- an award can receive at most min(its max, every C above it) (the cut may fall wholly on
  the others);
- it is certain of r(x*) − r(x* without it), where x* puts it at its minimum and every other
  award at its maximum (a case-by-case award at no bound at all: it may take the ceiling).
Where two ceilings overlap without nesting (a per-product ceiling across years under a
yearly one), the bounds are still valid but may be wider than necessary, and a note says so.
Nothing depends on the order of the facts.
"""

from __future__ import annotations

from collections.abc import Hashable
from decimal import Decimal

from .formulas import Step
from .model import Ceiling, Document, Fact, Measure, Text
from .money import ZERO, Amount, fmt
from .results import Award, CeilingGroup, StackGroup, Totals

INF = Decimal("Infinity")


def scope_key(ceiling: Ceiling, award: Award) -> Hashable:
    return fact_key(ceiling, award.fact)


def fact_key(ceiling: Ceiling, fact: Fact) -> Hashable:
    """The scope key (year, product, both, none) a fact's award takes under the ceiling."""
    if ceiling.scope == "per_year":
        return fact.date.year
    product = fact.product if fact.product is not None else f"#{fact.number}"
    if ceiling.scope == "per_product":
        return product
    if ceiling.scope == "per_product_year":
        return (product, fact.date.year)
    return None


def key_text(ceiling: Ceiling, key: Hashable) -> Text:
    if ceiling.scope == "per_year":
        return Text(f"{key} 年度", f"{key}")
    if ceiling.scope == "per_product":
        return Text(f"产品 {key}", f"product {key}")
    if ceiling.scope == "per_product_year":
        assert isinstance(key, tuple)
        return Text(f"产品 {key[0]} {key[1]} 年度", f"product {key[0]}, {key[1]}")
    return Text("累计", "in total")


def group_id(ceiling: Ceiling, fact: Fact) -> str:
    """The id of the group an award for this fact would sit in under the ceiling (the ids
    `apply_ceilings` gives its groups): what advice looks up to know what is left of it."""
    return f"{ceiling.id}{_key_id(fact_key(ceiling, fact))}"


def _key_id(key: Hashable) -> str:
    if key is None:
        return ""
    if isinstance(key, tuple):
        return ":" + "/".join(str(k) for k in key)
    return f":{key}"


class _Unit:
    """What a ceiling sees as one entitlement: one award, or the alternatives of a stacking
    group together (their pair bounds)."""

    __slots__ = ("awards", "groups", "high", "index", "low", "unknown")

    def __init__(self, index: int, awards: tuple[Award, ...], amount: Amount) -> None:
        self.index = index
        self.awards = awards
        self.unknown = not amount.known
        self.low = amount.min if amount.min is not None else ZERO
        self.high = amount.max if amount.max is not None else INF
        self.groups: list[int] = []


class _Group:
    __slots__ = (
        "ceiling",
        "children",
        "depth",
        "direct",
        "id",
        "index",
        "key",
        "members",
        "parent",
        "units",
    )

    def __init__(self, index: int, gid: str, ceiling: Ceiling, key: Hashable) -> None:
        self.index = index
        self.id = gid
        self.ceiling = ceiling
        self.key = key
        self.units: list[_Unit] = []  # every unit under it
        self.members: set[int] = set()
        self.parent: _Group | None = None
        self.children: list[_Group] = []
        self.depth = 0
        self.direct: list[int] | None = None  # members in no child group (once nested)


def apply_ceilings(
    awards: list[Award], stacks: list[StackGroup], trace: bool = True
) -> tuple[list[CeilingGroup], dict[str | None, Totals]]:
    """Form the ceiling groups, give each award its honest bounds within them, and add the
    totals from the groups: for the whole estimate (key None) and for each document."""
    if not awards:
        return [], {None: Totals(ZERO, ZERO, 0, 0, 0)}
    units = _units(awards, stacks)
    groups = _groups(units)
    for unit in units:
        if len(unit.groups) > 1:
            return _apply_nested(awards, units, groups, trace)
    return _apply_disjoint(awards, units, groups, trace)


def _apply_general(
    awards: list[Award], stacks: list[StackGroup], trace: bool = True
) -> tuple[list[CeilingGroup], dict[str | None, Totals]]:
    """`apply_ceilings` always by the general path (nesting, ranks, crossing): what the
    tests hold the direct path for disjoint groups against."""
    if not awards:
        return [], {None: Totals(ZERO, ZERO, 0, 0, 0)}
    units = _units(awards, stacks)
    return _apply_nested(awards, units, _groups(units), trace)


def _apply_disjoint(
    awards: list[Award], units: list[_Unit], groups: list[_Group], trace: bool
) -> tuple[list[CeilingGroup], dict[str | None, Totals]]:
    """The direct path where no unit sits under two groups (nearly every record: a lone
    award under its ceiling, or none under any). Then no group contains or crosses another,
    so the general path's nesting, its three rank passes and its crossing bounds reduce to
    one sum per group: every group is outermost, laminar and without children, its rank is
    min(C, Σ of its units), and what a unit is certain of depends on its own group alone.
    Each value below is the general path's own expression with the empty nesting terms
    dropped (Σ over no children is ZERO, and adding it changes neither value nor exponent),
    so the results are the same to the digit; tests/test_ceilings.py checks it."""
    out: list[CeilingGroup] = []
    at_most: list[Decimal] = []  # per group: Σ of its units' maxima (unknown: infinite)
    ranks: list[tuple[Decimal, Decimal]] = []  # per group: what it pays, at least and at most
    any_unknown = False
    for g in groups:
        lo = hi = top = ZERO
        unknown = 0
        for u in g.units:
            if u.unknown:
                unknown += 1
            else:
                lo += u.low
                hi += u.high
            top += u.high
        at_most.append(top)
        any_unknown = any_unknown or unknown > 0
        cap = g.ceiling.amount
        rank = (min(cap, lo), min(cap, hi))
        ranks.append(rank)
        out.append(
            CeilingGroup(
                g.id,
                g.ceiling,
                g.key,
                key_text(g.ceiling, g.key),
                g.units[0].awards
                if len(g.units) == 1
                else tuple(a for u in g.units for a in u.awards),
                (),
                Amount(lo, hi),
                Amount(*rank),
                unknown,
            )
        )
    names = _unknown_names(out) if any_unknown else {}
    by_doc: dict[str, tuple[Decimal, Decimal]] = {}
    for unit in units:
        if not unit.groups:
            if not unit.unknown:
                doc = unit.awards[0].document.id
                old = by_doc.get(doc, (ZERO, ZERO))
                by_doc[doc] = (old[0] + unit.low, old[1] + unit.high)
            continue
        gi = unit.groups[0]
        g = groups[gi]
        for award in unit.awards:
            award.groups = [g.id]
        cap = g.ceiling.amount
        high = min(unit.high, cap)  # as _caps
        if unit.unknown:
            _note_unknown(unit, groups, high)
            continue
        if len(g.members) == 1:
            low = min(cap, unit.low) - min(cap, ZERO)  # as _certain, alone under one ceiling
        else:
            # _certain's rank_with on a chain of one group: its sum with every unit at its
            # maximum, this one moved to its minimum, then to nothing.
            rest = at_most[gi] - unit.high
            low = min(cap, rest + unit.low) - min(cap, rest + ZERO)
        if not trace and all(_within(a.amount, low, high) for a in unit.awards):
            continue  # _settle would find min(own, bounds) == own for each: no note, no step
        _settle(unit, Amount(low, high), groups, out, trace, names)
    for g, (rank_lo, rank_hi) in zip(groups, ranks, strict=True):
        # As _totals: each group is outermost; the awards under none were added above.
        doc = g.ceiling.document_id
        old = by_doc.get(doc, (ZERO, ZERO))
        by_doc[doc] = (old[0] + rank_lo, old[1] + rank_hi)
    return out, _totals_of(by_doc, units, awards)


def _within(own: Amount, low: Decimal, high: Decimal) -> bool:
    """Whether the bounds [low, high] leave `own` as it is (min keeps its first argument)."""
    return own.min is not None and own.max is not None and own.min <= low and own.max <= high


def _apply_nested(
    awards: list[Award], units: list[_Unit], groups: list[_Group], trace: bool
) -> tuple[list[CeilingGroup], dict[str | None, Totals]]:
    """The general path: groups nested or crossing (or not), by ranks from the inside out."""
    laminar = _nest(groups)
    for unit in units:
        unit.groups.sort(key=lambda g: groups[g].depth, reverse=True)
    lo_x = {u.index: (ZERO if u.unknown else u.low) for u in units}
    hi_x = {u.index: (ZERO if u.unknown else u.high) for u in units}
    rank_lo = _ranks(groups, lo_x)
    rank_hi = _ranks(groups, hi_x)
    crossing = not all(laminar.values())
    out: list[CeilingGroup] = []
    for g in groups:
        direct_ids = set(_direct_of(g))
        direct = [u for u in g.units if u.index in direct_ids]
        before_lo = sum((rank_lo[c.index] for c in g.children), ZERO) + sum(
            (lo_x[u.index] for u in direct), ZERO
        )
        before_hi = sum((rank_hi[c.index] for c in g.children), ZERO) + sum(
            (hi_x[u.index] for u in direct), ZERO
        )
        unknown = sum(1 for u in g.units if u.unknown)
        bounds = Amount(rank_lo[g.index], rank_hi[g.index])
        members = tuple(a for u in g.units for a in u.awards)
        out.append(
            CeilingGroup(
                g.id,
                g.ceiling,
                g.key,
                key_text(g.ceiling, g.key),
                members,
                tuple(c.id for c in g.children),
                Amount(before_lo, before_hi),
                bounds,
                unknown,
            )
        )
    # Each unit's bounds within its groups: what it is certain of comes from one pass over
    # the groups (its ranks with every unit at its maximum) and a walk up its own chain.
    at_most = _ranks(groups, {u.index: u.high for u in units}, keep_sums=True)
    caps = _caps(units, groups)
    crossing_sums = _cap_sums(groups, caps) if crossing else {}
    names = _unknown_names(out)
    for unit in units:
        if not unit.groups:
            continue
        for award in unit.awards:
            award.groups = [groups[g].id for g in unit.groups]
        high = caps[unit.index]
        if unit.unknown:
            _note_unknown(unit, groups, high)
            continue
        if all(laminar[g] for g in unit.groups):
            low = _certain(unit, groups, at_most)
        else:
            low = _certain_crossing(unit, groups, caps, crossing_sums)
        _settle(unit, Amount(low, high), groups, out, trace, names)
    for i, group in enumerate(out):
        if not laminar[groups[i].index]:
            # Overlapping ceilings: at least what each member is certain of.
            certain = sum((a.amount.min or ZERO for a in group.members), ZERO)
            assert group.bounds.max is not None
            out[i] = group._replace(bounds=Amount(min(certain, group.bounds.max), group.bounds.max))
    by_doc = _totals(units, groups, laminar, rank_lo, rank_hi, lo_x, hi_x)
    if crossing:
        index_of = {g.id: g.index for g in groups}
        for award in awards:
            if award.groups and any(not laminar[index_of[gid]] for gid in award.groups):
                award.notes.append(
                    Text(
                        "本项所受的两项上限相互交叉（如跨年度的按产品上限与年度上限），"
                        "所示范围有效但可能偏宽",
                        "two ceilings over this award overlap without one containing the other "
                        "(such as a per-product ceiling across years and a yearly one): the "
                        "bounds shown hold but may be wider than necessary",
                    )
                )
    return out, _totals_of(by_doc, units, awards)


def _totals_of(
    by_doc: dict[str, tuple[Decimal, Decimal]], units: list[_Unit], awards: list[Award]
) -> dict[str | None, Totals]:
    """Totals for the whole estimate (key None) and for each document."""
    counts: dict[str, list[int]] = {}  # document → [case by case, no money, awards]
    for award in awards:
        entry = counts.setdefault(award.document.id, [0, 0, 0])
        entry[2] += 1
        if not award.amount.money:
            entry[1] += 1
    for unit in units:
        if unit.unknown:
            counts.setdefault(unit.awards[0].document.id, [0, 0, 0])[0] += 1
    out: dict[str | None, Totals] = {}
    lo_all = hi_all = ZERO
    unknown_all = none_all = 0
    for doc in sorted(counts):
        lo, hi = by_doc.get(doc, (ZERO, ZERO))
        unknown, none, count = counts[doc]
        out[doc] = Totals(lo, hi, unknown, none, count)
        lo_all += lo
        hi_all += hi
        unknown_all += unknown
        none_all += none
    out[None] = Totals(lo_all, hi_all, unknown_all, none_all, len(awards))
    return out


def _units(awards: list[Award], stacks: list[StackGroup]) -> list[_Unit]:
    units: list[_Unit] = []
    in_stack: set[int] = set()
    for stack in stacks:
        in_stack.update(id(a) for a in stack.members)
        units.append(_Unit(len(units), stack.members, stack.bounds))
    for award in awards:
        if id(award) in in_stack or not award.amount.money:
            continue
        units.append(_Unit(len(units), (award,), award.amount))
    return units


# id of a measure -> (the measure, its document, the document's ceilings that cover it)
_COVERING: dict[int, tuple[Measure, Document, tuple[Ceiling, ...]]] = {}


def _covering(award: Award) -> tuple[Ceiling, ...]:
    """The ceilings of the award's document that cover its measure (Ceiling.covers), in
    the document's order."""
    measure, document = award.measure, award.document
    hit = _COVERING.get(id(measure))
    if hit is not None and hit[0] is measure and hit[1] is document:
        return hit[2]
    found = tuple(c for c in document.ceilings if c.covers(measure.id))
    if len(_COVERING) >= 4096:
        _COVERING.clear()  # bounded: a long-lived process may load many rulesets
    _COVERING[id(measure)] = (measure, document, found)
    return found


def _groups(units: list[_Unit]) -> list[_Group]:
    """One group per ceiling and scope key; a stacking group's unit sits under a ceiling
    only when all its alternatives do, under the same key."""
    found: dict[str, _Group] = {}
    for unit in units:
        first = unit.awards[0]
        single = len(unit.awards) == 1
        # One award (the common case) looks only at the ceilings that cover its measure
        # (worked out once per measure); a stacking group's unit at every ceiling.
        for ceiling in _covering(first) if single else first.document.ceilings:
            if single:
                # The same tests as below, once each.
                if not ceiling.applies_to(first.measure):
                    _note_outside(first, ceiling)
                    continue
                if first.document.id != ceiling.document_id:
                    continue
                key = scope_key(ceiling, first)
                gid = f"{ceiling.id}{_key_id(key)}"
                group = found.get(gid)
                if group is None:
                    group = found[gid] = _Group(len(found), gid, ceiling, key)
                group.units.append(unit)
                group.members.add(unit.index)
                unit.groups.append(group.index)
                continue
            for a in unit.awards:
                if ceiling.covers(a.measure.id) and not ceiling.applies_to(a.measure):
                    _note_outside(a, ceiling)
            keys = {
                scope_key(ceiling, a)
                for a in unit.awards
                if a.document.id == ceiling.document_id and ceiling.applies_to(a.measure)
            }
            if len(keys) != 1 or not all(
                a.document.id == ceiling.document_id and ceiling.applies_to(a.measure)
                for a in unit.awards
            ):
                continue
            key = keys.pop()
            gid = f"{ceiling.id}{_key_id(key)}"
            group = found.get(gid)
            if group is None:
                group = found[gid] = _Group(len(found), gid, ceiling, key)
            group.units.append(unit)
            group.members.add(unit.index)
            unit.groups.append(group.index)
    return list(found.values())  # in order of index (each is its place of insertion)


def _nest(groups: list[_Group]) -> dict[int, bool]:
    """Link each group to the smallest group containing it; say which groups take part in
    an overlap that is not nesting (then the exact formulas do not apply to them).

    Only groups that share a unit can contain or cross each other, so each group looks at
    the groups of its own units: near-linear in the awards, whatever their number."""
    laminar = {g.index: True for g in groups}
    # Smallest first; of two ceilings over the same awards, the lower one sits inside.
    order = sorted(groups, key=lambda g: (len(g.members), g.ceiling.amount, g.index))
    position = {g.index: i for i, g in enumerate(order)}
    by_unit: dict[int, list[_Group]] = {}
    for g in groups:
        for u in g.members:
            by_unit.setdefault(u, []).append(g)
    for g in order:
        here = position[g.index]
        seen: set[int] = set()
        parent: _Group | None = None
        for u in g.members:
            for h in by_unit[u]:
                if h.index in seen or position[h.index] <= here:
                    continue  # itself, or a smaller group (which looked at this one)
                seen.add(h.index)
                if g.members <= h.members:  # g is the smaller: the test costs |g|
                    if parent is None or position[h.index] < position[parent.index]:
                        parent = h
                else:
                    laminar[g.index] = laminar[h.index] = False
        g.parent = parent
    # Crossing spreads to every group it touches through nesting.
    changed = True
    while changed:
        changed = False
        for g in groups:
            if g.parent is not None and laminar[g.index] != laminar[g.parent.index]:
                laminar[g.index] = laminar[g.parent.index] = False
                changed = True
    for g in groups:
        if g.parent is not None:
            g.parent.children.append(g)
    for g in groups:
        depth, p = 0, g.parent
        while p is not None:
            depth, p = depth + 1, p.parent
        g.depth = depth
    return laminar


def _direct_of(group: _Group) -> list[int]:
    """The units of `group` in none of its children (so in none of its descendants)."""
    if group.direct is None:
        inner = {u for c in group.children for u in c.members}
        group.direct = [u for u in group.members if u not in inner]
    return group.direct


def _ranks(
    groups: list[_Group], x: dict[int, Decimal], keep_sums: bool = False
) -> dict[int, Decimal]:
    """r(g) for every group, from the inside out; with `keep_sums`, also each group's sum
    before its ceiling, under the key (-1 - index)."""
    out: dict[int, Decimal] = {}
    for g in sorted(groups, key=lambda g: g.depth, reverse=True):
        total = sum((out[c.index] for c in g.children), ZERO)
        total += sum((x[u] for u in _direct_of(g)), ZERO)
        out[g.index] = min(g.ceiling.amount, total)
        if keep_sums:
            out[-1 - g.index] = total
    return out


def _certain(unit: _Unit, groups: list[_Group], at_most: dict[int, Decimal]) -> Decimal:
    """r(x*) − r(x* without the unit) in its outermost group; x* puts the unit at its
    minimum and every other at its maximum (unknown: unbounded).

    `at_most` holds every group's rank and sum with every unit at its maximum; moving this
    unit changes only the groups on its own chain, which are walked up from the innermost."""
    innermost = groups[unit.groups[0]]

    def rank_with(value: Decimal) -> Decimal:
        g = innermost
        total = at_most[-1 - g.index] - unit.high + value
        rank = min(g.ceiling.amount, total)
        while g.parent is not None:
            old = at_most[g.index]
            g = g.parent
            total = at_most[-1 - g.index] - old + rank
            rank = min(g.ceiling.amount, total)
        return rank

    if innermost.parent is None and len(innermost.members) == 1:
        cap = innermost.ceiling.amount  # alone under one ceiling
        return min(cap, unit.low) - min(cap, ZERO)
    return rank_with(unit.low) - rank_with(ZERO)


def _caps(units: list[_Unit], groups: list[_Group]) -> dict[int, Decimal]:
    """What each unit can receive at most: its own maximum under every ceiling above it."""
    return {u.index: min([u.high, *(groups[g].ceiling.amount for g in u.groups)]) for u in units}


def _cap_sums(groups: list[_Group], caps: dict[int, Decimal]) -> dict[int, Decimal]:
    return {g.index: sum((caps[u] for u in g.members), ZERO) for g in groups}


def _certain_crossing(
    unit: _Unit, groups: list[_Group], caps: dict[int, Decimal], sums: dict[int, Decimal]
) -> Decimal:
    """A valid lower bound where ceilings overlap: paid in full, or some ceiling above it is
    full, in which case it gets at least that ceiling less what the others can take."""
    low = unit.low
    for gi in unit.groups:
        g = groups[gi]
        others = sums[gi] - caps[unit.index]
        low = min(low, max(ZERO, g.ceiling.amount - others))
    return low


def _totals(
    units: list[_Unit],
    groups: list[_Group],
    laminar: dict[int, bool],
    rank_lo: dict[int, Decimal],
    rank_hi: dict[int, Decimal],
    lo_x: dict[int, Decimal],
    hi_x: dict[int, Decimal],
) -> dict[str, tuple[Decimal, Decimal]]:
    """(certain, most possible) per document: the outermost groups and the awards under none."""
    out: dict[str, tuple[Decimal, Decimal]] = {}

    def add(doc: str, lo: Decimal, hi: Decimal) -> None:
        old = out.get(doc, (ZERO, ZERO))
        out[doc] = (old[0] + lo, old[1] + hi)

    for unit in units:
        if not unit.groups:
            add(unit.awards[0].document.id, lo_x[unit.index], hi_x[unit.index])
    crossing: dict[str, set[int]] = {}
    for g in groups:
        if g.parent is not None:
            continue
        doc = g.ceiling.document_id
        if laminar[g.index]:
            add(doc, rank_lo[g.index], rank_hi[g.index])
        else:
            crossing.setdefault(doc, set()).update(g.members)
    by_index = {u.index: u for u in units}
    for doc, members in crossing.items():
        # Valid bounds where ceilings overlap: at least what each award is certain of; at
        # most the lesser of two nested relaxations (dropping a ceiling never lowers the top).
        lo = sum(
            (by_index[u].awards[0].amount.min or ZERO for u in members if not by_index[u].unknown),
            ZERO,
        )
        hi = min(
            _relaxed(groups, members, hi_x, smallest_first=True),
            _relaxed(groups, members, hi_x, smallest_first=False),
        )
        add(doc, lo, hi)
    return out


def _relaxed(
    groups: list[_Group],
    members: set[int],
    x: dict[int, Decimal],
    smallest_first: bool,
) -> Decimal:
    chosen: list[_Group] = []
    pool = [g for g in groups if g.members <= members]
    pool.sort(key=lambda g: (len(g.members), g.index), reverse=not smallest_first)
    owners: dict[int, list[_Group]] = {}  # unit → chosen groups holding it
    for g in pool:
        met: set[int] = set()
        fits = True
        for u in g.members:
            for h in owners.get(u, ()):
                if h.index in met:
                    continue
                met.add(h.index)
                small, large = (g, h) if len(g.members) <= len(h.members) else (h, g)
                if not small.members <= large.members:
                    fits = False
                    break
            if not fits:
                break
        if fits:
            chosen.append(g)
            for u in g.members:
                owners.setdefault(u, []).append(g)
    copies = {g.index: _Group(g.index, g.id, g.ceiling, g.key) for g in chosen}
    for g in chosen:
        copies[g.index].members = set(g.members)
    tree = list(copies.values())
    _nest(tree)
    ranks = _ranks(tree, x)
    covered = {u for g in tree for u in g.members}
    total = sum((ranks[g.index] for g in tree if g.parent is None), ZERO)
    total += sum((x[u] for u in members if u not in covered), ZERO)
    return total


def _note_outside(award: Award, ceiling: Ceiling) -> None:
    award.notes.append(
        Text(
            f"本项支付给个人（{award.measure.recipient}），不计入 {ceiling.article} 的企业上限 "
            f"{fmt(ceiling.amount)}（{ceiling.id}）",
            f"paid to a person ({award.measure.recipient}), so outside {ceiling.article}'s "
            f"per-enterprise ceiling of {fmt(ceiling.amount)} ({ceiling.id})",
        )
    )


def _note_unknown(unit: _Unit, groups: list[_Group], high: Decimal) -> None:
    award = unit.awards[0]
    names = ", ".join(groups[g].id for g in unit.groups)
    award.notes.append(
        Text(
            f"一事一议，金额未定；受上限 {names} 约束，至多 {fmt(high)}；"
            f"它可能占用该上限，同组其他奖励的下限已按此计算",
            f"case by case, amount unknown; under ceiling {names}, so at most {fmt(high)}; it "
            f"may take up the ceiling, and the other awards' minimum allows for that",
        )
    )


def _unknown_names(out: list[CeilingGroup]) -> dict[str, str]:
    """For each group with case-by-case members, their measure ids (worked out once)."""
    return {
        g.id: ", ".join(sorted({a.measure.id for a in g.members if not a.amount.known}))
        for g in out
        if g.case_by_case
    }


def _settle(
    unit: _Unit,
    bounds: Amount,
    groups: list[_Group],
    out: list[CeilingGroup],
    trace: bool,
    unknown_names: dict[str, str],
) -> None:
    """Give the unit's awards their bounds within the groups, with a step (when tracing)
    and a note (always, where the bounds change)."""
    described = [out[i] for i in unit.groups]
    shared = any(len(g.members) > 1 for g in described)
    for award in unit.awards:
        own = award.amount
        assert own.min is not None and own.max is not None
        assert bounds.min is not None and bounds.max is not None
        new = Amount(min(own.min, bounds.min), min(own.max, bounds.max))
        for group in described if trace else ():
            step = Step(
                f"ceiling {group.id} ({group.article}, {fmt(group.amount)}, "
                f"{group.key_text.en}): {len(group.members)} award(s), "
                f"{group.before.describe('en')} before → {group.bounds.describe('en')}",
                f"上限 {group.id}（{group.article}，{fmt(group.amount)}，{group.key_text.zh}）："
                f"{len(group.members)} 项，合计 {group.before.describe('zh')} → "
                f"{group.bounds.describe('zh')}",
            )
            award.steps.append(step)
        if new == own:
            continue
        unknown = [g for g in described if g.case_by_case]
        if unknown and new.min != own.min:
            names = ", ".join(sorted({n for g in unknown for n in unknown_names[g.id].split(", ")}))
            award.notes.append(
                Text(
                    f"同一上限下有一事一议的奖励（{names}），其金额未定，可能占满上限；"
                    f"本项的下限已按此计算，金额确定后可提高",
                    f"a case-by-case award under the same ceiling ({names}) has no stated amount "
                    f"and may take all of it; this award's minimum allows for that and rises "
                    f"once that amount is known",
                )
            )
        award.amount = new
        cut = [g for g in described if g.cut]
        names = ", ".join(f"{g.id} ({g.article}, {fmt(g.amount)})" for g in cut) or ", ".join(
            g.id for g in described
        )
        if shared:
            award.notes.insert(
                0,
                Text(
                    f"与同组奖励共用上限 {names}：{own.describe('zh')} → {new.describe('zh')}"
                    f"（上限由谁承担未定：至多为其他奖励最低时所得，至少为其他奖励最高时所得）",
                    f"shares ceiling {names} with other awards: {own.describe('en')} → "
                    f"{new.describe('en')} (how the cut is shared is not known: at most what it "
                    f"gets if the others get their least, at least what it keeps if they get "
                    f"their most)",
                ),
            )
        else:
            award.notes.insert(
                0,
                Text(
                    f"上限 {names}：{own.describe('zh')} → {new.describe('zh')}",
                    f"ceiling {names}: {own.describe('en')} → {new.describe('en')}",
                ),
            )
