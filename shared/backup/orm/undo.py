"""Undoing one import in one silo: plan it (what goes, what comes back, what refuses it), then
undo it chunk by chunk, each in its own transaction.

Why per chunk: a chunk is the unit the import wrote atomically, and its ledger row says exactly
what it inserted and what it overwrote (with the rows as they were). Deleting the ledger row in
the transaction that undoes the chunk makes every step idempotent: an interrupted undo resumes
with the chunks left, and undoing a chunk that is gone is a no-op.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import models, transaction

from shared.backup.orm.records import decode_records
from shared.backup.orm.registry import SiloRegistry
from shared.backup.orm.undo_rows import LOOKUP_CHUNK, row_digests
from shared.backup.orm.writer import record_instance, update_rows
from shared.backup.undoing import ChunkPlan, ChunkUndone

# Rows named per reason and model when an undo is refused (the count is always given).
MAX_NAMED = 10


@dataclass(slots=True)
class SiloUndoPlan:
    """One silo's part of an undo."""

    chunks: list[ChunkPlan] = field(default_factory=list)
    blockers: list[str] = field(default_factory=list)
    """Why the undo may not run, each naming rows; empty when it may."""

    def inserted(self) -> dict[str, set[int]]:
        """Pks to delete, by model."""
        out: dict[str, set[int]] = {}
        for chunk in self.chunks:
            out.setdefault(chunk.model, set()).update(chunk.inserted)
        return out


def plan_undo(
    registry: SiloRegistry,
    chunk_model: type[models.Model],
    import_uuid: str,
    removed: Mapping[str, Collection[int]],
) -> SiloUndoPlan:
    """This silo's chunks of ``import_uuid`` and what refuses undoing them.

    ``removed``: rows the undo deletes in every silo, by model (this silo's are added). Refused
    when a row outside the import refers to one of them, or a row the import wrote was changed
    since (its digest differs from the one its chunk took).
    """
    rows = list(
        chunk_model._base_manager.filter(import_uuid=import_uuid)
        .order_by("model", "min_ordinal")
        .values("model", "min_ordinal", "inserted_map", "overwrite_map", "written_digests")
    )
    plan = SiloUndoPlan()
    own: dict[str, set[int]] = {}
    expected: dict[str, dict[str, str]] = {}
    for row in rows:
        inserted = tuple(sorted(int(v) for v in (row["inserted_map"] or {}).values()))
        restored = tuple(sorted({int(v) for v in (row["overwrite_map"] or {}).values()}))
        plan.chunks.append(ChunkPlan(row["model"], row["min_ordinal"], inserted, restored))
        own.setdefault(row["model"], set()).update(inserted, restored)
        # A later chunk of the import that wrote the row again holds the digest that counts.
        expected.setdefault(row["model"], {}).update(row["written_digests"] or {})
    unknown = sorted({c.model for c in plan.chunks if c.model not in registry.models})
    plan.blockers += [f"{m}: this silo does not know the model" for m in unknown]
    for model, digests in expected.items():
        if model in registry.models:
            plan.blockers += _edited(registry, model, digests)
    gone: dict[str, set[int]] = {m: set(pks) for m, pks in removed.items()}
    for model, pks in plan.inserted().items():
        gone.setdefault(model, set()).update(pks)
    plan.blockers += _dependents(registry, gone, own)
    return plan


def _edited(registry: SiloRegistry, model: str, expected: Mapping[str, str]) -> list[str]:
    """Rows of ``model`` the import wrote whose values changed since."""
    rm = registry.get(model)
    now = row_digests(rm.model, rm.descriptor.name, [int(pk) for pk in expected])
    changed = sorted(int(pk) for pk, d in expected.items() if pk in now and now[pk] != d)
    if not changed:
        return []
    return [f"{model}: {_named(changed)} changed after the import wrote them"]


def _dependents(
    registry: SiloRegistry, gone: Mapping[str, set[int]], own: Mapping[str, set[int]]
) -> list[str]:
    """Rows of this silo outside the import that refer to rows the undo deletes."""
    blockers = []
    for desc in registry.descriptors():
        rm = registry.get(desc.name)
        mine = own.get(desc.name, set())
        for fk in desc.foreign_keys:
            targets = gone.get(fk.target)
            if not targets:
                continue
            attname = rm.model._meta.get_field(fk.field).attname  # type: ignore[union-attr]
            found = _referring(rm.model, attname, targets, mine)
            if found:
                blockers.append(
                    f"{desc.name}: {_named(sorted(found))} refer ({fk.field}) to {fk.target} "
                    "rows this import created"
                )
    return blockers


def _referring(
    model: type[models.Model], attname: str, targets: set[int], mine: set[int]
) -> set[int]:
    """Pks of ``model`` rows whose ``attname`` is one of ``targets``, other than ``mine``."""
    found: set[int] = set()
    ordered = sorted(targets)
    for start in range(0, len(ordered), LOOKUP_CHUNK):
        chunk = ordered[start : start + LOOKUP_CHUNK]
        pks = model._base_manager.filter(**{f"{attname}__in": chunk}).values_list("pk", flat=True)
        found.update(int(pk) for pk in pks if int(pk) not in mine)
    return found


def _named(pks: list[int]) -> str:
    shown = ", ".join(str(pk) for pk in pks[:MAX_NAMED])
    more = f" and {len(pks) - MAX_NAMED} more" if len(pks) > MAX_NAMED else ""
    return f"{len(pks)} row(s) (pk {shown}{more})"


def undo_chunk(
    registry: SiloRegistry,
    chunk_model: type[models.Model],
    import_uuid: str,
    model: str,
    min_ordinal: int,
) -> ChunkUndone:
    """Delete what one chunk inserted, write back what it overwrote and drop its ledger row, in
    one transaction; a chunk already undone (no ledger row) is a no-op that says so."""
    with transaction.atomic(using=chunk_model._default_manager.db):
        row = (
            chunk_model._base_manager.select_for_update()
            .filter(import_uuid=import_uuid, model=model, min_ordinal=min_ordinal)
            .values("id", "inserted_map", "undo_rows")
            .first()
        )
        if row is None:
            return ChunkUndone(already_undone=True)
        rm = registry.get(model)
        inserted = sorted(int(v) for v in (row["inserted_map"] or {}).values())
        deleted = _delete(rm.model, inserted)
        restored = _restore(rm.model, rm.descriptor.name, row["undo_rows"] or [])
        chunk_model._base_manager.filter(pk=row["id"]).delete()
    return ChunkUndone(deleted=deleted, restored=restored)


def _delete(model: type[models.Model], pks: list[int]) -> int:
    """Delete the rows of ``pks`` (and, by the model's own cascades, rows that hang off them)."""
    deleted = 0
    for start in range(0, len(pks), LOOKUP_CHUNK):
        _, per_model = model._base_manager.filter(pk__in=pks[start : start + LOOKUP_CHUNK]).delete()
        deleted += per_model.get(model._meta.label, 0)
    return deleted


def _restore(model: type[models.Model], wire_name: str, records: Iterable[Any]) -> int:
    """Write the rows back as the chunk found them (rows deleted since are left deleted)."""
    decoded = decode_records(model, wire_name, list(records), 1)
    if not decoded:
        return 0
    existing = set(
        model._base_manager.filter(pk__in=[r.old_pk for r in decoded]).values_list("pk", flat=True)
    )
    rows = [record_instance(model, r, r.old_pk) for r in decoded if r.old_pk in existing]
    if rows:
        update_rows(model, rows)
    return len(rows)
