"""Importing ``sentry.event`` records by replaying them through the save path.

The generic batch writer would copy rows; events instead go through ``save_transaction_events``
so their releases, environments and links are got or created, the (project, event id, day)
dedupe holds against events already stored, and every imported event reaches the eventstream.
The batch keeps the generic import's guarantees: it is written in one transaction together with
its import chunk, a replayed batch returns the stored chunk, a dry run writes nothing, and every
record is accounted for (written, or skipped with a finding when its project was not imported).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import orjson
from django.db import IntegrityError, models, transaction

from region.events.batch import EventJob, SavedEvent, UnknownProjectError, save_transaction_events
from region.events.payload import InvalidEventError, normalize_event
from shared.backup.chunks import ImportChunk
from shared.backup.errors import (
    DeserializationFailedError,
    ImportUuidRequiredError,
    InstanceInvalidError,
    InvalidMinOrdinalError,
    ScopeRequiredError,
)
from shared.backup.findings import Finding, FindingKind
from shared.backup.model_names import ModelName
from shared.backup.orm.chunk_store import find_chunk, save_chunk
from shared.backup.orm.importing import ImportBatchRequest
from shared.backup.pk_map import ImportKind, PkMapping

logger = logging.getLogger(__name__)

EVENT = ModelName("sentry.event")
PROJECT = ModelName("sentry.project")


@dataclass(frozen=True, slots=True)
class _Replay:
    """One event record to replay: where it is in the file and the job it becomes."""

    ordinal: int
    old_pk: int
    job: EventJob


def do_import_event_batch(
    chunk_model: type[models.Model], request: ImportBatchRequest
) -> tuple[ImportChunk, bool]:
    """Replay one batch of ``sentry.event`` records; a replayed batch returns its stored chunk."""
    if request.min_ordinal < 1:
        raise InvalidMinOrdinalError(EVENT, request.min_ordinal)
    if request.scope is None:
        raise ScopeRequiredError(EVENT)
    uuid = request.flags.import_uuid
    if not uuid:
        raise ImportUuidRequiredError(EVENT)
    stored = find_chunk(chunk_model, uuid, EVENT, request.min_ordinal)
    if stored is not None:
        logger.info("events.import_batch.already_imported", extra={"model": EVENT})
        return stored, True
    records = _parse(request.records_json, request.min_ordinal)
    replays, findings = _replays(records, request)
    try:
        return _write(chunk_model, request, len(records), replays, findings), False
    except IntegrityError:
        raced = find_chunk(chunk_model, uuid, EVENT, request.min_ordinal)
        if raced is None:
            raise
        logger.info("events.import_batch.lost_import_race", extra={"model": EVENT})
        return raced, True


def _write(
    chunk_model: type[models.Model],
    request: ImportBatchRequest,
    count: int,
    replays: list[_Replay],
    findings: list[Finding],
) -> ImportChunk:
    """Save the events and the chunk row in one transaction (rolled back in a dry run)."""
    with transaction.atomic(using=chunk_model._default_manager.db):
        saved = _save(replays)
        mapped = _mapped(replays, saved)
        chunk = ImportChunk(
            import_uuid=request.flags.import_uuid,
            model=EVENT,
            min_ordinal=request.min_ordinal,
            max_ordinal=request.min_ordinal + count - 1,
            mapped=dict(sorted(mapped.items())),
            findings=tuple(findings),
            min_source_pk=min(mapped, default=None),
            max_source_pk=max(mapped, default=None),
            min_inserted_pk=min(
                (m.new_pk for m in mapped.values() if m.kind is ImportKind.INSERTED), default=None
            ),
            max_inserted_pk=max(
                (m.new_pk for m in mapped.values() if m.kind is ImportKind.INSERTED), default=None
            ),
        )
        if request.flags.dry_run:
            transaction.set_rollback(True)
        else:
            save_chunk(chunk_model, chunk)
    return chunk


def _parse(records_json: bytes, min_ordinal: int) -> list[dict[str, Any]]:
    """The batch's records; each must be a ``sentry.event`` record with a pk and fields."""
    try:
        raw = orjson.loads(records_json)
    except orjson.JSONDecodeError as exc:
        raise DeserializationFailedError(EVENT, f"batch is not valid JSON: {exc}") from None
    if not isinstance(raw, list):
        raise DeserializationFailedError(EVENT, "batch is not a JSON array")
    for i, record in enumerate(raw):
        if not (
            isinstance(record, dict)
            and isinstance(record.get("pk"), int)
            and isinstance(record.get("fields"), dict)
        ):
            raise DeserializationFailedError(
                EVENT, "a record needs an integer pk and a fields object", min_ordinal + i
            )
    return raw


def _replays(
    records: list[dict[str, Any]], request: ImportBatchRequest
) -> tuple[list[_Replay], list[Finding]]:
    """Each record's job (project remapped, payload validated), or a finding skipping it."""
    replays: list[_Replay] = []
    findings: list[Finding] = []
    for i, record in enumerate(records):
        ordinal, fields = request.min_ordinal + i, record["fields"]
        old_project = fields.get("project")
        if not isinstance(old_project, int):
            raise InstanceInvalidError(
                EVENT, ordinal, "must be a project pk", field="project", pk=record["pk"]
            )
        project = request.pk_map.get_pk(PROJECT, old_project)
        if project is None:
            findings.append(
                Finding(
                    FindingKind.REFERENCE_NOT_IMPORTED,
                    EVENT,
                    ordinal,
                    reason=f"{PROJECT} pk {old_project} was not imported, so this event was "
                    "skipped",
                    left_pk=record["pk"],
                    field="project",
                )
            )
            continue
        try:
            event = normalize_event(fields.get("data"))
        except InvalidEventError as exc:
            raise InstanceInvalidError(
                EVENT, ordinal, exc.reason, field=f"data.{exc.field}", pk=record["pk"]
            ) from None
        replays.append(_Replay(ordinal, record["pk"], EventJob(project, event)))
    return replays, findings


def _save(replays: list[_Replay]) -> list[SavedEvent]:
    """Save the batch's events; a vanished project is a broken reference naming the record."""
    try:
        return save_transaction_events([r.job for r in replays])
    except UnknownProjectError as exc:
        bad = next(r for r in replays if r.job.project_id == exc.project_id)
        raise InstanceInvalidError(
            EVENT,
            bad.ordinal,
            f"project {exc.project_id} does not exist in this region",
            field="project",
            pk=bad.old_pk,
        ) from None


def _mapped(replays: list[_Replay], saved: list[SavedEvent]) -> dict[int, PkMapping]:
    """Old pk -> where the event went: INSERTED for a new key, OVERWRITE for a replaced one."""
    return {
        replay.old_pk: PkMapping(
            result.pk, ImportKind.OVERWRITE if result.replaced else ImportKind.INSERTED
        )
        for replay, result in zip(replays, saved, strict=True)
    }
