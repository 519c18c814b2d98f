"""Summaries are in the project's own words: none shares a run of 20 characters with its seed.

The seed texts (the policy documents each file's `document.source` names) are not part of the
repository; the test looks for them in $POLICYCALC_SEEDS, else in ../shared/seeds next to the
project, and is skipped where neither exists. Both sides are NFKC-folded without spaces and
read twice, as letters and digits only and with every punctuation mark as one placeholder, so
a copy that only changed or dropped its punctuation or spacing is still caught.
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from .conftest import ROOT

RUN = 20  # the longest run of the document's characters a summary may share, exclusive


def _seed_dir() -> Path | None:
    for candidate in (os.environ.get("POLICYCALC_SEEDS"), ROOT.parent / "shared" / "seeds"):
        if candidate and Path(candidate, "README.md").is_file():
            return Path(candidate)
    return None


SEEDS = _seed_dir()
DOCUMENTS = sorted(
    p for p in (ROOT / "policy_data").glob("*.yaml") if "\ndocument:" in "\n" + p.read_text("utf-8")
)


def _folds(text: str) -> tuple[str, str]:
    """Two readings of a text, so that neither changed punctuation nor dropped punctuation makes
    a copy one's own: letters and digits only; and every punctuation mark or symbol as one '·'."""
    chars = [c for c in unicodedata.normalize("NFKC", text) if not c.isspace()]
    kept = "".join(c for c in chars if unicodedata.category(c)[0] in "LN")
    marked = "".join(c if unicodedata.category(c)[0] in "LN" else "·" for c in chars)
    return kept, marked


def _grams(text: str) -> set[str]:
    return {f[i : i + RUN] for f in _folds(text) for i in range(len(f) - RUN + 1)}


def _summaries(node: Any, path: str) -> Iterator[tuple[str, str]]:
    """Every `summary` text under node (zh and en), with where it sits."""
    if isinstance(node, dict):
        here = f"{path}[{node['id']}]" if "id" in node else path
        summary = node.get("summary")
        if isinstance(summary, dict):
            for lang in ("zh", "en"):
                if isinstance(summary.get(lang), str):
                    yield f"{here}.summary.{lang}", summary[lang]
        for key, value in node.items():
            if key != "summary":
                yield from _summaries(value, f"{here}.{key}")
    elif isinstance(node, list):
        for item in node:
            yield from _summaries(item, path)


def _shared_runs(text: str, grams: set[str]) -> list[str]:
    return sorted(_grams(text) & grams)


@pytest.mark.skipif(
    SEEDS is None, reason="seed texts not found ($POLICYCALC_SEEDS or ../shared/seeds)"
)
@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.stem)
def test_no_summary_copies_twenty_characters_of_its_document(path: Path) -> None:
    assert SEEDS is not None
    data = yaml.safe_load(path.read_text("utf-8"))
    grams = _grams((SEEDS / data["document"]["source"]).read_text("utf-8"))
    copied = {
        where: runs[0]
        for where, text in _summaries(data, path.stem)
        if (runs := _shared_runs(text, grams))
    }
    assert not copied, f"summaries sharing {RUN}+ characters with the document: {copied}"


def test_the_check_catches_a_copy_whatever_its_punctuation_width() -> None:
    sentence = "对新取得医疗器械注册证书的第三类医疗器械产品，按投入该产品实际研发费用的20%予以资助"
    grams = _grams(sentence)
    assert _shared_runs(sentence.replace("，", ",") + "（摘要）", grams)
    assert _shared_runs(sentence.replace("，", ""), grams)
    assert not _shared_runs("新取得三类器械注册证，按研发费用20%资助，最高300万元", grams)
