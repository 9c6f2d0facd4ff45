"""The batch write path is set-based: a batch issues the same SQL statements whatever its size."""

from __future__ import annotations

import uuid

import orjson
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from region.models import Option, RegionImportChunk
from shared.backup.descriptors import Silo
from shared.backup.flags import ImportFlags
from shared.backup.model_names import ModelName
from shared.backup.orm.importing import ImportBatchRequest, do_import_batch
from shared.backup.orm.registry import build_registry
from shared.backup.pk_map import ImportKind, PkMapping, PrimaryKeyMap
from shared.backup.scopes import OperationScope

WHEN = "2024-01-01T00:00:00.000Z"


def _statements(
    model: str, records: list[dict], pk_map: PrimaryKeyMap | None = None, **flags: bool
) -> int:
    registry = build_registry("region", Silo.REGION)
    request = ImportBatchRequest(
        model=model,
        scope=OperationScope.GLOBAL,
        flags=ImportFlags(import_uuid=uuid.uuid4().hex, **flags),
        filters=[],
        pk_map=pk_map or PrimaryKeyMap(),
        records_json=orjson.dumps(records),
        min_ordinal=1,
    )
    with CaptureQueriesContext(connection) as captured:
        chunk, replayed = do_import_batch(registry, RegionImportChunk, request)
    assert not replayed
    assert len(chunk.mapped) == len(records)
    return len(captured.captured_queries)


def _same_cost(small: int, large: int, rows: int) -> None:
    """PostgreSQL: equal counts. SQLite caps bound parameters per statement (999 on older
    builds), so Django splits a large bulk INSERT; allow that, never a statement per row."""
    if connection.vendor == "sqlite":
        assert large - small <= rows // 50
    else:
        assert large == small


def _orgs(n: int, offset: int) -> list[dict]:
    return [
        {
            "model": "sentry.organization",
            "pk": offset + i,
            "fields": {
                "name": f"Org {offset + i}",
                "slug": f"org-{offset + i}",
                "date_added": WHEN,
            },
        }
        for i in range(n)
    ]


def _keys(n: int, project: int, offset: int) -> list[dict]:
    return [
        {
            "model": "sentry.projectkey",
            "pk": offset + i,
            "fields": {
                "project": project,
                "public_key": uuid.uuid4().hex,
                "secret_key": uuid.uuid4().hex,
                "date_added": WHEN,
            },
        }
        for i in range(n)
    ]


@pytest.mark.parametrize("size", [20, 200])
def test_inserting_a_batch_issues_a_fixed_number_of_statements(db, size):
    small = _statements("sentry.organization", _orgs(10, 10_000 + size))
    large = _statements("sentry.organization", _orgs(size, 20_000 + size))
    _same_cost(small, large, size)


def test_references_and_two_collision_policies_cost_no_per_row_queries(db):
    _statements("sentry.organization", _orgs(1, 1))
    _statements(
        "sentry.project",
        [
            {
                "model": "sentry.project",
                "pk": 1,
                "fields": {"slug": "p", "name": "P", "organization": 1, "date_added": WHEN},
            }
        ],
        PrimaryKeyMap(
            {
                ModelName("sentry.organization"): {
                    1: PkMapping(_org_pk("org-1"), ImportKind.INSERTED)
                }
            }
        ),
    )
    project_pk = _project_pk()
    pk_map = PrimaryKeyMap(
        {ModelName("sentry.project"): {1: PkMapping(project_pk, ImportKind.INSERTED)}}
    )
    small = _statements("sentry.projectkey", _keys(10, 1, 100), pk_map)
    large = _statements("sentry.projectkey", _keys(300, 1, 1000), pk_map)
    _same_cost(small, large, 300)


def test_overwriting_colliding_options_is_one_update_whatever_the_count(db):
    def options(n: int, value: str) -> list[dict]:
        return [
            {
                "model": "sentry.option",
                "pk": i,
                "fields": {"key": f"k{i}", "value": value, "last_updated": WHEN},
            }
            for i in range(n)
        ]

    Option.objects.bulk_create([Option(key=f"k{i}", value="old") for i in range(300)])
    small = _statements("sentry.option", options(10, "new"), overwrite_configs=True)
    large = _statements("sentry.option", options(300, "new"), overwrite_configs=True)
    _same_cost(small, large, 300)
    assert set(Option.objects.values_list("value", flat=True)) == {"new"}


def _org_pk(slug: str) -> int:
    from region.models import Organization  # noqa: PLC0415

    return int(Organization.objects.get(slug=slug).pk)


def _project_pk() -> int:
    from region.models import Project  # noqa: PLC0415

    return int(Project.objects.get(slug="p").pk)
