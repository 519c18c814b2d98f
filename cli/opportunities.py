"""What else the applicant could claim, and what stands in the way.

For every money measure in force that reaches the applicant and does not already pay in
full, one `Opportunity`: the obstacle (one of `REASONS`), what would remove it (`needs`), and
what removing it would pay. That amount comes from the profile's own figures where they
decide it (the next clinical stage of a product reads that product's facts), otherwise from
the measure's own bounds, narrowed by the ceilings above it. It is never added to the
estimate's totals: opportunities are alternatives and hypotheses, not money in hand.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, NamedTuple

from .ceilings import group_id
from .engine import estimate
from .formulas import Formula, evaluate
from .model import (
    PRODUCT_PREFIX,
    AnyOf,
    Clause,
    Condition,
    Document,
    Fact,
    Profile,
    Ruleset,
    Stages,
    Text,
)
from .money import ZERO, Amount, fmt
from .results import Award, CeilingGroup, Estimate, Exclusion
from .wording import condition_words, conditions_words, field_words, fields_words, value_words

# The closed set of obstacles, in the order a consultant would tackle them.
REASONS = ("no_fact", "condition", "missing_field", "eligibility", "window", "ceiling")


def stage_kinds(ruleset: Ruleset) -> tuple[str, ...]:
    """The fact kinds that are stages of a product's development (facts.yaml `stages`)."""
    stages = ruleset.vocabulary.stages
    return stages.kinds if stages is not None else ()


class Opportunity(NamedTuple):
    """Money a measure could pay if one obstacle were removed."""

    measure: Any  # Measure
    document: Document
    reason: str  # one of REASONS
    needs: Text  # what stands in the way and what would remove it
    amount: Amount  # what removing it would pay; never part of any total
    fact: Fact | None = None
    product: str | None = None
    notes: tuple[Text, ...] = ()  # what larger figures would bring, which ceiling limits it
    ceiling: CeilingGroup | None = None  # a ceiling that cuts current awards (reason ceiling)


class Opportunities(NamedTuple):
    estimate: Estimate
    items: list[Opportunity]


def find_opportunities(
    ruleset: Ruleset, profile: Profile, as_of: dt.date, region: str | None = None
) -> Opportunities:
    """Every opportunity for the profile's applicant as of a date, ranked by money at stake.

    `region` moves the applicant there first, as compare-regions does.
    """
    result = estimate(ruleset, profile, as_of, region=region, trace=False)
    profile = result.profile
    awards: dict[str, list[Award]] = {}
    for award in result.awards:
        awards.setdefault(award.measure.id, []).append(award)
    excluded: dict[str, list[Exclusion]] = {}
    for ex in result.excluded:
        excluded.setdefault(ex.measure.id, []).append(ex)
    ctx = _Context(ruleset, profile, as_of, {g.id: g for g in result.ceilings})
    products = _products(ruleset.vocabulary.stages, profile, as_of)
    items: list[Opportunity] = [_cut(g) for g in result.ceilings if _cuts(g)]
    for status in result.documents:
        if status.status != "in_force":
            continue
        doc = status.document
        blocked = status.eligibility
        for measure in doc.measures:
            if measure.trigger is None or not measure.formula.bounds().money:
                continue
            found = _for_measure(
                ctx,
                doc,
                measure,
                awards.get(measure.id, []),
                excluded.get(measure.id, []),
                products,
            )
            if blocked:
                found = [_also_blocked(o, blocked) for o in found]
            items.extend(found)
    items.sort(key=rank_key)
    return Opportunities(result, items)


def rank_key(item: Opportunity) -> tuple[Any, ...]:
    """Most money at stake first; an unknown maximum after every known one. Ties are broken
    by what the opportunity is about, never by where its fact sits in the profile's list."""
    a = item.amount
    fact = item.fact
    return (
        a.max is None,
        -(a.max or ZERO),
        -(a.min or ZERO),
        item.document.id,
        item.measure.id,
        item.reason,
        item.ceiling.id if item.ceiling is not None else "",
        fact.date if fact is not None else dt.date.min,
        item.product or "",
        item.needs.en,
        fact.number if fact is not None else 0,
    )


