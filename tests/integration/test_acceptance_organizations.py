"""Imported organizations: slugs, reservations, members and hiding (acceptance behaviours 58-61)."""

from __future__ import annotations

import pytest

from tests.integration.acceptance import (
    chunks,
    import_records,
    projectkey,
    projectoption,
    reset,
    seed,
)
from tests.support.records import member, org, project, user

pytestmark = pytest.mark.integration

RUN = "5eed0000000000000000000000000003"
PRIMARY = 0


@pytest.fixture
def pair(module_pair, tmp_path):
    """The module's pair, emptied by a Global import of nothing."""
    reset(module_pair, tmp_path)
    return module_pair


def _control_slugs(pair):
    return {
        "reservations": sorted(
            pair.query(
                "control",
                "SELECT organization_id, slug, reservation_type, region_name "
                "FROM sentry_organizationslugreservation",
            )
        ),
        "mappings": sorted(
            pair.query(
                "control",
                "SELECT organization_id, slug, region_name FROM sentry_organizationmapping",
            )
        ),
    }


def test_imported_org_gets_a_primary_reservation_and_a_mapping_and_only_its_own_keys(
    pair, tmp_path
):
    records = [
        org(1, "acme"),
        project(1, 1, "backend"),
        projectkey(1, 1, "1" * 32, "2" * 32),
        projectoption(1, 1, "sentry:option-epoch", 1),
    ]

    import_records(pair, tmp_path, "organizations", records)

    ((org_id, slug),) = pair.query("region", "SELECT id, slug FROM sentry_organization")
    assert slug == "acme"
    assert _control_slugs(pair) == {
        "reservations": [(org_id, "acme", PRIMARY, pair.region_name)],
        "mappings": [(org_id, "acme", pair.region_name)],
    }
    # Adapted: creating a project creates no default key or option; the file's rows are all.
    assert pair.query("region", "SELECT public_key FROM sentry_projectkey") == [("1" * 32,)]
    assert pair.query("region", "SELECT key FROM sentry_projectoptions") == [
        ("sentry:option-epoch",)
    ]


def test_taken_org_slug_is_suffixed_and_recorded_in_chunk_reservation_and_mapping(pair, tmp_path):
    records = [org(1, "acme")]
    seed(pair, tmp_path, records)

    import_records(pair, tmp_path, "organizations", records, "--import-uuid", RUN)

    orgs = dict(pair.query("region", "SELECT id, slug FROM sentry_organization"))
    assert orgs[1] == "acme"
    (new_id,) = [i for i in orgs if i != 1]
    new_slug = orgs[new_id]
    assert new_slug.startswith("acme-")
    (chunk,) = chunks(pair, "region", "sentry.organization", import_uuid=RUN)
    assert chunk["inserted_map"] == {"1": new_id}
    assert chunk["inserted_identifiers"] == {"1": new_slug}
    assert _control_slugs(pair) == {
        "reservations": [
            (1, "acme", PRIMARY, pair.region_name),
            (new_id, new_slug, PRIMARY, pair.region_name),
        ],
        "mappings": [(1, "acme", pair.region_name), (new_id, new_slug, pair.region_name)],
    }


@pytest.mark.parametrize(("flag", "status"), [((), 0), (("--hide-organizations",), 3)])
def test_hide_organizations_leaves_imported_orgs_pending_approval(pair, tmp_path, flag, status):
    import_records(pair, tmp_path, "organizations", [org(1, "acme"), org(2, "beta")], *flag)

    assert pair.query("region", "SELECT DISTINCT status FROM sentry_organization") == [(status,)]


def test_member_inviters_are_remapped_or_nulled_when_not_imported(pair, tmp_path):
    records = [
        user(10, "alice"),
        user(20, "bob"),
        org(5, "acme"),
        member(1, 5, 10, role="owner"),
        member(2, 5, 20, inviter_id=10),
        # Invited by someone the export does not hold.
        member(3, 5, None, email="pending@example.com", invite_status=1, inviter_id=99),
    ]

    _, findings = import_records(pair, tmp_path, "organizations", records)

    users = {name: pk for pk, name in pair.query("control", "SELECT id, username FROM auth_user")}
    rows = pair.query(
        "region",
        "SELECT user_id, email, inviter_id FROM sentry_organizationmember ORDER BY id",
    )
    assert users["alice"] != 10
    assert rows == [
        (users["alice"], None, None),
        (users["bob"], None, users["alice"]),
        (None, "pending@example.com", None),
    ]
    assert findings is not None
    assert [(f["on"], f["field"]) for f in findings if f["kind"] == "ReferenceNulled"] == [
        (["sentry.organizationmember", 3], "inviter_id")
    ]
