"""The one way policycalc writes a file, and how it stops on a signal.

`open_output(target)` gives a text (or binary) stream for `target` and decides, before a byte
is written, what writing there means:

- nothing there yet, or a regular file: the text goes to a temporary file created
  exclusively (O_EXCL, an unpredictable name, shortened to fit the file system's name
  limit) in the same folder, which is renamed over the target only when complete. A new
  file gets 0666 less the umask, as a shell redirection would; a replaced file keeps its
  permission bits but not setuid, setgid or sticky (new content was never granted them).
- a regular file with other hard links, or in a folder this user cannot create files in
  (a write-only file in a locked folder): as `cp` does, the file itself is rewritten, so
  its links and its inode stay; the text is still complete (spooled) before it is touched.
- a symbolic link to a regular file: the same, on the file it points to; the link stays.
- this process's own stdout or stderr, by any name (`/dev/stdout`, `/dev/fd/1`, the path
  of the file `>> log` appends to): written through that descriptor, never replaced, so an
  appended file keeps what it had. `/dev/fd/N` and `/proc/self/fd/N` name descriptor N.
- a character device or a FIFO (`/dev/null`, a named pipe): written through, never
  replaced.
- a folder, a block device, a socket, a link to nothing, or a file this run reads: refused
  with one line. Every caller names the files it read (`inputs` has no default).

A failed write (disk full, permission, read-only) is one `WriteError` naming the file and the
reason, and the temporary file is removed. `install_signal_handlers` turns SIGINT, SIGTERM and
SIGHUP into `Interrupted`, so that every open output is discarded on the way out.

The core uses this module; it imports neither typer nor rich.
"""

from __future__ import annotations

import io
import os
import re
import signal
import stat
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from types import FrameType
from typing import IO, Any

from .errors import OutputError, PolicycalcError, UsageError

# ------------------------------------------------------------------ signals

SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)
_NAMES = {"SIGINT": "interrupted", "SIGTERM": "terminated", "SIGHUP": "hung up"}


class Interrupted(BaseException):
    """A signal asked the program to stop. Not an Exception, so that nothing on the way out
    (Typer, click, a broad `except Exception`) mistakes it for a failure or swallows it."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum
        self.exit_code = 128 + signum

    def __str__(self) -> str:
        name = signal.Signals(self.signum).name
        return f"{_NAMES.get(name, 'stopped')} ({name})"


_MAIN_PID: int | None = None


def _on_signal(signum: int, frame: FrameType | None) -> None:
    if os.getpid() != _MAIN_PID:
        # A worker forked before it could set its own handlers: stop quietly.
        os._exit(128 + signum)
    for other in SIGNALS:  # a second Ctrl-C must not cut the clean-up short
        signal.signal(other, signal.SIG_IGN)
    raise Interrupted(signum)


def install_signal_handlers() -> None:
    """SIGINT, SIGTERM and SIGHUP raise `Interrupted` in this process (call from main)."""
    global _MAIN_PID
    _MAIN_PID = os.getpid()
    for signum in SIGNALS:
        try:
            if signal.getsignal(signum) is signal.SIG_IGN and signum != signal.SIGINT:
                continue  # started under nohup: keep ignoring the hang-up
            signal.signal(signum, _on_signal)
        except (OSError, ValueError):  # not the main thread, or not settable here
            pass


@contextmanager
def signals_blocked() -> Iterator[None]:
    """Hold SIGINT, SIGTERM and SIGHUP back while worker processes are forked, so that a
    worker never runs the parent's handler; each worker sets its own, then unblocks."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def worker_signals() -> None:
    """In a worker process: the parent handles interrupts and hang-ups and stops the workers
    with SIGTERM, which simply ends them (no message, no traceback)."""
    for signum in SIGNALS:
        signal.signal(signum, signal.SIG_DFL if signum == signal.SIGTERM else signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, SIGNALS)


# ------------------------------------------------------------------ errors


class WriteError(OutputError):
    """An output file could not be written."""


def reason(exc: OSError) -> str:
    """The reason in plain words: 'No space left on device', 'Permission denied', …"""
    if exc.errno is not None:
        return os.strerror(exc.errno)
    return exc.strerror or str(exc)


def _refuse(target: str, why: str, field: str | None) -> UsageError:
    return UsageError(why, source=target, field=field)


# ------------------------------------------------------------------ the writer

