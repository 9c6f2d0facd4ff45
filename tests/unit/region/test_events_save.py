"""The event save path on the region database: EventManager.save, save_transaction_events, the
eventstream, and the dedupe rule on (project, event id, day)."""

from __future__ import annotations

import datetime as dt
import threading
import uuid

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from region.events.batch import EventJob, UnknownProjectError, save_transaction_events
from region.events.eventstream import read_eventstream
from region.events.manager import EventManager
from region.events.models import (
    Event,
    EventStreamEntry,
    Release,
    ReleaseEnvironment,
    ReleaseProject,
    ReleaseProjectEnvironment,
)
from region.events.payload import InvalidEventError, normalize_event
from region.models import Environment, EnvironmentProject, Organization, Project

DAY = dt.datetime(2026, 11, 20, 8, 0, tzinfo=dt.UTC)


def _project(name: str | None = None) -> Project:
    slug = name or f"org-{uuid.uuid4().hex[:10]}"
    org = Organization.objects.create(name=slug, slug=slug)
    return Project.objects.create(organization=org, slug="web", name="Web")


def _payload(event_id: str, at: dt.datetime, **extra: object) -> dict[str, object]:
    return {"event_id": event_id, "timestamp": at.isoformat(), "message": "boom", **extra}


def test_same_id_and_project_on_the_same_day_keeps_one_event_the_later_one(db):
    project = _project()
    event_id = uuid.uuid4().hex
    first = EventManager(_payload(event_id, DAY, message="first")).save(project.pk)
    later = EventManager(_payload(event_id, DAY + dt.timedelta(hours=5), message="later")).save(
        project.pk
    )
    stored = Event.objects.get(project=project, event_id=event_id)
    assert Event.objects.filter(project=project).count() == 1
    assert stored.message == "later"
    assert stored.timestamp == DAY + dt.timedelta(hours=5)
    assert later.pk == first.pk
    assert not first.replaced
    assert later.supersedes == first.offset


def test_same_id_on_different_days_keeps_both_events(db):
    project = _project()
    event_id = uuid.uuid4().hex
    EventManager(_payload(event_id, DAY)).save(project.pk)
    EventManager(_payload(event_id, DAY + dt.timedelta(days=1))).save(project.pk)
    days = sorted(Event.objects.filter(event_id=event_id).values_list("day", flat=True))
    assert days == [DAY.date(), DAY.date() + dt.timedelta(days=1)]


def test_same_id_in_another_project_is_another_event(db):
    one, other = _project(), _project()
    event_id = uuid.uuid4().hex
    EventManager(_payload(event_id, DAY)).save(one.pk)
    EventManager(_payload(event_id, DAY)).save(other.pk)
    assert Event.objects.filter(event_id=event_id).count() == 2


def test_replaced_event_is_a_new_eventstream_entry_superseding_the_old(db):
    project = _project()
    event_id = uuid.uuid4().hex
    first = EventManager(_payload(event_id, DAY, message="first")).save(project.pk)
    second = EventManager(_payload(event_id, DAY, message="second")).save(project.pk)
    entries = read_eventstream(first.offset)
    assert [e.offset for e in entries] == [first.offset, second.offset]
    assert entries[0].supersedes is None
    assert entries[1].supersedes == first.offset
    assert entries[1].data["message"] == "second"
    assert entries[0].event_pk == entries[1].event_pk


def test_later_job_of_a_key_wins_within_one_batch(db):
    project = _project()
    event_id = uuid.uuid4().hex
    jobs = [
        EventJob(project.pk, normalize_event(_payload(event_id, DAY, message=m)))
        for m in ("one", "two", "three")
    ]
    saved = save_transaction_events(jobs)
    assert Event.objects.get(event_id=event_id).message == "three"
    assert [s.supersedes for s in saved] == [None, saved[0].offset, saved[1].offset]
    stream = EventStreamEntry.objects.filter(event_id=event_id).order_by("pk")
    assert [e.supersedes for e in stream] == [None, saved[0].offset, saved[1].offset]