class _Context(NamedTuple):
    ruleset: Ruleset
    profile: Profile
    as_of: dt.date
    groups: dict[str, CeilingGroup]  # the estimate's ceiling groups by id


# ------------------------------------------------------------------ ceilings


def _cuts(group: CeilingGroup) -> bool:
    """Whether the ceiling certainly or possibly cuts what its members would get."""
    before = group.before
    return before.max is None or before.max > group.amount


def _cut(group: CeilingGroup) -> Opportunity:
    """A ceiling that cuts current awards: one row for the ceiling and its period, the cut
    as a range [Σmin − C, Σmax − C] (floored at 0), naming the awards it cuts."""
    before, cap = group.before, group.amount
    low = max(ZERO, (before.min or ZERO) - cap)
    high = None if before.max is None or group.case_by_case else max(ZERO, before.max - cap)
    cut = Amount(low, high)
    members = sorted(group.members, key=lambda a: (a.measure.id, a.fact.date, a.fact.number))
    names_zh = "、".join(f"{a.measure.title.zh}（{a.fact.when}）" for a in members)
    names_en = "; ".join(f"{a.measure.title.en} ({a.fact.when})" for a in members)
    first = members[0]
    notes: tuple[Text, ...] = ()
    if group.case_by_case:
        notes = (
            Text(
                "同一上限下有一事一议的奖励，金额未定，削减可能更多",
                "a case-by-case award under the same ceiling has no stated amount: the cut "
                "may be larger",
            ),
        )
    return Opportunity(
        first.measure,
        first.document,
        "ceiling",
        Text(
            f"{group.article} 上限 {fmt(cap)}（{group.key_text.zh}）已被现有奖励超出：合计 "
            f"{describe(before, 'zh')}，削减 {describe(cut, 'zh')}；涉及：{names_zh}",
            f"{group.article}'s ceiling of {fmt(cap)} ({group.key_text.en}) is exceeded by "
            f"current awards: {describe(before, 'en')} in all, cut by {describe(cut, 'en')}; "
            f"it cuts: {names_en}",
        ),
        cut,
        notes=notes,
        ceiling=group,
    )


def _room(
    ctx: _Context, doc: Document, measure: Any, fact: Fact, amount: Amount
) -> tuple[Amount, tuple[Text, ...]]:
    """What an award of `amount` for this fact would bring, within what is left of every
    ceiling over the measure in the fact's period: left = [C − Σmax, C − Σmin] of the
    current awards' bounds there (floored at 0); with a note naming each ceiling that
    limits it."""
    if not amount.money or (amount.max is None and amount.min is None):
        return amount, ()
    low, high = amount.min, amount.max
    notes: list[Text] = []
    for ceiling in doc.ceilings:
        if not ceiling.applies_to(measure):
            continue
        cap = ceiling.amount
        group = ctx.groups.get(group_id(ceiling, fact))
        if group is None:
            left = Amount(cap, cap)
        else:
            used = group.bounds
            least = ZERO if group.case_by_case else max(ZERO, cap - (used.max or ZERO))
            left = Amount(least, max(ZERO, cap - (used.min or ZERO)))
        assert left.min is not None and left.max is not None
        limits = (high is None or high > left.max) or (low is not None and low > left.min)
        high = left.max if high is None else min(high, left.max)
        low = None if low is None else min(low, left.min)
        if limits and group is not None:
            notes.append(
                Text(
                    f"受 {ceiling.article} 上限 {fmt(cap)}（{group.key_text.zh}）所余限制："
                    f"现有奖励已占 {describe(group.bounds, 'zh')}，所余 {describe(left, 'zh')}",
                    f"limited by what is left of {ceiling.article}'s ceiling of {fmt(cap)} "
                    f"({group.key_text.en}): current awards take {describe(group.bounds, 'en')}, "
                    f"{describe(left, 'en')} is left",
                )
            )
    return Amount(low, high), tuple(notes)


def _hypothetical(ctx: _Context, product: str | None = None) -> Fact:
    """A fact not in the profile: this year, for a product (or a new one)."""
    return Fact(0, "", ctx.as_of, {}, product)


# ------------------------------------------------------------------ one measure


