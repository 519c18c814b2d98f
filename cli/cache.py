"""A cache of parsed rulesets, keyed by the content of every data file and of the code.

Parsing ~300 KB of YAML with line numbers costs far more than the rest of a command, and
scripts call the command once per applicant. A valid ruleset is pickled into the user's own
cache folder (created private, 0700) under a key made from the bytes of every file it was
built from, so an edited file is never served stale. Entries are only read from a folder
owned by the current user and writable by nobody else. POLICYCALC_CACHE=off disables it;
POLICYCALC_CACHE_DIR moves it.
"""

from __future__ import annotations

import os
import stat
import zlib
from pathlib import Path
from typing import Any

from . import __version__

KEEP = 8
_CODE_FILES = (
    "model.py",
    "records.py",
    "formulas.py",
    "loader.py",
    "rulesets.py",
    "yamlsafe.py",
    "schema.py",
    "cache.py",
)


def _code_fingerprint() -> bytes:
    here = Path(__file__).parent
    parts = [__version__.encode()]
    for name in _CODE_FILES:
        try:
            parts.append((here / name).read_bytes())
        except OSError:
            parts.append(name.encode())
    return b"\0".join(parts)


def key(raws: dict[Path, bytes]) -> str:
    # Two independent 32-bit checksums and the length of every file, and of the code: an
    # edit that keeps all three is vanishingly unlikely. (hashlib's OpenSSL import alone
    # costs more than the rest of this module.)
    parts = [f"{zlib.crc32(_code_fingerprint()):08x}"]
    for path, raw in raws.items():
        parts.append(f"{path}:{len(raw)}:{zlib.crc32(raw):08x}:{zlib.adler32(raw):08x}")
    text = "\n".join(parts).encode()
    return f"{zlib.crc32(text):08x}{zlib.adler32(text):08x}{len(raws):04x}"


def _pickle() -> Any:
    # The C accelerator alone: pickle.py adds a few milliseconds of import to every command.
    try:
        import _pickle

        return _pickle
    except ImportError:  # another Python implementation
        import pickle

        return pickle


def folder() -> Path | None:
    if os.environ.get("POLICYCALC_CACHE", "").lower() in ("off", "0", "no", "false"):
        return None
    explicit = os.environ.get("POLICYCALC_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "policycalc"


def _private(path: Path) -> bool:
    try:
        info = path.stat()
    except OSError:
        return False
    mine = not hasattr(os, "getuid") or info.st_uid == os.getuid()
    return mine and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def get(cache_key: str) -> Any:
    where = folder()
    if where is None:
        return None
    path = where / f"ruleset-{cache_key}.pickle"
    if not (_private(where) and _private(path)):
        return None
    try:
        with path.open("rb") as handle:
            return _pickle().load(handle)
    except Exception:  # a damaged or foreign entry is simply rebuilt
        return None


def put(cache_key: str, value: Any) -> None:
    where = folder()
    if where is None:
        return
    import tempfile  # only on a miss: it pulls in random and hashlib

    try:
        where.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _private(where):
            return
        fd, tmp = tempfile.mkstemp(dir=where, prefix=".ruleset-", suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            _pickle().dump(value, handle, protocol=5)
        os.replace(tmp, where / f"ruleset-{cache_key}.pickle")
        entries = sorted(where.glob("ruleset-*.pickle"), key=lambda p: p.stat().st_mtime)
        for old in entries[:-KEEP]:
            old.unlink(missing_ok=True)
    except OSError:  # a read-only home or a full disk only costs speed
        return
