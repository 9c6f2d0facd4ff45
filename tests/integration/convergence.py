"""The end state of an import, to compare a faulted import with an uninterrupted one.

An import's end state is the pair's Global export, normalized (pks may differ: PostgreSQL
sequences are not transactional, so a batch rolled back by a crash still burns ids), plus the row
count of every table of both databases, so a duplicate or missing row shows even in a table the
export does not carry (ledgers, replicas, slug reservations, organization mappings).
"""

from __future__ import annotations

import io
import json
import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from region.cli.wiring import connect
from shared.backup.exports import run_export
from shared.backup.scopes import OperationScope
from tests.integration.conftest import SiloPair, endpoints, normalized, run_cli, write_export
from tests.support.crash import LedgerWatch, table_counts
from tests.support.instance import generate

REPORT_LINE = re.compile(r"(\d+) batch\(es\), (\d+) replayed")


@dataclass(frozen=True, slots=True)
class EndState:
    """What an import left in a pair."""

    export: dict[str, list[dict[str, Any]]]
    """The Global export, normalized by ``conftest.normalized``."""
    counts: dict[str, dict[str, int]]
    """Row count of every compared table, by silo."""
    records: int
    """Records in the export."""


@dataclass(frozen=True, slots=True)
class Baseline:
    """An uninterrupted import of ``source`` into fresh silos and what it left."""

    source: Path
    batch_size: int
    state: EndState
    batches: int
    """Chunks the import wrote in both ledgers (one per batch)."""
    chunks: dict[str, int]
    """The same, by silo."""


def _not_compared(table: str) -> bool:
    """Tables whose counts differ between runs by design: the migration log and the records of
    import runs (one per run)."""
    return table == "django_migrations" or "relocation" in table


def end_state(pair: SiloPair) -> EndState:
    """Export the pair in Global scope and count every table's rows.

    The export runs in this process, over the same gRPC clients the CLI uses (a CLI process per
    check would cost a second of start-up on every kill point).
    """
    buffer = io.BytesIO()
    with connect(endpoints(pair)) as silos:
        graph = silos.graph
        run_export(
            buffer,
            graph=graph,
            scope=OperationScope.GLOBAL,
            filters=[],
            sources=dict(silos.relocation),
        )
    records = json.loads(buffer.getvalue())
    counts = {silo: table_counts(pair.databases[silo], _not_compared) for silo in pair.databases}
    return EndState(normalized(records, graph), counts, len(records))


def import_args(source: Path, import_uuid: str, batch_size: int) -> list[str]:
    """The CLI arguments of a Global import of ``source`` with this uuid (also its resume)."""
    return [
        "import",
        "global",
        str(source),
        "--no-prompt",
        "--import-uuid",
        import_uuid,
        "--batch-size",
        str(batch_size),
    ]


def resume_args(source: Path, import_uuid: str) -> list[str]:
    """The CLI arguments resuming the Global import ``import_uuid`` (its options are reused)."""
    return ["import", "global", str(source), "--no-prompt", "--resume", import_uuid]


@dataclass(frozen=True, slots=True)
class RelocationRow:
    """An import's record in the region (``sentry_relocation``), read for assertions."""

    status: str
    step: str
    reason: str
    rows_done: int
    rows_total: int


def relocation_row(pair: SiloPair, import_uuid: str) -> RelocationRow | None:
    """The region's record of ``import_uuid``, None when the import never got to record it."""
    rows = pair.query(
        "region",
        "SELECT status, step, failure_reason, progress FROM sentry_relocation WHERE uuid = %s",
        (import_uuid,),
    )
    if not rows:
        return None
    status, step, reason, progress = rows[0]
    progress = progress or {}
    return RelocationRow(
        status, step, reason, int(progress.get("rows_done", 0)), int(progress.get("rows_total", 0))
    )


def batch_summary(output: str) -> tuple[int, int]:
    """(batches, replayed batches) from an import's printed report."""
    found = REPORT_LINE.search(output)
    if found is None:
        raise AssertionError(f"no batch summary in the import's output:\n{output}")
    return int(found[1]), int(found[2])


def take_baseline(pair: SiloPair, *, users: int, orgs: int, seed: int, batch_size: int) -> Baseline:
    """Generate an export, import it uninterrupted into ``pair`` (fresh databases), record it."""
    source = write_export(pair.tmp / "source.json", generate(users, orgs, seed=seed))
    import_uuid = uuid.uuid4().hex
    result = run_cli(pair, *import_args(source, import_uuid, batch_size))
    state = end_state(pair)
    with LedgerWatch(pair.databases) as ledger:
        chunks = {silo: ledger.count(import_uuid, silo) for silo in ("control", "region")}
    batches, replayed = batch_summary(result.stdout)
    if (batches, replayed) != (sum(chunks.values()), 0):
        raise AssertionError(f"baseline: {batches} batches, {replayed} replayed, chunks {chunks}")
    if state.records != len(json.loads(source.read_text())):
        raise AssertionError(f"baseline: exported {state.records} records, not all of the file")
    return Baseline(source, batch_size, state, batches, chunks)