def _for_measure(
    ctx: _Context,
    doc: Document,
    measure: Any,
    awards: list[Award],
    excluded: list[Exclusion],
    products: dict[str, _Product],
) -> list[Opportunity]:
    out: list[Opportunity] = []
    trigger = measure.trigger
    for award in awards:
        out.extend(_from_award(ctx, doc, measure, award))
    seen = {a.fact.number for a in awards}
    for ex in excluded:
        if ex.fact is None or ex.fact.number in seen:
            continue
        found = _from_exclusion(ctx, doc, measure, ex)
        seen.add(ex.fact.number)
        if found is not None:
            out.append(_window_first(found))
    facts = [
        f
        for f in ctx.profile.facts
        if f.kind == trigger.kind and f.date <= ctx.as_of and f.number not in seen
    ]
    near = False  # some fact of the kind differs only in what the applicant can change
    for fact in facts:
        found = _near_miss(ctx, doc, measure, fact)
        if found is not None:
            near = True
            out.append(_window_first(found))
    if trigger.kind in stage_kinds(ctx.ruleset):
        staged = _next_stages(ctx, doc, measure, products)
        out.extend(staged)
        near = near or bool(staged)
    if not awards and not excluded and not near:
        out.append(_no_fact(ctx, doc, measure))
    return out


def _from_award(ctx: _Context, doc: Document, measure: Any, award: Award) -> list[Opportunity]:
    """A current award whose amount a field not given would make exact. (What a shared
    ceiling cuts is one row per ceiling and period, not one per award.)"""
    fact = award.fact
    out: list[Opportunity] = []
    requires = getattr(measure, "requires", None)
    if award.unknown and requires is not None and _own_fields_given(measure, fact):
        # Possible only because the other measure's conditions cannot be checked.
        found = _requirement(ctx, doc, measure, fact, award.original)
        if found is not None:
            out.append(found)
    elif award.unknown:
        # A condition reads what the profile leaves out: the award is only possible. The
        # field is given the value that makes the measure apply (the engine's first note
        # names what is missing).
        said = award.notes[0] if award.notes else Text("", "")
        found = _missing(
            ctx, doc, measure, fact, Exclusion(measure, doc, fact, "missing", said), award.unknown
        )
        if found is not None:
            out.append(found)
    missing = measure.formula.unread(fact.values)
    if not missing or not award.amount.money:
        return out
    names = fields_words(missing, _fields(ctx, measure))
    now = award.amount
    return [
        *out,
        Opportunity(
            measure,
            doc,
            "missing_field",
            Text(
                f"请提供{names.zh}：目前 {describe(now, 'zh')}，提供后可确定",
                f"give the {names.en}: {describe(now, 'en')} now, exact or narrower once known",
            ),
            now,
            fact,
            fact.product,
        ),
    ]


def _from_exclusion(
    ctx: _Context, doc: Document, measure: Any, ex: Exclusion
) -> Opportunity | None:
    fact = ex.fact
    assert fact is not None
    if ex.stage in ("window", "eligibility") and ex.amount is not None:
        amount, notes = _room(ctx, doc, measure, fact, ex.amount)
        return Opportunity(measure, doc, ex.stage, ex.reason, amount, fact, fact.product, notes)
    if ex.stage == "window":
        return None
    if ex.stage == "eligibility":
        # The measure's own applicant conditions (legal form, high-growth, …).
        failed = [
            _distance(c, ctx.profile.applicant, ctx.ruleset.vocabulary.applicant)
            for c in measure.trigger.applicant
            if not _clause_holds(c, ctx.profile.applicant)
        ]
        paid = _pays(measure, fact.values)
        if paid is None:
            return None
        amount, notes = _room(ctx, doc, measure, fact, paid)
        return Opportunity(
            measure, doc, "condition", _join(failed), amount, fact, fact.product, notes
        )
    if ex.stage == "missing":
        return _missing(ctx, doc, measure, fact, ex)
    if str(ex.stage) == "requirement":
        return _requirement(ctx, doc, measure, fact, ex.amount)
    if ex.stage == "threshold":
        return _threshold(ctx, doc, measure, fact)
    return None  # validity (documents not in force are not looked at) and stacking


