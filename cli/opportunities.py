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
from decimal import Decimal
from typing import Any, NamedTuple

from .engine import estimate
from .formulas import (
    Banded,
    CaseByCase,
    Fixed,
    Formula,
    NoMoney,
    PerUnit,
    Range,
    Share,
    ShareRange,
    Staged,
    Tiered,
    UpTo,
    evaluate,
)
from .model import AnyOf, Clause, Condition, Document, Fact, Profile, Ruleset, Text
from .money import ZERO, Amount, fmt
from .results import Award, CeilingGroup, Estimate, Exclusion

# The closed set of obstacles, in the order a consultant would tackle them.
REASONS = ("no_fact", "condition", "missing_field", "eligibility", "window", "ceiling")

CLINICAL_KINDS = ("clinical_phase_entered", "clinical_phase_completed")
PRODUCT_KINDS = ("preclinical_project", "clinical_approval", *CLINICAL_KINDS)
# Fields that belong to one stage of a product, not to the product: a next stage has its own.
STAGE_FIELDS = frozenset({"phase", "next_phase_entered", "registration_approved", "rd_spend"})
LAST_PHASE = 3
_STEP = Decimal("0.01")  # the least amount "more than" a threshold (万元, one hundred yuan)


class Opportunity(NamedTuple):
    """Money a measure could pay if one obstacle were removed."""

    measure: Any  # Measure
    document: Document
    reason: str  # one of REASONS
    needs: Text  # what stands in the way and what would remove it
    amount: Amount  # what removing it would pay; never part of any total
    fact: Fact | None = None
    product: str | None = None


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
    products = _products(profile, as_of)
    groups = {g.id: g for g in result.ceilings}
    items: list[Opportunity] = []
    for status in result.documents:
        if status.status != "in_force":
            continue
        doc = status.document
        blocked = status.eligibility
        for measure in doc.measures:
            if measure.trigger is None or isinstance(measure.formula, NoMoney):
                continue
            found = _for_measure(
                ruleset,
                profile,
                doc,
                measure,
                awards.get(measure.id, []),
                excluded.get(measure.id, []),
                products,
                as_of,
                groups,
            )
            if blocked:
                found = [_also_blocked(o, blocked) for o in found]
            items.extend(found)
    items.sort(key=rank_key)
    return Opportunities(result, items)


def rank_key(item: Opportunity) -> tuple[Any, ...]:
    """Most money at stake first; an unknown maximum after every known one."""
    a = item.amount
    return (
        a.max is None,
        -(a.max or ZERO),
        -(a.min or ZERO),
        item.document.id,
        item.measure.id,
        item.fact.number if item.fact else 0,
        item.product or "",
    )


# ------------------------------------------------------------------ one measure


def _for_measure(
    ruleset: Ruleset,
    profile: Profile,
    doc: Document,
    measure: Any,
    awards: list[Award],
    excluded: list[Exclusion],
    products: dict[str, _Product],
    as_of: dt.date,
    groups: dict[str, CeilingGroup],
) -> list[Opportunity]:
    out: list[Opportunity] = []
    trigger = measure.trigger
    for award in awards:
        out.extend(_from_award(doc, measure, award, groups))
    seen = {a.fact.number for a in awards}
    for ex in excluded:
        if ex.fact is None or ex.fact.number in seen:
            continue
        found = _from_exclusion(ruleset, profile, doc, measure, ex)
        seen.add(ex.fact.number)
        if found is not None:
            out.append(_window_first(found))
    facts = [
        f
        for f in profile.facts
        if f.kind == trigger.kind and f.date <= as_of and f.number not in seen
    ]
    near = False  # some fact of the kind differs only in what the applicant can change
    for fact in facts:
        found = _near_miss(ruleset, doc, measure, fact)
        if found is not None:
            near = True
            out.append(_window_first(found))
    if trigger.kind in PRODUCT_KINDS:
        staged = _next_stages(ruleset, profile, doc, measure, products)
        out.extend(staged)
        near = near or bool(staged)
    if not awards and not excluded and not near:
        out.append(_no_fact(ruleset, doc, measure))
    return out


