"""Kill -9 the control silo, the region silo or the importer mid-import; resume; nothing differs.

One silo pair serves the whole module. Its first import, into the freshly created databases, is
the uninterrupted baseline: a Global import of a generated export of every model (about 3,000
records) cut into small batches. Then, per target and kill point (seeded, see
``tests.support.crash.kill_points``), a Global import with a new uuid clears both silos and starts
over; once the ledger holds k chunks (or, for two points in ten, once the import's record
shows it clearing the silos or reserving slugs), plus a few milliseconds, the target gets
SIGKILL. A killed silo is restarted on the same port and database. The importer either rides
through the restart on its retries or gives up, and then (as after a killed importer) the
import is resumed with its uuid (``relocate import global FILE --resume UUID``). The end state
must equal the baseline:
the Global export normalized (pks may differ, PostgreSQL sequences are not transactional), the
row count of every table in both databases, one ledger chunk per batch, and a relocation record
saying SUCCESS with every row done.

``RELOCATE_CRASH_POINTS`` sets the kill points per target (default 10, as in CI) and
``RELOCATE_CRASH_SEED`` the seed; a failure names both, so it can be replayed.
"""

from __future__ import annotations

import json
import os
import random
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.conftest import PairFactory, SiloPair, kill_silo, restart_silo, run_cli
from tests.integration.convergence import (
    Baseline,
    batch_summary,
    end_state,
    import_args,
    relocation_row,
    resume_args,
    take_baseline,
)
from tests.support.crash import (
    KillPoint,
    LedgerWatch,
    kill_points,
    points_from_env,
    start_cli,
    wait_until,
)

pytestmark = pytest.mark.integration

SEED = int(os.environ.get("RELOCATE_CRASH_SEED", "6004"))
POINTS = points_from_env()
# 25 users in 50 organizations: every model the generator writes, over 3,000 records.
USERS, ORGS = 25, 50
BATCH_SIZE = 40
TARGETS = ("control", "region", "importer")
RETRY_ENV = "RELOCATE_RETRY_MAX_SECONDS"


@pytest.fixture(scope="module")
def crash_pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SiloPair]:
    """The one pair every kill point of the module runs on."""
    factory = PairFactory(tmp_path_factory.mktemp("crash"))
    yield factory("crash")
    factory.close()


@pytest.fixture(scope="module")
def baseline(crash_pair: SiloPair) -> Baseline:
    """The uninterrupted import, into the pair's fresh databases."""
    found = take_baseline(crash_pair, users=USERS, orgs=ORGS, seed=SEED, batch_size=BATCH_SIZE)
    assert found.batches > 60, "the export must be cut into many batches to crash between them"
    return found


def _ensure_running(pair: SiloPair) -> None:
    """Restart any silo an earlier (failed) point left dead, so points stay independent."""
    for silo, proc in pair.procs.items():
        if proc.poll() is not None:
            restart_silo(pair, silo)


def _crash(
    pair: SiloPair, baseline: Baseline, target: str, point: KillPoint, retry_s: str, log: Path
) -> tuple[str, str]:
    """Run one import, SIGKILL ``target`` at ``point``; return (outcome, import uuid).

    Outcomes: ``resumed`` (the import was killed or gave up and is to be resumed), ``rode
    through`` (the importer retried past the silo's restart and finished by itself) and
    ``missed`` (the import finished before the kill point came).
    """
    import_uuid = uuid.uuid4().hex
    env = {**pair.env(), RETRY_ENV: retry_s}
    args = import_args(baseline.source, import_uuid, baseline.batch_size)
    proc = start_cli(args, env, pair.tmp, log)
    try:
        with LedgerWatch(pair.databases) as ledger:
            reached = wait_until(lambda: ledger.reached(import_uuid, point), proc)
        time.sleep(point.jitter_s)
        if not reached or proc.poll() is not None:
            proc.wait(timeout=60)
            return "missed", import_uuid
        if target == "importer":
            proc.kill()
            proc.wait(timeout=15)
            return "resumed", import_uuid
        kill_silo(pair, target)
        restart_silo(pair, target)
        code = proc.wait(timeout=180)
        return ("rode through" if code == 0 else "resumed"), import_uuid
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=15)