def _missing(
    ctx: _Context,
    doc: Document,
    measure: Any,
    fact: Fact,
    ex: Exclusion,
    unstated: tuple[str, ...] = (),
) -> Opportunity | None:
    """A field that decides whether the measure applies is not given: it is given the value
    that makes the measure apply, and the amount is what the measure then pays. `unstated`:
    what the award lacks, with the applicant fields the document's eligibility reads."""
    values = dict(fact.values)
    fields = _fields(ctx, measure)
    given: list[Text] = []
    unknown: list[Text] = []
    for clause in measure.trigger.where:
        if isinstance(clause, Condition) and clause.field not in values:
            unknown.append(field_words(fields.get(clause.field), clause.field))
            value = _applying(clause)
            if value is not None:
                values[clause.field] = value
                given.append(condition_words(clause, fields))
    for clause in measure.trigger.applicant:
        if isinstance(clause, Condition) and clause.field not in ctx.profile.applicant:
            unknown.append(
                field_words(ctx.ruleset.vocabulary.applicant.get(clause.field), clause.field)
            )
    own = {c.field for c in measure.trigger.applicant if isinstance(c, Condition)}
    for name in dict.fromkeys(unstated):
        field = name.removeprefix("applicant.")
        if field != name and field not in own and field not in ctx.profile.applicant:
            # The document's eligibility reads it (在库企业, 独立法人资格, …).
            unknown.append(field_words(ctx.ruleset.vocabulary.applicant.get(field), field))
    paid = _pays(measure, values)
    if paid is None:
        return None
    amount, notes = _room(ctx, doc, measure, fact, paid)
    names = _join(unknown) if unknown else ex.reason
    if given:
        when = Text("，".join(g.zh for g in given), ", ".join(g.en for g in given))
        needs = Text(
            f"资料未说明：{names.zh}（决定是否适用）；若为{when.zh}，可得 {describe(amount, 'zh')}",
            f"not stated: {names.en} (it decides whether it applies); if {when.en}, it "
            f"brings {describe(amount, 'en')}",
        )
    else:
        needs = Text(
            f"资料未说明：{names.zh}（决定是否适用）",
            f"not stated: {names.en} (it decides whether it applies)",
        )
    return Opportunity(measure, doc, "missing_field", needs, amount, fact, fact.product, notes)


def _own_fields_given(measure: Any, fact: Fact) -> bool:
    return all(
        not isinstance(c, Condition) or c.field in fact.values for c in measure.trigger.where
    )


def _requirement(
    ctx: _Context, doc: Document, measure: Any, fact: Fact, amount: Amount | None
) -> Opportunity | None:
    """A measure that pays only where another measure's conditions hold ("其中…额外"): a
    `condition` opportunity naming the other measure, with what its facts miss."""
    requires = getattr(measure, "requires", None)
    if requires is None or requires.measure not in ctx.ruleset.measures:
        return None
    other = ctx.ruleset.measures[requires.measure]
    del amount  # what the estimate holds is cut to "possible"; the measure's own pay counts
    paid = _pays(measure, fact.values)
    if paid is None:
        return None
    shown, notes = _room(ctx, doc, measure, fact, paid)
    # What the other measure's facts miss (the HQ's output below its threshold, …).
    misses: list[Text] = []
    if other.trigger is not None:
        fields = ctx.ruleset.vocabulary.kinds[other.trigger.kind].fields
        for candidate in ctx.profile.facts:
            if candidate.kind != other.trigger.kind or candidate.date > ctx.as_of:
                continue
            if requires.same == "product" and candidate.product != fact.product:
                continue
            misses += [
                _distance(c, candidate.values, fields)
                for c in other.trigger.where
                if not _clause_holds(c, candidate.values)
            ]
    label = (
        ctx.ruleset.vocabulary.kinds[other.trigger.kind].label
        if other.trigger is not None
        else other.title
    )
    what = Text(
        f"须“{other.title.zh}”（{other.article}）的条件同时成立",
        f"needs the conditions of “{other.title.en}” ({other.article}) to hold as well",
    )
    if misses:
        detail = _join(misses)
        needs = Text(f"{what.zh}：{detail.zh}", f"{what.en}: {detail.en}")
    else:
        needs = Text(
            f"{what.zh}（资料无从判断：{label.zh}）",
            f"{what.en} (the profile cannot tell: {label.en})",
        )
    return Opportunity(measure, doc, "condition", needs, shown, fact, fact.product, notes)