_PERMISSIONS = 0o777  # what a replaced file keeps of its mode: no setuid, setgid or sticky
_PENDING: set[str] = set()  # temporary files not yet renamed: removed on the way out


def discard_pending() -> None:
    """Remove every temporary output file this process left open (after a signal)."""
    for name in list(_PENDING):
        with suppress(OSError):
            os.unlink(name)
        _PENDING.discard(name)


class _Raw(io.FileIO):
    """A file whose write errors name the file and say why, in one line."""

    label = ""

    def write(self, data: Any) -> int:
        try:
            written: int = super().write(data)
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise WriteError(f"cannot write: {reason(exc)}", source=self.label) from None
        return written


# ------------------------------------------------------------------ standard streams


class _Standard(io.RawIOBase):
    """stdin, stdout or stderr as the command uses it. A write that fails (a full disk, a
    stdout closed by the caller) is one WriteError naming `<stdout>` (exit 3); stderr, with
    nowhere left to report, drops what it cannot write; a read from a stdin the caller
    closed is one InputError. After a failure the stream discards, so that the exit does
    not fail again flushing it."""

    def __init__(self, fd: int, label: str, closed: bool) -> None:
        super().__init__()
        self.fd = fd
        self.label = label
        self.gone = closed  # closed by the caller: /dev/null holds its number
        self.discarding = False

    def readable(self) -> bool:
        return self.fd == 0

    def writable(self) -> bool:
        return self.fd != 0

    def fileno(self) -> int:
        return self.fd

    def isatty(self) -> bool:
        return not self.gone and os.isatty(self.fd)

    def readinto(self, buffer: Any) -> int:
        if self.gone:
            from .errors import InputError

            raise InputError("cannot read: standard input is closed", source=self.label)
        try:
            return os.readv(self.fd, [buffer])
        except OSError as exc:
            from .errors import InputError

            raise InputError(f"cannot read: {reason(exc)}", source=self.label) from None

    def write(self, data: Any) -> int:
        size = len(memoryview(data))
        if self.discarding:
            return size
        if self.gone:
            self.discarding = True
            if self.fd == 2:
                return size
            raise WriteError("cannot write: standard output is closed", source=self.label)
        try:
            return os.write(self.fd, data)
        except BrokenPipeError:
            if self.fd == 2:
                self.discarding = True
                return size
            raise
        except OSError as exc:
            self.discarding = True
            if self.fd == 2:
                return size
            raise WriteError(f"cannot write: {reason(exc)}", source=self.label) from None


def guard_standard_streams() -> None:
    """Make stdin, stdout and stderr safe whatever state the caller left them in: one the
    caller closed gets /dev/null on its number (so that no file this run opens takes it,
    and a write meant for stdout never lands in an output file) and is reported as closed
    when used; every failure to write is one line, never a traceback. Text that cannot be
    encoded is escaped (`\\udc80`), never an error."""
    gone = set()
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            gone.add(fd)
            try:
                null = os.open(os.devnull, os.O_RDWR)
            except OSError:
                continue
            if null != fd:
                os.dup2(null, fd)
                os.close(null)
    for fd, name, label in (
        (0, "stdin", "<stdin>"),
        (1, "stdout", "<stdout>"),
        (2, "stderr", "<stderr>"),
    ):
        old = getattr(sys, name, None)
        encoding = getattr(old, "encoding", None) or "utf-8"
        raw = _Standard(fd, label, fd in gone)
        if fd == 0:
            buffer: Any = io.BufferedReader(raw)
        else:
            buffer = io.BufferedWriter(raw)
        terminal = raw.isatty()
        stream = io.TextIOWrapper(
            buffer,
            encoding=encoding,
            errors="strict" if fd == 0 else "backslashreplace",
            line_buffering=terminal or fd == 2,
            write_through=fd == 2,
        )
        setattr(sys, name, stream)


def stop_stdout() -> None:
    """After stdout failed: what is still buffered is dropped, not written at exit."""
    raw = getattr(getattr(sys.stdout, "buffer", None), "raw", None)
    if isinstance(raw, _Standard):
        raw.discarding = True


def _key(info: os.stat_result) -> tuple[int, int]:
    return info.st_dev, info.st_ino


_DESCRIPTOR_PATH = re.compile(r"/dev/(stdin|stdout|stderr|fd/(\d+))|/proc/(self|\d+)/fd/(\d+)")
_STANDARD = {"stdin": 0, "stdout": 1, "stderr": 2}


