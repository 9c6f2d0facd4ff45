"""The set-based batch writer: decode, gate, remap, normalize, resolve collisions, insert."""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.management.color import no_style
from django.db import connections, models

from shared.backup.declarations import RecordContext
from shared.backup.filters import Filter
from shared.backup.findings import Finding, FindingKind
from shared.backup.flags import ImportFlags
from shared.backup.orm.collisions import resolve_collisions
from shared.backup.orm.inserts import insert_rows, supports_fast_insert
from shared.backup.orm.records import DecodedRecord, decode_records
from shared.backup.orm.registry import RelocatableModel
from shared.backup.orm.undo_rows import snapshot_rows
from shared.backup.pk_map import ImportKind, PkMapping, PrimaryKeyMap
from shared.backup.scopes import OperationScope


@dataclass(frozen=True, slots=True)
class BatchContext:
    """Everything about the run a batch needs."""

    scope: OperationScope
    flags: ImportFlags
    filters: Sequence[Filter]
    pk_map: PrimaryKeyMap

    def for_record(self, record: DecodedRecord, model: str) -> RecordContext:
        """The context a model hook sees for one record."""
        return RecordContext(
            self.scope, self.flags, record.references, model, record.ordinal, record.old_pk
        )


@dataclass(slots=True)
class BatchOutcome:
    """Where each record of the batch went, and what was noticed on the way."""

    mapped: dict[int, PkMapping] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    previous: list[dict[str, Any]] = field(default_factory=list)
    """The rows the batch overwrote, as they were before (``undo_rows.snapshot_rows``)."""

    def skip(
        self,
        kind: FindingKind,
        model: str,
        record: DecodedRecord,
        reason: str,
        field_name: str | None = None,
    ) -> None:
        """Record that one record was not written, and why."""
        self.findings.append(
            Finding(
                kind, model, record.ordinal, left_pk=record.old_pk, field=field_name, reason=reason
            )
        )


def write_batch(
    rm: RelocatableModel, raw_records: Sequence[object], min_ordinal: int, ctx: BatchContext
) -> BatchOutcome:
    """Write one batch; the caller holds the transaction. Raises typed RelocationErrors."""
    name = rm.descriptor.name
    records = decode_records(rm.model, name, raw_records, min_ordinal)
    outcome = BatchOutcome()
    outcome.findings.extend(_unknown_field_findings(name, records))
    records = gate_records(rm, records, ctx, outcome)
    records = _owned_by_unmerged(rm, records, outcome)
    records = _instances_in_scope(rm, records, ctx, outcome)
    normalize = getattr(rm.model, "relocation_normalize", None)
    if normalize is not None:
        for record in records:
            normalize(record.values, ctx.for_record(record, name))
    resolution = resolve_collisions(
        rm.model,
        name,
        rm.declaration.collisions,
        records,
        ctx.flags,
        lambda record: _regenerate(rm, record, ctx),
    )
    outcome.findings.extend(resolution.findings)
    _write(
        rm,
        [r for r in records if r.ordinal not in resolution.aliases],
        resolution.reused,
        ctx,
        outcome,
    )
    _map_aliases(records, resolution.aliases, outcome)
    return outcome


def _map_aliases(
    records: list[DecodedRecord], aliases: dict[int, int], outcome: BatchOutcome
) -> None:
    """Map each duplicate of an earlier record of the batch onto that record's row."""
    old_pk_of = {r.ordinal: r.old_pk for r in records}
    for record in records:
        first = aliases.get(record.ordinal)
        if first is None:
            continue
        target = outcome.mapped[old_pk_of[first]]
        outcome.mapped[record.old_pk] = PkMapping(target.new_pk, ImportKind.EXISTING, target.slug)


def _write(
    rm: RelocatableModel,
    records: list[DecodedRecord],
    reused: dict[int, tuple[int, ImportKind]],
    ctx: BatchContext,
    outcome: BatchOutcome,
) -> None:
    """Overwrite reused rows where asked, bulk-insert the rest, and map every record."""
    slug_field = rm.declaration.slug_field
    to_insert = [r for r in records if r.ordinal not in reused]
    to_reuse = [r for r in records if r.ordinal in reused]
    outcome.previous.extend(_overwrite(rm, to_reuse, reused))
    for record in to_reuse:
        pk, kind = reused[record.ordinal]
        slug = record.values.get(slug_field) if slug_field else None
        outcome.mapped[record.old_pk] = PkMapping(pk, kind, slug)
    keep_pks = rm.declaration.keep_pk_in_global and ctx.scope is OperationScope.GLOBAL
    new_pks = _insert(rm.model, to_insert, keep_pks)
    if keep_pks and new_pks:
        _advance_sequence(rm.model)
    for record, new_pk in zip(to_insert, new_pks, strict=True):
        slug = record.values.get(slug_field) if slug_field else None
        outcome.mapped[record.old_pk] = PkMapping(new_pk, ImportKind.INSERTED, slug)


def _insert(model: type[models.Model], records: list[DecodedRecord], keep_pks: bool) -> list[int]:
    """Insert the records in one statement (PostgreSQL) or with ``bulk_create``; the new pks."""
    if not records:
        return []
    if supports_fast_insert(model):
        pks = [r.old_pk for r in records] if keep_pks else None
        return insert_rows(model, [r.values for r in records], pks)
    instances = [record_instance(model, r, r.old_pk if keep_pks else None) for r in records]
    return [int(obj.pk) for obj in model._base_manager.bulk_create(instances)]


