"""Import orchestration: pre-flight checks, dependency order, batching, pk-map threading, slug
reservation and per-model reconciliation."""

from __future__ import annotations

import time
from collections import Counter, deque
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from shared.backup.batch_schedule import BatchResult, ModelJob, run_phase
from shared.backup.chunks import ImportChunk
from shared.backup.dependencies import DependencyGraph
from shared.backup.descriptors import ModelDescriptor, Silo
from shared.backup.errors import UnaccountedRecordsError
from shared.backup.filters import Filter
from shared.backup.findings import SKIPPING_KINDS, Finding, FindingKind
from shared.backup.flags import ImportFlags
from shared.backup.import_batches import Batch, cut_batches
from shared.backup.model_names import ModelName
from shared.backup.natural_keys import resolve_natural_keys
from shared.backup.obsolete import apply_version_shims
from shared.backup.pk_map import ImportKind, PkMapping, PrimaryKeyMap
from shared.backup.ports import ModelSink, OrganizationSlug, RegionImportSteps, SlugReserver
from shared.backup.progress import NoProgress, Progress
from shared.backup.references import check_references
from shared.backup.relocation_records import RelocationStep
from shared.backup.scopes import OperationScope
from shared.backup.streaming import ExportContents
from shared.backup.validation import validate_contents

ORGANIZATION = ModelName("sentry.organization")
# Imported after slugs are reserved globally, because new tokens are minted from the final slug.
DEFERRED_MODELS = (ModelName("sentry.orgauthtoken"),)
DEFAULT_BATCH_SIZE = 2000
# Control chunks whose region replica may be in flight at once.
MAX_PENDING_REPLICAS = 8


@dataclass(frozen=True, slots=True)
class ImportTargets:
    """Where the import writes: one sink per silo, plus the region's and control's extra steps."""

    sinks: Mapping[Silo, ModelSink]
    region: RegionImportSteps
    slugs: SlugReserver
    region_name: str


@dataclass(frozen=True, slots=True)
class ImportRun:
    """What one run imports and how."""

    scope: OperationScope
    flags: ImportFlags
    filters: Sequence[Filter] = ()
    batch_size: int = DEFAULT_BATCH_SIZE


@dataclass(slots=True)
class ModelCounts:
    """Per-model reconciliation: every record in the file is accounted for exactly once."""

    in_file: int = 0
    written: Counter[ImportKind] = field(default_factory=Counter)
    skipped: Counter[FindingKind] = field(default_factory=Counter)
    collisions: int = 0
    seconds: float = 0.0
    """Wall time spent importing the model's batches."""

    @property
    def unaccounted(self) -> int:
        """Records neither written nor skipped by a named rule (must be 0)."""
        return self.in_file - sum(self.written.values()) - sum(self.skipped.values())

    def as_dict(self) -> dict[str, int]:
        """The counts by outcome name, for the report file and the console."""
        out = {"in_file": self.in_file, "collisions_resolved": self.collisions}
        out |= {kind.value.lower(): n for kind, n in self.written.items()}
        out |= {f"skipped_{kind.value}": n for kind, n in self.skipped.items()}
        return out


@dataclass(slots=True)
class ImportReport:
    """What an import did (or, in a dry run, would do)."""

    pk_map: PrimaryKeyMap = field(default_factory=PrimaryKeyMap)
    findings: list[Finding] = field(default_factory=list)
    counts: dict[ModelName, ModelCounts] = field(default_factory=dict)
    batches: int = 0
    replayed_batches: int = 0
    slugs: dict[int, str] = field(default_factory=dict)
    cleared: dict[str, int] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        """Per model the counts (in file = inserted + existing + overwritten + skipped by rule)
        and seconds spent, plus the batch totals: the body of the report file."""
        return {
            "models": {
                model: {**c.as_dict(), "seconds": round(c.seconds, 3)}
                for model, c in self.counts.items()
            },
            "batches": self.batches,
            "replayed_batches": self.replayed_batches,
            "cleared_rows": dict(self.cleared),
        }


def plan_import(
    contents: ExportContents, graph: DependencyGraph, *, strict: bool = False
) -> list[Finding]:
    """Check everything that can be checked without writing; raise on the first bad record.

    Reads fields older Sentry versions wrote into their current fields (``shared.backup.obsolete``),
    resolves natural-key user references, validates every record against its model's field
    schemas, and checks that every reference points at a record the export holds. Returns the
    warnings (unknown models and fields).
    """
    shimmed = apply_version_shims(contents, graph)
    resolve_natural_keys(contents, graph)
    findings = validate_contents(contents, graph, strict=strict) + shimmed
    check_references(contents, graph)
    return findings


