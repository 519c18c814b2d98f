"""Ids already read in a batch, in memory that does not grow with the batch.

A batch of a million applicants must peak at the memory of ten thousand (README, Performance),
so a dict of every id is out. This is a fixed open-addressing table of 64-bit string hashes in
anonymous memory: only the pages that are written become resident, and a batch of any size
touches at most the table. It is exact for the first `CAPACITY` ids (two different ids share a
64-bit hash with odds near n²/2⁶⁵, about 3 in 100 million for a million ids); past that, new
ids are no longer remembered and `full_at` says from which record on, so the caller can say so.
"""

from __future__ import annotations

import mmap

SLOTS = 1 << 20  # 8 MiB of hashes and 8 MiB of places, virtual until written
CAPACITY = SLOTS * 7 // 10  # linear probing stays short below 70% full
_MASK = SLOTS - 1
_BITS = (1 << 64) - 1


class SeenIds:
    """`first(ident, where)` is None the first time an id is given, else where it was first
    given (`where` is any int: a line or a record number)."""

    def __init__(self) -> None:
        self._memory = (mmap.mmap(-1, 8 * SLOTS), mmap.mmap(-1, 8 * SLOTS))
        self._keys = memoryview(self._memory[0]).cast("Q")
        self._where = memoryview(self._memory[1]).cast("q")
        self.count = 0
        self.full_at: int | None = None  # the first `where` no longer remembered

    def first(self, ident: str, where: int) -> int | None:
        key = (hash(ident) & _BITS) or 1  # 0 marks an empty slot
        keys = self._keys
        slot = key & _MASK
        while True:
            found = keys[slot]
            if found == key:
                return int(self._where[slot])
            if found == 0:
                break
            slot = (slot + 1) & _MASK
        if self.count >= CAPACITY:
            if self.full_at is None:
                self.full_at = where
            return None
        keys[slot] = key
        self._where[slot] = where
        self.count += 1
        return None
