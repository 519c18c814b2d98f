#!/usr/bin/env python3
"""Mutation test of the policy data: change one item of policy_data/ at a time and see
whether the tests notice.

Each mutant is one change to one YAML scalar of one document file (an amount, a rate, a cap,
a threshold, an enum value in a `where`, a flag, a date, a recipient, a ceiling's amount,
scope or one of its members, a measure's `requires`: dropped, its `same` or `flag` changed, or
pointed at another measure), made in a temporary copy of the project. The fast tests
(everything but tests/test_fuzz.py, `pytest -x`) then run against the copy, one run at a
time, niced. A mutant is *caught* when a test fails, *invalid* when the loader already
rejects the data (the `validate` check catches it before any test), and *survives* when
every test passes: a survivor is a data error the tests would not see.

Not run in CI. It takes about a minute per surviving mutant (less for a caught one), so
sample it, and run it in the background:

    .venv/bin/python tools/mutate.py --list                    # the mutants per class
    .venv/bin/python tools/mutate.py --sample 5 --seed 1       # 5 per class
    .venv/bin/python tools/mutate.py --classes flag,enum --sample 10 > /tmp/mutate.log 2>&1 &

The worktree is never written: the copy lives under a temporary folder removed at the end
(--keep keeps it). The figures are printed at the end, one line per class.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "policy_data"
SHARED = {"regions.yaml", "departments.yaml", "labels.yaml", "facts.yaml"}
CLASSES = (
    "amount",  # a sum: fixed amount, up-to, range bound, per-unit, stage or tier amount
    "rate",  # a share's rate (or a share range's bound)
    "cap",  # the ceiling of a share formula
    "threshold",  # a band bound of a formula, or a numeric bound in a condition
    "enum",  # an enum value (or a number read as one, such as a phase) in a condition
    "flag",  # a true/false in a condition or in the eligibility
    "date",  # a document's dates
    "recipient",  # who receives a measure's money
    "ceiling",  # the amount of a document's ceiling
    "scope",  # a ceiling's scope
    "members",  # one of the measures a ceiling covers
    "requires",  # a measure's condition on another: dropped, `same`, `flag`, or the measure named
)
DATES = ("issued", "effective_from", "effective_until", "known_by", "facts_from")
FORMULA_KEYS = ("formula", "each")
ALIASES = {"legal_forms": "legal_form"}  # eligibility lists named after the applicant field
SCOPES = ("per_year", "total", "per_product", "per_product_year")  # as cli/loader.py
TESTS_LAST = ("test_fuzz.py",)  # never run: slow, and not about the bundled figures
# Tests that kill a running batch at a moment chosen by the clock: on a busy machine they can
# fail with no change at all, which would count a mutant as caught. They read no figure.
DESELECT = "not signal and not killed"
# Files that test the bundled figures run first, so a caught mutant stops early (-x).
TESTS_FIRST = (
    "test_data_figures.py",
    "test_data_dates.py",
    "test_data_conditions.py",
    "test_scenarios.py",
    "test_ceilings.py",
)


@dataclass(frozen=True)
class Mutant:
    cls: str
    file: str  # file name under policy_data/
    line: int  # 1-based
    path: str  # where in the document, e.g. measures[sz-06-phase-entered].formula.rate
    old: str
    new: str
    start: int  # character offsets of the scalar in the file
    end: int

    def describe(self) -> str:
        # A dropped block spans lines: shown on one line, and its absence as "(dropped)".
        old, new = " ".join(self.old.split()), " ".join(self.new.split()) or "(dropped)"
        return f"{self.file}:{self.line} {self.path}: {old} -> {new}"


# ---- finding the mutants -------------------------------------------------------------------


def _scalar(node: Node) -> str | None:
    return node.value if isinstance(node, ScalarNode) else None


def _items(node: MappingNode) -> Iterator[tuple[str, Node]]:
    for key, value in node.value:
        if isinstance(key, ScalarNode):
            yield key.value, value


def _entry(node: Node, key: str) -> tuple[ScalarNode, Node] | None:
    if isinstance(node, MappingNode):
        for k, v in node.value:
            if isinstance(k, ScalarNode) and k.value == key:
                return k, v
    return None


def _get(node: Node, key: str) -> Node | None:
    if isinstance(node, MappingNode):
        for k, v in _items(node):
            if k == key:
                return v
    return None


def _number(text: str) -> Decimal | None:
    try:
        return Decimal(text)
    except ArithmeticError:
        return None
    except ValueError:
        return None


def _bigger(text: str) -> str:
    """A number changed enough to matter and little enough to be plausible: +10% (at least 1)."""
    value = _number(text)
    assert value is not None
    step = max(Decimal(1), (abs(value) / 10).quantize(Decimal(1)))
    return _plain(value + step)


def _plain(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text


def _other_rate(text: str) -> str:
    value = _number(text)
    assert value is not None
    return _plain(value + Decimal("0.05") if value <= Decimal("0.95") else value - Decimal("0.05"))


class Finder:
    def __init__(self, vocabulary: dict, recipients: list[str]) -> None:
        self.vocabulary = vocabulary
        self.recipients = recipients
        self.seen: dict[tuple[str, str], set[str]] = {}  # enum values per (fact kind, field)
        self.out: list[Mutant] = []
        # The requires class is kept apart and draws nothing at random, so that adding it left
        # the other classes' mutants as they were (a date's shift follows len(self.out)).
        self.requires_out: list[Mutant] = []
        self.texts: dict[str, str] = {}  # file name -> its text, to cut whole lines
        self.rng = random.Random(0)

    def add(self, cls: str, file: str, node: ScalarNode, path: str, new: str) -> None:
        if new == node.value:
            return
        self.out.append(
            Mutant(
                cls,
                file,
                node.start_mark.line + 1,
                path,
                node.value,
                new,
                node.start_mark.index,
                node.end_mark.index,
            )
        )

    # formulas: amounts, rates, caps, band thresholds
    def formula(self, file: str, node: Node, path: str) -> None:
        if not isinstance(node, MappingNode):
            return
        kind = _scalar(_get(node, "kind") or ScalarNode("", "")) or ""
        for key, value in _items(node):
            where = f"{path}.{key}"
            text = _scalar(value)
            if key in ("amount", "min", "max") and text is not None and _number(text) is not None:
                cls = "cap" if kind in ("share", "share_range") and key == "max" else "amount"
                self.add(cls, file, value, where, _bigger(text))  # type: ignore[arg-type]
            elif key in ("rate", "rate_min", "rate_max") and text is not None:
                self.add("rate", file, value, where, _other_rate(text))  # type: ignore[arg-type]
            elif key in FORMULA_KEYS:
                self.formula(file, value, where)
            elif key == "options" and isinstance(value, MappingNode):
                for option, sub in _items(value):
                    self.formula(file, sub, f"{where}[{option}]")
            elif key == "bands" and isinstance(value, SequenceNode):
                for index, band in enumerate(value.value):
                    for bkey, bvalue in _items(band) if isinstance(band, MappingNode) else ():
                        btext = _scalar(bvalue)
                        if bkey in ("min", "max", "below", "above") and btext is not None:
                            self.add(
                                "threshold",
                                file,
                                bvalue,
                                f"{where}[{index}].{bkey}",
                                _bigger(btext),
                            )  # type: ignore[arg-type]
                        elif bkey == "formula":
                            self.formula(file, bvalue, f"{where}[{index}].formula")

    # conditions: enum values, flags, numeric bounds
    def condition(
        self,
        file: str,
        node: Node,
        path: str,
        kind: str,
        field: str = "",
        siblings: frozenset[str] = frozenset(),
    ) -> None:
        if isinstance(node, MappingNode):
            for key, value in _items(node):
                if key in ("min", "max", "below", "above") and _scalar(value) is not None:
                    text = _scalar(value)
                    if text is not None and _number(text) is not None:
                        self.add(
                            "threshold",
                            file,
                            value,
                            f"{path}.{key}",  # type: ignore[arg-type]
                            _bigger(text),
                        )
                elif key in ("any", "all", "not"):
                    self.condition(file, value, f"{path}.{key}", kind, field)
                else:
                    self.condition(file, value, f"{path}.{key}", kind, key)
        elif isinstance(node, SequenceNode):
            listed = frozenset(v for v in map(_scalar, node.value) if v is not None)
            for index, item in enumerate(node.value):
                self.condition(file, item, f"{path}[{index}]", kind, field, listed)
        elif isinstance(node, ScalarNode):
            if node.value in ("true", "false"):
                self.add("flag", file, node, path, "false" if node.value == "true" else "true")
                return
            choices = self.enum_values(kind, field)
            # A value not yet in the list where there is one (else the change drops the item).
            others = sorted(choices - siblings - {node.value}) or sorted(choices - {node.value})
            if others:
                self.add("enum", file, node, path, self.rng.choice(others))
            elif _number(node.value) is not None:
                self.add("enum", file, node, path, _plain(Decimal(node.value) + 1))

    def enum_values(self, kind: str, field: str) -> set[str]:
        field = ALIASES.get(field, field)
        kinds = self.vocabulary.get("kinds", {})
        spec = (kinds.get(kind, {}).get("fields", {}) or {}).get(field)
        if spec is None and field.startswith("product."):  # an attribute of the fact's product
            spec = (self.vocabulary.get("product", {}) or {}).get(field.removeprefix("product."))
        if spec is None:
            spec = self.vocabulary.get("applicant", {}).get(field)
        values = set()
        if isinstance(spec, dict) and spec.get("values"):
            values = {str(v) for v in spec["values"]}
        return values | self.seen.get((kind, field), set())

    def collect_seen(self, node: Node, kind: str, field: str = "") -> None:
        if isinstance(node, MappingNode):
            for key, value in _items(node):
                self.collect_seen(value, kind, field if key in ("any", "all", "not") else key)
        elif isinstance(node, SequenceNode):
            for item in node.value:
                self.collect_seen(item, kind, field)
        elif isinstance(node, ScalarNode) and field and node.value not in ("true", "false"):
            self.seen.setdefault((kind, field), set()).add(node.value)

    def document(self, file: str, root: Node, pass_: int) -> None:
        doc = _get(root, "document")
        measures = _get(root, "measures")
        ids: list[str] = []
        money: list[str] = []  # ids of the measures that carry money (a ceiling's candidates)
        if isinstance(measures, SequenceNode):
            ids = [_scalar(_get(m, "id") or ScalarNode("", "")) or "?" for m in measures.value]
            money = [
                i
                for i, m in zip(ids, measures.value, strict=True)
                if _scalar(
                    _get(_get(m, "formula") or ScalarNode("", ""), "kind") or ScalarNode("", "")
                )
                != "no_money"
            ]
        if pass_ == 0:
            for m in measures.value if isinstance(measures, SequenceNode) else ():
                trigger = _get(m, "trigger")
                kind = _scalar(_get(trigger, "kind") or ScalarNode("", "")) if trigger else ""
                for part in ("where", "applicant"):
                    sub = _get(trigger, part) if trigger is not None else None
                    if sub is not None:
                        self.collect_seen(sub, kind or "")
            return
        if isinstance(doc, MappingNode):
            for key, value in _items(doc):
                text = _scalar(value)
                if key in DATES and text and re.fullmatch(r"\d{4}-\d\d-\d\d", text):
                    day = dt.date.fromisoformat(text)
                    shift = dt.timedelta(days=1 if len(self.out) % 2 else -1)
                    self.add("date", file, value, f"document.{key}", (day + shift).isoformat())  # type: ignore[arg-type]
                elif key == "eligibility" and isinstance(value, MappingNode):
                    self.condition(file, value, "document.eligibility", "")
                elif key == "ceilings" and isinstance(value, SequenceNode):
                    for ceiling in value.value:
                        self.ceiling(file, ceiling, money)
        for measure, mid in zip(
            measures.value if isinstance(measures, SequenceNode) else (), ids, strict=True
        ):
            base = f"measures[{mid}]"
            recipient = _get(measure, "recipient")
            formula = _get(measure, "formula")
            money = (
                formula is not None
                and _scalar(_get(formula, "kind") or ScalarNode("", "")) != "no_money"
            )
            if isinstance(recipient, ScalarNode) and money:
                others = [r for r in self.recipients if r not in (recipient.value, "none")]
                self.add("recipient", file, recipient, f"{base}.recipient", self.rng.choice(others))
            if formula is not None:
                self.formula(file, formula, f"{base}.formula")
            trigger = _get(measure, "trigger")
            kind = _scalar(_get(trigger, "kind") or ScalarNode("", "")) if trigger else ""
            for part in ("where", "applicant"):
                sub = _get(trigger, part) if trigger is not None else None
                if sub is not None:
                    self.condition(file, sub, f"{base}.trigger.{part}", kind or "")
            requires = _entry(measure, "requires")
            if requires is not None:
                triggered = [
                    i
                    for i, m in zip(ids, measures.value, strict=True)  # type: ignore[union-attr]
                    if _get(m, "trigger") is not None
                ]
                self.requires(file, requires, f"{base}.requires", kind or "", mid, triggered)

    # a measure's condition on another measure (docs/data-format.md, "Conditions across measures")
    def requires(
        self,
        file: str,
        entry: tuple[ScalarNode, Node],
        path: str,
        kind: str,
        own: str,
        triggered: list[str],
    ) -> None:
        key, node = entry
        text = self.texts[file]

        def put(start: int, end: int, new: str, where: str, line: int) -> None:
            self.requires_out.append(
                Mutant("requires", file, line, where, text[start:end], new, start, end)
            )

        def whole_lines(start_node: Node, end_node: Node) -> tuple[int, int]:
            # From the start of the first node's line to the end of the last node's line.
            start = start_node.start_mark.index - start_node.start_mark.column
            end = text.find("\n", end_node.end_mark.index)
            return start, len(text) if end < 0 else end + 1

        # (a) the block dropped: the measure no longer depends on the other.
        last = node.value[-1][1] if isinstance(node, MappingNode) and node.value else node
        put(*whole_lines(key, last), "", path, key.start_mark.line + 1)
        if not isinstance(node, MappingNode):
            return
        # (b) `same` the other way: applicant <-> product.
        same = _get(node, "same")
        if isinstance(same, ScalarNode) and same.value in ("applicant", "product"):
            other = "product" if same.value == "applicant" else "applicant"
            put(
                same.start_mark.index,
                same.end_mark.index,
                other,
                f"{path}.same",
                same.start_mark.line + 1,
            )
        # (c) `flag` dropped, or changed to each other yes/no field of the measure's fact kind.
        flag = _entry(node, "flag")
        if flag is not None and isinstance(flag[1], ScalarNode):
            fkey, fvalue = flag
            line = fkey.start_mark.line + 1
            if node.flow_style:  # {measure: m, same: s, flag: f}: cut ", flag: f" (or "flag: f, ")
                index = [k for k, _ in node.value].index(fkey)
                if index:
                    start, end = node.value[index - 1][1].end_mark.index, fvalue.end_mark.index
                else:
                    start, end = fkey.start_mark.index, node.value[1][0].start_mark.index
            else:
                start, end = whole_lines(fkey, fvalue)
            put(start, end, "", f"{path}.flag", line)
            fields = (self.vocabulary.get("kinds", {}).get(kind, {}) or {}).get("fields", {}) or {}
            for name, spec in fields.items():
                if name != fvalue.value and isinstance(spec, dict) and spec.get("type") == "bool":
                    put(fvalue.start_mark.index, fvalue.end_mark.index, name, f"{path}.flag", line)
        # (d) `measure` pointed at each other measure of the document that has a trigger (the
        # loader rejects one without: that would only count as invalid).
        measure = _get(node, "measure")
        if isinstance(measure, ScalarNode):
            for other in triggered:
                if other not in (measure.value, own):
                    put(
                        measure.start_mark.index,
                        measure.end_mark.index,
                        other,
                        f"{path}.measure",
                        measure.start_mark.line + 1,
                    )

    def ceiling(self, file: str, node: Node, ids: list[str]) -> None:
        cid = _scalar(_get(node, "id") or ScalarNode("", "")) or "?"
        base = f"ceilings[{cid}]"
        amount, scope, members = _get(node, "amount"), _get(node, "scope"), _get(node, "measures")
        if isinstance(amount, ScalarNode) and _number(amount.value) is not None:
            self.add("ceiling", file, amount, f"{base}.amount", _bigger(amount.value))
        if isinstance(scope, ScalarNode):
            others = [s for s in SCOPES if s != scope.value]
            self.add("scope", file, scope, f"{base}.scope", self.rng.choice(others))
        if isinstance(members, SequenceNode):
            listed = {_scalar(m) for m in members.value}
            outside = [i for i in ids if i not in listed]
            for index, member in enumerate(members.value):
                if isinstance(member, ScalarNode) and outside:
                    self.add(
                        "members",
                        file,
                        member,
                        f"{base}.measures[{index}]",
                        self.rng.choice(outside),
                    )


def find_mutants(data: Path) -> list[Mutant]:
    vocabulary = yaml.safe_load((data / "facts.yaml").read_text(encoding="utf-8")) or {}
    labels = yaml.safe_load((data / "labels.yaml").read_text(encoding="utf-8")) or {}
    finder = Finder(vocabulary, sorted(labels.get("recipients", {})))
    files = [p for p in sorted(data.glob("*.yaml")) if p.name not in SHARED]
    finder.texts = {p.name: p.read_text(encoding="utf-8") for p in files}
    trees = {name: yaml.compose(text) for name, text in finder.texts.items()}
    for pass_ in (0, 1):
        for name, tree in trees.items():
            if tree is not None:
                finder.document(name, tree, pass_)
    return finder.out + finder.requires_out


# ---- running the tests on a copy -----------------------------------------------------------


class Workspace:
    """A copy of the project whose `policycalc` package (found first through PYTHONPATH)
    reads the copy's policy_data/. The worktree itself is never written."""

    def __init__(self, keep: bool) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="policycalc-mutate-"))
        self.keep = keep
        self.repo = self.dir / "repo"
        ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".hypothesis")
        for name in (
            "cli",
            "tests",
            "policy_data",
            "examples",
            "scenarios",
            "docs",
            "benchmarks",
            ".ci",
        ):
            if (ROOT / name).is_dir():
                shutil.copytree(ROOT / name, self.repo / name, ignore=ignore)
        for name in ("README.md", "pyproject.toml"):
            shutil.copy2(ROOT / name, self.repo / name)
        package = self.dir / "site" / "policycalc"
        shutil.copytree(ROOT / "cli", package, ignore=ignore)
        for name in ("policy_data", "examples", "scenarios"):
            (package / name).symlink_to(self.repo / name, target_is_directory=True)
        self.env = dict(os.environ)
        self.env["PYTHONPATH"] = os.pathsep.join(
            [str(self.dir / "site"), *filter(None, [os.environ.get("PYTHONPATH")])]
        )
        self.env["POLICYCALC_CACHE_DIR"] = str(self.dir / "cache")
        self.env["PYTHONDONTWRITEBYTECODE"] = "1"
        self.env.pop("HYPOTHESIS_PROFILE", None)

    def tests(self, chosen: list[str] | None) -> list[str]:
        if chosen:
            return chosen
        files = sorted(p.name for p in (self.repo / "tests").glob("test_*.py"))
        files = [f for f in files if f not in TESTS_LAST]
        first = [f for f in TESTS_FIRST if f in files]
        return ["tests/" + f for f in first + [f for f in files if f not in first]]

    def run(self, args: list[str], timeout: float) -> tuple[int | None, str]:
        try:
            proc = subprocess.run(
                args,
                cwd=self.repo,
                env=self.env,
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
                preexec_fn=lambda: os.nice(10),
            )
        except subprocess.TimeoutExpired:
            return None, ""
        return proc.returncode, proc.stdout + proc.stderr

    def check_setup(self) -> None:
        code, out = self.run(
            [sys.executable, "-c", "import policycalc.rulesets as r; print(r.bundled_data_dir())"],
            60,
        )
        if code != 0 or str(self.repo / "policy_data") not in out.replace(
            str(self.dir / "site" / "policycalc" / "policy_data"), str(self.repo / "policy_data")
        ):
            raise SystemExit(f"mutate: the copy does not load its own data: {out.strip()}")

    def close(self) -> None:
        if self.keep:
            print(f"kept {self.dir}", file=sys.stderr)
        else:
            shutil.rmtree(self.dir, ignore_errors=True)


