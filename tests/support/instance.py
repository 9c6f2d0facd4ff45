"""A generated Sentry-format export holding every model we carry: the test and example instance.

``python -m tests.support.instance [--users N] [--orgs N] [--seed S] > export.json``

Values use Sentry's encodings: bit flags as decimal strings, option values as JSON text, Python-repr
lists for ``userrole.permissions`` and ``orgauthtoken.scope_list``, nulls where exports have them.
Models are written in a deliberately non-dependency order, as Sentry 23.x did (api keys, org auth
tokens, user options and rules before what they reference), so importers must sort them.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import hashlib
import json
import random
import sys
import uuid
from ipaddress import IPv4Address
from typing import Any

from shared.backup.catalog import MODEL_SILOS, OPT_IN_MODELS
from tests.support import (
    instance_alerting,
    instance_dashboards,
    instance_platform,
    instance_workflows,
)

Record = dict[str, Any]
BASE_TIME = dt.datetime(2024, 3, 1, 12, 0, 0, tzinfo=dt.UTC)
URL_PREFIX = "https://sentry.example.com"

# Models the instance leaves out: no Sentry export holds them, because each refers (not null) to a
# model Sentry never relocates (a workflow's status per issue group names a sentry.group), so
# the export drops every row. An import skips such a record with a finding
# (tests/integration/test_older_exports.py).
UNEXPORTABLE = frozenset({"workflow_engine.workflowgroupstatus"})
# Every model the generated instance holds: all we carry but the opt-in ones (events).
INSTANCE_MODELS = frozenset(
    m for m in MODEL_SILOS if m not in OPT_IN_MODELS and m not in UNEXPORTABLE
)

# The file order: Sentry's sorted order, except that some models come before their references.
ORDER = (
    "sentry.apikey",
    "sentry.orgauthtoken",
    "sentry.useroption",
    "sentry.rule",
    "sentry.controloption",
    "sentry.integration",
    "sentry.option",
    "sentry.organization",
    "sentry.organizationintegration",
    "sentry.organizationoption",
    "sentry.relay",
    "sentry.relayusage",
    "sentry.team",
    "sentry.user",
    "sentry.userip",
    "sentry.userpermission",
    "sentry.userrole",
    "sentry.userroleuser",
    "sentry.projecttemplate",
    "sentry.projecttemplateoption",
    "sentry.project",
    "sentry.organizationmember",
    "sentry.environment",
    "sentry.email",
    "sentry.authenticator",
    "sentry.apiapplication",
    "sentry.useremail",
    "sentry.projectteam",
    "sentry.projectoption",
    "sentry.projectkey",
    "sentry.organizationmemberteam",
    "sentry.environmentproject",
    "sentry.releaseprojectenvironment",
    "sentry.release",
    "sentry.releaseproject",
    "sentry.releaseenvironment",
    "sentry.apitoken",
    *instance_platform.MODELS,
    *instance_alerting.MODELS,
    *instance_workflows.MODELS,
    *instance_dashboards.MODELS,
)


def _hex(rng: random.Random, n: int = 32) -> str:
    return "".join(rng.choice("0123456789abcdef") for _ in range(n))


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


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

    def ts(self) -> str:
        """A random moment in March 2024, as Sentry writes it (milliseconds, ``Z``)."""
        moment = BASE_TIME + dt.timedelta(
            seconds=self.rng.randrange(0, 30 * 86400), milliseconds=self.rng.randrange(1000)
        )
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"

    def uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def random_bytes(self, n: int) -> bytes:
        return bytes(self.rng.getrandbits(8) for _ in range(n))

    def urlsafe(self, nbytes: int) -> str:
        return base64.urlsafe_b64encode(self.random_bytes(nbytes)).decode("ascii").rstrip("=")

    def base32(self, nbytes: int) -> str:
        return base64.b32encode(self.random_bytes(nbytes)).decode("ascii").rstrip("=")


def generate(users: int = 5, orgs: int = 2, seed: int = 0) -> list[Record]:
    """Build the export: users with emails, roles and credentials; orgs with everything below."""
    b = _Builder(seed)
    user_pks = _users(b, users)
    _config(b, user_pks)
    integrations = _integrations(b)
    projects: list[int] = []
    for o in range(orgs):
        projects.extend(_organization(b, o, user_pks, integrations))
    _user_options(b, user_pks, projects)
    _api_credentials(b, user_pks)
    instance_platform.platform(b, user_pks)
    instance_alerting.build(b, user_pks)
    instance_workflows.build(b, user_pks)
    instance_dashboards.build(b, user_pks)
    return [r for model in ORDER for r in b.records.get(model, [])]


def _users(b: _Builder, count: int) -> list[int]:
    """Users (the first is staff), their emails, IPs and second factors."""
    user_pks = []
    for i in range(count):
        email = f"user{i}@example.com"
        pk = b.add(
            "sentry.user",
            {
                "password": f"pbkdf2_sha256$260000${_hex(b.rng, 12)}${_hex(b.rng, 44)}",
                "last_login": b.ts(),
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
                "last_password_change": b.ts(),
                "flags": "0",
                "session_nonce": None,
                "date_joined": b.ts(),
                "last_active": b.ts(),
                "avatar_type": 0,
                "avatar_url": None,
            },
        )
        user_pks.append(pk)
        b.add("sentry.email", {"email": email, "date_added": b.ts()})
        b.add(
            "sentry.useremail",
            {
                "user": pk,
                "email": email,
                "validation_hash": _hex(b.rng),
                "date_hash_added": b.ts(),
                "is_verified": True,
            },
        )
        for n in range(1 + i % 2):
            b.add(
                "sentry.userip",
                {
                    "user": pk,
                    # 192.0.2.x for the first 25 users, then onwards (valid for any count).
                    "ip_address": str(IPv4Address("192.0.2.0") + 10 * i + n + 1),
                    "country_code": "AT" if n == 0 else None,
                    "region_code": "9" if n == 0 else None,
                    "first_seen": b.ts(),
                    "last_seen": b.ts(),
                },
            )
    _authenticators(b, user_pks)
    return user_pks


def _authenticators(b: _Builder, user_pks: list[int]) -> None:
    """Recovery codes (type 0) and TOTP (type 1) for the first users; config is JSON text."""
    for i, user in enumerate(user_pks[:2]):
        b.add(
            "sentry.authenticator",
            {
                "user": user,
                "created_at": b.ts(),
                "last_used_at": b.ts() if i == 0 else None,
                "type": 1,
                "config": json.dumps({"secret": b.base32(20)}),
            },
        )
        b.add(
            "sentry.authenticator",
            {
                "user": user,
                "created_at": b.ts(),
                "last_used_at": None,
                "type": 0,
                "config": json.dumps({"salt": _hex(b.rng, 16), "used": 0}),
            },
        )


def _config(b: _Builder, user_pks: list[int]) -> None:
    """Instance configuration: permissions, a role, options, relays and their usage."""
    b.add("sentry.userpermission", {"user": user_pks[0], "permission": "users.admin"})
    role = b.add(
        "sentry.userrole",
        {
            "date_updated": b.ts(),
            "date_added": b.ts(),
            "name": "Super Admin",
            "permissions": "['users.admin', 'options.admin']",
        },
    )
    b.add(
        "sentry.userroleuser",
        {"date_updated": b.ts(), "date_added": b.ts(), "user": user_pks[0], "role": role},
    )
    for model, key, value in (
        ("sentry.controloption", "system.url-prefix", json.dumps(URL_PREFIX)),
        ("sentry.option", "sentry:version-configured", '"24.2.0"'),
        ("sentry.option", "sentry:option-epoch", 1),
    ):
        b.add(
            model,
            {"key": key, "last_updated": b.ts(), "last_updated_by": "unknown", "value": value},
        )
    for r in range(2):
        relay_id, public_key = b.uuid(), b.urlsafe(32)
        b.add(
            "sentry.relay",
            {
                "relay_id": relay_id,
                "public_key": public_key,
                "first_seen": b.ts() if r == 0 else None,
                "last_seen": b.ts() if r == 0 else None,
                "is_internal": True if r == 0 else None,
            },
        )
        for version in ("23.12.1", "24.2.0")[: 2 - r]:
            b.add(
                "sentry.relayusage",
                {
                    "relay_id": relay_id,
                    "version": version,
                    "first_seen": b.ts(),
                    "last_seen": b.ts(),
                    "public_key": public_key,
                },
            )


def _integrations(b: _Builder) -> list[int]:
    """A GitHub and a Slack installation (instance-wide; organizations link them)."""
    github = b.add(
        "sentry.integration",
        {
            "date_added": b.ts(),
            "date_updated": b.ts(),
            "external_id": str(b.rng.randrange(10**7, 10**8)),
            "metadata": {
                "access_token": None,
                "expires_at": None,
                "icon": "https://avatars.githubusercontent.com/u/1?v=4",
                "domain_name": "github.com/acme",
                "account_type": "Organization",
            },
            "name": "acme",
            "provider": "github",
            "status": 0,
        },
    )
    slack = b.add(
        "sentry.integration",
        {
            "date_added": b.ts(),
            "date_updated": b.ts(),
            "external_id": "T" + _hex(b.rng, 8).upper(),
            "metadata": {"domain_name": "acme.slack.com", "installation_type": "born_as_bot"},
            "name": "Acme",
            "provider": "slack",
            "status": 0,
        },
    )
    return [github, slack]


def _organization(b: _Builder, o: int, user_pks: list[int], integrations: list[int]) -> list[int]:
    """One organization and everything below it; returns its project pks."""
    org = b.add(
        "sentry.organization",
        {
            "name": f"Org {o}",
            "slug": f"org-{o}",
            "status": 0,
            "date_added": b.ts(),
            "default_role": "member",
            "is_test": False,
            "flags": "1",
        },
    )
    for key, value in (
        ("sentry:require_scrub_data", "true"),
        ("sentry:sensitive_fields", '["password", "secret"]'),
        ("sentry:account-rate-limit", 0),
    ):
        b.add("sentry.organizationoption", {"organization": org, "key": key, "value": value})
    members = _members(b, o, org, user_pks)
    teams = _teams(b, org, members)
    environments = [
        b.add(
            "sentry.environment",
            {"organization_id": org, "name": name, "date_added": b.ts()},
        )
        for name in ("production", "staging")
    ]
    template = instance_platform.project_templates(b, org)
    projects = [
        _project(b, p, org, teams, environments, owner=user_pks[0], template=template)
        for p in range(2)
    ]
    for i, integration in enumerate(integrations[: 2 - o % 2]):
        b.add(
            "sentry.organizationintegration",
            {
                "date_added": b.ts(),
                "date_updated": b.ts(),
                "organization_id": org,
                "integration": integration,
                "config": {"sync_status_forward": True} if i == 0 else {},
                "default_auth_id": None,
                "status": 0,
                "grace_period_end": None,
            },
        )
    _org_credentials(b, o, org, user_pks[0], projects)
    _releases(b, o, org, projects, environments[0])
    return projects


def _releases(b: _Builder, o: int, org: int, projects: list[int], environment: int) -> None:
    """One release of the organization, seen in every project and in one environment."""
    release = b.add(
        "sentry.release",
        {
            "organization": org,
            "status": 0,
            "version": f"backend@{o}.1.0",
            "ref": None,
            "url": None,
            "date_added": b.ts(),
            "date_started": None,
            "date_released": b.ts(),
            "data": {},
        },
    )
    seen = sorted([b.ts(), b.ts()])
    b.add(
        "sentry.releaseenvironment",
        {
            "organization": org,
            "release": release,
            "environment": environment,
            "first_seen": seen[0],
            "last_seen": seen[1],
        },
    )
    for project in projects:
        b.add("sentry.releaseproject", {"project": project, "release": release, "new_groups": 0})
        b.add(
            "sentry.releaseprojectenvironment",
            {
                "release": release,
                "project": project,
                "environment": environment,
                "new_issues_count": 0,
                "first_seen": seen[0],
                "last_seen": seen[1],
            },
        )


def _members(b: _Builder, o: int, org: int, user_pks: list[int]) -> list[int]:
    """Memberships of some users, and one pending invite."""
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
                    "date_added": b.ts(),
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
            "token": _hex(b.rng, 64),
            "date_added": b.ts(),
            "token_expires_at": b.ts(),
            "has_global_access": True,
            "inviter_id": user_pks[0],
            "invite_status": 1,
            "type": 50,
            "user_is_active": True,
            "user_email": None,
        },
    )
    return members


def _teams(b: _Builder, org: int, members: list[int]) -> list[int]:
    teams = [
        b.add(
            "sentry.team",
            {
                "organization": org,
                "slug": f"team-{t}",
                "name": f"Team {t}",
                "status": 0,
                "idp_provisioned": False,
                "date_added": b.ts(),
                "org_role": None,
            },
        )
        for t in range(2)
    ]
    for m, member in enumerate(members):
        b.add(
            "sentry.organizationmemberteam",
            {"team": teams[m % 2], "organizationmember": member, "is_active": True, "role": None},
        )
    return teams


def _project(
    b: _Builder,
    p: int,
    org: int,
    teams: list[int],
    environments: list[int],
    *,
    owner: int,
    template: int,
) -> int:
    """One project with its team, DSN keys, options, environments and alert rules; the first
    project was created from the organization's template."""
    project = b.add(
        "sentry.project",
        {
            "slug": f"project-{p}",
            "name": f"Project {p}",
            "forced_color": None,
            "organization": org,
            "public": False,
            "date_added": b.ts(),
            "status": 0,
            "first_event": None,
            "flags": "10",
            "platform": "python",
            "template": template if p == 0 else None,
        },
    )
    b.add("sentry.projectteam", {"project": project, "team": teams[p % 2]})
    for k in range(2):
        b.add(
            "sentry.projectkey",
            {
                "project": project,
                "label": f"Key {k}",
                "public_key": _hex(b.rng),
                "secret_key": _hex(b.rng),
                "roles": "1",
                "status": 0,
                "date_added": b.ts(),
                "rate_limit_count": None,
                "rate_limit_window": None,
                "data": {"dynamicSdkLoaderOptions": {"hasPerformance": True, "hasReplay": k == 0}},
            },
        )
    b.add(
        "sentry.projectoption",
        {"project": project, "key": "sentry:relay-rev", "value": f'"{_hex(b.rng)}"'},
    )
    b.add("sentry.projectoption", {"project": project, "key": "sentry:origins", "value": '["*"]'})
    for e, environment in enumerate(environments):
        b.add(
            "sentry.environmentproject",
            {
                "project": project,
                "environment": environment,
                "is_hidden": None if e == 0 else False,
            },
        )
    _rules(b, project, environments[0], owner_user=owner, owner_team=teams[p % 2])
    return project


