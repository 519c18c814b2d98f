"""Conditions, fields and values in the client's words, from the vocabulary's labels
(policy_data/facts.yaml, `zh`/`en`): never a fact kind, field name, enum value or measure id.

An enum value's words come from its field's `labels` (`{value: {zh: …, en: …}}`); for a
value without one, from the field's label where it lists the values in their order after a
colon ("产品类型：创新药、改良型新药、…", "level: national, provincial, …"); where the label
does not list them either, the value is written as words (underscores become spaces).
Machine formats and `explain` keep the ids; these words are for what a client reads.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from .model import AnyOf, Clause, FieldSpec, Text
from .money import fmt

_OPEN = "（("
_CLOSE = "）)"


def _top_level_split(text: str, separators: tuple[str, ...]) -> list[str]:
    """Split at separators that are not inside brackets."""
    parts: list[str] = []
    depth = 0
    current = ""
    i = 0
    while i < len(text):
        ch = text[i]
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth = max(0, depth - 1)
        if depth == 0:
            sep = next((s for s in separators if text.startswith(s, i)), None)
            if sep is not None:
                parts.append(current.strip())
                current = ""
                i += len(sep)
                continue
        current += ch
        i += 1
    parts.append(current.strip())
    return parts


def _listed(label: str, count: int, colons: tuple[str, ...], seps: tuple[str, ...]) -> list[str]:
    """The value names a label lists after its colon, if it lists exactly `count` of them."""
    for colon in colons:
        if colon in label:
            head, tail = label.split(colon, 1)
            del head
            parts = _top_level_split(tail, seps)
            if len(parts) == count and all(parts):
                return parts
    return []


def _name(label: str, colons: tuple[str, ...]) -> str:
    """A field's name: its label before any colon, without a trailing bracket."""
    for colon in colons:
        if colon in label:
            label = label.split(colon, 1)[0]
    return re.sub(r"\s*[（(][^（()）]*[)）]\s*$", "", label).strip() or label


def plain(value: Any) -> str:
    """A value with no label as words: no underscores, booleans as 是/否 are left to callers."""
    if isinstance(value, Decimal):
        return fmt(value)
    return str(value).replace("_", " ")


def field_words(spec: FieldSpec | None, name: str) -> Text:
    if spec is None:
        words = plain(name)
        return Text(words, words)
    return Text(_name(spec.label.zh, ("：", ":")), _name(spec.label.en, (":", "：")))


def value_words(spec: FieldSpec | None, value: Any) -> Text:
    if isinstance(value, bool):
        return Text("是" if value else "否", "yes" if value else "no")
    if spec is not None and spec.labels:
        own = spec.labels.get(value)
        if own is not None:
            return own
    if spec is not None and spec.values:
        values = [str(v) for v in spec.values]
        if str(value) in values:
            at = values.index(str(value))
            zh = _listed(spec.label.zh, len(values), ("：", ":"), ("、",))
            en = _listed(spec.label.en, len(values), (":", "："), (", ",))
            words = plain(value)
            return Text(zh[at] if zh else words, en[at] if en else words)
    words = plain(value)
    return Text(words, words)


def _spec(fields: Mapping[str, FieldSpec], name: str) -> FieldSpec | None:
    return fields.get(name)


def condition_words(clause: Clause, fields: Mapping[str, FieldSpec]) -> Text:
    """One condition: a flag by its label ("在当地生产"), a value by its words ("细胞类生物
    制品"), a number with its comparison ("研发投入 ≥ 300")."""
    if isinstance(clause, AnyOf):
        groups = [conditions_words(group, fields) for group in clause.groups]
        return Text(
            "或".join(f"（{g.zh}）" for g in groups), " or ".join(f"({g.en})" for g in groups)
        )
    spec = _spec(fields, clause.field)
    name = field_words(spec, clause.field)
    value = clause.value
    if clause.op == "eq" and isinstance(value, bool):
        if value:
            return name
        return Text(f"非{name.zh}", f"not {name.en}")
    if clause.op == "eq" and spec is not None and spec.type == "enum":
        return value_words(spec, value)
    if clause.op == "in":
        words = [value_words(spec, v) for v in value]
        if spec is not None and spec.type == "enum":
            return Text("或".join(w.zh for w in words), " or ".join(w.en for w in words))
        return Text(
            f"{name.zh}为{'或'.join(w.zh for w in words)}",
            f"{name.en} {' or '.join(w.en for w in words)}",
        )
    symbol = {"eq": "=", "min": "≥", "above": ">", "max": "≤", "below": "<"}[clause.op]
    shown = value_words(spec, value)
    return Text(f"{name.zh} {symbol} {shown.zh}", f"{name.en} {symbol} {shown.en}")


def conditions_words(clauses: Iterable[Clause], fields: Mapping[str, FieldSpec]) -> Text:
    parts = [condition_words(c, fields) for c in clauses]
    return Text("，".join(p.zh for p in parts), ", ".join(p.en for p in parts))


def fields_words(names: Iterable[str], fields: Mapping[str, FieldSpec]) -> Text:
    parts = [field_words(_spec(fields, n), n) for n in names]
    return Text("、".join(p.zh for p in parts), ", ".join(p.en for p in parts))


__all__ = [
    "condition_words",
    "conditions_words",
    "field_words",
    "fields_words",
    "plain",
    "value_words",
]
