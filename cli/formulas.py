"""The formula kinds: what one measure gives for one fact. A closed set, never `eval`.

Each kind is one class below and holds everything the kind means: its record (the figures
from the data), `parse` (reading and checking it from YAML, every problem naming file, line
and key), `evaluate` (the award for one fact's values, with the steps in words),
`describe` (one line in Chinese or English), `item_ceiling` and `least_award`, and what
advice asks of it: `bounds`, `reads` (the fields it reads), `selected` (the part a choice
selects), `unread`, `grows_with` (whether more of a field pays more), `undecided_by` and
`threshold` (its amount at the threshold it misses). The loader, the engine, explain, the
listings, opportunities and the interview reach a kind only through these methods.

To add a kind, write its class (a `record` subclassing the abstract `Formula`) and list it in
`KINDS`, the names the data may use. There is no dispatch on the kind anywhere: every caller
calls the methods, and mypy refuses a class in `KINDS` that leaves one of them out.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, ClassVar, NamedTuple, Protocol

from .money import ZERO, Amount, fmt
from .records import Text, record
from .schema import Reader, suggest


class Step(NamedTuple):
    """One step of a computation, in both languages."""

    en: str
    zh: str

    def get(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


class Outcome:
    """The result of a formula: an amount, or a reason it gives nothing."""

    __slots__ = ("amount", "notes", "reason", "steps", "trace")

    def __init__(self, amount: Amount | None, trace: bool = True) -> None:
        self.amount = amount
        self.trace = trace
        self.steps: list[Step] = []
        self.notes: list[Text] = []
        self.reason: Text | None = None


def pct(rate: Decimal) -> str:
    return fmt(rate * 100) + "%"


class FieldInfo(Protocol):
    """What parsing needs to know of a fact field (a `model.FieldSpec`)."""

    @property
    def type(self) -> str: ...

    @property
    def values(self) -> tuple[Any, ...] | None: ...


# The fields of the measure's trigger (fact kind); None when the measure has no trigger.
Fields = Mapping[str, FieldInfo] | None


class Threshold(NamedTuple):
    """A threshold some values fall short of: the field, the figure, whether the figure itself
    meets it (以上: yes; 超过: no, but taken at the figure itself all the same), and what the
    formula gives at it with the other values as they are."""

    field: str
    at: Decimal
    inclusive: bool
    amount: Amount | None


# The least that one branch of a formula always gives, and that branch in words ('' if the
# formula has no branches).
Floor = tuple[Decimal, str]


class Formula(ABC):
    """A measure's formula: what every kind provides. Each kind is a `record` subclass holding
    the kind's figures; `KINDS` lists them."""

    kind: ClassVar[str]  # the name used in the data (`formula: {kind: …}`) and in JSON
    reads_fact: ClassVar[bool] = False  # reads fields of a fact, so the measure needs a trigger
    pays: ClassVar[bool] = True  # promises money (a sum, a range or case by case)

    @classmethod
    @abstractmethod
    def parse(cls, f: Reader, fields: Fields) -> Formula:
        """Read the kind's keys from `f` (whose `kind` is read already) and check them."""

    @abstractmethod
    def evaluate(self, values: dict[str, Any], out: Outcome) -> Amount | None:
        """The award for one fact's values; None, with `out.reason`, when it gives nothing.
        Steps go to `out.steps` only when `out.trace` (batch runs need only amounts)."""

    @abstractmethod
    def describe(self, lang: str) -> str:
        """One line for people: `zh` or `en`."""

    @abstractmethod
    def item_ceiling(self) -> Decimal | None:
        """The most one award can be, where the text fixes it."""

    @abstractmethod
    def least_award(self) -> Floor | None:
        """The highest amount that some branch (stage, tier, band) always gives whenever it
        pays, with that branch; None where no branch fixes a least amount. A ceiling below it
        would cut every award on that branch."""

    @abstractmethod
    def bounds(self) -> Amount:
        """The least and most one award can be, whatever the facts (None: the text sets no
        bound)."""

    @abstractmethod
    def reads(self) -> list[str]:
        """Every fact field the formula reads for its amount."""

    @abstractmethod
    def selected(self, values: dict[str, Any]) -> Formula | None:
        """The part of a choice the values select (the formula itself when it is no choice);
        None when they select nothing."""

    @abstractmethod
    def unread(self, values: dict[str, Any]) -> list[str]:
        """Fields the formula would read for these values but they do not give."""

    @abstractmethod
    def grows_with(self, field: str) -> bool:
        """Whether more of this field means more money."""

    @abstractmethod
    def undecided_by(self, values: dict[str, Any]) -> str | None:
        """The field whose absence leaves the formula giving nothing (the field a choice is
        made by, the base of bands); None when nothing missing stops it."""

    @abstractmethod
    def threshold(self, values: dict[str, Any]) -> Threshold | None:
        """The threshold these values fall short of, with what the formula gives at it; None
        when no threshold stands in the way."""


