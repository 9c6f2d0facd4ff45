"""The raw PostgreSQL insert stores what Django's bulk_create stores, in one statement."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import Model
from django.test.utils import CaptureQueriesContext

from region.models import Option, Organization, Project, ProjectKey
from shared.backup.orm.inserts import insert_rows, supports_fast_insert
from shared.backup.orm.records import decode_records
from shared.backup.orm.writer import record_instance

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the raw insert path is PostgreSQL's"
)

WHEN = "2024-01-01T10:20:30.123Z"


def _stored(model: type[Model], pks: list[int]) -> list[dict]:
    rows = list(model._base_manager.filter(pk__in=pks).order_by("pk").values())
    for row in rows:
        row.pop("id")
    return rows


def _both_ways(model: type[Model], wire: str, raws: list[dict], keep_pks: bool = False) -> None:
    """Insert the records raw, read them back, delete them; then the same with bulk_create."""
    assert supports_fast_insert(model)
    records = decode_records(model, wire, raws, 1)
    pks = [r.old_pk for r in records] if keep_pks else None
    with CaptureQueriesContext(connection) as captured:
        fast_pks = insert_rows(model, [r.values for r in records], pks)
    # COPY, plus one query drawing new ids from the sequence unless source pks are kept.
    assert len(captured.captured_queries) == (1 if keep_pks else 2)
    if keep_pks:
        assert fast_pks == pks
    fast = _stored(model, fast_pks)
    model._base_manager.filter(pk__in=fast_pks).delete()
    records = decode_records(model, wire, raws, 1)
    created = model._base_manager.bulk_create(
        [record_instance(model, r, r.old_pk if keep_pks else None) for r in records]
    )
    assert fast == _stored(model, [int(obj.pk) for obj in created])
    assert len(fast) == len(raws)


def test_json_values_of_every_shape_are_stored_as_django_stores_them(db):
    values = [
        '["*"]',
        {"a": [1, 2.5, None, True], "tab\there": "back\\slash\nnew line"},
        [1, "x", 'quote " and \\N'],
        7,
        1.5,
        False,
        "plain",
        None,
        "é \u2603",
    ]
    raws = [
        {
            "model": "sentry.option",
            "pk": i + 1,
            "fields": {"key": f"k{i}", "value": value, "last_updated": WHEN},
        }
        for i, value in enumerate(values)
    ]
    _both_ways(Option, "sentry.option", raws)


def test_flags_datetimes_defaults_and_explicit_pks_match_bulk_create(db):
    raws = [
        {
            "model": "sentry.organization",
            "pk": 900 + i,
            "fields": {
                "name": ["Org\twith tab", "back\\slash \\N", "new\nline\r"][i],
                "slug": f"org-fast-{i}",
                "flags": "3",
                "date_added": "2024-05-01T12:00:00+02:00" if i else WHEN,
            },
        }
        for i in range(3)
    ]
    _both_ways(Organization, "sentry.organization", raws, keep_pks=True)


def test_references_nullable_integers_and_json_defaults_match_bulk_create(db):
    org = Organization.objects.create(name="o", slug="o-fast")
    project = Project.objects.create(name="p", slug="p", organization=org)
    raws = [
        {
            "model": "sentry.projectkey",
            "pk": i + 1,
            "fields": {
                "project": project.pk,
                "label": None if i else "Default",
                "public_key": f"{i:032x}",
                "secret_key": f"{i + 100:032x}",
                "roles": "1",
                "rate_limit_count": i or None,
                "date_added": WHEN,
                **({"data": {"dynamicSdkLoaderOptions": {"hasReplay": True}}} if i else {}),
            },
        }
        for i in range(4)
    ]
    _both_ways(ProjectKey, "sentry.projectkey", raws)


def test_a_batch_is_one_statement_whatever_its_size(db):
    def options(n: int, prefix: str) -> list[dict]:
        raws = [
            {"model": "sentry.option", "pk": i + 1, "fields": {"key": f"{prefix}{i}", "value": i}}
            for i in range(n)
        ]
        return [r.values for r in decode_records(Option, "sentry.option", raws, 1)]

    for rows in (options(3, "small"), options(2000, "large")):
        with CaptureQueriesContext(connection) as captured:
            assert len(insert_rows(Option, rows, None)) == len(rows)
        assert len(captured.captured_queries) == 2


def test_a_unique_violation_is_djangos_integrity_error_so_the_batch_is_retried(db):
    raws = [{"model": "sentry.option", "pk": 1, "fields": {"key": "taken", "value": 1}}]
    rows = [r.values for r in decode_records(Option, "sentry.option", raws, 1)]
    insert_rows(Option, rows, None)
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_rows(Option, rows, None)