def _descriptor(target: str) -> int | None:
    """The descriptor a path names (`/dev/stdout`, `/dev/fd/3`, `/proc/self/fd/1`), if any:
    opening such a path anew would start a regular file at its beginning."""
    found = _DESCRIPTOR_PATH.fullmatch(os.path.normpath(target))
    if found is None:
        return None
    name, fd_text, pid, proc_fd = found.groups()
    if pid is not None and pid != "self" and int(pid) != os.getpid():
        return None
    if name in _STANDARD:
        return _STANDARD[name]
    return int(fd_text if fd_text is not None else proc_fd)


def _name_max(folder: str) -> int:
    try:
        return os.pathconf(folder, "PC_NAME_MAX")
    except (OSError, ValueError, AttributeError):
        return 255


def temporary_prefix(folder: str, name: str) -> str:
    """`.NAME.` for the temporary files of NAME, with NAME cut (in bytes) so that the whole
    temporary name (prefix, 12 hex digits, `.part`) fits the file system's name limit."""
    room = _name_max(folder) - len(".") - len(".") - 12 - len(".part")
    raw = os.fsencode(name)
    if len(raw) > room:  # a character cut in two is still a valid file name's bytes
        name = os.fsdecode(raw[:room])
    return f".{name}."


def _input_keys(inputs: Iterable[str | int | Path]) -> set[tuple[int, int]]:
    keys = set()
    for item in inputs:
        try:
            if isinstance(item, int):
                keys.add(_key(os.fstat(item)))
            elif str(item) != "-":
                keys.add(_key(os.stat(item)))
        except (OSError, ValueError):
            continue
    return keys


