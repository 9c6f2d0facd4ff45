"""The steps after an import, recorded on the relocation (both silos as processes, PostgreSQL):
unhide, validation, resuming a failed step, abandoning a relocation."""

from __future__ import annotations

import json

import psycopg2
import pytest

from tests.integration.conftest import run_cli, write_export
from tests.support.records import email, member, org, user, useremail

pytestmark = pytest.mark.integration

ORG_EXPORT = [
    user(1, "alice", is_staff=False, is_superuser=False, is_managed=False),
    user(2, "bob", is_staff=False, is_superuser=False, is_managed=False),
    email(1, "alice@example.com"),
    email(2, "bob@example.com"),
    useremail(1, 1, "alice@example.com"),
    useremail(2, 2, "bob@example.com"),
    org(1, "acme"),
    member(1, 1, 1, role="owner"),
    member(2, 1, 2),
]


@pytest.fixture
def pair(silo_pair_factory):
    return silo_pair_factory()


def _import(pair, tmp_path, *args):
    src = write_export(tmp_path / "orgs.json", ORG_EXPORT)
    proc = run_cli(pair, "import", "organizations", str(src), "--no-prompt", *args)
    uuid = proc.stdout.split("import uuid ")[1].split(")")[0]
    return src, uuid


def _show(pair, uuid):
    record = json.loads(run_cli(pair, "relocations", "show", uuid, "--json").stdout)
    return record, {s["name"]: s for s in record["steps"]}


def test_show_lists_the_import_and_every_step_after_it(pair, tmp_path):
    _, uuid = _import(pair, tmp_path)
    _, steps = _show(pair, uuid)
    assert list(steps) == ["import", "unhide", "claim_links", "validation"]
    assert steps["import"]["status"] == "SUCCESS"
    assert {steps[s]["status"] for s in ("unhide", "claim_links", "validation")} == {"PENDING"}
    text = run_cli(pair, "relocations", "show", uuid).stdout
    assert "steps:" in text
    assert "  unhide: PENDING" in text


def test_unhide_makes_the_imports_hidden_organizations_visible_once(pair, tmp_path):
    _, uuid = _import(pair, tmp_path, "--hide-organizations")
    assert pair.query("region", "SELECT slug, status FROM sentry_organization") == [("acme", 3)]

    first = run_cli(pair, "organizations", "unhide", "--import", uuid)

    assert "1 organization(s) now visible: acme" in first.stdout
    assert pair.query("region", "SELECT status FROM sentry_organization") == [(0,)]
    _, steps = _show(pair, uuid)
    assert (steps["unhide"]["status"], steps["unhide"]["attempts"]) == ("SUCCESS", 1)
    again = run_cli(pair, "organizations", "unhide", "--import", uuid)
    assert "unhide: already success" in again.stdout


def test_unhide_is_skipped_when_the_import_hid_nothing(pair, tmp_path):
    _, uuid = _import(pair, tmp_path)
    run_cli(pair, "organizations", "unhide", "--import", uuid)
    _, steps = _show(pair, uuid)
    assert steps["unhide"]["status"] == "SKIPPED"
    assert "did not hide" in steps["unhide"]["detail"]


def test_a_failed_validation_is_recorded_and_resumes_with_the_right_file(pair, tmp_path):
    src, uuid = _import(pair, tmp_path)
    other = write_export(tmp_path / "other.json", [*ORG_EXPORT, user(3, "carol")])

    wrong = run_cli(pair, "relocations", "validate", uuid, "--source", str(other), check=False)

    assert wrong.returncode == 1
    assert "is not the file imported" in wrong.stderr
    _, steps = _show(pair, uuid)
    assert (steps["validation"]["status"], steps["validation"]["attempts"]) == ("FAILURE", 1)

    right = run_cli(pair, "relocations", "validate", uuid, "--source", str(src))

    assert "validation: success" in right.stdout
    record, steps = _show(pair, uuid)
    assert (steps["validation"]["status"], steps["validation"]["attempts"]) == ("SUCCESS", 2)
    assert "compare equal" in steps["validation"]["detail"]
    assert record["status"] == "SUCCESS"


def test_validation_finds_what_changed_since_the_import(pair, tmp_path):
    src, uuid = _import(pair, tmp_path)
    _execute(pair, "region", "UPDATE sentry_organizationmember SET role = 'admin'")
    findings = tmp_path / "validation.json"

    proc = run_cli(
        pair,
        "relocations",
        "validate",
        uuid,
        "--source",
        str(src),
        "--findings-file",
        str(findings),
        check=False,
    )

    assert proc.returncode == 1
    assert "difference(s)" in proc.stderr
    assert any(f["on"][0] == "sentry.organizationmember" for f in json.loads(findings.read_text()))


