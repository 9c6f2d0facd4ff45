"""Relocation records, failures and ``--resume``: real silos, the real CLI, a real outage.

The control silo is killed part-way through a Global import (once the region holds its first
organization batch, so control calls remain: later batches, the slug reservation, deferred
models). With a small retry budget the import fails, is recorded FAILURE with its reason, and
``--resume`` after control is back converges to what an uninterrupted import writes.
"""

from __future__ import annotations

import importlib.metadata
import json
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from region.cli.wiring import connect
from tests.integration.conftest import (
    ROOT,
    SiloPair,
    endpoints,
    kill_silo,
    normalized,
    restart_silo,
    run_cli,
    write_export,
)
from tests.support.instance import generate
from tests.support.records import org, user

pytestmark = pytest.mark.integration

# Batches of 1 make the import long enough (hundreds of calls) to kill control inside it.
SLOW = ("--batch-size", "1")


def _start_import(pair: SiloPair, args: list[str], log: Path, **env: str):
    with log.open("w") as out:
        return subprocess.Popen(
            [sys.executable, "-c", "from region.cli.main import cli; cli()", *args],
            cwd=pair.tmp,
            env={**pair.env(), "PYTHONPATH": str(ROOT), **env},
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
        )


def _wait_for(condition, proc, timeout_s: float = 120.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if proc.poll() is not None:
            raise AssertionError(f"the import exited ({proc.returncode}) before the condition")
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met")
        time.sleep(0.01)


def _chunks(pair: SiloPair, import_uuid: str, model: str) -> int:
    rows = pair.query(
        "region",
        "SELECT count(*) FROM sentry_regionimportchunk WHERE import_uuid = %s AND model = %s",
        (import_uuid, model),
    )
    return int(rows[0][0])


def _wait_until_stalled(pair: SiloPair, import_uuid: str, proc) -> None:
    """Wait until the region's ledger stops growing: the import waits on the dead control."""

    def region_chunks() -> int:
        query = "SELECT count(*) FROM sentry_regionimportchunk WHERE import_uuid = %s"
        return int(pair.query("region", query, (import_uuid,))[0][0])

    before = -1
    while (now := region_chunks()) != before and proc.poll() is None:
        before = now
        time.sleep(0.5)


def show(pair: SiloPair, import_uuid: str) -> dict:
    return json.loads(run_cli(pair, "relocations", "show", import_uuid, "--json").stdout)


def _export(pair: SiloPair, path: Path) -> list[dict]:
    run_cli(pair, "export", "global", str(path))
    return json.loads(path.read_text())


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> Path:
    return write_export(
        tmp_path_factory.mktemp("resume") / "source.json", generate(users=6, orgs=3, seed=11)
    )


def test_import_failed_by_an_outage_is_recorded_and_resume_converges(
    silo_pair_factory, source, tmp_path
):
    pair = silo_pair_factory("resume")
    import_uuid = uuid.uuid4().hex
    proc = _start_import(
        pair,
        ["import", "global", str(source), "--no-prompt", "--import-uuid", import_uuid, *SLOW],
        tmp_path / "first.log",
        RELOCATE_RETRY_MAX_SECONDS="1",
    )
    try:
        _wait_for(lambda: _chunks(pair, import_uuid, "sentry.organization") > 0, proc)
        kill_silo(pair, "control")
        assert proc.wait(timeout=120) == 1
    finally:
        if proc.poll() is None:
            proc.kill()
    log = (tmp_path / "first.log").read_text()
    assert "Import failed" in log, log
    assert f"--resume {import_uuid}" in log

    failed = show(pair, import_uuid)
    assert failed["status"] == "FAILURE"
    assert failed["scope"] == "Global"
    assert "UNAVAILABLE" in failed["reason"]
    assert failed["step"] in {"importing", "slugs", "deferred"}
    assert failed["finished"] is not None
    assert failed["flags"]["batch_size"] == 1
    assert 0 < failed["progress"]["rows_done"] < failed["progress"]["rows_total"]

    restart_silo(pair, "control")
    # The batch size is the recorded one; the operator need not repeat it.
    resumed = run_cli(pair, "import", "global", str(source), "--no-prompt", "--resume", import_uuid)
    assert "replayed" in resumed.stdout
    done = show(pair, import_uuid)
    assert done["status"] == "SUCCESS"
    assert done["step"] == "done"
    assert done["reason"] == ""
    assert done["progress"]["rows_done"] == done["progress"]["rows_total"] > 0
    after_resume = _export(pair, tmp_path / "resumed.json")

    # The same file imported in one go (a new uuid: the Global import clears both silos first).
    run_cli(pair, "import", "global", str(source), "--no-prompt", *SLOW)
    uninterrupted = _export(pair, tmp_path / "uninterrupted.json")
    with connect(endpoints(pair)) as silos:
        graph = silos.graph
    assert len(after_resume) == len(uninterrupted) == len(json.loads(source.read_text()))
    assert normalized(after_resume, graph) == normalized(uninterrupted, graph)


def test_control_back_within_the_retry_budget_needs_no_resume(silo_pair_factory, source, tmp_path):
    pair = silo_pair_factory("retry")
    import_uuid = uuid.uuid4().hex
    proc = _start_import(
        pair,
        ["import", "global", str(source), "--no-prompt", "--import-uuid", import_uuid, *SLOW],
        tmp_path / "import.log",
        RELOCATE_RETRY_MAX_SECONDS="90",
    )
    try:
        _wait_for(lambda: _chunks(pair, import_uuid, "sentry.organization") > 0, proc)
        kill_silo(pair, "control")
        _wait_until_stalled(pair, import_uuid, proc)
        # The importer is retrying a control call, not failing.
        assert proc.poll() is None
        restart_silo(pair, "control")
        assert proc.wait(timeout=180) == 0, (tmp_path / "import.log").read_text()
    finally:
        if proc.poll() is None:
            proc.kill()
    assert show(pair, import_uuid)["status"] == "SUCCESS"
    exported = _export(pair, tmp_path / "out.json")
    with connect(endpoints(pair)) as silos:
        graph = silos.graph
    assert normalized(exported, graph) == normalized(json.loads(source.read_text()), graph)


@pytest.fixture(scope="module")
def failed_import(module_pair, tmp_path_factory):
    """A Users import whose pre-flight check fails (a reference to an absent user)."""
    directory = tmp_path_factory.mktemp("failed")
    bad = write_export(
        directory / "bad.json",
        [user(1, "ann"), {"model": "sentry.useremail", "pk": 1, "fields": {"user": 99}}],
    )
    import_uuid = uuid.uuid4().hex
    proc = run_cli(
        module_pair, "import", "users", str(bad), "--import-uuid", import_uuid, check=False
    )
    return import_uuid, bad, proc


def test_a_failed_import_is_recorded_with_its_step_and_reason(module_pair, failed_import):
    import_uuid, _bad, proc = failed_import
    assert proc.returncode == 1
    record = show(module_pair, import_uuid)
    assert record["status"] == "FAILURE"
    assert record["step"] == "preflight"
    assert record["scope"] == "User"
    assert "sentry.useremail" in record["reason"]
    assert record["reason"] in proc.stderr
    # The record names the version of relocate that ran the import, as --version prints it.
    version = run_cli(module_pair, "--version").stdout.strip()
    assert version == f"relocate {record['tool_version']}"
    assert record["tool_version"] == importlib.metadata.version("relocate")
    shown = run_cli(module_pair, "relocations", "show", import_uuid).stdout
    assert f"tool_version:  {record['tool_version']}" in shown


def test_resume_with_a_different_file_is_refused(module_pair, failed_import, tmp_path):
    import_uuid, _bad, _proc = failed_import
    other = write_export(tmp_path / "other.json", [user(1, "bob")])
    proc = run_cli(module_pair, "import", "users", str(other), "--resume", import_uuid, check=False)
    assert proc.returncode == 1
    assert f"cannot resume relocation {import_uuid}: the file differs" in proc.stderr
    assert show(module_pair, import_uuid)["status"] == "FAILURE"


def test_resume_in_another_scope_is_refused(module_pair, failed_import):
    import_uuid, bad, _proc = failed_import
    proc = run_cli(module_pair, "import", "config", str(bad), "--resume", import_uuid, check=False)
    assert proc.returncode == 1
    assert "it is a User import, not a Config import" in proc.stderr


def test_resume_with_a_different_batch_size_is_refused(module_pair, failed_import):
    import_uuid, bad, _proc = failed_import
    proc = run_cli(
        module_pair,
        "import",
        "users",
        str(bad),
        "--resume",
        import_uuid,
        "--batch-size",
        "7",
        check=False,
    )
    assert proc.returncode == 1
    assert "--batch-size differ(s) from the recorded run's" in proc.stderr


def test_resume_of_an_unknown_uuid_is_refused(module_pair, failed_import):
    _import_uuid, bad, _proc = failed_import
    proc = run_cli(module_pair, "import", "users", str(bad), "--resume", "f" * 32, check=False)
    assert proc.returncode == 1
    assert "no relocation with this uuid is recorded" in proc.stderr


def test_resume_of_a_successful_import_is_refused(module_pair, tmp_path):
    good = write_export(tmp_path / "good.json", [user(1, "carol"), org(1, "carols")])
    import_uuid = uuid.uuid4().hex
    run_cli(module_pair, "import", "users", str(good), "--import-uuid", import_uuid)
    assert show(module_pair, import_uuid)["status"] == "SUCCESS"
    proc = run_cli(module_pair, "import", "users", str(good), "--resume", import_uuid, check=False)
    assert proc.returncode == 1
    assert "it finished successfully already" in proc.stderr
    # --import-uuid still replays a finished run: every batch is a replay.
    replay = run_cli(module_pair, "import", "users", str(good), "--import-uuid", import_uuid)
    assert "1 replayed" in replay.stdout
    assert show(module_pair, import_uuid)["status"] == "SUCCESS"


def test_a_dry_run_leaves_no_record(module_pair, tmp_path):
    good = write_export(tmp_path / "dry.json", [user(1, "dana")])
    import_uuid = uuid.uuid4().hex
    run_cli(module_pair, "import", "users", str(good), "--dry-run", "--import-uuid", import_uuid)
    proc = run_cli(module_pair, "relocations", "show", import_uuid, check=False)
    assert proc.returncode == 1
    assert f"No relocation {import_uuid}" in proc.stderr


def test_relocations_list_and_show(module_pair, failed_import, tmp_path):
    import_uuid, _bad, _proc = failed_import
    good = write_export(tmp_path / "listed.json", [user(1, "erin")])
    ok_uuid = uuid.uuid4().hex
    run_cli(module_pair, "import", "users", str(good), "--import-uuid", ok_uuid)

    table = run_cli(module_pair, "relocations", "list").stdout.splitlines()
    assert table[0].split() == [
        "UUID",
        "SCOPE",
        "STATUS",
        "STEP",
        "PROGRESS",
        "STARTED",
        "UPDATED",
    ]
    rows = {line.split()[0]: line.split() for line in table[1:]}
    assert rows[ok_uuid][1:5] == ["User", "SUCCESS", "done", "1/1"]
    assert rows[import_uuid][1:4] == ["User", "FAILURE", "preflight"]

    listed = json.loads(run_cli(module_pair, "relocations", "list", "--json").stdout)
    by_uuid = {r["uuid"]: r for r in listed}
    assert by_uuid[ok_uuid]["progress"]["models"] == {"sentry.user": {"done": 1, "total": 1}}
    assert set(by_uuid[import_uuid]) >= {"uuid", "status", "step", "reason", "source_sha256"}
    # Most recently started first.
    assert [r["uuid"] for r in listed].index(ok_uuid) < [r["uuid"] for r in listed].index(
        import_uuid
    )

    text = run_cli(module_pair, "relocations", "show", import_uuid).stdout
    assert f"uuid:          {import_uuid}" in text
    assert "status:        FAILURE" in text
    assert "reason:        " in text
    assert "sentry.useremail" in text


def test_list_works_while_control_is_down(silo_pair_factory, tmp_path):
    pair = silo_pair_factory("down")
    good = write_export(tmp_path / "one.json", [user(1, "finn")])
    import_uuid = uuid.uuid4().hex
    run_cli(pair, "import", "users", str(good), "--import-uuid", import_uuid)
    kill_silo(pair, "control")
    listed = json.loads(run_cli(pair, "relocations", "list", "--json").stdout)
    assert [r["uuid"] for r in listed] == [import_uuid]
