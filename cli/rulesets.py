"""Finding, reading and caching policy data; parsing and validation live in loader.py.

Kept light on purpose: a command whose ruleset is cached never imports the parser.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from .errors import DataError
from .model import Ruleset

SHARED_FILES = ("regions.yaml", "departments.yaml", "labels.yaml", "facts.yaml")


def bundled_data_dir() -> Path:
    """The bundled clause tables: inside the installed package, or beside cli/ in a checkout."""
    package = Path(__file__).resolve().parent
    for candidate in (package / "policy_data", package.parent / "policy_data"):
        if (candidate / "regions.yaml").is_file():
            return candidate
    raise DataError(
        "the bundled policy data is missing; reinstall policycalc",
        source=str(package / "policy_data"),
    )


def load_ruleset(
    data_dirs: Sequence[Path] | None = None,
    extra_dirs: Sequence[Path] = (),
    files: Sequence[Path] = (),
    *,
    use_cache: bool = True,
) -> Ruleset:
    """Load policy data. `data_dirs` replace the bundled documents; `extra_dirs` add to them;
    `files` alone (with no folders) loads just those documents.

    Shared tables missing from a given folder come from the bundled data. A valid ruleset is
    cached by the content of every file it was built from (see cache.py).
    """
    bundled = bundled_data_dir()
    doc_dirs = list(data_dirs) if data_dirs else ([] if files else [bundled])
    doc_dirs += list(extra_dirs)
    table_dirs = [bundled] + [d for d in doc_dirs if d != bundled]
    for folder in doc_dirs:
        if not folder.is_dir():
            raise DataError("not a folder", source=str(folder))
    for path in files:
        if not path.is_file():
            raise DataError("no such file", source=str(path))
    tables = [
        (name, folder / name)
        for folder in table_dirs
        for name in SHARED_FILES
        if (folder / name).is_file()
    ]
    seen: set[Path] = set()
    documents: list[Path] = []
    # One folder cannot list a file twice; only several sources need resolving (a walk of
    # every path component, measurable at start-up) to drop a file given twice.
    several = len(doc_dirs) + len(files) > 1
    for path in [
        p
        for folder in doc_dirs
        for p in sorted(folder.glob("*.yaml")) + sorted(folder.glob("*.yml"))
        if p.name not in SHARED_FILES
    ] + list(files):
        real = path.resolve() if several else path
        if real not in seen:
            seen.add(real)
            documents.append(path)
    raws = {path: _read_bytes(path) for _, path in tables} | {p: _read_bytes(p) for p in documents}
    key = None
    if use_cache:
        from . import cache

        key = cache.key(raws)
        hit = cache.get(key)
        if isinstance(hit, Ruleset):
            return hit
    from .loader import build

    extra = {d.resolve() for d in extra_dirs}
    additive = frozenset(p for _, p in tables if p.parent.resolve() in extra)
    ruleset = build(raws, tables, documents, additive)
    if key is not None:
        from . import cache

        cache.put(key, ruleset)
    return ruleset


MAX_DATA_BYTES = 16 << 20  # a policy file is tens of KB; the bundled data is ~300 KB


def _read_bytes(path: Path) -> bytes:
    """A policy file's bytes: only a regular file (a FIFO would hang the run, /dev/zero
    would fill memory), and at most MAX_DATA_BYTES."""
    import os
    import stat

    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise DataError(f"cannot read: {exc.strerror}", source=str(path)) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = "a named pipe" if stat.S_ISFIFO(info.st_mode) else "not a regular file"
            raise DataError(f"is {kind}; a policy file is a regular file", source=str(path))
        with os.fdopen(fd, "rb", closefd=False) as handle:
            raw = handle.read(MAX_DATA_BYTES + 1)
    except OSError as exc:
        raise DataError(f"cannot read: {exc.strerror}", source=str(path)) from None
    finally:
        os.close(fd)
    if len(raw) > MAX_DATA_BYTES:
        raise DataError(
            f"larger than {MAX_DATA_BYTES >> 20} MiB: not a policy file", source=str(path)
        )
    return raw
