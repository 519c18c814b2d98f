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

# Bidirectional controls (embeddings, overrides, isolates, marks) reorder what a reader
# sees (U+202E shows `exe.txt` as `txt.exe`): shown as escapes like the control characters.
BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_CONTROL = re.compile(f"[\\x00-\\x1f\\x7f-\\x9f{BIDI}]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _show(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    return _NAMED.get(char) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


def visible(text: object) -> str:
    """Text with its control characters made visible."""
    value = "" if text is None else str(text)
    return _CONTROL.sub(_show, value) if _CONTROL.search(value) else value


# What a machine format may carry only escaped. CSV has no escapes: a control character
# (ESC, NUL, C1) or a bidi control in a cell is shown as `\x1b`, `\u202e` (tab, line
# ends and CR stay, quoted). JSON and TOML escape the C1 controls (U+009B is a terminal's
# CSI), DEL, the bidi controls and the line separators as \u009b.
_CSV_UNSAFE = re.compile(f"[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f{BIDI}]")
_ESCAPED_UNSAFE = re.compile(f"[\\x7f-\\x9f\\u2028\\u2029{BIDI}]")


def csv_safe(text: str) -> str:
    """CSV text with its control and bidi characters made visible."""
    return _CSV_UNSAFE.sub(_show, text) if _CSV_UNSAFE.search(text) else text


def _escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def escaped(text: str) -> str:
    """JSON or TOML text with C1, DEL, bidi and line-separator characters as \\uXXXX
    escapes (they only ever occur inside strings, where the escape means the same)."""
    return _ESCAPED_UNSAFE.sub(_escape, text) if _ESCAPED_UNSAFE.search(text) else text


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
