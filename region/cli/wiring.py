"""Build the engine's ports (gRPC clients) and the model graph from the configured endpoints."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import grpc

from region.cli.settings import SiloEndpoints
from shared.backup.dependencies import DependencyGraph
from shared.backup.descriptors import Silo
from shared.backup.imports import ImportTargets
from shared.rpc.channels import make_channel
from shared.rpc.clients import OrganizationProvisioningClient, RegionImportClient, RelocationClient
from shared.rpc.config import RpcClientConfig


@dataclass(frozen=True, slots=True)
class Silos:
    """Clients of both silos and the dependency graph of every model they declare."""

    relocation: dict[Silo, RelocationClient]
    provisioning: OrganizationProvisioningClient
    region: RegionImportClient
    graph: DependencyGraph

    def import_targets(self, region_name: str) -> ImportTargets:
        """The import's write targets."""
        return ImportTargets(
            sinks=dict(self.relocation),
            region=self.region,
            slugs=self.provisioning,
            region_name=region_name,
        )


@contextmanager
def connect(endpoints: SiloEndpoints) -> Iterator[Silos]:
    """Open channels to both silos and fetch their model descriptors."""
    channels: dict[Silo, grpc.Channel] = {}
    try:
        for silo, target in ((Silo.CONTROL, endpoints.control), (Silo.REGION, endpoints.region)):
            cfg = RpcClientConfig(
                target=target, secrets=endpoints.secrets, deadline_s=endpoints.deadline_s
            )
            channels[silo] = make_channel(cfg)
        relocation = {
            silo: RelocationClient(channel, endpoints.deadline_s)
            for silo, channel in channels.items()
        }
        descriptors = []
        for client in relocation.values():
            _silo_name, models = client.list_models()
            descriptors.extend(models)
        yield Silos(
            relocation=relocation,
            provisioning=OrganizationProvisioningClient(
                channels[Silo.CONTROL], endpoints.deadline_s
            ),
            region=RegionImportClient(channels[Silo.REGION], endpoints.deadline_s),
            graph=DependencyGraph.from_descriptors(descriptors),
        )
    finally:
        for channel in channels.values():
            channel.close()
