"""Writing a batch of ``sentry.event`` records by replaying them through the save path.

The generic batch writer would copy rows; events instead go through ``save_transaction_events``
so their releases, environments and links are got or created, the (project, event id, day)
dedupe holds against events already stored, and every imported event reaches the eventstream.
This is the event model's ``relocation_write_batch``: ``do_import_batch`` calls it inside the
batch's transaction, so the chunk ledger, replay, lost-race handling and dry-run rollback are the
generic import's, and the records pass the same scope, filter and reference gates
(``gate_records``) before they are replayed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from region.events.batch import EventJob, SavedEvent, UnknownProjectError, save_transaction_events
from region.events.payload import InvalidEventError, normalize_event
from shared.backup.errors import DeserializationFailedError, InstanceInvalidError
from shared.backup.model_names import ModelName
from shared.backup.orm.records import DecodedRecord
from shared.backup.orm.registry import RelocatableModel
from shared.backup.orm.writer import BatchContext, BatchOutcome, gate_records
from shared.backup.pk_map import ImportKind, PkMapping

EVENT = ModelName("sentry.event")


@dataclass(frozen=True, slots=True)
class _Replay:
    """One event record to replay: where it is in the file and the job it becomes."""

    ordinal: int
    old_pk: int
    job: EventJob


def write_event_batch(
    rm: RelocatableModel, raw_records: Sequence[object], min_ordinal: int, ctx: BatchContext
) -> BatchOutcome:
    """Replay one batch of events; every record is written or skipped with a finding."""
    outcome = BatchOutcome()
    records = gate_records(rm, _decoded(raw_records, min_ordinal), ctx, outcome)
    replays = [_replay(record) for record in records]
    saved = _save(replays)
    outcome.mapped.update(_mapped(replays, saved))
    return outcome


def _decoded(raw_records: Sequence[object], min_ordinal: int) -> list[DecodedRecord]:
    """Each record with its fields as exported; an event needs a pk, fields and a project pk.

    The payload (``data``) is what an event is saved from, so the other columns are not decoded.
    """
    records = []
    for i, record in enumerate(raw_records):
        ordinal = min_ordinal + i
        if not (
            isinstance(record, dict)
            and isinstance(record.get("pk"), int)
            and isinstance(record.get("fields"), dict)
        ):
            raise DeserializationFailedError(
                EVENT, "a record needs an integer pk and a fields object", ordinal
            )
        fields = dict(record["fields"])
        if not isinstance(fields.get("project"), int):
            raise InstanceInvalidError(
                EVENT, ordinal, "must be a project pk", field="project", pk=record["pk"]
            )
        records.append(DecodedRecord(ordinal, record["pk"], fields))
    return records


def _replay(record: DecodedRecord) -> _Replay:
    """The record's job: its (remapped) project and its validated payload."""
    try:
        event = normalize_event(record.values.get("data"))
    except InvalidEventError as exc:
        raise InstanceInvalidError(
            EVENT, record.ordinal, exc.reason, field=f"data.{exc.field}", pk=record.old_pk
        ) from None
    return _Replay(record.ordinal, record.old_pk, EventJob(record.values["project"], event))


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
