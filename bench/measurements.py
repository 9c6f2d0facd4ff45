"""The benchmark's measurements, each on fresh PostgreSQL databases cloned from migrated templates.

(a) COPY FROM of the export's rows into the silos' tables (``bench.silo_rows copy-in``);
(b) a Sentry-shaped per-row import, a collision SELECT and an ORM save per record
    (``bench.silo_rows per-row``);
(c) ``relocate import global --no-prompt`` into empty silos started by ``relocate dev up``;
(d) ``relocate export global`` of what (c) imported, raw COPY TO of the same tables, and
    PostgreSQL writing the same records as Sentry-format JSON itself (the export's anchor).

Around (c) and (d) the CPU seconds of the relocate process, each silo and every PostgreSQL
process are sampled from /proc, giving the machine's utilisation (CPU seconds over wall seconds
times cores).

Reference measurements run in one Django process per silo; their time covers the database work
only (no process start-up). The relocate commands are timed as an operator sees them, from
process start to exit.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg2

SILOS = ("control", "region")
PG = os.environ.get("RELOCATE_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432")


@dataclass(frozen=True, slots=True)
class Rate:
    """Rows done in some seconds."""

    rows: int
    seconds: float

    @property
    def rows_per_s(self) -> float:
        """Rows per second (0 when nothing was timed)."""
        return self.rows / self.seconds if self.seconds > 0 else 0.0

    def to_json(self) -> dict[str, float]:
        """The figures as JSON."""
        return {"rows": self.rows, "seconds": self.seconds, "rows_per_s": self.rows_per_s}

    def __add__(self, other: Rate) -> Rate:
        return Rate(self.rows + other.rows, self.seconds + other.seconds)


@dataclass(slots=True)
class Databases:
    """Databases the benchmark created on the server; ``drop_all`` removes every one."""

    prefix: str = field(default_factory=lambda: f"relocate_bench_{uuid.uuid4().hex[:8]}")
    created: list[str] = field(default_factory=list)

    def url(self, name: str) -> str:
        """The URL of one database."""
        return f"{PG}/{name}"

    def create(self, name: str, template: str | None = None) -> str:
        """Create ``name`` (optionally as a copy of ``template``); return its URL."""
        clause = f' TEMPLATE "{template}"' if template else ""
        self._admin(f'CREATE DATABASE "{name}"{clause}')
        self.created.append(name)
        return self.url(name)

    def drop_all(self) -> None:
        """Drop every database this run created."""
        for name in reversed(self.created):
            self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.created.clear()

    @staticmethod
    def _admin(sql: str) -> None:
        conn = psycopg2.connect(f"{PG}/postgres")
        try:
            conn.autocommit = True
            with conn.cursor() as cur:
                cur.execute(sql)
        finally:
            conn.close()


def silo_worker(silo: str, url: str, mode: str, *args: str) -> dict[str, Any]:
    """Run ``bench.silo_rows`` in the silo's Django settings against ``url``; its JSON."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": f"{silo}.settings",
        f"RELOCATE_{silo.upper()}_DATABASE_URL": url,
        "RELOCATE_LOG_LEVEL": "WARNING",
    }
    proc = subprocess.run(
        [sys.executable, "-m", "bench.silo_rows", mode, *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"bench.silo_rows {mode} ({silo}) failed:\n{proc.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def migrated_templates(dbs: Databases) -> dict[str, str]:
    """One migrated database per silo, the template every measurement's databases copy."""
    templates = {}
    for silo in SILOS:
        name = f"{dbs.prefix}_template_{silo}"
        silo_worker(silo, dbs.create(name), "migrate")
        templates[silo] = name
    return templates


def fresh(dbs: Databases, templates: dict[str, str], label: str) -> dict[str, str]:
    """A fresh migrated database per silo, named ``<prefix>_<label>_<silo>``."""
    return {silo: dbs.create(f"{dbs.prefix}_{label}_{silo}", templates[silo]) for silo in SILOS}


def copy_in(export: Path, dbs: Databases, templates: dict[str, str]) -> tuple[Rate, list[str]]:
    """(a) COPY FROM of every silo's rows; the rate and the tables filled."""
    urls = fresh(dbs, templates, "copy")
    total = Rate(0, 0.0)
    tables: list[str] = []
    for silo, url in urls.items():
        result = silo_worker(silo, url, "copy-in", str(export))
        total += Rate(result["rows"], result["seconds"])
        tables += [f"{silo}:{t}" for t in result["tables"]]
    return total, tables


def per_row(export: Path, dbs: Databases, templates: dict[str, str]) -> Rate:
    """(b) the per-row baseline over ``export`` (kept small by the caller)."""
    urls = fresh(dbs, templates, "perrow")
    total = Rate(0, 0.0)
    for silo, url in urls.items():
        result = silo_worker(silo, url, "per-row", str(export))
        total += Rate(result["rows"], result["seconds"])
    return total


def vm_hwm_mb(pid: int) -> float:
    """A live process's peak resident set (VmHWM) in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmHWM in /proc/{pid}/status")


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def process_cpu_seconds(pid: int) -> float:
    """CPU seconds (user + system) a live process used, plus those of children it reaped (so a
    postmaster counts its exited backends); 0 when the process is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat.rsplit(")", 1)[1].split()
    utime, stime, cutime, cstime = (int(v) for v in fields[11:15])
    return (utime + stime + cutime + cstime) / CLOCK_TICKS


def postgres_cpu_seconds() -> float:
    """CPU seconds of every PostgreSQL process on this machine (backends, postmaster and what it
    reaped): before and after a run, the difference is the run's database work."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            comm = (entry / "comm").read_text().strip()
        except OSError:
            continue
        if comm.startswith("postgres"):
            total += process_cpu_seconds(int(entry.name))
    return total


@dataclass(frozen=True, slots=True)
class CpuUse:
    """CPU seconds of each process group during one command, and the machine's utilisation."""

    wall_seconds: float
    cpu_seconds: dict[str, float]
    """By group: the relocate command, each silo, PostgreSQL."""

    @property
    def utilisation(self) -> float:
        """CPU seconds of every group over wall seconds times cores."""
        cores = os.cpu_count() or 1
        return sum(self.cpu_seconds.values()) / (self.wall_seconds * cores)

    def to_json(self) -> dict[str, Any]:
        """The figures as JSON."""
        return {
            "wall_seconds": self.wall_seconds,
            "cpu_seconds": self.cpu_seconds,
            "cores": os.cpu_count() or 1,
            "utilisation": self.utilisation,
        }


@dataclass(frozen=True, slots=True)
class Timed:
    """A finished relocate command: its wall time, peak RSS, CPU seconds and output."""

    seconds: float
    peak_rss_mb: float
    stdout: str
    cpu_seconds: float = 0.0
    """User + system CPU of the command's process."""


def measured(
    *args: str, env: dict[str, str], log: Path, silo_pids: dict[str, int]
) -> tuple[Timed, CpuUse]:
    """Run ``relocate ARGS`` and measure the CPU every process group spent meanwhile."""
    before = {silo: process_cpu_seconds(pid) for silo, pid in silo_pids.items()}
    pg_before = postgres_cpu_seconds()
    timed = relocate(*args, env=env, log=log)
    cpu = {"relocate": timed.cpu_seconds}
    cpu |= {silo: process_cpu_seconds(pid) - before[silo] for silo, pid in silo_pids.items()}
    cpu["postgresql"] = postgres_cpu_seconds() - pg_before
    return timed, CpuUse(timed.seconds, cpu)


def relocate(*args: str, env: dict[str, str], log: Path) -> Timed:
    """Run ``relocate ARGS`` as a child process; its wall time and (kernel-reported) peak RSS."""
    with log.open("ab") as err:
        started = time.monotonic()
        child = subprocess.Popen(
            [sys.executable, "-m", "region.cli.main", *args],
            env=env,
            stdout=subprocess.PIPE,
            stderr=err,
            stdin=subprocess.DEVNULL,
        )
        stdout = child.stdout.read() if child.stdout is not None else b""
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.monotonic() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        tail = log.read_text(errors="replace")[-3000:]
        raise RuntimeError(f"relocate {' '.join(args)} failed:\n{tail}")
    return Timed(seconds, usage.ru_maxrss / 1024, stdout.decode(), usage.ru_utime + usage.ru_stime)


def cli_startup_seconds(work: Path) -> float:
    """Wall time of ``relocate --help``: the start-up every timed relocate command includes."""
    return relocate("--help", env=dict(os.environ), log=work / "startup.log").seconds


@dataclass(frozen=True, slots=True)
class RoundTrip:
    """What (c) and (d) measured."""

    imported: Rate
    exported: Rate
    copy_out: Rate
    json_anchor: Rate
    """PostgreSQL writing the same records as Sentry-format JSON itself (json_build_object)."""
    importer_peak_rss_mb: float
    exporter_peak_rss_mb: float
    silo_peak_rss_mb: dict[str, float]
    """Each silo process's VmHWM once the import is done (start-up included)."""
    import_cpu: CpuUse
    export_cpu: CpuUse


@contextlib.contextmanager
def dev_silos(
    dbs: Databases, templates: dict[str, str], work: Path
) -> Iterator[tuple[dict[str, Any], dict[str, str]]]:
    """Both silos as separate processes (``relocate dev up``) on fresh databases."""
    label = "ours"
    fresh(dbs, templates, label)  # dev up finds them migrated and uses them
    data_dir = work / "silos"
    env = {**os.environ, "RELOCATE_DATA_DIR": str(data_dir), "RELOCATE_LOG_LEVEL": "WARNING"}
    postgres = f"{PG}/{dbs.prefix}_{label}"
    where = ("--data-dir", str(data_dir))
    relocate(
        "dev", "up", *where, "--background", "--postgres", postgres, env=env, log=work / "dev.log"
    )
    try:
        yield json.loads((data_dir / "dev.json").read_text()), env
    finally:
        relocate("dev", "down", *where, env=env, log=work / "dev.log")


def round_trip(
    export: Path,
    rows: int,
    tables: list[str],
    dbs: Databases,
    templates: dict[str, str],
    work: Path,
) -> RoundTrip:
    """(c) our import into empty silos, then (d) our export and raw COPY TO of the same tables."""
    log = work / "relocate.log"
    with dev_silos(dbs, templates, work) as (state, env):
        pids = {silo: int(state["pids"][silo]) for silo in SILOS}
        imported, import_cpu = measured(
            "import", "global", str(export), "--no-prompt", env=env, log=log, silo_pids=pids
        )
        silo_rss = {silo: vm_hwm_mb(pid) for silo, pid in pids.items()}
        out = work / "exported.json"
        exported, export_cpu = measured(
            "export", "global", str(out), "--no-prompt", env=env, log=log, silo_pids=pids
        )
        match = re.search(r"Exported (\d+) record", exported.stdout)
        exported_rows = int(match.group(1)) if match else 0
        if exported_rows != rows:
            tail = log.read_text(errors="replace")[-3000:]
            raise RuntimeError(f"exported {exported_rows} records, expected {rows}:\n{tail}")
        copy_out = Rate(0, 0.0)
        json_anchor = Rate(0, 0.0)
        for silo in SILOS:
            names = ",".join(t.partition(":")[2] for t in tables if t.startswith(f"{silo}:"))
            url = state["databases"][silo]
            result = silo_worker(silo, url, "copy-out", "--tables", names)
            copy_out += Rate(result["rows"], result["seconds"])
            result = silo_worker(silo, url, "json-out", "--tables", names)
            json_anchor += Rate(result["rows"], result["seconds"])
    return RoundTrip(
        imported=Rate(rows, imported.seconds),
        exported=Rate(exported_rows, exported.seconds),
        copy_out=copy_out,
        json_anchor=json_anchor,
        importer_peak_rss_mb=imported.peak_rss_mb,
        exporter_peak_rss_mb=exported.peak_rss_mb,
        silo_peak_rss_mb=silo_rss,
        import_cpu=import_cpu,
        export_cpu=export_cpu,
    )
