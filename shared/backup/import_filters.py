"""Turn user-facing filters (usernames, org slugs) into per-model allow-lists for an import.

Sentry's org filter builds its email allow-list from the wrong key and so drops every email;
here the emails of every kept user are kept (their UserEmail addresses and their own address).
"""

from __future__ import annotations

from collections.abc import Iterable

from shared.backup.filters import Filter
from shared.backup.model_names import ModelName
from shared.backup.streaming import ExportContents

USER = ModelName("sentry.user")
EMAIL = ModelName("sentry.email")
USEREMAIL = ModelName("sentry.useremail")
ORGANIZATION = ModelName("sentry.organization")
MEMBER = ModelName("sentry.organizationmember")


def username_filters(contents: ExportContents, usernames: Iterable[str]) -> list[Filter]:
    """Keep the named users, and the emails they use."""
    wanted = frozenset(usernames)
    kept = {
        r["pk"] for r in contents.by_model.get(USER, []) if r["fields"].get("username") in wanted
    }
    return [Filter(USER, "username", wanted), _email_filter(contents, kept)]


def org_slug_filters(contents: ExportContents, slugs: Iterable[str]) -> list[Filter]:
    """Keep the named organizations, their members' users, and those users' emails."""
    wanted = frozenset(slugs)
    orgs = {
        r["pk"]
        for r in contents.by_model.get(ORGANIZATION, [])
        if r["fields"].get("slug") in wanted
    }
    users = {
        r["fields"]["user_id"]
        for r in contents.by_model.get(MEMBER, [])
        if r["fields"].get("organization") in orgs and isinstance(r["fields"].get("user_id"), int)
    }
    return [
        Filter(ORGANIZATION, "slug", wanted),
        Filter(USER, "pk", frozenset(str(pk) for pk in users)),
        _email_filter(contents, users),
    ]


def _email_filter(contents: ExportContents, user_pks: set[int]) -> Filter:
    emails = {
        str(r["fields"].get("email"))
        for r in contents.by_model.get(USEREMAIL, [])
        if r["fields"].get("user") in user_pks
    }
    emails |= {
        str(r["fields"].get("email"))
        for r in contents.by_model.get(USER, [])
        if r["pk"] in user_pks and r["fields"].get("email")
    }
    return Filter(EMAIL, "email", frozenset(emails))
