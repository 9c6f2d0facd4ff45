"""Import then export gives back what was imported (acceptance behaviours 71, 72, 109-112)."""

from __future__ import annotations

import pytest

from shared.backup.compare import compare_exports
from shared.backup.snapshot import load_snapshot
from tests.integration.acceptance import (
    export_records,
    import_records,
    of_model,
    projectkey,
    reset,
    seed,
    team,
    userip,
    useroption,
)
from tests.integration.conftest import run_cli, write_export
from tests.support.instance import generate
from tests.support.records import email, member, option, org, project, record, user, useremail

pytestmark = pytest.mark.integration


@pytest.fixture
def pair(module_pair, tmp_path):
    """The module's pair, emptied by a Global import of nothing."""
    reset(module_pair, tmp_path)
    return module_pair


def _compare(pair, tmp_path, left, right):
    """``relocate backup compare`` of two record lists; returns the process."""
    paths = [
        write_export(tmp_path / f"{side}.json", records)
        for side, records in (("left", left), ("right", right))
    ]
    return run_cli(pair, "backup", "compare", *map(str, paths), check=False)


def test_sparse_pks_of_a_user_chain_round_trip_without_differences(pair, tmp_path):
    source = [
        user(12, "alice"),
        email(34, "alice@example.com"),
        useremail(56, 12, "alice@example.com"),
        useroption(78, 12, "language", '"en"'),
        userip(90, 12, "192.0.2.7", "AT", "9"),
    ]
    import_records(pair, tmp_path, "global", source)

    exported = export_records(pair, tmp_path, "global")

    assert [r["pk"] for r in exported] == [1, 1, 1, 1, 1]
    assert [r["fields"]["user"] for r in exported if "user" in r["fields"]] == [1, 1, 1]
    proc = _compare(pair, tmp_path, source, exported)
    assert proc.returncode == 0, proc.stdout
    assert "Done, found 0 differences!" in proc.stdout


def test_import_into_silos_with_advanced_sequences_repoints_every_reference(pair, tmp_path):
    seed(pair, tmp_path, generate(users=3, orgs=2, seed=5))
    plain = {"is_staff": False, "is_superuser": False, "is_managed": False}
    # Its pks (1, 2, ...) are all taken already, by other rows of the same models.
    source = [
        user(1, "zed", **plain),
        user(2, "yan", **plain),
        email(1, "yan@example.com"),
        email(2, "zed@example.com"),
        useremail(1, 1, "zed@example.com"),
        useremail(2, 2, "yan@example.com"),
        org(1, "zeta"),
        member(1, 1, 1, role="owner", user_email="zed@example.com"),
        member(2, 1, 2, inviter_id=1, user_email="yan@example.com"),
        team(1, 1, "zeta-team"),
        record(
            "sentry.organizationmemberteam",
            1,
            team=1,
            organizationmember=2,
            is_active=True,
            role=None,
        ),
        project(1, 1, "zeta-project"),
        record("sentry.projectteam", 1, project=1, team=1),
        projectkey(1, 1, "a" * 32, "b" * 32),
    ]
    import_records(pair, tmp_path, "organizations", source)

    exported = export_records(pair, tmp_path, "organizations", "--filter-org-slugs", "zeta")

    assert of_model(exported, "sentry.organization")[0]["pk"] != 1
    assert {r["pk"] for r in of_model(exported, "sentry.user")}.isdisjoint({1, 2})
    proc = _compare(pair, tmp_path, source, exported)
    assert proc.returncode == 0, proc.stdout
    assert "Done, found 0 differences!" in proc.stdout


def test_global_round_trip_is_identical_even_without_comparators(pair, tmp_path):
    import_records(pair, tmp_path, "global", generate(users=3, orgs=2, seed=8))
    first = export_records(pair, tmp_path, "global")

    import_records(pair, tmp_path, "global", first)
    second = export_records(pair, tmp_path, "global")

    assert compare_exports(first, second, load_snapshot(), comparators={}, auto_assign=False) == []
    assert second == first


def test_datetimes_come_back_with_milliseconds(pair, tmp_path):
    zeroed = option(1, "a.zeroed", '"a"')
    zeroed["fields"]["last_updated"] = "2023-06-22T00:00:00.000Z"
    unzeroed = option(2, "b.unzeroed", '"b"')
    unzeroed["fields"]["last_updated"] = "2023-06-22T00:00:00Z"
    source = [zeroed, unzeroed]
    import_records(pair, tmp_path, "global", source)

    exported = of_model(export_records(pair, tmp_path, "global"), "sentry.option")

    assert [r["fields"]["last_updated"] for r in exported] == [
        "2023-06-22T00:00:00.000Z",
        "2023-06-22T00:00:00.000Z",
    ]
    # As plain JSON the spelling differs on the second option only ...
    plain = compare_exports(source, exported, load_snapshot(), comparators={}, auto_assign=False)
    assert [(str(f.kind), f.model, f.ordinal) for f in plain] == [
        ("UnequalJSON", "sentry.option", 2)
    ]
    assert '-  "last_updated": "2023-06-22T00:00:00Z",' in plain[0].reason
    assert '+  "last_updated": "2023-06-22T00:00:00.000Z",' in plain[0].reason
    # ... and the default comparators see the same instants.
    proc = _compare(pair, tmp_path, source, exported)
    assert proc.returncode == 0, proc.stdout


def test_app_user_with_an_empty_email_round_trips_in_global_scope(pair, tmp_path):
    app_user = user(
        1,
        "sentry-app-proxy-1",
        email="",
        name="",
        is_sentry_app=True,
        is_staff=False,
        is_superuser=False,
        is_managed=True,
    )
    import_records(pair, tmp_path, "global", [app_user])

    exported = export_records(pair, tmp_path, "global")

    assert exported == [app_user]
    proc = _compare(pair, tmp_path, [app_user], exported)
    assert proc.returncode == 0, proc.stdout
