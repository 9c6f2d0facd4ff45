"""Events/s of the batch save path against one-by-one saves, on PostgreSQL.

``python -m bench.events [--events 10000] [--single 1000] [--batch-size 1000] [--json OUT]``
(``--events 100000`` for the 100k run).

Creates a fresh database on the server of ``RELOCATE_TEST_DATABASE_URL`` (default the local
trust-auth one), migrates the region schema into it, and in this process saves:

(a) ``--events`` transaction events with ``save_transaction_events``, ``--batch-size`` at a time;
(b) ``--single`` events of the same mix one by one with ``EventManager(payload).save``, each in
    its own transaction (as events arriving one at a time are saved).

Both include validation and normalization. The mix: transactions with three spans each, ten
releases, three environments, and one event in fifty re-sent with the same id on the same day
(replacing the stored one). Prints events/s of each and their ratio; the database is dropped
afterwards. Ratios from one run on one machine are the point; absolute rates follow the load.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import time
import uuid
from pathlib import Path
from typing import Any

import psycopg2

PG = os.environ.get("RELOCATE_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432")
START = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)


def payloads(count: int, seed: int) -> list[dict[str, Any]]:
    """``count`` transaction payloads; one in fifty repeats an earlier id on the same day."""
    rng = random.Random(seed)
    out: list[dict[str, Any]] = []
    for i in range(count):
        if out and i % 50 == 49:
            event_id = out[rng.randrange(len(out))]["event_id"]
            start = dt.datetime.fromisoformat(out[-1]["start_timestamp"])
        else:
            event_id = uuid.UUID(int=rng.getrandbits(128)).hex
            start = START + dt.timedelta(seconds=i)
        end = start + dt.timedelta(milliseconds=rng.randrange(50, 900))
        out.append(
            {
                "event_id": event_id,
                "type": "transaction",
                "transaction": f"GET /api/{i % 40}",
                "start_timestamp": start.isoformat(),
                "timestamp": end.isoformat(),
                "platform": "python",
                "release": f"backend@1.{i % 10}.0",
                "environment": ("production", "staging", "canary")[i % 3],
                "tags": {"region": "eu", "route": str(i % 40)},
                "contexts": {"trace": {"trace_id": uuid.UUID(int=rng.getrandbits(128)).hex}},
                "spans": [
                    {
                        "span_id": f"{rng.getrandbits(64):016x}",
                        "op": "db",
                        "start_timestamp": start.isoformat(),
                        "timestamp": end.isoformat(),
                    }
                    for _ in range(3)
                ],
            }
        )
    return out


def _admin(sql: str) -> None:
    conn = psycopg2.connect(f"{PG}/postgres")
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(sql)
    finally:
        conn.close()


def _setup_django(database: str) -> None:
    """Configure this process as the region silo on ``database`` and migrate it."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "region.settings"
    os.environ["RELOCATE_REGION_DATABASE_URL"] = f"{PG}/{database}"
    os.environ.setdefault("RELOCATE_LOG_LEVEL", "WARNING")
    import django  # noqa: PLC0415  (settings must be chosen first)
    from django.core.management import call_command  # noqa: PLC0415

    django.setup()
    call_command("migrate", interactive=False, verbosity=0)


def _project(slug: str) -> int:
    from region.models import Organization, Project  # noqa: PLC0415  (needs Django set up)

    org = Organization.objects.create(name=slug, slug=slug)
    return int(Project.objects.create(organization=org, slug="api", name="API").pk)


def measure(events: int, single: int, batch_size: int) -> dict[str, Any]:
    """Run both paths on separate projects of one fresh database; return the figures."""
    from django.db import connections  # noqa: PLC0415  (needs Django set up)

    from region.events.batch import EventJob, save_transaction_events  # noqa: PLC0415
    from region.events.manager import EventManager  # noqa: PLC0415
    from region.events.payload import normalize_event  # noqa: PLC0415

    batch_payloads, single_payloads = payloads(events, 1), payloads(single, 2)
    project = _project("bench-batch")
    started = time.perf_counter()
    for at in range(0, len(batch_payloads), batch_size):
        chunk = batch_payloads[at : at + batch_size]
        save_transaction_events([EventJob(project, normalize_event(p)) for p in chunk])
    batch_s = time.perf_counter() - started

    project = _project("bench-single")
    started = time.perf_counter()
    for payload in single_payloads:
        EventManager(payload).save(project)
    single_s = time.perf_counter() - started
    connections.close_all()
    batch_rate, single_rate = events / batch_s, single / single_s
    return {
        "events": events,
        "batch_size": batch_size,
        "batch_seconds": round(batch_s, 2),
        "batch_events_per_s": round(batch_rate, 1),
        "single_events": single,
        "single_seconds": round(single_s, 2),
        "single_events_per_s": round(single_rate, 1),
        "ratio": round(batch_rate / single_rate, 1),
    }


def main(argv: list[str] | None = None) -> int:
    """Measure and print; ``--json OUT`` also writes the figures."""
    parser = argparse.ArgumentParser(prog="python -m bench.events", description=__doc__)
    parser.add_argument("--events", type=int, default=10_000, help="events for the batch path")
    parser.add_argument("--single", type=int, default=1_000, help="events saved one by one")
    parser.add_argument("--batch-size", type=int, default=1_000)
    parser.add_argument("--json", type=Path, default=None, help="write the figures here")
    args = parser.parse_args(argv)
    database = f"relocate_bench_events_{uuid.uuid4().hex[:8]}"
    _admin(f'CREATE DATABASE "{database}"')
    try:
        _setup_django(database)
        figures = measure(args.events, args.single, args.batch_size)
    finally:
        _admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    print(
        f"save_transaction_events: {figures['events']:,} events in {figures['batch_seconds']} s "
        f"= {figures['batch_events_per_s']:,} events/s (batches of {figures['batch_size']})\n"
        f"EventManager.save one by one: {figures['single_events']:,} events in "
        f"{figures['single_seconds']} s = {figures['single_events_per_s']:,} events/s\n"
        f"ratio batch / one-by-one: {figures['ratio']}x"
    )
    if args.json is not None:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
