"""The generated instance's SSO, Sentry apps, OAuth grants and authorizations, project templates.

Called from ``tests.support.instance.generate`` with its builder: one SSO provider per
organization with an identity per member user, a Sentry app owned by the first organization
(its own OAuth application, installed on every organization with a grant and a token), OAuth
authorizations (one for an application, Global; one without, Config), and the references that
cross silos (``owner_id``, ``organization_id``) and stay within one (installation -> grant).
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tests.support.instance import _Builder

MODELS = (
    "sentry.authprovider",
    "sentry.authidentity",
    "sentry.apigrant",
    "sentry.apiauthorization",
    "sentry.sentryapp",
    "sentry.sentryappcomponent",
    "sentry.sentryappinstallation",
)
"""Their file order (after the API credentials the generator writes)."""


def _hex(b: _Builder, n: int) -> str:
    return "".join(b.rng.choice("0123456789abcdef") for _ in range(n))


def project_templates(b: _Builder, org: int) -> int:
    """A project template of the organization with two options; returns its pk."""
    template = b.add(
        "sentry.projecttemplate",
        {
            "date_updated": b.ts(),
            "date_added": b.ts(),
            "name": "Python service",
            "organization": org,
        },
    )
    for key, value in (("sentry:scrub_data", "true"), ("sentry:origins", '["*"]')):
        b.add(
            "sentry.projecttemplateoption",
            {"project_template": template, "key": key, "value": value},
        )
    return template


def platform(b: _Builder, user_pks: list[int]) -> None:
    """SSO for every organization, a Sentry app installed everywhere, OAuth authorizations."""
    orgs = [r["pk"] for r in b.records.get("sentry.organization", [])]
    for org in orgs:
        users = [
            r["fields"]["user_id"]
            for r in b.records.get("sentry.organizationmember", [])
            if r["fields"]["organization"] == org and r["fields"]["user_id"] is not None
        ]
        _sso(b, org, users)
    if orgs:
        _sentry_app(b, user_pks[0], orgs)
    _authorizations(b, user_pks)


def _sso(b: _Builder, org: int, users: list[int]) -> None:
    provider = b.add(
        "sentry.authprovider",
        {
            "organization_id": org,
            "provider": "saml2",
            "config": {"idp": {"entity_id": f"https://idp.example.com/{org}", "x509cert": "MIIC"}},
            "date_added": b.ts(),
            "sync_time": None,
            "last_sync": None,
            "default_role": 50,
            "default_global_access": True,
            "flags": "0",
        },
    )
    for user in users:
        b.add(
            "sentry.authidentity",
            {
                "user": user,
                "auth_provider": provider,
                "ident": f"user-{user}@idp.example.com",
                "data": {"email": f"user-{user}@idp.example.com"},
                "last_verified": b.ts(),
                "last_synced": b.ts(),
                "date_added": b.ts(),
            },
        )


def _sentry_app(b: _Builder, creator: int, orgs: list[int]) -> None:
    application = b.add(
        "sentry.apiapplication",
        {
            "client_id": _hex(b, 64),
            "client_secret": _hex(b, 64),
            "owner": None,
            "name": "Acme Triage",
            "status": 0,
            "allowed_origins": "",
            "redirect_uris": "",
            "homepage_url": None,
            "privacy_url": None,
            "terms_url": None,
            "date_added": b.ts(),
        },
    )
    app = b.add(
        "sentry.sentryapp",
        {
            "date_deleted": None,
            "scopes": "1",
            "scope_list": "['project:read']",
            "application": application,
            "proxy_user": None,
            "owner_id": orgs[0],
            "name": "Acme Triage",
            "slug": "acme-triage",
            "author": "Acme Inc.",
            "status": 2,
            "uuid": b.uuid(),
            "redirect_url": None,
            "webhook_url": "https://triage.example.com/hook",
            "is_alertable": True,
            "verify_install": False,
            "events": "['issue.created']",
            "overview": "Routes new issues to the on-call engineer.",
            "schema": {"elements": [{"type": "issue-link", "uri": "/link"}]},
            "date_added": b.ts(),
            "date_updated": b.ts(),
            "date_published": None,
            "creator_user": creator,
            "creator_label": "user0@example.com",
            "popularity": 1,
            "metadata": {},
        },
    )
    b.add(
        "sentry.sentryappcomponent",
        {
            "uuid": b.uuid(),
            "sentry_app": app,
            "type": "issue-link",
            "schema": {"type": "issue-link", "link": {"uri": "/link", "required_fields": []}},
        },
    )
    for org in orgs:
        _installation(b, app, application, creator, org)


def _installation(b: _Builder, app: int, application: int, user: int, org: int) -> None:
    grant = b.add(
        "sentry.apigrant",
        {
            "user": user,
            "application": application,
            "code": _hex(b, 64),
            "expires_at": b.ts(),
            "redirect_uri": "https://triage.example.com/setup",
            "scopes": "0",
            "scope_list": "['project:read']",
            "organization_id": org,
        },
    )
    token = _hex(b, 64)
    api_token = b.add(
        "sentry.apitoken",
        {
            "scopes": "0",
            "scope_list": "['project:read']",
            "scoping_organization_id": org,
            "application": application,
            "user": user,
            "name": None,
            "token": token,
            "hashed_token": hashlib.sha256(token.encode()).hexdigest(),
            "token_type": None,
            "token_last_characters": token[-4:],
            "refresh_token": None,
            "hashed_refresh_token": None,
            "expires_at": None,
            "date_added": b.ts(),
        },
    )
    b.add(
        "sentry.sentryappinstallation",
        {
            "date_deleted": None,
            "sentry_app": app,
            "organization_id": org,
            "api_grant": grant,
            "api_token": api_token,
            "uuid": b.uuid(),
            "status": 1,
            "date_added": b.ts(),
            "date_updated": b.ts(),
        },
    )


def _authorizations(b: _Builder, user_pks: list[int]) -> None:
    """The first OAuth application authorized by the second user (Global), and an
    application-less authorization of the first (Config)."""
    application = next(iter(r["pk"] for r in b.records.get("sentry.apiapplication", [])), None)
    for app, user, scopes in (
        (application, user_pks[1 % len(user_pks)], ["org:read", "project:read"]),
        (None, user_pks[0], ["org:read"]),
    ):
        b.add(
            "sentry.apiauthorization",
            {
                "scopes": "0",
                "scope_list": json.dumps(scopes).replace('"', "'"),
                "application": app,
                "user": user,
                "date_added": b.ts(),
                "organization_id": None,
            },
        )
