"""The outputs shown in README.md: each ```text block that starts with a `$ ` command line.

tests/test_docs.py checks that each shown output is what the installed command prints;
`python tests/readme_examples.py` (from the project root, with policycalc installed) rewrites
the shown outputs from the tool itself after a deliberate change of output.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
COMMAND = Path(sys.executable).parent / "policycalc"

_BLOCK = re.compile(r"```text\n\$ (?P<command>[^\n]*)\n(?P<output>.*?)```", re.S)


class Example(NamedTuple):
    command: str  # as written after `$ `, e.g. "COLUMNS=110 policycalc estimate …"
    output: str  # the output shown
    start: int  # where the output starts in the README text
    end: int


def examples(text: str) -> list[Example]:
    return [
        Example(m["command"], m["output"], m.start("output"), m.end("output"))
        for m in _BLOCK.finditer(text)
    ]


def run(command: str) -> str:
    """What the installed command prints (stdout, then stderr) for a README command line."""
    words = shlex.split(command)
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "NO_COLOR")}
    while words and re.fullmatch(r"[A-Z_]+=.*", words[0]):
        name, value = words.pop(0).split("=", 1)
        env[name] = value
    if not words or words[0] != "policycalc":
        raise ValueError(f"README example does not run policycalc: {command}")
    result = subprocess.run(
        [str(COMMAND), *words[1:]],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=False,
    )
    return shown(result.stdout + result.stderr)


def shown(text: str) -> str:
    """Output as a README shows it: no trailing spaces (editors strip them)."""
    return "".join(line.rstrip() + "\n" for line in text.splitlines())


def comparable(text: str) -> str:
    """Shown output without the ruleset version, a hash of the policy data that changes with
    every edit of any policy file."""
    return re.sub(r"\bruleset [0-9a-f]{12}\b", "ruleset …", shown(text))


def main() -> None:
    text = README.read_text(encoding="utf-8")
    for example in reversed(examples(text)):
        text = text[: example.start] + run(example.command) + text[example.end :]
    README.write_text(text, encoding="utf-8")
    print(f"rewrote {len(examples(text))} outputs in {README}")


if __name__ == "__main__":
    main()
