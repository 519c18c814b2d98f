"""The batch progress line on stderr (a spinner, a count and the time), for a person only."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class BatchProgress:
    """Counts applicants on stderr while a batch runs; `stop` clears the line."""

    def __init__(self) -> None:
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        from .table import console

        self._bar: Any = Progress(
            SpinnerColumn(),
            TextColumn("{task.completed} applicants"),
            TimeElapsedColumn(),
            console=console(stderr=True),
            transient=True,
        )
        self._task = self._bar.add_task("batch", total=None)
        self._bar.start()

    @property
    def advance(self) -> Callable[[int], None]:
        def step(n: int) -> None:
            self._bar.advance(self._task, n)

        return step

    def stop(self) -> None:
        self._bar.stop()
