"""Errors, typed by what went wrong (not by exit code), each with its place (file, line,
field) and a one-line message. They name no command-line option: the command layer
(app.py) turns each kind into its exit code and words.

    Error                     anything policycalc reports
    ├── PolicyDataError       the policy data (bundled or given) is invalid
    ├── InputError            an input cannot be read or is invalid
    │   ├── ProfileError      a profile
    │   └── BatchRecordError  one record of a batch (its `number`, from 1)
    ├── ArgumentError         an argument is invalid: a date, a region or measure id, a choice
    └── OutputError           a result could not be written (disk full, permission, …)
"""

from __future__ import annotations

# Exit codes (documented in the README); app.py maps each kind of error to one.
EXIT_OK = 0
EXIT_DATA = 1  # invalid policy data, failed scenario, or some batch rows rejected
EXIT_USAGE = 2  # bad option, bad profile or other bad input
EXIT_OUTPUT = 3  # an output file could not be written (disk full, permission, read-only)
EXIT_INTERNAL = 70  # a bug in policycalc (sysexits' EX_SOFTWARE): never the input's fault


# An error is one line: control characters from the input (a key with a newline in it)
# are shown escaped, never printed, C1 (U+0085 is a line end, U+009B a terminal's CSI)
# included; so are the bidirectional controls (U+202E shows `exe.txt` as `txt.exe`), the
# line and paragraph separators, and lone surrogates (a file name of undecodable bytes, a
# "\ud800" in a profile), which no output stream could encode. The same set as
# render/safe.py's `visible`, which this layer cannot import.
_BIDI = (0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A))
_VISIBLE = (
    {c: repr(chr(c))[1:-1] for c in (*range(32), 127)}
    | {c: f"\\x{c:02x}" for c in range(0x80, 0xA0)}
    | {c: f"\\u{c:04x}" for c in (*_BIDI, 0x2028, 0x2029, *range(0xD800, 0xE000))}
)


class Error(Exception):
    """An error with a place (file, line, field) and a one-line message."""

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
        self.others: list[Error] = []  # further problems found in the same run

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


class PolicyDataError(Error):
    """The policy data (bundled, or a folder or file given) is invalid or unreadable."""


class InputError(Error):
    """An input (a profile, scenario, batch file or answers file) cannot be read or is
    invalid."""


class ProfileError(InputError):
    """A profile cannot be read, or does not fit the vocabulary."""


class BatchRecordError(InputError):
    """One record of a batch (a profile among many) cannot be read or estimated; the records
    after it still are. `number` is its place among the records, from 1."""

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        line: int | None = None,
        field: str | None = None,
        number: int | None = None,
    ) -> None:
        super().__init__(message, source=source, line=line, field=field)
        self.number = number

    @classmethod
    def of(cls, error: Error, number: int | None) -> BatchRecordError:
        """The error of the `number`th record, with the place and words of `error`."""
        if isinstance(error, BatchRecordError) and error.number == number:
            return error
        found = cls(
            error.message, source=error.source, line=error.line, field=error.field, number=number
        )
        found.__cause__ = error
        return found


class ArgumentError(Error):
    """An argument is invalid: a date, a region or measure id, a format or other choice."""


class OutputError(Error):
    """A result could not be written."""


# The names the modules used before the errors were typed by meaning.
PolicycalcError = Error
DataError = PolicyDataError
UsageError = ArgumentError
