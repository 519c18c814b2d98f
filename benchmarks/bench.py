"""Measure start-up, batch throughput, memory and parallel speed-up; print the figures.

Each figure is a ratio against a baseline measured in the same run on the same machine:

1. start-up: `policycalc estimate EXAMPLE --format json` against `python -c "import typer"`,
   medians of --runs runs (goal: at most 1.5);
2. throughput: `estimate --batch` over N profiles in JSON Lines against a bare Python loop
   that json-parses and json-dumps the same lines (goal: at most 8);
3. memory: peak RSS for --big profiles against --small, with --jobs 1 and with --jobs 2
   (the largest process: the command or one of its workers) (goal: at most 1.2);
4. `--jobs 2` against `--jobs 1` on the same N profiles, medians of --pairs runs of each,
   run alternately (goal: at least 1.7 times faster);
5. the Python API: `policycalc.estimate_many` over the same N profiles (each line parsed with
   json.loads and handed over as a mapping) against the same bare parse-and-dump loop, both
   in one process on one core, in CPU time (goal: at most 5); and, beside it, the same with
   every result's rows dumped as JSON, which is what the command writes;
6. a hostile record: one applicant of just under 1 MiB (some 5,000 facts in Suzhou over three
   years, products recurring, so that yearly, per-product and document ceilings all share
   thousands of awards), estimated by `estimate --batch` (goal: under 1 s, start-up
   included). `--hostile-only` measures this figure alone (a few seconds).

Usage: python benchmarks/bench.py [--profiles 100000] [--big 1000000] [--small 10000]
       python benchmarks/bench.py --hostile-only
Needs the `policycalc` command installed (pip install .).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "kunming-cell.toml"
AS_OF = "2023-06-30"

BARE_LOOP = """
import json, sys
out = sys.stdout
for line in open(sys.argv[1], encoding="utf-8"):
    if line.strip():
        out.write(json.dumps(json.loads(line), ensure_ascii=False) + "\\n")
"""

API_LOOP = """
import json, sys, time
import policycalc
path, as_of = sys.argv[1], sys.argv[2]
ruleset = policycalc.load_ruleset()
dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def profiles():
    for line in open(path, encoding="utf-8"):
        if line.strip():
            yield json.loads(line)


start = time.process_time()
for line in open(path, encoding="utf-8"):
    if line.strip():
        dumps(json.loads(line))
bare = time.process_time() - start
start = time.process_time()
count = sum(1 for _ in policycalc.estimate_many(profiles(), as_of, ruleset=ruleset))
api = time.process_time() - start
start = time.process_time()
for result in policycalc.estimate_many(profiles(), as_of, ruleset=ruleset):
    if result.ok:
        for row in result.rows():
            dumps(row)