def _rules(b: _Builder, project: int, production: int, *, owner_user: int, owner_team: int) -> None:
    """Sentry's default "new issue" alert owned by a user, and one limited to production owned
    by a team."""
    notify = {"id": "sentry.mail.actions.NotifyEmailAction", "targetType": "IssueOwners"}
    for environment in (None, production):
        condition = (
            "sentry.rules.conditions.first_seen_event.FirstSeenEventCondition"
            if environment is None
            else "sentry.rules.conditions.regression_event.RegressionEventCondition"
        )
        data = {
            "action_match": "all",
            "filter_match": "all",
            "actions": [notify],
            "conditions": [{"id": condition}],
            "frequency": 30,
        }
        b.add(
            "sentry.rule",
            {
                "project": project,
                "environment_id": environment,
                "label": "Send a notification for new issues"
                if environment is None
                else "Regressions in production",
                "data": json.dumps(data),
                "status": 0,
                "source": 0,
                "owner_user_id": owner_user if environment is None else None,
                "owner_team": owner_team if environment is not None else None,
                "date_added": b.ts(),
            },
        )


def _org_credentials(b: _Builder, o: int, org: int, owner: int, projects: list[int]) -> None:
    """An API key and an org auth token (stored hashed, minted from the slug as Sentry does)."""
    b.add(
        "sentry.apikey",
        {
            "organization_id": org,
            "label": "Default",
            "key": _hex(b.rng),
            "scopes": "0",
            "scope_list": "[]" if o % 2 else '["project:read", "event:read"]',
            "status": 0,
            "date_added": b.ts(),
            "allowed_origins": None if o % 2 else "*",
        },
    )
    payload = {"iat": 1709294400 + o, "url": URL_PREFIX, "region_url": "", "org": f"org-{o}"}
    encoded = base64.b64encode(json.dumps(payload).encode()).decode("ascii")
    token = f"sntrys_{encoded}_{b.urlsafe(32)}"
    b.add(
        "sentry.orgauthtoken",
        {
            "organization_id": org,
            "token_hashed": _sha256(token),
            "token_last_characters": token[-4:],
            "name": "CI upload token",
            "scope_list": "['org:ci']",
            "created_by": owner,
            "date_added": b.ts(),
            "date_last_used": b.ts() if o == 0 else None,
            "project_last_used_id": projects[0] if o == 0 else None,
            "date_deactivated": None,
        },
    )


