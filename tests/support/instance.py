"""A generated Sentry-format export holding every model we carry: the test and example instance.

``python -m tests.support.instance [--users N] [--orgs N] [--seed S] > export.json``
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
from typing import Any

Record = dict[str, Any]
BASE_TIME = dt.datetime(2024, 3, 1, 12, 0, 0, tzinfo=dt.UTC)


def _ts(rng: random.Random) -> str:
    moment = BASE_TIME + dt.timedelta(
        seconds=rng.randrange(0, 30 * 86400), milliseconds=rng.randrange(1000)
    )
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _hex(rng: random.Random, n: int = 32) -> str:
    return "".join(rng.choice("0123456789abcdef") for _ in range(n))


class _Builder:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.records: dict[str, list[Record]] = {}
        self.next_pk: dict[str, int] = {}

    def add(self, model: str, fields: dict[str, Any], pk: int | None = None) -> int:
        if pk is None:
            pk = self.next_pk.get(model, 1)
        self.next_pk[model] = pk + 1
        self.records.setdefault(model, []).append({"model": model, "pk": pk, "fields": fields})
        return pk


def generate(users: int = 5, orgs: int = 2, seed: int = 0) -> list[Record]:
    """Build the export: users with emails, roles and permissions; orgs with everything below."""
    b = _Builder(seed)
    rng = b.rng
    user_pks = []
    for i in range(users):
        email = f"user{i}@example.com"
        pk = b.add(
            "sentry.user",
            {
                "password": f"pbkdf2_sha256$260000${_hex(rng, 12)}${_hex(rng, 44)}",
                "last_login": _ts(rng),
                "username": f"user{i}",
                "name": f"User {i}",
                "email": email,
                "is_staff": i == 0,
                "is_active": True,
                "is_superuser": i == 0,
                "is_managed": False,
                "is_sentry_app": None,
                "is_password_expired": False,
                "is_unclaimed": False,
                "last_password_change": _ts(rng),
                "flags": "0",
                "session_nonce": None,
                "date_joined": _ts(rng),
                "last_active": _ts(rng),
                "avatar_type": 0,
                "avatar_url": None,
            },
        )
        user_pks.append(pk)
        b.add("sentry.email", {"email": email, "date_added": _ts(rng)})
        b.add(
            "sentry.useremail",
            {
                "user": pk,
                "email": email,
                "validation_hash": _hex(rng),
                "date_hash_added": _ts(rng),
                "is_verified": True,
            },
        )
    b.add("sentry.userpermission", {"user": user_pks[0], "permission": "users.admin"})
    role = b.add(
        "sentry.userrole",
        {
            "date_updated": _ts(rng),
            "date_added": _ts(rng),
            "name": "Super Admin",
            "permissions": "['users.admin', 'options.admin']",
        },
    )
    b.add(
        "sentry.userroleuser",
        {"date_updated": _ts(rng), "date_added": _ts(rng), "user": user_pks[0], "role": role},
    )
    b.add(
        "sentry.controloption",
        {
            "key": "system.url-prefix",
            "last_updated": _ts(rng),
            "last_updated_by": "unknown",
            "value": '"https://sentry.example.com"',
        },
    )
    b.add(
        "sentry.option",
        {
            "key": "sentry:version-configured",
            "last_updated": _ts(rng),
            "last_updated_by": "unknown",
            "value": '"24.2.0"',
        },
    )
    b.add(
        "sentry.option",
        {
            "key": "sentry:option-epoch",
            "last_updated": _ts(rng),
            "last_updated_by": "unknown",
            "value": 1,
        },
    )
    for o in range(orgs):
        org = b.add(
            "sentry.organization",
            {
                "name": f"Org {o}",
                "slug": f"org-{o}",
                "status": 0,
                "date_added": _ts(rng),
                "default_role": "member",
                "is_test": False,
                "flags": "1",
            },
        )
        members = []
        for i, user in enumerate(user_pks):
            if (i + o) % 2 and i != 0:
                continue
            members.append(
                b.add(
                    "sentry.organizationmember",
                    {
                        "organization": org,
                        "user_id": user,
                        "email": None,
                        "role": "owner" if i == 0 else "member",
                        "flags": "0",
                        "token": None,
                        "date_added": _ts(rng),
                        "token_expires_at": None,
                        "has_global_access": True,
                        "inviter_id": None if i == 0 else user_pks[0],
                        "invite_status": 0,
                        "type": 50,
                        "user_is_active": True,
                        "user_email": f"user{i}@example.com",
                    },
                )
            )
        b.add(
            "sentry.organizationmember",
            {
                "organization": org,
                "user_id": None,
                "email": f"invitee{o}@example.com",
                "role": "member",
                "flags": "0",
                "token": _hex(rng, 64),
                "date_added": _ts(rng),
                "token_expires_at": _ts(rng),
                "has_global_access": True,
                "inviter_id": user_pks[0],
                "invite_status": 1,
                "type": 50,
                "user_is_active": True,
                "user_email": None,
            },
        )
        teams = [
            b.add(
                "sentry.team",
                {
                    "organization": org,
                    "slug": f"team-{t}",
                    "name": f"Team {t}",
                    "status": 0,
                    "idp_provisioned": False,
                    "date_added": _ts(rng),
                    "org_role": None,
                },
            )
            for t in range(2)
        ]
        for m, member in enumerate(members):
            b.add(
                "sentry.organizationmemberteam",
                {
                    "team": teams[m % 2],
                    "organizationmember": member,
                    "is_active": True,
                    "role": None,
                },
            )
        for p in range(2):
            project = b.add(
                "sentry.project",
                {
                    "slug": f"project-{p}",
                    "name": f"Project {p}",
                    "forced_color": None,
                    "organization": org,
                    "public": False,
                    "date_added": _ts(rng),
                    "status": 0,
                    "first_event": None,
                    "flags": "10",
                    "platform": "python",
                },
            )
            b.add("sentry.projectteam", {"project": project, "team": teams[p % 2]})
            for k in range(2):
                b.add(
                    "sentry.projectkey",
                    {
                        "project": project,
                        "label": f"Key {k}",
                        "public_key": _hex(rng),
                        "secret_key": _hex(rng),
                        "roles": "1",
                        "status": 0,
                        "date_added": _ts(rng),
                        "rate_limit_count": None,
                        "rate_limit_window": None,
                        "data": {
                            "dynamicSdkLoaderOptions": {"hasPerformance": True, "hasReplay": k == 0}
                        },
                    },
                )
            b.add(
                "sentry.projectoption",
                {"project": project, "key": "sentry:relay-rev", "value": f'"{_hex(rng)}"'},
            )
            b.add(
                "sentry.projectoption",
                {"project": project, "key": "sentry:origins", "value": '["*"]'},
            )
    order = [
        "sentry.controloption",
        "sentry.option",
        "sentry.organization",
        "sentry.team",
        "sentry.user",
        "sentry.userpermission",
        "sentry.userrole",
        "sentry.userroleuser",
        "sentry.project",
        "sentry.organizationmember",
        "sentry.email",
        "sentry.useremail",
        "sentry.projectteam",
        "sentry.projectoption",
        "sentry.projectkey",
        "sentry.organizationmemberteam",
    ]
    return [r for model in order for r in b.records.get(model, [])]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.support.instance")
    parser.add_argument("--users", type=int, default=5)
    parser.add_argument("--orgs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    json.dump(generate(args.users, args.orgs, args.seed), sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
