"""``relocate import undo``: both silos as processes on PostgreSQL, the exports compared byte for
byte.

Existing data A (a Global import of a generated instance); an Organization import of another
instance, then a Config import with --overwrite-configs that overwrites some of A's options and
roles; both undone, newest first: ``export global`` is byte-identical to the export taken before
the imports. Undo is idempotent (a second undo says so and changes nothing), a killed import and
a killed undo end in the same state, and an undo refuses, naming rows, when a later import
depends on what it would remove.
"""

from __future__ import annotations

import json
import signal
import uuid
from pathlib import Path
from typing import Any

import psycopg2
import pytest

from tests.integration.conftest import PairFactory, SiloPair, run_cli, write_export
from tests.support.crash import LedgerWatch, start_cli, wait_until
from tests.support.instance import generate
from tests.support.records import member, org, user

pytestmark = pytest.mark.integration


@pytest.fixture
def pair(tmp_path: Path) -> Any:
    factory = PairFactory(tmp_path)
    yield factory("undo")
    factory.close()


def _export(pair: SiloPair, name: str) -> bytes:
    path = pair.tmp / name
    run_cli(pair, "export", "global", str(path), "--no-prompt")
    return path.read_bytes()


def _import(pair: SiloPair, scope: str, source: Path, *extra: str) -> str:
    import_uuid = uuid.uuid4().hex
    run_cli(pair, "import", scope, str(source), "--no-prompt", "--import-uuid", import_uuid, *extra)
    return import_uuid


def _existing_data(pair: SiloPair) -> None:
    source = write_export(pair.tmp / "a.json", generate(3, 2, seed=11))
    run_cli(pair, "import", "global", str(source), "--no-prompt")


def _overwriting_config(pair: SiloPair) -> Path:
    """A's configuration exported, with every option's value and every role's permissions
    changed: imported with --overwrite-configs, it overwrites A's rows."""
    path = pair.tmp / "config.json"
    run_cli(pair, "export", "config", str(path), "--no-prompt")
    records = json.loads(path.read_text())
    changed = 0
    for record in records:
        fields = record["fields"]
        if record["model"] in ("sentry.option", "sentry.controloption"):
            fields["value"] = {"changed by": "config import"}
            changed += 1
        elif record["model"] == "sentry.userrole":
            fields["permissions"] = '["changed"]'
            changed += 1
    assert changed >= 2, "A must hold options or roles to overwrite"
    return write_export(pair.tmp / "config-changed.json", records)


def _show(pair: SiloPair, import_uuid: str) -> dict[str, Any]:
    out = run_cli(pair, "relocations", "show", import_uuid, "--json").stdout
    shown: dict[str, Any] = json.loads(out)
    return shown


def test_undo_both_imports_newest_first_restores_the_export_byte_for_byte(pair: SiloPair) -> None:
    _existing_data(pair)
    before = _export(pair, "before.json")
    organizations = write_export(pair.tmp / "orgs.json", generate(3, 2, seed=12))
    first = _import(pair, "organizations", organizations)
    second = _import(pair, "config", _overwriting_config(pair), "--overwrite-configs")
    assert _export(pair, "between.json") != before

    dry = run_cli(pair, "import", "undo", second, "--dry-run").stdout
    assert "Would undo" in dry
    assert "restore" in dry
    assert _export(pair, "after-dry-run.json") == _export(pair, "between-again.json")

    run_cli(pair, "import", "undo", second)
    run_cli(pair, "import", "undo", first)
    assert _export(pair, "after.json") == before

    again = run_cli(pair, "import", "undo", first).stdout
    assert "undone already" in again
    assert _export(pair, "after-again.json") == before
    shown = _show(pair, first)
    assert shown["undone"] is True
    undo_step = next(s for s in shown["steps"] if s["name"] == "undo")
    assert undo_step["status"] == "SUCCESS"
    listed = run_cli(pair, "relocations", "list").stdout
    assert all("UNDONE" in line for line in listed.splitlines() if first in line or second in line)