# ---------------------------------------------------------------- shared steps


def _field(f: Reader, key: str, fields: Fields, numeric: bool = True) -> str:
    """A key naming a field of the trigger's fact kind."""
    name: str = f.string(key)
    if fields is not None:
        if name not in fields:
            raise f.fail(
                key, f"the trigger's fact kind has no field '{name}'{suggest(name, fields)}"
            )
        if numeric and fields[name].type not in ("money", "count", "int"):
            raise f.fail(key, f"field '{name}' is {fields[name].type}, not a number")
    return name


def _rate(f: Reader, key: str) -> Decimal:
    value: Decimal = f.number(key, positive=True)
    if value > 1:
        raise f.fail(key, f"a rate is a fraction such as 0.2, found {value}")
    return value


def _cap_text(ceiling: Decimal | None, lang: str) -> str:
    if ceiling is None:
        return ""
    return f"，最高 {fmt(ceiling)}" if lang == "zh" else f", at most {fmt(ceiling)}"


def _missing_base(base: str, ceiling: Decimal | None, out: Outcome) -> Amount:
    out.notes.append(Text(f"请提供 {base} 以得到确切金额", f"give {base} for an exact figure"))
    if ceiling is None:
        if out.trace:
            out.steps.append(
                Step(
                    f"{base} not given and no ceiling: amount unknown",
                    f"未提供 {base} 且无上限：金额未定",
                )
            )
        return Amount.unknown()
    if out.trace:
        out.steps.append(
            Step(
                f"{base} not given: 0 to the ceiling {fmt(ceiling)}",
                f"未提供 {base}：0 至上限 {fmt(ceiling)}",
            )
        )
    return Amount.up_to(ceiling)


def _cap(value: Decimal, ceiling: Decimal | None, out: Outcome) -> Decimal:
    if ceiling is not None and value > ceiling:
        if out.trace:
            out.steps.append(
                Step(
                    f"capped at the item ceiling {fmt(ceiling)}", f"受单项上限 {fmt(ceiling)} 限制"
                )
            )
        return ceiling
    return value


def _highest(floors: list[tuple[Floor | None, str]]) -> Floor | None:
    """The highest of the branches' floors, naming the branch (and any branch inside it)."""
    best: Floor | None = None
    for floor, branch in floors:
        if floor is not None and (best is None or floor[0] > best[0]):
            best = (floor[0], f"{branch}, {floor[1]}" if floor[1] else branch)
    return best


class _Plain(Formula):
    """A kind that reads no field: its amount is in the text alone."""

    def reads(self) -> list[str]:
        return []

    def selected(self, values: dict[str, Any]) -> Formula | None:
        return self

    def unread(self, values: dict[str, Any]) -> list[str]:
        return []

    def grows_with(self, field: str) -> bool:
        return False

    def undecided_by(self, values: dict[str, Any]) -> str | None:
        return None

    def threshold(self, values: dict[str, Any]) -> Threshold | None:
        return None


def _span(amounts: list[Amount]) -> Amount:
    """The bounds over alternatives (stages, tiers, bands): an unknown bound stays unknown."""
    mins = [a.min for a in amounts]
    maxes = [a.max for a in amounts]
    low = None if any(m is None for m in mins) else min(m for m in mins if m is not None)
    high = None if any(m is None for m in maxes) else max(m for m in maxes if m is not None)
    return Amount(low, high)


def _merged(parts: list[list[str]]) -> list[str]:
    out: list[str] = []
    for part in parts:
        out += [f for f in part if f not in out]
    return out


# ---------------------------------------------------------------- the kinds


