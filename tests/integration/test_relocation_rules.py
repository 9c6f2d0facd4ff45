"""Sentry's relocation rules, against real silo processes on PostgreSQL."""

from __future__ import annotations

import json

import pytest

from tests.integration.conftest import run_cli, write_export
from tests.support.records import (
    email,
    member,
    option,
    org,
    project,
    user,
    useremail,
    userpermission,
    userrole,
)

pytestmark = pytest.mark.integration


@pytest.fixture
def pair(module_pair, tmp_path):
    """The module's pair, emptied by a Global import of nothing."""
    run_cli(
        module_pair,
        "import",
        "global",
        str(write_export(tmp_path / "empty.json", [])),
        "--no-prompt",
    )
    return module_pair


def _import(pair, tmp_path, scope, records, *args, name="in.json", check=True):
    """Run an import; return the process, its findings and its report (None if not written)."""
    findings = tmp_path / f"{name}.findings.json"
    report = tmp_path / f"{name}.report.json"
    proc = run_cli(
        pair,
        "import",
        scope,
        str(write_export(tmp_path / name, records)),
        "--no-prompt",
        "--findings-file",
        str(findings),
        "--report-file",
        str(report),
        *args,
        check=check,
    )
    return (
        proc,
        json.loads(findings.read_text()) if findings.exists() else None,
        json.loads(report.read_text()) if report.exists() else None,
    )


def _users(pair):
    return pair.query(
        "control",
        "SELECT username, is_staff, is_superuser, is_managed, "
        "is_unclaimed, password FROM auth_user ORDER BY id",
    )


def _counts(report, model):
    counts = dict(report["models"][model])
    assert counts.pop("seconds") >= 0
    return counts


def test_global_import_clears_both_silos_first(pair, tmp_path):
    _import(pair, tmp_path, "global", [user(1, "alice"), org(1, "acme")])
    assert pair.count("control", "auth_user") == pair.count("region", "sentry_organization") == 1
    _import(pair, tmp_path, "global", [], name="empty2.json")
    assert pair.count("control", "auth_user") == pair.count("region", "sentry_organization") == 0
    assert pair.count("control", "sentry_organizationslugreservation") == 0
    out = tmp_path / "out.json"
    run_cli(pair, "export", "global", str(out))
    assert json.loads(out.read_text()) == []
    _import(pair, tmp_path, "global", [user(7, "bob")], name="again.json")
    assert pair.query("control", "SELECT id FROM auth_user") == [(1,)]  # sequences were reset


@pytest.mark.parametrize("scope", ["users", "organizations", "config"])
def test_empty_scoped_import_keeps_existing_data(pair, tmp_path, scope):
    _import(pair, tmp_path, "global", [user(1, "alice"), org(1, "acme")])
    _import(pair, tmp_path, scope, [], name="empty-scoped.json")
    assert pair.count("control", "auth_user") == pair.count("region", "sentry_organization") == 1


def test_global_import_asks_before_clearing_and_no_cancels(pair, tmp_path):
    _import(pair, tmp_path, "global", [user(1, "alice")])
    src = str(write_export(tmp_path / "b.json", [user(1, "bob")]))
    no = run_cli(pair, "import", "global", src, input_text="n\n")
    assert "irrecoverably delete all existing low-volume data" in no.stdout
    assert "Import cancelled." in no.stdout
    assert [u[0] for u in _users(pair)] == ["alice"]
    silent_no = run_cli(pair, "import", "global", src, "--silent", input_text="n\n")
    assert "Import cancelled." not in silent_no.stdout
    assert [u[0] for u in _users(pair)] == ["alice"]
    run_cli(pair, "import", "global", src, input_text="y\n")
    assert [u[0] for u in _users(pair)] == ["bob"]


def test_privileges_and_claims_follow_the_scope(pair, tmp_path):
    records = [
        user(1, "alice"),
        useremail(1, 1, "alice@example.com"),
        email(1, "alice@example.com"),
    ]
    expectations = {
        # scope: (privileges kept, unclaimed, email still verified)
        "users": (False, True, False),
        "organizations": (False, True, False),
        "config": (True, True, False),
        "global": (True, False, True),
    }
    for scope, (privileged, unclaimed, verified) in expectations.items():
        _import(pair, tmp_path, "global", [], name=f"reset-{scope}.json")
        _import(pair, tmp_path, scope, records, name=f"{scope}.json")
        ((_username, staff, superuser, managed, is_unclaimed, password),) = _users(pair)
        assert (staff, superuser, managed) == (privileged,) * 3, scope
        assert is_unclaimed is unclaimed, scope
        assert (password == records[0]["fields"]["password"]) is (not unclaimed), scope
        if unclaimed:
            assert password.startswith("!"), scope  # unusable: nobody knows it
        ((is_verified, validation_hash),) = pair.query(
            "control", "SELECT is_verified, validation_hash FROM sentry_useremail"
        )
        assert is_verified is verified, scope
        assert (validation_hash == "h" * 32) is verified, scope


