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

The loop knows nothing of terminals: it takes an `ask(prompt) -> str | None` callable
(None: no more answers) and a `say(text)` callable.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple

from .errors import InputError
from .model import PRODUCT_PREFIX, AnyOf, Clause, Condition, FieldSpec, Lang, Measure, Ruleset, Text
from .opportunities import PRODUCT_KINDS, formula_reads, own_bounds
from .profile import MAX_AMOUNT, MAX_COUNT, MAX_DATE, MIN_DATE, derived_attributes

MAX_FACTS_PER_KIND = 20  # "another one?" stops asking after this many


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
    """An answer that does not fit its question; the message says what would."""


YES = {"y", "yes", "true", "1", "是", "有", "对"}
NO = {"n", "no", "false", "0", "否", "无", "没有", "不"}


def parse_answer(spec: FieldSpec, answer: str, ruleset: Ruleset) -> Any:
    """An answer as typed, checked and converted for its field."""
    text = answer.strip()
    t = spec.type
    if t == "bool":
        low = text.lower()
        if low in YES:
            return True
        if low in NO:
            return False
        raise Invalid("answer yes or no (y/n, 是/否)")
    if t == "money":
        cleaned = text.replace(",", "").replace("，", "").removesuffix("万元").removesuffix("万")
        try:
            amount = Decimal(cleaned.strip())
        except InvalidOperation:
            raise Invalid("an amount in 万元, such as 2500 or 2,500") from None
        if not amount.is_finite() or amount < 0:
            raise Invalid("an amount in 万元, 0 or more")
        if amount > MAX_AMOUNT:
            raise Invalid(f"more than {MAX_AMOUNT} 万元 is not plausible")
        return int(amount) if amount == amount.to_integral_value() else amount
    if t in ("count", "int"):
        try:
            number = int(text.replace(",", ""))
        except ValueError:
            raise Invalid("a whole number") from None
        if t == "count" and not 0 <= number <= MAX_COUNT:
            raise Invalid(f"a whole number from 0 to {MAX_COUNT}")
        if spec.values is not None and number not in spec.values:
            raise Invalid("one of: " + ", ".join(str(v) for v in spec.values))
        return number
    if t == "enum":
        assert spec.values is not None
        choices = [str(v) for v in spec.values]
        if text.isdigit() and 1 <= int(text) <= len(choices):
            return spec.values[int(text) - 1]
        for value in spec.values:
            if str(value).lower() == text.lower():
                return value
        raise Invalid("one of: " + ", ".join(f"{i} {c}" for i, c in enumerate(choices, 1)))
    if t == "region":
        if text in ruleset.regions:
            return text
        raise Invalid("one of: " + ", ".join(ruleset.regions))
    if t == "date":
        return parse_date(text)
    if not text:
        raise Invalid("some text")
    if len(text) > 200 or any(ord(c) < 32 for c in text):
        raise Invalid("one line of at most 200 characters")
    return text


def parse_date(text: str) -> dt.date | int:
    """A date (YYYY-MM-DD) or a year (YYYY), as a profile takes them."""
    value = text.strip()
    if len(value) == 4 and value.isdigit():
        year = int(value)
        if not MIN_DATE.year <= year <= MAX_DATE.year:
            raise Invalid(f"a year from {MIN_DATE.year} to {MAX_DATE.year}")
        return year
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise Invalid("a date YYYY-MM-DD, or a year YYYY") from None
    if not MIN_DATE <= day <= MAX_DATE:
        raise Invalid(f"a date from {MIN_DATE} to {MAX_DATE}")
    return day


# ------------------------------------------------------------------ the loop

Ask = Callable[[str], "str | None"]
Say = Callable[[str], None]

WORDS = {
    "intro": (
        "为 {region} 的申请主体建立资料（评估日 {as_of}）：{n} 项有效的资金措施。"
        "直接回车跳过可选问题。",
        "A profile for an applicant in {region} (as of {as_of}): {n} money measures in force. "
        "Press Enter to skip a question that is optional.",
    ),
    "applicant": ("申请主体", "The applicant"),
    "yes_no": ("（是/否）", "(yes/no)"),
    "optional": ("（可跳过）", "(optional)"),
    "default": ("（缺省：{}）", "(default: {})"),
    "any": ("{label}：有吗？", "{label}: any?"),
    "since": ("（{since} 以来）", " (since {since})"),
    "another": ("{label}：还有一项吗？", "{label}: another one?"),
    "date": ("日期（YYYY-MM-DD 或年份）", "date (YYYY-MM-DD or a year)"),
    "product": ("产品（{}）", "product ({})"),
    "product_id": (
        "产品编号（事实以此引用该产品）",
        "product id (the facts about it name it)",
    ),
    "another_product": ("还有一个产品吗？", "another product?"),
    "products": (
        "是否有在研产品（临床前或临床阶段）？",
        "Any products in development (preclinical or clinical)?",
    ),
    "product_head": ("产品 {}", "Product {}"),
    "invalid": ("无效：{} 应为 {}", "not valid: {} should be {}"),
    "none_left": (
        "（本项不再符合任何措施的条件，其余问题跳过）",
        "(no measure pays for this any more: its other questions are skipped)",
    ),
    "tax_region": (
        "税务登记地（与工商注册地不同时填写）",
        "region of tax registration (if not the same as the business registration)",
    ),
}


def _w(key: str, lang: Lang, *args: Any, **values: Any) -> str:
    zh, en = WORDS[key]
    return (zh if lang == "zh" else en).format(*args, **values)


