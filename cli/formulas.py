"""Evaluate a measure's formula for one fact: the closed set of kinds, never `eval`."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, NamedTuple

from .model import (
    Banded,
    CaseByCase,
    Choice,
    Fixed,
    Formula,
    NoMoney,
    PerUnit,
    Range,
    Share,
    ShareRange,
    Text,
    UpTo,
)
from .money import ZERO, Amount, fmt


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


def evaluate(formula: Formula, values: dict[str, Any], trace: bool = True) -> Outcome:
    """Evaluate a formula for one fact's values. Without `trace` no steps are written (batch
    runs need only the amounts)."""
    out = Outcome(None, trace)
    out.amount = _eval(formula, values, out)
    return out


def _eval(formula: Formula, values: dict[str, Any], out: Outcome) -> Amount | None:
    step = out.steps.append  # steps are built only when traced (explain, --steps)
    if isinstance(formula, Fixed):
        if out.trace:
            step(Step(f"fixed sum: {fmt(formula.amount)}", f"定额：{fmt(formula.amount)}"))
        return Amount.exact(formula.amount)
    if isinstance(formula, UpTo):
        if out.trace:
            step(
                Step(
                    f"the text gives only a ceiling: 0 to {fmt(formula.max)}",
                    f"仅规定上限：0 至 {fmt(formula.max)}",
                )
            )
        return Amount.up_to(formula.max)
    if isinstance(formula, Range):
        if out.trace:
            step(
                Step(
                    f"range: {fmt(formula.min)} to {fmt(formula.max)}",
                    f"区间：{fmt(formula.min)} 至 {fmt(formula.max)}",
                )
            )
        return Amount(formula.min, formula.max)
    if isinstance(formula, CaseByCase):
        if out.trace:
            step(Step("case by case: the text states no sum", "一事一议或未规定金额"))
        return Amount.unknown()
    if isinstance(formula, NoMoney):
        if out.trace:
            step(Step("no money: a policy measure without an amount", "无资金的政策措施"))
        return Amount.none()
    if isinstance(formula, Share):
        return _share(formula, values, out)
    if isinstance(formula, ShareRange):
        return _share_range(formula, values, out)
    if isinstance(formula, PerUnit):
        return _per_unit(formula, values, out)
    if isinstance(formula, Choice):
        return _choice(formula, values, out)
    return _banded(formula, values, out)


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


def _share(f: Share, values: dict[str, Any], out: Outcome) -> Amount:
    base = values.get(f.base)
    if base is None:
        return _missing_base(f.base, f.max, out)
    product = f.rate * Decimal(base)
    if out.trace:
        out.steps.append(
            Step(
                f"{pct(f.rate)} × {f.base} {fmt(Decimal(base))} = {fmt(product)}",
                f"{pct(f.rate)} × {f.base} {fmt(Decimal(base))} = {fmt(product)}",
            )
        )
    value = _cap(product, f.max, out)
    if f.rate_is_ceiling:
        if out.trace:
            out.steps.append(
                Step(
                    f'the share is itself a ceiling ("not more than"): 0 to {fmt(value)}',
                    f"比例本身是上限（不超过）：0 至 {fmt(value)}",
                )
            )
        return Amount.up_to(value)
    return Amount.exact(value)


def _share_range(f: ShareRange, values: dict[str, Any], out: Outcome) -> Amount:
    base = values.get(f.base)
    if base is None:
        return _missing_base(f.base, f.max, out)
    b = Decimal(base)
    lo, hi = f.rate_min * b, f.rate_max * b
    if out.trace:
        out.steps.append(
            Step(
                f"{pct(f.rate_min)}–{pct(f.rate_max)} × {f.base} {fmt(b)} = {fmt(lo)}–{fmt(hi)}",
                f"{pct(f.rate_min)}–{pct(f.rate_max)} × {f.base} {fmt(b)} = {fmt(lo)}–{fmt(hi)}",
            )
        )
    hi = _cap(hi, f.max, out)
    lo = min(lo, hi)
    return Amount(lo, hi)


def _per_unit(f: PerUnit, values: dict[str, Any], out: Outcome) -> Amount | None:
    count = values.get(f.count_field)
    if count is None:
        count = 1
        if out.trace:
            out.steps.append(
                Step(f"{f.count_field} not given: counted as 1", f"未提供 {f.count_field}：按 1 计")
            )
    if count == 0:
        out.reason = Text(f"{f.count_field} 为 0", f"{f.count_field} is 0")
        return None
    each = _eval(f.each, values, out)
    if each is None:
        return None
    total = each.times(int(count))
    if each.known and out.trace:
        out.steps.append(
            Step(
                f"× {count} ({f.count_field}) = {total.describe('en')}",
                f"× {count}（{f.count_field}）= {total.describe('zh')}",
            )
        )
    return total


def _choice(f: Choice, values: dict[str, Any], out: Outcome) -> Amount | None:
    value = values.get(f.by)
    what = "stage" if f.kind == "staged" else "tier"
    what_zh = "阶段" if f.kind == "staged" else "等次"
    if value is None:
        out.reason = Text(f"未提供 {f.by}", f"{f.by} not given")
        return None
    key = str(value).lower() if isinstance(value, bool) else str(value)
    if key not in f.options:
        out.reason = Text(f"{f.by} = {key} 无对应金额", f"no amount for {f.by} = {key}")
        return None
    if out.trace:
        out.steps.append(Step(f"{what} {f.by} = {key}", f"{what_zh} {f.by} = {key}"))
    return _eval(f.options[key], values, out)


def _banded(f: Banded, values: dict[str, Any], out: Outcome) -> Amount | None:
    base = values.get(f.base)
    if base is None:
        out.reason = Text(f"未提供 {f.base}，无法判断档次", f"{f.base} not given: band unknown")
        return None
    b = Decimal(base)
    for band in f.bands:
        if band.holds(b):
            if out.trace:
                out.steps.append(
                    Step(
                        f"{f.base} {fmt(b)} falls in the band {band.describe()}",
                        f"{f.base} {fmt(b)} 落入档次 {band.describe()}",
                    )
                )
            return _eval(band.formula, values, out)
    lowest = f.bands[0].describe()
    out.reason = Text(
        f"{f.base} {fmt(b)} 未达门槛（{lowest}）",
        f"{f.base} {fmt(b)} is outside every band (first: {lowest})",
    )
    return None


def describe(formula: Formula, lang: str = "en") -> str:
    """A one-line human description of a formula."""
    zh = lang == "zh"
    if isinstance(formula, Fixed):
        return fmt(formula.amount)
    if isinstance(formula, UpTo):
        return f"最高 {fmt(formula.max)}" if zh else f"up to {fmt(formula.max)}"
    if isinstance(formula, Range):
        return f"{fmt(formula.min)}–{fmt(formula.max)}"
    if isinstance(formula, CaseByCase):
        return "一事一议（金额未定）" if zh else "case by case (amount unknown)"
    if isinstance(formula, NoMoney):
        return "无资金" if zh else "no money"
    if isinstance(formula, Share):
        cap = ""
        if formula.max is not None:
            cap = f"，最高 {fmt(formula.max)}" if zh else f", at most {fmt(formula.max)}"
        if formula.rate_is_ceiling:
            return (
                f"不超过 {formula.base} 的 {pct(formula.rate)}{cap}"
                if zh
                else f"not more than {pct(formula.rate)} of {formula.base}{cap}"
            )
        return (
            f"{formula.base} 的 {pct(formula.rate)}{cap}"
            if zh
            else f"{pct(formula.rate)} of {formula.base}{cap}"
        )
    if isinstance(formula, ShareRange):
        cap = ""
        if formula.max is not None:
            cap = f"，最高 {fmt(formula.max)}" if zh else f", at most {fmt(formula.max)}"
        rates = f"{pct(formula.rate_min)}–{pct(formula.rate_max)}"
        return f"{formula.base} 的 {rates}{cap}" if zh else f"{rates} of {formula.base}{cap}"
    if isinstance(formula, PerUnit):
        return (
            f"每单位 {describe(formula.each, lang)} × {formula.count_field}"
            if zh
            else f"{describe(formula.each, lang)} per unit × {formula.count_field}"
        )
    if isinstance(formula, Choice):
        parts = "; ".join(f"{k}: {describe(v, lang)}" for k, v in formula.options.items())
        return f"{formula.by} → {parts}"
    parts = "; ".join(f"{b.describe()}: {describe(b.formula, lang)}" for b in formula.bands)
    other = "其余：无" if zh else "otherwise nothing"
    return f"{formula.base} {parts}; {other}"


def item_ceiling(formula: Formula) -> Decimal | None:
    """The most one award of this formula can be, where the text fixes it."""
    if isinstance(formula, Fixed):
        return formula.amount
    if isinstance(formula, UpTo | Range):
        return formula.max
    if isinstance(formula, Share | ShareRange):
        return formula.max
    if isinstance(formula, Choice):
        options = [item_ceiling(o) for o in formula.options.values()]
        known = [o for o in options if o is not None]
        return max(known) if known and len(known) == len(options) else None
    if isinstance(formula, Banded):
        options = [item_ceiling(b.formula) for b in formula.bands]
        known = [o for o in options if o is not None]
        return max(known) if known and len(known) == len(options) else None
    return None if not isinstance(formula, NoMoney) else ZERO
