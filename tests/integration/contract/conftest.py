"""Contract suite fixtures: one pair of silo endpoints per session, given by address.

With RELOCATE_CONTRACT_CONTROL_ADDR, RELOCATE_CONTRACT_REGION_ADDR and RELOCATE_CONTRACT_SECRET
set, the suite talks to that deployed pair; otherwise it starts the local multi-region topology
with ``relocate dev up --regions us,de --postgres`` (fresh databases) and runs every case against
control with each region in turn. Either way tests only use addresses, the shared secret and the
region's name, so the same cases hold for every deployment.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import psycopg2
import pytest

from shared.backup.descriptors import Silo
from shared.rpc.channels import make_channel
from shared.rpc.clients import OrganizationProvisioningClient, RegionImportClient, RelocationClient
from shared.rpc.config import RpcClientConfig
from tests.integration.conftest import PG_URL, ROOT

ENV_CONTROL = "RELOCATE_CONTRACT_CONTROL_ADDR"
ENV_REGION = "RELOCATE_CONTRACT_REGION_ADDR"
ENV_SECRET = "RELOCATE_CONTRACT_SECRET"  # noqa: S105  (a variable name, not a secret)
ENV_REGION_NAME = "RELOCATE_CONTRACT_REGION_NAME"
ENV_ALLOW_CLEAR = "RELOCATE_CONTRACT_ALLOW_CLEAR"
DEADLINE_S = 30.0


@dataclass(frozen=True, slots=True)
class ContractTarget:
    """The pair under test: what any client of the contract needs, and nothing more."""

    control: str
    region: str
    secret: str
    region_name: str
    deployed: bool
    """True for a pair given by environment (ClearModels then needs an explicit opt-in)."""

    def address(self, silo: Silo) -> str:
        return self.control if silo is Silo.CONTROL else self.region

    def config(self, silo: Silo, secret: str | None = None) -> RpcClientConfig:
        return RpcClientConfig(
            target=self.address(silo), secrets=(secret or self.secret,), deadline_s=DEADLINE_S
        )


def _deployed_target() -> ContractTarget | None:
    names = (ENV_CONTROL, ENV_REGION, ENV_SECRET)
    given = [n for n in names if os.environ.get(n)]
    if not given:
        return None
    if len(given) != len(names):
        raise pytest.UsageError(f"set all of {', '.join(names)} (or none to start a local pair)")
    return ContractTarget(
        control=os.environ[ENV_CONTROL],
        region=os.environ[ENV_REGION],
        secret=os.environ[ENV_SECRET],
        region_name=os.environ.get(ENV_REGION_NAME, "default"),
        deployed=True,
    )


LOCAL_REGIONS = ("us", "de")


def _relocate(cwd: Path, *args: str) -> None:
    base = {k: v for k, v in os.environ.items() if not k.startswith("RELOCATE_")}
    subprocess.run(
        [sys.executable, "-m", "region.cli.main", *args],
        cwd=cwd,
        check=True,
        env={**base, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        timeout=300,
    )


@pytest.fixture(scope="session")
def local_topology(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """``relocate dev up --regions us,de`` on fresh PostgreSQL databases, for the session."""
    cwd = tmp_path_factory.mktemp("contract-dev")
    prefix = f"contract{uuid.uuid4().hex[:8]}"
    _relocate(
        cwd,
        "dev",
        "up",
        "--background",
        "--regions",
        ",".join(LOCAL_REGIONS),
        "--postgres",
        f"{PG_URL}/{prefix}",
    )
    state = json.loads((cwd / ".relocate" / "dev.json").read_text())
    state["secret"] = (cwd / ".relocate" / "secret").read_text().strip()
    try:
        yield state
    finally:
        _relocate(cwd, "dev", "down")
        admin = psycopg2.connect(f"{PG_URL}/postgres")
        admin.autocommit = True
        with admin.cursor() as cur:
            for process in state["databases"]:
                name = f"{prefix}_{process.replace('-', '_')}"
                cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture(scope="session", params=LOCAL_REGIONS)
def target(request: pytest.FixtureRequest) -> ContractTarget:
    """The deployed pair from the environment, else control with each local region in turn."""
    deployed = _deployed_target()
    if deployed is not None:
        if request.param != LOCAL_REGIONS[0]:
            pytest.skip("a deployed pair is tested once")
        return deployed
    state = request.getfixturevalue("local_topology")
    return ContractTarget(
        control=state["control"],
        region=state["regions"][request.param],
        secret=state["secret"],
        region_name=request.param,
        deployed=False,
    )


@pytest.fixture(scope="session")
def run_id() -> str:
    """Makes names unique per session, so the suite can run again against the same pair."""
    return uuid.uuid4().hex[:10]


@pytest.fixture(scope="session")
def channels(target: ContractTarget) -> Iterator[dict[Silo, grpc.Channel]]:
    """One signed channel per silo."""
    opened = {silo: make_channel(target.config(silo)) for silo in Silo}
    yield opened
    for channel in opened.values():
        channel.close()


@pytest.fixture(scope="session")
def relocation(channels: dict[Silo, grpc.Channel]) -> dict[Silo, RelocationClient]:
    return {silo: RelocationClient(channel, DEADLINE_S) for silo, channel in channels.items()}


@pytest.fixture(scope="session")
def provisioning(channels: dict[Silo, grpc.Channel]) -> OrganizationProvisioningClient:
    return OrganizationProvisioningClient(channels[Silo.CONTROL], DEADLINE_S)


@pytest.fixture(scope="session")
def region_import(channels: dict[Silo, grpc.Channel]) -> RegionImportClient:
    return RegionImportClient(channels[Silo.REGION], DEADLINE_S)
