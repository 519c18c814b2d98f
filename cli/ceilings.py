"""Ceilings above the single award: per article or document, per year, product or in total.

Each ceiling caps the sum of the awards it covers within one scope key (a calendar year, a
product, or all time). Awards are served in the order their facts happened; the ones that
arrive after the ceiling is reached are cut, and the cut is recorded as a step.
"""

from __future__ import annotations

from collections.abc import Hashable
from decimal import Decimal

from .formulas import Step
from .model import Ceiling, Text
from .money import ZERO, Amount, fmt
from .results import Award, CeilingGroup, StackGroup, Totals


def scope_key(ceiling: Ceiling, award: Award) -> Hashable:
    fact = award.fact
    product = fact.product if fact.product is not None else f"#{fact.number}"
    if ceiling.scope == "per_year":
        return fact.date.year
    if ceiling.scope == "per_product":
        return product
    if ceiling.scope == "per_product_year":
        return (product, fact.date.year)
    return None


def _ordered(document_ceilings: tuple[Ceiling, ...]) -> list[Ceiling]:
    # Narrow ceilings (a list of measures) first, the document-wide ones last.
    return sorted(document_ceilings, key=lambda c: c.measures is None)


def apply_ceilings(
    awards: list[Award], stacks: list[StackGroup]
) -> tuple[list[CeilingGroup], dict[str | None, Totals]]:
    """Cap awards in place; the totals for the whole estimate (None) and per document."""
    del stacks
    ordered = sorted(awards, key=lambda a: (a.fact.date, a.fact.number))
    seen: dict[str, list[Ceiling]] = {}
    for award in ordered:
        doc = award.document
        if doc.id not in seen:
            seen[doc.id] = _ordered(doc.ceilings)
    for doc_id, ceilings in seen.items():
        members = [a for a in ordered if a.document.id == doc_id]
        for ceiling in ceilings:
            used_min: dict[Hashable, Decimal] = {}
            used_max: dict[Hashable, Decimal] = {}
            for award in members:
                if not ceiling.covers(award.measure.id) or not award.amount.money:
                    continue
                key = scope_key(ceiling, award)
                _cap(award, ceiling, key, used_min, used_max)
    return [], _totals(awards)


def _totals(awards: list[Award]) -> dict[str | None, Totals]:
    out: dict[str | None, Totals] = {}
    for doc in [None, *sorted({a.document.id for a in awards})]:
        lo = hi = ZERO
        unknown = none = 0
        mine = [a for a in awards if doc is None or a.document.id == doc]
        for award in mine:
            amount = award.amount
            if not amount.money:
                none += 1
            elif amount.min is None or amount.max is None:
                unknown += 1
            else:
                lo += amount.min
                hi += amount.max
        out[doc] = Totals(lo, hi, unknown, none, len(mine))
    return out


def _scope_text(ceiling: Ceiling, key: Hashable) -> Text:
    if ceiling.scope == "per_year":
        return Text(f"{key} 年度", f"in {key}")
    if ceiling.scope == "per_product":
        return Text(f"产品 {key}", f"for product {key}")
    if ceiling.scope == "per_product_year":
        assert isinstance(key, tuple)
        return Text(f"产品 {key[0]} {key[1]} 年度", f"for product {key[0]} in {key[1]}")
    return Text("累计", "in total")


def _cap(
    award: Award,
    ceiling: Ceiling,
    key: Hashable,
    used_min: dict[Hashable, Decimal],
    used_max: dict[Hashable, Decimal],
) -> None:
    amount = award.amount
    scope = _scope_text(ceiling, key)
    label = f"{ceiling.id} ({ceiling.article}, {fmt(ceiling.amount)})"
    if amount.min is None or amount.max is None:
        award.notes.append(
            Text(
                f"受上限 {ceiling.article} {fmt(ceiling.amount)}（{scope.zh}）约束",
                f"subject to ceiling {label} {scope.en}",
            )
        )
        return
    earlier_max, earlier_min = used_max.get(key, ZERO), used_min.get(key, ZERO)
    new_max = max(ZERO, min(amount.max, ceiling.amount - earlier_max))
    new_min = max(ZERO, min(amount.min, ceiling.amount - earlier_min, new_max))
    used_max[key] = earlier_max + new_max
    used_min[key] = earlier_min + new_min
    if (new_min, new_max) != (amount.min, amount.max):
        before, after = amount.describe("en"), Amount(new_min, new_max).describe("en")
        award.amount = Amount(new_min, new_max)
        if earlier_max > earlier_min:  # the earlier awards are themselves uncertain
            award.notes.append(
                Text(
                    f"上限 {ceiling.id} 由较早的奖励先占用；若较早奖励低于其上限，本项可更高，"
                    f"合计仍不超过 {fmt(ceiling.amount)}",
                    f"ceiling {ceiling.id} is taken first by earlier awards; if they come in below "
                    f"their maximum this one can be higher, the total staying within "
                    f"{fmt(ceiling.amount)}",
                )
            )
        capped = Step(
            f"ceiling {label} {scope.en}: {before} → {after}",
            f"上限 {ceiling.id}（{ceiling.article}，{fmt(ceiling.amount)}，{scope.zh}）："
            f"{amount.describe('zh')} → {award.amount.describe('zh')}",
        )
        award.steps.append(capped)
        # Capping is a reason the figure differs from the formula: always said, traced or not.
        award.notes.insert(0, Text(capped.zh, capped.en))