def test_a_step_failing_three_times_abandons_the_relocation(pair, tmp_path):
    src, uuid = _import(pair, tmp_path)
    other = write_export(tmp_path / "other.json", [])
    for _ in range(3):
        run_cli(pair, "relocations", "validate", uuid, "--source", str(other), check=False)

    record, steps = _show(pair, uuid)
    assert record["status"] == "ABANDONED"
    assert "step validation failed 3 times" in record["reason"]
    refused = run_cli(pair, "relocations", "validate", uuid, "--source", str(src), check=False)
    assert refused.returncode == 1
    assert "was abandoned" in refused.stderr
    assert steps["validation"]["attempts"] == 3
    resumed = run_cli(
        pair, "import", "organizations", str(src), "--no-prompt", "--resume", uuid, check=False
    )
    assert resumed.returncode == 1
    assert "abandoned" in resumed.stderr


def test_cancel_abandons_a_relocation(pair, tmp_path):
    _, uuid = _import(pair, tmp_path, "--hide-organizations")
    proc = run_cli(pair, "relocations", "cancel", uuid, "--reason", "wrong file")
    assert "is ABANDONED: wrong file" in proc.stdout
    refused = run_cli(pair, "organizations", "unhide", "--import", uuid, check=False)
    assert refused.returncode == 1
    assert "abandoned (wrong file)" in refused.stderr
    assert pair.query("region", "SELECT status FROM sentry_organization") == [(3,)]
    listed = run_cli(pair, "relocations", "list").stdout
    assert "ABANDONED" in listed


def _execute(pair, silo, sql):
    conn = psycopg2.connect(pair.databases[silo])
    try:
        with conn, conn.cursor() as cur:
            cur.execute(sql)
    finally:
        conn.close()


def test_finish_runs_every_step_once_and_records_each(pair, tmp_path):
    src, uuid = _import(pair, tmp_path, "--hide-organizations")
    links = tmp_path / "links.csv"

    refused = run_cli(pair, "relocations", "finish", uuid, "--source", str(src), check=False)
    assert refused.returncode == 2
    assert "--claim-links-out" in refused.stderr
    _, steps = _show(pair, uuid)
    assert {steps[s]["status"] for s in ("unhide", "claim_links", "validation")} == {"PENDING"}

    args = ("relocations", "finish", uuid, "--source", str(src), "--claim-links-out", str(links))
    done = run_cli(pair, *args)

    assert "every step is done" in done.stdout
    _, steps = _show(pair, uuid)
    assert [(n, s["status"], s["attempts"]) for n, s in steps.items() if n != "import"] == [
        ("unhide", "SUCCESS", 1),
        ("claim_links", "SUCCESS", 1),
        ("validation", "SUCCESS", 1),
    ]
    assert links.stat().st_mode & 0o777 == 0o600
    lines = links.read_text().splitlines()
    assert lines[0] == "username,email,claim_url,expires_at"
    assert sorted(line.split(",")[0] for line in lines[1:]) == ["alice", "bob"]
    assert pair.query("region", "SELECT status FROM sentry_organization") == [(0,)]

    again = run_cli(pair, *args)
    assert again.stdout.count(": already success") == 3
    _, steps = _show(pair, uuid)
    assert steps["claim_links"]["attempts"] == 1


def test_claim_links_command_records_its_step_each_time_it_mints(pair, tmp_path):
    _, uuid = _import(pair, tmp_path)
    out = tmp_path / "links.csv"
    for attempt in (1, 2):
        proc = run_cli(pair, "users", "claim-links", "--import", uuid, "--out", str(out))
        assert f"Wrote 2 claim link(s) of import {uuid} to {out}" in proc.stdout
        _, steps = _show(pair, uuid)
        assert (steps["claim_links"]["status"], steps["claim_links"]["attempts"]) == (
            "SUCCESS",
            attempt,
        )


def test_a_global_import_needs_no_claim_links(pair, tmp_path):
    src = write_export(tmp_path / "global.json", ORG_EXPORT)
    proc = run_cli(pair, "import", "global", str(src), "--no-prompt")
    uuid = proc.stdout.split("import uuid ")[1].split(")")[0]
    run_cli(pair, "relocations", "finish", uuid, "--source", str(src))
    _, steps = _show(pair, uuid)
    assert steps["unhide"]["status"] == steps["claim_links"]["status"] == "SKIPPED"
    assert steps["validation"]["status"] == "SUCCESS"
