"""The eventstream: an append-only, ordered log of saved events in the region database.

Consumers read it by offset (an entry's id, increasing in commit order per writer) with
``read_eventstream``. A replaced event is appended again; its new entry's ``supersedes`` names
the offset of the entry it replaces, so a consumer keeps the latest entry of each key.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection

from region.events.models import EventStreamEntry

MAX_READ = 1000
# The advisory lock key serializing eventstream appends (any constant unique to this use).
EVENTSTREAM_LOCK = 0x6576656E7473


@dataclass(frozen=True, slots=True)
class StreamKey:
    """The identity of a stored event: project, event id and UTC day."""

    project_id: int
    event_id: str
    day: dt.date


@dataclass(frozen=True, slots=True)
class StreamEntry:
    """One eventstream entry as consumers see it."""

    offset: int
    key: StreamKey
    event_pk: int
    supersedes: int | None
    """The offset of the entry this one replaces (same key), if any."""
    data: dict[str, Any]


def latest_offsets(keys: Sequence[StreamKey]) -> dict[StreamKey, int]:
    """The offset of the newest entry of each key already in the stream (one query)."""
    if not keys:
        return {}
    wanted = set(keys)
    rows = (
        EventStreamEntry.objects.filter(
            project_id__in={k.project_id for k in keys},
            event_id__in={k.event_id for k in keys},
            day__in={k.day for k in keys},
        )
        .order_by("pk")
        .values_list("pk", "project_id", "event_id", "day")
    )
    latest: dict[StreamKey, int] = {}
    for pk, project_id, event_id, day in rows:
        key = StreamKey(project_id, event_id, day)
        if key in wanted:
            latest[key] = pk
    return latest


def append_entries(entries: Sequence[EventStreamEntry]) -> list[EventStreamEntry]:
    """Append entries in order (one INSERT); they come back with their offsets.

    Must run inside the writer's transaction. On PostgreSQL it first takes a transaction-level
    advisory lock, so appends commit in offset order: a consumer that has read up to offset N
    never later finds an entry below N committed by a slower writer. SQLite serializes writers
    anyway.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [EVENTSTREAM_LOCK])
    return EventStreamEntry.objects.bulk_create(list(entries))


def read_eventstream(from_offset: int, limit: int = MAX_READ) -> list[StreamEntry]:
    """Up to ``limit`` entries with offset >= ``from_offset``, in offset order."""
    limit = max(1, min(limit, MAX_READ))
    rows = EventStreamEntry.objects.filter(pk__gte=from_offset).order_by("pk")[:limit]
    return [
        StreamEntry(
            offset=row.pk,
            key=StreamKey(row.project_id, row.event_id, row.day),
            event_pk=row.event_pk,
            supersedes=row.supersedes,
            data=row.data,
        )
        for row in rows
    ]