def _user_options(b: _Builder, user_pks: list[int], projects: list[int]) -> None:
    """Global options of the first and last user and one project-scoped option (JSON text)."""
    options = [(user_pks[0], "timezone", '"Europe/Vienna"'), (user_pks[0], "language", '"en"')]
    if len(user_pks) > 1:
        options.append((user_pks[-1], "timezone", '"UTC"'))
    for user, key, value in options:
        b.add(
            "sentry.useroption",
            {"user": user, "project_id": None, "organization_id": None, "key": key, "value": value},
        )
    b.add(
        "sentry.useroption",
        {
            "user": user_pks[0],
            "project_id": projects[0],
            "organization_id": None,
            "key": "mail:alert",
            "value": 0,
        },
    )


def _api_credentials(b: _Builder, user_pks: list[int]) -> None:
    """OAuth applications, a token issued to one, and the staff user's own tokens."""
    app = b.add(
        "sentry.apiapplication",
        {
            "client_id": _hex(b.rng, 64),
            "client_secret": _hex(b.rng, 64),
            "owner": user_pks[0],
            "name": "Acme Deploy Bot",
            "status": 0,
            "allowed_origins": "",
            "redirect_uris": "https://deploy.example.com/oauth/callback\n"
            "https://deploy.example.com/oauth/alt",
            "homepage_url": "https://deploy.example.com",
            "privacy_url": None,
            "terms_url": None,
            "date_added": b.ts(),
        },
    )
    b.add(
        "sentry.apiapplication",
        {
            "client_id": _hex(b.rng, 64),
            "client_secret": _hex(b.rng, 64),
            "owner": None,
            "name": "Legacy Dashboard",
            "status": 0,
            "allowed_origins": None,
            "redirect_uris": "https://dash.example.com/cb",
            "homepage_url": None,
            "privacy_url": None,
            "terms_url": None,
            "date_added": b.ts(),
        },
    )
    for application, user, refresh, expires in (
        (app, user_pks[1 % len(user_pks)], True, True),
        (None, user_pks[0], False, False),
        (None, user_pks[0], True, True),
    ):
        _api_token(b, application, user, refresh=refresh, expires=expires)


def _api_token(
    b: _Builder, application: int | None, user: int, *, refresh: bool, expires: bool
) -> None:
    token = _hex(b.rng, 64)
    refresh_token = _hex(b.rng, 64) if refresh else None
    b.add(
        "sentry.apitoken",
        {
            "scopes": "0",
            "scope_list": "[]" if application else '["event:read", "org:read", "project:read"]',
            "scoping_organization_id": None,
            "application": application,
            "user": user,
            "name": None if application else "CLI",
            "token": token,
            "hashed_token": _sha256(token),
            "token_type": None,
            "token_last_characters": token[-4:],
            "refresh_token": refresh_token,
            "hashed_refresh_token": _sha256(refresh_token) if refresh_token else None,
            "expires_at": b.ts() if expires else None,
            "date_added": b.ts(),
        },
    )


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