def _threshold(ctx: _Context, doc: Document, measure: Any, fact: Fact) -> Opportunity | None:
    """A formula that gave nothing for the fact: a band not reached, or its input missing."""
    formula: Formula = measure.formula
    undecided = formula.undecided_by(fact.values)
    fields = _fields(ctx, measure)
    if undecided is not None:
        amount, notes = _room(ctx, doc, measure, fact, formula.bounds())
        name = field_words(fields.get(undecided), undecided)
        return Opportunity(
            measure,
            doc,
            "missing_field",
            Text(
                f"请提供{name.zh}：决定是否适用及金额",
                f"give the {name.en}: it decides whether it applies and the amount",
            ),
            _undecided(amount),
            fact,
            fact.product,
            notes,
        )
    found = formula.threshold(fact.values)
    if found is None or found.amount is None or not found.amount.money:
        return None
    amount, notes = _room(ctx, doc, measure, fact, found.amount)
    value = Decimal(fact.values[found.field])
    word = "≥" if found.inclusive else ">"
    label = ctx.ruleset.vocabulary.kinds[fact.kind].label
    year = fact.date.year
    extra = list(_at_threshold_notes(found.inclusive, found.at))
    extra += _more_notes(formula, found.field, amount, fields)
    name = field_words(fields.get(found.field), found.field)
    return Opportunity(
        measure,
        doc,
        "condition",
        Text(
            f"{label.zh}：{name.zh} {fmt(value)}（{year}）；须 {word} "
            f"{fmt(found.at)}，达到后 {describe(amount, 'zh')}",
            f"{label.en}: {name.en} {fmt(value)} in {year}; {word} "
            f"{fmt(found.at)} needed, which brings {describe(amount, 'en')}",
        ),
        amount,
        fact,
        fact.product,
        (*extra, *notes),
    )


def _near_miss(ctx: _Context, doc: Document, measure: Any, fact: Fact) -> Opportunity | None:
    """A fact of the measure's kind whose conditions fail only on what can change: a flag
    not yet true, an amount under a threshold. A different category (another phase, device
    class or product type) is not a near miss: it is no fact of the kind the measure wants."""
    values = dict(fact.values)
    distances: list[Text] = []
    extra: list[Text] = []
    grows: list[str] = []
    for clause in measure.trigger.where:
        if _clause_holds(clause, fact.values):
            continue
        if not isinstance(clause, Condition) or clause.field not in fact.values:
            return None
        fix = _fix(clause)
        if fix is None:
            return None
        values[clause.field] = fix
        distances.append(_distance(clause, fact.values, _fields(ctx, measure)))
        if clause.op == "above":
            extra += _at_threshold_notes(False, clause.value)
        if measure.formula.grows_with(clause.field):
            grows.append(clause.field)
    if not distances:
        return None
    paid = _pays(measure, values)
    if paid is None:
        return None
    amount, notes = _room(ctx, doc, measure, fact, paid)
    for name in grows:
        extra += _more_notes(measure.formula, name, amount, _fields(ctx, measure))
    return Opportunity(
        measure, doc, "condition", _join(distances), amount, fact, fact.product, (*extra, *notes)
    )


def _at_threshold_notes(inclusive: bool, at: Decimal) -> list[Text]:
    if inclusive:
        return []
    return [
        Text(
            f"原文为“超过 {fmt(at)}”，此处按恰好 {fmt(at)} 计算",
            f'the text says "more than {fmt(at)}" (超过); computed at {fmt(at)} itself',
        )
    ]


def _more_notes(formula: Formula, field: str, amount: Amount, fields: dict[str, Any]) -> list[Text]:
    """Larger figures bring more: up to what, as a note (never as the row's maximum)."""
    if not formula.grows_with(field):
        return []
    most = formula.bounds().max
    if most is not None and amount.max is not None and most <= amount.max:
        return []
    up_to = fmt(most) if most is not None else None
    name = field_words(fields.get(field), field)
    return [
        Text(
            f"{name.zh}更高则更多" + (f"，最高 {up_to}" if up_to else "，上限未定"),
            f"a higher {name.en} brings more" + (f", up to {up_to}" if up_to else ""),
        )
    ]


