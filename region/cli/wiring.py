"""Build the engine's ports (gRPC clients) and the model graph from the configured endpoints."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import grpc

from region.cli.settings import SiloEndpoints
from shared.backup.dependencies import DependencyGraph
from shared.backup.descriptors import ModelDescriptor, Silo
from shared.backup.errors import ConfigurationError
from shared.backup.imports import ImportTargets
from shared.rpc.channels import make_channel
from shared.rpc.clients import OrganizationProvisioningClient, RegionImportClient, RelocationClient
from shared.rpc.errors import Unavailable
from shared.rpc.tls import TLS_CA_ENV, TLS_CERT_ENV, TLS_KEY_ENV, TLS_SERVER_NAME_ENV


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
def region_channel(endpoints: SiloEndpoints) -> Iterator[grpc.Channel]:
    """A channel to the configured region alone (records and events live there)."""
    channel = make_channel(endpoints.client_config(endpoints.region))
    try:
        yield channel
    finally:
        channel.close()


@contextmanager
def region_client(endpoints: SiloEndpoints) -> Iterator[RegionImportClient]:
    """A client of the region alone: the relocation records live there, control need not be up."""
    with region_channel(endpoints) as channel:
        yield RegionImportClient(channel, endpoints.deadline_s)


@contextmanager
def connect(endpoints: SiloEndpoints) -> Iterator[Silos]:
    """Open channels to both silos and fetch their model descriptors."""
    channels: dict[Silo, grpc.Channel] = {}
    try:
        for silo, target in ((Silo.CONTROL, endpoints.control), (Silo.REGION, endpoints.region)):
            channels[silo] = make_channel(endpoints.client_config(target))
        relocation = {
            silo: RelocationClient(channel, endpoints.deadline_s)
            for silo, channel in channels.items()
        }
        descriptors = []
        for silo, client in relocation.items():
            descriptors.extend(_list_models(silo, client, endpoints))
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


def _list_models(
    silo: Silo, client: RelocationClient, endpoints: SiloEndpoints
) -> list[ModelDescriptor]:
    """The silo's models: the first call, so an unreachable silo is explained here.

    Why: a plaintext client against a TLS silo (or a certificate the silo does not trust) fails
    as a bare UNAVAILABLE; the operator needs to know which transport was tried and what to set.
    """
    try:
        _silo_name, models = client.list_models()
    except Unavailable as exc:
        target = endpoints.control if silo is Silo.CONTROL else endpoints.region
        raise ConfigurationError(_unreachable(silo, target, endpoints, exc.message)) from exc
    return models


def _unreachable(silo: Silo, target: str, endpoints: SiloEndpoints, detail: str) -> str:
    """Why a silo could not be reached, and what to check for the transport in use."""
    if endpoints.tls is None:
        hint = (
            "this client uses plaintext; if the silo requires mutual TLS, set "
            f"{TLS_CERT_ENV}, {TLS_KEY_ENV} and {TLS_CA_ENV}"
        )
    else:
        hint = (
            f"this client uses mutual TLS; check that the silo serves TLS, that {TLS_CA_ENV} "
            f"({endpoints.tls.ca}) signed its certificate, which must name {target} (or "
            f"{TLS_SERVER_NAME_ENV}), and that the silo trusts the CA of {TLS_CERT_ENV} "
            f"({endpoints.tls.cert})"
        )
    return f"cannot reach the {silo.value} silo at {target}: {detail} ({hint})"
