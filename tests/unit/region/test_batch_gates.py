"""Server-side batch gates: the batch size limit, and references to models Sentry never
relocates (``UNRELOCATED_TARGETS``): a workflow's status per issue group names a
``sentry.group``, an incident may name a ``sentry.alertruleactivations``."""

from __future__ import annotations

import uuid

import orjson
import pytest

from region.models import (
    AlertRule,
    Incident,
    Monitor,
    Organization,
    Project,
    RegionImportChunk,
    Workflow,
)
from shared.backup.descriptors import UNRELOCATED_TARGETS, Silo
from shared.backup.errors import DeserializationFailedError
from shared.backup.findings import FindingKind
from shared.backup.flags import ImportFlags
from shared.backup.limits import MAX_BATCH_BYTES
from shared.backup.model_names import ModelName
from shared.backup.orm.importing import ImportBatchRequest, do_import_batch
from shared.backup.orm.registry import build_registry
from shared.backup.pk_map import ImportKind, PkMapping, PrimaryKeyMap
from shared.backup.scopes import OperationScope

REGISTRY = build_registry("region", Silo.REGION)
WHEN = "2024-03-01T12:00:00.000Z"


def _import(model: str, records: list[dict], pk_map: PrimaryKeyMap):
    return do_import_batch(
        REGISTRY,
        RegionImportChunk,
        ImportBatchRequest(
            model=model,
            scope=OperationScope.GLOBAL,
            flags=ImportFlags(import_uuid=uuid.uuid4().hex),
            filters=[],
            pk_map=pk_map,
            records_json=orjson.dumps(records),
            min_ordinal=1,
        ),
    )


def _organization() -> Organization:
    slug = f"org-{uuid.uuid4().hex[:10]}"
    return Organization.objects.create(name=slug, slug=slug)


def test_unrelocated_targets_are_no_dependency_of_the_models_naming_them():
    status = REGISTRY.get("workflow_engine.workflowgroupstatus").descriptor
    incident = REGISTRY.get("sentry.incident").descriptor
    assert ModelName("sentry.group") in {fk.target for fk in status.foreign_keys}
    assert not status.dependencies & UNRELOCATED_TARGETS
    assert not incident.dependencies & UNRELOCATED_TARGETS


def test_a_record_whose_non_null_reference_names_an_unrelocated_model_is_skipped(db):
    org = _organization()
    workflow = Workflow.objects.create(name="w", organization=org)
    pk_map = PrimaryKeyMap()
    pk_map.insert(
        ModelName("workflow_engine.workflow"), 7, PkMapping(workflow.pk, ImportKind.INSERTED)
    )
    record = {
        "model": "workflow_engine.workflowgroupstatus",
        "pk": 1,
        "fields": {"workflow": 7, "group": 42, "status": 0, "date_added": WHEN},
    }

    chunk, _ = _import("workflow_engine.workflowgroupstatus", [record], pk_map)

    assert chunk.mapped == {}
    assert [(f.kind, f.field) for f in chunk.findings] == [
        (FindingKind.REFERENCE_NOT_IMPORTED, "group")
    ]


def test_a_nullable_reference_to_an_unrelocated_model_is_written_as_null(db):
    org = _organization()
    rule = AlertRule.objects.create(organization=org, name="spike", threshold_period=1)
    pk_map = PrimaryKeyMap()
    pk_map.insert(ModelName("sentry.organization"), 3, PkMapping(org.pk, ImportKind.INSERTED))
    pk_map.insert(ModelName("sentry.alertrule"), 5, PkMapping(rule.pk, ImportKind.INSERTED))
    record = {
        "model": "sentry.incident",
        "pk": 1,
        "fields": {
            "organization": 3,
            "alert_rule": 5,
            "identifier": 1,
            "type": 2,
            "title": "spike",
            "activation": 9,
        },
    }

    chunk, _ = _import("sentry.incident", [record], pk_map)

    assert [f.kind for f in chunk.findings] == [FindingKind.REFERENCE_NULLED]
    incident = Incident.objects.get(pk=chunk.mapped[1].new_pk)
    assert incident.activation is None


def test_a_batch_over_the_batch_limit_is_refused_before_it_is_parsed(db, monkeypatch):
    parsed: list[bytes] = []

    def loads(data: bytes) -> list[object]:
        parsed.append(data)
        return []

    monkeypatch.setattr(orjson, "loads", loads)
    huge = b"[" + b" " * (MAX_BATCH_BYTES + 1) + b"]"
    with pytest.raises(DeserializationFailedError, match="larger than the limit of"):
        do_import_batch(
            REGISTRY,
            RegionImportChunk,
            ImportBatchRequest(
                model="sentry.option",
                scope=OperationScope.GLOBAL,
                flags=ImportFlags(import_uuid=uuid.uuid4().hex),
                filters=[],
                pk_map=PrimaryKeyMap(),
                records_json=huge,
                min_ordinal=1,
            ),
        )
    assert parsed == []


def _monitor(pk: int, guid: str) -> dict:
    return {
        "model": "sentry.monitor",
        "pk": pk,
        "fields": {
            "organization_id": 3,
            "project_id": 4,
            "guid": guid,
            "slug": f"nightly-{pk}",
            "name": "Nightly",
            "config": {},
        },
    }


@pytest.mark.parametrize(
    ("scope", "kept"), [(OperationScope.GLOBAL, True), (OperationScope.ORGANIZATION, False)]
)
def test_a_monitors_guid_is_regenerated_outside_global_and_kept_by_a_global_restore(
    db, scope, kept
):
    org = _organization()
    project = Project.objects.create(organization=org, slug="web", name="Web")
    pk_map = PrimaryKeyMap()
    pk_map.insert(ModelName("sentry.organization"), 3, PkMapping(org.pk, ImportKind.INSERTED))
    pk_map.insert(ModelName("sentry.project"), 4, PkMapping(project.pk, ImportKind.INSERTED))
    guid = str(uuid.UUID(int=12345, version=4))

    chunk, _ = do_import_batch(
        REGISTRY,
        RegionImportChunk,
        ImportBatchRequest(
            model="sentry.monitor",
            scope=scope,
            flags=ImportFlags(import_uuid=uuid.uuid4().hex),
            filters=[],
            pk_map=pk_map,
            records_json=orjson.dumps([_monitor(1, guid)]),
            min_ordinal=1,
        ),
    )

    monitor = Monitor.objects.get(pk=chunk.mapped[1].new_pk)
    assert (monitor.guid == guid) is kept
    assert uuid.UUID(monitor.guid).version == 4
