"""A silo writes the batches of one model in ordinal order, however many the importer sends.

Why: the importer keeps several batches of a model in flight so that encoding, the transport
and its own bookkeeping overlap the silo's writes. Written in any order, a later batch's
collision lookups would miss an earlier batch's rows and new primary keys would no longer follow
the file's order. So a batch starting at ordinal ``m`` waits until the batch ending at ``m - 1``
has committed: written by this process (it waited its turn here) or found in the chunk ledger
(written before a restart, or answered as a replay). Each silo process keeps what it saw in
memory (bounded); the ledger is the fallback.

A batch whose predecessor failed in this process, or did not arrive within
``ARRIVAL_WAIT_S``, is refused with ``BatchOrderError`` (ABORTED, not retried by the importer):
the import stops on the earlier batch's error, and a resume sends both again in order.
"""

from __future__ import annotations

import enum
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from shared.backup.errors import BatchOrderError

ARRIVAL_WAIT_S = 10.0
_POLL_S = 0.2
_KEEP = 4096


class _Outcome(enum.Enum):
    RUNNING = "running"
    COMMITTED = "committed"
    FAILED = "failed"


Key = tuple[str, str, int]
"""(import uuid, model, last ordinal of a batch)."""


class BatchOrder:
    """The batches of this process: which are being written, which committed, which failed."""

    def __init__(self, arrival_wait_s: float = ARRIVAL_WAIT_S) -> None:
        self._arrival_wait_s = arrival_wait_s
        self._changed = threading.Condition()
        self._ends: OrderedDict[Key, _Outcome] = OrderedDict()

    @contextmanager
    def turn(
        self,
        import_uuid: str,
        model: str,
        ordinals: tuple[int, int],
        committed_before: Callable[[], bool],
    ) -> Iterator[bool]:
        """Wait until the batch before ``ordinals`` (first, last) committed and no other call
        is writing this same batch, then hold the turn while the caller writes and commits.
        Yields whether another call of this batch came first (a retry): the caller should then
        look for the batch's chunk before writing. ``committed_before`` asks the ledger."""
        first, last = ordinals
        if first > 1:
            self._wait(import_uuid, model, first, committed_before)
        key = (import_uuid, model, last)
        with self._changed:
            seen = key in self._ends
            while self._ends.get(key) is _Outcome.RUNNING:
                self._changed.wait()
            self._ends[key] = _Outcome.RUNNING
        outcome = _Outcome.FAILED
        try:
            yield seen
            outcome = _Outcome.COMMITTED
        finally:
            self._set(key, outcome)

    def _wait(
        self, import_uuid: str, model: str, first: int, committed_before: Callable[[], bool]
    ) -> None:
        before = (import_uuid, model, first - 1)
        deadline = time.monotonic() + self._arrival_wait_s
        while True:
            with self._changed:
                outcome = self._ends.get(before)
                while outcome is _Outcome.RUNNING:
                    self._changed.wait()
                    outcome = self._ends.get(before)
            if outcome is _Outcome.COMMITTED:
                return
            if outcome is _Outcome.FAILED:
                raise BatchOrderError(model, first, "the batch before it failed")
            if committed_before():
                return
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise BatchOrderError(
                    model,
                    first,
                    f"the batch before it did not arrive within {self._arrival_wait_s:g} s",
                )
            with self._changed:
                if before not in self._ends:
                    self._changed.wait(min(_POLL_S, remaining))

    def _set(self, key: Key, outcome: _Outcome) -> None:
        with self._changed:
            self._ends[key] = outcome
            self._ends.move_to_end(key)
            while len(self._ends) > _KEEP:
                self._ends.popitem(last=False)
            self._changed.notify_all()


BATCH_ORDER = BatchOrder()
"""The silo process's one instance."""
