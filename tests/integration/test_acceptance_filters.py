"""Import filters by username and by organization slug (acceptance behaviours 20-25, 32)."""

from __future__ import annotations

import pytest

from shared.backup.findings import FindingKind
from shared.backup.import_filters import org_slug_filters, username_filters
from shared.backup.model_names import ModelName
from shared.backup.scopes import OperationScope
from tests.integration.acceptance import (
    chunks,
    engine_import,
    import_records,
    orgauthtoken,
    reset,
    sha256_hex,
)
from tests.support.records import email, member, org, user, useremail

pytestmark = pytest.mark.integration

# Four users, two of whom share an address; three organizations, each with an auth token.
USERS = [
    user(1, "alice"),
    user(2, "bob", email="shared@example.com"),
    user(3, "carol", email="shared@example.com"),
    user(4, "dave"),
    email(1, "alice@example.com"),
    email(2, "shared@example.com"),
    email(3, "dave@example.com"),
    useremail(1, 1, "alice@example.com"),
    useremail(2, 2, "shared@example.com"),
    useremail(3, 3, "shared@example.com"),
    useremail(4, 4, "dave@example.com"),
]
ORGS = [
    org(1, "acme"),
    org(2, "beta"),
    org(3, "gamma"),
    member(1, 1, 1, role="owner"),
    member(2, 1, 2, inviter_id=1),
    member(3, 1, None, email="invitee@example.com", invite_status=1, inviter_id=1),
    member(4, 2, 3, role="owner"),
    member(5, 2, 4),
    member(6, 3, 4, role="owner"),
    orgauthtoken(1, 1, sha256_hex("acme-token"), created_by=1),
    orgauthtoken(2, 2, sha256_hex("beta-token"), created_by=3),
    orgauthtoken(3, 3, sha256_hex("gamma-token"), created_by=4),
]


@pytest.fixture
def pair(module_pair, tmp_path):
    """The module's pair, emptied by a Global import of nothing."""
    reset(module_pair, tmp_path)
    return module_pair


def _column(pair, silo, sql):
    return sorted(value for (value,) in pair.query(silo, sql))


def _usernames(pair):
    return _column(pair, "control", "SELECT username FROM auth_user")


def _emails(pair):
    return _column(pair, "control", "SELECT email FROM sentry_email")


def test_username_filter_writes_one_chunk_per_model_holding_only_the_kept_records(pair, tmp_path):
    import_records(pair, tmp_path, "users", USERS, "--filter-usernames", "alice")

    assert _usernames(pair) == ["alice"]
    written = {c["model"]: c for c in chunks(pair, "control")}
    assert sorted(written) == ["sentry.email", "sentry.user", "sentry.useremail"]
    # Adapted: a chunk spans its batch's ordinals in the file, and its maps hold what was kept.
    assert [(c["min_ordinal"], c["max_ordinal"]) for c in written.values()] == [
        (1, 3),
        (1, 4),
        (1, 4),
    ]
    assert list(written["sentry.user"]["inserted_map"]) == ["1"]
    assert list(written["sentry.useremail"]["inserted_map"]) == ["1"]
    assert list(written["sentry.email"]["inserted_map"]) == ["1"]
    assert written["sentry.user"]["min_source_pk"] == written["sentry.user"]["max_source_pk"] == 1


def test_empty_username_filter_imports_no_user_and_no_email(pair, tmp_path):
    report = engine_import(
        pair,
        tmp_path,
        OperationScope.USER,
        USERS,
        lambda contents: username_filters(contents, []),
    )

    assert pair.count("control", "auth_user") == 0
    assert pair.count("control", "sentry_useremail") == 0
    assert pair.count("control", "sentry_email") == 0
    assert report.counts[ModelName("sentry.user")].skipped[FindingKind.FILTERED] == 4


def test_org_filter_imports_that_org_its_token_and_its_members_users_with_emails(pair, tmp_path):
    import_records(pair, tmp_path, "organizations", USERS + ORGS, "--filter-org-slugs", "acme")

    assert _column(pair, "region", "SELECT slug FROM sentry_organization") == ["acme"]
    (org_chunk,) = chunks(pair, "region", "sentry.organization")
    assert list(org_chunk["inserted_map"]) == ["1"]
    assert pair.count("control", "sentry_orgauthtoken") == 1
    (token_chunk,) = chunks(pair, "control", "sentry.orgauthtoken")
    assert list(token_chunk["inserted_map"]) == ["1"]
    assert _usernames(pair) == ["alice", "bob"]
    assert _column(pair, "control", "SELECT email FROM sentry_useremail") == [
        "alice@example.com",
        "shared@example.com",
    ]
    assert _emails(pair) == ["alice@example.com", "shared@example.com"]
    # The pending invite (no user) comes along with the accepted members.
    assert pair.count("region", "sentry_organizationmember") == 3


def test_org_filter_of_two_orgs_imports_both_their_tokens_and_the_union_of_users(pair, tmp_path):
    import_records(pair, tmp_path, "organizations", USERS + ORGS, "--filter-org-slugs", "acme,beta")

    assert _column(pair, "region", "SELECT slug FROM sentry_organization") == ["acme", "beta"]
    (org_chunk,) = chunks(pair, "region", "sentry.organization")
    assert sorted(org_chunk["inserted_map"]) == ["1", "2"]
    (token_chunk,) = chunks(pair, "control", "sentry.orgauthtoken")
    assert sorted(token_chunk["inserted_map"]) == ["1", "2"]
    assert _usernames(pair) == ["alice", "bob", "carol", "dave"]
    assert pair.count("control", "sentry_useremail") == 4
    # Two users share an address: Email rows are distinct addresses.
    assert _emails(pair) == ["alice@example.com", "dave@example.com", "shared@example.com"]
    assert pair.count("region", "sentry_organizationmember") == 5


def test_empty_org_filter_imports_no_org_token_user_or_email(pair, tmp_path):
    engine_import(
        pair,
        tmp_path,
        OperationScope.ORGANIZATION,
        USERS + ORGS,
        lambda contents: org_slug_filters(contents, []),
    )

    assert pair.count("region", "sentry_organization") == 0
    assert pair.count("region", "sentry_organizationmember") == 0
    assert pair.count("control", "sentry_orgauthtoken") == 0
    assert pair.count("control", "auth_user") == 0
    assert pair.count("control", "sentry_useremail") == 0
    assert pair.count("control", "sentry_email") == 0


@pytest.mark.parametrize("empty", ["--filter-usernames=", "--filter-usernames-file"])
def test_empty_cli_username_filter_means_no_filter(pair, tmp_path, empty):
    args = [empty]
    if empty == "--filter-usernames-file":
        names = tmp_path / "names.txt"
        names.write_text("")
        args.append(str(names))

    proc, findings = import_records(pair, tmp_path, "users", USERS, *args)

    assert proc.returncode == 0
    assert _usernames(pair) == ["alice", "bob", "carol", "dave"]
    assert findings is not None
    assert [f for f in findings if f["kind"] == "Filtered"] == []
