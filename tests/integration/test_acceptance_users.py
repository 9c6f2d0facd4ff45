"""Colliding usernames with --merge-users on and off (acceptance behaviours 39-45, 63, 64)."""

from __future__ import annotations

import pytest

from tests.integration.acceptance import chunks, import_records, reset, seed
from tests.support.records import email, member, org, user, useremail, userpermission

pytestmark = pytest.mark.integration

EXISTING = [
    user(1, "owner"),
    email(1, "owner@example.com"),
    useremail(1, 1, "owner@example.com"),
    userpermission(1, 1, "users.admin"),
]
INCOMING = [
    user(5, "owner", email="other@example.com"),
    email(5, "other@example.com"),
    useremail(5, 5, "other@example.com"),
    userpermission(5, 5, "broadcasts.admin"),
]
EXPORTED_PASSWORD = EXISTING[0]["fields"]["password"]


@pytest.fixture
def pair(module_pair, tmp_path):
    """The module's pair, emptied by a Global import of nothing."""
    reset(module_pair, tmp_path)
    return module_pair


def _users(pair):
    return pair.query(
        "control", "SELECT id, username, is_unclaimed, password FROM auth_user ORDER BY id"
    )


RUN = "5eed0000000000000000000000000001"


def _maps(pair, model):
    (chunk,) = chunks(pair, "control", model, import_uuid=RUN)
    return len(chunk["inserted_map"]), len(chunk["existing_map"]), len(chunk["overwrite_map"])


@pytest.mark.parametrize(
    ("scope", "flags"),
    [
        ("users", ("--merge-users",)),
        ("config", ("--merge-users",)),
        ("config", ("--merge-users", "--overwrite-configs")),
    ],
)
def test_merged_user_keeps_the_existing_account_and_its_rows(pair, tmp_path, scope, flags):
    seed(pair, tmp_path, EXISTING)

    import_records(pair, tmp_path, scope, INCOMING, *flags, "--import-uuid", RUN)

    assert _users(pair) == [(1, "owner", False, EXPORTED_PASSWORD)]
    assert pair.query("control", "SELECT user_id, email FROM sentry_useremail") == [
        (1, "owner@example.com")
    ]
    assert sorted(e for (e,) in pair.query("control", "SELECT email FROM sentry_email")) == [
        "other@example.com",
        "owner@example.com",
    ]
    assert _maps(pair, "sentry.user") == (0, 1, 0)
    # Adapted: the skipped user-owned rows still get a chunk, with nothing in it.
    assert _maps(pair, "sentry.useremail") == (0, 0, 0)
    if scope == "config":
        assert pair.query("control", "SELECT user_id, permission FROM sentry_userpermission") == [
            (1, "users.admin")
        ]
        assert _maps(pair, "sentry.userpermission") == (0, 0, 0)


@pytest.mark.parametrize("scope", ["users", "config"])
def test_unmerged_colliding_user_is_a_new_suffixed_unclaimed_account(pair, tmp_path, scope):
    seed(pair, tmp_path, EXISTING)

    _, findings = import_records(pair, tmp_path, scope, INCOMING, "--import-uuid", RUN)

    (existing, imported) = _users(pair)
    assert existing == (1, "owner", False, EXPORTED_PASSWORD)
    new_id, username, unclaimed, password = imported
    assert username.startswith("owner-")
    assert unclaimed is True
    assert password != EXPORTED_PASSWORD
    assert sorted(pair.query("control", "SELECT user_id, email FROM sentry_useremail")) == [
        (1, "owner@example.com"),
        (new_id, "other@example.com"),
    ]
    assert _maps(pair, "sentry.user") == (1, 0, 0)
    assert _maps(pair, "sentry.useremail") == (1, 0, 0)
    if scope == "config":
        assert sorted(
            pair.query("control", "SELECT user_id, permission FROM sentry_userpermission")
        ) == [(1, "users.admin"), (new_id, "broadcasts.admin")]
    assert findings is not None
    assert any(
        f["kind"] == "CollisionResolved" and "suffixed: 'owner' -> 'owner-" in f["reason"]
        for f in findings
    )


def _orgs_and_members(pair):
    slugs = dict(pair.query("region", "SELECT id, slug FROM sentry_organization"))
    members = sorted(
        pair.query("region", "SELECT organization_id, user_id FROM sentry_organizationmember")
    )
    mappings = dict(
        pair.query("control", "SELECT organization_id, slug FROM sentry_organizationmapping")
    )
    return slugs, members, mappings


def test_unmerged_user_and_suffixed_org_of_an_organization_import_belong_together(pair, tmp_path):
    seed(pair, tmp_path, [user(1, "owner"), org(1, "some-org"), member(1, 1, 1)])
    incoming = [user(3, "owner"), org(4, "some-org"), member(9, 4, 3, role="owner")]

    import_records(pair, tmp_path, "organizations", incoming)

    slugs, members, mappings = _orgs_and_members(pair)
    users = dict(pair.query("control", "SELECT id, username FROM auth_user"))
    assert len(users) == len(slugs) == 2
    (new_org,) = [i for i in slugs if i != 1]
    (new_user,) = [i for i in users if i != 1]
    assert (slugs[1], users[1]) == ("some-org", "owner")
    assert slugs[new_org].startswith("some-org-")
    assert users[new_user].startswith("owner-")
    assert members == sorted([(1, 1), (new_org, new_user)])
    assert mappings == slugs


def test_merged_user_of_an_organization_import_is_a_member_of_both_orgs(pair, tmp_path):
    seed(pair, tmp_path, [user(1, "owner"), org(1, "some-org"), member(1, 1, 1)])
    incoming = [user(3, "owner"), org(4, "some-org"), member(9, 4, 3, role="owner")]

    import_records(pair, tmp_path, "organizations", incoming, "--merge-users")

    slugs, members, mappings = _orgs_and_members(pair)
    assert pair.query("control", "SELECT id, username FROM auth_user") == [(1, "owner")]
    (new_org,) = [i for i in slugs if i != 1]
    assert members == sorted([(1, 1), (new_org, 1)])
    assert mappings == slugs


def test_importing_the_same_user_twice_gives_two_different_suffixes(pair, tmp_path):
    records = [user(1, "alice"), email(1, "alice@example.com")]
    seed(pair, tmp_path, records)

    import_records(pair, tmp_path, "users", records)
    import_records(pair, tmp_path, "users", records)

    usernames = [u[1] for u in _users(pair)]
    assert len(usernames) == len(set(usernames)) == 3
    assert usernames[0] == "alice"
    assert all(u.startswith("alice-") for u in usernames[1:])
