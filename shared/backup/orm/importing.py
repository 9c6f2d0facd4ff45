"""The import action shared by both silos: validation, idempotency ledger, one transaction.

Every model's batch goes through ``do_import_batch``; what a batch writes is the generic writer's
(``write_batch``) unless the model declares its own as a classmethod
``relocation_write_batch(rm, raw_records, min_ordinal, ctx) -> BatchOutcome`` (events replay
through their save path). Such a writer runs inside the same transaction as the chunk row and
must pass its records through ``writer.gate_records`` (scope, filters, references).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from django.db import DatabaseError, IntegrityError, models, transaction

from shared.backup.chunks import ImportChunk
from shared.backup.errors import (
    DatabaseFailureError,
    DeserializationFailedError,
    ImportUuidRequiredError,
    IntegrityConflictError,
    InvalidMinOrdinalError,
    ScopeRequiredError,
    UnexpectedModelError,
)
from shared.backup.filters import Filter
from shared.backup.flags import ImportFlags
from shared.backup.limits import MAX_BATCH_BYTES
from shared.backup.orm.batch_order import BATCH_ORDER
from shared.backup.orm.chunk_store import chunk_ending_at, find_chunk, save_chunk
from shared.backup.orm.clearing import flush_tables
from shared.backup.orm.registry import RelocatableModel, SiloRegistry
from shared.backup.orm.undo_rows import undo_columns
from shared.backup.orm.writer import BatchContext, write_batch
from shared.backup.pk_map import ImportKind, PkMapping, PrimaryKeyMap
from shared.backup.scopes import OperationScope

logger = logging.getLogger(__name__)
# A batch whose unique values another import inserted meanwhile (two imports racing for one
# username) fails on the database; written again, its collision lookup sees those rows.
WRITE_ATTEMPTS = 3


@dataclass(frozen=True, slots=True)
class ImportBatchRequest:
    """One ImportByModel call, decoded."""

    model: str
    scope: OperationScope | None
    flags: ImportFlags
    filters: Sequence[Filter]
    pk_map: PrimaryKeyMap
    records_json: bytes
    min_ordinal: int


def do_import_batch(
    registry: SiloRegistry, chunk_model: type[models.Model], request: ImportBatchRequest
) -> tuple[ImportChunk, bool]:
    """Import one batch atomically with its chunk row; a replay returns the stored chunk."""
    if request.min_ordinal < 1:
        raise InvalidMinOrdinalError(request.model, request.min_ordinal)
    rm = registry.get(request.model)
    name = rm.descriptor.name
    if request.scope is None:
        raise ScopeRequiredError(name)
    if not request.flags.import_uuid:
        raise ImportUuidRequiredError(name)
    uuid = request.flags.import_uuid
    stored = find_chunk(chunk_model, uuid, name, request.min_ordinal)
    if stored is not None:
        logger.info("relocation.import_batch.already_imported", extra={"model": name})
        return stored, True
    raw = _parse_batch(name, request.records_json, request.min_ordinal)
    ctx = BatchContext(
        scope=request.scope,
        flags=request.flags,
        filters=[f for f in request.filters if f.model == name],
        pk_map=request.pk_map,
    )
    ordinals = (request.min_ordinal, request.min_ordinal + len(raw) - 1)
    with BATCH_ORDER.turn(
        uuid, name, ordinals, lambda: chunk_ending_at(chunk_model, uuid, name, ordinals[0] - 1)
    ) as retried:
        # Written by another call of the same batch while this one waited its turn.
        stored = find_chunk(chunk_model, uuid, name, request.min_ordinal) if retried else None
        if stored is not None:
            logger.info("relocation.import_batch.already_imported", extra={"model": name})
            return stored, True
        for attempt in range(1, WRITE_ATTEMPTS + 1):
            try:
                return _write_chunk(rm, raw, request, ctx, chunk_model), False
            except IntegrityError as exc:
                raced = find_chunk(chunk_model, uuid, name, request.min_ordinal)
                if raced is not None:
                    logger.info("relocation.import_batch.lost_import_race", extra={"model": name})
                    return raced, True
                if attempt == WRITE_ATTEMPTS:
                    raise IntegrityConflictError(
                        name, _first_line(exc), request.min_ordinal
                    ) from exc
                logger.info("relocation.import_batch.retry_after_conflict", extra={"model": name})
            except DatabaseError as exc:
                raise DatabaseFailureError(name, _first_line(exc)) from exc
    raise AssertionError("unreachable")


def _write_chunk(
    rm: RelocatableModel,
    raw: list[Any],
    request: ImportBatchRequest,
    ctx: BatchContext,
    chunk_model: type[models.Model],
) -> ImportChunk:
    """One attempt: the batch and its chunk row in one transaction (rolled back in a dry run)."""
    with transaction.atomic(using=chunk_model._default_manager.db):
        if request.flags.dry_run and request.scope is OperationScope.GLOBAL:
            # The real run clears the silos first; plan the batch against empty tables.
            flush_tables(chunk_model._meta.app_label)
        write = getattr(rm.model, "relocation_write_batch", None)
        if write is None:
            outcome = write_batch(rm, raw, request.min_ordinal, ctx)
        else:
            outcome = write(rm, raw, request.min_ordinal, ctx)
        chunk = ImportChunk(
            import_uuid=request.flags.import_uuid,
            model=rm.descriptor.name,
            min_ordinal=request.min_ordinal,
            max_ordinal=request.min_ordinal + len(raw) - 1,
            mapped=dict(sorted(outcome.mapped.items())),
            findings=tuple(outcome.findings),
            **_ranges(outcome.mapped),
        )
        if request.flags.dry_run:
            transaction.set_rollback(True)
        else:
            undo = undo_columns(rm.model, rm.descriptor.name, outcome.mapped, outcome.previous)
            save_chunk(chunk_model, chunk, **undo)
    return chunk


def _parse_batch(name: str, records_json: bytes, min_ordinal: int) -> list[Any]:
    """Parse the batch's JSON array and check every record is of the batch's model.

    A batch over MAX_BATCH_BYTES is refused before it is parsed: the importer never sends one
    (it halves batches to fit), and parsing JSON into objects takes many times its size.
    """
    if len(records_json) > MAX_BATCH_BYTES:
        raise DeserializationFailedError(
            name,
            f"batch of {len(records_json)} bytes is larger than the limit of {MAX_BATCH_BYTES}",
        )
    try:
        raw = orjson.loads(records_json)
    except orjson.JSONDecodeError as exc:
        raise DeserializationFailedError(name, f"batch is not valid JSON: {exc}") from None
    if not isinstance(raw, list):
        raise DeserializationFailedError(name, "batch is not a JSON array")
    for i, record in enumerate(raw):
        found = record.get("model") if isinstance(record, dict) else None
        if isinstance(found, str) and found.lower() != name:
            raise UnexpectedModelError(name, found, min_ordinal + i)
    return raw


def _ranges(mapped: dict[int, PkMapping]) -> dict[str, int | None]:
    """min/max source pk of the records written and min/max pk of the rows inserted."""
    inserted = [e.new_pk for e in mapped.values() if e.kind is ImportKind.INSERTED]
    return {
        "min_source_pk": min(mapped, default=None),
        "max_source_pk": max(mapped, default=None),
        "min_inserted_pk": min(inserted, default=None),
        "max_inserted_pk": max(inserted, default=None),
    }


def _first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