rows = time.process_time() - start
print(json.dumps({"bare": bare, "api": api, "rows": rows, "count": count}))
"""


def profile(rng: random.Random, number: int) -> dict:
    """A plausible applicant: a region and a few facts of common kinds."""
    region = rng.choice(["kunming", "chongqing", "suzhou", "nanshan", "jiangsu", "yunnan"])
    facts = []
    for _ in range(rng.randint(1, 4)):
        year = rng.choice([2021, 2022, 2023])
        date = f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        choice = rng.randrange(5)
        if choice == 0:
            facts.append({"kind": "clinical_phase_completed", "date": date,
                          "phase": rng.randint(1, 3), "product_type": "innovative_drug",
                          "drug_class": 1, "rd_spend": rng.randint(100, 6000),
                          "next_phase_entered": True})
        elif choice == 1:
            facts.append({"kind": "clinical_phase_entered", "date": date,
                          "phase": rng.randint(1, 3), "product_type": "innovative_drug",
                          "rd_spend": rng.randint(100, 6000)})
        elif choice == 2:
            facts.append({"kind": "renovation", "date": date,
                          "invoice_amount": rng.randint(100, 8000)})
        elif choice == 3:
            facts.append({"kind": "device_registration", "date": date,
                          "device_class": rng.choice([2, 3]), "rd_spend": rng.randint(50, 3000)})
        else:
            facts.append({"kind": "insurance_premium", "date": date,
                          "policy_type": "clinical_trial_liability",
                          "premium": rng.randint(5, 200)})
    return {"applicant": {"id": f"app-{number}", "region": region}, "facts": facts}


def write_profiles(path: Path, count: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as out:
        for number in range(count):
            out.write(json.dumps(profile(rng, number), ensure_ascii=False) + "\n")


def hostile_record(limit: int = 1 << 20, seed: int = 5) -> str:
    """One applicant as large as a batch record may be: facts under every shared ceiling."""
    rng = random.Random(seed)
    facts: list[dict] = []
    size = 64
    while True:
        date = f"{rng.choice([2019, 2020, 2021])}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        product = f"P{rng.randrange(50)}"
        choice = len(facts) % 5
        if choice == 0:
            fact = {"kind": "clinical_phase_completed", "date": date, "phase": rng.randint(1, 3),
                    "product_type": "innovative_drug", "drug_class": 1,
                    "rd_spend": rng.randint(100, 6000), "next_phase_entered": True,
                    "product": product}
        elif choice == 1:
            fact = {"kind": "clinical_phase_entered", "date": date, "phase": rng.randint(1, 3),
                    "product_type": "innovative_drug", "rd_spend": rng.randint(100, 6000),
                    "product": product}
        elif choice == 2:
            fact = {"kind": "device_registration", "date": date, "device_class": 3,
                    "rd_spend": rng.randint(50, 3000), "product": product}
        elif choice == 3:
            fact = {"kind": "renovation", "date": date, "invoice_amount": rng.randint(100, 8000)}
        else:
            fact = {"kind": "insurance_premium", "date": date,
                    "policy_type": "clinical_trial_liability", "premium": rng.randint(5, 200)}
        text = json.dumps(fact)
        if size + len(text) + 2 > limit:
            break
        size += len(text) + 2
        facts.append(fact)
    return json.dumps({"applicant": {"id": "hostile", "region": "suzhou"}, "facts": facts})


def hostile_figure(command: str, runs: int = 3) -> None:
    """6. one record of just under 1 MiB, estimated (median of `runs`, start-up included)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "hostile.jsonl"
        record = hostile_record()
        path.write_text(record + "\n", encoding="utf-8")
        cmd = [command, "estimate", "--as-of", "2021-06-30", "--quiet", "--summary",
               "--batch", str(path)]
        timed(cmd)  # the ruleset cache, warm as for every run after the first
        walls, cpus = [], []
        for _ in range(runs):
            start = time.perf_counter()
            proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            _, status, usage = os.wait4(proc.pid, 0)
            walls.append(time.perf_counter() - start)
            cpus.append(usage.ru_utime + usage.ru_stime)
            if os.waitstatus_to_exitcode(status) != 0:
                raise SystemExit(f"failed: {' '.join(cmd)}")
        facts = record.count('"kind"')
        # CPU time decides (a shared machine's load only stretches the wall clock).
        print(f"6. hostile record: one applicant of {len(record.encode()):,} bytes "
              f"({facts:,} facts) estimated in {statistics.median(cpus):.2f} s CPU, "
              f"{statistics.median(walls):.2f} s wall (medians of {runs}; goal < 1 s)")


