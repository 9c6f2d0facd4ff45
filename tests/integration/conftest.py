"""Integration fixtures: real PostgreSQL databases and both silos as real subprocesses.

PostgreSQL comes from RELOCATE_TEST_DATABASE_URL (default: the local trust-auth server). Each silo
pair gets its own freshly created databases; servers bind 127.0.0.1:0 and report their port in a
port file, and are ready once gRPC health answers.
"""

from __future__ import annotations

import json
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

from region.cli.settings import SiloEndpoints
from shared.backup.dependencies import DependencyGraph
from shared.backup.descriptors import Silo
from shared.rpc.channels import make_channel
from shared.rpc.clients import wait_for_health
from shared.rpc.config import RpcClientConfig, TlsConfig

ROOT = Path(__file__).resolve().parents[2]
PG_URL = os.environ.get("RELOCATE_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432")


def tls_env(tls: TlsConfig | None) -> dict[str, str]:
    """The RELOCATE_TLS_* variables of a TlsConfig (none for plaintext)."""
    if tls is None:
        return {}
    return {
        "RELOCATE_TLS_CERT": str(tls.cert),
        "RELOCATE_TLS_KEY": str(tls.key),
        "RELOCATE_TLS_CA": str(tls.ca),
    }


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
    server_secrets: tuple[str, ...] = ()
    region_name: str = "test-region"
    server_env: dict[str, str] = field(default_factory=dict)
    """Extra environment of the silo processes (e.g. RELOCATE_TLS_*, RELOCATE_LOG_LEVEL)."""
    client_tls: TlsConfig | None = None
    """Mutual TLS of this pair's clients (fixtures, CLI runs); None: plaintext."""

    def env(self) -> dict[str, str]:
        """Environment for a `relocate` CLI subprocess talking to this pair."""
        return {
            **os.environ,
            "RELOCATE_CONTROL_ADDR": self.addresses["control"],
            "RELOCATE_REGION_ADDR": self.addresses["region"],
            "RELOCATE_RPC_SECRETS": self.secret,
            "RELOCATE_REGION_NAME": self.region_name,
            **tls_env(self.client_tls),
        }

    def client_config(self, silo: Silo) -> RpcClientConfig:
        return RpcClientConfig(
            target=self.addresses[silo.value],
            secrets=(self.secret,),
            deadline_s=60,
            tls=self.client_tls,
        )

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
        return self.query(silo, f"SELECT count(*) FROM {table}")[0][0]