@record
class Fixed(_Plain):
    """A fixed sum (给予…100万元): exactly that."""

    amount: Decimal
    kind = "fixed"

    @classmethod
    def parse(cls, f: Reader, fields: Fields) -> Formula:
        return cls(f.number("amount", positive=True))

    def evaluate(self, values: dict[str, Any], out: Outcome) -> Amount | None:
        if out.trace:
            out.steps.append(Step(f"fixed sum: {fmt(self.amount)}", f"定额：{fmt(self.amount)}"))
        return Amount.exact(self.amount)

    def describe(self, lang: str) -> str:
        return fmt(self.amount)

    def item_ceiling(self) -> Decimal | None:
        return self.amount

    def least_award(self) -> Floor | None:
        return (self.amount, "")

    def bounds(self) -> Amount:
        return Amount.exact(self.amount)


@record
class Share(Formula):
    """A share of a base, optionally capped: exact once the base is known. With
    `rate_is_ceiling` (不超过…20%) the share is itself a ceiling: 0 to it."""

    base: str
    rate: Decimal
    max: Decimal | None
    rate_is_ceiling: bool = False
    kind = "share"
    reads_fact = True

    @classmethod
    def parse(cls, f: Reader, fields: Fields) -> Formula:
        return cls(
            _field(f, "base", fields),
            _rate(f, "rate"),
            f.number("max", None, positive=True),
            f.flag("rate_is_ceiling", False),
        )

    def evaluate(self, values: dict[str, Any], out: Outcome) -> Amount | None:
        base = values.get(self.base)
        if base is None:
            return _missing_base(self.base, self.max, out)
        product = self.rate * Decimal(base)
        if out.trace:
            line = f"{pct(self.rate)} × {self.base} {fmt(Decimal(base))} = {fmt(product)}"
            out.steps.append(Step(line, line))
        value = _cap(product, self.max, out)
        if self.rate_is_ceiling:
            if out.trace:
                out.steps.append(
                    Step(
                        f'the share is itself a ceiling ("not more than"): 0 to {fmt(value)}',
                        f"比例本身是上限（不超过）：0 至 {fmt(value)}",
                    )
                )
            return Amount.up_to(value)
        return Amount.exact(value)

    def describe(self, lang: str) -> str:
        cap = _cap_text(self.max, lang)
        if lang == "zh":
            share = f"{self.base} 的 {pct(self.rate)}{cap}"
            return f"不超过 {share}" if self.rate_is_ceiling else share
        share = f"{pct(self.rate)} of {self.base}{cap}"
        return f"not more than {share}" if self.rate_is_ceiling else share

    def item_ceiling(self) -> Decimal | None:
        return self.max

    def least_award(self) -> Floor | None:
        return None

    def bounds(self) -> Amount:
        return Amount(ZERO, self.max)

    def reads(self) -> list[str]:
        return [self.base]

    def selected(self, values: dict[str, Any]) -> Formula | None:
        return self

    def unread(self, values: dict[str, Any]) -> list[str]:
        return [] if self.base in values else [self.base]

    def grows_with(self, field: str) -> bool:
        return field == self.base

    def undecided_by(self, values: dict[str, Any]) -> str | None:
        return None

    def threshold(self, values: dict[str, Any]) -> Threshold | None:
        return None


@record
class ShareRange(Formula):
    """A share between two rates (1%~3%), both ends capped."""

    base: str
    rate_min: Decimal
    rate_max: Decimal
    max: Decimal | None
    kind = "share_range"
    reads_fact = True

    @classmethod
    def parse(cls, f: Reader, fields: Fields) -> Formula:
        base = _field(f, "base", fields)
        lo, hi = _rate(f, "rate_min"), _rate(f, "rate_max")
        if lo > hi:
            raise f.fail("rate_max", f"rate_max {hi} is below rate_min {lo}")
        return cls(base, lo, hi, f.number("max", None, positive=True))

    def evaluate(self, values: dict[str, Any], out: Outcome) -> Amount | None:
        base = values.get(self.base)
        if base is None:
            return _missing_base(self.base, self.max, out)
        b = Decimal(base)
        lo, hi = self.rate_min * b, self.rate_max * b
        if out.trace:
            line = (
                f"{pct(self.rate_min)}–{pct(self.rate_max)} × {self.base} {fmt(b)} = "
                f"{fmt(lo)}–{fmt(hi)}"
            )
            out.steps.append(Step(line, line))
        hi = _cap(hi, self.max, out)
        lo = min(lo, hi)
        return Amount(lo, hi)

    def describe(self, lang: str) -> str:
        rates = f"{pct(self.rate_min)}–{pct(self.rate_max)}"
        cap = _cap_text(self.max, lang)
        return f"{self.base} 的 {rates}{cap}" if lang == "zh" else f"{rates} of {self.base}{cap}"

    def item_ceiling(self) -> Decimal | None:
        return self.max

    def least_award(self) -> Floor | None:
        return None

    def bounds(self) -> Amount:
        return Amount(ZERO, self.max)

    def reads(self) -> list[str]:
        return [self.base]

    def selected(self, values: dict[str, Any]) -> Formula | None:
        return self

    def unread(self, values: dict[str, Any]) -> list[str]:
        return [] if self.base in values else [self.base]

    def grows_with(self, field: str) -> bool:
        return field == self.base

    def undecided_by(self, values: dict[str, Any]) -> str | None:
        return None

    def threshold(self, values: dict[str, Any]) -> Threshold | None:
        return None


