"""The one safe writer: what `-o`/`--report` may replace, modes, failures, signals."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from policycalc import cache
from policycalc.errors import EXIT_OUTPUT, EXIT_USAGE, UsageError
from policycalc.output import WriteError, open_output, write_file

AS_OF = "2023-06-30"
GOOD_KM = {"applicant": {"id": "km", "region": "kunming"},
           "facts": [{"kind": "renovation", "date": "2021-03-15", "invoice_amount": 1000}]}
ROW = json.dumps(GOOD_KM) + "\n"


def cli(*args: str, cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "policycalc", *args], cwd=cwd, input=stdin,
                          capture_output=True, text=True, timeout=60)


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".part"))


# ------------------------------------------------------------------ what may be replaced


def test_a_new_file_gets_the_umask_like_a_shell_redirection(tmp_path):
    old = os.umask(0o022)
    try:
        write_file(tmp_path / "a.txt", "x", inputs=())
        os.umask(0o002)
        write_file(tmp_path / "b.txt", "x", inputs=())
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "a.txt").stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "b.txt").stat().st_mode) == 0o664
    assert leftovers(tmp_path) == []


def test_a_replaced_file_keeps_its_mode(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old")
    target.chmod(0o640)
    write_file(target, "new", inputs=())
    assert target.read_text() == "new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


def test_a_symlink_to_a_file_is_written_through_and_stays_a_link(tmp_path):
    real = tmp_path / "real.txt"
    real.write_text("old")
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    write_file(link, "new", inputs=())
    assert link.is_symlink() and real.read_text() == "new"


@pytest.mark.parametrize("setup", ["folder", "dangling"])
def test_a_folder_or_a_link_to_nothing_is_refused(tmp_path, setup):
    target = tmp_path / "t"
    if setup == "folder":
        target.mkdir()
    else:
        target.symlink_to(tmp_path / "nowhere")
    with pytest.raises(UsageError) as info:
        write_file(target, "x", inputs=(), field="--output")
    assert "refusing" in str(info.value) or "folder" in str(info.value)
    assert target.is_dir() if setup == "folder" else target.is_symlink()
    assert leftovers(tmp_path) == []


def test_an_input_of_the_run_is_never_overwritten(tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_text(ROW)
    with pytest.raises(UsageError, match="input of this run"):
        write_file(source, "x", inputs=[str(source)])
    assert source.read_text() == ROW


def test_a_fifo_is_written_through_not_replaced(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = subprocess.Popen(["cat", str(fifo)], stdout=subprocess.PIPE)
    write_file(fifo, "through the pipe\n", inputs=())
    assert reader.communicate(timeout=10)[0] == b"through the pipe\n"
    assert stat.S_ISFIFO(fifo.lstat().st_mode)


def test_dev_full_is_one_clear_error_naming_the_file():
    with pytest.raises(WriteError) as info:
        write_file("/dev/full", "x" * 100_000, inputs=())
    assert str(info.value) == "/dev/full: cannot write: No space left on device"
    from policycalc.options import exit_code_of

    assert exit_code_of(info.value) == EXIT_OUTPUT


def test_an_error_inside_the_block_leaves_nothing(tmp_path):
    target = tmp_path / "out.txt"
    with pytest.raises(RuntimeError), open_output(target, inputs=()) as out:
        out.write("half")
        raise RuntimeError("stop")
    assert not target.exists() and leftovers(tmp_path) == []


def test_no_clobber_refuses_an_existing_file(tmp_path):
    target = tmp_path / "x.toml"
    target.write_text("mine")
    with pytest.raises(UsageError, match="already exists"):
        write_file(target, "theirs", inputs=(), no_clobber=True)
    assert target.read_text() == "mine"


# ------------------------------------------------------------------ through the command line


@pytest.mark.skipif(os.geteuid() != 0, reason="mknod needs root")
def test_cli_never_replaces_a_device_node(tmp_path):
    (tmp_path / "in.jsonl").write_text(ROW)
    os.mknod(tmp_path / "null", 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    os.mknod(tmp_path / "full", 0o666 | stat.S_IFCHR, os.makedev(1, 7))
    ok = cli("estimate", "--batch", "in.jsonl", "--as-of", AS_OF, "-o", "null", cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr
    full = cli("estimate", "--batch", "in.jsonl", "--as-of", AS_OF, "-o", "full", cwd=tmp_path)
    assert full.returncode == EXIT_OUTPUT
    assert full.stderr.splitlines()[-1] == "Error: full: cannot write: No space left on device"
    assert "internal error" not in full.stderr
    for name in ("null", "full"):
        assert stat.S_ISCHR((tmp_path / name).lstat().st_mode)
    assert leftovers(tmp_path) == []


def test_cli_output_to_dev_stdout_and_to_a_link_to_fd_1(tmp_path):
    (tmp_path / "in.jsonl").write_text(ROW)
    (tmp_path / "fd1").symlink_to("/proc/self/fd/1")
    for target in ("/dev/stdout", "fd1"):
        result = cli("estimate", "--batch", "in.jsonl", "--as-of", AS_OF, "-o", target,
                     cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout)["measure"] == "km-09-renovation"
    assert (tmp_path / "fd1").is_symlink()


def test_cli_refuses_to_overwrite_its_input(tmp_path):
    (tmp_path / "in.jsonl").write_text(ROW)
    result = cli("estimate", "--batch", "in.jsonl", "--as-of", AS_OF, "-o", "in.jsonl",
                 cwd=tmp_path)
    assert result.returncode == EXIT_USAGE
    assert "input of this run" in result.stderr
    assert (tmp_path / "in.jsonl").read_text() == ROW


def test_report_follows_no_planted_temporary_name(tmp_path):
    # The old writer used a fixed `.NAME.part`: a link planted there was written through.
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    (tmp_path / ".r.md.part").symlink_to(victim)
    example = Path(__file__).resolve().parent.parent / "examples" / "kunming-cell.toml"
    result = cli("estimate", str(example), "--as-of", AS_OF, "--report", "r.md",
                 "--format", "json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert victim.read_text() == "keep me"
    assert "政策资金测算报告" in (tmp_path / "r.md").read_text()


# ------------------------------------------------------------------ signals


@pytest.mark.parametrize(("sig", "code", "word"), [
    (signal.SIGINT, 130, "interrupted (SIGINT)"),
    (signal.SIGTERM, 143, "terminated (SIGTERM)"),
    (signal.SIGHUP, 129, "hung up (SIGHUP)"),
])
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_signal_ends_with_one_line_its_code_and_no_leftovers(tmp_path, sig, code, word,
                                                               jobs):
    source = tmp_path / "in.jsonl"
    source.write_text(ROW * 200_000)
    proc = subprocess.Popen(
        [sys.executable, "-m", "policycalc", "estimate", "--batch", "in.jsonl", "--as-of",
         AS_OF, "-q", "--jobs", jobs, "-o", "out.jsonl"],
        cwd=tmp_path, stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.monotonic() + 30
    while not leftovers(tmp_path) and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.3)
    os.killpg(proc.pid, sig)  # the whole group, workers too, as a terminal would
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == code
    assert err.splitlines() == [f"Error: {word}"]
    assert not (tmp_path / "out.jsonl").exists()
    assert leftovers(tmp_path) == []


# ------------------------------------------------------------------ the cache


def test_cache_key_is_a_cryptographic_digest_of_every_byte():
    a = {Path("x.yaml"): b"amount: 300\n"}
    b = {Path("x.yaml"): b"amount: 400\n"}
    assert cache.key(a) != cache.key(b)
    assert len(cache.key(a)) == 40  # BLAKE2b, 160 bits


def test_a_fifo_at_the_cache_path_does_not_hang(tmp_path, monkeypatch):
    monkeypatch.setenv("POLICYCALC_CACHE_DIR", str(tmp_path))
    tmp_path.chmod(0o700)
    os.mkfifo(tmp_path / "ruleset-abc.pickle")
    started = time.monotonic()
    assert cache.get("abc") is None
    assert time.monotonic() - started < 5


def test_stale_temporary_cache_files_are_removed(tmp_path, monkeypatch):
    monkeypatch.setenv("POLICYCALC_CACHE_DIR", str(tmp_path))
    tmp_path.chmod(0o700)
    stale = tmp_path / ".ruleset-old.tmp"
    stale.write_bytes(b"x")
    os.utime(stale, (time.time() - 2 * cache.STALE_SECONDS,) * 2)
    fresh = tmp_path / ".ruleset-new.pickle.0123456789ab.part"
    fresh.write_bytes(b"x")
    cache.put("k", {"a": 1})
    assert cache.get("k") == {"a": 1}
    assert not stale.exists() and fresh.exists()


def test_concurrent_writers_of_one_file_all_succeed_and_leave_one_whole_file(tmp_path):
    # 25 of 450 concurrent runs on one report used to fail on the shared temporary name.
    from concurrent.futures import ThreadPoolExecutor

    target = tmp_path / "report.md"
    texts = [f"report {n}\n" * 1000 for n in range(40)]
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda text: write_file(target, text, inputs=()), texts))
    assert target.read_text() in texts
    assert leftovers(tmp_path) == []


def test_a_temporary_file_left_by_a_killed_run_is_removed_once_stale(tmp_path):
    from policycalc.output import STALE_SECONDS

    target = tmp_path / "out.jsonl"
    stale = tmp_path / ".out.jsonl.0123456789ab.part"  # SIGKILL cannot be caught
    fresh = tmp_path / ".out.jsonl.ba9876543210.part"  # perhaps a run still writing
    other = tmp_path / ".other.jsonl.0123456789ab.part"
    for path in (stale, fresh, other):
        path.write_text("half")
    old = time.time() - 2 * STALE_SECONDS
    os.utime(stale, (old, old))
    os.utime(other, (old, old))
    write_file(target, "whole\n", inputs=())
    assert target.read_text() == "whole\n"
    assert not stale.exists() and fresh.exists() and other.exists()