def _from_award(
    doc: Document, measure: Any, award: Award, groups: dict[str, CeilingGroup]
) -> list[Opportunity]:
    out = []
    fact = award.fact
    missing = _unread(measure.formula, fact.values)
    if missing and award.amount.money:
        names = ", ".join(missing)
        now = award.amount
        out.append(
            Opportunity(
                measure,
                doc,
                "missing_field",
                Text(
                    f"请提供 {names}：目前 {describe(now, 'zh')}，提供后可确定",
                    f"give {names}: {describe(now, 'en')} now, exact or narrower once known",
                ),
                now,
                fact,
                fact.product,
            )
        )
    original = award.original
    if original != award.amount and original.known and award.amount.known:
        assert original.min is not None and original.max is not None
        assert award.amount.min is not None and award.amount.max is not None
        # What the shared ceiling may take: at least what is certainly lost, at most the
        # award's own maximum less what it is certain to keep (R4).
        cut = Amount(
            max(ZERO, original.min - award.amount.max), max(ZERO, original.max - award.amount.min)
        )
        cutting = [groups[g] for g in award.groups if g in groups and groups[g].cut]
        if cutting:
            named = Text(
                "；".join(
                    f"{g.ceiling.id}（{g.article}，{fmt(g.amount)}，{g.key_text.zh}）"
                    for g in cutting
                ),
                "; ".join(
                    f"{g.ceiling.id} ({g.article}, {fmt(g.amount)}, {g.key_text.en})"
                    for g in cutting
                ),
            )
        else:  # no group recorded: every ceiling of the document that covers the measure
            covering = [c for c in doc.ceilings if c.covers(measure.id)]
            named = Text(
                "；".join(f"{c.id}（{c.article}，{fmt(c.amount)}）" for c in covering),
                "; ".join(f"{c.id} ({c.article}, {fmt(c.amount)})" for c in covering),
            )
        out.append(
            Opportunity(
                measure,
                doc,
                "ceiling",
                Text(
                    f"共享上限已被占用：{describe(original, 'zh')} 削减为 "
                    f"{describe(award.amount, 'zh')}（{named.zh}）",
                    f"a shared ceiling already used cuts {describe(original, 'en')} to "
                    f"{describe(award.amount, 'en')} ({named.en})",
                ),
                cut,
                fact,
                fact.product,
            )
        )
    return out


def _from_exclusion(
    ruleset: Ruleset, profile: Profile, doc: Document, measure: Any, ex: Exclusion
) -> Opportunity | None:
    fact = ex.fact
    assert fact is not None
    if ex.stage == "window":
        if ex.amount is None:
            return None
        return Opportunity(
            measure, doc, "window", ex.reason, _capped(doc, measure, ex.amount), fact, fact.product
        )
    if ex.stage == "eligibility" and ex.amount is not None:
        return Opportunity(
            measure,
            doc,
            "eligibility",
            ex.reason,
            _capped(doc, measure, ex.amount),
            fact,
            fact.product,
        )
    if ex.stage == "eligibility":
        # The measure's own applicant conditions (legal form, high-growth, …).
        failed = [
            _distance(c, profile.applicant, "applicant.")
            for c in measure.trigger.applicant
            if not _clause_holds(c, profile.applicant)
        ]
        paid = _pays(doc, measure, fact.values)
        if paid is None:
            return None
        return Opportunity(
            measure,
            doc,
            "condition",
            _join(failed),
            paid,
            fact,
            fact.product,
        )
    if ex.stage == "missing":
        paid = _pays(doc, measure, fact.values)
        if paid is None:
            return None
        names = ex.reason  # the engine names the fields
        return Opportunity(
            measure,
            doc,
            "missing_field",
            Text(f"{names.zh}（决定是否适用）", f"{names.en} (it decides whether it applies)"),
            _undecided(paid),
            fact,
            fact.product,
        )
    if ex.stage == "threshold":
        return _threshold(ruleset, doc, measure, fact)
    return None  # validity (documents not in force are not looked at) and stacking


