"""Claim links of imported users: minted for an import's unclaimed users from control's chunk
ledger, stored as digests, single-use, expiring after Sentry's lifetime of one hour."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.contrib.auth.hashers import check_password
from django.utils import timezone

from control.claims import do_claim_user, do_create_claim_links, imported_user_ids
from control.models import (
    CLAIM_HASH_LIFETIME,
    ControlImportChunk,
    LostPasswordHash,
    User,
    digest_claim_hash,
)
from control.models.core import unusable_password
from shared.backup.chunks import ImportChunk
from shared.backup.descriptors import Silo
from shared.backup.errors import (
    ClaimHashExpiredError,
    ClaimHashInvalidError,
    ClaimPasswordRejectedError,
    ImportUuidRequiredError,
    UnknownImportError,
)
from shared.backup.model_names import ModelName
from shared.backup.orm.chunk_store import save_chunk
from shared.backup.orm.registry import build_registry
from shared.backup.pk_map import ImportKind, PkMapping

pytestmark = pytest.mark.usefixtures("db")

IMPORT = "0f3c0000-0000-4000-8000-000000000001"
PASSWORD = "correct horse battery staple"  # noqa: S105 - a test password


def _unclaimed(username, **fields):
    return User.objects.create(
        username=username,
        email=f"{username}@example.com",
        is_unclaimed=True,
        password=unusable_password(),
        **fields,
    )


def _ledger(import_uuid, model, mapped, min_ordinal=1):
    """Record a batch the way the importer does (chunk_store.save_chunk)."""
    save_chunk(
        ControlImportChunk,
        ImportChunk(
            import_uuid=import_uuid,
            model=ModelName(model),
            min_ordinal=min_ordinal,
            max_ordinal=min_ordinal + max(len(mapped), 1) - 1,
            mapped=mapped,
        ),
    )


def _imported(*users, import_uuid=IMPORT, min_ordinal=1):
    mapped = {i: PkMapping(u.pk, ImportKind.INSERTED) for i, u in enumerate(users, start=1)}
    _ledger(import_uuid, "sentry.user", mapped, min_ordinal)


def test_links_are_minted_for_the_imports_unclaimed_users_only():
    alice, bob, claimed = _unclaimed("alice"), _unclaimed("bob"), _unclaimed("carol")
    claimed.is_unclaimed = False
    claimed.save()
    merged = User.objects.create(username="dave", is_unclaimed=False)
    other = _unclaimed("erin")
    _imported(alice, claimed, min_ordinal=1)
    _imported(bob, min_ordinal=3)
    _ledger(IMPORT, "sentry.user", {9: PkMapping(merged.pk, ImportKind.EXISTING)}, min_ordinal=4)
    _imported(other, import_uuid="another-import")

    links = do_create_claim_links(IMPORT)

    assert [(link.user_id, link.username, link.email) for link in links] == [
        (alice.pk, "alice", "alice@example.com"),
        (bob.pk, "bob", "bob@example.com"),
    ]
    assert imported_user_ids(IMPORT) == sorted([alice.pk, claimed.pk, bob.pk])
    assert set(LostPasswordHash.objects.values_list("user_id", flat=True)) == {alice.pk, bob.pk}


def test_the_table_keeps_only_a_digest_of_each_hash():
    alice = _unclaimed("alice")
    _imported(alice)
    (link,) = do_create_claim_links(IMPORT)

    row = LostPasswordHash.objects.get(user=alice)
    assert len(link.hash) == 32
    assert link.hash.isalnum()
    assert link.hash not in row.hash
    assert row.hash == hashlib.sha256(link.hash.encode()).hexdigest()
    assert link.expires_at == row.date_added + dt.timedelta(hours=1)
    assert link.hash not in repr(link)


def test_minting_again_voids_the_earlier_link():
    alice = _unclaimed("alice")
    _imported(alice)
    (first,) = do_create_claim_links(IMPORT)
    (second,) = do_create_claim_links(IMPORT)

    assert first.hash != second.hash
    assert LostPasswordHash.objects.filter(user=alice).count() == 1
    with pytest.raises(ClaimHashInvalidError):
        do_claim_user("alice", first.hash, PASSWORD)
    assert do_claim_user("alice", second.hash, PASSWORD) == alice.pk


def test_claiming_sets_the_password_and_consumes_the_hash():
    alice = _unclaimed("alice", is_password_expired=True)
    _imported(alice)
    (link,) = do_create_claim_links(IMPORT)

    assert do_claim_user("alice", link.hash, PASSWORD) == alice.pk

    alice.refresh_from_db()
    assert check_password(PASSWORD, alice.password)
    assert not alice.is_unclaimed
    assert not alice.is_password_expired
    assert abs(alice.last_password_change - timezone.now()) < dt.timedelta(seconds=30)
    assert not LostPasswordHash.objects.filter(user=alice).exists()
    with pytest.raises(ClaimHashInvalidError) as again:
        do_claim_user("alice", link.hash, "another password 123")
    assert link.hash not in again.value.message
    alice.refresh_from_db()
    assert check_password(PASSWORD, alice.password)


def test_an_expired_hash_fails_and_is_deleted():
    alice = _unclaimed("alice")
    _imported(alice)
    (link,) = do_create_claim_links(IMPORT)
    LostPasswordHash.objects.filter(user=alice).update(
        date_added=timezone.now() - CLAIM_HASH_LIFETIME - dt.timedelta(seconds=1)
    )

    with pytest.raises(ClaimHashExpiredError, match="expired at"):
        do_claim_user("alice", link.hash, PASSWORD)

    assert not LostPasswordHash.objects.filter(user=alice).exists()
    alice.refresh_from_db()
    assert alice.is_unclaimed
    assert not check_password(PASSWORD, alice.password)


def test_a_hash_just_inside_its_lifetime_still_works():
    alice = _unclaimed("alice")
    _imported(alice)
    (link,) = do_create_claim_links(IMPORT)
    LostPasswordHash.objects.filter(user=alice).update(
        date_added=timezone.now() - CLAIM_HASH_LIFETIME + dt.timedelta(minutes=1)
    )
    assert do_claim_user("alice", link.hash, PASSWORD) == alice.pk


@pytest.mark.parametrize(
    ("username", "claim_hash"),
    [("alice", "x" * 32), ("bob", None), ("nobody", None)],
    ids=["wrong-hash", "hash-of-another-user", "unknown-user"],
)
def test_a_wrong_hash_or_user_is_one_invalid_error(username, claim_hash):
    alice, _ = _unclaimed("alice"), _unclaimed("bob")
    _imported(alice)
    (link,) = do_create_claim_links(IMPORT)

    with pytest.raises(ClaimHashInvalidError) as err:
        do_claim_user(username, claim_hash or link.hash, PASSWORD)

    assert err.value.metadata == {"username": username}
    assert link.hash not in err.value.message
    assert LostPasswordHash.objects.filter(user=alice, hash=digest_claim_hash(link.hash)).exists()


@pytest.mark.parametrize(
    ("password", "rule"),
    [("short1", "too short"), ("password123", "too common"), ("8472916350", "entirely numeric")],
)
def test_a_weak_password_is_rejected_and_the_hash_stays_usable(password, rule):
    alice = _unclaimed("alice")
    _imported(alice)
    (link,) = do_create_claim_links(IMPORT)

    with pytest.raises(ClaimPasswordRejectedError, match=rule) as err:
        do_claim_user("alice", link.hash, password)

    assert password not in err.value.message
    assert do_claim_user("alice", link.hash, PASSWORD) == alice.pk


def test_an_unknown_or_missing_import_uuid_is_refused():
    with pytest.raises(UnknownImportError, match="no-such-import"):
        do_create_claim_links("no-such-import")
    with pytest.raises(ImportUuidRequiredError):
        do_create_claim_links("")


def test_an_import_without_users_gets_no_links():
    _ledger(IMPORT, "sentry.email", {})
    assert do_create_claim_links(IMPORT) == []


def test_lost_password_hashes_are_not_relocatable():
    registry = build_registry("control", Silo.CONTROL)
    assert "sentry.lostpasswordhash" not in {str(name) for name in registry.models}
    assert "sentry.lostpasswordhash" not in {str(name) for name in registry.all_names}
