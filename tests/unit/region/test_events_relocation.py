"""Importing sentry.event records: replayed through the save path, one chunk per batch."""

from __future__ import annotations

import dataclasses
import uuid

import orjson
import pytest
from django.db import connection

from region.events.models import Event, EventStreamEntry, Release
from region.models import Organization, Project, RegionImportChunk
from shared.backup.descriptors import Silo
from shared.backup.errors import InstanceInvalidError
from shared.backup.filters import Filter
from shared.backup.findings import FindingKind
from shared.backup.flags import ImportFlags
from shared.backup.model_names import ModelName
from shared.backup.orm.clearing import do_clear_models
from shared.backup.orm.importing import ImportBatchRequest, do_import_batch
from shared.backup.orm.registry import build_registry
from shared.backup.pk_map import ImportKind, PkMapping, PrimaryKeyMap
from shared.backup.scopes import OperationScope

PROJECT = ModelName("sentry.project")
SAME = "1" * 32
REGISTRY = build_registry("region", Silo.REGION)


def _project() -> Project:
    slug = f"org-{uuid.uuid4().hex[:10]}"
    org = Organization.objects.create(name=slug, slug=slug)
    return Project.objects.create(organization=org, slug="web", name="Web")


def _record(pk: int, project: int, event_id: str, message: str, **data: object) -> dict:
    payload = {"event_id": event_id, "timestamp": "2026-11-20T08:00:00Z", "message": message}
    return {
        "model": "sentry.event",
        "pk": pk,
        "fields": {"project": project, "data": payload | data},
    }


def _request(
    records: list[dict],
    pk_map: PrimaryKeyMap,
    *,
    dry_run: bool = False,
    uuid_=None,
    scope: OperationScope = OperationScope.ORGANIZATION,
):
    return ImportBatchRequest(
        model="sentry.event",
        scope=scope,
        flags=ImportFlags(import_uuid=uuid_ or uuid.uuid4().hex, dry_run=dry_run),
        filters=[],
        pk_map=pk_map,
        records_json=orjson.dumps(records),
        min_ordinal=1,
    )


def _map(old: int, new: int) -> PrimaryKeyMap:
    pk_map = PrimaryKeyMap()
    pk_map.insert(PROJECT, old, PkMapping(new, ImportKind.INSERTED))
    return pk_map


def test_events_are_replayed_into_the_remapped_project_with_dedupe(db):
    project = _project()
    records = [
        _record(10, 3, SAME, "first", release="imported@1"),
        _record(11, 3, SAME, "second", release="imported@1"),
        _record(12, 3, "2" * 32, "other"),
    ]
    chunk, replayed = do_import_batch(
        REGISTRY, RegionImportChunk, _request(records, _map(3, project.pk))
    )
    assert not replayed
    assert Event.objects.filter(project=project).count() == 2
    assert Event.objects.get(event_id=SAME).message == "second"
    assert chunk.mapped[10].kind is ImportKind.INSERTED
    assert chunk.mapped[11] == PkMapping(chunk.mapped[10].new_pk, ImportKind.OVERWRITE)
    assert chunk.mapped[12].kind is ImportKind.INSERTED
    assert Release.objects.filter(organization_id=project.organization_id).count() == 1
    assert EventStreamEntry.objects.filter(project_id=project.pk).count() == 3


def test_a_replayed_batch_returns_its_stored_chunk_and_saves_nothing_again(db):
    project = _project()
    request = _request([_record(1, 3, SAME, "once")], _map(3, project.pk))
    first, _ = do_import_batch(REGISTRY, RegionImportChunk, request)
    again, replayed = do_import_batch(REGISTRY, RegionImportChunk, request)
    assert replayed
    assert again == first
    assert EventStreamEntry.objects.filter(project_id=project.pk).count() == 1


def test_an_event_of_a_project_not_imported_is_skipped_with_a_finding(db):
    project = _project()
    records = [_record(1, 3, SAME, "kept"), _record(2, 4, "3" * 32, "orphan")]
    chunk, _ = do_import_batch(REGISTRY, RegionImportChunk, _request(records, _map(3, project.pk)))
    assert list(chunk.mapped) == [1]
    (finding,) = chunk.findings
    assert finding.kind is FindingKind.REFERENCE_NOT_IMPORTED
    assert (finding.ordinal, finding.field) == (2, "project")


def test_a_bad_payload_fails_the_batch_naming_record_and_field(db):
    project = _project()
    records = [_record(1, 3, SAME, "fine"), _record(2, 3, "4" * 32, "bad", level="shouting")]
    with pytest.raises(InstanceInvalidError, match=r"sentry.event #2 field 'data.level'"):
        do_import_batch(REGISTRY, RegionImportChunk, _request(records, _map(3, project.pk)))
    assert not Event.objects.filter(project=project).exists()


def test_a_dry_run_writes_nothing(db):
    project = _project()
    request = _request([_record(1, 3, SAME, "plan")], _map(3, project.pk), dry_run=True)
    chunk, _ = do_import_batch(REGISTRY, RegionImportChunk, request)
    assert chunk.mapped[1].kind is ImportKind.INSERTED
    assert not Event.objects.filter(project=project).exists()
    assert not RegionImportChunk.objects.filter(import_uuid=request.flags.import_uuid).exists()


def test_a_global_reset_clears_the_event_tables_too(db):
    if connection.vendor == "postgresql":
        # TRUNCATE refuses tables with deferred foreign-key checks pending in this transaction.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    project = _project()
    request = _request([_record(1, 3, SAME, "gone", release="r1")], _map(3, project.pk))
    do_import_batch(REGISTRY, RegionImportChunk, request)
    counts = do_clear_models("region")
    assert counts["sentry_event"] == 1
    assert counts["sentry_eventstream"] == 1
    assert counts["sentry_release"] == 1
    assert not Event.objects.exists()
    assert not EventStreamEntry.objects.exists()


@pytest.mark.parametrize("scope", [OperationScope.USER, OperationScope.CONFIG])
def test_events_are_out_of_scope_of_user_and_config_imports(db, scope):
    project = _project()
    request = _request([_record(10, 3, SAME, "first")], _map(3, project.pk), scope=scope)
    chunk, _ = do_import_batch(REGISTRY, RegionImportChunk, request)
    assert chunk.mapped == {}
    assert [f.kind for f in chunk.findings] == [FindingKind.OUT_OF_SCOPE]
    assert not Event.objects.filter(project=project).exists()


def test_events_outside_the_runs_filter_are_skipped(db):
    project = _project()
    request = _request([_record(10, 3, SAME, "first")], _map(3, project.pk))
    request = dataclasses.replace(
        request, filters=[Filter(ModelName("sentry.event"), "project", frozenset({"99"}))]
    )
    chunk, _ = do_import_batch(REGISTRY, RegionImportChunk, request)
    assert chunk.mapped == {}
    assert [f.kind for f in chunk.findings] == [FindingKind.FILTERED]
    assert not Event.objects.filter(project=project).exists()
