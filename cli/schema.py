"""A small reader for YAML mappings that checks keys and types and names file, line and key."""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from .errors import PolicycalcError
from .lines import LineDict, LineList
from .records import Text

MISSING: Any = object()
# The largest amount, threshold or count policy data may state: 10亿万元 (ten trillion yuan).
# Anything larger is a typo, and an exponent such as 1.0e+999999999 would overflow the engine.
MAX_NUMBER = Decimal(1_000_000_000)


def suggest(word: str, choices: Iterable[str]) -> str:
    """' (did you mean …?)' with the closest names, or ''."""
    close = difflib.get_close_matches(str(word), [str(c) for c in choices], n=3, cutoff=0.6)
    return f" (did you mean {' or '.join(repr(c) for c in close)}?)" if close else ""


def one_of(word: str, choices: Iterable[str]) -> str:
    """' (did you mean …?); one of: a, b, c': the closest names and every valid one."""
    names = [str(c) for c in choices]
    return f"{suggest(word, names)}; one of: {', '.join(names)}"


def type_name(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | Decimal | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dt.date):
        return "a date"
    return type(value).__name__


class Reader:
    """Reads one mapping; every problem raises `error` naming source, line and key path."""

    def __init__(
        self,
        data: Any,
        source: str,
        path: str,
        error: type[PolicycalcError],
        line: int | None = None,
    ) -> None:
        self.source = source
        self.path = path
        self.error = error
        if not isinstance(data, dict):
            raise error(
                f"expected a mapping, found {type_name(data)}",
                source=source,
                line=line,
                field=path or None,
            )
        self.data = data
        self.used: set[str] = set()

    @property
    def line(self) -> int | None:
        return self.data.line if isinstance(self.data, LineDict) else None

    def line_of(self, key: str) -> int | None:
        if isinstance(self.data, LineDict):
            return self.data.line_of(key)
        return None

    def field(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def fail(self, key: str | None, message: str) -> PolicycalcError:
        return self.error(
            message,
            source=self.source,
            line=self.line_of(key) if key else self.line,
            field=self.field(key) if key else (self.path or None),
        )

    def has(self, key: str) -> bool:
        return key in self.data

    def raw(self, key: str, default: Any = MISSING) -> Any:
        self.used.add(key)
        if key not in self.data:
            if default is MISSING:
                raise self.fail(None, f"missing required key '{key}'")
            return default
        return self.data[key]

    def string(self, key: str, default: Any = MISSING) -> Any:
        value = self.raw(key, default)
        if value is default and key not in self.data:
            return value
        if isinstance(value, int | Decimal) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(key, f"expected text, found {type_name(value)}")
        return value.strip()

    def opt_str(self, key: str) -> str | None:
        value = self.raw(key, None)
        if value is None:
            return None
        if isinstance(value, int | Decimal) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            raise self.fail(key, f"expected text, found {type_name(value)}")
        return value.strip() or None

    def flag(self, key: str, default: Any = MISSING) -> Any:
        value = self.raw(key, default)
        if key not in self.data:
            return value
        if not isinstance(value, bool):
            raise self.fail(key, f"expected true or false, found {type_name(value)}")
        return value

    def number(self, key: str, default: Any = MISSING, *, positive: bool = False) -> Any:
        value = self.raw(key, default)
        if key not in self.data:
            return value
        return self.to_number(key, value, positive=positive)

    def to_number(self, key: str, value: Any, *, positive: bool = False) -> Decimal:
        if isinstance(value, bool) or not isinstance(value, int | Decimal):
            raise self.fail(key, f"expected a number, found {type_name(value)}")
        number = Decimal(value)
        if not number.is_finite() or number > MAX_NUMBER:
            raise self.fail(key, f"{number} is out of range (at most {MAX_NUMBER:,})")
        if number < 0 or (positive and number == 0):
            raise self.fail(
                key, f"must be {'more than 0' if positive else 'at least 0'}, found {number}"
            )
        return number

    def date(self, key: str, default: Any = MISSING) -> Any:
        value = self.raw(key, default)
        if key not in self.data or value is None:
            return None if value is None else value
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        raise self.fail(key, f"expected a date (YYYY-MM-DD), found {type_name(value)}")

    def text(self, key: str, default: Any = MISSING) -> Any:
        value = self.raw(key, default)
        if key not in self.data or value is None:
            return value
        sub = self.sub(key)
        zh = sub.string("zh")
        en = sub.string("en")
        sub.finish()
        return Text(zh, en)

    def sub(self, key: str) -> Reader:
        return Reader(
            self.data[key], self.source, self.field(key), self.error, line=self.line_of(key)
        )

    def seq(self, key: str, default: Any = MISSING) -> Any:
        value = self.raw(key, default)
        if key not in self.data or value is None:
            return value
        if not isinstance(value, list):
            raise self.fail(key, f"expected a list, found {type_name(value)}")
        return value

    def items(self, key: str) -> Iterator[tuple[int, Any, int | None]]:
        value = self.data[key]
        for index, item in enumerate(value):
            line = value.line_of(index) if isinstance(value, LineList) else None
            yield index, item, line

    def str_list(self, key: str, default: Any = MISSING) -> Any:
        value = self.seq(key, default)
        if key not in self.data or value is None:
            return value
        out = []
        for index, item, line in self.items(key):
            if not isinstance(item, str) or not item.strip():
                raise self.error(
                    f"expected text, found {type_name(item)}",
                    source=self.source,
                    line=line,
                    field=f"{self.field(key)}[{index}]",
                )
            out.append(item.strip())
        return tuple(out)

    def choice(self, key: str, choices: Iterable[str], default: Any = MISSING) -> Any:
        value = self.raw(key, default)
        if key not in self.data:
            return value
        options = list(choices)
        if not isinstance(value, str) or value not in options:
            raise self.fail(
                key,
                f"unknown value '{value}'{suggest(str(value), options)}; "
                f"expected one of: {', '.join(options)}",
            )
        return value

    def finish(self) -> None:
        extra = [k for k in self.data if k not in self.used]
        if extra:
            key = extra[0]
            raise self.fail(key, f"unknown key '{key}'{suggest(key, self.used)}")
