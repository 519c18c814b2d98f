"""`interview`: ask only what the money measures in force for a region depend on.

The questionnaire is derived from the data. For every money measure in force on the as-of
date that reaches the region, the fact kind it rewards and the fields it reads (trigger
conditions, formula inputs) become questions, and so do the applicant fields the documents'
eligibility and the measures' applicant conditions read. A new measure in policy_data/
brings its questions with it.

Questions come grouped by topic (the category of the measures a fact kind feeds), topics
and fact kinds in order of the money at stake. Earlier answers rule questions out: "no"
to a kind skips its fields, "no products in development" skips every stage question, and
within one fact a field is asked only while some measure that reads it can still apply.
A product's questions follow what it is: a device (or IVD) is asked its class (and own IP
where a device measure reads it) once, and a device fact that names it is not asked again.

The loop knows nothing of terminals: it takes an `ask(prompt) -> str | None` callable
(None: no more answers) and a `say(text)` callable.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple

from .errors import InputError
from .model import PRODUCT_PREFIX, AnyOf, Clause, Condition, FieldSpec, Lang, Measure, Ruleset, Text
from .opportunities import formula_reads, own_bounds, stage_kinds
from .profile import (
    DEVICE_ONLY,
    DRUG_ONLY,
    MAX_AMOUNT,
    MAX_COUNT,
    MAX_DATE,
    MIN_DATE,
    derived_attributes,
)
from .render.safe import visible
from .render.words import word

MAX_FACTS_PER_KIND = 20  # "another one?" stops asking after this many
# Product attributes asked of a device (or IVD) only: its class, and own IP, which the texts
# test on device registrations alone (the cluster plan's 21.).
FOR_DEVICES = (*DEVICE_ONLY, "independent_ip")


class InterviewError(InputError):
    """The answers ran out, or the interview cannot start."""


# ------------------------------------------------------------------ the plan


class KindPlan(NamedTuple):
    """One fact kind the region's money measures reward, and what they read of it."""

    kind: str
    label: Text
    topic: str
    stake: Decimal  # the most the measures it triggers can pay, added up (known maxima)
    fields: tuple[str, ...]  # required first, then conditions, then formula inputs
    measures: tuple[Measure, ...]
    since: dt.date | None  # the earliest window start among its documents


class Plan(NamedTuple):
    region: str
    as_of: dt.date
    applicant: tuple[str, ...]  # applicant fields the documents and measures read
    topics: tuple[tuple[str, tuple[KindPlan, ...]], ...]
    measures: int  # money measures in force reaching the region
    product: tuple[str, ...] = ()  # product attributes the measures read (asked per product)

    def questions(self) -> list[tuple[str, str | None]]:
        """Every question the plan may ask, as (fact kind, "applicant" or "product", field or
        None for the yes/no question about the kind itself)."""
        out: list[tuple[str, str | None]] = [("applicant", f) for f in self.applicant]
        out += [("product", f) for f in self.product]
        for _, kinds in self.topics:
            for k in kinds:
                out.append((k.kind, None))
                out += [(k.kind, f) for f in k.fields]
        return out


def _condition_fields(clauses: tuple[Clause, ...]) -> list[str]:
    out: list[str] = []
    for clause in clauses:
        conds = (
            [c for group in clause.groups for c in group] if isinstance(clause, AnyOf) else [clause]
        )
        out += [c.field for c in conds if c.field not in out]
    return out


