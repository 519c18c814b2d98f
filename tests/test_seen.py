"""The batch's register of ids already read: exact, and bounded (README, Performance)."""

from __future__ import annotations

import pytest

from policycalc import seen
from policycalc.seen import SeenIds


def test_a_repeated_id_names_where_it_was_first_read() -> None:
    ids = SeenIds()
    assert ids.first("a", 2) is None
    assert ids.first("b", 3) is None
    assert ids.first("a", 9) == 2
    assert ids.first("b", 10) == 3
    assert ids.first("", 11) is None  # any text is an id here; the readers refuse empty ones
    assert ids.count == 3


def test_many_ids_are_told_apart() -> None:
    ids = SeenIds()
    for number in range(50_000):
        assert ids.first(f"app-{number}", number) is None
    assert ids.first("app-49999", 0) == 49_999
    assert ids.first("app-0", 0) == 0


def test_past_its_capacity_it_says_from_where_it_stopped_remembering(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(seen, "CAPACITY", 3)
    ids = SeenIds()
    for number, ident in enumerate(["a", "b", "c", "d", "e"], start=1):
        ids.first(ident, number)
    assert ids.full_at == 4  # 'd' was the first id not remembered
    assert ids.first("a", 6) == 1  # those remembered are still found
    assert ids.first("d", 7) is None  # a repeat of one not remembered goes unnoticed