@record
class UpTo(_Plain):
    """Only a ceiling (最高不超过500万元): 0 to it, never a bare maximum."""

    max: Decimal
    kind = "up_to"

    @classmethod
    def parse(cls, f: Reader, fields: Fields) -> Formula:
        return cls(f.number("max", positive=True))

    def evaluate(self, values: dict[str, Any], out: Outcome) -> Amount | None:
        if out.trace:
            out.steps.append(
                Step(
                    f"the text gives only a ceiling: 0 to {fmt(self.max)}",
                    f"仅规定上限：0 至 {fmt(self.max)}",
                )
            )
        return Amount.up_to(self.max)

    def describe(self, lang: str) -> str:
        return f"最高 {fmt(self.max)}" if lang == "zh" else f"up to {fmt(self.max)}"

    def item_ceiling(self) -> Decimal | None:
        return self.max

    def least_award(self) -> Floor | None:
        return None

    def bounds(self) -> Amount:
        return Amount.up_to(self.max)


@record
class Range(_Plain):
    """A range (1000万元—3000万元): min to max."""

    min: Decimal
    max: Decimal
    kind = "range"

    @classmethod
    def parse(cls, f: Reader, fields: Fields) -> Formula:
        lo, hi = f.number("min"), f.number("max", positive=True)
        if lo > hi:
            raise f.fail("max", f"max {hi} is below min {lo}")
        return cls(lo, hi)

    def evaluate(self, values: dict[str, Any], out: Outcome) -> Amount | None:
        if out.trace:
            out.steps.append(
                Step(
                    f"range: {fmt(self.min)} to {fmt(self.max)}",
                    f"区间：{fmt(self.min)} 至 {fmt(self.max)}",
                )
            )
        return Amount(self.min, self.max)

    def describe(self, lang: str) -> str:
        return f"{fmt(self.min)}–{fmt(self.max)}"

    def item_ceiling(self) -> Decimal | None:
        return self.max

    def least_award(self) -> Floor | None:
        return (self.min, "")

    def bounds(self) -> Amount:
        return Amount(self.min, self.max)


