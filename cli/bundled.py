"""The example profiles and scenario files that ship inside the package.

After `pip install`, `examples/kunming-cell.toml` and `scenarios/` exist only inside the
installed package; a path under `examples/` or `scenarios/` that does not exist where the user
is falls back to the bundled copy, so every example in the help and README runs anywhere.
"""

from __future__ import annotations

from pathlib import Path

BUNDLED = ("examples", "scenarios")


def bundled_dir(name: str) -> Path | None:
    """The bundled folder `name`: inside the installed package, or beside cli/ in a checkout."""
    package = Path(__file__).resolve().parent
    for candidate in (package / name, package.parent / name):
        if candidate.is_dir():
            return candidate
    return None


def resolve(path: str) -> str:
    """`path` itself when it exists (or is `-`); else the bundled file it names, if any."""
    if path == "-" or Path(path).exists():
        return path
    parts = Path(path).parts
    if len(parts) >= 1 and parts[0] in BUNDLED and not Path(path).is_absolute():
        folder = bundled_dir(parts[0])
        if folder is not None:
            candidate = folder.joinpath(*parts[1:])
            if candidate.exists():
                return str(candidate)
    return path
