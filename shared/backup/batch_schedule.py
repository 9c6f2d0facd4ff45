"""Running an import's batches: models side by side, several batches in flight at once.

What may overlap, and why it is safe:

- A model starts once every model it depends on (that this phase imports) has finished, so the
  pk-map subset each of its batches carries is complete when the batch is cut. Control-side and
  region-side models whose dependencies are met run at the same time, up to
  ``IN_FLIGHT_PER_SILO`` calls per silo.
- A model keeps up to ``IN_FLIGHT_PER_MODEL`` batches in flight. The silo writes them one after
  the other in ordinal order (``orm.batch_order``): each batch's collision lookups see every
  earlier batch's rows and new primary keys follow the file's order, exactly as in a serial
  import, while the next batch's encoding, transport and decoding overlap the write. Each batch
  is still written atomically with its chunk row, so the chunk ledger, replay and resume are
  unchanged.
- Batches are read, encoded and given their pk-map subset on the calling thread; workers only
  make the call. Results are folded into the report on the calling thread too, in batch order
  per model, so counts, findings and the pk map never see two threads.
"""

from __future__ import annotations

import time
from collections import Counter, deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Protocol

from shared.backup.chunks import ImportChunk
from shared.backup.dependencies import DependencyGraph
from shared.backup.descriptors import ModelDescriptor, Silo
from shared.backup.import_batches import Batch
from shared.backup.model_names import ModelName

# Batches of one silo in flight at once: enough to keep the silo's Python busy while
# PostgreSQL writes and commits the previous batch (measured in bench/, README Performance).
IN_FLIGHT_PER_SILO = 4
# Batches of one model in flight at once (the silo writes them in order).
IN_FLIGHT_PER_MODEL = 2

BatchResult = tuple[ImportChunk, bool]


@dataclass(slots=True)
class ModelJob:
    """One model of the phase: its batches (encoded, with their first ordinal) and how to run
    them."""

    desc: ModelDescriptor
    batches: Iterator[Batch]
    started: float = field(default_factory=time.perf_counter)
    pending: deque[tuple[Future[BatchResult], Batch]] = field(default_factory=deque)
    """In batch order; folded from the front as they finish."""
    ahead: Batch | None = field(init=False)
    """The next batch to send, read and encoded while the ones before it are in flight; None
    once every batch is sent."""

    def __post_init__(self) -> None:
        self.ahead = next(self.batches, None)


class Handlers(Protocol):
    """What the caller does at each step of a model (all on the calling thread)."""

    def start(self, desc: ModelDescriptor) -> ModelJob | None:
        """Begin a model; None when it has nothing to send (absent or out of scope)."""
        ...

    def prepare(self, job: ModelJob, batch: Batch) -> Callable[[], BatchResult]:
        """The call that writes one batch (made on a worker thread)."""
        ...

    def fold(self, job: ModelJob, batch: Batch, result: BatchResult) -> None:
        """Take one batch's result into the report (batch order within the model)."""
        ...

    def finish(self, job: ModelJob) -> None:
        """The model's last batch is folded."""
        ...


def run_phase(
    models: Sequence[ModelName],
    graph: DependencyGraph,
    handlers: Handlers,
    *,
    in_flight_per_silo: int = IN_FLIGHT_PER_SILO,
    in_flight_per_model: int = IN_FLIGHT_PER_MODEL,
) -> None:
    """Import ``models`` (in dependency order) with overlapping batches; raise the first failure
    in model order after the batches already in flight have finished."""
    phase = set(models)
    waiting = list(models)
    done: set[ModelName] = set()
    active: list[ModelJob] = []
    workers = max(1, in_flight_per_silo) * len(Silo)
    limits = (in_flight_per_silo, in_flight_per_model)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="relocate-batch") as pool:
        try:
            while waiting or active:
                for job in list(active):
                    _fold_done(job, handlers)
                    if job.ahead is None and not job.pending:
                        handlers.finish(job)
                        active.remove(job)
                        done.add(job.desc.name)
                _start_ready(waiting, active, done, phase, graph, handlers)
                if waiting and not active:
                    raise AssertionError(f"no model of {waiting} can start")
                busy = Counter(
                    job.desc.silo for job in active for f, _ in job.pending if not f.done()
                )
                for job in active:
                    _fill(job, busy, limits, pool, handlers.prepare)
                in_flight = [f for job in active for f, _ in job.pending if not f.done()]
                if in_flight:
                    wait(in_flight, return_when=FIRST_COMPLETED)
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            raise


def _start_ready(
    waiting: list[ModelName],
    active: list[ModelJob],
    done: set[ModelName],
    phase: set[ModelName],
    graph: DependencyGraph,
    handlers: Handlers,
) -> None:
    """Start every waiting model whose dependencies in this phase are done (in order)."""
    for name in list(waiting):
        desc = graph.get(name)
        if any(dep in phase and dep not in done for dep in desc.dependencies):
            continue
        waiting.remove(name)
        job = handlers.start(desc)
        if job is None:
            done.add(name)
        else:
            active.append(job)


def _fill(
    job: ModelJob,
    busy: Counter[Silo],
    limits: tuple[int, int],
    pool: ThreadPoolExecutor,
    prepare: Callable[[ModelJob, Batch], Callable[[], BatchResult]],
) -> None:
    """Send the model's next batches while the model and its silo have room."""
    per_silo, per_model = limits
    silo = job.desc.silo
    while job.ahead is not None and len(job.pending) < per_model and busy[silo] < per_silo:
        if any(f.done() and f.exception() is not None for f, _ in job.pending):
            return  # a batch failed: send nothing more of this model
        batch, job.ahead = job.ahead, next(job.batches, None)
        busy[silo] += 1
        job.pending.append((pool.submit(prepare(job, batch)), batch))


def _fold_done(job: ModelJob, handlers: Handlers) -> None:
    """Fold the model's finished batches from the front (raises a batch's failure)."""
    while job.pending and job.pending[0][0].done():
        future, batch = job.pending.popleft()
        handlers.fold(job, batch, future.result())