def _regenerate(rm: RelocatableModel, record: DecodedRecord, ctx: BatchContext) -> None:
    """Fresh secrets for a record whose secret collided: the model's hook, else a 32-hex value."""
    hook = getattr(rm.model, "relocation_regenerate", None)
    if hook is not None:
        hook(record.values, ctx.for_record(record, rm.descriptor.name))
        return
    for policy in rm.declaration.collisions:
        for name in policy.fields:
            record.values[name] = secrets.token_hex(16)


def _advance_sequence(model: type[models.Model]) -> None:
    """Move the table's id sequence past rows inserted with explicit pks (PostgreSQL needs it)."""
    connection = connections[model._base_manager.db]
    statements = connection.ops.sequence_reset_sql(no_style(), [model])
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


def record_instance(
    model: type[models.Model], record: DecodedRecord, pk: int | None
) -> models.Model:
    """An unsaved model instance with the record's values (references by attname)."""
    kwargs: dict[str, Any] = {}
    for f in model._meta.concrete_fields:
        if f.name in record.values:
            kwargs[f.attname] = record.values[f.name]
    obj = model(**kwargs)
    if pk is not None:
        obj.pk = pk
    return obj


def _overwrite(
    rm: RelocatableModel,
    records: list[DecodedRecord],
    reused: dict[int, tuple[int, ImportKind]],
) -> list[dict[str, Any]]:
    """Write imported values onto existing rows for OVERWRITE decisions; return those rows as
    they were before (what undoing the batch writes back)."""
    rows = []
    for record in records:
        pk, kind = reused[record.ordinal]
        if kind is ImportKind.OVERWRITE:
            rows.append(record_instance(rm.model, record, pk))
    if not rows:
        return []
    previous = snapshot_rows(rm.model, rm.descriptor.name, [int(row.pk) for row in rows])
    update_rows(rm.model, rows)
    return previous


def update_rows(model: type[models.Model], rows: list[models.Model]) -> None:
    """Write every concrete field of ``rows`` (instances with their pks) in one statement."""
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


def gate_records(
    rm: RelocatableModel, records: list[DecodedRecord], ctx: BatchContext, outcome: BatchOutcome
) -> list[DecodedRecord]:
    """The records every model's batch lets through to its write: those in the run's scope and
    filters, with their references translated through the pk map (the rest skipped, or their
    reference nulled, with a finding each). Model-specific writers call it too."""
    return _remapped(rm, _admitted(rm, records, ctx, outcome), ctx, outcome)


def _admitted(
    rm: RelocatableModel, records: list[DecodedRecord], ctx: BatchContext, outcome: BatchOutcome
) -> list[DecodedRecord]:
    """Drop records outside the scope or the run's filters, with a finding each."""
    name = rm.descriptor.name
    if not ctx.scope.admits_any(rm.descriptor.scopes):
        for record in records:
            outcome.skip(
                FindingKind.OUT_OF_SCOPE,
                name,
                record,
                f"{name} is not part of a {ctx.scope.value} import",
            )
        return []
    kept = []
    for record in records:
        rejected = next((f for f in ctx.filters if not _passes(f, record)), None)
        if rejected is None:
            kept.append(record)
        else:
            outcome.skip(
                FindingKind.FILTERED,
                name,
                record,
                f"{rejected.field} is not in the filter",
                rejected.field,
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
        missing: str | None = None
        for fk in rm.descriptor.foreign_keys:
            old = record.values.get(fk.field)
            if old is None:
                continue
            entry = ctx.pk_map.get(fk.target, old)
            if entry is not None:
                record.values[fk.field] = entry.new_pk
                record.references[fk.field] = entry
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
                missing = f"{fk.target} pk {old} was not imported, so this record was skipped"
                outcome.skip(FindingKind.REFERENCE_NOT_IMPORTED, name, record, missing, fk.field)
                break
        if missing is None:
            kept.append(record)
    return kept


def _owned_by_unmerged(
    rm: RelocatableModel, records: list[DecodedRecord], outcome: BatchOutcome
) -> list[DecodedRecord]:
    """Skip rows owned by a user that was merged into an existing one (--merge-users)."""
    fields = rm.declaration.skip_when_owner_merged
    if not fields:
        return records
    kept = []
    for record in records:
        merged = next(
            (
                f
                for f in fields
                if (e := record.references.get(f)) and e.kind is ImportKind.EXISTING
            ),
            None,
        )
        if merged is None:
            kept.append(record)
        else:
            outcome.skip(
                FindingKind.OWNER_MERGED,
                rm.descriptor.name,
                record,
                f"{merged} was merged into an existing row; its own rows are kept",
                merged,
            )
    return kept


def _instances_in_scope(
    rm: RelocatableModel, records: list[DecodedRecord], ctx: BatchContext, outcome: BatchOutcome
) -> list[DecodedRecord]:
    """For models whose instances decide their scope, skip instances the run does not admit."""
    decide = getattr(rm.model, "relocation_instance_scope", None)
    if decide is None:
        return records
    kept = []
    for record in records:
        scope = decide(record.values)
        if scope in ctx.scope.admits:
            kept.append(record)
        else:
            outcome.skip(
                FindingKind.OUT_OF_SCOPE,
                rm.descriptor.name,
                record,
                f"this instance is {scope.name.title()}-scoped, not part of a "
                f"{ctx.scope.value} import",
            )
    return kept