def _no_fact(ctx: _Context, doc: Document, measure: Any) -> Opportunity:
    trigger = measure.trigger
    conds = conditions_words(trigger.where, _fields(ctx, measure))
    label = ctx.ruleset.vocabulary.kinds[trigger.kind].label
    bounds, notes = _room(ctx, doc, measure, _hypothetical(ctx), measure.formula.bounds())
    when_zh = f"（{conds.zh}）" if conds.zh else ""
    when_en = f" ({conds.en})" if conds.en else ""
    return Opportunity(
        measure,
        doc,
        "no_fact",
        Text(
            f"资料中尚无：{label.zh}{when_zh}；有则可得 {describe(bounds, 'zh')}",
            f"not yet in the profile: {label.en}{when_en}; that would bring "
            f"{describe(bounds, 'en')}",
        ),
        bounds,
        notes=notes,
    )


def _window_first(item: Opportunity) -> Opportunity:
    """A fact outside the document's window cannot be mended by giving a field or meeting a
    condition: the window is the obstacle, and the rest only decides the amount."""
    fact, doc = item.fact, item.document
    if fact is None or item.reason == "window":
        return item
    start, end = doc.window_start, doc.effective_until
    if (start is None or fact.date >= start) and (end is None or fact.date <= end):
        return item
    window = f"{start or '…'} – {end or '…'}"
    return item._replace(
        reason="window",
        needs=Text(
            f"事实日期 {fact.when} 不在文件适用期间（{window}）；另：{item.needs.zh}",
            f"the fact's date {fact.when} is outside the document's window ({window}); "
            f"besides: {item.needs.en}",
        ),
        amount=_undecided(item.amount) if item.reason == "missing_field" else item.amount,
    )


def describe(amount: Amount, lang: str) -> str:
    """An amount in words, with "at least" where only the least is known."""
    if amount.money and amount.max is None and amount.min:
        return (
            f"至少 {fmt(amount.min)}，上限未定" if lang == "zh" else f"at least {fmt(amount.min)}"
        )
    return amount.describe(lang)


def _also_blocked(item: Opportunity, blocked: tuple[Text, ...]) -> Opportunity:
    if item.reason == "eligibility":
        return item
    zh = "；".join(r.zh for r in blocked)
    en = "; ".join(r.en for r in blocked)
    return item._replace(
        needs=Text(f"{item.needs.zh}；另须：{zh}", f"{item.needs.en}; also needed: {en}")
    )


# ------------------------------------------------------------------ clinical stages


class _Product(NamedTuple):
    name: str
    key: str | None  # the product's name in the profile (None: an unnamed product's fact)
    entered: int  # the furthest phase entered (0: none)
    completed: int  # the furthest phase completed (0: none)
    approved: bool  # clinical approval or any phase reached
    values: dict[str, Any]  # the product's own fields (type, class, place), latest first


def _products(stages: Stages | None, profile: Profile, as_of: dt.date) -> dict[str, _Product]:
    if stages is None:
        return {}
    grouped: dict[str, list[Fact]] = {}
    for fact in profile.facts:
        if fact.kind in stages.kinds and fact.date <= as_of:
            key = fact.product if fact.product is not None else f"#{fact.number}"
            grouped.setdefault(key, []).append(fact)
    out = {}
    for name, facts in grouped.items():
        entered = completed = 0
        approved = False
        values: dict[str, Any] = {}
        # Same-day facts in an order of their own, not the profile's: the result must not
        # depend on how the facts are listed.
        for fact in sorted(facts, key=_fact_order):
            phase = fact.values.get(stages.phase)
            if fact.kind != stages.preclinical:
                approved = True
            if fact.kind == stages.entered and isinstance(phase, int):
                entered = max(entered, phase)
            if fact.kind == stages.completed and isinstance(phase, int):
                completed = max(completed, phase)
                next_too = 1 if fact.values.get(stages.next_entered) else 0
                entered = max(entered, phase + next_too)
            values.update({k: v for k, v in fact.values.items() if k not in stages.stage_fields})
        out[name] = _Product(
            name, facts[0].product, min(entered, stages.last_phase), completed, approved, values
        )
    return out


