"""Progress events of an import or export (its steps, and rows per model): the one hook
displays and records use.

The engine reports; listeners decide what to do (a live display on a terminal, one line per model
off a terminal, a Relocation record's progress column). ``Progress`` is a protocol so listeners
need not inherit anything; ``ProgressFanout`` sends every event to several listeners.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from shared.backup.model_names import ModelName
from shared.backup.relocation_records import RelocationStep


class Progress(Protocol):
    """Receives an import's steps and per-model progress events (begin, advance*, end)."""

    def step(self, step: RelocationStep) -> None:
        """The import enters ``step`` (clearing, importing, slugs, deferred)."""

    def begin(self, model: ModelName, total: int) -> None:
        """``model`` starts; ``total`` rows are expected (0 when unknown, as in an export)."""

    def advance(self, model: ModelName, rows: int) -> None:
        """``rows`` more rows of ``model`` are done (one batch or one page)."""

    def end(self, model: ModelName) -> None:
        """``model`` is done."""


class NoProgress:
    """Ignores every event (``--silent``, tests, library callers)."""

    def step(self, step: RelocationStep) -> None:
        """Ignore."""

    def begin(self, model: ModelName, total: int) -> None:
        """Ignore."""

    def advance(self, model: ModelName, rows: int) -> None:
        """Ignore."""

    def end(self, model: ModelName) -> None:
        """Ignore."""


class ProgressFanout:
    """Sends every event to each listener, in order."""

    def __init__(self, listeners: Sequence[Progress]) -> None:
        self._listeners = tuple(listeners)

    def step(self, step: RelocationStep) -> None:
        """Forward."""
        for listener in self._listeners:
            listener.step(step)

    def begin(self, model: ModelName, total: int) -> None:
        """Forward."""
        for listener in self._listeners:
            listener.begin(model, total)

    def advance(self, model: ModelName, rows: int) -> None:
        """Forward."""
        for listener in self._listeners:
            listener.advance(model, rows)

    def end(self, model: ModelName) -> None:
        """Forward."""
        for listener in self._listeners:
            listener.end(model)