def test_undo_refuses_while_a_later_import_depends_on_the_rows(pair: SiloPair) -> None:
    _existing_data(pair)
    users = write_export(pair.tmp / "users.json", [user(1, "undo-alice"), user(2, "undo-bob")])
    first = _import(pair, "users", users)
    later = write_export(
        pair.tmp / "later.json",
        [
            user(1, "undo-alice"),
            org(5, "undo-later-org"),
            member(7, 5, 1),
        ],
    )
    second = _import(pair, "organizations", later, "--merge-users")
    before = _export(pair, "before.json")

    refused = run_cli(pair, "import", "undo", first, check=False)
    assert refused.returncode != 0
    message = refused.stdout + refused.stderr
    assert "cannot be undone" in message
    assert "sentry.organizationmember: 1 row(s) (pk " in message
    assert "(user_id) to sentry.user rows this import created" in message
    assert _export(pair, "after-refusal.json") == before
    assert _show(pair, first)["undone"] is False

    run_cli(pair, "import", "undo", second)
    run_cli(pair, "import", "undo", first)


def test_killed_import_and_killed_undo_end_in_the_same_state(pair: SiloPair) -> None:
    _existing_data(pair)
    before = _export(pair, "before.json")
    source = write_export(pair.tmp / "big.json", generate(8, 6, seed=13))
    import_uuid = uuid.uuid4().hex
    args = ["import", "organizations", str(source), "--no-prompt", "--import-uuid", import_uuid]
    with LedgerWatch(pair.databases) as ledger:
        proc = start_cli([*args, "--batch-size", "5"], pair.env(), pair.tmp, pair.tmp / "i.log")
        assert wait_until(lambda: ledger.count(import_uuid) >= 12, proc)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        written = ledger.settled_count(import_uuid)
        assert written >= 12
        undo = start_cli(["import", "undo", import_uuid], pair.env(), pair.tmp, pair.tmp / "u.log")
        wait_until(lambda: ledger.count(import_uuid) < written - 3, undo)
        undo.send_signal(signal.SIGKILL)
        undo.wait(timeout=30)
        left = ledger.settled_count(import_uuid)
        assert 0 < left < written, f"the undo must be killed half way ({left} of {written} left)"
    run_cli(pair, "import", "undo", import_uuid)
    assert _export(pair, "after.json") == before
    with LedgerWatch(pair.databases) as ledger:
        assert ledger.count(import_uuid) == 0
    assert "undone already" in run_cli(pair, "import", "undo", import_uuid).stdout


def test_a_global_import_is_not_undone_but_its_backup_restores(pair: SiloPair) -> None:
    _existing_data(pair)
    before = _export(pair, "before.json")
    source = write_export(pair.tmp / "other.json", generate(2, 1, seed=14))
    backup = pair.tmp / "backup.json"
    import_uuid = _import(pair, "global", source, "--backup-to", str(backup))
    assert backup.read_bytes() == before

    refused = run_cli(pair, "import", "undo", import_uuid, check=False)
    assert refused.returncode != 0
    assert "--backup-to" in refused.stdout + refused.stderr
    run_cli(pair, "import", "global", str(backup), "--no-prompt")
    assert _export(pair, "after.json") == before


def test_undo_refuses_when_a_row_it_wrote_was_edited_since(pair: SiloPair) -> None:
    _existing_data(pair)
    source = write_export(pair.tmp / "orgs.json", generate(2, 2, seed=15))
    import_uuid = _import(pair, "organizations", source)
    conn = psycopg2.connect(pair.databases["region"])
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(
                "UPDATE sentry_organization SET name = 'edited by hand' WHERE id = "
                "(SELECT max(id) FROM sentry_organization) RETURNING id"
            )
            row = cur.fetchone()
            assert row is not None
            edited = row[0]
        before = _export(pair, "before.json")
        refused = run_cli(pair, "import", "undo", import_uuid, check=False)
        assert refused.returncode != 0
        message = refused.stdout + refused.stderr
        assert f"sentry.organization: 1 row(s) (pk {edited}) changed after the import" in message
        assert _export(pair, "after-refusal.json") == before
    finally:
        conn.close()