def _fact_order(fact: Fact) -> tuple[Any, ...]:
    return (fact.date, fact.kind, sorted((k, repr(v)) for k, v in fact.values.items()))


def _next_stages(
    ctx: _Context,
    doc: Document,
    measure: Any,
    products: dict[str, _Product],
) -> list[Opportunity]:
    """The next stage of each product that this measure pays for, as its own opportunity."""
    kind = measure.trigger.kind
    fields = ctx.ruleset.vocabulary.kinds[kind].fields
    stages = ctx.ruleset.vocabulary.stages
    assert stages is not None  # the measure's kind is a stage
    out = []
    for product in products.values():
        if kind == stages.entered:
            phase: int | None = product.entered + 1
        elif kind == stages.completed:
            phase = product.completed + 1
        elif kind == stages.approval and not product.approved:
            phase = None
        else:
            continue
        if phase is not None and phase > stages.last_phase:
            continue
        values = {
            k: v for k, v in product.values.items() if k in fields or k.startswith(PRODUCT_PREFIX)
        }
        if phase is not None:
            values[stages.phase] = phase
        asks: list[str] = []
        open_fields: list[str] = []
        fits = True
        for clause in measure.trigger.where:
            if not isinstance(clause, Condition):
                fits = fits and _clause_holds(clause, values)
                continue
            name = clause.field
            if name in values:
                fits = fits and clause.holds(values[name])
            elif name in stages.stage_fields and clause.op == "eq":
                values[name] = clause.value
                asks.append(name)
            elif fields.get(name) is not None and fields[name].place:
                continue  # assumed, as the engine assumes it
            else:
                open_fields.append(name)
        if not fits:
            continue
        if not all(_clause_holds(c, ctx.profile.applicant) for c in measure.trigger.applicant):
            continue
        paid = _pays(measure, values)
        if paid is None:
            continue
        paid, notes = _room(ctx, doc, measure, _hypothetical(ctx, product.key), paid)
        if open_fields:
            paid = _undecided(paid)
        found = _stage_opportunity(
            doc, measure, product, stages, phase, asks, open_fields, paid, fields
        )
        out.append(found._replace(notes=notes))
    return out


def _stage_opportunity(
    doc: Document,
    measure: Any,
    product: _Product,
    stages: Stages,
    phase: int | None,
    asks: list[str],
    open_fields: list[str],
    paid: Amount,
    measure_fields: Mapping[str, Any],
) -> Opportunity:
    roman = {1: "I", 2: "II", 3: "III"}
    kind = measure.trigger.kind
    if kind == stages.approval:
        zh, en = (
            f"取得 {product.name} 的临床试验批件或备案",
            f"obtaining clinical approval for {product.name}",
        )
    elif kind == stages.entered:
        zh = f"{product.name} 进入{roman[phase or 1]}期临床试验"
        en = f"entering Phase {roman[phase or 1]} with {product.name}"
    else:
        zh = f"{product.name} 完成{roman[phase or 1]}期临床试验"
        en = f"completing Phase {roman[phase or 1]} of {product.name}"
    fields = measure_fields
    for name in asks:
        if name == stages.next_entered and phase is not None:
            zh += f"并进入{roman.get(phase + 1, str(phase + 1))}期"
            en += f" and entering Phase {roman.get(phase + 1, str(phase + 1))}"
        elif name != stages.phase:
            words = field_words(fields.get(name), name)
            zh += f"并{words.zh}"
            en += f" with {words.en}"
    extra_zh = extra_en = ""
    stage_inputs = [
        f for f in measure.formula.reads() if f in stages.stage_fields and f != stages.phase
    ]
    if stage_inputs and paid.min != paid.max:
        inputs = fields_words(stage_inputs, fields)
        extra_zh = f"；该阶段的{inputs.zh}决定确切金额"
        extra_en = f"; that stage's {inputs.en} decides the exact figure"
    if open_fields:
        given = fields_words(open_fields, fields)
        extra_zh += f"；须说明{given.zh}"
        extra_en += f"; give the {given.en} to decide it"
    return Opportunity(
        measure,
        doc,
        "no_fact",
        Text(
            f"下一阶段：{zh}，可得 {describe(paid, 'zh')}{extra_zh}",
            f"next stage: {en} brings {describe(paid, 'en')}{extra_en}",
        ),
        paid,
        None,
        product.name,
    )


