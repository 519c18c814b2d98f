"""The domain model: regions, departments, documents, measures, ceilings, profiles.

A measure's formula is one of the kinds in formulas.py."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal, NamedTuple

# Re-exported (`X as X`): the model's users import them from here.
from .formulas import Formula as Formula
from .records import Lang as Lang
from .records import Text as Text
from .records import record as record

# A document's validity on a date.
Status = Literal["in_force", "not_yet", "lapsed"]
# How the awards of one fact from two measures combine: only the higher pays (就高不重复), or
# the text does not say whether both pay.
StackingRule = Literal["higher_only", "may_overlap"]
# The type of a profile field (applicant or fact).
FieldType = Literal["money", "count", "int", "bool", "enum", "text", "region", "date"]


# ---------------------------------------------------------------- shared tables


@record
class Region:
    id: str
    name: Text
    level: str
    parent: str | None


@record
class Department:
    region: str
    zh: str
    en: str

    @property
    def name(self) -> Text:
        return Text(self.zh, self.en)


@record
class FieldSpec:
    """One field of the profile vocabulary (an applicant field or a fact field)."""

    name: str
    type: FieldType
    label: Text
    values: tuple[Any, ...] | None = None
    required: bool = False
    default: Any = None
    place: bool = False
    # An enum value's words (facts.yaml `labels`), value by value; a value without one is
    # read from the label's listing (wording.value_words).
    labels: dict[Any, Text] | None = None


@record
class FactKind:
    id: str
    label: Text
    fields: dict[str, FieldSpec]


@record
class Stages:
    """A product's development stages (facts.yaml `stages`), from which advice reads a
    product's next stage: the fact kinds of each stage, the phase field and the last phase."""

    preclinical: str  # a preclinical project
    approval: str  # clinical approval or filing
    entered: str  # a clinical phase entered
    completed: str  # a clinical phase completed
    phase: str  # the field holding the phase (1, 2, 3)
    last_phase: int
    next_entered: str  # the completed phase's flag: the next phase has been entered
    stage_fields: frozenset[str]  # fields of one stage, not of the product

    @property
    def kinds(self) -> tuple[str, ...]:
        return (self.preclinical, self.approval, self.entered, self.completed)


@record
class Vocabulary:
    applicant: dict[str, FieldSpec]
    kinds: dict[str, FactKind]
    product: dict[str, FieldSpec] | None = None  # a product's attributes (`products` section)
    stages: Stages | None = None  # the stages of a product's development (advice)

    @property
    def products(self) -> dict[str, FieldSpec]:
        return self.product or {}


# A condition on an attribute of the product a fact names reads `product.<attribute>`.
PRODUCT_PREFIX = "product."


# ---------------------------------------------------------------- conditions

Op = Literal["eq", "in", "min", "above", "max", "below"]


@record
class Condition:
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


@record
class AnyOf:
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


# ---------------------------------------------------------------- documents


@record
class Payment:
    """How an award is paid, where the text says: once, yearly (for how many years), per
    event; `text` says it in words."""

    text: Text
    frequency: str | None = None  # once | yearly | per_event | staged
    years: int | None = None  # at most this many years (yearly awards)

    def get(self, lang: Lang) -> str:
        return self.text.get(lang)


@record
class Departments:
    lead: tuple[Department, ...]
    support: tuple[Department, ...]
    note: Text | None = None


@record
class Trigger:
    kind: str
    where: tuple[Clause, ...]
    applicant: tuple[Clause, ...]


@record
class Requirement:
    """Another measure whose conditions must hold for this one to pay ("其中…额外", "进入
    上述程序"): for the same applicant, or for the same product. `flag`, a yes/no field of
    this measure's own fact, may say it directly."""

    measure: str
    same: str  # applicant | product
    flag: str | None = None


@record
class Measure:
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
    event_window: str | None = None  # previous_year: events of the year before the application
    notes: Text | None = None
    source: str = ""
    line: int | None = None
    requires: Requirement | None = None


CeilingScope = Literal["per_year", "total", "per_product", "per_product_year"]


@record
class Ceiling:
    id: str
    article: str
    summary: Text
    scope: CeilingScope
    amount: Decimal
    measures: frozenset[str] | None  # None: every measure of the document
    document_id: str = ""
    exempt: frozenset[str] = frozenset()  # recipients it does not limit (people, for "all")

    def covers(self, measure_id: str) -> bool:
        return self.measures is None or measure_id in self.measures

    def applies_to(self, measure: Measure) -> bool:
        """Whether the ceiling limits this measure's awards: it covers the measure and the
        award is paid to someone the ceiling limits."""
        return self.covers(measure.id) and measure.recipient not in self.exempt


@record
class Eligibility:
    article: str | None = None
    summary: Text | None = None
    registration: tuple[str, ...] = ("business",)
    legal_forms: tuple[str, ...] | None = None
    independent_legal_person: bool = False
    biomedicine_business: bool = False
    in_enterprise_database: bool = False
    exclusions: tuple[str, ...] = ()
    suspensions: tuple[str, ...] = ()


@record
class Stacking:
    rule: StackingRule  # a document states only higher_only
    article: str
    summary: Text


@record
class Overlap:
    """Measures the text does not say can, or cannot, both be paid for one fact."""

    id: str
    article: str
    summary: Text
    measures: frozenset[str]


@record
class Document:
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
    overlaps: tuple[Overlap, ...] = ()
    start_unknown: bool = False  # the text states no start; `known_by` bounds it
    known_by: dt.date | None = None  # a date the document is known to exist by (posted copy)

    def status(self, as_of: dt.date) -> Status:
        """in_force, not_yet or lapsed."""
        if self.effective_from is not None and as_of < self.effective_from:
            return "not_yet"
        if self.effective_until is not None and as_of > self.effective_until:
            return "lapsed"
        return "in_force"

    @property
    def window_start(self) -> dt.date | None:
        return self.facts_from or self.effective_from


@record
class Ruleset:
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
    until: dt.date | None = None  # a date given as a year or a month: the interval's last day
    written: str | None = None  # the date as the profile wrote it, where it is an interval

    @property
    def end(self) -> dt.date:
        """The last day the fact may have happened (its date, unless given as an interval)."""
        return self.until if self.until is not None else self.date

    @property
    def when(self) -> str:
        """The date as the user wrote it: "2022", "2022-05" or "2022-05-17"."""
        return self.written if self.written is not None else self.date.isoformat()

    def label(self) -> str:
        name = f"#{self.number} {self.kind}"
        return f"{name} ({self.product})" if self.product else name


class Profile(NamedTuple):
    applicant: dict[str, Any]
    facts: tuple[Fact, ...]
    source: str = "<profile>"
    line: int | None = None
    assumptions: tuple[Text, ...] = ()  # notes on how the profile was read (old forms)
    products: dict[str, dict[str, Any]] | None = None  # declared products: id -> attributes

    @property
    def region(self) -> str:
        return str(self.applicant["region"])

    @property
    def tax_region(self) -> str:
        return str(self.applicant.get("tax_region") or self.applicant["region"])

    @property
    def name(self) -> str:
        return str(self.applicant.get("name") or self.applicant.get("id") or "")