@pytest.mark.parametrize("scope", ["users", "config"])
def test_merge_users_reuses_the_existing_user_and_skips_its_rows(pair, tmp_path, scope):
    _import(
        pair,
        tmp_path,
        "global",
        [
            user(1, "owner"),
            useremail(1, 1, "owner@example.com"),
            userpermission(1, 1, "users.admin"),
        ],
    )
    incoming = [
        user(5, "owner", email="other@example.com"),
        useremail(5, 5, "other@example.com"),
        email(5, "other@example.com"),
        userpermission(5, 5, "broadcasts.admin"),
    ]
    _, _findings, report = _import(
        pair, tmp_path, scope, incoming, "--merge-users", name="merge.json"
    )
    assert [u[0] for u in _users(pair)] == ["owner"]
    assert pair.query("control", "SELECT email FROM sentry_useremail") == [("owner@example.com",)]
    counts = _counts(report, "sentry.user")
    assert counts["existing"] == 1
    assert "inserted" not in counts
    assert _counts(report, "sentry.useremail")["skipped_OwnerMerged"] == 1
    if scope == "config":
        assert pair.query("control", "SELECT permission FROM sentry_userpermission") == [
            ("users.admin",)
        ]
    _, _findings, report = _import(pair, tmp_path, scope, incoming, name="nomerge.json")
    usernames = [u[0] for u in _users(pair)]
    assert usernames[0] == "owner"
    assert usernames[1].startswith("owner-")
    assert len(usernames) == 2
    assert _counts(report, "sentry.user")["inserted"] == 1


def test_merged_user_joins_the_imported_org_in_organization_scope(pair, tmp_path):
    _import(pair, tmp_path, "global", [user(1, "owner"), org(1, "some-org"), member(1, 1, 1)])
    incoming = [user(3, "owner"), org(4, "some-org"), member(9, 4, 3, role="owner")]
    _import(pair, tmp_path, "organizations", incoming, "--merge-users", name="m.json")
    slugs = dict(pair.query("region", "SELECT id, slug FROM sentry_organization"))
    assert slugs[1] == "some-org"
    assert len(slugs) == 2
    (new_org,) = [i for i, s in slugs.items() if i != 1]
    assert slugs[new_org].startswith("some-org-")
    members = pair.query("region", "SELECT organization_id, user_id FROM sentry_organizationmember")
    assert sorted(members) == sorted([(1, 1), (new_org, 1)])
    reserved = pair.query(
        "control", "SELECT organization_id, slug FROM sentry_organizationslugreservation"
    )
    assert sorted(reserved) == sorted(slugs.items())


@pytest.mark.parametrize("overwrite", [False, True])
def test_config_collisions_keep_or_overwrite(pair, tmp_path, overwrite):
    _import(
        pair,
        tmp_path,
        "global",
        [
            option(1, "mail.from", '"local@example.com"'),
            option(1, "system.admin-email", '"local@example.com"', model="sentry.controloption"),
            userrole(1, "Super Admin", "['local.admin']"),
        ],
    )
    incoming = [
        option(3, "mail.from", '"imported@example.com"'),
        option(4, "system.admin-email", '"imported@example.com"', model="sentry.controloption"),
        userrole(2, "Super Admin", "['users.admin', 'options.admin']"),
    ]
    args = ("--overwrite-configs",) if overwrite else ()
    _, _findings, report = _import(pair, tmp_path, "config", incoming, *args, name="cfg.json")
    expected_value = '"imported@example.com"' if overwrite else '"local@example.com"'
    assert pair.query("region", "SELECT value #>> '{}' FROM sentry_option") == [(expected_value,)]
    assert pair.query("control", "SELECT value #>> '{}' FROM sentry_controloption") == [
        (expected_value,)
    ]
    perms = "['users.admin', 'options.admin']" if overwrite else "['local.admin']"
    assert pair.query("control", "SELECT id, permissions FROM sentry_userrole") == [(1, perms)]
    kind = "overwrite" if overwrite else "existing"
    for model in ("sentry.option", "sentry.controloption", "sentry.userrole"):
        assert _counts(report, model) == {"in_file": 1, "collisions_resolved": 0, kind: 1}