def _start_silo(pair: SiloPair, silo: str, bind: str = "127.0.0.1:0") -> None:
    port_file = pair.tmp / f"{silo}.port"
    port_file.unlink(missing_ok=True)
    env = {
        **os.environ,
        "RELOCATE_RPC_SECRETS": ",".join(pair.server_secrets),
        f"RELOCATE_{silo.upper()}_DATABASE_URL": pair.databases[silo],
        "RELOCATE_REGION_NAME": pair.region_name,
        "PYTHONPATH": str(ROOT),
        **pair.server_env,
    }
    if silo == "region":  # control starts first; the region asks it about slugs
        env["RELOCATE_CONTROL_ADDR"] = pair.addresses["control"]
    with (pair.tmp / f"{silo}.log").open("ab") as log:
        pair.procs[silo] = subprocess.Popen(
            [
                sys.executable,
                "-m",
                f"{silo}.server",
                "--bind",
                bind,
                "--port-file",
                str(port_file),
            ],
            cwd=pair.tmp,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 90
    while not port_file.exists():
        if pair.procs[silo].poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{silo} failed to start:\n{(pair.tmp / f'{silo}.log').read_text()}")
        time.sleep(0.05)
    pair.addresses[silo] = f"127.0.0.1:{int(port_file.read_text())}"
    channel = make_channel(
        RpcClientConfig(target=pair.addresses[silo], secrets=(pair.secret,), tls=pair.client_tls)
    )
    try:
        wait_for_health(channel, 60)
    finally:
        channel.close()


def kill_silo(pair: SiloPair, silo: str) -> None:
    """SIGKILL one silo of a pair (no drain, no cleanup: a crash) and reap it."""
    proc = pair.procs[silo]
    if proc.poll() is None:
        proc.kill()
    proc.wait(timeout=15)


def restart_silo(pair: SiloPair, silo: str) -> None:
    """Start a stopped or killed silo again on the same port and database; wait until healthy."""
    if pair.procs[silo].poll() is None:
        raise RuntimeError(f"{silo} is still running (pid {pair.procs[silo].pid})")
    _start_silo(pair, silo, bind=pair.addresses[silo])


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


class PairFactory:
    """Starts silo pairs with fresh databases; ``close()`` stops them and drops the databases."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.pairs: list[SiloPair] = []
        self.created: list[str] = []

    def __call__(
        self,
        name: str = "a",
        server_secrets: tuple[str, ...] | None = None,
        *,
        server_env: dict[str, str] | None = None,
        client_tls: TlsConfig | None = None,
    ) -> SiloPair:
        run = uuid.uuid4().hex[:10]
        databases = {}
        admin = _admin()
        try:
            with admin.cursor() as cur:
                for silo in ("control", "region"):
                    db = f"relocate_test_{run}_{silo}"
                    cur.execute(f'CREATE DATABASE "{db}"')
                    self.created.append(db)
                    databases[silo] = f"{PG_URL}/{db}"
        finally:
            admin.close()
        directory = self.directory / f"pair-{name}-{run}"
        directory.mkdir(parents=True)
        secret = secrets.token_hex(16)
        pair = SiloPair(
            tmp=directory,
            secret=secret,
            databases=databases,
            server_secrets=server_secrets or (secret,),
            server_env=dict(server_env or {}),
            client_tls=client_tls,
        )
        self.pairs.append(pair)
        for silo in ("control", "region"):
            _start_silo(pair, silo)
        return pair

    def close(self) -> None:
        for pair in self.pairs:
            _stop(pair)
        admin = _admin()
        try:
            with admin.cursor() as cur:
                for db in self.created:
                    cur.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        finally:
            admin.close()


FAULT_REPORT = pytest.StashKey[list[str]]()


@pytest.fixture(scope="session")
def fault_report(request: pytest.FixtureRequest) -> list[str]:
    """Lines shown in the terminal summary (how many kill points and cuts were exercised)."""
    return request.config.stash.setdefault(FAULT_REPORT, [])


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    """Print the fault-injection tests' tallies, whatever the verbosity (CI shows them)."""
    lines = config.stash.get(FAULT_REPORT, [])
    if lines:
        terminalreporter.section("fault injection")
        for line in lines:
            terminalreporter.write_line(line)


@pytest.fixture
def silo_pair_factory(tmp_path: Path) -> Iterator[PairFactory]:
    """Start fresh silo pairs (each with new empty databases); everything is torn down after."""
    factory = PairFactory(tmp_path)
    yield factory
    factory.close()


@pytest.fixture(scope="module")
def module_pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SiloPair]:
    """One silo pair shared by a module's tests (for tests that do not need empty silos)."""
    factory = PairFactory(tmp_path_factory.mktemp("module-pair"))
    yield factory()
    factory.close()


def run_cli(
    pair: SiloPair,
    *args: str,
    cwd: Path | None = None,
    input_text: str | None = None,
    check: bool = True,
) -> subprocess.CompletedProcess[str]:
    """Run the `relocate` CLI as a real subprocess against a silo pair."""
    proc = subprocess.run(
        [sys.executable, "-c", "from region.cli.main import cli; cli()", *args],
        cwd=cwd or pair.tmp,
        env={**pair.env(), "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        input=input_text,
        timeout=600,
    )
    if check and proc.returncode != 0:
        raise AssertionError(
            f"relocate {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
        )
    return proc


def endpoints(pair: SiloPair) -> SiloEndpoints:
    """The CLI's endpoint config for a pair (for driving the engine in-process)."""
    return SiloEndpoints(
        control=pair.addresses["control"],
        region=pair.addresses["region"],
        secrets=(pair.secret,),
        region_name=pair.region_name,
        deadline_s=60,
    )


def write_export(path: Path, records: list[dict]) -> Path:
    path.write_text(json.dumps(records, indent=2))
    return path


def normalized(records: list[dict], graph: DependencyGraph) -> dict[str, list[dict]]:
    """An export with pks replaced by ordinals and references by the referenced ordinal.

    Two exports of the same data are equal under this view whatever pks the databases assigned.
    """
    by_model: dict[str, list[dict]] = {}
    for record in records:
        by_model.setdefault(record["model"], []).append(record)
    ordinal_of: dict[str, dict[int, int]] = {}
    for model, items in by_model.items():
        items.sort(key=lambda r: r["pk"])
        ordinal_of[model] = {r["pk"]: i for i, r in enumerate(items, start=1)}
    out: dict[str, list[dict]] = {}
    for model, items in by_model.items():
        fks = {fk.field: fk.target for fk in graph.get(model).foreign_keys}
        rows = []
        for r in items:
            fields = dict(r["fields"])
            for name, target in fks.items():
                if fields.get(name) is not None:
                    fields[name] = ("ref", target, ordinal_of.get(target, {}).get(fields[name]))
            rows.append(fields)
        out[model] = rows
    return out
