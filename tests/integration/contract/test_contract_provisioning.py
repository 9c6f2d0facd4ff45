"""Cross-silo services' contract: control's slug reservations, region's import bookkeeping."""

from __future__ import annotations

import re
import uuid

import orjson
import pytest

from shared.backup.descriptors import Silo
from shared.backup.flags import ImportFlags
from shared.backup.pk_map import PrimaryKeyMap
from shared.backup.ports import OrganizationSlug
from shared.backup.scopes import OperationScope
from shared.rpc.errors import FailedPrecondition
from tests.integration.contract.goldens import golden, render

pytestmark = pytest.mark.integration


def _organization_ids(run_id: str, count: int) -> list[int]:
    """Organization ids unused by earlier sessions (reservations are idempotent per id)."""
    base = int(run_id, 16) % 10**12 * 10
    return [base + i for i in range(1, count + 1)]


def test_slug_reservation_keeps_a_fresh_slug_and_suffixes_a_colliding_one(
    provisioning, target, run_id
):
    # Slugs are global across regions: each region's run needs its own, or the second region
    # finds the first one's "fresh" slug taken and (rightly) suffixes it.
    case = render(golden("provisioning"), run=f"{run_id}-{target.region_name}")
    fresh_id, colliding_id = _organization_ids(run_id, 2)
    fresh = OrganizationSlug(fresh_id, case["fresh"]["slug"], case["fresh"]["name"])
    reserved = provisioning.bulk_create_organization_slug_reservations(
        region_name=target.region_name, organizations=[fresh]
    )
    assert reserved == {fresh_id: case["fresh"]["expected"]}

    colliding = OrganizationSlug(colliding_id, case["colliding"]["slug"], case["colliding"]["name"])
    reserved = provisioning.bulk_create_organization_slug_reservations(
        region_name=target.region_name, organizations=[colliding]
    )
    assert set(reserved) == {colliding_id}
    pattern = re.escape(case["colliding"]["expected_pattern"]).replace(
        re.escape("<suffix>"), case["suffix_regex"]
    )
    assert re.fullmatch(pattern, reserved[colliding_id]), reserved

    again = provisioning.bulk_create_organization_slug_reservations(
        region_name=target.region_name, organizations=[fresh, colliding]
    )
    assert again == {fresh_id: case["fresh"]["expected"], colliding_id: reserved[colliding_id]}


def test_control_chunk_replica_is_created_once(relocation, region_import, run_id):
    imports = render(golden("import_by_model"), run=run_id)
    expected = golden("region_import")["record_control_import_chunk_replica"]["created"]
    chunk, _ = relocation[Silo.CONTROL].import_by_model(
        model="sentry.user",
        scope=OperationScope.GLOBAL,
        flags=ImportFlags(import_uuid=uuid.uuid4().hex),
        filters=[],
        pk_map=PrimaryKeyMap(),
        records_json=orjson.dumps(imports["control"]["records"]).replace(b"contract-", b"replica-"),
        min_ordinal=1,
    )
    created = [region_import.record_control_import_chunk_replica(chunk=chunk) for _ in expected]
    assert created == expected


def test_apply_organization_slugs_counts_changed_organizations(
    relocation, region_import, provisioning, target, run_id
):
    imports = render(golden("import_by_model"), run=run_id)
    case = render(golden("region_import")["apply_organization_slugs"], run=run_id)
    records = orjson.dumps(imports["region"]["records"]).replace(b"contract-", b"apply-")
    chunk, _ = relocation[Silo.REGION].import_by_model(
        model="sentry.organization",
        scope=OperationScope.GLOBAL,
        flags=ImportFlags(import_uuid=uuid.uuid4().hex),
        filters=[],
        pk_map=PrimaryKeyMap(),
        records_json=records,
        min_ordinal=1,
    )
    org_id = chunk.mapped[min(chunk.mapped)].new_pk
    new = case["new_slug"]
    unknown = case["unknown_organization"]
    # An id no region holds, fresh per target (a reservation belongs to one region).
    unknown_id = unknown["organization_id"] + int(uuid.uuid4().hex[:8], 16)
    # The region applies only what control reserved for the organization in this region.
    reserved = provisioning.bulk_create_organization_slug_reservations(
        region_name=target.region_name,
        organizations=[
            OrganizationSlug(org_id, new["slug"]),
            OrganizationSlug(unknown_id, unknown["slug"]),
        ],
    )
    assert (
        region_import.apply_organization_slugs(slugs={org_id: reserved[org_id]})
        == (new["updated_count"])
    )
    assert (
        region_import.apply_organization_slugs(slugs={org_id: reserved[org_id]})
        == (case["same_slug_again"]["updated_count"])
    )
    assert (
        region_import.apply_organization_slugs(slugs={unknown_id: reserved[unknown_id]})
        == (unknown["updated_count"])
    )


def test_apply_organization_slugs_refuses_a_slug_control_did_not_reserve(
    relocation, region_import, run_id
):
    with pytest.raises(FailedPrecondition, match="SLUG_NOT_RESERVED"):
        region_import.apply_organization_slugs(slugs={10**15 + 7: f"unreserved-{run_id}"})