@record
class PerUnit(Formula):
    """A formula per unit (每个批文1000万元) times a count field; a count not given is 1, a
    count of 0 gives nothing."""

    count_field: str  # the fact field that holds the number of units
    each: Formula
    kind = "per_unit"
    reads_fact = True

    @classmethod
    def parse(cls, f: Reader, fields: Fields) -> Formula:
        count = _field(f, "count", fields)
        f.raw("each")
        return cls(count, parse_formula(f.sub("each"), fields))

    def evaluate(self, values: dict[str, Any], out: Outcome) -> Amount | None:
        count = values.get(self.count_field)
        if count is None:
            count = 1
            if out.trace:
                out.steps.append(
                    Step(
                        f"{self.count_field} not given: counted as 1",
                        f"未提供 {self.count_field}：按 1 计",
                    )
                )
        if count == 0:
            out.reason = Text(f"{self.count_field} 为 0", f"{self.count_field} is 0")
            return None
        each = self.each.evaluate(values, out)
        if each is None:
            return None
        total = each.times(int(count))
        if each.known and out.trace:
            out.steps.append(
                Step(
                    f"× {count} ({self.count_field}) = {total.describe('en')}",
                    f"× {count}（{self.count_field}）= {total.describe('zh')}",
                )
            )
        return total

    def describe(self, lang: str) -> str:
        each = self.each.describe(lang)
        if lang == "zh":
            return f"每单位 {each} × {self.count_field}"
        return f"{each} per unit × {self.count_field}"

    def item_ceiling(self) -> Decimal | None:
        return None  # grows with the count

    def least_award(self) -> Floor | None:
        return self.each.least_award()  # one unit at least whenever it pays

    def bounds(self) -> Amount:
        return Amount(self.each.bounds().min, None)  # how many units is open

    def reads(self) -> list[str]:
        return _merged([[self.count_field], self.each.reads()])

    def selected(self, values: dict[str, Any]) -> Formula | None:
        return self.each.selected(values)

    def unread(self, values: dict[str, Any]) -> list[str]:
        return self.each.unread(values)  # a count not given is one unit, as documented

    def grows_with(self, field: str) -> bool:
        return field == self.count_field or self.each.grows_with(field)

    def undecided_by(self, values: dict[str, Any]) -> str | None:
        return self.each.undecided_by(values)

    def threshold(self, values: dict[str, Any]) -> Threshold | None:
        found = self.each.threshold(values)
        count = values.get(self.count_field, 1)
        if found is None or found.amount is None or not count:
            return found
        return found._replace(amount=found.amount.times(int(count)))


@record
class _Choice(Formula):
    """A formula per value of a field; a value not listed gives nothing."""

    by: str
    options: dict[str, Formula]
    options_key: ClassVar[str]  # the data key holding the options
    words: ClassVar[Text]  # what one option is called, for the steps

    @classmethod
    def parse(cls, f: Reader, fields: Fields) -> Formula:
        key = cls.options_key
        by = _field(f, "by", fields, numeric=False)
        f.raw(key)
        block = f.sub(key)
        allowed = fields[by].values if fields is not None else None
        options: dict[str, Formula] = {}
        for value in block.data:
            block.used.add(value)
            if allowed is not None and str(value) not in {str(v) for v in allowed}:
                raise block.fail(value, f"'{value}' is not a value of field '{by}'")
            options[str(value)] = parse_formula(block.sub(value), fields)
        if not options:
            raise f.fail(key, f"no {key} given")
        return cls(by, options)

    def evaluate(self, values: dict[str, Any], out: Outcome) -> Amount | None:
        value = values.get(self.by)
        if value is None:
            out.reason = Text(f"未提供 {self.by}", f"{self.by} not given")
            return None
        key = str(value).lower() if isinstance(value, bool) else str(value)
        if key not in self.options:
            out.reason = Text(f"{self.by} = {key} 无对应金额", f"no amount for {self.by} = {key}")
            return None
        if out.trace:
            out.steps.append(
                Step(f"{self.words.en} {self.by} = {key}", f"{self.words.zh} {self.by} = {key}")
            )
        return self.options[key].evaluate(values, out)

    def describe(self, lang: str) -> str:
        parts = "; ".join(f"{k}: {v.describe(lang)}" for k, v in self.options.items())
        return f"{self.by} → {parts}"

    def item_ceiling(self) -> Decimal | None:
        return _most([o.item_ceiling() for o in self.options.values()])

    def least_award(self) -> Floor | None:
        return _highest([(o.least_award(), f"{self.by} = {k}") for k, o in self.options.items()])

    def bounds(self) -> Amount:
        return _span([o.bounds() for o in self.options.values()])

    def reads(self) -> list[str]:
        return _merged([[self.by], *(o.reads() for o in self.options.values())])

    def _option(self, values: dict[str, Any]) -> Formula | None:
        value = values.get(self.by)
        if value is None:
            return None
        key = str(value).lower() if isinstance(value, bool) else str(value)
        return self.options.get(key)

    def selected(self, values: dict[str, Any]) -> Formula | None:
        option = self._option(values)
        return None if option is None else option.selected(values)

    def unread(self, values: dict[str, Any]) -> list[str]:
        option = self._option(values)
        return [] if option is None else option.unread(values)

    def grows_with(self, field: str) -> bool:
        return any(o.grows_with(field) for o in self.options.values())

    def undecided_by(self, values: dict[str, Any]) -> str | None:
        if values.get(self.by) is None:
            return self.by
        option = self._option(values)
        return None if option is None else option.undecided_by(values)

    def threshold(self, values: dict[str, Any]) -> Threshold | None:
        option = self._option(values)
        return None if option is None else option.threshold(values)


