"""Integration fixtures: real PostgreSQL databases and both silos as real subprocesses.

PostgreSQL comes from RELOCATE_TEST_DATABASE_URL (default: the local trust-auth server). Each silo
pair gets its own freshly created databases; servers bind 127.0.0.1:0 and report their port in a
port file, and are ready once gRPC health answers.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg2
import pytest

from shared.backup.descriptors import Silo
from shared.rpc.channels import make_channel
from shared.rpc.clients import wait_for_health
from shared.rpc.config import RpcClientConfig

ROOT = Path(__file__).resolve().parents[2]
PG_URL = os.environ.get("RELOCATE_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432")


def _admin():
    conn = psycopg2.connect(f"{PG_URL}/postgres")
    conn.autocommit = True
    return conn


@dataclass
class SiloPair:
    """One running control + region pair, with what a client needs to reach it."""

    tmp: Path
    secret: str
    databases: dict[str, str]
    addresses: dict[str, str] = field(default_factory=dict)
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    region_name: str = "test-region"

    def env(self) -> dict[str, str]:
        """Environment for a `relocate` CLI subprocess talking to this pair."""
        return {
            **os.environ,
            "RELOCATE_CONTROL_ADDR": self.addresses["control"],
            "RELOCATE_REGION_ADDR": self.addresses["region"],
            "RELOCATE_RPC_SECRETS": self.secret,
            "RELOCATE_REGION_NAME": self.region_name,
        }

    def client_config(self, silo: Silo) -> RpcClientConfig:
        return RpcClientConfig(target=self.addresses[silo.value], secrets=(self.secret,),
                               deadline_s=60)

    def query(self, silo: str, sql: str, params: tuple[object, ...] = ()) -> list[tuple]:
        """Run a read-only query against one silo's database (assertions only)."""
        conn = psycopg2.connect(self.databases[silo])
        try:
            with conn.cursor() as cur:
                cur.execute(sql, params)
                return cur.fetchall()
        finally:
            conn.close()

    def count(self, silo: str, table: str) -> int:
        return self.query(silo, f"SELECT count(*) FROM {table}")[0][0]  # noqa: S608


def _start_silo(pair: SiloPair, silo: str) -> None:
    port_file = pair.tmp / f"{silo}.port"
    env = {
        **os.environ,
        "RELOCATE_RPC_SECRETS": pair.secret,
        f"RELOCATE_{silo.upper()}_DATABASE_URL": pair.databases[silo],
        "RELOCATE_REGION_NAME": pair.region_name,
        "PYTHONPATH": str(ROOT),
    }
    log = (pair.tmp / f"{silo}.log").open("wb")
    pair.procs[silo] = subprocess.Popen(
        [sys.executable, "-m", f"{silo}.server", "--bind", "127.0.0.1:0", "--port-file", str(port_file)],
        cwd=pair.tmp, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 90
    while not port_file.exists():
        if pair.procs[silo].poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{silo} failed to start:\n{(pair.tmp / f'{silo}.log').read_text()}")
        time.sleep(0.05)
    pair.addresses[silo] = f"127.0.0.1:{int(port_file.read_text())}"
    channel = make_channel(RpcClientConfig(target=pair.addresses[silo], secrets=(pair.secret,)))
    try:
        wait_for_health(channel, 60)
    finally:
        channel.close()


def _stop(pair: SiloPair) -> None:
    for proc in pair.procs.values():
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    for proc in pair.procs.values():
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


@pytest.fixture
def silo_pair_factory(tmp_path: Path) -> Iterator:
    """Start fresh silo pairs (each with new empty databases); everything is torn down after."""
    pairs: list[SiloPair] = []
    created: list[str] = []

    def make(name: str = "a") -> SiloPair:
        run = uuid.uuid4().hex[:10]
        databases = {}
        admin = _admin()
        try:
            with admin.cursor() as cur:
                for silo in ("control", "region"):
                    db = f"relocate_test_{run}_{silo}"
                    cur.execute(f'CREATE DATABASE "{db}"')
                    created.append(db)
                    databases[silo] = f"{PG_URL}/{db}"
        finally:
            admin.close()
        directory = tmp_path / f"pair-{name}"
        directory.mkdir()
        pair = SiloPair(tmp=directory, secret=secrets.token_hex(16), databases=databases)
        pairs.append(pair)
        for silo in ("control", "region"):
            _start_silo(pair, silo)
        return pair

    yield make
    for pair in pairs:
        _stop(pair)
    admin = _admin()
    try:
        with admin.cursor() as cur:
            for db in created:
                cur.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
    finally:
        admin.close()


def run_cli(pair: SiloPair, *args: str, cwd: Path | None = None, input_text: str | None = None,
            check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run the `relocate` CLI as a real subprocess against a silo pair."""
    proc = subprocess.run(
        [sys.executable, "-c", "from region.cli.main import cli; cli()", *args],
        cwd=cwd or pair.tmp, env={**pair.env(), "PYTHONPATH": str(ROOT)}, capture_output=True,
        text=True, input=input_text, timeout=600,
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"relocate {' '.join(args)} failed ({proc.returncode}):\n"
                             f"{proc.stdout}\n{proc.stderr}")
    return proc