def run_import(
    contents: ExportContents,
    *,
    graph: DependencyGraph,
    run: ImportRun,
    targets: ImportTargets,
    warnings: Sequence[Finding] = (),
    progress: Progress | None = None,
) -> ImportReport:
    """Import every admitted model in dependency order; return the report.

    ``contents`` must have passed ``plan_import``. A Global import clears both silos first
    (unless it is a dry run), control first, after both agreed to it (``check_global_clear``).
    Orgs' slugs are reserved in control before deferred models.
    """
    report = ImportReport(findings=list(warnings))
    progress = progress or NoProgress()
    if run.scope is OperationScope.GLOBAL:
        check_global_clear(targets, run.flags.import_uuid)
        if not run.flags.dry_run:
            progress.step(RelocationStep.CLEARING)
            for sink in _clearing_order(targets):
                report.cleared |= sink.clear_models(
                    import_uuid=run.flags.import_uuid, region_name=targets.region_name
                )
    order = [m for m in graph.sorted_models() if m not in DEFERRED_MODELS]
    deferred = [m for m in graph.sorted_models() if m in DEFERRED_MODELS]
    replicas = _Replicas(targets.region)
    try:
        progress.step(RelocationStep.IMPORTING)
        phase = _Phase(contents, run, targets, report, progress, replicas)
        first = len(report.findings)
        run_phase(order, graph, phase)
        _in_model_order(report, graph, first=first)
        replicas.drain()
        if not run.flags.dry_run:
            progress.step(RelocationStep.SLUGS)
            _reserve_slugs(contents, targets, report)
        progress.step(RelocationStep.DEFERRED)
        first = len(report.findings)
        run_phase(deferred, graph, phase)
        _in_model_order(report, graph, first=first)
        replicas.drain()
    finally:
        replicas.close()
    for model, counts in report.counts.items():
        if counts.unaccounted:
            raise UnaccountedRecordsError(model, counts.unaccounted)
    return report


def _in_model_order(report: ImportReport, graph: DependencyGraph, *, first: int) -> None:
    """Put the findings of the writes in dependency order of their models (batch order within
    one), as a serial import reports them; models that overlapped finished in any order."""
    position: dict[str, int] = {name: i for i, name in enumerate(graph.sorted_models())}
    written = sorted(report.findings[first:], key=lambda f: position.get(f.model, len(position)))
    report.findings[first:] = written


def check_global_clear(targets: ImportTargets, import_uuid: str) -> None:
    """Ask every silo whether it would let a Global import into ``targets.region_name`` clear
    it; raise the first refusal. Changes nothing (a dry run and the CLI's prompt call it).

    Why: control is shared by every region it serves, so clearing it for one region's Global
    import deletes what the other regions' organizations refer to. Each silo decides again,
    atomically, when the real clear comes.
    """
    for sink in _clearing_order(targets):
        sink.clear_models(
            import_uuid=import_uuid, region_name=targets.region_name, validate_only=True
        )


def _clearing_order(targets: ImportTargets) -> list[ModelSink]:
    """Control first: it is the silo that may refuse, and a refusal must leave the region as it
    was."""
    order = (Silo.CONTROL, Silo.REGION)
    return [targets.sinks[silo] for silo in order if silo in targets.sinks]


class _Replicas:
    """Control chunks' replicas, written to the region on a background thread.

    Why: a replica is a second RPC per control batch that nothing later in the run reads, so it
    need not hold up the next batch. One worker keeps them in order; at most
    ``MAX_PENDING_REPLICAS`` wait (memory stays flat), and ``drain()`` re-raises a failure.
    """

    def __init__(self, region: RegionImportSteps) -> None:
        self._region = region
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="relocate-replica")
        self._pending: deque[Future[bool]] = deque()

    def submit(self, chunk: ImportChunk) -> None:
        """Queue one replica, first waiting for the oldest when too many are in flight."""
        while len(self._pending) >= MAX_PENDING_REPLICAS:
            self._pending.popleft().result()
        call = self._region.record_control_import_chunk_replica
        self._pending.append(self._pool.submit(lambda: call(chunk=chunk)))

    def drain(self) -> None:
        """Wait for every queued replica; raises the first failure."""
        while self._pending:
            self._pending.popleft().result()

    def close(self) -> None:
        """Stop the worker (after a failure, queued replicas are dropped)."""
        self._pool.shutdown(wait=True, cancel_futures=True)


