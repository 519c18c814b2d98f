"""Match measures to a profile and compute award bounds: the pipeline behind every command.

load → profile → (for each document reaching the applicant) validity, eligibility,
trigger conditions → formula → 就高不重复 stacking → ceilings → Estimate.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from operator import attrgetter
from typing import Any, NamedTuple, assert_never

from .ceilings import apply_ceilings
from .formulas import Step, evaluate
from .model import (
    PRODUCT_PREFIX,
    AnyOf,
    Clause,
    Condition,
    Document,
    Fact,
    Measure,
    Profile,
    Ruleset,
    Status,
    Text,
)
from .money import ZERO, Amount
from .results import Award, DocumentStatus, Estimate, Exclusion, Stage
from .stacking import apply_stacking
from .wording import field_words, value_words


def estimate(
    ruleset: Ruleset,
    profile: Profile,
    as_of: dt.date,
    region: str | None = None,
    trace: bool = True,
    make: type[Estimate] = Estimate,
) -> Estimate:
    """Estimate every award the profile's applicant can claim, as of a date.

    `region` moves the applicant there (business and tax registration) for compare-regions.
    `trace=False` skips writing the computation steps (batch runs). `make` is the result's
    class (the public API's own, which adds methods, made at once rather than copied).
    """
    moved_from = None
    if region is not None and region != profile.region:
        moved_from = profile.region
        applicant = dict(profile.applicant, region=region, tax_region=region)
        profile = profile._replace(applicant=applicant)
    notes: list[Text] = list(profile.assumptions)
    future = [f for f in profile.facts if f.date > as_of]
    if future:
        labels = ", ".join(f"{f.label()} ({f.when})" for f in future)
        notes.append(
            Text(
                f"晚于评估日 {as_of} 的事实不计：{labels}",
                f"facts dated after {as_of} are ignored: {labels}",
            )
        )
    if moved_from is not None:
        place = _place_fields(ruleset, profile)
        if place:
            notes.append(
                Text(
                    f"假设迁至 {_rname(ruleset, region, 'zh')}；与地点相关的事实随之迁移：{place}",
                    f"as if registered in {_rname(ruleset, region, 'en')}; facts tied to a place "
                    f"move with the applicant: {place}",
                )
            )
    documents: list[DocumentStatus] = []
    awards: list[Award] = []
    excluded: list[Exclusion] = []
    general: list[Measure] = []
    requires = False  # an award depends on another measure's conditions
    facts = [f for f in profile.facts if f.date <= as_of] if future else list(profile.facts)
    if len(facts) > 1:
        facts.sort(key=_WHEN)
    for doc, by_kind, doc_general, position in _index(ruleset, profile.region):
        status = doc.status(as_of)
        eligible = _eligibility(doc, profile, ruleset)
        eligibility, assumptions, unstated = (
            eligible.reasons,
            eligible.assumptions,
            eligible.unstated,
        )
        shown = eligible.shown.get(status)
        if shown is None:
            shown = eligible.shown[status] = DocumentStatus(doc, status, eligibility, assumptions)
        documents.append(shown)
        general.extend(doc_general)
        pairs = [(m, f) for f in facts for m in by_kind.get(f.kind, ())]
        if len(pairs) > 1:
            # In the document's own order of measures, then in the order the facts happened
            # (a stable sort keeps the facts' order among one measure's pairs).
            pairs.sort(key=lambda pair: position[pair[0].id])
        for measure, fact in pairs:
            found = _consider(
                measure,
                fact,
                doc,
                status,
                eligibility,
                assumptions,
                profile,
                ruleset,
                as_of,
                trace,
                unstated,
            )
            if isinstance(found, Award):
                awards.append(found)
                requires = requires or measure.requires is not None
            elif found is not None:
                excluded.append(found)
    if requires:
        awards = _requirements(awards, excluded, facts, profile, ruleset, trace)
    awards, dropped, stacks = apply_stacking(awards, ruleset)
    excluded.extend(dropped)
    groups, totals = apply_ceilings(awards, stacks, trace)
    notes.extend(_hints(documents, as_of))
    if not documents:
        covered = sorted({d.region for d in ruleset.documents.values()})
        notes.append(
            Text(
                f"没有文件覆盖 {_rname(ruleset, profile.region, 'zh')}；有文件的地区：{', '.join(covered)}",
                f"no document reaches {_rname(ruleset, profile.region, 'en')}; regions with "
                f"documents: {', '.join(covered)}",
            )
        )
    return make(
        ruleset,
        profile,
        as_of,
        profile.region,
        moved_from,
        documents,
        awards,
        excluded,
        general,
        notes,
        groups,
        stacks,
        totals,
    )


_WHEN = attrgetter("date", "number")  # facts in the order they happened


def _consider(
    measure: Measure,
    fact: Fact,
    doc: Document,
    status: Status,
    eligibility: Sequence[Text],
    assumptions: Sequence[Text],
    profile: Profile,
    ruleset: Ruleset,
    as_of: dt.date,
    trace: bool,
    unstated: Sequence[str] = (),
) -> Award | Exclusion | None:
    """One measure against one fact of its kind: an award, the reason there is none, or
    None when the fact simply does not meet the measure's conditions. `unstated`: the
    applicant fields the document's eligibility reads and the profile leaves out."""
    result = _match(measure, fact, profile, ruleset)
    if result is None:
        return None
    if result.applicant_failed:
        failed = "; ".join(result.applicant_failed)
        return Exclusion(
            measure,
            doc,
            fact,
            "eligibility",
            Text(
                f"申请主体不符合本措施条件：{failed}",
                f"the applicant does not meet this measure's condition: {failed}",
            ),
        )
    outcome = evaluate(measure.formula, fact.values, trace)
    if outcome.amount is None:
        assert outcome.reason is not None
        return Exclusion(measure, doc, fact, "threshold", outcome.reason)
    gate = _gate(doc, status, eligibility, fact, as_of, measure)
    amount = outcome.amount
    notes = [*result.assumed, *assumptions, *outcome.notes]
    if isinstance(gate, _Partly):
        # The dates leave it open whether the fact falls in the window: possible, min 0.
        notes.insert(0, gate.reason)
        if amount.known:
            amount = Amount(ZERO, amount.max)
    elif gate is not None:
        stage, reason = gate
        return Exclusion(measure, doc, fact, stage, reason, outcome.amount)
    missing = [*result.missing, *unstated] if unstated else result.missing
    if missing:
        # What the profile leaves out never excludes: possible, from 0 (rule 3), whether the
        # measure's condition or the document's eligibility reads it.
        notes.insert(0, _unsaid(missing, fact, ruleset))
        if amount.known:
            amount = Amount(ZERO, amount.max)
    steps = [_condition_step(measure, fact), *outcome.steps] if trace else []
    award = Award(measure, doc, fact, amount, amount, steps, notes)
    if missing:
        award.unknown = tuple(missing)
    return award


def _requirements(
    awards: list[Award],
    excluded: list[Exclusion],
    facts: list[Fact],
    profile: Profile,
    ruleset: Ruleset,
    trace: bool,
) -> list[Award]:
    """Awards worded as depending on another measure ("其中…额外", "进入上述程序") keep
    their amount where the other's conditions hold on the profile's facts, become possible
    (from 0) where the profile cannot tell, and are excluded where its facts contradict
    them."""
    kept: list[Award] = []
    for award in awards:
        req = award.measure.requires
        if req is None:
            kept.append(award)
            continue
        other = ruleset.measures[req.measure]
        assert other.trigger is not None
        fact = award.fact
        what = Text(
            f"以“{other.title.zh}”（{other.article}）的条件成立为前提",
            f"requires the conditions of “{other.title.en}” ({other.article})",
        )
        said = fact.values.get(req.flag) if req.flag is not None else None
        if said is not None:
            found: tuple[str, list[str], Fact | None] = (
                ("holds", [], fact) if said else ("fails", [], None)
            )
        elif req.same == "product" and fact.product is None:
            found = (
                "unknown",
                [f"the product (the fact names none) of {other.trigger.kind}"],
                None,
            )
        else:
            found = ("none", [], None)
            for candidate in facts:
                if candidate.kind != other.trigger.kind:
                    continue
                if req.same == "product" and candidate.product != fact.product:
                    continue
                status = _condition_status(other, candidate, profile, ruleset)
                if status[0] == "holds":
                    found = (status[0], status[1], candidate)
                    break
                if status[0] == "unknown" or found[0] == "none":
                    found = (status[0], status[1], candidate)
        state, missing, by = found
        scope = f" (product {fact.product})" if req.same == "product" else ""
        if state == "holds":
            if trace:
                on = f"{by.label()} ({by.when})" if by is not None else ""
                award.steps.insert(
                    1,
                    Step(
                        f"{what.en}{scope}: they hold on {on or req.flag}",
                        f"{what.zh}{scope}：{on or req.flag} 符合",
                    ),
                )
            kept.append(award)
            continue
        if state == "fails":
            excluded.append(
                Exclusion(
                    award.measure,
                    award.document,
                    fact,
                    "requirement",
                    Text(
                        f"{what.zh}{scope}：资料中的事实不符合",
                        f"{what.en}{scope}: the profile's facts do not meet them",
                    ),
                    award.amount,
                )
            )
            continue
        if state == "none":
            label = ruleset.vocabulary.kinds[other.trigger.kind].label
            missing = [f"a fact of kind {other.trigger.kind}{scope}"]
            note = Text(
                f"{what.zh}{scope}；资料中没有“{label.zh}”的事实：可能获得（最低 0）",
                f"{what.en}{scope}; the profile has no fact of “{label.en}”: possible (minimum 0)",
            )
        else:
            note = Text(
                f"{what.zh}{scope}；资料未说明 {'、'.join(missing)}：可能获得（最低 0）",
                f"{what.en}{scope}; the profile does not say {', '.join(missing)}: possible "
                f"(minimum 0)",
            )
        award.notes.insert(0, note)
        award.unknown = (*award.unknown, *missing)
        if award.amount.known:
            award.amount = award.original = Amount(ZERO, award.amount.max)
        if trace:
            award.steps.insert(1, Step(note.en, note.zh))
        kept.append(award)
    return kept


def _condition_status(
    measure: Measure, fact: Fact, profile: Profile, ruleset: Ruleset
) -> tuple[str, list[str]]:
    """Whether a measure's conditions (trigger, applicant conditions, thresholds) hold on a
    fact: holds, unknown (with what is missing) or fails."""
    result = _match(measure, fact, profile, ruleset)
    if result is None or result.applicant_failed:
        return "fails", []
    if evaluate(measure.formula, fact.values, False).amount is None:
        return "fails", []
    if result.missing:
        return "unknown", list(result.missing)
    return "holds", []


_APPLICANT = "applicant."


# (what is missing, the fact's product) -> (the ruleset, the note): the same few notes recur
# through a batch.
_UNSAID: dict[tuple[Any, ...], tuple[Ruleset, Text]] = {}


def _unsaid(missing: Sequence[str], fact: Fact, ruleset: Ruleset) -> Text:
    """The note of a possible award: what the profile does not say (an applicant field in
    the client's words, not its id)."""
    key = (tuple(missing), fact.product)
    hit = _UNSAID.get(key)
    if hit is not None and hit[0] is ruleset:
        return hit[1]
    note = _unsaid_text(missing, fact.product, ruleset)
    if len(_UNSAID) >= 4096:
        _UNSAID.clear()  # bounded: product ids come from profiles
    _UNSAID[key] = (ruleset, note)
    return note


def _unsaid_text(missing: Sequence[str], product: str | None, ruleset: Ruleset) -> Text:
    zh, en = [], []
    for name in dict.fromkeys(missing):
        if name.startswith(_APPLICANT):
            field = name[len(_APPLICANT) :]
            spec = ruleset.vocabulary.applicant.get(field)
            words = field_words(spec, field)
            if spec is not None and spec.type == "bool":
                zh.append(f"申请主体是否{words.zh}")
                en.append(f"whether the applicant {words.en}")
            else:
                zh.append(f"申请主体的{words.zh}")
                en.append(f"the applicant's {words.en}")
            continue
        if name.startswith(PRODUCT_PREFIX):
            attribute = name[len(PRODUCT_PREFIX) :]
            if product is None:
                zh.append(f"产品的 {attribute}（该事实未指明产品）")
                en.append(f"the product's {attribute} (the fact names no product)")
            else:
                zh.append(f"产品 {product} 的 {attribute}")
                en.append(f"{attribute} of product {product}")
        else:
            zh.append(name)
            en.append(name)
    return Text(
        f"资料未说明 {'、'.join(zh)}：可能获得（最低 0）；补充后可确定",
        f"the profile does not say {', '.join(en)}: possible (minimum 0); give it to settle it",
    )


def _rname(ruleset: Ruleset, region: str | None, lang: str) -> str:
    if region is None or region not in ruleset.regions:
        return str(region)
    return ruleset.regions[region].name.get(lang)  # type: ignore[arg-type]


def _place_fields(ruleset: Ruleset, profile: Profile) -> str:
    found = []
    for fact in profile.facts:
        kind = ruleset.vocabulary.kinds[fact.kind]
        names = [n for n, spec in kind.fields.items() if spec.place and fact.values.get(n)]
        if names:
            found.append(f"{fact.label()}: {', '.join(names)}")
    return "; ".join(found)


def _reaching(ruleset: Ruleset, region: str) -> list[Document]:
    chain = ruleset.chain(region)
    docs = [d for d in ruleset.documents.values() if d.region in chain]
    return sorted(docs, key=lambda d: (chain.index(d.region), d.id))


# A document, its measures by trigger kind, its general measures, and each measure's position.
DocIndex = tuple[Document, dict[str, list[Measure]], list[Measure], dict[str, int]]
_INDEX: dict[int, tuple[Ruleset, dict[str, list[DocIndex]]]] = {}


def _index(ruleset: Ruleset, region: str) -> list[DocIndex]:
    """The documents reaching a region, each with its measures by trigger kind (built once
    per ruleset and region: batch runs estimate the same ruleset many times)."""
    entry = _INDEX.get(id(ruleset))
    if entry is None or entry[0] is not ruleset:
        entry = (ruleset, {})
        _INDEX[id(ruleset)] = entry
    by_region = entry[1]
    if region not in by_region:
        out: list[DocIndex] = []
        for doc in _reaching(ruleset, region):
            by_kind: dict[str, list[Measure]] = {}
            general: list[Measure] = []
            position = {m.id: i for i, m in enumerate(doc.measures)}
            for measure in doc.measures:
                if measure.trigger is None:
                    general.append(measure)
                else:
                    by_kind.setdefault(measure.trigger.kind, []).append(measure)
            out.append((doc, by_kind, general, position))
        by_region[region] = out
    return by_region[region]


_CHAINS: dict[int, tuple[Ruleset, dict[str, frozenset[str]]]] = {}


def _in_region(ruleset: Ruleset, region: str | None, target: str) -> bool:
    if region is None:
        return False
    entry = _CHAINS.get(id(ruleset))
    if entry is None or entry[0] is not ruleset:
        entry = (ruleset, {})
        _CHAINS[id(ruleset)] = entry
    chain = entry[1].get(region)
    if chain is None:
        chain = entry[1][region] = frozenset(ruleset.chain(region))
    return target in chain


# (id of the document, what of the applicant its eligibility reads) -> (the document, the
# ruleset, the answer): a batch asks the same question of the same document for every
# applicant, and the answer depends on nothing else.
_ELIGIBLE: dict[tuple[Any, ...], tuple[Document, Ruleset, _Eligible]] = {}


class _Eligible(NamedTuple):
    reasons: tuple[Text, ...]
    assumptions: tuple[Text, ...]
    unstated: tuple[str, ...]
    shown: dict[Status, DocumentStatus]  # the document's status line, made once per status


def _eligibility(doc: Document, profile: Profile, ruleset: Ruleset) -> _Eligible:
    """Reasons the applicant is not eligible for the document, assumptions made, and the
    applicant fields its eligibility reads that the profile leaves out (rule 3: its awards
    are then possible, from 0, never assumed)."""
    a = profile.applicant
    get = a.get
    rules = doc.eligibility
    region = a["region"]
    key: tuple[Any, ...] = (
        id(doc),
        region,
        get("tax_region") or region,
        get("legal_form"),
        get("independent_legal_person"),
        get("biomedicine_business"),
        get("in_enterprise_database"),
    )
    if rules.exclusions or rules.suspensions:
        key += tuple(bool(get(f)) for f in (*rules.exclusions, *rules.suspensions))
    hit = _ELIGIBLE.get(key)
    if hit is not None and hit[0] is doc and hit[1] is ruleset:
        return hit[2]
    found = _eligibility_of(doc, profile, ruleset)
    if len(_ELIGIBLE) >= 4096:
        _ELIGIBLE.clear()  # bounded: regions and flags are few, but a data set may be odd
    _ELIGIBLE[key] = (doc, ruleset, found)
    return found


def _eligibility_of(doc: Document, profile: Profile, ruleset: Ruleset) -> _Eligible:
    """`_eligibility` worked out: it reads only the applicant's fields in the cache key."""
    rules = doc.eligibility
    a = profile.applicant
    reasons: list[Text] = []
    assumptions: list[Text] = []
    unstated: list[str] = []
    article = f"（{rules.article}）" if rules.article else ""
    if "business" in rules.registration and not _in_region(ruleset, profile.region, doc.region):
        region_name = ruleset.regions[doc.region].name
        reasons.append(
            Text(
                f"工商注册不在{region_name.zh}{article}",
                f"business registration is not in {region_name.en}{article}",
            )
        )
    if "tax" in rules.registration and not _in_region(ruleset, profile.tax_region, doc.region):
        region_name = ruleset.regions[doc.region].name
        reasons.append(
            Text(
                f"税务登记不在{region_name.zh}{article}",
                f"tax registration is not in {region_name.en}{article}",
            )
        )
    form = a.get("legal_form")  # None: not given (a measure limited by it is possible)
    fields = ruleset.vocabulary.applicant
    if rules.legal_forms is not None and form is not None and form not in rules.legal_forms:
        shown = value_words(fields.get("legal_form"), form)  # the client's words, not the id
        reasons.append(
            Text(
                f"主体类型（{shown.zh}）不在适用范围{article}",
                f"legal form ({shown.en}) is not covered{article}",
            )
        )
    if rules.independent_legal_person:
        said = a.get("independent_legal_person")
        if said is False:
            reasons.append(
                Text(
                    f"须具有独立法人资格{article}", f"must be an independent legal person{article}"
                )
            )
        elif said is None:
            unstated.append(_APPLICANT + "independent_legal_person")
    if rules.biomedicine_business:
        said = a.get("biomedicine_business")
        if said is False:
            reasons.append(
                Text(
                    f"须从事生物医药研发、生产或服务{article}", f"must work in biomedicine{article}"
                )
            )
        elif said is None:
            unstated.append(_APPLICANT + "biomedicine_business")
    if rules.in_enterprise_database and form in ("enterprise", None):
        # The database is for enterprises: an applicant of another legal form is not read.
        flag = a.get("in_enterprise_database")
        if flag is False and form is None:
            unstated.append(_APPLICANT + "legal_form")  # holds only if not an enterprise
        elif flag is False:
            reasons.append(
                Text(
                    f"企业须为在库企业{article}",
                    f"enterprises must be in the enterprise database{article}",
                )
            )
        elif flag is None:
            unstated.append(_APPLICANT + "in_enterprise_database")
    for flag in rules.exclusions:
        if a.get(flag):
            name = field_words(fields.get(flag), flag)
            reasons.append(
                Text(f"存在排除情形：{name.zh}{article}", f"excluded: {name.en}{article}")
            )
    for flag in rules.suspensions:
        if a.get(flag):
            name = field_words(fields.get(flag), flag)
            reasons.append(
                Text(f"停止享受扶持：{name.zh}{article}", f"support stopped: {name.en}{article}")
            )
    return _Eligible(tuple(reasons), tuple(assumptions), tuple(unstated), {})


class _Match(NamedTuple):
    missing: Sequence[str]
    assumed: Sequence[Text]
    applicant_failed: Sequence[str]


_MATCHED = _Match((), (), ())  # the fact meets every condition, with nothing missing


def _match(measure: Measure, fact: Fact, profile: Profile, ruleset: Ruleset) -> _Match | None:
    """None if the fact does not match the trigger; else what is missing, assumed or
    not met by the applicant (a fact that matches is worth reporting even then)."""
    trigger = measure.trigger
    assert trigger is not None
    values = fact.values
    missing: list[str] = []
    assumed: list[Text] = []
    failed: list[str] = []
    place: frozenset[str] | None = None
    for clause in trigger.where:
        if type(clause) is Condition and clause.field in values:
            # A plain condition on a field the fact gives (the common case): what `_holds`
            # does, without its bookkeeping.
            if not clause.holds(values[clause.field]):
                return None
            continue
        if place is None:
            place = _place(ruleset, trigger.kind)
        if not _holds(clause, values, missing, assumed, place):
            return None
    if trigger.applicant:
        applicant = profile.applicant
        for clause in trigger.applicant:
            if type(clause) is Condition and clause.field in applicant:
                held = clause.holds(applicant[clause.field])
            else:
                held = _holds(clause, applicant, missing, assumed, frozenset(), _APPLICANT)
            if not held:
                failed.append(clause.describe())
    if not (missing or assumed or failed):
        return _MATCHED
    return _Match(missing, assumed, failed)


_PLACE: dict[int, tuple[Any, frozenset[str]]] = {}


def _place(ruleset: Ruleset, kind_id: str) -> frozenset[str]:
    """The fields of a fact kind tied to the place (worked out once per kind)."""
    kind = ruleset.vocabulary.kinds[kind_id]
    entry = _PLACE.get(id(kind))
    if entry is None or entry[0] is not kind:
        entry = (kind, frozenset(n for n, spec in kind.fields.items() if spec.place))
        _PLACE[id(kind)] = entry
    return entry[1]


def _holds(
    clause: Clause,
    values: dict[str, Any],
    missing: list[str],
    assumed: list[Text],
    place: frozenset[str],
    prefix: str = "",
) -> bool:
    """Whether a clause holds; a field it needs but cannot see goes to `missing`."""
    if type(clause) is Condition and clause.field in values:
        return clause.holds(values[clause.field])  # the common case, as below
    if isinstance(clause, AnyOf):
        # Holds if a group holds; possibly (its unknowns go to `missing`) if no group holds
        # for certain but one is not contradicted.
        possible: tuple[list[str], list[Text]] | None = None
        for group in clause.groups:
            trial_missing: list[str] = []
            trial_assumed: list[Text] = []
            if all(_holds(c, values, trial_missing, trial_assumed, place, prefix) for c in group):
                if not trial_missing:
                    assumed.extend(trial_assumed)
                    return True
                if possible is None:
                    possible = (trial_missing, trial_assumed)
        if possible is not None:
            missing.extend(possible[0])
            assumed.extend(possible[1])
            return True
        return False
    assert isinstance(clause, Condition)
    if clause.field in values:
        return clause.holds(values[clause.field])
    if clause.field in place and clause.op == "eq" and clause.value is True:
        assumed.append(
            Text(
                f"假设 {clause.field} 成立（资料未说明，与注册地相关）",
                f"assumed {clause.field} (not stated; tied to the place)",
            )
        )
        return True
    missing.append(prefix + clause.field)
    return True


class _Partly(NamedTuple):
    """The fact's dates may or may not fall in the window: the award is possible."""

    reason: Text


def _gate(
    doc: Document,
    status: Status,
    eligibility: Sequence[Text],
    fact: Fact,
    as_of: dt.date,
    measure: Measure | None = None,
) -> tuple[Stage, Text] | _Partly | None:
    if status != "in_force":
        return "validity", _validity(doc, status)
    if eligibility:
        return "eligibility", Text(
            "；".join(r.zh for r in eligibility), "; ".join(r.en for r in eligibility)
        )
    if measure is not None and measure.event_window == "previous_year":
        return _previous_year(doc, fact, as_of, measure)
    return _window(doc, fact, as_of, fact.date, fact.end, "")


# (id of the document, status) -> (the document, why its measures do not count now)
_VALIDITY: dict[tuple[int, str], tuple[Document, Text]] = {}


def _validity(doc: Document, status: Status) -> Text:
    """Why a document that is not in force excludes its awards (the same for every fact)."""
    key = (id(doc), status)
    hit = _VALIDITY.get(key)
    if hit is not None and hit[0] is doc:
        return hit[1]
    match status:
        case "lapsed":
            text = Text(
                f"文件已于 {doc.effective_until} 失效；评估日为 {doc.effective_until} 或更早时计入",
                f"the document lapsed after {doc.effective_until}; evaluate as of "
                f"{doc.effective_until} or earlier to count it",
            )
        case "not_yet":
            text = Text(
                f"文件 {doc.effective_from} 起施行；评估日为 {doc.effective_from} 或更晚时计入",
                f"the document takes effect on {doc.effective_from}; evaluate as of "
                f"{doc.effective_from} or later to count it",
            )
        case "in_force":
            raise ValueError("a document in force excludes nothing")
        case _:
            assert_never(status)
    if len(_VALIDITY) >= 4096:
        _VALIDITY.clear()  # bounded: a long-lived process may load many rulesets
    _VALIDITY[key] = (doc, text)
    return text


# id of the document -> (the document, its window as text)
_WINDOWS: dict[int, tuple[Document, str]] = {}


def _window_text(doc: Document) -> str:
    hit = _WINDOWS.get(id(doc))
    if hit is not None and hit[0] is doc:
        return hit[1]
    text = _window_text_of(doc)
    if len(_WINDOWS) >= 4096:
        _WINDOWS.clear()  # bounded: a long-lived process may load many rulesets
    _WINDOWS[id(doc)] = (doc, text)
    return text


def _window_text_of(doc: Document) -> str:
    start = doc.window_start
    if start is None and doc.start_unknown:
        first = f"? (≤ {doc.known_by})" if doc.known_by else "?"
    else:
        first = str(start or "…")
    return f"{first} – {doc.effective_until or '…'}"


def _window(
    doc: Document, fact: Fact, as_of: dt.date, first: dt.date, last: dt.date, what: str
) -> tuple[Stage, Text] | _Partly | None:
    """Whether [first, last] falls in the document's window: in (None), out, or partly.
    `what` names the tested interval where it is not the fact's own date."""
    start, end = doc.window_start, doc.effective_until
    if (
        (start is None or first >= start)
        and (end is None or last <= end)
        and not (doc.start_unknown and start is None and doc.known_by is not None)
        and last <= as_of
    ):
        return None  # wholly inside (the common case: no text to build)
    window = _window_text(doc)
    subject_zh = what or f"事实日期 {fact.when}"
    subject_en = what or f"the fact's date {fact.when}"
    if (start is not None and last < start) or (end is not None and first > end):
        return "window", Text(
            f"{subject_zh} 不在文件适用期间（{window}）",
            f"{subject_en} is outside the document's window ({window})",
        )
    if (start is not None and first < start) or (end is not None and last > end):
        return _Partly(
            Text(
                f"{subject_zh} 可能部分落在文件适用期间（{window}）之外：可能获得（最低 0）；"
                f"给出完整日期可确定",
                f"{subject_en} may fall partly outside the document's window ({window}): "
                f"possible (minimum 0); give the full date to settle it",
            )
        )
    if doc.start_unknown and start is None and doc.known_by is not None and first < doc.known_by:
        return _before_known(doc, subject_zh, subject_en)
    if last > as_of:
        return _Partly(
            Text(
                f"事实日期 {fact.when} 可能晚于评估日 {as_of}：可能获得（最低 0）；给出完整日期可确定",
                f"the fact's date {fact.when} may be after the as-of date {as_of}: possible "
                f"(minimum 0); give the full date to settle it",
            )
        )
    return None


def _previous_year(
    doc: Document, fact: Fact, as_of: dt.date, measure: Measure
) -> tuple[Stage, Text] | _Partly | None:
    """上一年度: the award is claimed in the year after the event, so the document's window is
    tested on that application year, not on the event."""
    first = dt.date(fact.date.year + 1, 1, 1)
    last = dt.date(fact.end.year + 1, 12, 31)
    year = str(first.year) if first.year == last.year else f"{first.year}–{last.year}"
    if first > as_of:
        return "window", Text(
            f"{measure.article}奖励上一年度的事实：{fact.when} 的事实于 {year} 年申报，"
            f"晚于评估日 {as_of}；评估日为 {first} 或更晚时计入",
            f"{measure.article} rewards the previous year's events: this one of {fact.when} "
            f"is claimed in {year}, after the as-of date {as_of}; evaluate as of {first} or "
            "later to count it",
        )
    # The applicant chooses when in that year to apply: any day of it inside the window (and
    # not after the as-of date) will do.
    last = min(last, as_of)
    start, end = doc.window_start, doc.effective_until
    if (start is not None and last < start) or (end is not None and first > end):
        window = _window_text(doc)
        return "window", Text(
            f"{measure.article}奖励上一年度的事实：{fact.when} 的事实于 {year} 年申报，"
            f"该年不在文件适用期间（{window}）",
            f"{measure.article} rewards the previous year's events: this one of {fact.when} is "
            f"claimed in {year}, which is outside the document's window ({window})",
        )
    if doc.start_unknown and start is None and doc.known_by is not None and last < doc.known_by:
        # Every day the claim could be made (up to the as-of date) precedes the only known date.
        return _before_known(
            doc,
            f"{measure.article}奖励上一年度的事实，{fact.when} 的事实于 {year} 年申报，该申报年度",
            f"{measure.article} rewards the previous year's events, and this one of "
            f"{fact.when} is claimed in {year}, which",
        )
    return None


def _before_known(doc: Document, subject_zh: str, subject_en: str) -> _Partly:
    """A start the text does not state: a date before the only known one is possible."""
    return _Partly(
        Text(
            f"文件未写明施行日期（已知 {doc.known_by} 前已发布）；{subject_zh} 早于该日，"
            f"可能不在适用期间：可能获得（最低 0）",
            f"the document states no start date (it was public by {doc.known_by}); "
            f"{subject_en} is earlier, so it may fall before the window: possible "
            f"(minimum 0)",
        )
    )


def _condition_step(measure: Measure, fact: Fact) -> Step:
    assert measure.trigger is not None
    conds = [c.describe() for c in (*measure.trigger.where, *measure.trigger.applicant)]
    if measure.requires is not None:
        conds.append(f"requires {measure.requires.measure} (same {measure.requires.same})")
    what = "; ".join(conds) if conds else "any"
    return Step(
        f"{fact.label()} on {fact.when} matches {measure.trigger.kind} ({what})",
        f"{fact.label()}（{fact.when}）符合 {measure.trigger.kind}（{what}）",
    )


# (document id, status) -> (the document, its hint): the same text for every applicant
_HINTS: dict[tuple[int, str], tuple[Document, Text | None]] = {}


def _hints(documents: list[DocumentStatus], as_of: dt.date) -> list[Text]:
    out = []
    for status in documents:
        if status.status == "in_force":
            continue
        d = status.document
        key = (id(d), status.status)
        hit = _HINTS.get(key)
        if hit is None or hit[0] is not d:
            hit = _HINTS[key] = (d, _hint(d, status.status))
        if hit[1] is not None:
            out.append(hit[1])
    return out


def _hint(d: Document, status: Status) -> Text | None:
    match status:
        case "lapsed":
            return Text(
                f"《{d.title.zh}》已于 {d.effective_until} 失效：其措施列为已排除；"
                f"评估日为 {d.effective_until} 或更早时按有效期内评估",
                f"{d.title.en} lapsed after {d.effective_until}: its measures are listed as "
                f"excluded; evaluate as of {d.effective_until} (or earlier) to count them in "
                "force",
            )
        case "not_yet":
            return Text(
                f"《{d.title.zh}》{d.effective_from} 起施行；评估日为 {d.effective_from} "
                "或更晚时计入",
                f"{d.title.en} takes effect on {d.effective_from}; evaluate as of "
                f"{d.effective_from} (or later) to count its measures",
            )
        case "in_force":
            return None
        case _:
            assert_never(status)


__all__ = ["Award", "DocumentStatus", "Estimate", "Exclusion", "estimate"]
