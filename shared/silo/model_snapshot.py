"""Write ``shared/backup/models.json`` from both silos: ``python -m shared.silo.model_snapshot``.

Why: offline tools (``relocate backup compare``) need every model's descriptor without running
the silos, so the descriptors are committed, like the generated gRPC stubs. Each silo's registry
is read in its own short subprocess, because Django settings are global to a process and each
silo installs only its own app; the databases are in-memory SQLite and never touched.
``--check`` regenerates in memory and fails, listing the differences, when the file is stale.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from shared.backup.descriptors import ModelDescriptor, Silo
from shared.backup.snapshot import (
    SNAPSHOT_PATH,
    descriptor_from_json,
    descriptor_to_json,
    render_snapshot,
    snapshot_to_json,
)

ROOT = Path(__file__).resolve().parents[2]
_CHILD = "from shared.silo.model_snapshot import dump_silo; dump_silo()"
_MAX_DIFF_LINES = 200


def dump_silo() -> None:
    """Child entry point: print this process's silo descriptors as a JSON list on stdout."""
    import django  # noqa: PLC0415  (only the child process configures Django)
    from django.conf import settings  # noqa: PLC0415

    django.setup()
    from shared.backup.orm.registry import build_registry  # noqa: PLC0415

    silo = Silo(settings.RELOCATE_SILO)
    registry = build_registry(settings.RELOCATE_SILO, silo)
    json.dump([descriptor_to_json(d) for d in registry.descriptors()], sys.stdout)


def silo_descriptors(silo: Silo) -> list[ModelDescriptor]:
    """Run one silo's registry in a subprocess and decode what it prints."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": f"{silo.value}.settings",
        f"RELOCATE_{silo.value.upper()}_DATABASE_URL": "sqlite:///:memory:",
        "RELOCATE_LOG_LEVEL": "WARNING",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    proc = subprocess.run(  # noqa: S603  (our own interpreter and a constant script)
        [sys.executable, "-c", _CHILD],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if proc.returncode != 0:
        raise SystemExit(f"model_snapshot: the {silo} registry failed:\n{proc.stderr}")
    entries: list[dict[str, Any]] = json.loads(proc.stdout)
    return [descriptor_from_json(entry) for entry in entries]


def current_snapshot() -> str:
    """The snapshot text the models imply today."""
    descriptors = [d for silo in Silo for d in silo_descriptors(silo)]
    return render_snapshot(snapshot_to_json(descriptors))


def _differences(committed: str, fresh: str) -> list[str]:
    """Changed model names, then a bounded unified diff of the two texts."""

    def by_name(text: str) -> dict[str, Any]:
        try:
            return {m["name"]: m for m in json.loads(text)["models"]}
        except (ValueError, KeyError, TypeError):
            return {}

    old, new = by_name(committed), by_name(fresh)
    lines = [f"added: {name}" for name in sorted(new.keys() - old.keys())]
    lines += [f"removed: {name}" for name in sorted(old.keys() - new.keys())]
    lines += [f"changed: {n}" for n in sorted(old.keys() & new.keys()) if old[n] != new[n]]
    diff = difflib.unified_diff(
        committed.splitlines(), fresh.splitlines(), "committed", "fresh", lineterm=""
    )
    return lines + list(diff)[:_MAX_DIFF_LINES]


def main(argv: list[str] | None = None) -> int:
    """Write the snapshot, or with ``--check`` exit 1 listing differences when it is stale."""
    parser = argparse.ArgumentParser(prog="python -m shared.silo.model_snapshot")
    parser.add_argument("--check", action="store_true", help="fail if models.json is stale")
    args = parser.parse_args(argv)
    fresh = current_snapshot()
    shown = SNAPSHOT_PATH.relative_to(ROOT)
    if args.check:
        committed = SNAPSHOT_PATH.read_text(encoding="utf-8") if SNAPSHOT_PATH.exists() else ""
        if committed == fresh:
            print(f"model_snapshot: {shown} is up to date")
            return 0
        print(f"model_snapshot: {shown} is stale:", file=sys.stderr)
        print(*_differences(committed, fresh), sep="\n", file=sys.stderr)
        print("run: python -m shared.silo.model_snapshot", file=sys.stderr)
        return 1
    SNAPSHOT_PATH.write_text(fresh, encoding="utf-8")
    print(f"model_snapshot: wrote {shown}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