class _Phase:
    """The import's side of the batch schedule (``batch_schedule.Handlers``): what each model
    sends and how its results enter the report."""

    def __init__(
        self,
        contents: ExportContents,
        run: ImportRun,
        targets: ImportTargets,
        report: ImportReport,
        progress: Progress,
        replicas: _Replicas,
    ) -> None:
        self._contents = contents
        self._run = run
        self._targets = targets
        self._report = report
        self._progress = progress
        self._replicas = replicas

    def start(self, desc: ModelDescriptor) -> ModelJob | None:
        """Count the model's records; a job for its batches when it is in scope."""
        records = self._contents.by_model.get(desc.name)
        if not records:
            return None
        counts = self._report.counts.setdefault(desc.name, ModelCounts())
        counts.in_file = len(records)
        scope = self._run.scope
        if not scope.admits_any(desc.scopes):
            counts.skipped[FindingKind.OUT_OF_SCOPE] += len(records)
            self._report.findings.append(
                Finding(
                    FindingKind.OUT_OF_SCOPE,
                    desc.name,
                    reason=f"{len(records)} record(s) are not part of a {scope.value} import",
                )
            )
            return None
        self._progress.begin(desc.name, len(records))
        return ModelJob(desc, cut_batches(records, desc, self._run.batch_size))

    def prepare(self, job: ModelJob, batch: Batch) -> Callable[[], BatchResult]:
        """One ImportByModel call, its pk-map subset cut now (on the scheduling thread)."""
        desc, run = job.desc, self._run
        sink = self._targets.sinks[desc.silo]
        pk_map = self._report.pk_map.subset(batch.references)
        return lambda: sink.import_by_model(
            model=desc.name,
            scope=run.scope,
            flags=run.flags,
            filters=run.filters,
            pk_map=pk_map,
            records_json=batch.encoded,
            min_ordinal=batch.ordinal,
        )

    def fold(self, job: ModelJob, batch: Batch, result: BatchResult) -> None:
        """Count the batch, extend the pk map, keep its findings, queue its replica."""
        chunk, replayed = result
        desc, report = job.desc, self._report
        counts = report.counts[desc.name]
        report.batches += 1
        report.replayed_batches += int(replayed)
        report.pk_map.extend(desc.name, chunk.mapped)
        # Unknown fields were reported once per model by the pre-flight check.
        report.findings.extend(f for f in chunk.findings if f.kind is not FindingKind.UNKNOWN_FIELD)
        counts.written.update(entry.kind for entry in chunk.mapped.values())
        counts.skipped.update(f.kind for f in chunk.findings if f.kind in SKIPPING_KINDS)
        counts.collisions += sum(f.kind is FindingKind.COLLISION_RESOLVED for f in chunk.findings)
        if desc.silo is Silo.CONTROL and not self._run.flags.dry_run:
            self._replicas.submit(chunk)
        self._progress.advance(desc.name, batch.count)

    def finish(self, job: ModelJob) -> None:
        """The model's wall time, and its progress line closed."""
        self._report.counts[job.desc.name].seconds += time.perf_counter() - job.started
        self._progress.end(job.desc.name)


def _reserve_slugs(contents: ExportContents, targets: ImportTargets, report: ImportReport) -> None:
    """Reserve imported organizations' slugs in control, then apply the final ones in the region."""
    names = {
        r["pk"]: str(r["fields"].get("name") or "") for r in contents.by_model.get(ORGANIZATION, [])
    }
    wanted = [
        OrganizationSlug(entry.new_pk, entry.slug or "", names.get(old_pk, ""))
        for old_pk, entry in report.pk_map.of_model(ORGANIZATION).items()
        if entry.kind is ImportKind.INSERTED
    ]
    if not wanted:
        return
    reserved = targets.slugs.bulk_create_organization_slug_reservations(
        region_name=targets.region_name, organizations=wanted
    )
    targets.region.apply_organization_slugs(slugs=reserved)
    report.slugs = dict(reserved)
    for old_pk, entry in list(report.pk_map.of_model(ORGANIZATION).items()):
        final = reserved.get(entry.new_pk)
        if final is not None and final != entry.slug:
            report.pk_map.insert(ORGANIZATION, old_pk, PkMapping(entry.new_pk, entry.kind, final))
