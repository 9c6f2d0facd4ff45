"""Where the CLI finds the silos: environment variables first, then a ``dev up`` state file."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from shared.backup.errors import ConfigurationError

DEFAULT_DATA_DIR = Path(".relocate")
STATE_FILE = "dev.json"


@dataclass(frozen=True, slots=True)
class SiloEndpoints:
    """Addresses of both silos, the shared RPC secrets and the region's name."""

    control: str
    region: str
    secrets: tuple[str, ...]
    region_name: str
    deadline_s: float = 300.0


def _split_secrets(text: str) -> tuple[str, ...]:
    return tuple(s.strip() for s in text.split(",") if s.strip())


def load_endpoints(data_dir: Path | None = None) -> SiloEndpoints:
    """Read RELOCATE_CONTROL_ADDR / RELOCATE_REGION_ADDR / RELOCATE_RPC_SECRETS, else dev state.

    The dev state file is ``<data dir>/dev.json``, where the data dir is ``data_dir``, else
    RELOCATE_DATA_DIR, else ``./.relocate``; ``relocate dev up`` writes it.
    """
    env = os.environ
    deadline = float(env.get("RELOCATE_RPC_DEADLINE_S", "300"))
    if env.get("RELOCATE_CONTROL_ADDR") and env.get("RELOCATE_REGION_ADDR"):
        secrets = _split_secrets(env.get("RELOCATE_RPC_SECRETS", ""))
        if not secrets:
            raise ConfigurationError("RELOCATE_RPC_SECRETS must hold at least one shared secret")
        return SiloEndpoints(
            control=env["RELOCATE_CONTROL_ADDR"],
            region=env["RELOCATE_REGION_ADDR"],
            secrets=secrets,
            region_name=env.get("RELOCATE_REGION_NAME", "default"),
            deadline_s=deadline,
        )
    directory = data_dir or Path(env.get("RELOCATE_DATA_DIR") or DEFAULT_DATA_DIR)
    state_path = directory / STATE_FILE
    if not state_path.exists():
        raise ConfigurationError(
            "no silos configured: set RELOCATE_CONTROL_ADDR, RELOCATE_REGION_ADDR and "
            f"RELOCATE_RPC_SECRETS, or start local silos with 'relocate dev up' ({state_path} "
            "not found)"
        )
    state = json.loads(state_path.read_text())
    secrets = _split_secrets((directory / "secret").read_text())
    return SiloEndpoints(
        control=state["control"],
        region=state["region"],
        secrets=secrets,
        region_name=state.get("region_name", "default"),
        deadline_s=deadline,
    )
