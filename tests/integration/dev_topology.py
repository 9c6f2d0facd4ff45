"""`relocate dev up --regions ...` topologies for tests: one control, several region processes on
PostgreSQL, driven through the CLI as an operator would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg2

from tests.integration.conftest import PG_URL, ROOT


def relocate(cwd: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run the CLI in ``cwd`` (which holds the dev state) with no RELOCATE_* environment."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("RELOCATE_")}
    proc = subprocess.run(
        [sys.executable, "-m", "region.cli.main", *args],
        cwd=cwd,
        env={**base, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"relocate {' '.join(args)}: {proc.stdout}\n{proc.stderr}")
    return proc


def rows(url: str, sql: str) -> list[tuple[Any, ...]]:
    """The rows of a read-only query against one silo's database."""
    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute(sql)
            return cur.fetchall()
    finally:
        conn.close()


@contextmanager
def dev_regions(cwd: Path, names: str = "us,de") -> Iterator[dict[str, Any]]:
    """Control and one region process per name, each on its own fresh database; yields the dev
    state (addresses, databases); stops the processes and drops the databases afterwards."""
    prefix = f"mr{uuid.uuid4().hex[:8]}"
    relocate(
        cwd, "dev", "up", "--background", "--regions", names, "--postgres", f"{PG_URL}/{prefix}"
    )
    state: dict[str, Any] = json.loads((cwd / ".relocate" / "dev.json").read_text())
    try:
        yield state
    finally:
        relocate(cwd, "dev", "down", check=False)
        admin = psycopg2.connect(f"{PG_URL}/postgres")
        admin.autocommit = True
        with admin.cursor() as cur:
            for process in state["databases"]:
                cur.execute(
                    f'DROP DATABASE IF EXISTS "{prefix}_{process.replace("-", "_")}" WITH (FORCE)'
                )
        admin.close()
