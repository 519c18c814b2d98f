"""Award amounts as honest bounds in 万元, always Decimal."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal, NamedTuple, assert_never

ZERO = Decimal(0)

# How an amount reads: a fixed sum, 0 to a ceiling, a range, unknown, or no money at all.
AmountKind = Literal["exact", "up_to", "range", "case_by_case", "no_money"]


def fmt(value: Decimal) -> str:
    """A Decimal without trailing zeros or exponent: 300, 30.03."""
    text = format(value.normalize(), "f")
    return text if "." not in text else text.rstrip("0").rstrip(".")


class Amount(NamedTuple):
    """An award as (min, max) in 万元. None marks an unknown bound (case by case)."""

    min: Decimal | None
    max: Decimal | None
    money: bool = True

    @classmethod
    def exact(cls, value: Decimal) -> Amount:
        return cls(value, value)

    @classmethod
    def up_to(cls, value: Decimal) -> Amount:
        return cls(ZERO, value)

    @classmethod
    def unknown(cls) -> Amount:
        return cls(None, None)

    @classmethod
    def none(cls) -> Amount:
        return cls(None, None, money=False)

    @property
    def known(self) -> bool:
        return self.money and self.min is not None and self.max is not None

    @property
    def kind(self) -> AmountKind:
        if not self.money:
            return "no_money"
        if self.min is None or self.max is None:
            return "case_by_case"
        if self.min == self.max:
            return "exact"
        if self.min == 0:
            return "up_to"
        return "range"

    def times(self, count: int) -> Amount:
        if not self.known:
            return self
        assert self.min is not None and self.max is not None
        return Amount(self.min * count, self.max * count)

    def describe(self, lang: str = "en") -> str:
        kind = self.kind
        match kind:
            case "no_money":
                return "无资金" if lang == "zh" else "no money"
            case "case_by_case":
                return "一事一议（金额未定）" if lang == "zh" else "case by case"
            case "exact" | "up_to" | "range":
                assert self.min is not None and self.max is not None
                if kind == "exact":
                    return fmt(self.max)
                if kind == "up_to":
                    return f"最高 {fmt(self.max)}" if lang == "zh" else f"up to {fmt(self.max)}"
                return f"{fmt(self.min)}–{fmt(self.max)}"
            case _:
                assert_never(kind)
