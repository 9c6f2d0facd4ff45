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
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from region.cli.settings import STATE_FILE
from shared.backup.errors import ConfigurationError
from shared.rpc.channels import make_channel
from shared.rpc.clients import wait_for_health
from shared.rpc.config import RpcClientConfig

SILOS = ("control", "region")
START_TIMEOUT_S = 90.0


@dataclass(frozen=True, slots=True)
class DevSilos:
    """The running dev silos, as written to ``dev.json``."""

    data_dir: Path
    addresses: Mapping[str, str]
    pids: Mapping[str, int]


def database_urls(data_dir: Path, postgres: str | None) -> dict[str, str]:
    """One database per silo: SQLite files under data_dir, or databases on a PostgreSQL server.

    With PostgreSQL, a database name in the URL is used as a prefix (``.../dev`` gives
    ``dev_control`` and ``dev_region``); without one the databases are ``relocate_<silo>``.
    """
    if postgres is None:
        return {s: f"sqlite:///{(data_dir / f'{s}.sqlite3').resolve()}" for s in SILOS}
    base = postgres.rstrip("/")
    server, _, prefix = base.rpartition("/") if base.count("/") > 2 else (base, "", "")
    urls = {s: f"{server}/{prefix or 'relocate'}_{s}" for s in SILOS}
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
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def start(data_dir: Path, postgres: str | None, region_name: str = "default") -> DevSilos:
    """Start both silos detached, wait until both are healthy, write ``dev.json``."""
    data_dir.mkdir(parents=True, exist_ok=True)
    state_path = data_dir / STATE_FILE
    if state_path.exists() and alive(json.loads(state_path.read_text()).get("pids", {})):
        raise ConfigurationError(f"silos already running for {data_dir} (relocate dev down first)")
    secret = _secret(data_dir)
    urls = database_urls(data_dir, postgres)
    pids: dict[str, int] = {}
    for silo in SILOS:
        port_file = data_dir / f"{silo}.port"
        port_file.unlink(missing_ok=True)
        env = {
            **os.environ,
            "RELOCATE_RPC_SECRETS": secret,
            f"RELOCATE_{silo.upper()}_DATABASE_URL": urls[silo],
            "RELOCATE_REGION_NAME": region_name,
        }
        with (data_dir / f"{silo}.log").open("ab") as log:
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
                env=env,
                stdout=log,
                stderr=log,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        pids[silo] = proc.pid
    try:
        addresses = {s: f"127.0.0.1:{_wait_port(data_dir, s, pids[s])}" for s in SILOS}
        for address in addresses.values():
            channel = make_channel(RpcClientConfig(target=address, secrets=(secret,)))
            wait_for_health(channel, START_TIMEOUT_S)
            channel.close()
    except BaseException:
        _terminate(pids)
        raise
    state = {
        "control": addresses["control"],
        "region": addresses["region"],
        "region_name": region_name,
        "pids": pids,
        "databases": urls,
    }
    state_path.write_text(json.dumps(state, indent=2))
    return DevSilos(data_dir, addresses, pids)


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
