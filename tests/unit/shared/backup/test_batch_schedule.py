"""batch_schedule.run_phase: models overlap when their dependencies allow, a bounded number of a
model's batches in flight, results folded in batch order on the calling thread, the first
failure raised."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest

from shared.backup.batch_schedule import BatchResult, ModelJob, run_phase
from shared.backup.chunks import ImportChunk
from shared.backup.dependencies import DependencyGraph
from shared.backup.descriptors import ForeignKey, ModelDescriptor, Silo
from shared.backup.import_batches import Batch
from shared.backup.model_names import ModelName
from shared.backup.scopes import RelocationScope

Event = tuple[str, str, int]


def descriptor(name: str, silo: Silo, deps: tuple[str, ...] = ()) -> ModelDescriptor:
    return ModelDescriptor(
        name=ModelName(name),
        silo=silo,
        scopes=frozenset({RelocationScope.GLOBAL}),
        foreign_keys=tuple(ForeignKey(f"{d.split('.')[1]}", ModelName(d)) for d in deps),
    )


class Recorder:
    """Handlers that log start/end of every batch call (with a short sleep to let calls
    overlap) and check invariants as they fold."""

    def __init__(self, batches: dict[str, int], *, fail: tuple[str, int] | None = None) -> None:
        self.batches = batches
        self.fail = fail
        self.events: list[Event] = []
        self.folded: dict[str, list[int]] = {}
        self.finished: list[str] = []
        self.lock = threading.Lock()
        self.main = threading.get_ident()
        self.in_flight: dict[str, int] = {}
        self.max_in_flight_per_model = 0

    def start(self, desc: ModelDescriptor) -> ModelJob | None:
        n = self.batches.get(desc.name, 0)
        if n == 0:
            return None
        return ModelJob(desc, iter([Batch(i, 1, b"[{}]", {}) for i in range(1, n + 1)]))

    def prepare(self, job: ModelJob, batch: Batch) -> Callable[[], BatchResult]:
        assert threading.get_ident() == self.main
        name, ordinal = job.desc.name, batch.ordinal

        def call() -> BatchResult:
            with self.lock:
                self.events.append(("begin", name, ordinal))
                self.in_flight[name] = self.in_flight.get(name, 0) + 1
                self.max_in_flight_per_model = max(
                    self.max_in_flight_per_model, self.in_flight[name]
                )
            time.sleep(0.02)
            with self.lock:
                self.in_flight[name] -= 1
                self.events.append(("end", name, ordinal))
            if self.fail == (name, ordinal):
                raise RuntimeError(f"batch {ordinal} of {name} failed")
            chunk = ImportChunk(
                import_uuid="u", model=name, min_ordinal=ordinal, max_ordinal=ordinal
            )
            return chunk, False

        return call

    def fold(self, job: ModelJob, batch: Batch, result: BatchResult) -> None:
        assert threading.get_ident() == self.main
        self.folded.setdefault(job.desc.name, []).append(result[0].min_ordinal)

    def finish(self, job: ModelJob) -> None:
        assert threading.get_ident() == self.main
        self.finished.append(job.desc.name)


def graph() -> DependencyGraph:
    return DependencyGraph.from_descriptors(
        [
            descriptor("sentry.user", Silo.CONTROL),
            descriptor("sentry.email", Silo.CONTROL),
            descriptor("sentry.organization", Silo.REGION),
            descriptor("sentry.member", Silo.REGION, ("sentry.user", "sentry.organization")),
        ]
    )


def first(events: list[Event], kind: str, model: str) -> int:
    return next(i for i, e in enumerate(events) if e[0] == kind and e[1] == model)


def last(events: list[Event], kind: str, model: str) -> int:
    return max(i for i, e in enumerate(events) if e[0] == kind and e[1] == model)


def test_independent_models_overlap_and_dependents_wait_for_all_their_dependencies() -> None:
    g = graph()
    rec = Recorder(
        {"sentry.user": 4, "sentry.email": 4, "sentry.organization": 4, "sentry.member": 3}
    )
    run_phase(list(g.sorted_models()), g, rec)
    ev = rec.events
    # user, email (control) and organization (region) are in flight together at some moment.
    assert first(ev, "begin", "sentry.email") < last(ev, "end", "sentry.user")
    assert first(ev, "begin", "sentry.organization") < last(ev, "end", "sentry.user")
    # member starts only after every batch of user and organization ended.
    assert first(ev, "begin", "sentry.member") > last(ev, "end", "sentry.user")
    assert first(ev, "begin", "sentry.member") > last(ev, "end", "sentry.organization")
    # At most two batches of a model in flight (the silo writes them in order), folded in
    # order, every model finished once.
    assert rec.max_in_flight_per_model == 2
    assert rec.folded == {
        "sentry.user": [1, 2, 3, 4],
        "sentry.email": [1, 2, 3, 4],
        "sentry.organization": [1, 2, 3, 4],
        "sentry.member": [1, 2, 3],
    }
    assert sorted(rec.finished) == sorted(rec.folded)


def test_a_silo_never_has_more_calls_in_flight_than_its_limit() -> None:
    g = graph()
    rec = Recorder({"sentry.user": 3, "sentry.email": 3, "sentry.organization": 3})
    run_phase(list(g.sorted_models()), g, rec, in_flight_per_silo=1, in_flight_per_model=3)
    control = {"sentry.user", "sentry.email"}
    depth = 0
    for kind, model, _ in rec.events:
        if model in control:
            depth += 1 if kind == "begin" else -1
            assert depth <= 1


def test_a_failed_batch_is_raised_after_the_calls_in_flight_end_and_nothing_follows_it() -> None:
    g = graph()
    rec = Recorder(
        {"sentry.user": 3, "sentry.email": 3, "sentry.organization": 3, "sentry.member": 2},
        fail=("sentry.user", 2),
    )
    with pytest.raises(RuntimeError, match=r"batch 2 of sentry\.user failed"):
        run_phase(list(g.sorted_models()), g, rec, in_flight_per_model=1)
    begun = [(m, o) for kind, m, o in rec.events if kind == "begin"]
    assert ("sentry.user", 3) not in begun
    assert not any(m == "sentry.member" for m, _ in begun)
    # Every call that began also ended before run_phase returned.
    assert len([e for e in rec.events if e[0] == "end"]) == len(begun)
    assert rec.folded["sentry.user"] == [1]