def test_release_and_environment_are_created_once_for_many_events(db):
    project = _project()
    jobs = [
        EventJob(
            project.pk,
            normalize_event(
                _payload(
                    uuid.uuid4().hex,
                    DAY + dt.timedelta(minutes=i),
                    release="web@1.0",
                    environment="production",
                )
            ),
        )
        for i in range(50)
    ]
    save_transaction_events(jobs[:25])
    save_transaction_events(jobs[25:])
    org = project.organization_id
    assert Release.objects.filter(organization_id=org, version="web@1.0").count() == 1
    assert Environment.objects.filter(organization_id=org, name="production").count() == 1
    assert ReleaseProject.objects.filter(project=project).count() == 1
    assert EnvironmentProject.objects.filter(project=project).count() == 1
    link = ReleaseProjectEnvironment.objects.get(project=project)
    assert (link.first_seen, link.last_seen) == (DAY, DAY + dt.timedelta(minutes=49))
    org_link = ReleaseEnvironment.objects.get(organization_id=org)
    assert (org_link.first_seen, org_link.last_seen) == (DAY, DAY + dt.timedelta(minutes=49))
    assert Event.objects.filter(project=project, release="web@1.0").count() == 50


def test_existing_release_is_reused_by_the_save_path(db):
    project = _project()
    release = Release.objects.create(organization_id=project.organization_id, version="2.0")
    EventManager(_payload(uuid.uuid4().hex, DAY, release="2.0")).save(project.pk)
    assert Release.objects.filter(organization_id=project.organization_id).get() == release
    assert ReleaseProject.objects.get(project=project).release_id == release.pk


def test_batch_query_count_does_not_grow_with_the_batch(db):
    project = _project()

    def queries(count: int, hour: int) -> int:
        """A batch of ``count`` events over 3 releases x 2 environments, with one repeated id,
        widening the seen span of links an earlier batch created."""
        at = DAY + dt.timedelta(hours=hour)
        payloads = [
            _payload(uuid.uuid4().hex, at, release=f"r{i % 3}", environment=f"e{i % 2}")
            for i in range(count)
        ]
        payloads.append(dict(payloads[0], message="again"))
        jobs = [EventJob(project.pk, normalize_event(p)) for p in payloads]
        with CaptureQueriesContext(connection) as captured:
            save_transaction_events(jobs)
        return len(captured.captured_queries)

    queries(6, hour=0)
    small, large = queries(6, hour=1), queries(300, hour=2)
    if connection.vendor != "postgresql":
        pytest.skip("SQLite splits big inserts at its parameter limit; counted on PostgreSQL")
    assert small == large
    assert large <= 20


def test_unknown_project_is_refused_and_nothing_is_written(db):
    with pytest.raises(UnknownProjectError, match="project 987654321"):
        EventManager(_payload(uuid.uuid4().hex, DAY, release="ghost")).save(987654321)
    assert not Release.objects.filter(version="ghost").exists()


def test_transaction_event_keeps_its_span_timestamps(db):
    project = _project()
    saved = EventManager(
        {
            "type": "transaction",
            "transaction": "GET /orders",
            "start_timestamp": "2026-11-20T08:00:00Z",
            "timestamp": "2026-11-20T08:00:02.5Z",
            "spans": [
                {
                    "span_id": "a" * 16,
                    "op": "db",
                    "start_timestamp": "2026-11-20T08:00:01Z",
                    "timestamp": "2026-11-20T08:00:02Z",
                }
            ],
            "contexts": {"trace": {"trace_id": "b" * 32}},
        }
    ).save(project.pk)
    stored = Event.objects.get(pk=saved.pk)
    assert stored.type == "transaction"
    assert stored.level == "info"
    assert stored.message == "GET /orders"
    assert stored.data["start_timestamp"] == "2026-11-20T08:00:00.000000Z"
    assert stored.data["spans"][0]["timestamp"] == "2026-11-20T08:00:02.000000Z"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"event_id": "not-hex", "message": "m"}, "event_id"),
        ({"message": "m", "timestamp": "yesterday"}, "timestamp"),
        ({"message": "m", "level": "loud"}, "level"),
        ({"message": "m", "release": "latest"}, "release"),
        ({"message": "m", "environment": "a/b"}, "environment"),
        ({"message": "m", "tags": {"k": 1}}, "tags.0"),
        ({"message": "m", "contexts": {"os": "linux"}}, "contexts.os"),
        ({"platform": "python"}, "message"),
        ({"exception": {"values": [{}]}}, "exception.values.0"),
        ({"type": "transaction", "transaction": "t"}, "start_timestamp"),
        (
            {"type": "transaction", "start_timestamp": 10, "timestamp": 20},
            "transaction",
        ),
        (
            {"type": "transaction", "transaction": "t", "start_timestamp": 30, "timestamp": 20},
            "start_timestamp",
        ),
        (
            {
                "transaction": "t",
                "start_timestamp": 1,
                "timestamp": 9,
                "spans": [{"span_id": "a" * 16, "start_timestamp": 5, "timestamp": 4}],
            },
            "spans.0",
        ),
        (
            {
                "transaction": "t",
                "start_timestamp": 1,
                "timestamp": 9,
                "spans": [{"span_id": "xyz", "start_timestamp": 1, "timestamp": 2}],
            },
            "spans.0.span_id",
        ),
        ([1, 2], "(payload)"),
    ],
)
def test_bad_payload_names_the_field(payload, field):
    with pytest.raises(InvalidEventError) as info:
        EventManager(payload)
    assert info.value.field == field
    assert field in str(info.value)