def _threshold(ruleset: Ruleset, doc: Document, measure: Any, fact: Fact) -> Opportunity | None:
    """A formula that gave nothing for the fact: a band not reached, or its input missing."""
    formula = _selected(measure.formula, fact.values)
    if formula is None:
        by = measure.formula.by if isinstance(measure.formula, Staged | Tiered) else None
        if by is not None and by not in fact.values:
            return Opportunity(
                measure,
                doc,
                "missing_field",
                Text(f"请提供 {by}：决定金额档次", f"give {by}: it decides the amount"),
                _undecided(own_bounds(doc, measure)),
                fact,
                fact.product,
            )
        return None
    if not isinstance(formula, Banded):
        return None
    value = fact.values.get(formula.base)
    if value is None:
        return Opportunity(
            measure,
            doc,
            "missing_field",
            Text(
                f"请提供 {formula.base}：决定是否达到门槛及金额",
                f"give {formula.base}: it decides the band and the amount",
            ),
            _undecided(own_bounds(doc, measure)),
            fact,
            fact.product,
        )
    lowest = formula.bands[0]
    if lowest.lower is None or Decimal(value) >= lowest.lower:
        return None  # above every band: nothing a client would want to change
    needed = lowest.lower if lowest.lower_inclusive else lowest.lower + _STEP
    values = dict(fact.values, **{formula.base: needed})
    paid = _pays(doc, measure, values)
    if paid is None:
        return None
    if _feeds_share(formula, formula.base):
        paid = _widen(paid, own_bounds(doc, measure))
    word = "≥" if lowest.lower_inclusive else ">"
    label = ruleset.vocabulary.kinds[fact.kind].label
    year = fact.date.year
    return Opportunity(
        measure,
        doc,
        "condition",
        Text(
            f"{label.zh} {formula.base} {fmt(Decimal(value))}（{year}）；须 {word} "
            f"{fmt(lowest.lower)}，达到后 {describe(paid, 'zh')}",
            f"{label.en}: {formula.base} {fmt(Decimal(value))} in {year}; {word} "
            f"{fmt(lowest.lower)} needed, which brings {describe(paid, 'en')}",
        ),
        paid,
        fact,
        fact.product,
    )


def _near_miss(ruleset: Ruleset, doc: Document, measure: Any, fact: Fact) -> Opportunity | None:
    """A fact of the measure's kind whose conditions fail only on what can change: a flag
    not yet true, an amount under a threshold. A different category (another phase, device
    class or product type) is not a near miss: it is no fact of the kind the measure wants."""
    values = dict(fact.values)
    distances: list[Text] = []
    grows = False
    for clause in measure.trigger.where:
        if _clause_holds(clause, fact.values):
            continue
        if not isinstance(clause, Condition) or clause.field not in fact.values:
            return None
        fix = _fix(clause)
        if fix is None:
            return None
        values[clause.field] = fix
        distances.append(_distance(clause, fact.values, ""))
        grows = grows or _feeds_share(measure.formula, clause.field)
    if not distances:
        return None
    paid = _pays(doc, measure, values)
    if paid is None:
        return None
    if grows:
        paid = _widen(paid, own_bounds(doc, measure))
    del ruleset
    return Opportunity(measure, doc, "condition", _join(distances), paid, fact, fact.product)