def make_plan(ruleset: Ruleset, region: str, as_of: dt.date) -> Plan:
    """The questionnaire for an applicant registered in `region`, as of a date."""
    vocab = ruleset.vocabulary
    applicant: list[str] = ["name"]
    by_kind: dict[str, list[Measure]] = {}
    since: dict[str, dt.date | None] = {}
    chain = ruleset.chain(region)
    for doc in sorted(
        ruleset.documents.values(),
        key=lambda d: (chain.index(d.region) if d.region in chain else 99, d.id),
    ):
        if doc.region not in chain or doc.status(as_of) != "in_force":
            continue
        rules = doc.eligibility
        wanted = []
        if "tax" in rules.registration:
            wanted.append("tax_region")
        if rules.legal_forms is not None:
            wanted.append("legal_form")
        if rules.independent_legal_person:
            wanted.append("independent_legal_person")
        if rules.biomedicine_business:
            wanted.append("biomedicine_business")
        if rules.in_enterprise_database:
            wanted.append("in_enterprise_database")
        wanted += [*rules.exclusions, *rules.suspensions]
        for measure in doc.measures:
            if measure.trigger is None or not measure.formula.bounds().money:
                continue
            by_kind.setdefault(measure.trigger.kind, []).append(measure)
            start = doc.window_start
            previous = since.get(measure.trigger.kind, start)
            since[measure.trigger.kind] = (
                min(previous, start) if previous is not None and start is not None else None
            )
            wanted += _condition_fields(measure.trigger.applicant)
        for name in wanted:
            if name not in applicant and name in vocab.applicant:
                applicant.append(name)
    kinds: list[KindPlan] = []
    product: list[str] = []
    for measures in by_kind.values():
        for m in measures:
            assert m.trigger is not None
            for f in _condition_fields(m.trigger.where):
                name = f.removeprefix(PRODUCT_PREFIX)
                if f.startswith(PRODUCT_PREFIX) and name not in product:
                    product.append(name)
    # A fact field that a product attribute of the same name gives (device_class,
    # independent_ip) is asked once per device product, and on a fact about no such product.
    for kind_id, measures in by_kind.items():
        specs = vocab.kinds[kind_id].fields
        for m in measures:
            assert m.trigger is not None
            reads = [*_condition_fields(m.trigger.where), *formula_reads(m.formula)]
            reads += [n for n, spec in specs.items() if spec.required]
            for name in reads:
                if name in specs and name in vocab.products and name not in product:
                    product.append(name)
    if any(name in FOR_DEVICES for name in product) and "modality" not in product:
        product.append("modality")  # which products are devices
    product.sort(key=list(vocab.products).index)
    for kind_id, measures in by_kind.items():
        kind = vocab.kinds[kind_id]
        stakes = [_stake(ruleset, m) for m in measures]
        required = [n for n, spec in kind.fields.items() if spec.required]
        read: list[str] = []
        for m in measures:
            assert m.trigger is not None
            read += [f for f in _condition_fields(m.trigger.where) if f not in read]
        for m in measures:
            read += [f for f in formula_reads(m.formula) if f not in read]
        fields = required + [f for f in read if f not in required and f in kind.fields]
        best = max(range(len(measures)), key=lambda i: stakes[i])
        kinds.append(
            KindPlan(
                kind_id,
                kind.label,
                measures[best].category,
                sum(stakes, Decimal(0)),
                tuple(fields),
                tuple(measures),
                since.get(kind_id),
            )
        )
    topics: dict[str, list[KindPlan]] = {}
    for k in sorted(kinds, key=lambda k: (-k.stake, k.kind)):
        topics.setdefault(k.topic, []).append(k)
    ordered = sorted(
        topics.items(), key=lambda t: (-sum((k.stake for k in t[1]), Decimal(0)), t[0])
    )
    return Plan(
        region,
        as_of,
        tuple(applicant),
        tuple((t, tuple(ks)) for t, ks in ordered),
        sum(len(m) for m in by_kind.values()),
        tuple(product),
    )


def _stake(ruleset: Ruleset, measure: Measure) -> Decimal:
    bounds = own_bounds(ruleset.documents[measure.document_id], measure)
    return bounds.max if bounds.max is not None else Decimal(0)


# ------------------------------------------------------------------ answers


class Invalid(ValueError):
    """An answer that does not fit its question; `key` (in the word table, under
    "interview_expect_") says what would, in either language."""

    def __init__(self, key: str, *values: Any) -> None:
        super().__init__(key, *values)
        self.key = key
        self.values = values

    def text(self, lang: Lang) -> str:
        return word("interview_expect_" + self.key, lang).format(*self.values)

    def __str__(self) -> str:
        return self.text("en")


YES = {"y", "yes", "true", "1", "是", "有", "对", "是的", "有的"}
NO = {"n", "no", "false", "0", "否", "无", "没有", "不", "不是"}
BACK = {"back", "返回", "上一题", "上一步"}
_NUMBER_LENGTH = 40  # no amount, count or choice is longer: a 5000-digit answer is refused
_SEPARATORS = {"Cc", "Zl", "Zp"}  # control characters, U+2028, U+2029: not one line of text


