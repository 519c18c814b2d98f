"""`estimate_many(..., jobs=N)`: the profiles estimated in N forked processes, in order.

Each worker applies the job (set before the fork, so never pickled) to slices of profiles
and sends its results back pickled with the
ruleset's own objects (the ruleset, its documents, measures and ceilings) named rather than
copied, so the parent receives results that point into its own ruleset, as a serial run's
do, and never a copy of the ruleset per result. At most two slices per worker are in flight,
so a long (or endless) iterable of profiles is read as the results are consumed.
"""

from __future__ import annotations

import io
import pickle
from collections import deque
from collections.abc import Callable, Hashable, Iterable, Iterator
from itertools import islice
from typing import TYPE_CHECKING, Any

from .model import Ruleset

if TYPE_CHECKING:
    from multiprocessing.pool import AsyncResult

SLICE = 128  # profiles handed to a worker at a time

Job = Callable[[int, Any], Any]  # (place from 1, profile) -> its result

# Set in the parent before the workers fork: the job and the ruleset's objects' names.
_STATE: tuple[Job, dict[int, Hashable]] | None = None


def _names(ruleset: Ruleset) -> dict[Hashable, Any]:
    """The ruleset's shared objects by a name that is the same in every process."""
    named: dict[Hashable, Any] = {("ruleset",): ruleset}
    for doc in ruleset.documents.values():
        named[("document", doc.id)] = doc
        for ceiling in doc.ceilings:
            named[("ceiling", doc.id, ceiling.id)] = ceiling
    for measure in ruleset.measures.values():
        named[("measure", measure.id)] = measure
    return named


class _Pickler(pickle.Pickler):
    def __init__(self, file: io.BytesIO, ids: dict[int, Hashable]) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self.ids = ids

    def persistent_id(self, obj: Any) -> Hashable | None:
        return self.ids.get(id(obj))


class _Unpickler(pickle.Unpickler):
    def __init__(self, file: io.BytesIO, named: dict[Hashable, Any]) -> None:
        super().__init__(file)
        self.named = named

    def persistent_load(self, pid: Any) -> Any:
        return self.named[pid]


def _work(task: tuple[int, list[Any]]) -> bytes:
    assert _STATE is not None
    job, ids = _STATE
    start, part = task
    found = [job(start + k, profile) for k, profile in enumerate(part)]
    buffer = io.BytesIO()
    _Pickler(buffer, ids).dump(found)
    return buffer.getvalue()


def parallel_map(job: Job, profiles: Iterable[Any], ruleset: Ruleset, jobs: int) -> Iterator[Any]:
    """`job(number, profile)` for each profile, in order, over `jobs` processes."""
    global _STATE
    import multiprocessing

    named = _names(ruleset)
    _STATE = (job, {id(obj): name for name, obj in named.items()})
    pool = multiprocessing.get_context("fork").Pool(jobs)
    try:
        source = iter(profiles)
        pending: deque[AsyncResult[bytes]] = deque()
        start = 1
        while True:
            while len(pending) < 2 * jobs:
                part = list(islice(source, SLICE))
                if not part:
                    break
                pending.append(pool.apply_async(_work, ((start, part),)))
                start += len(part)
            if not pending:
                break
            data = pending.popleft().get()
            yield from _Unpickler(io.BytesIO(data), named).load()
    finally:
        pool.terminate()
        pool.join()
