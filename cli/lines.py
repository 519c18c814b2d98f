"""Mappings and lists that remember the lines they came from (for error messages)."""

from __future__ import annotations

from typing import Any, NamedTuple

from .errors import Error


class LineDict(dict[str, Any]):
    """A mapping that knows the line it starts on and the line of each key (1-based)."""

    line: int | None = None
    key_lines: dict[str, int]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.key_lines = {}

    def line_of(self, key: str) -> int | None:
        return self.key_lines.get(key, self.line)


class LineList(list[Any]):
    line: int | None = None
    item_lines: list[int]

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.item_lines = []

    def line_of(self, index: int) -> int | None:
        if 0 <= index < len(self.item_lines):
            return self.item_lines[index]
        return self.line


class Line(NamedTuple):
    """One physical line of a batch input (a text file, or a workbook's row): its text, or
    why it cannot be read."""

    number: int
    offset: int  # byte offset of its start in the file
    text: str | None
    error: Error | None = None
    guess: str | None = None  # an unreadable line read loosely: only to tell whose row it is
