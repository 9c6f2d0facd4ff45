"""Export -> Global import into empty silos -> export again: the exports are equal."""

from __future__ import annotations

import json

import pytest

from region.cli.wiring import connect
from shared.backup.scopes import OperationScope
from tests.integration.conftest import endpoints, normalized, run_cli, write_export
from tests.support.instance import INSTANCE_MODELS, generate

pytestmark = pytest.mark.integration

# The models the generated instance holds (all we carry but events and the unexportable).
CARRIED = set(INSTANCE_MODELS)


def test_global_export_import_export_round_trip_is_lossless(silo_pair_factory, tmp_path):
    source = generate(users=6, orgs=3, seed=7)
    assert {r["model"] for r in source} == CARRIED
    first, second = silo_pair_factory("first"), silo_pair_factory("second")
    src = write_export(tmp_path / "source.json", source)

    run_cli(first, "import", "global", str(src), "--no-prompt")
    run_cli(first, "export", "global", str(tmp_path / "e1.json"))
    run_cli(second, "import", "global", str(tmp_path / "e1.json"), "--no-prompt")
    run_cli(second, "export", "global", str(tmp_path / "e2.json"))

    e1 = json.loads((tmp_path / "e1.json").read_text())
    e2 = json.loads((tmp_path / "e2.json").read_text())
    with connect(endpoints(second)) as silos:
        graph = silos.graph
    # The export is Sentry's shape: grouped by model in dependency order, pks ascending.
    models_in_order = [m for m in graph.sorted_models() if any(r["model"] == m for r in e1)]
    assert [r["model"] for r in e1] == [m for m in models_in_order for r in e1 if r["model"] == m]
    for model in models_in_order:
        pks = [r["pk"] for r in e1 if r["model"] == model]
        assert pks == sorted(pks)
    # Documented difference: none in Global scope except primary keys, which may be renumbered.
    assert normalized(e1, graph) == normalized(source, graph)
    assert normalized(e2, graph) == normalized(e1, graph)
    assert len(e2) == len(source)
    assert all(r["fields"]["date_added"].endswith("Z") for r in e2 if "date_added" in r["fields"])


def test_export_of_empty_silos_is_an_empty_array(silo_pair_factory, tmp_path):
    pair = silo_pair_factory()
    for scope in ("users", "organizations", "config", "global"):
        out = tmp_path / f"{scope}.json"
        run_cli(pair, "export", scope, str(out))
        assert json.loads(out.read_text()) == []


def test_scoped_exports_hold_only_admitted_models(silo_pair_factory, tmp_path):
    pair = silo_pair_factory()
    src = write_export(tmp_path / "source.json", generate(users=4, orgs=2, seed=3))
    run_cli(pair, "import", "global", str(src), "--no-prompt")
    with connect(endpoints(pair)) as silos:
        graph = silos.graph
    scopes = {
        "users": OperationScope.USER,
        "organizations": OperationScope.ORGANIZATION,
        "config": OperationScope.CONFIG,
    }
    # Every model declared in the scope appears, and nothing else does (Sentry's scoping tests).
    expected = {
        name: {m for m in CARRIED if scope.admits_any(graph.get(m).scopes)}
        for name, scope in scopes.items()
    }
    assert expected["users"] == {
        "sentry.user",
        "sentry.email",
        "sentry.useremail",
        "sentry.useroption",
    }
    assert "sentry.apitoken" in expected["config"]
    assert "sentry.authenticator" not in expected["config"] | expected["organizations"]
    for scope, models in expected.items():
        out = tmp_path / f"{scope}.json"
        run_cli(pair, "export", scope, str(out))
        assert {r["model"] for r in json.loads(out.read_text())} == models, scope


def test_org_slug_filtered_export_keeps_only_that_orgs_users(silo_pair_factory, tmp_path):
    pair = silo_pair_factory()
    source = generate(users=5, orgs=2, seed=11)
    run_cli(pair, "import", "global", str(write_export(tmp_path / "s.json", source)), "--no-prompt")
    out = tmp_path / "org0.json"
    run_cli(pair, "export", "organizations", str(out), "--filter-org-slugs", "org-0")
    records = json.loads(out.read_text())
    orgs = [r for r in records if r["model"] == "sentry.organization"]
    assert [o["fields"]["slug"] for o in orgs] == ["org-0"]
    member_users = {
        r["fields"]["user_id"]
        for r in records
        if r["model"] == "sentry.organizationmember" and r["fields"]["user_id"]
    }
    users = {r["pk"] for r in records if r["model"] == "sentry.user"}
    assert users == member_users
    assert all(
        r["fields"]["organization"] == orgs[0]["pk"]
        for r in records
        if r["model"] in ("sentry.team", "sentry.project", "sentry.organizationmember")
    )


def test_config_export_carries_only_privileged_users_and_their_emails(silo_pair_factory, tmp_path):
    pair = silo_pair_factory()
    source = generate(users=4, orgs=1, seed=5)
    run_cli(pair, "import", "global", str(write_export(tmp_path / "s.json", source)), "--no-prompt")
    out = tmp_path / "config.json"
    run_cli(pair, "export", "config", str(out))
    records = json.loads(out.read_text())
    privileged = [r for r in source if r["model"] == "sentry.user" and r["fields"]["is_staff"]]
    assert [r["fields"]["username"] for r in records if r["model"] == "sentry.user"] == [
        u["fields"]["username"] for u in privileged
    ]
    assert {r["fields"]["email"] for r in records if r["model"] == "sentry.email"} == {
        u["fields"]["email"] for u in privileged
    }


def test_username_filtered_user_export_keeps_the_named_users_and_their_emails(
    silo_pair_factory, tmp_path
):
    pair = silo_pair_factory()
    source = generate(users=4, orgs=1, seed=5)
    run_cli(pair, "import", "global", str(write_export(tmp_path / "s.json", source)), "--no-prompt")
    out = tmp_path / "users.json"
    run_cli(pair, "export", "users", str(out), "--filter-usernames", "user1,user3")
    records = json.loads(out.read_text())
    assert sorted(r["fields"]["username"] for r in records if r["model"] == "sentry.user") == [
        "user1",
        "user3",
    ]
    assert sorted(r["fields"]["email"] for r in records if r["model"] == "sentry.email") == [
        "user1@example.com",
        "user3@example.com",
    ]
    assert len([r for r in records if r["model"] == "sentry.useremail"]) == 2
