"""Fault-injection helpers: seeded kill points, a ledger watcher, the importer as a child process.

Tests crash a silo or the importer part-way through an import and check that a resumed import
converges to what an uninterrupted one writes. Where to crash is drawn from a seeded RNG as
"once the ledger holds k chunks, wait a few milliseconds, then kill", so every run of a seed
kills at the same stage of the import, and the jitter moves the kill around inside a batch
(before, during or after its transaction commits).
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import psycopg2
import psycopg2.extensions

# The ledger tables holding one row per imported batch, in each silo's database.
LEDGER_TABLES = {"control": "sentry_controlimportchunk", "region": "sentry_regionimportchunk"}
# The steps an import's record (region table sentry_relocation) passes, in order.
STEPS = ("preflight", "clearing", "importing", "slugs", "deferred", "done")
# Steps worth a kill point of their own: they are short and hold no ledger chunk of their own.
KILL_STEPS = ("clearing", "slugs")
POLL_S = 0.005


@dataclass(frozen=True, slots=True)
class KillPoint:
    """Where one crash happens: after ``after_chunks`` batches committed, plus ``jitter_s``."""

    index: int
    """Position of this point in its target's list."""
    after_chunks: int
    """Kill once the import's ledger (both silos) holds at least this many chunks."""
    jitter_s: float
    """Extra delay after the ledger count is reached, so kills land inside a batch too."""
    step: str | None = None
    """Instead of a chunk count: kill once the import's record has reached this step."""


def kill_points(seed: int, count: int, batches: int, max_jitter_s: float = 0.03) -> list[KillPoint]:
    """``count`` seeded kill points spread over an import of ``batches`` batches.

    One point in five (from 5 points on) is a step of KILL_STEPS (clearing both silos,
    reserving slugs), the rest chunk-count thresholds drawn from [0, batches - 3], so the last
    one still leaves a few batches to do: a kill after the import finished would test nothing.
    Jitter moves each kill to a random moment of the batch (or step) in progress.
    """
    rng = random.Random(seed)
    top = max(batches - 3, 1)
    steps = KILL_STEPS[: count // 5]
    # A step is short (the slug step and the deferred batches after it take a few calls), so
    # its kills come within a few milliseconds of the step's start.
    points = [
        KillPoint(i, 0, round(rng.uniform(0, max_jitter_s / 6), 4), step)
        for i, step in enumerate(steps)
    ]
    points += [
        KillPoint(i, rng.randrange(0, top), round(rng.uniform(0, max_jitter_s), 4))
        for i in range(len(points), count)
    ]
    return points


def points_from_env(default: int = 10) -> int:
    """Kill points per target: ``RELOCATE_CRASH_POINTS`` (default 10, the CI setting)."""
    raw = os.environ.get("RELOCATE_CRASH_POINTS", str(default))
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"RELOCATE_CRASH_POINTS must be an integer, got {raw!r}") from None
    if value < 1:
        raise ValueError(f"RELOCATE_CRASH_POINTS must be at least 1, got {value}")
    return value


class LedgerWatch:
    """Counts one import's chunk rows in both silos' ledgers over long-lived connections."""

    def __init__(self, databases: Mapping[str, str]) -> None:
        self._conns: dict[str, psycopg2.extensions.connection] = {}
        for silo in LEDGER_TABLES:
            conn = psycopg2.connect(databases[silo])
            conn.autocommit = True
            self._conns[silo] = conn

    def count(self, import_uuid: str, silo: str | None = None) -> int:
        """Chunks written by ``import_uuid`` in one silo, or in both when ``silo`` is None."""
        total = 0
        for name, conn in self._conns.items():
            if silo is not None and name != silo:
                continue
            with conn.cursor() as cur:
                cur.execute(
                    f"SELECT count(*) FROM {LEDGER_TABLES[name]} WHERE import_uuid = %s",
                    (import_uuid,),
                )
                row = cur.fetchone()
                total += int(row[0]) if row else 0
        return total

    def reached(self, import_uuid: str, point: KillPoint) -> bool:
        """Whether the import has got as far as ``point`` (its step, or its chunk count)."""
        if point.step is None:
            return self.count(import_uuid) >= point.after_chunks
        with self._conns["region"].cursor() as cur:
            cur.execute("SELECT step FROM sentry_relocation WHERE uuid = %s", (import_uuid,))
            row = cur.fetchone()
        return row is not None and STEPS.index(str(row[0])) >= STEPS.index(point.step)

    def settled_count(self, import_uuid: str, quiet_s: float = 0.3) -> int:
        """The chunk count once it has not changed for ``quiet_s``.

        A silo finishes a call whose client was killed (gRPC does not abort a running handler),
        so a batch in flight at the kill may still commit a moment later.
        """
        last, since = self.count(import_uuid), time.monotonic()
        while time.monotonic() - since < quiet_s:
            time.sleep(POLL_S * 4)
            now = self.count(import_uuid)
            if now != last:
                last, since = now, time.monotonic()
        return last

    def close(self) -> None:
        """Close the connections."""
        for conn in self._conns.values():
            conn.close()

    def __enter__(self) -> LedgerWatch:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def wait_until(
    condition: Callable[[], bool], proc: subprocess.Popen[str] | None, timeout_s: float = 60
) -> bool:
    """Poll ``condition``; True once it holds, False if ``proc`` exited first.

    Raises TimeoutError naming the wait when neither happens within ``timeout_s``.
    """
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        if proc is not None and proc.poll() is not None:
            return condition()
        time.sleep(POLL_S)
    raise TimeoutError(f"condition not met within {timeout_s}s ({condition!r})")


def start_cli(
    args: list[str], env: Mapping[str, str], cwd: Path, log: Path
) -> subprocess.Popen[str]:
    """Start ``relocate ARGS`` as a child process (so it can be SIGKILLed); output goes to ``log``.

    The command runs directly (no shell), so the returned pid is the importer's own.
    """
    root = Path(__file__).resolve().parents[2]
    with log.open("w") as out:
        return subprocess.Popen(
            [sys.executable, "-c", "from region.cli.main import cli; cli()", *args],
            cwd=cwd,
            env={**env, "PYTHONPATH": str(root)},
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
        )


def table_counts(database_url: str, exclude: Callable[[str], bool]) -> dict[str, int]:
    """Row count of every table in the database's public schema, except those ``exclude``s."""
    conn = psycopg2.connect(database_url)
    try:
        with conn.cursor() as cur:
            cur.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
            )
            tables = sorted(str(r[0]) for r in cur.fetchall() if not exclude(str(r[0])))
            counts = {}
            for table in tables:
                cur.execute(f'SELECT count(*) FROM "{table}"')
                row = cur.fetchone()
                counts[table] = int(row[0]) if row else 0
            return counts
    finally:
        conn.close()
