"""A deterministic synthetic export with a realistic mix of models, written as a stream."""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import IO, Any

import orjson

WHEN = "2024-05-01T12:00:00.000Z"
USERS_PER_ORG = 50
RECORDS_PER_ORG = 224
"""Records per 50 users: 150 user, email and useremail records, then the org and its 74 rows."""


def users_for(rows: int) -> int:
    """The user count (a multiple of 50, at least 50) whose export holds about ``rows`` records."""
    return max(1, round(rows / RECORDS_PER_ORG)) * USERS_PER_ORG


def records(users: int, seed: int = 0) -> Iterator[dict[str, Any]]:
    """Users and emails; per 50 users an org, members, teams, projects, keys and options."""
    rng = random.Random(seed)
    for i in range(1, users + 1):
        email = f"user{i}@example{i % 97}.com"
        salt, digest = f"{rng.getrandbits(48):012x}", f"{rng.getrandbits(160):040x}"
        yield {
            "model": "sentry.user",
            "pk": i,
            "fields": {
                "password": f"pbkdf2_sha256$600000${salt}${digest}",
                "username": f"user{i}",
                "name": f"User Number {i}",
                "email": email,
                "is_staff": False,
                "is_active": True,
                "is_superuser": False,
                "is_managed": False,
                "is_password_expired": False,
                "is_unclaimed": False,
                "last_password_change": WHEN,
                "flags": "0",
                "date_joined": WHEN,
                "last_active": WHEN,
                "avatar_type": 0,
            },
        }
        yield {"model": "sentry.email", "pk": i, "fields": {"email": email, "date_added": WHEN}}
        yield {
            "model": "sentry.useremail",
            "pk": i,
            "fields": {
                "user": i,
                "email": email,
                "validation_hash": f"{rng.getrandbits(128):032x}",
                "date_hash_added": WHEN,
                "is_verified": True,
            },
        }
        if i % USERS_PER_ORG == 0:
            yield from _org(i // USERS_PER_ORG, i - USERS_PER_ORG + 1, rng)


def _org(org: int, first_user: int, rng: random.Random) -> Iterator[dict[str, Any]]:
    yield {
        "model": "sentry.organization",
        "pk": org,
        "fields": {
            "name": f"Organization {org}",
            "slug": f"org-{org}",
            "status": 0,
            "date_added": WHEN,
            "default_role": "member",
            "is_test": False,
            "flags": "1",
        },
    }
    for t in range(2):
        yield {
            "model": "sentry.team",
            "pk": org * 2 + t,
            "fields": {
                "organization": org,
                "slug": f"team-{t}",
                "name": f"Team {t}",
                "status": 0,
                "date_added": WHEN,
            },
        }
    for u in range(USERS_PER_ORG):
        yield {
            "model": "sentry.organizationmember",
            "pk": first_user + u,
            "fields": {
                "organization": org,
                "user_id": first_user + u,
                "role": "member",
                "flags": "0",
                "date_added": WHEN,
                "has_global_access": True,
                "invite_status": 0,
                "type": 50,
                "user_is_active": True,
                "user_email": f"user{first_user + u}@example.com",
            },
        }
    for p in range(5):
        project = org * 5 + p
        yield {
            "model": "sentry.project",
            "pk": project,
            "fields": {
                "slug": f"project-{p}",
                "name": f"Project {p}",
                "organization": org,
                "date_added": WHEN,
                "status": 0,
                "flags": "10",
                "platform": "python",
            },
        }
        for k in range(2):
            yield {
                "model": "sentry.projectkey",
                "pk": project * 2 + k,
                "fields": {
                    "project": project,
                    "label": "Default",
                    "public_key": f"{rng.getrandbits(128):032x}",
                    "secret_key": f"{rng.getrandbits(128):032x}",
                    "roles": "1",
                    "status": 0,
                    "date_added": WHEN,
                    "data": {"dynamicSdkLoaderOptions": {"hasReplay": True}},
                },
            }
        yield {
            "model": "sentry.projectoption",
            "pk": project,
            "fields": {"project": project, "key": "sentry:origins", "value": '["*"]'},
        }
    yield {
        "model": "sentry.option",
        "pk": org,
        "fields": {
            "key": f"bench:option-{org}",
            "last_updated": WHEN,
            "last_updated_by": "unknown",
            "value": f'"value {org}"',
        },
    }


def write(out: IO[bytes], users: int, seed: int = 0) -> int:
    """Write the export as a JSON array; return the record count."""
    count = 0
    out.write(b"[")
    for record in records(users, seed):
        out.write(b",\n" if count else b"\n")
        out.write(orjson.dumps(record))
        count += 1
    out.write(b"\n]\n")
    return count
