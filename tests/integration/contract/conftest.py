"""Contract suite fixtures: one pair of silo endpoints per session, given by address.

With RELOCATE_CONTRACT_CONTROL_ADDR, RELOCATE_CONTRACT_REGION_ADDR and RELOCATE_CONTRACT_SECRET
set, the suite talks to that deployed pair; otherwise it starts one local pair (fresh PostgreSQL
databases) with the integration suite's PairFactory. Either way tests only use addresses, the
shared secret and the region's name, so the same cases hold for every deployment.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import grpc
import pytest

from shared.backup.descriptors import Silo
from shared.rpc.channels import make_channel
from shared.rpc.clients import OrganizationProvisioningClient, RegionImportClient, RelocationClient
from shared.rpc.config import RpcClientConfig
from tests.integration.conftest import PairFactory

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


@pytest.fixture(scope="session")
def target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ContractTarget]:
    """The deployed pair from the environment, else one local pair for the whole session."""
    deployed = _deployed_target()
    if deployed is not None:
        yield deployed
        return
    factory = PairFactory(tmp_path_factory.mktemp("contract-pair"))
    try:
        pair = factory("contract")
        yield ContractTarget(
            control=pair.addresses["control"],
            region=pair.addresses["region"],
            secret=pair.secret,
            region_name=pair.region_name,
            deployed=False,
        )
    finally:
        factory.close()


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
