"""The domain model: regions, departments, documents, measures, formulas, ceilings, profiles."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal, NamedTuple

Lang = Literal["zh", "en"]

# Model records are NamedTuples: immutable, and cheap to define. Scripts start the command
# once per applicant, and a dataclass compiles several methods per class at import.


class Text(NamedTuple):
    """A short text in Chinese and English."""

    zh: str
    en: str

    def get(self, lang: Lang) -> str:
        return self.zh if lang == "zh" else self.en


# ---------------------------------------------------------------- shared tables


class Region(NamedTuple):
    id: str
    name: Text
    level: str
    parent: str | None


class Department(NamedTuple):
    region: str
    zh: str
    en: str

    @property
    def name(self) -> Text:
        return Text(self.zh, self.en)


class FieldSpec(NamedTuple):
    """One field of the profile vocabulary (an applicant field or a fact field)."""

    name: str
    type: str  # money | count | int | bool | enum | text | region | date
    label: Text
    values: tuple[Any, ...] | None = None
    required: bool = False
    default: Any = None
    place: bool = False


class FactKind(NamedTuple):
    id: str
    label: Text
    fields: dict[str, FieldSpec]


class Vocabulary(NamedTuple):
    applicant: dict[str, FieldSpec]
    kinds: dict[str, FactKind]


# ---------------------------------------------------------------- conditions

Op = Literal["eq", "in", "min", "above", "max", "below"]


class Condition(NamedTuple):
    field: str
    op: Op
    value: Any

    def holds(self, actual: Any) -> bool:
        if self.op == "eq":
            return bool(actual == self.value)
        if self.op == "in":
            return actual in self.value
        if isinstance(actual, bool) or not isinstance(actual, int | Decimal):
            return False
        if self.op == "min":
            return bool(actual >= self.value)
        if self.op == "above":
            return bool(actual > self.value)
        if self.op == "max":
            return bool(actual <= self.value)
        return bool(actual < self.value)

    def describe(self) -> str:
        symbol = {"eq": "=", "in": "in", "min": "≥", "above": ">", "max": "≤", "below": "<"}[
            self.op
        ]
        value = self.value
        if self.op == "in":
            value = ", ".join(str(v) for v in self.value)
        return f"{self.field} {symbol} {_plain(value)}"


class AnyOf(NamedTuple):
    """At least one of the groups holds (each group: all its conditions hold)."""

    groups: tuple[tuple[Condition, ...], ...]

    def describe(self) -> str:
        return " or ".join(
            "(" + " and ".join(c.describe() for c in group) + ")" for group in self.groups
        )


Clause = Condition | AnyOf


def _plain(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# ---------------------------------------------------------------- formulas


class Fixed(NamedTuple):
    amount: Decimal
    kind: str = "fixed"


class Share(NamedTuple):
    base: str
    rate: Decimal
    max: Decimal | None
    rate_is_ceiling: bool = False
    kind: str = "share"


class ShareRange(NamedTuple):
    base: str
    rate_min: Decimal
    rate_max: Decimal
    max: Decimal | None
    kind: str = "share_range"


class UpTo(NamedTuple):
    max: Decimal
    kind: str = "up_to"


class Range(NamedTuple):
    min: Decimal
    max: Decimal
    kind: str = "range"


class PerUnit(NamedTuple):
    count_field: str  # the fact field that holds the number of units
    each: Formula
    kind: str = "per_unit"


class Choice(NamedTuple):
    """`staged` (by clinical phase or milestone) or `tiered` (by category)."""

    kind: str  # staged | tiered
    by: str
    options: dict[str, Formula]


class Band(NamedTuple):
    lower: Decimal | None
    lower_inclusive: bool
    upper: Decimal | None
    upper_inclusive: bool
    formula: Formula

    def holds(self, value: Decimal) -> bool:
        if self.lower is not None and (
            value < self.lower or (value == self.lower and not self.lower_inclusive)
        ):
            return False
        return not (
            self.upper is not None
            and (value > self.upper or (value == self.upper and not self.upper_inclusive))
        )

    def describe(self) -> str:
        parts = []
        if self.lower is not None:
            parts.append(("≥ " if self.lower_inclusive else "> ") + str(self.lower))
        if self.upper is not None:
            parts.append(("≤ " if self.upper_inclusive else "< ") + str(self.upper))
        return " and ".join(parts) or "any"


class Banded(NamedTuple):
    base: str
    bands: tuple[Band, ...]
    kind: str = "banded"


class CaseByCase(NamedTuple):
    kind: str = "case_by_case"


class NoMoney(NamedTuple):
    kind: str = "no_money"


Formula = (
    Fixed | Share | ShareRange | UpTo | Range | PerUnit | Choice | Banded | CaseByCase | NoMoney
)

FORMULA_KINDS = (
    "fixed",
    "share",
    "share_range",
    "up_to",
    "range",
    "per_unit",
    "staged",
    "tiered",
    "banded",
    "case_by_case",
    "no_money",
)


def has_money(formula: Formula) -> bool:
    return not isinstance(formula, NoMoney)


def is_case_by_case(formula: Formula) -> bool:
    return isinstance(formula, CaseByCase)


# ---------------------------------------------------------------- documents


class Payment(NamedTuple):
    """How an award is paid, where the text says: once, yearly (for how many years), per
    event; `text` says it in words."""

    text: Text
    frequency: str | None = None  # once | yearly | per_event | staged
    years: int | None = None  # at most this many years (yearly awards)

    def get(self, lang: Lang) -> str:
        return self.text.get(lang)


class Departments(NamedTuple):
    lead: tuple[Department, ...]
    support: tuple[Department, ...]
    note: Text | None = None


class Trigger(NamedTuple):
    kind: str
    where: tuple[Clause, ...]
    applicant: tuple[Clause, ...]


class Measure(NamedTuple):
    id: str
    document_id: str
    article: str
    title: Text
    summary: Text
    category: str
    recipient: str
    departments: Departments
    trigger: Trigger | None
    formula: Formula
    stacking_group: str | None = None
    payment: Payment | None = None
    notes: Text | None = None
    source: str = ""
    line: int | None = None


CeilingScope = Literal["per_year", "total", "per_product", "per_product_year"]


class Ceiling(NamedTuple):
    id: str
    article: str
    summary: Text
    scope: CeilingScope
    amount: Decimal
    measures: frozenset[str] | None  # None: every measure of the document
    document_id: str = ""

    def covers(self, measure_id: str) -> bool:
        return self.measures is None or measure_id in self.measures


class Eligibility(NamedTuple):
    article: str | None = None
    summary: Text | None = None
    registration: tuple[str, ...] = ("business",)
    legal_forms: tuple[str, ...] | None = None
    independent_legal_person: bool = False
    biomedicine_business: bool = False
    in_enterprise_database: bool = False
    exclusions: tuple[str, ...] = ()
    suspensions: tuple[str, ...] = ()


class Stacking(NamedTuple):
    rule: str  # higher_only
    article: str
    summary: Text


class Document(NamedTuple):
    id: str
    region: str
    title: Text
    issuer: Text
    number: str
    source: str
    issued: dt.date | None
    effective_from: dt.date | None
    effective_until: dt.date | None
    validity: Text
    facts_from: dt.date | None
    stacking: Stacking | None
    eligibility: Eligibility
    ceilings: tuple[Ceiling, ...]
    measures: tuple[Measure, ...]
    path: str = ""

    def status(self, as_of: dt.date) -> str:
        """in_force, not_yet or lapsed."""
        if self.effective_from is not None and as_of < self.effective_from:
            return "not_yet"
        if self.effective_until is not None and as_of > self.effective_until:
            return "lapsed"
        return "in_force"

    @property
    def window_start(self) -> dt.date | None:
        return self.facts_from or self.effective_from


class Ruleset(NamedTuple):
    regions: dict[str, Region]
    departments: dict[str, dict[str, Department]]
    categories: dict[str, Text]
    recipients: dict[str, Text]
    vocabulary: Vocabulary
    documents: dict[str, Document]
    measures: dict[str, Measure]
    version: str
    sources: tuple[str, ...] = ()

    def chain(self, region_id: str) -> list[str]:
        """The region and every region above it, nearest first."""
        out: list[str] = []
        current: str | None = region_id
        while current is not None and current not in out:
            out.append(current)
            current = self.regions[current].parent if current in self.regions else None
        return out

    def documents_reaching(self, region_id: str) -> list[Document]:
        chain = self.chain(region_id)
        return [d for d in self.documents.values() if d.region in chain]


# ---------------------------------------------------------------- profile


class Fact(NamedTuple):
    number: int  # position in the profile's list, from 1
    kind: str
    date: dt.date
    values: dict[str, Any]
    product: str | None = None
    note: str | None = None
    line: int | None = None

    def label(self) -> str:
        name = f"#{self.number} {self.kind}"
        return f"{name} ({self.product})" if self.product else name


class Profile(NamedTuple):
    applicant: dict[str, Any]
    facts: tuple[Fact, ...]
    source: str = "<profile>"
    line: int | None = None
    assumptions: tuple[str, ...] = ()

    @property
    def region(self) -> str:
        return str(self.applicant["region"])

    @property
    def tax_region(self) -> str:
        return str(self.applicant.get("tax_region") or self.applicant["region"])

    @property
    def name(self) -> str:
        return str(self.applicant.get("name") or self.applicant.get("id") or "")
