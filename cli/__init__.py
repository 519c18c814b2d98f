"""policycalc: what money Chinese regional biomedicine policies offer an applicant, and why.

The public API (docs/api.md):

    import policycalc
    result = policycalc.estimate("examples/kunming-cell.toml", "2023-06-30")
    result.totals, result.awards, result.to_dict()

Names are imported on first use, so that `import policycalc` (on the command's start-up
path too) stays cheap; none of them imports typer or rich.
"""

from __future__ import annotations

import sys


def _stop(signum: int, frame: object) -> None:
    """A signal in the command's first milliseconds, while modules load: one line and the
    documented exit code (128 + the signal), never a traceback. `_signal` and `os` are
    loaded already, so this costs no import (each one is a window)."""
    import os

    words = {2: "interrupted (SIGINT)", 15: "terminated (SIGTERM)", 1: "hung up (SIGHUP)"}
    try:  # noqa: SIM105 (contextlib would be one more import in the window)
        os.write(2, f"Error: {words.get(signum, 'stopped')}\n".encode())
    except OSError:
        pass
    os._exit(128 + signum)


def _stop_early_signals() -> None:
    import _signal  # type: ignore[import-not-found]  # the C module: no import of signal.py

    for name in ("SIGINT", "SIGTERM", "SIGHUP"):
        number = getattr(_signal, name, None)
        if number is None:
            continue
        current = _signal.getsignal(number)
        if current == _signal.SIG_IGN and name != "SIGINT":
            continue  # under nohup, a hang-up stays ignored
        if name == "SIGINT" and current is not _signal.default_int_handler:
            continue  # a handler of someone else's
        _signal.signal(number, _stop)


# Started as the command (`policycalc …`, `python -m policycalc …`), not imported by a program.
_COMMAND = bool(sys.argv) and (
    sys.argv[0] == "-m" or sys.argv[0].endswith(("/policycalc", "\\policycalc"))
)
if _COMMAND:
    # entry.main then installs its own handlers; a program that imports policycalc keeps
    # its own.
    _stop_early_signals()

from types import ModuleType  # noqa: E402
from typing import TYPE_CHECKING, Any  # noqa: E402

__version__ = "0.1.0"

# name -> the module that defines it
_API = {
    "load_ruleset": "api",
    "estimate": "api",
    "estimate_many": "api",
    "compare_regions": "api",
    "opportunities": "api",
    "explain": "api",
    "read_profile": "api",
    "Estimate": "api",
    "Rejected": "api",
    "Comparison": "api",
    "Opportunities": "api",
    "Explanation": "api",
    "ProfileLike": "api",
    "Ruleset": "model",
    "Profile": "model",
    "Error": "errors",
    "PolicyDataError": "errors",
    "InputError": "errors",
    "ProfileError": "errors",
    "BatchRecordError": "errors",
    "ArgumentError": "errors",
    "OutputError": "errors",
}

__all__ = [
    "ArgumentError",
    "BatchRecordError",
    "Comparison",
    "Error",
    "Estimate",
    "Explanation",
    "InputError",
    "Opportunities",
    "OutputError",
    "PolicyDataError",
    "Profile",
    "ProfileError",
    "ProfileLike",
    "Rejected",
    "Ruleset",
    "__version__",
    "compare_regions",
    "estimate",
    "estimate_many",
    "explain",
    "load_ruleset",
    "opportunities",
    "read_profile",
]

if TYPE_CHECKING:
    from .api import (
        Comparison,
        Estimate,
        Explanation,
        Opportunities,
        ProfileLike,
        Rejected,
        compare_regions,
        estimate,
        estimate_many,
        explain,
        load_ruleset,
        opportunities,
        read_profile,
    )
    from .errors import (
        ArgumentError,
        BatchRecordError,
        Error,
        InputError,
        OutputError,
        PolicyDataError,
        ProfileError,
    )
    from .model import Profile, Ruleset


class _Package(ModuleType):
    """The package module: importing a submodule named like an API function
    (opportunities.py) does not replace the function on the package."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _API and isinstance(value, ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


def __getattr__(name: str) -> Any:
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'policycalc' has no attribute '{name}'")
    from importlib import import_module

    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_API})