# ------------------------------------------------------------------ amounts


def formula_bounds(formula: Formula) -> Amount:
    """The least and most one award of the formula can be, whatever the facts."""
    return formula.bounds()


def formula_reads(formula: Formula) -> list[str]:
    """Every fact field the formula reads for its amount."""
    return formula.reads()


def own_bounds(doc: Document, measure: Any) -> Amount:
    """The measure's own bounds, narrowed by every ceiling of its document over it."""
    amount: Amount = measure.formula.bounds()
    if amount.max is None or not amount.money:
        return amount
    high = amount.max
    for ceiling in doc.ceilings:
        if ceiling.applies_to(measure):
            high = min(high, ceiling.amount)
    low = amount.min if amount.min is None else min(amount.min, high)
    return Amount(low, high)


def _pays(measure: Any, values: dict[str, Any]) -> Amount | None:
    outcome = evaluate(measure.formula, values, trace=False)
    if outcome.amount is None or not outcome.amount.money:
        return None
    return outcome.amount


def _undecided(amount: Amount) -> Amount:
    """Undecided whether it applies at all: from nothing to what it would pay."""
    if amount.max is None:
        return Amount(ZERO if amount.min is not None else None, None)
    return Amount.up_to(amount.max)


# ------------------------------------------------------------------ conditions


def _clause_holds(clause: Clause, values: dict[str, Any]) -> bool:
    if isinstance(clause, AnyOf):
        return any(all(_clause_holds(c, values) for c in group) for group in clause.groups)
    if clause.field not in values:
        return True  # not stated: the engine reports it as missing, not as failing
    return clause.holds(values[clause.field])


def _fix(clause: Condition) -> Any:
    """The least change of a field that makes the condition hold, or None when the
    condition names a category rather than something the applicant can reach."""
    if clause.op == "eq" and isinstance(clause.value, bool):
        return clause.value
    if clause.op == "min":
        return clause.value
    if clause.op == "above":
        return clause.value  # 超过: taken at the threshold itself, and said so
    return None  # an upper limit (subsidy year ≤ 3) is not reached by doing more


def _applying(clause: Condition) -> Any:
    """A value for a field not given that makes the condition hold (the threshold itself for
    超过), or None where no one value is the obvious one."""
    if clause.op in ("eq", "min", "above", "max"):
        return clause.value
    if clause.op == "in" and clause.value:
        return next(iter(clause.value))
    return None


def _distance(clause: Clause, values: dict[str, Any], fields: Mapping[str, Any]) -> Text:
    need = condition_words(clause, fields)
    if not isinstance(clause, Condition):
        return Text(f"须满足：{need.zh}", f"needs {need.en}")
    spec = fields.get(clause.field)
    name = field_words(spec, clause.field)
    shown = value_words(spec, values.get(clause.field))
    return Text(f"{name.zh}：{shown.zh}；须{need.zh}", f"{name.en}: {shown.en}; needs {need.en}")


def _fields(ctx: _Context, measure: Any) -> dict[str, Any]:
    """The fields of the measure's fact kind and the attributes of its product
    (`product.<attribute>`), for their labels."""
    vocabulary = ctx.ruleset.vocabulary
    fields: dict[str, Any] = dict(vocabulary.kinds[measure.trigger.kind].fields)
    fields.update({PRODUCT_PREFIX + k: v for k, v in vocabulary.products.items()})
    return fields


def _join(parts: list[Text]) -> Text:
    return Text("；".join(p.zh for p in parts), "; ".join(p.en for p in parts))


__all__ = [
    "REASONS",
    "Opportunities",
    "Opportunity",
    "find_opportunities",
    "formula_bounds",
    "formula_reads",
    "own_bounds",
    "rank_key",
]
