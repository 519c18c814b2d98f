"""就高不重复: where measures of one government reward the same fact, only the higher applies.

Measures are alternatives when they share a `stacking_group`, belong to documents of the
same region that state the rule (`stacking: {rule: higher_only}`) and are triggered by the
same fact. Measures of different governments (city and province) never stack here: the
texts do not forbid receiving both.
"""

from __future__ import annotations

from decimal import Decimal

from .model import Ruleset, Text
from .money import Amount
from .results import Award, Exclusion, StackGroup

_INFINITY = Decimal("Infinity")


def rank(amount: Amount) -> tuple[Decimal, Decimal]:
    """Higher is better; an unknown (case-by-case) amount may be the highest, so it ranks first."""
    high = amount.max if amount.max is not None else _INFINITY
    low = amount.min if amount.min is not None else Decimal(0)
    return high, low


def apply_stacking(
    awards: list[Award], ruleset: Ruleset
) -> tuple[list[Award], list[Exclusion], list[StackGroup]]:
    groups: dict[tuple[str, str, int], list[Award]] = {}
    for award in awards:
        doc = award.document
        if award.measure.stacking_group and doc.stacking and doc.stacking.rule == "higher_only":
            key = (doc.region, award.measure.stacking_group, award.fact.number)
            groups.setdefault(key, []).append(award)
    dropped_ids: set[int] = set()
    dropped: list[Exclusion] = []
    for members in groups.values():
        if len(members) < 2:
            continue
        best = max(members, key=lambda a: rank(a.amount))
        for other in members:
            if other is best:
                continue
            dropped_ids.add(id(other))
            rule = other.document.stacking
            assert rule is not None
            dropped.append(
                Exclusion(
                    other.measure,
                    other.document,
                    other.fact,
                    "stacking",
                    Text(
                        f"就高不重复（{rule.article}）：同一事实适用 {best.measure.id}"
                        f"（{best.amount.describe('zh')}），取高者",
                        f"higher only, no double award ({rule.article}): the same fact gets "
                        f"{best.measure.id} ({best.amount.describe('en')}), the higher",
                    ),
                    other.amount,
                )
            )
            best.notes.append(
                Text(
                    f"就高不重复：已替代 {other.measure.id}（{other.amount.describe('zh')}）",
                    f"higher only: chosen over {other.measure.id} ({other.amount.describe('en')})",
                )
            )
    kept = [a for a in awards if id(a) not in dropped_ids]
    return kept, dropped, []
