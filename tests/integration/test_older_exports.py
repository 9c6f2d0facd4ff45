"""An export of an older Sentry: everything the current graph relocates is imported, obsolete
models are skipped as obsolete and named on the console, old owner fields land where they moved."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.integration.acceptance import export_records, import_records, of_model, reset
from tests.support.instance import generate

Record = dict[str, Any]
OBSOLETE = ("sentry.actor", "sites.site", "sentry.monitorlocation", "sentry.organizationmapping")


@pytest.fixture
def pair(module_pair, tmp_path):
    """The module's pair, emptied by a Global import of nothing."""
    reset(module_pair, tmp_path)
    return module_pair


def _older(records: list[Record]) -> list[Record]:
    """The generated instance as an older Sentry wrote it: actors own rules and teams."""
    out = copy.deepcopy(records)
    actors: list[Record] = []

    def actor(user: int | None, team: int | None) -> int:
        pk = 100 + len(actors)
        actors.append(
            {
                "model": "sentry.actor",
                "pk": pk,
                "fields": {"type": 0 if team else 1, "user_id": user, "team": team},
            }
        )
        return pk

    for r in out:
        fields = r["fields"]
        if r["model"] == "sentry.team":
            fields["actor"] = actor(None, r["pk"])
        if r["model"] == "sentry.rule":
            user, team = fields.pop("owner_user_id"), fields.pop("owner_team")
            fields["owner"] = actor(user, None) if user else actor(None, team) if team else None
    extra = [
        {"model": "sites.site", "pk": 1, "fields": {"domain": "example.com", "name": "example"}},
        {"model": "sentry.monitorlocation", "pk": 1, "fields": {"name": "eu-west"}},
        {
            "model": "sentry.organizationmapping",
            "pk": 1,
            "fields": {"organization_id": 1, "slug": "org-0", "region_name": "--monolith--"},
        },
    ]
    return actors + extra + out


def test_an_older_export_imports_every_current_model_and_names_the_skipped_kinds(pair, tmp_path):
    current = generate(users=3, orgs=1, seed=5)
    proc, findings = import_records(pair, tmp_path, "global", _older(current))

    for model in OBSOLETE:
        assert f"  {model}: not imported (ObsoleteModel)" in proc.stdout, proc.stdout
    # A team's actor named the team itself: no current field carries it, so it is dropped.
    assert "  sentry.team.actor: dropped (ObsoleteField)" in proc.stdout
    assert findings is not None
    assert {f["on"][0] for f in findings if f["kind"] == "ObsoleteModel"} == set(OBSOLETE)
    assert not [f for f in findings if f["kind"] in ("UnknownModel", "UnknownField")]

    exported = export_records(pair, tmp_path, "global")
    rules = [r["fields"] for r in of_model(exported, "sentry.rule")]
    expected = [r["fields"] for r in of_model(current, "sentry.rule")]
    assert len(rules) == len(expected)
    assert sum(r["owner_user_id"] is not None for r in rules) == sum(
        r["owner_user_id"] is not None for r in expected
    )
    teams = {t["pk"] for t in of_model(exported, "sentry.team")}
    owned_by_teams = [r["owner_team"] for r in rules if r["owner_team"] is not None]
    assert len(owned_by_teams) == sum(r["owner_team"] is not None for r in expected)
    assert set(owned_by_teams) <= teams
    assert {r["model"] for r in exported}.isdisjoint(OBSOLETE)


def test_strict_refuses_an_older_export_with_obsolete_models(pair, tmp_path):
    proc, _ = import_records(
        pair, tmp_path, "global", _older(generate(users=2, orgs=1)), "--strict", check=False
    )
    assert proc.returncode == 1
    assert "sentry.actor" in proc.stdout + proc.stderr


def test_a_status_naming_a_never_relocated_issue_group_is_skipped_and_named(pair, tmp_path):
    current = generate(users=2, orgs=1, seed=6)
    workflow = of_model(current, "workflow_engine.workflow")[0]
    status = {
        "model": "workflow_engine.workflowgroupstatus",
        "pk": 1,
        "fields": {
            "date_updated": "2024-03-02T10:00:00.000Z",
            "date_added": "2024-03-02T10:00:00.000Z",
            "workflow": workflow["pk"],
            "group": 4242,
            "status": 0,
            "last_active": None,
        },
    }

    proc, findings = import_records(pair, tmp_path, "global", [*current, status])

    # Pre-flight does not look for sentry.group in the file; the silo skips the record.
    assert "workflow_engine.workflowgroupstatus: none imported, 1 of 1 skipped" in proc.stdout
    assert findings is not None
    skipped = [f for f in findings if f["on"][0] == "workflow_engine.workflowgroupstatus"]
    assert [f["kind"] for f in skipped] == ["ReferenceNotImported"]
    exported = export_records(pair, tmp_path, "global")
    assert not of_model(exported, "workflow_engine.workflowgroupstatus")
    assert len(of_model(exported, "workflow_engine.workflow")) == len(
        of_model(current, "workflow_engine.workflow")
    )
