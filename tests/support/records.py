"""Tiny builders of Sentry-format export records, for tests that need exact control."""

from __future__ import annotations

from typing import Any

Record = dict[str, Any]
WHEN = "2024-01-02T03:04:05.678Z"


def record(model: str, pk: int, **fields: Any) -> Record:
    """One export record."""
    return {"model": model, "pk": pk, "fields": fields}


def user(pk: int, username: str, **fields: Any) -> Record:
    """A user, privileged and verified unless told otherwise."""
    base = {
        "password": "pbkdf2_sha256$260000$salt$hash",
        "last_login": None,
        "username": username,
        "name": username.title(),
        "email": f"{username}@example.com",
        "is_staff": True,
        "is_active": True,
        "is_superuser": True,
        "is_managed": True,
        "is_sentry_app": None,
        "is_password_expired": False,
        "is_unclaimed": False,
        "last_password_change": WHEN,
        "flags": "0",
        "session_nonce": None,
        "date_joined": WHEN,
        "last_active": WHEN,
        "avatar_type": 0,
        "avatar_url": None,
    }
    return record("sentry.user", pk, **(base | fields))


def email(pk: int, address: str) -> Record:
    """A distinct email address."""
    return record("sentry.email", pk, email=address, date_added=WHEN)


def useremail(pk: int, user_pk: int | list[str], address: str, **fields: Any) -> Record:
    """A user's email address, verified unless told otherwise."""
    base = {
        "user": user_pk,
        "email": address,
        "validation_hash": "h" * 32,
        "date_hash_added": WHEN,
        "is_verified": True,
    }
    return record("sentry.useremail", pk, **(base | fields))


def org(pk: int, slug: str, **fields: Any) -> Record:
    """An organization."""
    base = {
        "name": slug.title(),
        "slug": slug,
        "status": 0,
        "date_added": WHEN,
        "default_role": "member",
        "is_test": False,
        "flags": "1",
    }
    return record("sentry.organization", pk, **(base | fields))


def member(pk: int, org_pk: int, user_pk: int | None, **fields: Any) -> Record:
    """An organization membership (a pending invite when user_pk is None)."""
    base = {
        "organization": org_pk,
        "user_id": user_pk,
        "email": None,
        "role": "member",
        "flags": "0",
        "token": None,
        "date_added": WHEN,
        "token_expires_at": None,
        "has_global_access": True,
        "inviter_id": None,
        "invite_status": 0,
        "type": 50,
        "user_is_active": True,
        "user_email": None,
    }
    return record("sentry.organizationmember", pk, **(base | fields))


def project(pk: int, org_pk: int, slug: str) -> Record:
    """A project."""
    return record(
        "sentry.project",
        pk,
        slug=slug,
        name=slug.title(),
        forced_color=None,
        organization=org_pk,
        public=False,
        date_added=WHEN,
        status=0,
        first_event=None,
        flags="10",
        platform="python",
        template=None,
    )


def option(pk: int, key: str, value: Any, model: str = "sentry.option") -> Record:
    """An instance option (``sentry.option`` or ``sentry.controloption``)."""
    return record(model, pk, key=key, last_updated=WHEN, last_updated_by="unknown", value=value)


def userrole(pk: int, name: str, permissions: str) -> Record:
    """A user role (permissions as Python-repr list text, as exports carry them)."""
    return record(
        "sentry.userrole",
        pk,
        date_updated=WHEN,
        date_added=WHEN,
        name=name,
        permissions=permissions,
    )


def userpermission(pk: int, user_pk: int, permission: str) -> Record:
    """An instance permission of one user."""
    return record("sentry.userpermission", pk, user=user_pk, permission=permission)