def shown(answer: str) -> str:
    """An answer as it may be echoed: control characters and line separators made visible."""
    return visible(answer).replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _plain_text(answer: str) -> str:
    """An answer as typed, full-width digits and punctuation made plain (２０２２／８／２０)."""
    return unicodedata.normalize("NFKC", answer).strip()


def value_words(spec: FieldSpec) -> dict[Any, tuple[str, str]]:
    """The words a question shows for each value of a choice, in Chinese and English: the
    field's `labels`, or else the label lists them in order after its colon ("产品类型：
    创新药、改良型新药、…"). Where a label lists none (or not one per value), the value itself."""
    values = list(spec.values or ())

    def listed(label: str, seps: str) -> list[str] | None:
        for colon in ("：", ":"):
            if colon in label:
                tail = label.split(colon, 1)[1]
                parts, depth, current = [], 0, ""
                for char in tail:  # a separator inside brackets belongs to its word
                    depth += char in "（("
                    depth -= char in "）)"
                    if char in seps and depth == 0:
                        parts.append(current.strip())
                        current = ""
                    else:
                        current += char
                parts = [p for p in [*parts, current.strip()] if p]
                return parts if len(parts) == len(values) else None
        return None

    zh = listed(spec.label.zh, "、，,")
    en = listed(spec.label.en, ",;")
    out: dict[Any, tuple[str, str]] = {}
    labels = spec.labels or {}
    for index, value in enumerate(values):
        plain = str(value).replace("_", " ")
        out[value] = (zh[index] if zh else plain, en[index] if en else plain)
        if value in labels:
            out[value] = (labels[value].zh, labels[value].en)
    return out


def parse_answer(spec: FieldSpec, answer: str, ruleset: Ruleset) -> Any:
    """An answer as typed, checked and converted for its field: in the words the question
    shows (a choice's label in either language, or the number beside it), full-width
    digits as well as plain ones."""
    t = spec.type
    if t == "text":
        text = answer.strip()
        if not text:
            raise Invalid("text")
        if len(text) > 200 or any(unicodedata.category(c) in _SEPARATORS for c in text):
            raise Invalid("line")
        return text
    text = _plain_text(answer)
    if t != "region" and len(text) > _NUMBER_LENGTH:
        raise Invalid("short")
    if t == "bool":
        low = text.lower()
        if low in YES:
            return True
        if low in NO:
            return False
        raise Invalid("yes_no")
    if t == "money":
        cleaned = text.replace(",", "").removesuffix("万元").removesuffix("万")
        try:
            amount = Decimal(cleaned.strip())
        except InvalidOperation:
            raise Invalid("amount") from None
        if not amount.is_finite() or amount < 0:
            raise Invalid("amount_min")
        if amount > MAX_AMOUNT:
            raise Invalid("amount_max", MAX_AMOUNT)
        return int(amount) if amount == amount.to_integral_value() else amount
    if t in ("count", "int"):
        digits = text.replace(",", "").removesuffix("类").removesuffix("期")
        if not re.fullmatch(r"[+-]?\d+", digits):
            raise Invalid("whole")
        number = int(digits)
        if t == "count" and not 0 <= number <= MAX_COUNT:
            raise Invalid("count", MAX_COUNT)
        if spec.values is not None and number not in spec.values:
            raise Invalid("one_of", ", ".join(str(v) for v in spec.values))
        return number
    if t == "enum":
        assert spec.values is not None
        words = value_words(spec)
        if text.isdigit() and 1 <= int(text) <= len(spec.values):
            return spec.values[int(text) - 1]
        low = text.lower().replace("_", " ")
        for value, (zh, en) in words.items():
            said = (str(value).replace("_", " "), _plain_text(zh), _plain_text(en))
            if low in [w.lower() for w in said]:
                return value
        raise Invalid("choice", len(spec.values))
    if t == "region":
        for rid, region in ruleset.regions.items():
            if text in (rid, region.name.zh, region.name.en):
                return rid
        raise Invalid("one_of", ", ".join(ruleset.regions))
    if t == "date":
        return parse_date(text)
    raise Invalid("text")


