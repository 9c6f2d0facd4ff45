"""Claiming imported users: mint claim links for an import's unclaimed users, redeem one.

Outside Global scope an import leaves each user it creates unclaimed, with a password nobody
knows (``User.relocation_normalize``). Sentry then creates a ``LostPasswordHash`` per user and
mails a claim link; here control mints the hashes on request and hands them to the operator's
mailer once, keeping only their SHA-256, and redeems them single-use within Sentry's lifetime.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence

from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import (
    CommonPasswordValidator,
    MinimumLengthValidator,
    NumericPasswordValidator,
    validate_password,
)
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from control.models import (
    ControlImportChunk,
    LostPasswordHash,
    User,
    digest_claim_hash,
    generate_claim_hash,
)
from shared.backup.claims import ClaimLink
from shared.backup.errors import (
    ClaimHashExpiredError,
    ClaimHashInvalidError,
    ClaimPasswordRejectedError,
    ImportUuidRequiredError,
    UnknownImportError,
)

logger = logging.getLogger(__name__)

USER_MODEL = "sentry.user"
# Sentry's password rules for a claim (its AUTH_PASSWORD_VALIDATORS, less those needing a
# network or the user's other fields): at least 8 characters, not common, not all digits,
# at most 256 characters.
PASSWORD_VALIDATORS = (
    MinimumLengthValidator(min_length=8),
    CommonPasswordValidator(),
    NumericPasswordValidator(),
)
PASSWORD_MAX_LENGTH = 256
# User ids per ``IN (...)`` lookup, far below SQLite's bound-parameter cap.
LOOKUP_CHUNK = 5_000


def imported_user_ids(import_uuid: str) -> list[int]:
    """The ids of the users import ``import_uuid`` inserted (not those it merged), from
    control's import-chunk ledger; UnknownImportError if control holds no batch of it."""
    if not import_uuid:
        raise ImportUuidRequiredError(USER_MODEL)
    chunks = ControlImportChunk.objects.filter(import_uuid=import_uuid)
    if not chunks.exists():
        raise UnknownImportError(import_uuid, "control")
    ids: set[int] = set()
    for inserted in chunks.filter(model=USER_MODEL).values_list("inserted_map", flat=True):
        ids.update(int(new_pk) for new_pk in inserted.values())
    return sorted(ids)


def do_create_claim_links(import_uuid: str) -> list[ClaimLink]:
    """Mint a claim hash for each user the import created that is still unclaimed.

    Each user's earlier hash is replaced (its links stop working) and the lifetime starts now.
    The hashes are returned once; the table keeps their SHA-256 only.
    """
    user_ids = imported_user_ids(import_uuid)
    now = timezone.now()
    links: list[ClaimLink] = []
    with transaction.atomic():
        for chunk in _chunks(user_ids):
            users = list(
                User.objects.filter(pk__in=chunk, is_unclaimed=True)
                .order_by("pk")
                .only("pk", "username", "email")
            )
            minted = {user.pk: generate_claim_hash() for user in users}
            LostPasswordHash.objects.bulk_create(
                (
                    LostPasswordHash(
                        user=user, hash=digest_claim_hash(minted[user.pk]), date_added=now
                    )
                    for user in users
                ),
                update_conflicts=True,
                unique_fields=("user",),
                update_fields=("hash", "date_added"),
            )
            expires_at = LostPasswordHash(date_added=now).expires_at
            links.extend(
                ClaimLink(user.pk, user.username, user.email, minted[user.pk], expires_at)
                for user in users
            )
    logger.info(
        "relocation.claim_links.created",
        extra={"import_uuid": import_uuid, "users": len(user_ids), "links": len(links)},
    )
    return links


def do_claim_user(username: str, claim_hash: str, password: str) -> int:
    """Redeem a claim hash: set the user's password, mark the user claimed, consume the hash.

    Returns the user's id. A wrong, used or replaced hash is ClaimHashInvalidError; an expired
    one is deleted and ClaimHashExpiredError; a weak password is ClaimPasswordRejectedError and
    leaves the hash usable.
    """
    check_password_rules(username, password)
    with transaction.atomic():
        row = (
            LostPasswordHash.objects.select_for_update()
            .select_related("user")
            .filter(user__username=username)
            .first()
        )
        if row is None or not row.matches(claim_hash):
            raise ClaimHashInvalidError(username)
        if row.is_valid():
            user = row.user
            user.password = make_password(password)
            user.is_unclaimed = False
            user.is_password_expired = False
            user.last_password_change = timezone.now()
            user.save(
                update_fields=(
                    "password",
                    "is_unclaimed",
                    "is_password_expired",
                    "last_password_change",
                )
            )
            row.delete()
            logger.info("relocation.user.claimed", extra={"user_id": user.pk})
            return int(user.pk)
        expired_at = row.expires_at
        row.delete()
    raise ClaimHashExpiredError(username, expired_at.isoformat(timespec="seconds"))


def check_password_rules(username: str, password: str) -> None:
    """ClaimPasswordRejectedError naming the broken rules (never the password) if any."""
    problems: list[str] = []
    if len(password) > PASSWORD_MAX_LENGTH:
        problems.append(f"it is longer than {PASSWORD_MAX_LENGTH} characters")
    try:
        validate_password(password, password_validators=PASSWORD_VALIDATORS)
    except ValidationError as exc:
        problems.extend(exc.messages)
    if problems:
        raise ClaimPasswordRejectedError(username, " ".join(problems))


def _chunks(values: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(values), LOOKUP_CHUNK):
        yield values[start : start + LOOKUP_CHUNK]
