"""Peak memory of importing a stream-encrypted export, at two sizes: does it stay flat?

``python -m bench.encrypted_import_memory [--mb 200] [--small-mb 20] [--json OUT]``

Generates a deterministic synthetic export of about N MB, encrypts it in the stream format while
writing it, starts both silos with ``relocate dev up --postgres``, imports it in Global scope with
``relocate import global --decrypt-with`` as a child process, and reads that process's peak RSS
from the kernel (``wait4``) and the silos' from /proc. Prints the figures and the large/small
ratio of the importer's peak RSS: flat memory means a ratio near 1 while the input grows N-fold.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from bench import synthetic
from shared.backup.stream_crypto import EncryptingWriter

BYTES_PER_USER = 1218  # measured: a 676k-record, 176 MB file held 130,000 users
PG = os.environ.get("RELOCATE_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432")


def _relocate(*args: str, cwd: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "region.cli.main", *args],
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _vm_hwm_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def run_size(mb: float, work: Path, private_pem: bytes, public_pem: bytes) -> dict[str, Any]:
    """Generate, encrypt, import; return the figures of one size."""
    users = max(50, int(mb * 1024 * 1024 / BYTES_PER_USER) // 50 * 50)
    export = work / f"export-{mb:g}mb.rlc"
    with export.open("wb") as out:
        writer = EncryptingWriter(out, public_pem)
        rows = synthetic.write(writer, users)  # type: ignore[arg-type]
        writer.close()
    key = work / "key.pem"
    key.write_bytes(private_pem)
    data_dir = work / f"silos-{mb:g}"
    prefix = f"bench{uuid.uuid4().hex[:8]}"
    up = _relocate(
        "dev",
        "up",
        "--background",
        "--data-dir",
        str(data_dir),
        "--postgres",
        f"{PG}/{prefix}",
        cwd=work,
    )
    if up.wait() != 0:
        raise SystemExit(f"dev up failed: {up.stderr.read().decode() if up.stderr else ''}")
    state = json.loads((data_dir / "dev.json").read_text())
    env = {**os.environ, "RELOCATE_DATA_DIR": str(data_dir)}
    started = time.monotonic()
    child = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "region.cli.main",
            "import",
            "global",
            str(export),
            "--no-prompt",
            "--silent",
            "--decrypt-with",
            str(key),
        ],
        cwd=work,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.monotonic() - started
    silos = {silo: _vm_hwm_mb(int(pid)) for silo, pid in state["pids"].items()}
    _relocate("dev", "down", "--data-dir", str(data_dir), cwd=work).wait()
    _drop(prefix)
    if status != 0:
        raise SystemExit(f"import failed: {child.stderr.read().decode() if child.stderr else ''}")
    return {
        "file_mb": round(export.stat().st_size / 1024 / 1024, 1),
        "records": rows,
        "seconds": round(seconds, 1),
        "records_per_s": round(rows / seconds),
        "importer_peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
        "silo_peak_rss_mb": {k: round(v, 1) for k, v in silos.items()},
    }


def _drop(prefix: str) -> None:
    import psycopg2  # noqa: PLC0415

    conn = psycopg2.connect(f"{PG}/postgres")
    conn.autocommit = True
    with conn.cursor() as cur:
        for silo in ("control", "region"):
            cur.execute(f'DROP DATABASE IF EXISTS "{prefix}_{silo}" WITH (FORCE)')
    conn.close()


def main(argv: list[str] | None = None) -> int:
    """Run both sizes and print the figures."""
    parser = argparse.ArgumentParser(prog="python -m bench.encrypted_import_memory")
    parser.add_argument("--mb", type=float, default=200)
    parser.add_argument("--small-mb", type=float, default=20)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public_pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    with tempfile.TemporaryDirectory(prefix="relocate-bench-") as tmp:
        small = run_size(args.small_mb, Path(tmp), private_pem, public_pem)
        print("small:", json.dumps(small))
        large = run_size(args.mb, Path(tmp), private_pem, public_pem)
        print("large:", json.dumps(large))
    ratio = large["importer_peak_rss_mb"] / small["importer_peak_rss_mb"]
    growth = large["file_mb"] / small["file_mb"]
    print(
        f"input grew {growth:.1f}x; importer peak RSS grew {ratio:.2f}x "
        f"({small['importer_peak_rss_mb']} MB -> {large['importer_peak_rss_mb']} MB)"
    )
    if args.json is not None:
        args.json.write_text(
            json.dumps(
                {"small": small, "large": large, "input_growth": growth, "rss_growth": ratio},
                indent=2,
            )
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
