"""``save_transaction_events``: save many normalized events at once, set-based.

A batch costs a fixed number of queries whatever its size: the projects' organizations, the
releases, environments and their project/environment links (insert-missing and re-select), the
event upsert and the eventstream append. Everything happens in one transaction.

Deduplication follows Snuba's: an event is identified by (project, event id, UTC day); saving
one whose key is stored replaces the stored row (the later save wins) and appends a new
eventstream entry superseding the previous one. Within a batch the later job of a key wins.
Concurrent batches are safe: adjacent rows use ON CONFLICT DO NOTHING and a re-select, events
an ON CONFLICT DO UPDATE upsert whose row lock orders two writers of one key, and every insert
is sorted by key so writers lock in the same order.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction

from region.events.adjacent import (
    SeenSpan,
    get_or_create_environments,
    get_or_create_releases,
    link_environments_to_projects,
    link_releases_to_environments,
    link_releases_to_project_environments,
    link_releases_to_projects,
)
from region.events.eventstream import StreamKey, append_entries, latest_offsets
from region.events.models import Event, EventStreamEntry
from region.events.payload import NormalizedEvent
from region.models import Project

# The columns a replacing save overwrites (everything but the key).
_UPDATED_COLUMNS = (
    "timestamp",
    "type",
    "platform",
    "level",
    "message",
    "release",
    "environment",
    "data",
)


class UnknownProjectError(LookupError):
    """An event names a project the region does not have."""

    def __init__(self, project_id: int) -> None:
        super().__init__(f"invalid event: project {project_id} does not exist in this region")
        self.project_id = project_id


@dataclass(frozen=True, slots=True)
class EventJob:
    """One event to save into one project."""

    project_id: int
    event: NormalizedEvent

    @property
    def key(self) -> StreamKey:
        """The stored event's identity."""
        return StreamKey(self.project_id, self.event.event_id, self.event.day)


@dataclass(frozen=True, slots=True)
class SavedEvent:
    """Where one job's event went."""

    pk: int
    """The stored event row (shared by jobs of the same key)."""
    key: StreamKey
    offset: int
    """The job's eventstream entry."""
    supersedes: int | None
    """The eventstream entry this save replaced, if the key was saved before."""

    @property
    def replaced(self) -> bool:
        """Whether the save replaced an earlier event of the same key."""
        return self.supersedes is not None


def save_transaction_events(jobs: Sequence[EventJob]) -> list[SavedEvent]:
    """Save every job's event with its adjacent models; one result per job, in job order."""
    if not jobs:
        return []
    with transaction.atomic():
        organizations = _organizations_of([j.project_id for j in jobs])
        _save_adjacent(jobs, organizations)
        pks = _upsert_events(jobs)
        return _append_to_eventstream(jobs, pks)


def _organizations_of(project_ids: Sequence[int]) -> dict[int, int]:
    """project id -> organization id; UnknownProjectError for a missing project."""
    wanted = set(project_ids)
    found = dict(Project.objects.filter(pk__in=wanted).values_list("pk", "organization_id"))
    missing = sorted(wanted - set(found))
    if missing:
        raise UnknownProjectError(missing[0])
    return found


def _save_adjacent(jobs: Sequence[EventJob], organizations: dict[int, int]) -> None:
    """Releases, environments and their links: a few queries for the whole batch."""
    org_of = {j.project_id: organizations[j.project_id] for j in jobs}
    releases = get_or_create_releases(
        (org_of[j.project_id], j.event.release) for j in jobs if j.event.release
    )
    environments = get_or_create_environments(
        (org_of[j.project_id], j.event.environment) for j in jobs if j.event.environment
    )
    release_links: set[tuple[int, int]] = set()
    environment_links: set[tuple[int, int]] = set()
    by_environment: dict[tuple[int, int, int], SeenSpan] = {}
    by_project_environment: dict[tuple[int, int, int], SeenSpan] = {}
    for job in jobs:
        org, event = org_of[job.project_id], job.event
        release = releases.get((org, event.release)) if event.release else None
        environment = environments.get((org, event.environment)) if event.environment else None
        if release is not None:
            release_links.add((job.project_id, release))
        if environment is not None:
            environment_links.add((job.project_id, environment))
        if release is not None and environment is not None:
            _widen(by_environment, (org, release, environment), event.timestamp)
            _widen(by_project_environment, (job.project_id, release, environment), event.timestamp)
    link_releases_to_projects(release_links)
    link_environments_to_projects(environment_links)
    link_releases_to_environments(by_environment)
    link_releases_to_project_environments(by_project_environment)