def test_same_username_and_slug_twice_in_one_file_are_both_imported_suffixed(pair, tmp_path):
    records = [
        user(1, "twin"),
        user(2, "twin"),
        org(1, "same"),
        org(2, "same"),
        member(1, 1, 1),
        member(2, 2, 2),
    ]
    _, _findings, report = _import(pair, tmp_path, "organizations", records)
    usernames = sorted(u[0] for u in _users(pair))
    assert usernames[0] == "twin"
    assert usernames[1].startswith("twin-")
    slugs = sorted(s for (s,) in pair.query("region", "SELECT slug FROM sentry_organization"))
    assert slugs[0] == "same"
    assert slugs[1].startswith("same-")
    assert _counts(report, "sentry.user")["inserted"] == 2
    assert _counts(report, "sentry.organization")["inserted"] == 2
    assert sorted(pair.query("control", "SELECT slug FROM sentry_organizationslugreservation")) == [
        (s,) for s in slugs
    ]


def test_member_inviter_missing_from_the_import_is_nulled(pair, tmp_path):
    records = [
        user(1, "alice"),
        user(2, "bob"),
        org(1, "acme"),
        member(1, 1, 1, inviter_id=2),
        member(2, 1, None, email="x@y.z", inviter_id=99, invite_status=1, token="t" * 32),
    ]
    _, findings, _report = _import(
        pair, tmp_path, "organizations", records, "--filter-org-slugs", "acme"
    )
    rows = pair.query(
        "region",
        "SELECT user_id, email, inviter_id, token FROM sentry_organizationmember ORDER BY id",
    )
    assert rows[1] == (None, "x@y.z", None, "t" * 32)  # the pending invite survives
    assert [f["field"] for f in findings if f["kind"] == "ReferenceNulled"] == [
        "inviter_id",
        "inviter_id",
    ]


def test_project_pks_are_kept_in_global_scope_and_renumbered_elsewhere(pair, tmp_path):
    records = [org(1, "acme"), project(137, 1, "backend"), project(4242, 1, "frontend")]
    _import(pair, tmp_path, "global", records)
    assert [p for (p,) in pair.query("region", "SELECT id FROM sentry_project ORDER BY id")] == [
        137,
        4242,
    ]
    _import(pair, tmp_path, "organizations", records, name="again.json")
    ids = [p for (p,) in pair.query("region", "SELECT id FROM sentry_project ORDER BY id")]
    assert ids[:2] == [137, 4242]
    assert len(ids) == 4
    assert set(ids[2:]).isdisjoint({137, 4242})
    assert min(ids[2:]) > 4242  # the sequence was advanced past the kept pks


def test_batches_split_on_ordinals_and_later_batches_remap_references(pair, tmp_path):
    users = [user(100 + i, f"u{i}") for i in range(6)]
    emails = [useremail(200 + i, 100 + i, f"u{i}@example.com") for i in range(6)]
    _import(pair, tmp_path, "global", users + emails, "--batch-size", "3")
    chunks = pair.query(
        "control",
        "SELECT model, min_ordinal, max_ordinal, min_source_pk, "
        "max_source_pk FROM sentry_controlimportchunk ORDER BY model, min_ordinal",
    )
    assert chunks == [
        ("sentry.user", 1, 3, 100, 102),
        ("sentry.user", 4, 6, 103, 105),
        ("sentry.useremail", 1, 3, 200, 202),
        ("sentry.useremail", 4, 6, 203, 205),
    ]
    pairs = pair.query(
        "control",
        "SELECT u.username, e.email FROM sentry_useremail e "
        "JOIN auth_user u ON u.id = e.user_id ORDER BY u.username",
    )
    assert pairs == [(f"u{i}", f"u{i}@example.com") for i in range(6)]


def test_invalid_user_fails_before_anything_is_written(pair, tmp_path):
    records = [option(1, "a", 1), org(1, "acme"), user(1, "ok"), user(2, "x" * 129)]
    proc, findings, _report = _import(pair, tmp_path, "global", records, check=False)
    assert proc.returncode == 1
    assert "sentry.user #2 field 'username': longer than 128 characters" in proc.stderr
    assert findings[-1]["kind"] == "InstanceInvalid"
    assert findings[-1]["on"] == ["sentry.user", 2]
    assert pair.count("region", "sentry_option") == pair.count("region", "sentry_organization") == 0
    nameless = user(3, "nameless")
    del nameless["fields"]["username"]
    proc, _, _ = _import(
        pair, tmp_path, "users", [user(1, "ok"), nameless], check=False, name="missing.json"
    )
    assert "sentry.user #2 field 'username': required field is missing" in proc.stderr
    assert pair.count("control", "auth_user") == 0


def test_strict_turns_unknown_models_and_fields_into_errors(pair, tmp_path):
    records = [
        user(1, "alice", favourite_colour="blue"),
        {"model": "sentry.futuremodel", "pk": 1, "fields": {}},
    ]
    _, findings, _report = _import(pair, tmp_path, "users", records)
    kinds = sorted(f["kind"] for f in findings)
    assert kinds == ["UnknownField", "UnknownModel"]
    _import(pair, tmp_path, "global", [], name="reset.json")
    proc, _, _ = _import(
        pair, tmp_path, "users", records, "--strict", name="strict.json", check=False
    )
    assert proc.returncode == 1
    assert "sentry.futuremodel" in proc.stderr
    proc, _, _ = _import(
        pair, tmp_path, "users", records[:1], "--strict", name="strict2.json", check=False
    )
    assert proc.returncode == 1
    assert "favourite_colour" in proc.stderr
    assert pair.count("control", "auth_user") == 0


