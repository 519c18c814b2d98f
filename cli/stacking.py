"""Awards for one fact that may not all be paid: 就高不重复, and pairs the text is silent on.

- `higher_only` (就高不重复): measures sharing a `stacking_group`, in documents of one region
  that state the rule (`stacking: {rule: higher_only, article: …}`), triggered by the same
  fact. Only the higher pays: the pair's total is [max of mins, max of maxes]. A member is
  dropped only where that is certain (another member's minimum reaches its maximum);
  otherwise the members stay as alternatives, each with its own bounds (minimum 0: the other
  may be the higher), and the stacking group carries the pair's bounds.
- `may_overlap`: measures a document lists together because the text does not say whether
  both pay (`may_overlap: [{id, article, measures}]`). The pair's total is
  [max of mins, sum of maxes], with a note.

Measures of different governments (city and province) never stack here: the texts do not
forbid receiving both.
"""

from __future__ import annotations

from decimal import Decimal

from .formulas import Step
from .model import Ruleset, Text
from .money import ZERO, Amount, fmt
from .results import Award, Exclusion, StackGroup

_INFINITY = Decimal("Infinity")


def rank(amount: Amount) -> tuple[Decimal, Decimal]:
    """Higher is better; an unknown (case-by-case) amount may be the highest, so it ranks first."""
    high = amount.max if amount.max is not None else _INFINITY
    low = amount.min if amount.min is not None else Decimal(0)
    return high, low


def _key(award: Award) -> tuple[str, str, int]:
    return (award.document.id, award.measure.id, award.fact.number)


def apply_stacking(
    awards: list[Award], ruleset: Ruleset
) -> tuple[list[Award], list[Exclusion], list[StackGroup]]:
    """The awards kept, those certainly dropped (as exclusions), and the stacking groups of
    the alternatives whose payment is not certain."""
    del ruleset  # the rules live on the documents
    if len(awards) < 2:
        return list(awards), [], []  # nothing to stack: every group needs two members
    higher: dict[tuple[str, str, int], list[Award]] = {}
    overlap: dict[tuple[str, str, int], list[Award]] = {}
    for award in awards:
        doc = award.document
        group = award.measure.stacking_group
        if group and doc.stacking and doc.stacking.rule == "higher_only":
            higher.setdefault((doc.region, group, award.fact.number), []).append(award)
        for entry in doc.overlaps:
            if award.measure.id in entry.measures:
                overlap.setdefault((doc.id, entry.id, award.fact.number), []).append(award)
    if not higher and not overlap:
        return list(awards), [], []  # no candidate group: the loops below would do nothing
    dropped_ids: set[int] = set()
    dropped: list[Exclusion] = []
    stacks: list[StackGroup] = []
    for (_region, group, number), members in sorted(higher.items()):
        if len(members) < 2:
            continue
        members.sort(key=lambda a: (rank(a.amount), _key(a)), reverse=True)
        alive: list[Award] = []
        for award in members:
            winner = next((o for o in alive if _certainly_not_below(o.amount, award.amount)), None)
            if winner is None:
                alive.append(award)
                continue
            dropped_ids.add(id(award))
            dropped.append(_dropped(award, winner))
        if len(alive) < 2:
            continue
        rule = alive[0].document.stacking
        assert rule is not None
        bounds = _pair(alive, overlap=False)
        sid = f"{group}#{number}"
        names = ", ".join(a.measure.id for a in alive)
        note = Text(
            f"就高不重复（{rule.article}）：{names} 只付较高者；哪一项较高尚不确定，"
            f"合计 {bounds.describe('zh')}；金额确定后可知保留哪一项",
            f"higher only ({rule.article}): of {names} only the higher pays; which one is "
            f"not certain, together {bounds.describe('en')}; the actual amounts settle it",
        )
        stacks.append(StackGroup(sid, "higher_only", rule.article, tuple(alive), bounds, note))
        _alternatives(alive, sid, note, overlap=False, bounds=bounds, article=rule.article)
    for (doc_id, oid, number), members in sorted(overlap.items()):
        members = [a for a in members if id(a) not in dropped_ids and a.stack is None]
        if len(members) < 2:
            continue
        members.sort(key=_key)
        entry = next(e for e in members[0].document.overlaps if e.id == oid)
        bounds = _pair(members, overlap=True)
        sid = f"{oid}#{number}"
        names = ", ".join(a.measure.id for a in members)
        note = Text(
            f"{entry.article}：文件未说明 {names} 能否同时享受；合计 {bounds.describe('zh')}"
            f"（至少较高者，至多两者之和），以主管部门认定为准",
            f"{entry.article}: the text does not say whether {names} can both be paid; "
            f"together {bounds.describe('en')} (at least the higher, at most both); the "
            f"department decides",
        )
        del doc_id
        stacks.append(StackGroup(sid, "may_overlap", entry.article, tuple(members), bounds, note))
        _alternatives(members, sid, note, overlap=True, bounds=bounds, article=entry.article)
    kept = [a for a in awards if id(a) not in dropped_ids]
    return kept, dropped, stacks