def _widen(
    spans: dict[tuple[int, int, int], SeenSpan], key: tuple[int, int, int], at: dt.datetime
) -> None:
    current = spans.get(key)
    spans[key] = SeenSpan(at, at) if current is None else current.widened(at)


def _upsert_events(jobs: Sequence[EventJob]) -> dict[StreamKey, int]:
    """Insert or replace one row per key (the last job of a key wins); key -> row id."""
    last: dict[StreamKey, EventJob] = {}
    for job in jobs:
        last[job.key] = job
    rows = [_row(last[key]) for key in sorted(last, key=_sort_key)]
    saved = Event.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=("project", "event_id", "day"),
        update_fields=_UPDATED_COLUMNS,
    )
    returned: list[int | None] = [r.pk for r in saved]
    pks = {StreamKey(r.project_id, r.event_id, r.day): r.pk for r in saved}
    if None in returned:
        # A backend that does not return ids from an upsert: read them back (one query).
        pks = {
            key: pk
            for pk, p, e, d in Event.objects.filter(
                project_id__in={k.project_id for k in last},
                event_id__in={k.event_id for k in last},
                day__in={k.day for k in last},
            ).values_list("pk", "project_id", "event_id", "day")
            if (key := StreamKey(p, e, d)) in last
        }
    return pks


def _row(job: EventJob) -> Event:
    event = job.event
    return Event(
        project_id=job.project_id,
        event_id=event.event_id,
        day=event.day,
        timestamp=event.timestamp,
        type=event.type,
        platform=event.platform,
        level=event.level,
        message=event.message,
        release=event.release,
        environment=event.environment,
        data=event.data,
    )


def _sort_key(key: StreamKey) -> tuple[int, str, dt.date]:
    return (key.project_id, key.event_id, key.day)


def _append_to_eventstream(jobs: Sequence[EventJob], pks: dict[StreamKey, int]) -> list[SavedEvent]:
    """One entry per job, in job order, each superseding the previous entry of its key.

    Runs after the upsert, whose row locks made any concurrent writer of the same keys commit
    first, so the previous entries it reads are the ones this batch replaces.
    """
    previous = latest_offsets(list(pks))
    first_of_key: dict[StreamKey, int] = {}
    entries = []
    for index, job in enumerate(jobs):
        first_of_key.setdefault(job.key, index)
        entries.append(
            EventStreamEntry(
                project_id=job.project_id,
                event_id=job.event.event_id,
                day=job.event.day,
                event_pk=pks[job.key],
                supersedes=previous.get(job.key) if first_of_key[job.key] == index else None,
                data=job.event.data,
            )
        )
    appended = append_entries(entries)
    results: list[SavedEvent] = []
    repeats: list[EventStreamEntry] = []
    latest: dict[StreamKey, int] = dict(previous)
    for job, entry in zip(jobs, appended, strict=True):
        supersedes = latest.get(job.key)
        if supersedes is not None and entry.supersedes != supersedes:
            # A repeat of a key within this batch: it supersedes the batch's earlier entry.
            entry.supersedes = supersedes
            repeats.append(entry)
        latest[job.key] = entry.pk
        results.append(SavedEvent(pks[job.key], job.key, entry.pk, supersedes))
    if repeats:
        EventStreamEntry.objects.bulk_update(repeats, ["supersedes"], batch_size=len(repeats))
    return results