def test_payload_is_normalized():
    event = normalize_event(
        {
            "event_id": "6F2B2F3C-0E59-4D36-9C1A-2B7B0C7C4E10",
            "timestamp": 1763625600.25,
            "level": "WARN",
            "platform": "Python",
            "exception": [{"type": "KeyError", "value": "'id'"}],
            "tags": [["b", "2"], ["a", "1"]],
            "release": " web@1.2 ",
        }
    )
    assert event.event_id == "6f2b2f3c0e594d369c1a2b7b0c7c4e10"
    assert event.timestamp == dt.datetime(2025, 11, 20, 8, 0, 0, 250000, tzinfo=dt.UTC)
    assert (event.type, event.level, event.platform) == ("error", "warning", "python")
    assert event.message == "KeyError: 'id'"
    assert event.release == "web@1.2"
    assert event.data["tags"] == [["a", "1"], ["b", "2"]]
    assert event.data["exception"] == {"values": [{"type": "KeyError", "value": "'id'"}]}
    assert event.data["timestamp"] == "2025-11-20T08:00:00.250000Z"


# Concurrency: real commits from several threads (each with its own connection).


def _run_concurrently(batches: list[list[EventJob]]) -> list[BaseException]:
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(batches))

    def work(jobs: list[EventJob]) -> None:
        try:
            barrier.wait()
            save_transaction_events(jobs)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(b,)) for b in batches]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return errors


@pytest.fixture
def committed_project():
    if connection.vendor != "postgresql":
        pytest.skip("concurrency is tested on PostgreSQL (SQLite serializes every writer)")
    project = _project()
    yield project
    Event.objects.filter(project=project).delete()
    EventStreamEntry.objects.filter(project_id=project.pk).delete()
    Release.objects.filter(organization_id=project.organization_id).delete()
    Environment.objects.filter(organization_id=project.organization_id).delete()
    project.organization.delete()


def test_concurrent_batches_create_a_new_release_and_environment_once(committed_project):
    project = committed_project
    batches = [
        [
            EventJob(
                project.pk,
                normalize_event(
                    _payload(uuid.uuid4().hex, DAY, release="race@1", environment="staging")
                ),
            )
            for _ in range(40)
        ]
        for _ in range(6)
    ]
    assert _run_concurrently(batches) == []
    org = project.organization_id
    assert Release.objects.filter(organization_id=org, version="race@1").count() == 1
    assert Environment.objects.filter(organization_id=org, name="staging").count() == 1
    assert ReleaseProject.objects.filter(project=project).count() == 1
    assert ReleaseEnvironment.objects.filter(organization_id=org).count() == 1
    assert ReleaseProjectEnvironment.objects.filter(project=project).count() == 1
    assert Event.objects.filter(project=project).count() == 240


def test_concurrent_saves_of_one_key_leave_one_event_and_a_chain_of_entries(committed_project):
    project = committed_project
    event_id = uuid.uuid4().hex
    batches = [
        [EventJob(project.pk, normalize_event(_payload(event_id, DAY, message=f"writer {i}")))]
        for i in range(6)
    ]
    assert _run_concurrently(batches) == []
    stored = Event.objects.get(project=project, event_id=event_id)
    entries = list(EventStreamEntry.objects.filter(event_id=event_id).order_by("pk"))
    assert len(entries) == 6
    # Each entry supersedes exactly the one before it, and the last one is the stored event.
    assert [e.supersedes for e in entries] == [None, *[e.pk for e in entries[:-1]]]
    assert entries[-1].data["message"] == stored.message
