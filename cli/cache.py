"""A cache of parsed rulesets, keyed by the content of every data file and of the code.

Parsing ~300 KB of YAML with line numbers costs far more than the rest of a command, and
scripts call the command once per applicant. A valid ruleset is pickled into the user's own
cache folder (created private, 0700) under a key made from the bytes of every file it was
built from, so an edited file is never served stale. Entries are only read from a folder
owned by the current user and writable by nobody else, and only from a regular file (never
blocking on a FIFO); temporary files a killed run left behind are removed. The key is a
BLAKE2b digest. POLICYCALC_CACHE=off disables it; POLICYCALC_CACHE_DIR moves it.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

from . import __version__

KEEP = 8
STALE_SECONDS = 3600  # a temporary entry this old belongs to no running command
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_OTHERS_WRITE = stat.S_IWGRP | stat.S_IWOTH
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


def _digest() -> Any:
    # BLAKE2b straight from its C module: `import hashlib` loads OpenSSL, which costs more
    # start-up time (about 2.5 ms) than the rest of this module; _blake2 costs about 0.2 ms.
    try:
        from _blake2 import blake2b
    except ImportError:  # another Python implementation
        from hashlib import blake2b
    return blake2b(digest_size=20, person=b"policycalc")


def key(raws: dict[Path, bytes]) -> str:
    """A cryptographic digest of the code and of every file's name, length and bytes."""
    digest = _digest()
    code = _code_fingerprint()
    digest.update(len(code).to_bytes(8, "big") + code)
    for path, raw in raws.items():
        name = str(path).encode("utf-8", "surrogateescape")
        digest.update(len(name).to_bytes(8, "big") + name + len(raw).to_bytes(8, "big") + raw)
    text: str = digest.hexdigest()
    return text


def _pickle() -> Any:
    # The C accelerator alone: pickle.py adds a few milliseconds of import to every command.
    try:
        import _pickle

        return _pickle
    except ImportError:  # another Python implementation
        import pickle

        return pickle


def _load(handle: Any) -> Any:
    """Unpickle with the cyclic collector paused: the ruleset is some ten thousand objects,
    all alive, and the collections their allocation would trigger find nothing to free."""
    import gc

    paused = gc.isenabled()
    gc.disable()
    try:
        return _pickle().load(handle)
    finally:
        if paused:
            gc.enable()


def folder() -> Path | None:
    if os.environ.get("POLICYCALC_CACHE", "").lower() in ("off", "0", "no", "false"):
        return None
    explicit = os.environ.get("POLICYCALC_CACHE_DIR")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    if os.path.isabs(xdg):  # a relative one is to be ignored (XDG Base Directory spec)
        return Path(xdg) / "policycalc"
    # HOME unset, empty, relative or missing (HOME=/nonexistent as root): no cache, rather
    # than folders made under /, the current folder or a home that is not there.
    home = os.environ.get("HOME")
    if home is None:
        home = os.path.expanduser("~")
    if not (os.path.isabs(home) and os.path.isdir(home)) or home == "/":
        return None
    return Path(home) / ".cache" / "policycalc"


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
    if not _private(where):
        return None
    try:
        # Never block (a FIFO planted at the path) and read only a regular file of our own.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | _NOFOLLOW)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        mine = not hasattr(os, "getuid") or info.st_uid == os.getuid()
        if not (stat.S_ISREG(info.st_mode) and mine) or info.st_mode & _OTHERS_WRITE:
            return None
        with os.fdopen(fd, "rb", closefd=False) as handle:
            return _load(handle)
    except Exception:  # a damaged or foreign entry is simply rebuilt
        return None
    finally:
        os.close(fd)


def put(cache_key: str, value: Any) -> None:
    where = folder()
    if where is None:
        return
    from .errors import PolicycalcError
    from .output import open_output

    try:
        where.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _private(where):
            return
        target = where / f"ruleset-{cache_key}.pickle"
        # The entry's name is a digest: no file the run read can bear it.
        with open_output(target, inputs=(), binary=True, private=True) as handle:
            _pickle().dump(value, handle, protocol=5)
        _tidy(where)
    except (OSError, PolicycalcError):  # a read-only home or a full disk only costs speed
        return


def _tidy(where: Path) -> None:
    """Keep the newest entries; remove temporary files that an killed run left behind."""
    import time

    now = time.time()
    entries = []
    for path in where.iterdir():
        try:
            info = path.lstat()
        except OSError:
            continue
        if path.name.startswith("ruleset-") and path.name.endswith(".pickle"):
            entries.append((info.st_mtime, path))
        elif path.name.startswith(".ruleset-") and now - info.st_mtime > STALE_SECONDS:
            path.unlink(missing_ok=True)  # older than any run that could still be writing it
    entries.sort()
    for _, old in entries[:-KEEP]:
        old.unlink(missing_ok=True)
