"""Named errors. Each becomes one `Error: …` line and a documented exit code at the edge."""

from __future__ import annotations

# Exit codes (documented in the README).
EXIT_OK = 0
EXIT_DATA = 1  # invalid policy data, failed scenario, or some batch rows rejected
EXIT_USAGE = 2  # bad option, bad profile or other bad input
EXIT_OUTPUT = 3  # an output file could not be written (disk full, permission, read-only)


# An error is one line: control characters from the input (a key with a newline in it)
# are shown escaped, never printed; so are lone surrogates (a file name of undecodable
# bytes, a "\ud800" in a profile), which no output stream could encode.
_VISIBLE = {c: repr(chr(c))[1:-1] for c in (*range(32), 127)} | {
    c: f"\\u{c:04x}" for c in range(0xD800, 0xE000)
}


class PolicycalcError(Exception):
    """An error with a place (file, line, field) and a one-line message."""

    exit_code = EXIT_USAGE

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.source = source
        self.line = line
        self.field = field
        self.others: list[PolicycalcError] = []  # further problems found in the same run

    def where(self) -> str:
        parts = []
        if self.source:
            parts.append(self.source if self.line is None else f"{self.source}:{self.line}")
        elif self.line is not None:
            parts.append(f"line {self.line}")
        if self.field:
            parts.append(self.field)
        return ": ".join(parts).translate(_VISIBLE)

    def __str__(self) -> str:
        where = self.where()
        text = self.message.translate(_VISIBLE)
        return f"{where}: {text}" if where else text


class DataError(PolicycalcError):
    """The policy data (bundled or --data-dir) is invalid."""

    exit_code = EXIT_DATA


class InputError(PolicycalcError):
    """A profile, scenario or batch row is invalid."""

    exit_code = EXIT_USAGE


class UsageError(PolicycalcError):
    """An option or argument is invalid."""

    exit_code = EXIT_USAGE
