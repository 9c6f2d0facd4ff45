"""Where the CLI finds the silos: environment variables first, then a ``dev up`` state file.

Transport settings come from the environment in both cases: RELOCATE_RPC_DEADLINE_S,
RELOCATE_RPC_MAX_MESSAGE_BYTES, and for mutual TLS RELOCATE_TLS_CERT, RELOCATE_TLS_KEY,
RELOCATE_TLS_CA (and optionally RELOCATE_TLS_SERVER_NAME).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from shared.backup.errors import ConfigurationError
from shared.rpc.config import (
    DEFAULT_MAX_MESSAGE_BYTES,
    RpcClientConfig,
    TlsConfig,
    max_message_bytes_from_env,
)
from shared.rpc.tls import tls_from_env

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
    tls: TlsConfig | None = None
    """Mutual TLS towards both silos; None: plaintext."""
    max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES
    """Largest message sent or received."""

    def client_config(self, target: str) -> RpcClientConfig:
        """The client settings of a channel to ``target`` (one of this pair's addresses)."""
        return RpcClientConfig(
            target=target,
            secrets=self.secrets,
            deadline_s=self.deadline_s,
            max_message_bytes=self.max_message_bytes,
            tls=self.tls,
        )


def _split_secrets(text: str) -> tuple[str, ...]:
    return tuple(s.strip() for s in text.split(",") if s.strip())


def parse_regions(text: str) -> dict[str, str]:
    """``name=host:port,name=host:port`` -> {name: address}."""
    out = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, sep, address = item.partition("=")
        if not sep or not name or not address:
            raise ConfigurationError(f"RELOCATE_REGIONS entry {item!r} is not name=host:port")
        out[name.strip()] = address.strip()
    return out


def _pick(regions: dict[str, str], region: str | None) -> tuple[str, str]:
    """The chosen region (default: the first configured) and its address."""
    if not regions:
        raise ConfigurationError("no region configured")
    name = region or next(iter(regions))
    if name not in regions:
        raise ConfigurationError(f"unknown region {name!r}; configured: {', '.join(regions)}")
    return name, regions[name]


def load_endpoints(data_dir: Path | None = None, region: str | None = None) -> SiloEndpoints:
    """Where the silos are: environment variables first, else the ``dev up`` state file.

    Environment: RELOCATE_CONTROL_ADDR, RELOCATE_RPC_SECRETS, and either RELOCATE_REGIONS
    (``name=host:port,…``) or RELOCATE_REGION_ADDR with RELOCATE_REGION_NAME. The state file is
    ``<data dir>/dev.json``; the data dir is ``data_dir``, else RELOCATE_DATA_DIR, else
    ``./.relocate``. ``region`` picks one region by name (default: the first configured).
    """
    env = os.environ
    deadline = float(env.get("RELOCATE_RPC_DEADLINE_S", "300"))
    try:
        max_bytes = max_message_bytes_from_env(env)
    except ValueError as exc:
        raise ConfigurationError(str(exc)) from None
    tls = tls_from_env(env)
    if env.get("RELOCATE_CONTROL_ADDR") and (
        env.get("RELOCATE_REGIONS") or env.get("RELOCATE_REGION_ADDR")
    ):
        secrets = _split_secrets(env.get("RELOCATE_RPC_SECRETS", ""))
        if not secrets:
            raise ConfigurationError("RELOCATE_RPC_SECRETS must hold at least one shared secret")
        regions = parse_regions(env.get("RELOCATE_REGIONS", "")) or {
            env.get("RELOCATE_REGION_NAME", "default"): env["RELOCATE_REGION_ADDR"]
        }
        name, address = _pick(regions, region)
        return SiloEndpoints(
            env["RELOCATE_CONTROL_ADDR"], address, secrets, name, deadline, tls, max_bytes
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
    regions = state.get("regions") or {state.get("region_name", "default"): state["region"]}
    name, address = _pick(regions, region)
    secrets = _split_secrets((directory / "secret").read_text())
    return SiloEndpoints(state["control"], address, secrets, name, deadline, tls, max_bytes)
