"""Imported secrets that collide with existing rows (acceptance behaviours 33, 35, 36, 38)."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from tests.integration.acceptance import (
    apitoken,
    import_records,
    orgauthtoken,
    projectkey,
    reset,
    seed,
    sha256_hex,
)
from tests.support.records import member, org, project, user

pytestmark = pytest.mark.integration

HEX32 = re.compile(r"^[0-9a-f]{32}$")
EXPIRES = "2024-06-01T00:00:00.000Z"


@pytest.fixture
def pair(module_pair, tmp_path):
    """The module's pair, emptied by a Global import of nothing."""
    reset(module_pair, tmp_path)
    return module_pair


def _tokens(pair):
    return pair.query(
        "control",
        "SELECT id, token, hashed_token, token_last_characters, refresh_token, "
        "hashed_refresh_token, expires_at FROM sentry_apitoken ORDER BY id",
    )


def test_colliding_api_tokens_get_fresh_secrets_and_existing_tokens_stay(pair, tmp_path):
    records = [
        user(1, "alice"),
        # Token and refresh token both collide, only the token, only the refresh token, and a
        # token without refresh token or expiry.
        apitoken(1, 1, "a" * 64, "b" * 64, EXPIRES),
        apitoken(2, 1, "c" * 64, "d" * 64, EXPIRES),
        apitoken(3, 1, "e" * 64, "f" * 64, EXPIRES),
        apitoken(4, 1, "0" * 64, None, None),
    ]
    seed(pair, tmp_path, records)
    before = _tokens(pair)
    incoming = [
        user(1, "alice"),
        apitoken(1, 1, "a" * 64, "b" * 64, EXPIRES),
        apitoken(2, 1, "c" * 64, "9" * 64, EXPIRES),
        apitoken(3, 1, "8" * 64, "f" * 64, EXPIRES),
        apitoken(4, 1, "0" * 64, None, None),
    ]

    _, findings = import_records(pair, tmp_path, "config", incoming)

    after = _tokens(pair)
    assert len(after) == 8
    assert after[:4] == before
    old_secrets = {value for row in before for value in (row[1], row[4]) if value}
    new = after[4:]
    for _id, token, hashed, last, refresh, hashed_refresh, _expires in new:
        assert token not in old_secrets
        assert hashed == sha256_hex(token)
        assert last == token[-4:]
        if refresh is not None:
            assert refresh not in old_secrets
            assert hashed_refresh == sha256_hex(refresh)
    assert len({row[1] for row in after}) == 8
    # Regenerated tokens that expired get a fresh expiry; one that never expires keeps none.
    now = dt.datetime.now(dt.UTC)
    for row in new[:3]:
        assert row[6] > now + dt.timedelta(days=29)
    assert (new[3][4], new[3][5], new[3][6]) == (None, None, None)
    assert findings is not None
    regenerated = [
        f for f in findings if f["kind"] == "CollisionResolved" and f["on"][0] == "sentry.apitoken"
    ]
    assert sorted(f["on"][1] for f in regenerated) == [1, 2, 3, 4]


def test_reimported_org_auth_token_is_minted_anew_and_the_existing_one_stays(pair, tmp_path):
    records = [
        user(1, "alice"),
        org(1, "acme"),
        member(1, 1, 1, role="owner"),
        orgauthtoken(1, 1, sha256_hex("sntrys_original"), created_by=1),
    ]
    seed(pair, tmp_path, records)
    before = pair.query(
        "control", "SELECT id, token_hashed, token_last_characters FROM sentry_orgauthtoken"
    )

    _, findings = import_records(pair, tmp_path, "organizations", records)

    rows = pair.query(
        "control",
        "SELECT id, organization_id, token_hashed, token_last_characters "
        "FROM sentry_orgauthtoken ORDER BY id",
    )
    assert len(rows) == 2
    assert [(rows[0][0], rows[0][2], rows[0][3])] == before
    _id, new_org, new_hash, new_last = rows[1]
    assert new_hash != sha256_hex("sntrys_original")
    assert re.fullmatch(r"[0-9a-f]{64}", new_hash)
    assert new_last is not None
    assert len(new_last) == 4
    # The new token belongs to the imported (suffixed) organization, not the existing one.
    slugs = dict(pair.query("region", "SELECT id, slug FROM sentry_organization"))
    assert slugs[new_org].startswith("acme-")
    assert findings is not None
    assert [
        f["on"]
        for f in findings
        if f["kind"] == "CollisionResolved" and f["on"][0] == "sentry.orgauthtoken"
    ] == [["sentry.orgauthtoken", 1]]


def test_colliding_project_keys_are_regenerated_and_every_key_survives(pair, tmp_path):
    keys = [("1" * 32, "2" * 32), ("3" * 32, "4" * 32)]
    records = [
        org(1, "acme"),
        project(1, 1, "backend"),
        *(projectkey(i, 1, public, secret) for i, (public, secret) in enumerate(keys, start=1)),
    ]
    seed(pair, tmp_path, records)

    import_records(pair, tmp_path, "organizations", records)

    rows = pair.query(
        "region", "SELECT project_id, public_key, secret_key FROM sentry_projectkey ORDER BY id"
    )
    assert len(rows) == 4
    assert [(r[1], r[2]) for r in rows[:2]] == keys
    new = rows[2:]
    assert {r[0] for r in new} != {1}
    assert len({r[0] for r in new}) == 1
    values = [v for r in rows for v in (r[1], r[2])]
    assert len(set(values)) == 8
    assert all(HEX32.match(v) for v in values)


def test_colliding_invite_token_is_cleared_on_the_imported_member(pair, tmp_path):
    records = [
        user(1, "alice"),
        org(1, "acme"),
        member(1, 1, 1, role="owner"),
        member(
            2,
            1,
            None,
            email="invitee@example.com",
            invite_status=1,
            token="t" * 32,
            token_expires_at=EXPIRES,
        ),
    ]
    seed(pair, tmp_path, records)

    _, findings = import_records(pair, tmp_path, "organizations", records)

    invites = pair.query(
        "region",
        "SELECT organization_id, token, token_expires_at FROM sentry_organizationmember "
        "WHERE user_id IS NULL ORDER BY id",
    )
    assert len(invites) == 2
    assert invites[0][1] == "t" * 32
    assert invites[1][0] != invites[0][0]
    assert (invites[1][1], invites[1][2]) == (None, None)
    assert findings is not None
    assert [
        f["field"]
        for f in findings
        if f["kind"] == "CollisionResolved" and f["on"][0] == "sentry.organizationmember"
    ] == ["token"]
