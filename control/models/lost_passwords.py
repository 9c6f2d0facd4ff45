"""Claim links of imported users (``sentry.lostpasswordhash``): never relocated, never exported."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import string
from typing import ClassVar

from django.db import models
from django.utils import timezone
from typing_extensions import override

from control.models.core import User
from shared.backup.declarations import Relocation
from shared.backup.scopes import RelocationScope

__all__ = [
    "CLAIM_HASH_LIFETIME",
    "LostPasswordHash",
    "digest_claim_hash",
    "generate_claim_hash",
]

# How long a claim (lost-password) hash works after it is issued: Sentry's
# ``LostPasswordHash.is_valid`` accepts a hash for one hour, for relocation claims too.
CLAIM_HASH_LIFETIME = dt.timedelta(hours=1)
_HASH_ALPHABET = string.ascii_letters + string.digits
_HASH_LENGTH = 32


def generate_claim_hash() -> str:
    """A fresh 32-character alphanumeric claim hash (the secret a claim link carries)."""
    return "".join(secrets.choice(_HASH_ALPHABET) for _ in range(_HASH_LENGTH))


def digest_claim_hash(value: str) -> str:
    """The hex SHA-256 of a claim hash: what the table stores instead of the hash itself."""
    return hashlib.sha256(value.encode()).hexdigest()


class LostPasswordHash(models.Model):
    """A pending claim (or password recovery) of one user (``sentry.lostpasswordhash``).

    Why a digest: Sentry stores the hash itself, so anyone who can read the table holds working
    links. Here only the SHA-256 of the hash is kept; the hash leaves control once, in the
    response that minted it, and a later read of the table cannot rebuild a link. Minting again
    replaces the digest, so earlier links of the user stop working.
    """

    relocation: ClassVar[Relocation] = Relocation(
        name="sentry.lostpasswordhash",
        scopes=frozenset({RelocationScope.EXCLUDED}),
    )

    user = models.OneToOneField(User, on_delete=models.CASCADE)
    # Hex SHA-256 of the claim hash (Sentry's column holds the 32-character hash itself).
    hash = models.CharField(max_length=64)
    date_added = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "sentry_lostpasswordhash"

    @override
    def __str__(self) -> str:
        return f"claim of user {self.user_id}"

    @property
    def expires_at(self) -> dt.datetime:
        """When the hash stops working."""
        return self.date_added + CLAIM_HASH_LIFETIME

    def is_valid(self, now: dt.datetime | None = None) -> bool:
        """Whether the hash still works (issued less than CLAIM_HASH_LIFETIME ago)."""
        return (now or timezone.now()) < self.expires_at

    def matches(self, value: str) -> bool:
        """Whether ``value`` is the hash this row was minted for (constant-time comparison)."""
        return hmac.compare_digest(digest_claim_hash(value), self.hash)
