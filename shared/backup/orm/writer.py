"""The set-based batch writer: decode, gate, remap, resolve collisions, bulk insert."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import models

from shared.backup.filters import Filter
from shared.backup.findings import Finding, FindingKind
from shared.backup.flags import ImportFlags
from shared.backup.orm.collisions import resolve_collisions
from shared.backup.orm.records import DecodedRecord, decode_record
from shared.backup.orm.registry import RelocatableModel
from shared.backup.pk_map import ImportKind, PkMapping, PrimaryKeyMap
from shared.backup.scopes import OperationScope


@dataclass(frozen=True, slots=True)
class BatchContext:
    """Everything about the run a batch needs."""

    scope: OperationScope
    flags: ImportFlags
    filters: Sequence[Filter]
    pk_map: PrimaryKeyMap


@dataclass(slots=True)
class BatchOutcome:
    """Where each record of the batch went, and what was noticed on the way."""

    mapped: dict[int, PkMapping] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)


def write_batch(
    rm: RelocatableModel, raw_records: Sequence[object], min_ordinal: int, ctx: BatchContext
) -> BatchOutcome:
    """Write one batch; the caller holds the transaction. Raises typed RelocationErrors."""
    name = rm.descriptor.name
    records = [
        decode_record(rm.model, name, raw, min_ordinal + i) for i, raw in enumerate(raw_records)
    ]
    outcome = BatchOutcome()
    outcome.findings.extend(_unknown_field_findings(name, records))
    records = _admitted(rm, records, ctx, outcome)
    records = _remapped(rm, records, ctx, outcome)
    normalize = getattr(rm.model, "relocation_normalize", None)
    if normalize is not None:
        for record in records:
            normalize(record.values, ctx)
    policies = [rm.policy(u) for u in rm.descriptor.unique_sets]
    resolution = resolve_collisions(rm.model, name, policies, records, ctx.flags)
    outcome.findings.extend(resolution.findings)
    to_insert = [r for r in records if r.ordinal not in resolution.reused]
    to_overwrite = [r for r in records if r.ordinal in resolution.reused]
    slug_field = rm.declaration.slug_field
    _overwrite(rm.model, to_overwrite, resolution.reused)
    for record in to_overwrite:
        pk, kind = resolution.reused[record.ordinal]
        slug = record.values.get(slug_field) if slug_field else None
        outcome.mapped[record.old_pk] = PkMapping(pk, kind, slug)
    created = rm.model._base_manager.bulk_create([_instance(rm.model, r) for r in to_insert])
    for record, obj in zip(to_insert, created, strict=True):
        slug = record.values.get(slug_field) if slug_field else None
        outcome.mapped[record.old_pk] = PkMapping(int(obj.pk), ImportKind.INSERTED, slug)
    return outcome


def _instance(model: type[models.Model], record: DecodedRecord) -> models.Model:
    """An unsaved model instance with the record's values (references by attname)."""
    kwargs: dict[str, Any] = {}
    for f in model._meta.concrete_fields:
        if f.name in record.values:
            kwargs[f.attname] = record.values[f.name]
    return model(**kwargs)


def _overwrite(
    model: type[models.Model],
    records: list[DecodedRecord],
    reused: dict[int, tuple[int, ImportKind]],
) -> None:
    """Write imported values onto existing rows for OVERWRITE decisions."""
    rows = []
    for record in records:
        pk, kind = reused[record.ordinal]
        if kind is ImportKind.OVERWRITE:
            obj = _instance(model, record)
            obj.pk = pk
            rows.append(obj)
    if rows:
        names = [f.name for f in model._meta.concrete_fields if not f.primary_key]
        model._base_manager.bulk_update(rows, names)


def _unknown_field_findings(model: str, records: list[DecodedRecord]) -> list[Finding]:
    """One finding per unknown field name, with how many records carried it."""
    counts = Counter(name for r in records for name in r.unknown_fields)
    return [
        Finding(
            kind=FindingKind.UNKNOWN_FIELD,
            model=model,
            field=name,
            reason=f"{count} record(s) carried unknown field {name!r}; the field was dropped",
        )
        for name, count in sorted(counts.items())
    ]


def _admitted(
    rm: RelocatableModel, records: list[DecodedRecord], ctx: BatchContext, outcome: BatchOutcome
) -> list[DecodedRecord]:
    """Drop records outside the scope or the run's filters, with a finding each."""
    name = rm.descriptor.name
    if not ctx.scope.admits_any(rm.descriptor.scopes):
        outcome.findings.extend(
            Finding(
                FindingKind.OUT_OF_SCOPE,
                name,
                r.ordinal,
                left_pk=r.old_pk,
                reason=f"{name} is not part of a {ctx.scope.value} import",
            )
            for r in records
        )
        return []
    kept = []
    for record in records:
        rejected = next((f for f in ctx.filters if not _passes(f, record)), None)
        if rejected is None:
            kept.append(record)
            continue
        outcome.findings.append(
            Finding(
                FindingKind.FILTERED,
                name,
                record.ordinal,
                left_pk=record.old_pk,
                field=rejected.field,
                reason=f"{rejected.field} is not in the filter",
            )
        )
    return kept


def _passes(flt: Filter, record: DecodedRecord) -> bool:
    value = record.old_pk if flt.field in ("pk", "id") else record.values.get(flt.field)
    return flt.admits(value)


def _remapped(
    rm: RelocatableModel, records: list[DecodedRecord], ctx: BatchContext, outcome: BatchOutcome
) -> list[DecodedRecord]:
    """Translate references through the pk map; skip (or null) what was not imported."""
    name = rm.descriptor.name
    kept = []
    for record in records:
        missing = None
        for fk in rm.descriptor.foreign_keys:
            old = record.values.get(fk.field)
            if old is None:
                continue
            new = ctx.pk_map.get_pk(fk.target, old)
            if new is not None:
                record.values[fk.field] = new
            elif fk.null_when_missing:
                record.values[fk.field] = None
                outcome.findings.append(
                    Finding(
                        FindingKind.REFERENCE_NULLED,
                        name,
                        record.ordinal,
                        left_pk=record.old_pk,
                        field=fk.field,
                        reason=f"{fk.target} pk {old} was not imported; {fk.field} set to null",
                    )
                )
            else:
                missing = (fk, old)
                break
        if missing is None:
            kept.append(record)
            continue
        fk, old = missing
        outcome.findings.append(
            Finding(
                FindingKind.REFERENCE_NOT_IMPORTED,
                name,
                record.ordinal,
                left_pk=record.old_pk,
                field=fk.field,
                reason=f"{fk.target} pk {old} was not imported, so this record was skipped",
            )
        )
    return kept
