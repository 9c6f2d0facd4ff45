"""Kill -9 the control silo, the region silo or the importer mid-import; resume; nothing differs.

One silo pair serves the whole module. Its first import, into the freshly created databases, is
the uninterrupted baseline: a Global import of a generated export of every model (about 3,000
records) cut into small batches. Then, per target and kill point (seeded, see
``tests.support.crash.kill_points``), a Global import with a new uuid clears both silos and starts
over; once the ledger holds k chunks, plus a few milliseconds, the target gets SIGKILL. A killed
silo is restarted on the same port and database. The importer either rides through the restart
on its retries or gives up, and then (as after a killed importer) the import is resumed with its
uuid. The end state must equal the baseline: the Global export normalized (pks may differ,
PostgreSQL sequences are not transactional), the row count of every table in both databases, and
one ledger chunk per batch.

``RELOCATE_CRASH_POINTS`` sets the kill points per target (default 10, as in CI) and
``RELOCATE_CRASH_SEED`` the seed; a failure names both, so it can be replayed.
"""

from __future__ import annotations

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
# 25 users in 50 organizations: every one of the 31 models, 3,000-odd records.
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
            reached = wait_until(lambda: ledger.count(import_uuid) >= point.after_chunks, proc)
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
    for point, retry_s in zip(points, modes, strict=True):
        where = f"{target} kill point {point} (RELOCATE_CRASH_SEED={SEED})"
        _ensure_running(crash_pair)
        log = crash_pair.tmp / f"import-{target}-{point.index}.log"
        outcome, import_uuid = _crash(crash_pair, baseline, target, point, retry_s, log)
        outcomes[outcome] += 1
        assert outcome != "missed", f"{where}: the import ended first:\n{log.read_text()}"
        if outcome == "resumed":
            with LedgerWatch(crash_pair.databases) as ledger:
                committed = ledger.settled_count(import_uuid)
            args = import_args(baseline.source, import_uuid, baseline.batch_size)
            resumed = batch_summary(run_cli(crash_pair, *args).stdout)
            # Every batch committed before the crash is answered from the ledger, none redone.
            assert resumed == (baseline.batches, committed), where
        state = end_state(crash_pair)
        assert state.records == baseline.state.records, where
        assert state.counts == baseline.state.counts, f"{where}: row counts differ"
        assert state.export == baseline.state.export, f"{where}: the export differs"
        with LedgerWatch(crash_pair.databases) as ledger:
            assert ledger.count(import_uuid) == baseline.batches, where
    fault_report.append(
        f"crash: kill -9 {target}: {sum(outcomes.values())} kill points exercised "
        f"({outcomes['resumed']} resumed, {outcomes['rode through']} rode through on retries; "
        f"{baseline.state.records} records in {baseline.batches} batches, seed {seed}, "
        f"{time.monotonic() - started:.0f}s); end state equal to the uninterrupted import's"
    )