def timed(cmd: list[str], stdout: int | None = subprocess.DEVNULL) -> tuple[float, int]:
    """Wall time and peak RSS (KiB) of one child process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=stdout, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        raise SystemExit(f"failed: {' '.join(cmd)}")
    return elapsed, usage.ru_maxrss


def paired_medians(a: list[str], b: list[str], runs: int) -> tuple[float, float]:
    """Medians of two commands run alternately, so that drift in the machine's speed
    (this one is a shared virtual machine) falls on both alike."""
    first, second = [], []
    for _ in range(runs):
        first.append(timed(a)[0])
        second.append(timed(b)[0])
    return statistics.median(first), statistics.median(second)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--profiles", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--big", type=int, default=1_000_000)
    parser.add_argument("--pairs", type=int, default=3,
                        help="runs of --jobs 1 and --jobs 2 for figure 4 (a shared machine's "
                             "speed drifts by 10%% from one run to the next)")
    parser.add_argument("--hostile-only", action="store_true",
                        help="measure figure 6 (one 1 MiB record) alone")
    args = parser.parse_args()
    command = shutil.which("policycalc")
    if command is None:
        raise SystemExit("policycalc is not installed: pip install .")
    if args.hostile_only:
        hostile_figure(command)
        return
    py = sys.executable
    batch = [command, "estimate", "--as-of", AS_OF, "--quiet", "--batch"]

    # 1. start-up (warm the ruleset cache first, as every run after the first finds it)
    single = [command, "estimate", str(EXAMPLE), "--as-of", AS_OF, "--format", "json"]
    timed(single)
    tool, base = paired_medians(single, [py, "-c", "import typer"], args.runs)
    print(f"1. start-up: {tool * 1000:.0f} ms vs import typer {base * 1000:.0f} ms "
          f"(medians of {args.runs}) -> ratio {tool / base:.2f} (goal <= 1.5)")

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        data = folder / "profiles.jsonl"
        write_profiles(data, args.profiles)
        loop = folder / "loop.py"
        loop.write_text(BARE_LOOP, encoding="utf-8")

        # 2. throughput
        t_tool, _ = timed([*batch, str(data)])
        t_loop, _ = timed([py, str(loop), str(data)])
        print(f"2. throughput: {args.profiles} profiles in {t_tool:.2f} s "
              f"({args.profiles / t_tool:,.0f}/s) vs bare json loop {t_loop:.2f} s "
              f"-> ratio {t_tool / t_loop:.2f} (goal <= 8)")

        # 4. --jobs 2 against --jobs 1 (the run of figure 2 is the first --jobs 1 run)
        ones, twos = [t_tool], [timed([*batch, str(data), "--jobs", "2"])[0]]
        for _ in range(args.pairs - 1):
            ones.append(timed([*batch, str(data)])[0])
            twos.append(timed([*batch, str(data), "--jobs", "2"])[0])
        t_one, t_two = statistics.median(ones), statistics.median(twos)
        runs = ", ".join(f"{a:.2f}/{b:.2f}" for a, b in zip(ones, twos, strict=True))
        print(f"4. parallel: --jobs 1 {t_one:.2f} s, --jobs 2 {t_two:.2f} s (medians of "
              f"{args.pairs}: {runs}) -> {t_one / t_two:.2f}x faster (goal >= 1.7; "
              f"{os.cpu_count()} cores)")

        # 5. the API's estimate_many, in one process (CPU time: one core's work)
        api_loop = folder / "api_loop.py"
        api_loop.write_text(API_LOOP, encoding="utf-8")
        found = json.loads(subprocess.run(
            [py, str(api_loop), str(data), AS_OF], capture_output=True, text=True, check=True
        ).stdout)
        print(f"5. API: estimate_many over {found['count']} profiles {found['api']:.2f} s CPU "
              f"vs bare json loop {found['bare']:.2f} s -> ratio {found['api'] / found['bare']:.2f} "
              f"(goal <= 5); with rows dumped {found['rows']:.2f} s -> ratio "
              f"{found['rows'] / found['bare']:.2f}")

        # 3. memory: peak RSS, big against small
        small = folder / "small.jsonl"
        write_profiles(small, args.small, seed=11)
        big = folder / "big.jsonl"
        write_profiles(big, args.big, seed=13)
        for jobs in ("1", "2"):
            # ru_maxrss from wait4: the largest of the command and the workers it reaped.
            _, rss_small = timed([*batch, str(small), "--jobs", jobs])
            _, rss_big = timed([*batch, str(big), "--jobs", jobs])
            print(f"3. memory --jobs {jobs}: peak RSS {rss_big / 1024:.1f} MiB for {args.big} "
                  f"profiles vs {rss_small / 1024:.1f} MiB for {args.small} -> ratio "
                  f"{rss_big / rss_small:.2f} (goal <= 1.2)")

    # 6. one hostile record
    hostile_figure(command)


if __name__ == "__main__":
    main()