_DAY = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_YEAR = re.compile(r"(\d{4})\s*年?")


def parse_date(text: str) -> dt.date | int:
    """A date or a year, as a profile takes them; written 2022-08-20, 2022/8/20, 2022.8.20
    or 2022年8月20日 (full-width digits too), or 2022 or 2022年."""
    value = _plain_text(text)
    if len(value) > _NUMBER_LENGTH:
        raise Invalid("date")
    year = _YEAR.fullmatch(value)
    if year:
        number = int(year.group(1))
        if not MIN_DATE.year <= number <= MAX_DATE.year:
            raise Invalid("year", MIN_DATE.year, MAX_DATE.year)
        return number
    day_match = _DAY.fullmatch(value)
    if not day_match:
        raise Invalid("date")
    try:
        day = dt.date(*(int(part) for part in day_match.groups()))
    except ValueError:
        raise Invalid("date") from None
    if not MIN_DATE <= day <= MAX_DATE:
        raise Invalid("date_range", MIN_DATE, MAX_DATE)
    return day


# ------------------------------------------------------------------ the loop

Ask = Callable[[str], "str | None"]
Say = Callable[[str], None]


def _w(key: str, lang: Lang, *args: Any, **values: Any) -> str:
    return word("interview_" + key, lang).format(*args, **values)


class _Back(Exception):
    """`back`: revise the previous answer."""


class Declined(Exception):
    """The person chose not to write the profile at the review."""


class _Session:
    def __init__(
        self,
        ruleset: Ruleset,
        plan: Plan,
        ask: Ask,
        say: Say,
        lang: Lang,
        strict: bool,
        record: list[str],
        replay: list[str],
    ) -> None:
        self.ruleset = ruleset
        self.plan = plan
        self.ask_raw = ask
        self.say_raw = say
        self.lang = lang
        self.strict = strict  # answers from a script: a bad one stops, naming it
        self.products: list[dict[str, Any]] = []  # declared so far: id and attributes
        self.record = record  # every accepted answer, as typed: what `back` and a resume replay
        self.replay = replay  # accepted answers to give again, silently, before asking
        self.consumed = 0  # answers read from the source (the line number of a scripted one)

    def say(self, text: str) -> None:
        if not self.replay:  # replaying after `back`: the screen already showed it
            self.say_raw(text)

    def next_answer(self, prompt: str) -> str | None:
        if self.replay:
            return self.replay.pop(0)
        self.consumed += 1
        return self.ask_raw(prompt)

    def ask(self, prompt: str, spec: FieldSpec | None, optional: bool) -> Any:
        """Ask until the answer fits; None when skipped (optional questions only)."""
        while True:
            replaying = bool(self.replay)
            answer = self.next_answer(prompt)
            if answer is None:
                raise InterviewError(
                    f"the answers ran out at: {visible(prompt.strip().rstrip(':'))}",
                    source="<stdin>",
                )
            if not replaying and answer.strip().lower() in BACK:
                raise _Back
            if not answer.strip() and optional:
                self.record.append(answer)
                return None
            try:
                value = (
                    parse_date(answer) if spec is None else parse_answer(spec, answer, self.ruleset)
                )
            except Invalid as exc:
                if self.strict:
                    raise InterviewError(
                        f"answer '{shown(answer.strip())}' to "
                        f"{visible(prompt.strip().rstrip(':'))}: expected {exc.text('en')}",
                        source="<stdin>",
                        line=self.consumed,
                    ) from None
                self.say(_w("invalid", self.lang, shown(answer.strip()), exc.text(self.lang)))
                continue
            self.record.append(answer)
            return value

    def yes_no(self, prompt: str) -> bool:
        spec = FieldSpec("answer", "bool", Text("", ""))
        question = _joined(f"{prompt} {_w('yes_no', self.lang)}")
        return bool(self.ask(f"{question} ", spec, optional=False))

    def field_prompt(self, spec: FieldSpec, optional: bool) -> str:
        """The question first, in the chosen language; the choices with their numbers."""
        label = spec.label.get(self.lang)
        extra = ""
        if spec.type == "enum" and spec.values is not None:
            words = value_words(spec)
            choices = [words[v][0 if self.lang == "zh" else 1] for v in spec.values]
            if any(w in label for w in choices):
                label = re.split("[：:]", label)[0]  # the choices follow, numbered
            extra = " [" + ", ".join(f"{i} {w}" for i, w in enumerate(choices, 1)) + "]"
        elif spec.type == "int" and spec.values is not None:
            extra = " [" + ", ".join(str(v) for v in spec.values) + "]"
        elif spec.type == "bool":
            extra = " " + _w("yes_no", self.lang)
        elif spec.type == "money":
            extra = " (万元)" if "万元" not in label else ""
        elif spec.type == "date":
            extra = " " + _w("date_hint", self.lang)
        if spec.default is not None:
            shown_default = {True: _w("yes", self.lang), False: _w("no", self.lang)}.get(
                spec.default, spec.default
            )
            extra += " " + _w("default", self.lang, shown_default)
        elif optional:
            extra += " " + _w("optional", self.lang)
        return f"  {_joined(label + extra)}: "


