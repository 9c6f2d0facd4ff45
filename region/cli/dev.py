"""``relocate dev up|down``: both silos as local processes, SQLite by default or PostgreSQL."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from region.cli.private_files import append_private, private_directory, write_private
from region.cli.settings import STATE_FILE
from shared.backup.errors import ConfigurationError
from shared.rpc.channels import make_channel
from shared.rpc.clients import wait_for_health
from shared.rpc.config import RpcClientConfig
from shared.rpc.tls import tls_from_env

DEFAULT_REGION = "default"
START_TIMEOUT_S = 90.0


@dataclass(frozen=True, slots=True)
class DevSilos:
    """The running dev silos, as written to ``dev.json``."""

    data_dir: Path
    addresses: Mapping[str, str]
    pids: Mapping[str, int]


def process_name(region: str) -> str:
    """The dev process (and database) name of a region: ``region``, or ``region-<name>``."""
    return "region" if region == DEFAULT_REGION else f"region-{region}"


def database_urls(data_dir: Path, postgres: str | None, processes: Sequence[str]) -> dict[str, str]:
    """One database per silo process: SQLite files under data_dir, or PostgreSQL databases.

    With PostgreSQL, a database name in the URL is used as a prefix (``.../dev`` gives
    ``dev_control``, ``dev_region``, ``dev_region_us``); without one the prefix is ``relocate``.
    """
    if postgres is None:
        return {p: f"sqlite:///{(data_dir / f'{p}.sqlite3').resolve()}" for p in processes}
    base = postgres.rstrip("/")
    server, _, prefix = base.rpartition("/") if base.count("/") > 2 else (base, "", "")
    urls = {p: f"{server}/{prefix or 'relocate'}_{p.replace('-', '_')}" for p in processes}
    for url in urls.values():
        ensure_postgres_database(url)
    return urls


def ensure_postgres_database(url: str) -> None:
    """Create the database named in ``url`` if it does not exist."""
    import psycopg2  # noqa: PLC0415  (only needed with --postgres)

    server, _, name = url.rpartition("/")
    conn = psycopg2.connect(f"{server}/postgres")
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
            if cur.fetchone() is None:
                cur.execute(f'CREATE DATABASE "{name}"')
    finally:
        conn.close()


def _secret(data_dir: Path) -> str:
    path = data_dir / "secret"
    if not path.exists():
        write_private(path, secrets.token_hex(32))
    return path.read_text().strip()


def start(
    data_dir: Path, postgres: str | None, regions: Sequence[str] = (DEFAULT_REGION,)
) -> DevSilos:
    """Start control and every region detached, wait until all are healthy, write ``dev.json``."""
    private_directory(data_dir)
    state_path = data_dir / STATE_FILE
    if state_path.exists() and alive(json.loads(state_path.read_text()).get("pids", {})):
        raise ConfigurationError(f"silos already running for {data_dir} (relocate dev down first)")
    secret = _secret(data_dir)
    processes = {process_name(r): r for r in regions}
    urls = database_urls(data_dir, postgres, ["control", *processes])
    pids: dict[str, int] = {}
    try:
        addresses: dict[str, str] = {}
        # Control first: the regions ask it whether slugs are reserved. Control needs only the
        # regions' names (it never calls a region).
        known = ",".join(f"{region}=" for region in processes.values())
        control_env = {"RELOCATE_CONTROL_DATABASE_URL": urls["control"], "RELOCATE_REGIONS": known}
        pids["control"] = _spawn(data_dir, "control", "control", secret, control_env)
        addresses["control"] = f"127.0.0.1:{_wait_port(data_dir, 'control', pids['control'])}"
        for process, region in processes.items():
            env = {
                "RELOCATE_REGION_DATABASE_URL": urls[process],
                "RELOCATE_REGION_NAME": region,
                "RELOCATE_CONTROL_ADDR": addresses["control"],
            }
            pids[process] = _spawn(data_dir, process, "region", secret, env)
        for process in processes:
            addresses[process] = f"127.0.0.1:{_wait_port(data_dir, process, pids[process])}"
        for address in addresses.values():
            tls = tls_from_env(os.environ)  # the silos inherit RELOCATE_TLS_*, if set
            channel = make_channel(RpcClientConfig(target=address, secrets=(secret,), tls=tls))
            wait_for_health(channel, START_TIMEOUT_S)
            channel.close()
    except BaseException:
        _terminate(pids)
        raise
    first = process_name(regions[0])
    state = {
        "control": addresses["control"],
        "regions": {r: addresses[p] for p, r in processes.items()},
        "region": addresses[first],
        "region_name": regions[0],
        "pids": pids,
        "databases": urls,
    }
    write_private(state_path, json.dumps(state, indent=2))
    return DevSilos(data_dir, addresses, pids)


def _spawn(data_dir: Path, process: str, silo: str, secret: str, env: Mapping[str, str]) -> int:
    """Start one silo process in its own session, logging to ``<process>.log``."""
    port_file = data_dir / f"{process}.port"
    port_file.unlink(missing_ok=True)
    with append_private(data_dir / f"{process}.log") as log:
        proc = subprocess.Popen(  # noqa: S603  (our own interpreter and module)
            [
                sys.executable,
                "-m",
                f"{silo}.server",
                "--bind",
                "127.0.0.1:0",
                "--port-file",
                str(port_file),
            ],
            env={**os.environ, "RELOCATE_RPC_SECRETS": secret, **env},
            stdout=log,
            stderr=log,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    return proc.pid


def _wait_port(data_dir: Path, silo: str, pid: int) -> int:
    port_file = data_dir / f"{silo}.port"
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if port_file.exists():
            return int(port_file.read_text())
        if not alive({silo: pid}):
            log = (data_dir / f"{silo}.log").read_text(errors="replace")[-2000:]
            raise ConfigurationError(f"the {silo} silo exited while starting:\n{log}")
        time.sleep(0.1)
    raise ConfigurationError(f"the {silo} silo did not start within {START_TIMEOUT_S:.0f} s")


def alive(pids: Mapping[str, int]) -> bool:
    alive = False
    for pid in pids.values():
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            continue
        except PermissionError:
            pass
        # A zombie child of this process counts as gone.
        try:
            done, _ = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            done = 0
        alive = alive or done == 0
    return alive


def _terminate(pids: Mapping[str, int], timeout_s: float = 15.0) -> None:
    for pid in pids.values():
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout_s
    while alive(pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    for pid in pids.values():
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def stop(data_dir: Path) -> bool:
    """Stop the silos recorded in ``dev.json``; False when none were recorded."""
    state_path = data_dir / STATE_FILE
    if not state_path.exists():
        return False
    state = json.loads(state_path.read_text())
    _terminate({k: int(v) for k, v in state.get("pids", {}).items()})
    state_path.unlink()
    return True