def _certainly_not_below(a: Amount, b: Amount) -> bool:
    """Whether `a` is certainly at least `b` (so `b` is certainly not the one paid)."""
    return a.min is not None and b.max is not None and a.min >= b.max


def _pair(members: list[Award], overlap: bool) -> Amount:
    amounts = [a.amount for a in members]
    if any(not x.known for x in amounts):
        return Amount.unknown()
    lows = [x.min for x in amounts if x.min is not None]
    highs = [x.max for x in amounts if x.max is not None]
    return Amount(max(lows), sum(highs, ZERO) if overlap else max(highs))


def _alternatives(
    members: list[Award], sid: str, note: Text, overlap: bool, bounds: Amount, article: str
) -> None:
    """Each member's own bounds: at most its amount; at least its minimum only where it is
    certainly the higher (with `may_overlap`), else 0 (the other may be the one paid). The
    clause's own range stays on the award (`own`); a step says where the minimum fell."""
    for award in members:
        award.stack = sid
        award.notes.append(note)
        amount = award.amount
        if not amount.known:
            continue
        assert amount.min is not None and amount.max is not None
        others = [o.amount for o in members if o is not award]
        certain = overlap and all(_certainly_not_below(amount, o) for o in others)
        low = amount.min if certain else ZERO
        if low != amount.min:
            award.amount = Amount(low, amount.max)
            award.original = award.amount
            if overlap:
                rule_en, rule_zh = "both may pay", "是否并用未明"
                why_en = "it is certain only that the higher of them is paid"
                why_zh = "只能确定其中较高者获付"
            else:
                rule_en, rule_zh = "the higher only", "就高不重复"
                why_en = "another member may be the one paid"
                why_zh = "可能由同组另一项获付"
            award.steps.append(
                Step(
                    f"stacking group {sid} ({article}, {rule_en}): together "
                    f"{bounds.describe('en')}; {why_en}, so this clause's "
                    f"{amount.describe('en')} counts from 0 within the group: "
                    f"{amount.describe('en')} → {award.amount.describe('en')}",
                    f"组 {sid}（{article}，{rule_zh}）：合计 {bounds.describe('zh')}；{why_zh}，"
                    f"故本项 {amount.describe('zh')} 在组内下限为 0："
                    f"{amount.describe('zh')} → {award.amount.describe('zh')}",
                )
            )


def _dropped(other: Award, best: Award) -> Exclusion:
    rule = other.document.stacking
    assert rule is not None
    best.notes.append(
        Text(
            f"就高不重复：已替代 {other.measure.id}（{other.amount.describe('zh')}）",
            f"higher only: chosen over {other.measure.id} ({other.amount.describe('en')})",
        )
    )
    return Exclusion(
        other.measure,
        other.document,
        other.fact,
        "stacking",
        Text(
            f"就高不重复（{rule.article}）：同一事实适用 {best.measure.id}"
            f"（{best.amount.describe('zh')}），其下限不低于本项上限 "
            f"{fmt(other.amount.max or ZERO)}，取高者",
            f"higher only, no double award ({rule.article}): the same fact gets "
            f"{best.measure.id} ({best.amount.describe('en')}), whose minimum is at least this "
            f"one's maximum, the higher",
        ),
        other.amount,
    )