class Output:
    """An output being written; `commit` makes it appear, `discard` leaves nothing.

    Use `open_output`, which commits when its block ends normally and discards otherwise.
    """

    def __init__(
        self,
        target: str | Path,
        *,
        inputs: Iterable[str | int | Path],
        field: str | None = None,
        binary: bool = False,
        newline: str | None = "",
        no_clobber: bool = False,
        private: bool = False,
    ) -> None:
        self.label = str(target)
        self.private = private
        self.field = field
        self.tmp: str | None = None
        self.final: str | None = None
        self.in_place: int | None = None  # the target's descriptor, rewritten at commit
        self.no_clobber = no_clobber
        fd = self._open(str(target), _input_keys(inputs))
        raw = _Raw(fd, "w", closefd=True)
        raw.label = self.label
        buffered = io.BufferedWriter(raw, 1 << 16)
        self.binary: IO[bytes] = buffered
        self.stream: IO[Any] = (
            buffered
            if binary
            else io.TextIOWrapper(buffered, encoding="utf-8", newline=newline, write_through=False)
        )
        self.closed = False

    # -- deciding what writing to the target means

    def _open(self, target: str, inputs: set[tuple[int, int]]) -> int:
        number = _descriptor(target)
        if number is not None:
            return self._through(target, number, inputs)
        try:
            info: os.stat_result | None = os.lstat(target)
        except FileNotFoundError:
            info = None
        except OSError as exc:
            raise WriteError(f"cannot write: {reason(exc)}", source=target) from None
        if info is not None and self.no_clobber:
            raise _refuse(target, "already exists; choose another name", self.field)
        if self.private and info is not None and not stat.S_ISDIR(info.st_mode):
            # A private file (the cache): whatever stands at the path (a FIFO, a link, a
            # device) is replaced as an entry, never written through or followed.
            return self._temporary(target, target, None)
        real = target
        if info is not None and stat.S_ISLNK(info.st_mode):
            try:
                info = os.stat(target)
            except OSError:
                raise _refuse(
                    target,
                    "is a symbolic link to nothing; refusing to write through it",
                    self.field,
                ) from None
            real = os.path.realpath(target)
        if info is not None and _key(info) in inputs:
            raise _refuse(target, "is an input of this run; refusing to overwrite it", self.field)
        if info is not None and stat.S_ISREG(info.st_mode):
            for fd in (1, 2):  # `-o log >> log`: append through the shell's descriptor
                with suppress(OSError):
                    if _key(os.fstat(fd)) == _key(info):
                        return os.dup(fd)
        if info is None or stat.S_ISREG(info.st_mode):
            return self._temporary(target, real, info)
        mode = info.st_mode
        if stat.S_ISDIR(mode):
            raise _refuse(target, "is a folder, not a file", self.field)
        if not (stat.S_ISCHR(mode) or stat.S_ISFIFO(mode)):
            kind = "a block device" if stat.S_ISBLK(mode) else "not a regular file"
            raise _refuse(target, f"is {kind}; refusing to write to it", self.field)
        # A device or a pipe: write through it, never replace it.
        for fd in (1, 2):
            try:
                if _key(os.fstat(fd)) == _key(info):
                    return os.dup(fd)
            except OSError:
                continue
        try:
            return os.open(target, os.O_WRONLY | os.O_NOCTTY | os.O_CLOEXEC)
        except OSError as exc:
            raise WriteError(f"cannot open for writing: {reason(exc)}", source=target) from None

    def _through(self, target: str, number: int, inputs: set[tuple[int, int]]) -> int:
        """A path naming one of this process's descriptors: write through it."""
        try:
            info = os.fstat(number)
        except OSError as exc:
            raise WriteError(f"cannot write: {reason(exc)}", source=target) from None
        if _key(info) in inputs:
            raise _refuse(target, "is an input of this run; refusing to overwrite it", self.field)
        if stat.S_ISDIR(info.st_mode):
            raise _refuse(target, "is a folder, not a file", self.field)
        try:
            return os.dup(number)
        except OSError as exc:
            raise WriteError(f"cannot write: {reason(exc)}", source=target) from None

    def _rewrite(self, target: str, real: str, folder: str) -> int:
        """A file rewritten in place (hard links, or a folder we cannot create in): its
        descriptor is opened now, so that a refusal comes before any work; the text is
        spooled to an unnamed file and copied in at commit."""
        import tempfile

        try:
            self.in_place = os.open(real, os.O_WRONLY | os.O_CLOEXEC | getattr(os, "O_NOFOLLOW", 0))
        except OSError as exc:
            raise WriteError(f"cannot write: {reason(exc)}", source=target) from None
        spool_in = folder if os.access(folder, os.W_OK | os.X_OK) else None
        problem: OSError | None = None
        for place in (spool_in, None):  # beside the target if we may, else the temp folder
            try:
                with tempfile.TemporaryFile(dir=place) as spool:
                    return os.dup(spool.fileno())  # the unnamed file lives while this is open
            except OSError as exc:
                problem = exc
        os.close(self.in_place)
        self.in_place = None
        assert problem is not None
        raise WriteError(f"cannot write: {reason(problem)}", source=target)

    def _temporary(self, target: str, real: str, info: os.stat_result | None) -> int:
        folder, name = os.path.split(real)
        folder = folder or "."
        if not os.path.isdir(folder):
            raise _refuse(target, "its folder does not exist", self.field)
        if (
            info is not None
            and not self.private
            and (info.st_nlink > 1 or not os.access(folder, os.W_OK | os.X_OK))
        ):
            return self._rewrite(target, real, folder)
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC | getattr(os, "O_NOFOLLOW", 0)
        prefix = temporary_prefix(folder, name)
        for _ in range(100):
            tmp = os.path.join(folder, f"{prefix}{os.urandom(6).hex()}.part")
            try:
                # The umask applies, as for `> file`; a private file is the owner's alone.
                fd = os.open(tmp, flags, 0o600 if self.private else 0o666)
            except FileExistsError:
                continue
            except OSError as exc:
                raise WriteError(f"cannot write: {reason(exc)}", source=target) from None
            break
        else:  # pragma: no cover - 100 collisions of 48 random bits
            raise WriteError("cannot create a temporary file beside it", source=target)
        self.tmp, self.final = tmp, real
        _PENDING.add(tmp)
        if info is not None and not self.private:
            with suppress(OSError):  # replacing a file: keep its permission bits, not setuid
                os.fchmod(fd, stat.S_IMODE(info.st_mode) & _PERMISSIONS)
        return fd

    # -- finishing

    def commit(self) -> None:
        if self.closed:
            return
        try:
            self.stream.flush()
            if self.tmp is not None:
                os.fsync(self.binary.fileno())
            if self.in_place is not None:
                self._copy_in()
        except WriteError:
            self.discard()
            raise
        except BrokenPipeError:
            self.discard()
            raise
        except OSError as exc:
            self.discard()
            raise WriteError(f"cannot write: {reason(exc)}", source=self.label) from None
        self.closed = True
        try:
            self.stream.close()
        except OSError as exc:
            self._remove()
            raise WriteError(f"cannot write: {reason(exc)}", source=self.label) from None
        if self.tmp is None or self.final is None:
            return
        try:
            if self.no_clobber:
                os.link(self.tmp, self.final)  # fails if something appeared meanwhile
                self._remove()
            else:
                os.replace(self.tmp, self.final)
                _PENDING.discard(self.tmp)
                self.tmp = None
            _remove_stale(self.final)
        except FileExistsError:
            self._remove()
            raise _refuse(self.label, "already exists; choose another name", self.field) from None
        except OSError as exc:
            self._remove()
            raise WriteError(f"cannot write: {reason(exc)}", source=self.label) from None

    def _copy_in(self) -> None:
        """Rewrite the target with the spooled text, as `cp` onto an existing file does."""
        assert self.in_place is not None
        spool = self.binary.fileno()
        target = self.in_place
        size = os.lseek(spool, 0, os.SEEK_CUR)
        os.lseek(spool, 0, os.SEEK_SET)
        try:
            info = os.fstat(target)
            if info.st_mode & ~_PERMISSIONS & 0o7777:
                with suppress(OSError):
                    os.fchmod(target, stat.S_IMODE(info.st_mode) & _PERMISSIONS)
            os.ftruncate(target, 0)
            done = 0
            while done < size:
                chunk = os.read(spool, min(1 << 20, size - done))
                if not chunk:
                    break
                view = memoryview(chunk)
                while view:
                    view = view[os.write(target, view) :]
                done += len(chunk)
            os.fsync(target)
        except OSError as exc:
            raise WriteError(f"cannot write: {reason(exc)}", source=self.label) from None
        finally:
            os.close(target)
            self.in_place = None

    def discard(self) -> None:
        if self.in_place is not None:
            with suppress(OSError):
                os.close(self.in_place)
            self.in_place = None
        if not self.closed:
            self.closed = True
            try:
                self.stream.close()
            except (OSError, PolicycalcError):
                # What could not be flushed is lost with the file; close the descriptor.
                with suppress(OSError, ValueError):
                    os.close(self.binary.fileno())
        self._remove()

    def _remove(self) -> None:
        if self.tmp is not None:
            with suppress(OSError):
                os.unlink(self.tmp)
            _PENDING.discard(self.tmp)
            self.tmp = None