@record
class Staged(_Choice):
    """Amounts by clinical phase or milestone (I、II、III期分别给予100、150、250万元)."""

    kind = "staged"
    options_key = "stages"

    words = Text("阶段", "stage")


@record
class Tiered(_Choice):
    """Amounts by category (国家级、省级、市级分别给予2000、1000、500万元)."""

    kind = "tiered"
    options_key = "tiers"

    words = Text("等次", "tier")


@record
class Band:
    """One band of a `banded` formula: bounds on the base, and the formula inside them."""

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

    @classmethod
    def parse(cls, b: Reader, fields: Fields) -> Band:
        lower, lower_inc, upper, upper_inc = None, True, None, True
        if b.has("min") and b.has("above"):
            raise b.fail("above", "give min or above, not both")
        if b.has("max") and b.has("below"):
            raise b.fail("below", "give max or below, not both")
        if b.has("min"):
            lower = b.number("min")
        if b.has("above"):
            lower, lower_inc = b.number("above"), False
        if b.has("max"):
            upper = b.number("max")
        if b.has("below"):
            upper, upper_inc = b.number("below"), False
        if lower is not None and upper is not None and upper < lower:
            raise b.fail(
                "max" if upper_inc else "below",
                f"the band ends ({upper}) below its start ({lower})",
            )
        b.raw("formula")
        band = cls(lower, lower_inc, upper, upper_inc, parse_formula(b.sub("formula"), fields))
        b.finish()
        return band


@record
class Banded(Formula):
    """Thresholds and bands on a base (300万元以上的按3%; 5亿以上一事一议): the first band that
    holds the base gives its formula; below every band, nothing."""

    base: str
    bands: tuple[Band, ...]
    kind = "banded"
    reads_fact = True

    @classmethod
    def parse(cls, f: Reader, fields: Fields) -> Formula:
        base = _field(f, "base", fields)
        f.seq("bands")
        bands = [
            Band.parse(Reader(item, f.source, f"{f.field('bands')}[{i}]", f.error, line), fields)
            for i, item, line in f.items("bands")
        ]
        if not bands:
            raise f.fail("bands", "no bands given")
        return cls(base, tuple(bands))

    def evaluate(self, values: dict[str, Any], out: Outcome) -> Amount | None:
        base = values.get(self.base)
        if base is None:
            out.reason = Text(
                f"未提供 {self.base}，无法判断档次", f"{self.base} not given: band unknown"
            )
            return None
        b = Decimal(base)
        for band in self.bands:
            if band.holds(b):
                if out.trace:
                    out.steps.append(
                        Step(
                            f"{self.base} {fmt(b)} falls in the band {band.describe()}",
                            f"{self.base} {fmt(b)} 落入档次 {band.describe()}",
                        )
                    )
                return band.formula.evaluate(values, out)
        lowest = self.bands[0].describe()
        out.reason = Text(
            f"{self.base} {fmt(b)} 未达门槛（{lowest}）",
            f"{self.base} {fmt(b)} is outside every band (first: {lowest})",
        )
        return None

    def describe(self, lang: str) -> str:
        parts = "; ".join(f"{b.describe()}: {b.formula.describe(lang)}" for b in self.bands)
        other = "其余：无" if lang == "zh" else "otherwise nothing"
        return f"{self.base} {parts}; {other}"

    def item_ceiling(self) -> Decimal | None:
        return _most([b.formula.item_ceiling() for b in self.bands])

    def least_award(self) -> Floor | None:
        return _highest(
            [(b.formula.least_award(), f"{self.base} {b.describe()}") for b in self.bands]
        )

    def bounds(self) -> Amount:
        return _span([b.formula.bounds() for b in self.bands])

    def reads(self) -> list[str]:
        return _merged([[self.base], *(b.formula.reads() for b in self.bands)])

    def selected(self, values: dict[str, Any]) -> Formula | None:
        return self

    def _band(self, values: dict[str, Any]) -> Band | None:
        base = values.get(self.base)
        if base is None:
            return None
        return next((b for b in self.bands if b.holds(Decimal(base))), None)

    def unread(self, values: dict[str, Any]) -> list[str]:
        if values.get(self.base) is None:
            return [self.base]
        band = self._band(values)
        return [] if band is None else band.formula.unread(values)

    def grows_with(self, field: str) -> bool:
        return any(b.formula.grows_with(field) for b in self.bands)

    def undecided_by(self, values: dict[str, Any]) -> str | None:
        if values.get(self.base) is None:
            return self.base
        band = self._band(values)
        return None if band is None else band.formula.undecided_by(values)

    def threshold(self, values: dict[str, Any]) -> Threshold | None:
        base = values.get(self.base)
        band = self._band(values)
        if base is None or band is not None:
            return None if band is None else band.formula.threshold(values)
        lowest = self.bands[0]
        if lowest.lower is None or Decimal(base) > lowest.lower:
            return None  # above every band: nothing a client would want to change
        # At the figure itself, even where the text wants more than it (超过): the least
        # a client can aim at, in the text's own precision.
        at = dict(values, **{self.base: lowest.lower})
        amount = lowest.formula.evaluate(at, Outcome(None, False))
        return Threshold(self.base, lowest.lower, lowest.lower_inclusive, amount)