def _joined(text: str) -> str:
    """No space before a full-width bracket: "名称（可跳过）", not "名称 （可跳过）"."""
    return text.replace(" （", "（").replace("？ （", "？（")


def run_interview(
    ruleset: Ruleset,
    plan: Plan,
    ask: Ask,
    say: Say,
    lang: Lang = "zh",
    strict: bool = False,
    record: list[str] | None = None,
    review: bool = False,
) -> dict[str, Any]:
    """Ask the plan's questions and return the profile's data (applicant and facts).

    `strict` (answers from a script): an answer that does not fit stops the interview with
    its line number, instead of asking again. `back` revises the previous answer: the
    interview starts again from the answers given so far, less the last one, without
    showing them again. `record` receives every accepted answer as typed (what an
    interrupted interview saves, and `--answers` resumes from). `review`: show the answers
    and ask before returning; "no" raises `Declined`."""
    kept: list[str] = record if record is not None else []
    given: list[str] = []
    while True:
        kept[:] = []
        s = _Session(ruleset, plan, ask, say, lang, strict, kept, list(given))
        try:
            data = _questions(s)
            if review:
                s.say(review_text(data, ruleset, lang))
                if not s.yes_no(_w("confirm", lang)):
                    kept.pop()
                    raise Declined
            return data
        except _Back:
            if not kept:
                say(_w("nothing_back", lang))
                given = []
                continue
            last = kept.pop()
            say(_w("back", lang, shown(last) or _w("skipped", lang)))
            given = list(kept)


def _questions(s: _Session) -> dict[str, Any]:
    ruleset, plan, lang = s.ruleset, s.plan, s.lang
    region_name = ruleset.regions[plan.region].name.get(lang)
    s.say(_w("intro", lang, region=region_name, as_of=plan.as_of, n=plan.measures))
    s.say(f"== {_w('applicant', lang)}")
    vocab = ruleset.vocabulary
    applicant: dict[str, Any] = {"region": plan.region}
    for name in plan.applicant:
        spec = vocab.applicant[name]
        prompt = s.field_prompt(spec, optional=True)
        if name == "tax_region":
            prompt = f"  {_joined(_w('tax_region', lang) + ' ' + _w('optional', lang))}: "
        value = s.ask(prompt, spec, optional=True)
        if value is not None:
            applicant[name] = value
    facts: list[dict[str, Any]] = []
    asked_products: bool | None = None
    for topic, kinds in plan.topics:
        label = ruleset.categories[topic].get(lang) if topic in ruleset.categories else topic
        s.say(f"== {label}")
        for k in kinds:
            if k.kind in stage_kinds(ruleset):
                if asked_products is None:
                    asked_products = s.yes_no(_w("products", lang))
                    if asked_products:
                        s.products = _ask_products(s)
                if not asked_products:
                    continue
            facts += _ask_kind(s, k, applicant)
    if s.products:
        return {"applicant": applicant, "products": s.products, "facts": facts}
    return {"applicant": applicant, "facts": facts}


