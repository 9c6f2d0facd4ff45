"""Small records and a small model graph for the compare tests."""

from __future__ import annotations

from typing import Any

from shared.backup.compare import InstancePair, OrdinalMaps
from shared.backup.dependencies import DependencyGraph
from shared.backup.descriptors import ForeignKey, ModelDescriptor, Silo
from shared.backup.model_names import ModelName
from shared.backup.scopes import RelocationScope


def _model(name: str, silo: Silo, *fks: tuple[str, str, bool]) -> ModelDescriptor:
    return ModelDescriptor(
        name=ModelName(name),
        silo=silo,
        scopes=frozenset({RelocationScope.GLOBAL}),
        foreign_keys=tuple(ForeignKey(f, ModelName(t), nullable=n) for f, t, n in fks),
    )


GRAPH = DependencyGraph.from_descriptors(
    [
        _model("sentry.user", Silo.CONTROL),
        _model("sentry.email", Silo.CONTROL),
        _model("sentry.useremail", Silo.CONTROL, ("user", "sentry.user", False)),
        _model("sentry.userrole", Silo.CONTROL),
        _model(
            "sentry.userroleuser",
            Silo.CONTROL,
            ("user", "sentry.user", False),
            ("role", "sentry.userrole", False),
        ),
        _model("sentry.userip", Silo.CONTROL, ("user", "sentry.user", False)),
        _model(
            "sentry.useroption",
            Silo.CONTROL,
            ("user", "sentry.user", False),
            ("organization_id", "sentry.organization", True),
            ("project_id", "sentry.project", True),
        ),
        _model("sentry.apitoken", Silo.CONTROL, ("user", "sentry.user", False)),
        _model("sentry.option", Silo.REGION),
        _model("sentry.organization", Silo.REGION),
        _model(
            "sentry.organizationmember",
            Silo.REGION,
            ("organization", "sentry.organization", False),
            ("user_id", "sentry.user", True),
            ("inviter_id", "sentry.user", True),
        ),
        _model("sentry.project", Silo.REGION, ("organization", "sentry.organization", False)),
        _model("sentry.projectkey", Silo.REGION, ("project", "sentry.project", False)),
    ]
)


def rec(model: str, pk: int, **fields: Any) -> dict[str, Any]:
    """One export record."""
    return {"model": model, "pk": pk, "fields": fields}


def user(pk: int, username: str, **fields: Any) -> dict[str, Any]:
    """A claimed user with a fixed password."""
    base = {
        "username": username,
        "email": f"{username}@example.com",
        "password": "pbkdf2_sha256$260000$salt$hashhashhash",
        "is_unclaimed": False,
        "is_password_expired": False,
        "last_password_change": "2024-01-01T00:00:00.000Z",
        "last_active": "2024-01-02T00:00:00.000Z",
    }
    return rec("sentry.user", pk, **{**base, **fields})


def pair(
    left: dict[str, Any],
    right: dict[str, Any],
    *,
    model: str = "sentry.widget",
    left_refs: dict[str, dict[int, int]] | None = None,
    right_refs: dict[str, dict[int, int]] | None = None,
) -> InstancePair:
    """An instance pair of two field dicts, at ordinal 1, left pk 10 and right pk 20."""
    refs = OrdinalMaps(left=left_refs or {}, right=right_refs or {})
    return InstancePair.of(model, 1, {"pk": 10, "fields": left}, {"pk": 20, "fields": right}, refs)


def kinds(findings: list[Any]) -> list[str]:
    """The kinds of some findings, as findings files spell them."""
    return [str(f.kind) for f in findings]
