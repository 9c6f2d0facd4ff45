"""Import orchestration: dependency order, batching, pk-map threading, slug reservation."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import orjson

from shared.backup.dependencies import DependencyGraph
from shared.backup.descriptors import ModelDescriptor, Silo
from shared.backup.errors import UnaccountedRecordsError
from shared.backup.filters import Filter
from shared.backup.findings import SKIPPING_KINDS, Finding, FindingKind
from shared.backup.flags import ImportFlags
from shared.backup.model_names import ModelName
from shared.backup.pk_map import ImportKind, PkMapping, PrimaryKeyMap
from shared.backup.ports import ModelSink, OrganizationSlug, RegionImportSteps, SlugReserver
from shared.backup.references import check_references
from shared.backup.scopes import OperationScope
from shared.backup.streaming import ExportContents, Record

ORGANIZATION = ModelName("sentry.organization")
# Imported after slugs are reserved globally, because new tokens are minted from the final slug.
DEFERRED_MODELS = (ModelName("sentry.orgauthtoken"),)
DEFAULT_BATCH_SIZE = 500


@dataclass(frozen=True, slots=True)
class ImportTargets:
    """Where the import writes: one sink per silo, plus the region's and control's extra steps."""

    sinks: Mapping[Silo, ModelSink]
    region: RegionImportSteps
    slugs: SlugReserver
    region_name: str


@dataclass(slots=True)
class ModelCounts:
    """Per-model reconciliation: every record in the file is accounted for exactly once."""

    in_file: int = 0
    written: Counter[ImportKind] = field(default_factory=Counter)
    skipped: Counter[FindingKind] = field(default_factory=Counter)

    @property
    def unaccounted(self) -> int:
        """Records neither written nor skipped by a named rule (must be 0)."""
        return self.in_file - sum(self.written.values()) - sum(self.skipped.values())


@dataclass(slots=True)
class ImportReport:
    """What an import did."""

    pk_map: PrimaryKeyMap = field(default_factory=PrimaryKeyMap)
    findings: list[Finding] = field(default_factory=list)
    counts: dict[ModelName, ModelCounts] = field(default_factory=dict)
    batches: int = 0
    replayed_batches: int = 0
    slugs: dict[int, str] = field(default_factory=dict)


def run_import(
    contents: ExportContents,
    *,
    graph: DependencyGraph,
    scope: OperationScope,
    flags: ImportFlags,
    filters: Sequence[Filter],
    targets: ImportTargets,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: Callable[[str], None] = lambda _msg: None,
) -> ImportReport:
    """Import every admitted model in dependency order; return the report."""
    check_references(contents, graph)
    report = ImportReport(findings=contents.findings())
    order = [m for m in graph.sorted_models() if m not in DEFERRED_MODELS]
    deferred = [m for m in graph.sorted_models() if m in DEFERRED_MODELS]
    for model in order:
        _import_model(
            contents, graph.get(model), scope, flags, filters, targets, batch_size, report
        )
        progress(model)
    _reserve_slugs(contents, targets, report)
    for model in deferred:
        _import_model(
            contents, graph.get(model), scope, flags, filters, targets, batch_size, report
        )
        progress(model)
    for model, counts in report.counts.items():
        if counts.unaccounted:
            raise UnaccountedRecordsError(model, counts.unaccounted)
    return report


def _import_model(
    contents: ExportContents,
    desc: ModelDescriptor,
    scope: OperationScope,
    flags: ImportFlags,
    filters: Sequence[Filter],
    targets: ImportTargets,
    batch_size: int,
    report: ImportReport,
) -> None:
    records = contents.by_model.get(desc.name)
    if not records:
        return
    counts = report.counts.setdefault(desc.name, ModelCounts())
    counts.in_file = len(records)
    if not scope.admits_any(desc.scopes):
        counts.skipped[FindingKind.OUT_OF_SCOPE] += len(records)
        report.findings.append(
            Finding(
                FindingKind.OUT_OF_SCOPE,
                desc.name,
                reason=f"{len(records)} record(s) are not part of a {scope.value} import",
            )
        )
        return
    sink = targets.sinks[desc.silo]
    for start in range(0, len(records), batch_size):
        batch = records[start : start + batch_size]
        chunk, replayed = sink.import_by_model(
            model=desc.name,
            scope=scope,
            flags=flags,
            filters=filters,
            pk_map=report.pk_map.subset(_referenced(desc, batch)),
            records_json=orjson.dumps(batch),
            min_ordinal=start + 1,
        )
        report.batches += 1
        report.replayed_batches += int(replayed)
        report.pk_map.extend(desc.name, chunk.mapped)
        report.findings.extend(chunk.findings)
        counts.written.update(entry.kind for entry in chunk.mapped.values())
        counts.skipped.update(
            f.kind for f in chunk.findings if f.kind in SKIPPING_KINDS and f.ordinal
        )
        if desc.silo is Silo.CONTROL:
            targets.region.record_control_import_chunk_replica(chunk=chunk)


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
