"""do_bulk_create_organization_slug_reservations: suffixing, per-region ids, idempotence, and a
statement count that does not grow with the number of organizations."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from control.actions import do_bulk_create_organization_slug_reservations
from control.models import OrganizationMapping, OrganizationSlugReservation
from shared.backup.errors import UnknownRegionError
from shared.backup.ports import OrganizationSlug

pytestmark = pytest.mark.usefixtures("db")

SUFFIXED = r"{}-[a-z0-9]{{2,12}}"


def _reserve(region, *orgs):
    return do_bulk_create_organization_slug_reservations(
        region, [OrganizationSlug(org_id, slug, f"Org {slug}") for org_id, slug in orgs]
    )


def _rows(model, *fields):
    return sorted(model.objects.values_list(*fields))


def test_a_free_slug_is_kept_and_mapped():
    assert _reserve("us", (1, "acme"), (2, "globex")) == {1: "acme", 2: "globex"}
    assert _rows(OrganizationSlugReservation, "region_name", "organization_id", "slug") == [
        ("us", 1, "acme"),
        ("us", 2, "globex"),
    ]
    assert _rows(OrganizationMapping, "region_name", "organization_id", "slug", "name") == [
        ("us", 1, "acme", "Org acme"),
        ("us", 2, "globex", "Org globex"),
    ]


def test_a_slug_held_in_another_region_is_suffixed_for_the_same_org_id():
    _reserve("us", (1, "acme"))
    reserved = _reserve("de", (1, "acme"))
    assert re.fullmatch(SUFFIXED.format("acme"), reserved[1]), reserved
    assert _rows(OrganizationMapping, "region_name", "organization_id", "slug") == [
        ("de", 1, reserved[1]),
        ("us", 1, "acme"),
    ]


def test_organizations_of_one_call_sharing_a_slug_get_distinct_slugs_the_first_the_plain_one():
    reserved = _reserve("us", (1, "acme"), (2, "acme"), (3, "acme"))
    assert reserved[1] == "acme"
    assert len(set(reserved.values())) == 3
    assert all(re.fullmatch(SUFFIXED.format("acme"), reserved[i]) for i in (2, 3)), reserved


def test_repeating_a_call_returns_the_same_slugs_and_writes_nothing():
    first = _reserve("us", (1, "acme"), (2, "acme"))
    before = _rows(OrganizationSlugReservation, "pk", "slug")
    again = _reserve("us", (2, "acme"), (1, "acme"), (1, "acme"))
    assert again == first
    assert _rows(OrganizationSlugReservation, "pk", "slug") == before
    assert OrganizationMapping.objects.count() == 2


def test_an_existing_mapping_without_a_reservation_is_updated():
    OrganizationMapping.objects.create(region_name="us", organization_id=7, slug="old", name="Old")
    assert _reserve("us", (7, "new")) == {7: "new"}
    assert _rows(OrganizationMapping, "organization_id", "slug", "name") == [(7, "new", "Org new")]


def test_a_long_slug_is_truncated_to_fit():
    long = "a" * 60
    assert _reserve("us", (1, long)) == {1: "a" * 50}
    reserved = _reserve("de", (1, long))
    assert len(reserved[1]) <= 50
    assert reserved[1] != "a" * 50


def test_an_unknown_region_is_refused():
    with pytest.raises(UnknownRegionError):
        do_bulk_create_organization_slug_reservations(
            "mars", [OrganizationSlug(1, "x", "X")], known_regions=("us", "de")
        )
    assert not OrganizationSlugReservation.objects.exists()


@pytest.mark.parametrize("count", [3, 60])
def test_statements_per_call_do_not_grow_with_the_number_of_organizations(count):
    # Every slug is held in another region, so each organization needs exactly one suffix round.
    _reserve("us", *[(i, f"org-{i}") for i in range(1, count + 1)])
    with CaptureQueriesContext(connection) as queries:
        reserved = _reserve("de", *[(i, f"org-{i}") for i in range(1, count + 1)])
    assert len(set(reserved.values())) == count
    assert all(re.fullmatch(SUFFIXED.format(f"org-{i}"), reserved[i]) for i in reserved)
    # Savepoint, reservations, taken slugs, one suffix round, insert, upsert, release.
    assert len(queries) == 7, [q["sql"][:80] for q in queries]
