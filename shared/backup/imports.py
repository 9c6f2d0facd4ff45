"""Import orchestration: pre-flight checks, dependency order, batching, pk-map threading, slug
reservation and per-model reconciliation."""

from __future__ import annotations

import time
from collections import Counter, deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import orjson

from shared.backup.chunks import ImportChunk
from shared.backup.dependencies import DependencyGraph
from shared.backup.descriptors import ModelDescriptor, Silo
from shared.backup.errors import UnaccountedRecordsError
from shared.backup.filters import Filter
from shared.backup.findings import SKIPPING_KINDS, Finding, FindingKind
from shared.backup.flags import ImportFlags
from shared.backup.limits import MAX_BATCH_BYTES
from shared.backup.model_names import ModelName
from shared.backup.natural_keys import resolve_natural_keys
from shared.backup.obsolete import apply_version_shims
from shared.backup.pk_map import ImportKind, PkMapping, PrimaryKeyMap
from shared.backup.ports import ModelSink, OrganizationSlug, RegionImportSteps, SlugReserver
from shared.backup.progress import NoProgress, Progress
from shared.backup.references import check_references
from shared.backup.relocation_records import RelocationStep
from shared.backup.scopes import OperationScope
from shared.backup.spool import Record, SpooledRecords
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
        for model in order:
            _import_model(contents, graph.get(model), run, targets, report, progress, replicas)
        replicas.drain()
        if not run.flags.dry_run:
            progress.step(RelocationStep.SLUGS)
            _reserve_slugs(contents, targets, report)
        progress.step(RelocationStep.DEFERRED)
        for model in deferred:
            _import_model(contents, graph.get(model), run, targets, report, progress, replicas)
        replicas.drain()
    finally:
        replicas.close()
    for model, counts in report.counts.items():
        if counts.unaccounted:
            raise UnaccountedRecordsError(model, counts.unaccounted)
    return report


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


def _import_model(
    contents: ExportContents,
    desc: ModelDescriptor,
    run: ImportRun,
    targets: ImportTargets,
    report: ImportReport,
    progress: Progress,
    replicas: _Replicas,
) -> None:
    records = contents.by_model.get(desc.name)
    if not records:
        return
    counts = report.counts.setdefault(desc.name, ModelCounts())
    counts.in_file = len(records)
    if run.scope.admits_any(desc.scopes):
        progress.begin(desc.name, len(records))
        started = time.perf_counter()
        _import_batches(records, desc, run, targets, report, counts, progress, replicas)
        counts.seconds += time.perf_counter() - started
        progress.end(desc.name)
    else:
        counts.skipped[FindingKind.OUT_OF_SCOPE] += len(records)
        report.findings.append(
            Finding(
                FindingKind.OUT_OF_SCOPE,
                desc.name,
                reason=f"{len(records)} record(s) are not part of a {run.scope.value} import",
            )
        )


def _import_batches(
    records: SpooledRecords,
    desc: ModelDescriptor,
    run: ImportRun,
    targets: ImportTargets,
    report: ImportReport,
    counts: ModelCounts,
    progress: Progress,
    replicas: _Replicas,
) -> None:
    sink = targets.sinks[desc.silo]
    done = 0
    for batch, records_json in _within_bytes(records.batches(run.batch_size)):
        chunk, replayed = sink.import_by_model(
            model=desc.name,
            scope=run.scope,
            flags=run.flags,
            filters=run.filters,
            pk_map=report.pk_map.subset(_referenced(desc, batch)),
            records_json=records_json,
            min_ordinal=done + 1,
        )
        done += len(batch)
        report.batches += 1
        report.replayed_batches += int(replayed)
        report.pk_map.extend(desc.name, chunk.mapped)
        # Unknown fields were reported once per model by the pre-flight check.
        report.findings.extend(f for f in chunk.findings if f.kind is not FindingKind.UNKNOWN_FIELD)
        counts.written.update(entry.kind for entry in chunk.mapped.values())
        counts.skipped.update(f.kind for f in chunk.findings if f.kind in SKIPPING_KINDS)
        counts.collisions += sum(f.kind is FindingKind.COLLISION_RESOLVED for f in chunk.findings)
        if desc.silo is Silo.CONTROL and not run.flags.dry_run:
            replicas.submit(chunk)
        progress.advance(desc.name, len(batch))


def _within_bytes(batches: Iterable[list[Record]]) -> Iterator[tuple[list[Record], bytes]]:
    """Each batch with its encoding, halved until it fits MAX_BATCH_BYTES (or is one record).

    Batches are cut by count first; large records (up to MAX_RECORD_BYTES each) could otherwise
    make one ImportByModel message exceed the transport's size limit. The cut depends only on
    the file and the batch size, so a resumed import sends the same batches (same ordinals).
    """
    for batch in batches:
        pending = [batch]
        while pending:
            part = pending.pop()
            encoded = orjson.dumps(part)
            if len(encoded) <= MAX_BATCH_BYTES or len(part) == 1:
                yield part, encoded
            else:
                half = len(part) // 2
                pending += [part[half:], part[:half]]


def _referenced(desc: ModelDescriptor, batch: list[Record]) -> dict[ModelName, set[int]]:
    """The old pks each referenced model must map for this batch: only what the batch needs."""
    wanted: dict[ModelName, set[int]] = {}
    for fk in desc.foreign_keys:
        values = {v for r in batch if isinstance(v := r["fields"].get(fk.field), int)}
        if values:
            wanted.setdefault(fk.target, set()).update(values)
    return wanted


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
