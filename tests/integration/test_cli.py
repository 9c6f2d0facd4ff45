"""The `relocate` command line as an operator runs it: real subprocesses, real silos."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid

import psycopg2
import pytest

from tests.integration.conftest import PG_URL, ROOT, run_cli, write_export
from tests.support.instance import generate

pytestmark = pytest.mark.integration
EXAMPLE = ROOT / "examples" / "sentry-export.json"


def _relocate(cwd, *args, check=True, env=None):
    base = {k: v for k, v in os.environ.items() if not k.startswith("RELOCATE_")}
    proc = subprocess.run(
        [sys.executable, "-c", "from region.cli.main import cli; cli()", *args],
        cwd=cwd,
        env={**base, "PYTHONPATH": str(ROOT), **(env or {})},
        capture_output=True,
        text=True,
        timeout=300,
    )
    if check and proc.returncode != 0:
        raise AssertionError(
            f"relocate {' '.join(args)}: {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
        )
    return proc


def test_dev_up_then_import_and_export_need_no_configuration(tmp_path):
    """The README's main job: embedded default (SQLite), both silos local, from one directory."""
    try:
        _relocate(tmp_path, "dev", "up", "--background")
        assert (tmp_path / ".relocate" / "dev.json").exists()
        imported = _relocate(tmp_path, "import", "global", str(EXAMPLE), "--no-prompt")
        assert "sentry.organization: 2 in file; inserted 2" in imported.stdout
        _relocate(tmp_path, "export", "global", "out.json")
        out = json.loads((tmp_path / "out.json").read_text())
        assert len(out) == len(json.loads(EXAMPLE.read_text()))
        assert (tmp_path / ".relocate" / "region.sqlite3").exists()
        again = _relocate(tmp_path, "dev", "up", "--background", check=False)
        assert again.returncode != 0
        assert "already running" in again.stderr
    finally:
        down = _relocate(tmp_path, "dev", "down")
    assert "Stopped" in down.stdout
    failed = _relocate(tmp_path, "export", "global", "x.json", check=False)
    assert failed.returncode == 1
    assert "relocate dev up" in failed.stderr


def test_dev_up_with_postgres_creates_one_database_per_silo(tmp_path):
    suffix = uuid.uuid4().hex[:8]
    data_dir = tmp_path / f"state{suffix}"
    try:
        _relocate(
            tmp_path,
            "dev",
            "up",
            "--background",
            "--data-dir",
            str(data_dir),
            "--postgres",
            f"{PG_URL}/devtest{suffix}",
        )
        state = json.loads((data_dir / "dev.json").read_text())
        assert set(state["databases"]) == {"control", "region"}
        assert state["databases"] == {
            s: f"{PG_URL}/devtest{suffix}_{s}" for s in ("control", "region")
        }
        env = {"RELOCATE_DATA_DIR": str(data_dir)}
        _relocate(tmp_path, "import", "users", str(EXAMPLE), "--no-prompt", env=env)
        conn = psycopg2.connect(state["databases"]["control"])
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT count(*) FROM auth_user WHERE username LIKE 'user%%'")
                assert cur.fetchone() == (5,)
        finally:
            conn.close()
    finally:
        _relocate(tmp_path, "dev", "down", "--data-dir", str(data_dir))
        admin = psycopg2.connect(f"{PG_URL}/postgres")
        admin.autocommit = True
        with admin.cursor() as cur:
            for silo in ("control", "region"):
                cur.execute(f'DROP DATABASE IF EXISTS "devtest{suffix}_{silo}" WITH (FORCE)')
        admin.close()