class _Session:
    def __init__(
        self, ruleset: Ruleset, plan: Plan, ask: Ask, say: Say, lang: Lang, strict: bool
    ) -> None:
        self.ruleset = ruleset
        self.plan = plan
        self.ask_raw = ask
        self.say = say
        self.lang = lang
        self.strict = strict  # answers from a script: a bad one stops, naming it
        self.answered = 0
        self.products: list[dict[str, Any]] = []  # declared so far: id and attributes

    def ask(self, prompt: str, spec: FieldSpec | None, optional: bool) -> Any:
        """Ask until the answer fits; None when skipped (optional questions only)."""
        while True:
            answer = self.ask_raw(prompt)
            if answer is None:
                raise InterviewError(
                    f"the answers ran out at: {prompt.strip().rstrip(':')}", source="<stdin>"
                )
            self.answered += 1
            if not answer.strip() and optional:
                return None
            try:
                if spec is None:
                    return parse_date(answer)
                return parse_answer(spec, answer, self.ruleset)
            except Invalid as exc:
                if self.strict:
                    raise InterviewError(
                        f"answer '{answer.strip()}' to {prompt.strip().rstrip(':')}: "
                        f"expected {exc}",
                        source="<stdin>",
                        line=self.answered,
                    ) from None
                self.say(_w("invalid", self.lang, repr(answer.strip()), exc))

    def yes_no(self, prompt: str) -> bool:
        spec = FieldSpec("answer", "bool", Text("", ""))
        return bool(self.ask(f"{prompt} {_w('yes_no', self.lang)} ", spec, optional=False))

    def field_prompt(self, spec: FieldSpec, optional: bool) -> str:
        label = spec.label.get(self.lang)
        extra = ""
        if spec.type == "enum" and spec.values is not None:
            extra = " [" + ", ".join(f"{i} {v}" for i, v in enumerate(spec.values, 1)) + "]"
        elif spec.type == "int" and spec.values is not None:
            extra = " [" + ", ".join(str(v) for v in spec.values) + "]"
        elif spec.type == "bool":
            extra = " " + _w("yes_no", self.lang)
        elif spec.type == "money":
            extra = " (万元)" if "万元" not in label else ""
        if spec.default is not None:
            shown = {True: "yes", False: "no"}.get(spec.default, spec.default)
            extra += " " + _w("default", self.lang, shown)
        elif optional:
            extra += " " + _w("optional", self.lang)
        return f"  {spec.name}: {label}{extra}: "


def run_interview(
    ruleset: Ruleset, plan: Plan, ask: Ask, say: Say, lang: Lang = "zh", strict: bool = False
) -> dict[str, Any]:
    """Ask the plan's questions and return the profile's data (applicant and facts).

    `strict` (answers from a script): an answer that does not fit stops the interview with
    its line number, instead of asking again."""
    s = _Session(ruleset, plan, ask, say, lang, strict)
    region_name = ruleset.regions[plan.region].name.get(lang)
    say(_w("intro", lang, region=region_name, as_of=plan.as_of, n=plan.measures))
    say(f"== {_w('applicant', lang)}")
    vocab = ruleset.vocabulary
    applicant: dict[str, Any] = {"region": plan.region}
    for name in plan.applicant:
        spec = vocab.applicant[name]
        prompt = s.field_prompt(spec, optional=True)
        if name == "tax_region":
            prompt = f"  tax_region: {_w('tax_region', lang)} {_w('optional', lang)}: "
        value = s.ask(prompt, spec, optional=True)
        if value is not None:
            applicant[name] = value
    facts: list[dict[str, Any]] = []
    asked_products: bool | None = None
    for topic, kinds in plan.topics:
        label = ruleset.categories[topic].get(lang) if topic in ruleset.categories else topic
        say(f"== {label}")
        for k in kinds:
            if k.kind in PRODUCT_KINDS:
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
            pid = str(s.ask(f"  id: {_w('product_id', lang)}: ", text, optional=False))
            if pid not in [p["id"] for p in out]:
                break
            if s.strict:
                raise InterviewError(f"product id '{pid}' given twice", source="<stdin>")
        product: dict[str, Any] = {"id": pid}
        for name in s.plan.product:
            spec = specs[name]
            value = s.ask(s.field_prompt(spec, optional=True), spec, optional=True)
            if value is not None:
                product[name] = value
        out.append(product)
        if not s.yes_no(_w("another_product", lang)):
            break
    return out


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
    fact["date"] = s.ask(f"  date: {_w('date', lang)}: ", None, optional=False)
    attributes: dict[str, Any] = {}
    if k.kind in PRODUCT_KINDS and s.products:
        ids = [p["id"] for p in s.products]
        chosen = ids[0]
        if len(ids) > 1:  # one product: the fact is about it, nothing to ask
            spec = FieldSpec("product", "enum", Text("", ""), values=tuple(ids))
            choices = ", ".join(f"{i} {v}" for i, v in enumerate(ids, 1))
            chosen = s.ask(f"  product: {_w('product', lang, choices)}: ", spec, optional=False)
        fact["product"] = chosen
        declared = next(p for p in s.products if p["id"] == chosen)
        try:
            attributes = derived_attributes({k: v for k, v in declared.items() if k != "id"})
        except ValueError:
            attributes = {}  # contradicting answers: the profile written says so when read
    live = [m for m in k.measures if _may_apply(m, attributes)]
    for name in k.fields:
        spec = fields[name]
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
    "InterviewError",
    "KindPlan",
    "Plan",
    "make_plan",
    "parse_answer",
    "profile_text",
    "run_interview",
]