def _no_fact(ruleset: Ruleset, doc: Document, measure: Any) -> Opportunity:
    del ruleset
    trigger = measure.trigger
    conds = "; ".join(c.describe() for c in trigger.where)
    bounds = own_bounds(doc, measure)
    when_zh = f"，条件：{conds}" if conds else ""
    when_en = f" with {conds}" if conds else ""
    return Opportunity(
        measure,
        doc,
        "no_fact",
        Text(
            f"资料中没有 {trigger.kind} 事实{when_zh}；有则可得 {describe(bounds, 'zh')}",
            f"no {trigger.kind} fact{when_en} in the profile; one would bring "
            f"{describe(bounds, 'en')}",
        ),
        bounds,
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
    entered: int  # the furthest phase entered (0: none)
    completed: int  # the furthest phase completed (0: none)
    approved: bool  # clinical approval or any phase reached
    values: dict[str, Any]  # the product's own fields (type, class, place), latest first


def _products(profile: Profile, as_of: dt.date) -> dict[str, _Product]:
    grouped: dict[str, list[Fact]] = {}
    for fact in profile.facts:
        if fact.kind in PRODUCT_KINDS and fact.date <= as_of:
            key = fact.product if fact.product is not None else f"#{fact.number}"
            grouped.setdefault(key, []).append(fact)
    out = {}
    for name, facts in grouped.items():
        entered = completed = 0
        approved = False
        values: dict[str, Any] = {}
        for fact in sorted(facts, key=lambda f: (f.date, f.number)):
            phase = fact.values.get("phase")
            if fact.kind != "preclinical_project":
                approved = True
            if fact.kind == "clinical_phase_entered" and isinstance(phase, int):
                entered = max(entered, phase)
            if fact.kind == "clinical_phase_completed" and isinstance(phase, int):
                completed = max(completed, phase)
                entered = max(entered, phase + (1 if fact.values.get("next_phase_entered") else 0))
            values.update({k: v for k, v in fact.values.items() if k not in STAGE_FIELDS})
        out[name] = _Product(name, min(entered, LAST_PHASE), completed, approved, values)
    return out


def _next_stages(
    ruleset: Ruleset,
    profile: Profile,
    doc: Document,
    measure: Any,
    products: dict[str, _Product],
) -> list[Opportunity]:
    """The next stage of each product that this measure pays for, as its own opportunity."""
    kind = measure.trigger.kind
    fields = ruleset.vocabulary.kinds[kind].fields
    out = []
    for product in products.values():
        if kind == "clinical_phase_entered":
            phase: int | None = product.entered + 1
        elif kind == "clinical_phase_completed":
            phase = product.completed + 1
        elif kind == "clinical_approval" and not product.approved:
            phase = None
        else:
            continue
        if phase is not None and phase > LAST_PHASE:
            continue
        values = {k: v for k, v in product.values.items() if k in fields}
        if phase is not None:
            values["phase"] = phase
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
            elif name in STAGE_FIELDS and clause.op == "eq":
                values[name] = clause.value
                asks.append(name)
            elif fields.get(name) is not None and fields[name].place:
                continue  # assumed, as the engine assumes it
            else:
                open_fields.append(name)
        if not fits:
            continue
        if not all(_clause_holds(c, profile.applicant) for c in measure.trigger.applicant):
            continue
        paid = _pays(doc, measure, values)
        if paid is None:
            continue
        if open_fields:
            paid = _undecided(paid)
        out.append(_stage_opportunity(doc, measure, product, kind, phase, asks, open_fields, paid))
    return out


def _stage_opportunity(
    doc: Document,
    measure: Any,
    product: _Product,
    kind: str,
    phase: int | None,
    asks: list[str],
    open_fields: list[str],
    paid: Amount,
) -> Opportunity:
    roman = {1: "I", 2: "II", 3: "III"}
    if kind == "clinical_approval":
        zh, en = (
            f"取得 {product.name} 的临床试验批件或备案",
            f"obtaining clinical approval for {product.name}",
        )
    elif kind == "clinical_phase_entered":
        zh = f"{product.name} 进入{roman[phase or 1]}期临床试验"
        en = f"entering Phase {roman[phase or 1]} with {product.name}"
    else:
        zh = f"{product.name} 完成{roman[phase or 1]}期临床试验"
        en = f"completing Phase {roman[phase or 1]} of {product.name}"
    if "next_phase_entered" in asks and phase is not None:
        zh += f"并进入{roman.get(phase + 1, str(phase + 1))}期"
        en += f" and entering Phase {roman.get(phase + 1, str(phase + 1))}"
    if "registration_approved" in asks:
        zh += "并取得注册批件"
        en += " with marketing registration approved"
    extra_zh = extra_en = ""
    stage_inputs = [f for f in formula_reads(measure.formula) if f in STAGE_FIELDS and f != "phase"]
    if stage_inputs and paid.min != paid.max:
        extra_zh = f"；该阶段的 {', '.join(stage_inputs)} 决定确切金额"
        extra_en = f"; that stage's {', '.join(stage_inputs)} decides the exact figure"
    if open_fields:
        extra_zh += f"；须说明 {', '.join(open_fields)}"
        extra_en += f"; give {', '.join(open_fields)} to decide it"
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
    """The least and most one award of the formula can be, whatever the facts (None: the
    text sets no bound)."""
    if isinstance(formula, Fixed):
        return Amount.exact(formula.amount)
    if isinstance(formula, UpTo):
        return Amount.up_to(formula.max)
    if isinstance(formula, Range):
        return Amount(formula.min, formula.max)
    if isinstance(formula, Share | ShareRange):
        return Amount(ZERO, formula.max)
    if isinstance(formula, CaseByCase):
        return Amount.unknown()
    if isinstance(formula, NoMoney):
        return Amount.none()
    if isinstance(formula, PerUnit):
        each = formula_bounds(formula.each)
        return Amount(each.min, None)  # how many units is open
    if isinstance(formula, Staged | Tiered):
        options = list(formula.options.values())
    elif isinstance(formula, Banded):
        options = [b.formula for b in formula.bands]
    else:
        raise TypeError(f"no bounds for formula kind '{formula.kind}'")
    bounds = [formula_bounds(o) for o in options]
    mins = [b.min for b in bounds]
    maxes = [b.max for b in bounds]
    low = None if any(m is None for m in mins) else min(m for m in mins if m is not None)
    high = None if any(m is None for m in maxes) else max(m for m in maxes if m is not None)
    return Amount(low, high)


def own_bounds(doc: Document, measure: Any) -> Amount:
    """The measure's own bounds, narrowed by every ceiling of its document that covers it."""
    return _capped(doc, measure, formula_bounds(measure.formula))


def _capped(doc: Document, measure: Any, amount: Amount) -> Amount:
    if amount.max is None or not amount.money:
        return amount
    high = amount.max
    for ceiling in doc.ceilings:
        if ceiling.covers(measure.id):
            high = min(high, ceiling.amount)
    low = amount.min if amount.min is None else min(amount.min, high)
    return Amount(low, high)


def _pays(doc: Document, measure: Any, values: dict[str, Any]) -> Amount | None:
    outcome = evaluate(measure.formula, values, trace=False)
    if outcome.amount is None or not outcome.amount.money:
        return None
    return _capped(doc, measure, outcome.amount)


def _undecided(amount: Amount) -> Amount:
    """Undecided whether it applies at all: from nothing to what it would pay."""
    if amount.max is None:
        return Amount(ZERO if amount.min is not None else None, None)
    return Amount.up_to(amount.max)


def _widen(paid: Amount, bounds: Amount) -> Amount:
    """More of the base pays more: from the least that qualifies up to the measure's max."""
    high = paid.max if paid.max is None or bounds.max is None else max(paid.max, bounds.max)
    if bounds.max is None:
        high = None
    return Amount(paid.min, high)


def _selected(formula: Formula, values: dict[str, Any]) -> Formula | None:
    """The part of a choice the fact selects (the formula itself when it is no choice)."""
    if isinstance(formula, Staged | Tiered):
        value = values.get(formula.by)
        if value is None:
            return None
        key = str(value).lower() if isinstance(value, bool) else str(value)
        option = formula.options.get(key)
        return None if option is None else _selected(option, values)
    if isinstance(formula, PerUnit):
        return _selected(formula.each, values)
    return formula


def formula_reads(formula: Formula) -> list[str]:
    """Every fact field the formula reads for its amount."""
    if isinstance(formula, Share | ShareRange):
        return [formula.base]
    if isinstance(formula, PerUnit):
        return [formula.count_field, *formula_reads(formula.each)]
    if isinstance(formula, Staged | Tiered):
        out = [formula.by]
        for option in formula.options.values():
            out += [f for f in formula_reads(option) if f not in out]
        return out
    if isinstance(formula, Banded):
        out = [formula.base]
        for band in formula.bands:
            out += [f for f in formula_reads(band.formula) if f not in out]
        return out
    return []


def _unread(formula: Formula, values: dict[str, Any]) -> list[str]:
    """Fields the formula would read for this fact but the fact does not give."""
    if isinstance(formula, Share | ShareRange):
        return [] if formula.base in values else [formula.base]
    if isinstance(formula, PerUnit):
        return _unread(formula.each, values)  # a count not given is one unit, as documented
    if isinstance(formula, Staged | Tiered):
        chosen = _selected(formula, values)
        return [] if chosen is None else _unread(chosen, values)
    if isinstance(formula, Banded):
        if formula.base not in values:
            return [formula.base]
        base = Decimal(values[formula.base])
        for band in formula.bands:
            if band.holds(base):
                return _unread(band.formula, values)
    return []


def _feeds_share(formula: Formula, field: str) -> bool:
    """Whether more of this field means more money (it is the base of a share)."""
    if isinstance(formula, Share | ShareRange):
        return formula.base == field
    if isinstance(formula, PerUnit):
        return formula.count_field == field or _feeds_share(formula.each, field)
    if isinstance(formula, Staged | Tiered):
        return any(_feeds_share(o, field) for o in formula.options.values())
    if isinstance(formula, Banded):
        return any(_feeds_share(b.formula, field) for b in formula.bands)
    return False


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
        return clause.value + _STEP
    return None  # an upper limit (subsidy year ≤ 3) is not reached by doing more


def _distance(clause: Clause, values: dict[str, Any], prefix: str) -> Text:
    if not isinstance(clause, Condition):
        return Text(f"须满足 {clause.describe()}", f"needs {clause.describe()}")
    actual = values.get(clause.field)
    shown = _shown(actual)
    need = clause.describe()
    return Text(
        f"{prefix}{clause.field} 为 {shown}；须 {need}",
        f"{prefix}{clause.field} is {shown}; needs {need}",
    )


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return fmt(value)
    return str(value)


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