def _resume(pair: SiloPair, baseline: Baseline, target: str, import_uuid: str) -> str:
    """Continue a killed (or given up) import; return how, for the tally.

    The record says what happened: a killed importer leaves it IN_PROGRESS; an importer that
    gave up records FAILURE with its reason (unless the region was the silo down). An import
    killed before it recorded itself (no record, no chunk) cannot be resumed and runs again.
    """
    record = relocation_row(pair, import_uuid)
    with LedgerWatch(pair.databases) as ledger:
        committed = ledger.settled_count(import_uuid)
    if record is None:
        assert committed == 0, f"{committed} chunks written by an import with no record"
        run_cli(pair, *import_args(baseline.source, import_uuid, baseline.batch_size))
        return "run again (killed before it was recorded)"
    allowed = {"IN_PROGRESS"} if target == "importer" else {"IN_PROGRESS", "FAILURE"}
    assert record.status in allowed, record
    assert record.status != "FAILURE" or record.reason, record
    summary = batch_summary(run_cli(pair, *resume_args(baseline.source, import_uuid)).stdout)
    # Every batch committed before the crash is answered from the ledger, none is redone.
    assert summary == (baseline.batches, committed)
    return f"resumed from {record.status}"


def _assert_converged(pair: SiloPair, baseline: Baseline, import_uuid: str) -> None:
    state = end_state(pair)
    assert state.records == baseline.state.records
    assert state.counts == baseline.state.counts, "row counts differ"
    assert state.export == baseline.state.export, "the export differs"
    with LedgerWatch(pair.databases) as ledger:
        assert ledger.count(import_uuid) == baseline.batches
    record = relocation_row(pair, import_uuid)
    assert record is not None
    assert (record.status, record.step) == ("SUCCESS", "done"), record
    assert record.rows_done == record.rows_total > 0, record


@pytest.mark.timeout(120 + 40 * POINTS)
@pytest.mark.parametrize("target", TARGETS)
def test_import_killed_at_random_points_converges_to_the_uninterrupted_result(
    target: str, crash_pair: SiloPair, baseline: Baseline, fault_report: list[str]
) -> None:
    seed = SEED + TARGETS.index(target)
    points = kill_points(seed, POINTS, baseline.batches)
    # Silo kills: half the importers give up at once (retry budget 0) and are resumed, half
    # retry for up to 60 s and ride through the restart.
    modes = random.Random(seed).choices(("0", "60"), k=len(points))
    outcomes: Counter[str] = Counter()
    started = time.monotonic()
    import_uuid = ""
    for point, retry_s in zip(points, modes, strict=True):
        where = f"{target} kill point {point} (RELOCATE_CRASH_SEED={SEED})"
        _ensure_running(crash_pair)
        log = crash_pair.tmp / f"import-{target}-{point.index}.log"
        outcome, import_uuid = _crash(crash_pair, baseline, target, point, retry_s, log)
        assert outcome != "missed", f"{where}: the import ended first:\n{log.read_text()}"
        try:
            if outcome == "resumed":
                outcome = _resume(crash_pair, baseline, target, import_uuid)
            _assert_converged(crash_pair, baseline, import_uuid)
        except AssertionError as exc:
            raise AssertionError(f"{where}: {exc}\nimport log:\n{log.read_text()}") from exc
        outcomes[outcome] += 1
    # The operator's view of the last one.
    shown = json.loads(run_cli(crash_pair, "relocations", "show", import_uuid, "--json").stdout)
    assert shown["status"] == "SUCCESS"
    assert shown["progress"]["rows_done"] == shown["progress"]["rows_total"]
    tally = ", ".join(f"{n} {how}" for how, n in sorted(outcomes.items()))
    places = [f"in step {p.step}" for p in points if p.step]
    chunks = sorted(p.after_chunks for p in points if not p.step)
    places.append(f"after {'/'.join(map(str, chunks))} of {baseline.batches} batches")
    fault_report.append(
        f"crash: kill -9 {target}: {sum(outcomes.values())} kill points exercised "
        f"({', '.join(places)}; {baseline.state.records} records, RELOCATE_CRASH_SEED={SEED}): "
        f"{tally}; every end state equals the uninterrupted import's "
        f"({time.monotonic() - started:.0f}s)"
    )
