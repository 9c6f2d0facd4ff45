"""What the issue #13 instance builders point at: one organization's records, and the instance's
users and control-side records, as the builder has them so far."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.support.instance import _Builder

# How each region model already in the instance names its organization (directly or via project).
_OWNER_FIELDS = {
    "sentry.organization": None,
    "sentry.project": "organization",
    "sentry.team": "organization",
    "sentry.organizationmember": "organization",
    "sentry.environment": "organization_id",
}
# Control-side models referred to by the instance's own organization.
_ORG_SCOPED_CONTROL = {"sentry.sentryappinstallation": "organization_id"}


class OrgRefs:
    """One organization's records: those built before (projects, teams, rules, ...) and those
    the topic builders add, so references stay within the organization."""

    def __init__(self, b: _Builder, org: int, user_pks: list[int]) -> None:
        self.b = b
        self.org = org
        self.user_pks = user_pks
        self.local: dict[str, list[int]] = {"sentry.organization": [org]}
        for model, field in _OWNER_FIELDS.items():
            if field is not None:
                self.local[model] = self._owned(model, field)
        projects = set(self.local["sentry.project"])
        self.local["sentry.rule"] = [
            r["pk"] for r in b.records.get("sentry.rule", []) if r["fields"]["project"] in projects
        ]
        for model, field in _ORG_SCOPED_CONTROL.items():
            self.local[model] = self._owned(model, field)

    def _owned(self, model: str, field: str) -> list[int]:
        return [r["pk"] for r in self.b.records.get(model, []) if r["fields"][field] == self.org]

    def maybe(self, model: str) -> int | None:
        """The first record of ``model`` this organization (or the instance) has, or None."""
        if model == "sentry.user":
            return self.user_pks[0] if self.user_pks else None
        if self.local.get(model):
            return self.local[model][0]
        if model in self.local:
            return None
        records = self.b.records.get(model, [])
        return records[0]["pk"] if records else None

    def ref(self, model: str) -> int:
        """The record a non-null reference to ``model`` names."""
        pk = self.maybe(model)
        if pk is None:
            raise LookupError(f"the instance has no {model} for organization {self.org}")
        return pk

    def add(self, model: str, fields: dict[str, Any]) -> int:
        """Add one record of this organization; later references to ``model`` name it."""
        pk = self.b.add(model, fields)
        self.local.setdefault(model, []).append(pk)
        return pk


def organizations(b: _Builder) -> list[int]:
    """The instance's organizations, in the order they were built."""
    return [r["pk"] for r in b.records.get("sentry.organization", [])]


def for_each_organization(
    b: _Builder, user_pks: list[int], build: Callable[[_Builder, OrgRefs], None]
) -> None:
    """Run a topic's ``build`` once per organization of the instance, with its references."""
    for org in organizations(b):
        build(b, OrgRefs(b, org, user_pks))


def hex_text(b: _Builder, n: int) -> str:
    """``n`` random lower-case hex characters from the builder's generator."""
    return "".join(b.rng.choice("0123456789abcdef") for _ in range(n))
