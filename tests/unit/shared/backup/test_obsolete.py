"""Older exports: obsolete models are skipped as obsolete, moved fields read where they moved."""

from __future__ import annotations

import io
from typing import Any

import orjson
import pytest

from shared.backup.dependencies import DependencyGraph
from shared.backup.errors import UnknownModelError
from shared.backup.findings import FindingKind
from shared.backup.imports import plan_import
from shared.backup.model_names import ModelName
from shared.backup.snapshot import load_snapshot
from shared.backup.streaming import ExportContents, read_export

GRAPH = load_snapshot()
NOW = "2023-07-01T10:00:00.000Z"


def _read(records: list[dict[str, Any]], graph: DependencyGraph = GRAPH) -> ExportContents:
    return read_export(io.BytesIO(orjson.dumps(records)), "old.json", lambda m: m in graph)


def _old_export() -> list[dict[str, Any]]:
    """An organization with a team and a project, two rules owned through actors (a user's and
    the team's), one through an actor the export lacks, and models Sentry no longer relocates."""
    return [
        {"model": "sites.site", "pk": 1, "fields": {"domain": "example.com", "name": "example"}},
        {"model": "sentry.user", "pk": 4, "fields": {"username": "alice", "date_joined": NOW}},
        {"model": "sentry.organization", "pk": 7, "fields": {"name": "Acme", "slug": "acme"}},
        {"model": "sentry.actor", "pk": 20, "fields": {"type": 1, "user_id": 4, "team": None}},
        {"model": "sentry.actor", "pk": 21, "fields": {"type": 0, "user_id": None, "team": 3}},
        {
            "model": "sentry.team",
            "pk": 3,
            "fields": {"organization": 7, "slug": "core", "name": "Core", "actor": 21},
        },
        {
            "model": "sentry.project",
            "pk": 5,
            "fields": {"organization": 7, "slug": "web", "name": "Web", "date_added": NOW},
        },
        *(
            {
                "model": "sentry.rule",
                "pk": pk,
                "fields": {"project": 5, "label": f"rule {pk}", "owner": owner},
            }
            for pk, owner in ((10, 20), (11, 21), (12, 99), (13, None))
        ),
        {"model": "sentry.monitorlocation", "pk": 2, "fields": {"name": "eu"}},
        {"model": "sentry.organizationmapping", "pk": 1, "fields": {"slug": "acme"}},
        {"model": "sentry.somethingnew", "pk": 1, "fields": {}},
    ]


def test_obsolete_models_are_skipped_as_obsolete_and_unknown_ones_as_unknown() -> None:
    with _read(_old_export()) as contents:
        findings = plan_import(contents, GRAPH)

    kinds = {(f.model, f.kind) for f in findings if f.ordinal == 0 and f.field is None}
    assert kinds == {
        ("sentry.actor", FindingKind.OBSOLETE_MODEL),
        ("sites.site", FindingKind.OBSOLETE_MODEL),
        ("sentry.monitorlocation", FindingKind.OBSOLETE_MODEL),
        ("sentry.organizationmapping", FindingKind.OBSOLETE_MODEL),
        ("sentry.somethingnew", FindingKind.UNKNOWN_MODEL),
    }
    actor = next(f for f in findings if f.model == "sentry.actor")
    assert actor.reason.startswith("2 record(s) skipped: removed from Sentry")
    mapping = next(f for f in findings if f.model == "sentry.organizationmapping")
    assert "excluded from Sentry's relocation" in mapping.reason


def test_a_rules_old_owner_is_read_into_owner_user_id_or_owner_team() -> None:
    with _read(_old_export()) as contents:
        findings = plan_import(contents, GRAPH)
        rules = {r["pk"]: r["fields"] for r in contents.by_model[ModelName("sentry.rule")]}
        team = contents.by_model[ModelName("sentry.team")][0]["fields"]
        kept = set(contents.by_model)

    assert rules[10]["owner_user_id"] == 4
    assert rules[10].get("owner_team") is None
    assert rules[11]["owner_team"] == 3
    assert rules[11].get("owner_user_id") is None
    assert all("owner" not in fields for fields in rules.values())
    assert "owner_user_id" not in rules[12]
    assert "actor" not in team
    assert ModelName("sentry.actor") not in kept
    dropped = {(f.model, f.field): f for f in findings if f.kind is FindingKind.OBSOLETE_FIELD}
    assert set(dropped) == {("sentry.rule", "owner"), ("sentry.team", "actor")}
    assert dropped["sentry.rule", "owner"].reason.startswith("1 record(s) carried 'owner'")
    assert "its actor is not in the export" in dropped["sentry.rule", "owner"].reason
    assert not [f for f in findings if f.kind is FindingKind.UNKNOWN_FIELD]


def test_strict_still_refuses_an_export_with_obsolete_models() -> None:
    with _read(_old_export()) as contents, pytest.raises(UnknownModelError):
        plan_import(contents, GRAPH, strict=True)