def _ask_products(s: _Session) -> list[dict[str, Any]]:
    """One set of questions per product: its id, then each attribute the measures read."""
    lang = s.lang
    specs = s.ruleset.vocabulary.products
    text = FieldSpec("id", "text", Text("", ""))
    out: list[dict[str, Any]] = []
    while len(out) < MAX_FACTS_PER_KIND:
        s.say(f"== {_w('product_head', lang, len(out) + 1)}")
        while True:
            pid = str(s.ask(f"  {_w('product_id', lang)}: ", text, optional=False))
            if pid not in [p["id"] for p in out]:
                break
            if s.strict:
                raise InterviewError(f"product id '{pid}' given twice", source="<stdin>")
        product: dict[str, Any] = {"id": pid}
        for name in s.plan.product:
            spec = specs[name]
            category = _category(product)
            if name in FOR_DEVICES and category != "device":
                continue  # a device's alone: asked once the product is known to be one
            if name in DRUG_ONLY and category == "device":
                continue  # a device has no novelty or drug class
            value = s.ask(s.field_prompt(spec, optional=True), spec, optional=True)
            if value is not None:
                product[name] = value
        out.append(product)
        if not s.yes_no(_w("another_product", lang)):
            break
    return out


def _category(product: dict[str, Any]) -> str | None:
    """A product's category (drug, device) from the answers so far, None if not known."""
    try:
        found = derived_attributes({k: v for k, v in product.items() if k != "id"})
    except ValueError:
        return None
    category = found.get(PRODUCT_PREFIX + "category")
    return category if isinstance(category, str) else None


def review_text(data: dict[str, Any], ruleset: Ruleset, lang: Lang) -> str:
    """The answers as the profile will hold them, in the question's words."""
    vocab = ruleset.vocabulary
    out = [f"== {_w('review', lang)}"]

    def value_text(spec: FieldSpec | None, value: Any) -> str:
        if isinstance(value, bool):
            return _w("yes" if value else "no", lang)
        if spec is not None and spec.type == "enum":
            return value_words(spec).get(value, (str(value), str(value)))[0 if lang == "zh" else 1]
        if spec is not None and spec.type == "region":
            return ruleset.regions[value].name.get(lang)
        return visible(value)

    for name, value in data["applicant"].items():
        spec = vocab.applicant.get(name)
        label = spec.label.get(lang) if spec is not None else name
        out.append(f"  {visible(label)}: {value_text(spec, value)}")
    for product in data.get("products", []):
        out.append(f"  {_w('product_head', lang, visible(product['id']))}")
        for name, value in product.items():
            if name == "id":
                continue
            spec = vocab.products.get(name)
            label = spec.label.get(lang) if spec is not None else name
            out.append(f"      {visible(re.split('[：:]', label)[0])}: {value_text(spec, value)}")
    for number, fact in enumerate(data["facts"], 1):
        kind = vocab.kinds[fact["kind"]]
        out.append(f"  #{number} {kind.label.get(lang)} · {value_text(None, fact['date'])}")
        for name, value in fact.items():
            if name in ("kind", "date"):
                continue
            spec = kind.fields.get(name)
            label = spec.label.get(lang) if spec is not None else _w("product_word", lang)
            label = re.split("[：:]", label)[0]
            out.append(f"      {visible(label)}: {value_text(spec, value)}")
    return "\n".join(out)


def _ask_kind(s: _Session, k: KindPlan, applicant: dict[str, Any]) -> list[dict[str, Any]]:
    lang = s.lang
    label = k.label.get(lang)
    since = _w("since", lang, since=k.since) if k.since else ""
    out: list[dict[str, Any]] = []
    question = _w("any", lang, label=label) + since
    while len(out) < MAX_FACTS_PER_KIND and s.yes_no(question):
        out.append(_ask_fact(s, k, applicant))
        question = _w("another", lang, label=label)
    return out