STALE_SECONDS = 3600  # a temporary file this old belongs to no running command


def _remove_stale(final: str) -> None:
    """Remove the temporary files of this target that a run killed outright (SIGKILL, a
    power cut) left behind: our own name pattern, a regular file of ours, over an hour old."""
    import time

    folder, name = os.path.split(final)
    prefix = temporary_prefix(folder or ".", name)
    now = time.time()
    try:
        entries = os.scandir(folder or ".")
    except OSError:
        return
    with entries:
        for entry in entries:
            tail = entry.name[len(prefix) : -len(".part")]
            if not (
                entry.name.startswith(prefix)
                and entry.name.endswith(".part")
                and len(tail) == 12
                and all(c in "0123456789abcdef" for c in tail)
            ):
                continue
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            mine = not hasattr(os, "getuid") or info.st_uid == os.getuid()
            if stat.S_ISREG(info.st_mode) and mine and now - info.st_mtime > STALE_SECONDS:
                with suppress(OSError):
                    os.unlink(entry.path)


@contextmanager
def open_output(
    target: str | Path,
    *,
    inputs: Iterable[str | int | Path],
    field: str | None = None,
    binary: bool = False,
    newline: str | None = "",
    no_clobber: bool = False,
    private: bool = False,
) -> Iterator[IO[Any]]:
    """A stream for `target`: complete when the block ends normally, nothing otherwise.

    `inputs` are the files (paths, or descriptors such as 0 for stdin) this run reads: the
    target may not be one of them. It has no default: every caller says what it read (a
    writer that reads nothing passes `()`). `no_clobber` refuses an existing target.
    """
    out = Output(
        target,
        inputs=inputs,
        field=field,
        binary=binary,
        newline=newline,
        no_clobber=no_clobber,
        private=private,
    )
    try:
        yield out.stream
    except BaseException:
        out.discard()
        raise
    out.commit()


def write_file(
    target: str | Path,
    data: str | bytes,
    *,
    inputs: Iterable[str | int | Path],
    field: str | None = None,
    no_clobber: bool = False,
) -> None:
    """Write all of `data` to `target` through the safe writer."""
    binary = isinstance(data, bytes)
    with open_output(
        target, inputs=inputs, field=field, binary=binary, no_clobber=no_clobber
    ) as out:
        out.write(data)