LOAD = (
    "import sys\n"
    "from policycalc.errors import DataError\n"
    "from policycalc.rulesets import load_ruleset\n"
    "try:\n"
    "    load_ruleset(use_cache=False)\n"
    "except DataError as exc:\n"
    "    print(exc); sys.exit(3)\n"
)


def try_mutant(ws: Workspace, mutant: Mutant, tests: list[str], timeout: float) -> tuple[str, str]:
    target = ws.repo / "policy_data" / mutant.file
    original = target.read_text(encoding="utf-8")
    assert original[mutant.start : mutant.end] == mutant.old, mutant
    target.write_text(
        original[: mutant.start] + mutant.new + original[mutant.end :], encoding="utf-8"
    )
    try:
        code, out = ws.run([sys.executable, "-c", LOAD], 120)
        if code == 3:
            return "invalid", out.strip().splitlines()[-1] if out.strip() else ""
        code, out = ws.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "-x",
                "-q",
                "-p",
                "no:cacheprovider",
                "-k",
                DESELECT,
                *tests,
            ],
            timeout,
        )
        if code is None:
            return "timeout", ""
        if code == 0:
            return "survived", ""
        failed = re.search(r"^FAILED (\S+)", out, re.M)
        return "caught", failed.group(1) if failed else f"pytest exit {code}"
    finally:
        target.write_text(original, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--classes",
        default=",".join(CLASSES),
        help=f"comma-separated classes (default all: {','.join(CLASSES)})",
    )
    parser.add_argument(
        "--sample",
        type=int,
        default=0,
        help="at most N mutants per class, chosen at random (default: all)",
    )
    parser.add_argument("--seed", type=int, default=0, help="random seed for --sample")
    parser.add_argument(
        "--files", default="", help="only these policy_data files (comma-separated)"
    )
    parser.add_argument("--match", default="", help="only mutants whose description contains this")
    parser.add_argument("--tests", nargs="*", help="test files to run (default: all but fuzz)")
    parser.add_argument("--timeout", type=float, default=900, help="seconds per mutant")
    parser.add_argument("--list", action="store_true", help="list the mutants and stop")
    parser.add_argument("--keep", action="store_true", help="keep the temporary copy")
    args = parser.parse_args(argv)

    classes = [c for c in args.classes.split(",") if c]
    unknown = set(classes) - set(CLASSES)
    if unknown:
        parser.error(f"unknown classes: {', '.join(sorted(unknown))}")
    mutants = [m for m in find_mutants(DATA) if m.cls in classes]
    if args.files:
        mutants = [m for m in mutants if m.file in args.files.split(",")]
    if args.match:
        mutants = [m for m in mutants if args.match in m.describe()]
    by_class = {c: [m for m in mutants if m.cls == c] for c in classes}
    if args.list:
        for c, ms in by_class.items():
            print(f"{c}: {len(ms)}")
            for m in ms:
                print("  " + m.describe())
        return 0
    rng = random.Random(args.seed)
    chosen = {
        c: (rng.sample(ms, args.sample) if args.sample and len(ms) > args.sample else ms)
        for c, ms in by_class.items()
    }
    total = sum(len(ms) for ms in chosen.values())
    ws = Workspace(args.keep)
    results: dict[str, list[tuple[Mutant, str, str]]] = {c: [] for c in classes}
    try:
        ws.check_setup()
        tests = ws.tests(args.tests)
        started = time.monotonic()
        code, out = ws.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "-x",
                "-q",
                "-p",
                "no:cacheprovider",
                "-k",
                DESELECT,
                *tests,
            ],
            args.timeout,
        )
        if code != 0:
            print(out[-3000:])
            raise SystemExit("mutate: the tests fail on the unchanged copy; nothing measured")
        print(f"mutate: the unchanged copy passes ({time.monotonic() - started:.0f}s)", flush=True)
        print(
            f"mutate: {total} mutants ({', '.join(f'{c} {len(m)}' for c, m in chosen.items())}); "
            f"tests: pytest -x -q -k '{DESELECT}' {' '.join(tests)}",
            flush=True,
        )
        done = 0
        for c, ms in chosen.items():
            for m in ms:
                started = time.monotonic()
                outcome, detail = try_mutant(ws, m, tests, args.timeout)
                done += 1
                results[c].append((m, outcome, detail))
                print(
                    f"[{done}/{total}] {outcome:8} {time.monotonic() - started:5.0f}s "
                    f"{c}: {m.describe()}" + (f"  ({detail})" if detail else ""),
                    flush=True,
                )
    except KeyboardInterrupt:
        print("mutate: interrupted; figures so far", flush=True)
    finally:
        ws.close()
    print()
    print(
        f"{'class':10} {'tried':>5} {'invalid':>7} {'caught':>6} {'survived':>8} {'timeout':>7}  caught share"
    )
    for c, rows in results.items():
        if not rows:
            continue
        count = {
            k: sum(1 for _, o, _ in rows if o == k)
            for k in ("invalid", "caught", "survived", "timeout")
        }
        share = (count["invalid"] + count["caught"]) / len(rows)
        print(
            f"{c:10} {len(rows):5} {count['invalid']:7} {count['caught']:6} {count['survived']:8} "
            f"{count['timeout']:7}  {share:6.0%}"
        )
    survivors = [(m, d) for rows in results.values() for m, o, d in rows if o == "survived"]
    if survivors:
        print("\nsurvivors:")
        for m, _ in survivors:
            print(f"  {m.cls}: {m.describe()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