def _ask_fact(s: _Session, k: KindPlan, applicant: dict[str, Any]) -> dict[str, Any]:
    lang = s.lang
    fields = s.ruleset.vocabulary.kinds[k.kind].fields
    fact: dict[str, Any] = {"kind": k.kind}
    fact["date"] = s.ask(f"  {_w('date', lang)}: ", None, optional=False)
    attributes: dict[str, Any] = {}
    if k.kind in stage_kinds(s.ruleset) and s.products:
        ids = [p["id"] for p in s.products]
        chosen = ids[0]
        if len(ids) > 1:  # one product: the fact is about it, nothing to ask
            spec = FieldSpec("product", "enum", Text("", ""), values=tuple(ids))
            choices = ", ".join(f"{i} {v}" for i, v in enumerate(ids, 1))
            chosen = s.ask(f"  {_w('product', lang, choices)}: ", spec, optional=False)
        fact["product"] = chosen
        declared = next(p for p in s.products if p["id"] == chosen)
        try:
            attributes = derived_attributes({k: v for k, v in declared.items() if k != "id"})
        except ValueError:
            attributes = {}  # contradicting answers: the profile written says so when read
    vocab = s.ruleset.vocabulary
    shared = [n for n in fields if n in vocab.products]
    devices = [p["id"] for p in s.products if _category(p) == "device"]
    if shared and devices and "product" not in fact:
        # A device fact may be about a declared device: its class (and own IP) come from it.
        spec = FieldSpec("product", "enum", Text("", ""), values=tuple(devices))
        choices = ", ".join(f"{i} {v}" for i, v in enumerate(devices, 1))
        prompt = _joined(f"{_w('product', lang, choices)} {_w('optional', lang)}")
        chosen = s.ask(f"  {prompt}: ", spec, optional=True)
        if chosen is not None:
            fact["product"] = chosen
            declared = next(p for p in s.products if p["id"] == chosen)
            attributes = derived_attributes({k: v for k, v in declared.items() if k != "id"})
            # The fields the product gives, under the fact's names, for the conditions.
            attributes.update(
                {
                    n: attributes[PRODUCT_PREFIX + n]
                    for n in shared
                    if PRODUCT_PREFIX + n in attributes
                }
            )
    live = [m for m in k.measures if _may_apply(m, attributes)]
    for name in k.fields:
        spec = fields[name]
        if name in shared and name in attributes:
            continue  # the product gives it
        if not spec.required and not any(_reads(m, name) for m in live):
            continue
        value = s.ask(s.field_prompt(spec, optional=not spec.required), spec, not spec.required)
        if value is None:
            continue
        fact[name] = value
        before = bool(live)
        live = [m for m in live if _may_apply(m, {**attributes, **fact})]
        if before and not live:
            s.say(_w("none_left", lang))
    return fact


def _reads(measure: Measure, name: str) -> bool:
    assert measure.trigger is not None
    return name in _condition_fields(measure.trigger.where) or name in formula_reads(
        measure.formula
    )


def _may_apply(measure: Measure, values: dict[str, Any]) -> bool:
    """Whether the measure can still pay for a fact with these values (unknown: yes)."""
    assert measure.trigger is not None
    for clause in measure.trigger.where:
        if isinstance(clause, AnyOf):
            if not any(all(_holds(c, values) for c in g) for g in clause.groups):
                return False
        elif not _holds(clause, values):
            return False
    return True


def _holds(condition: Condition, values: dict[str, Any]) -> bool:
    if condition.field not in values:
        return True
    return condition.holds(values[condition.field])


# ------------------------------------------------------------------ the profile written


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def profile_text(data: dict[str, Any], fmt: str) -> str:
    """The profile as TOML or YAML text."""
    applicant = {k: _plain(v) for k, v in data["applicant"].items()}
    products = [{k: _plain(v) for k, v in p.items()} for p in data.get("products", [])]
    facts = [{k: _plain(v) for k, v in f.items()} for f in data["facts"]]
    head = "# Written by `policycalc interview`. Amounts in 万元."
    if fmt == "toml":
        import tomli_w

        out = [head, "", tomli_w.dumps({"applicant": applicant}).rstrip()]
        for product in products:
            out += ["", "[[products]]", tomli_w.dumps(product).rstrip()]
        for fact in facts:
            out += ["", "[[facts]]", tomli_w.dumps(fact).rstrip()]
        return "\n".join(out) + "\n"
    import yaml

    whole: dict[str, Any] = {"applicant": applicant}
    if products:
        whole["products"] = products
    whole["facts"] = facts
    body = yaml.safe_dump(whole, allow_unicode=True, sort_keys=False)
    return f"{head}\n{body}"


__all__ = [
    "Declined",
    "InterviewError",
    "KindPlan",
    "Plan",
    "make_plan",
    "parse_answer",
    "profile_text",
    "run_interview",
]