def test_dry_run_plans_every_collision_and_writes_nothing(pair, tmp_path):
    _import(pair, tmp_path, "global", [user(1, "alice"), org(1, "acme")])
    before = (
        pair.count("control", "auth_user"),
        pair.count("region", "sentry_organization"),
        pair.count("control", "sentry_controlimportchunk"),
        pair.count("region", "sentry_regionimportchunk"),
    )
    proc, _findings, report = _import(
        pair,
        tmp_path,
        "organizations",
        [user(1, "alice"), org(1, "acme"), member(1, 1, 1)],
        "--dry-run",
        name="dry.json",
    )
    after = (
        pair.count("control", "auth_user"),
        pair.count("region", "sentry_organization"),
        pair.count("control", "sentry_controlimportchunk"),
        pair.count("region", "sentry_regionimportchunk"),
    )
    assert after == before
    assert "Plan (dry run, nothing written):" in proc.stdout
    assert "collision: sentry.user #1" in proc.stdout
    assert "collision: sentry.organization #1" in proc.stdout
    assert _counts(report, "sentry.organizationmember")["inserted"] == 1


def test_global_dry_run_plans_against_empty_silos_and_changes_nothing(pair, tmp_path):
    records = [user(1, "alice"), org(1, "acme"), project(1, 1, "web"), member(1, 1, 1)]
    _import(pair, tmp_path, "global", records)
    before = [
        pair.query("control", "SELECT id, username FROM auth_user ORDER BY id"),
        pair.query("region", "SELECT id, slug FROM sentry_organization ORDER BY id"),
        pair.query("region", "SELECT id, slug FROM sentry_project ORDER BY id"),
        pair.count("control", "sentry_controlimportchunk"),
        pair.count("region", "sentry_regionimportchunk"),
    ]
    # The real run would clear both silos first, so the plan has no collision: every record
    # inserted under its own pk, although the same pks and names are in the silos now.
    proc, _findings, report = _import(
        pair, tmp_path, "global", records, "--dry-run", name="dry.json"
    )
    assert "Plan (dry run, nothing written):" in proc.stdout
    assert "collision:" not in proc.stdout
    for model in ("sentry.user", "sentry.organization", "sentry.project"):
        assert _counts(report, model)["inserted"] == 1
    after = [
        pair.query("control", "SELECT id, username FROM auth_user ORDER BY id"),
        pair.query("region", "SELECT id, slug FROM sentry_organization ORDER BY id"),
        pair.query("region", "SELECT id, slug FROM sentry_project ORDER BY id"),
        pair.count("control", "sentry_controlimportchunk"),
        pair.count("region", "sentry_regionimportchunk"),
    ]
    assert after == before


def test_natural_key_user_references_of_older_exports_resolve(pair, tmp_path):
    records = [
        user(1, "alice"),
        useremail(1, ["alice"], "alice@example.com"),
        email(1, "alice@example.com"),
    ]
    _import(pair, tmp_path, "global", records)
    assert pair.query(
        "control", "SELECT u.username FROM sentry_useremail e JOIN auth_user u ON u.id = e.user_id"
    ) == [("alice",)]


def test_username_filter_imports_those_users_and_their_emails_only(pair, tmp_path):
    records = [
        user(1, "a"),
        user(2, "b"),
        user(3, "c", email="shared@example.com"),
        user(4, "d", email="shared@example.com"),
        email(1, "a@example.com"),
        email(2, "b@example.com"),
        email(3, "shared@example.com"),
        useremail(1, 1, "a@example.com"),
        useremail(2, 2, "b@example.com"),
        useremail(3, 3, "shared@example.com"),
        useremail(4, 4, "shared@example.com"),
    ]
    names = tmp_path / "names.txt"
    names.write_text("a\nc d\n")
    _, _findings, report = _import(
        pair, tmp_path, "users", records, "--filter-usernames-file", str(names)
    )
    assert sorted(u[0] for u in _users(pair)) == ["a", "c", "d"]
    assert pair.count("control", "sentry_useremail") == 3
    assert sorted(e for (e,) in pair.query("control", "SELECT email FROM sentry_email")) == [
        "a@example.com",
        "shared@example.com",
    ]
    assert _counts(report, "sentry.user") == {
        "in_file": 4,
        "collisions_resolved": 0,
        "inserted": 3,
        "skipped_Filtered": 1,
    }
