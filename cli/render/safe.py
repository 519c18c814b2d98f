"""Escaping at the edge: whatever came from a profile is text, never markup or a formula.

- `visible`: control characters (newline, tab, ESC, DEL, C1) shown as `\\n`, `\\x1b`…, so a
  name can neither move the cursor nor start a fake line in any human output;
- `csv_cell`: a cell a spreadsheet would run (starting with = + - @, tab or CR) gets a
  leading `'`, as the OWASP CSV-injection guidance says; every CSV goes through it;
- `md`: Markdown text with its markup characters backslash-escaped and no raw newline;
- `xml`: HTML and SVG text (also fine for attributes).
"""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _show(match: re.Match[str]) -> str:
    char = match.group()
    return _NAMED.get(char) or f"\\x{ord(char):02x}"


def visible(text: object) -> str:
    """Text with its control characters made visible."""
    value = "" if text is None else str(text)
    return _CONTROL.sub(_show, value) if _CONTROL.search(value) else value


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: str) -> str:
    """A CSV cell that a spreadsheet shows as text instead of running it."""
    return "'" + value if value.startswith(FORMULA_START) else value


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#!|~&])")


def md(text: object) -> str:
    """Markdown text: markup characters escaped, control characters made visible."""
    return _MD_SPECIAL.sub(r"\\\1", visible(text))


_XML = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;"})


def xml(text: object) -> str:
    """HTML/SVG text (and attribute values); control characters (invalid in XML) made visible
    first. Written out rather than `html.escape`, whose module costs a start-up."""
    return visible(text).translate(_XML)