@pytest.mark.parametrize(
    ("content", "expected", "kind"),
    [
        (b'{"model": "sentry.user"}', "does not hold a JSON array", "MalformedInput"),
        (
            b'[{"model": "sentry.user", "pk": 1, "fields": {"username": "a"}',
            "invalid JSON",
            "MalformedInput",
        ),
        (
            b'[{"model": "sentry.user", "pk": "x", "fields": {}}]',
            "'pk' is not an integer",
            "MalformedInput",
        ),
        (
            b'[{"model": "not a model", "pk": 1, "fields": {}}]',
            "not a model name",
            "MalformedInput",
        ),
        (
            b'[{"model": "sentry.user", "pk": 1, "fields": {"username": "a"}},'
            b' {"model": "sentry.user", "pk": 1, "fields": {"username": "b"}}]',
            "primary key 1 appears more than once",
            "DuplicatePrimaryKey",
        ),
        (
            b'[{"model": "sentry.useremail", "pk": 1, "fields": {"user": 42, "email": "a@b.c"}}]',
            "sentry.useremail #1: field 'user' references sentry.user pk 42",
            "BrokenReference",
        ),
    ],
)
def test_bad_input_fails_clearly_writes_a_finding_and_changes_nothing(
    module_pair, tmp_path, content, expected, kind
):
    src = tmp_path / "bad.json"
    src.write_bytes(content)
    findings = tmp_path / "findings.json"
    users_before = module_pair.count("control", "auth_user")
    chunks_before = module_pair.count("control", "sentry_controlimportchunk")
    proc = run_cli(
        module_pair,
        "import",
        "users",
        str(src),
        "--no-prompt",
        "--findings-file",
        str(findings),
        check=False,
    )
    assert proc.returncode == 1
    assert expected in proc.stderr
    written = json.loads(findings.read_text())
    assert len(written) == 1
    assert expected in written[0]["reason"]
    assert written[0]["kind"] == kind
    assert module_pair.count("control", "auth_user") == users_before
    assert module_pair.count("control", "sentry_controlimportchunk") == chunks_before


def test_unknown_models_and_fields_are_skipped_with_counted_findings(module_pair, tmp_path):
    records = generate(users=2, orgs=1, seed=9)
    # A model and a field no Sentry version has had (sentry.monitor is carried since issue
    # #13, and a team's old actor is an ObsoleteField: see test_older_exports.py).
    records.append({"model": "sentry.futuremodel", "pk": 1, "fields": {"name": "m"}})
    records.append({"model": "sentry.futuremodel", "pk": 2, "fields": {"name": "n"}})
    for r in records:
        if r["model"] == "sentry.team":
            r["fields"]["future_field"] = 5
    findings = tmp_path / "f.json"
    run_cli(
        module_pair,
        "import",
        "organizations",
        str(write_export(tmp_path / "s.json", records)),
        "--no-prompt",
        "--findings-file",
        str(findings),
    )
    items = json.loads(findings.read_text())
    unknown_model = [f for f in items if f["kind"] == "UnknownModel"]
    assert unknown_model == [
        {
            "finding": "ImportFinding",
            "kind": "UnknownModel",
            "on": ["sentry.futuremodel", 0],
            "left_pk": None,
            "right_pk": None,
            "field": None,
            "reason": "2 record(s) of a model this version does not carry were skipped",
        }
    ]
    unknown_field = [f for f in items if f["kind"] == "UnknownField"]
    assert [(f["on"][0], f["field"]) for f in unknown_field] == [("sentry.team", "future_field")]
    assert "2 record(s)" in unknown_field[0]["reason"]


def test_org_slug_filter_imports_that_org_its_users_and_their_emails(silo_pair_factory, tmp_path):
    pair = silo_pair_factory()
    source = generate(users=5, orgs=2, seed=13)
    findings = tmp_path / "f.json"
    proc = run_cli(
        pair,
        "import",
        "organizations",
        str(write_export(tmp_path / "s.json", source)),
        "--no-prompt",
        "--filter-org-slugs",
        "org-1",
        "--findings-file",
        str(findings),
    )
    org1 = next(
        r for r in source if r["model"] == "sentry.organization" and r["fields"]["slug"] == "org-1"
    )
    members = {
        r["fields"]["user_id"]
        for r in source
        if r["model"] == "sentry.organizationmember"
        and r["fields"]["organization"] == org1["pk"]
        and r["fields"]["user_id"]
    }
    usernames = {
        r["fields"]["username"]
        for r in source
        if r["model"] == "sentry.user" and r["pk"] in members
    }
    assert [r[0] for r in pair.query("region", "SELECT slug FROM sentry_organization")] == ["org-1"]
    assert {r[0] for r in pair.query("control", "SELECT username FROM auth_user")} == usernames
    emails = {r[0] for r in pair.query("control", "SELECT email FROM sentry_email")}
    assert emails == {f"{u}@example.com" for u in usernames}
    kinds = {f["kind"] for f in json.loads(findings.read_text())}
    assert {"Filtered", "ReferenceNotImported"} <= kinds
    assert "skipped" in proc.stdout


def test_username_filters_are_mutually_exclusive(module_pair, tmp_path):
    names = tmp_path / "names.txt"
    names.write_text("user1\n")
    proc = run_cli(
        module_pair,
        "import",
        "users",
        str(EXAMPLE),
        "--filter-usernames",
        "user1",
        "--filter-usernames-file",
        str(names),
        check=False,
    )
    assert proc.returncode == 2
    assert "mutually exclusive" in proc.stderr