@record
class CaseByCase(_Plain):
    """Money promised without a sum (一事一议; 上不封顶; 给予奖励): amount unknown, never 0."""

    kind = "case_by_case"

    @classmethod
    def parse(cls, f: Reader, fields: Fields) -> Formula:
        return cls()

    def evaluate(self, values: dict[str, Any], out: Outcome) -> Amount | None:
        if out.trace:
            out.steps.append(Step("case by case: the text states no sum", "一事一议或未规定金额"))
        return Amount.unknown()

    def describe(self, lang: str) -> str:
        return "一事一议（金额未定）" if lang == "zh" else "case by case (amount unknown)"

    def item_ceiling(self) -> Decimal | None:
        return None

    def least_award(self) -> Floor | None:
        return None

    def bounds(self) -> Amount:
        return Amount.unknown()


@record
class NoMoney(_Plain):
    """A measure without money (建立…机制, 优先审评)."""

    kind = "no_money"
    pays = False

    @classmethod
    def parse(cls, f: Reader, fields: Fields) -> Formula:
        return cls()

    def evaluate(self, values: dict[str, Any], out: Outcome) -> Amount | None:
        if out.trace:
            out.steps.append(
                Step("no money: a policy measure without an amount", "无资金的政策措施")
            )
        return Amount.none()

    def describe(self, lang: str) -> str:
        return "无资金" if lang == "zh" else "no money"

    def item_ceiling(self) -> Decimal | None:
        return ZERO

    def least_award(self) -> Floor | None:
        return None

    def bounds(self) -> Amount:
        return Amount.none()


def _most(ceilings: list[Decimal | None]) -> Decimal | None:
    """The highest of the branches' item ceilings, if every branch has one."""
    known = [c for c in ceilings if c is not None]
    return max(known) if known and len(known) == len(ceilings) else None


# ---------------------------------------------------------------- the closed set


def _registry(*kinds: type[Formula]) -> dict[str, type[Formula]]:
    """The kinds by the name the data uses. mypy refuses an abstract class here, so a kind
    that leaves out a method of `Formula` is a type error, not a fall-through."""
    table = {kind.kind: kind for kind in kinds}
    if len(table) != len(kinds):
        raise TypeError("two formula kinds share a name")
    return table


# In this order the kinds are listed in error messages.
KINDS = _registry(
    Fixed,
    Share,
    ShareRange,
    UpTo,
    Range,
    PerUnit,
    Staged,
    Tiered,
    Banded,
    CaseByCase,
    NoMoney,
)


def parse_formula(f: Reader, fields: Fields) -> Formula:
    """Read one formula mapping; `fields` are the trigger's fact fields it may refer to."""
    formula = KINDS[f.choice("kind", KINDS)].parse(f, fields)
    f.finish()
    return formula


def evaluate(formula: Formula, values: dict[str, Any], trace: bool = True) -> Outcome:
    """Evaluate a formula for one fact's values. Without `trace` no steps are written (batch
    runs need only the amounts)."""
    out = Outcome(None, trace)
    out.amount = formula.evaluate(values, out)
    return out


def describe(formula: Formula, lang: str = "en") -> str:
    """A one-line human description of a formula."""
    return formula.describe(lang)


def item_ceiling(formula: Formula) -> Decimal | None:
    """The most one award of this formula can be, where the text fixes it."""
    return formula.item_ceiling()
