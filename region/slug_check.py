"""Before applying organization slugs, the region asks control whether it reserved them.

Why: ``ApplyOrganizationSlugs`` is called by the importer with slugs control reserved, but any
caller holding the RPC secret could send others; control is the one owner of globally unique
slugs. The region never opens control's database: it asks over gRPC (``RELOCATE_CONTROL_ADDR``,
signed with the silo's own secret, over TLS when the silo has TLS settings).
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from django.conf import settings

from shared.backup.errors import ConfigurationError, SlugNotReservedError
from shared.rpc.channels import make_channel
from shared.rpc.clients import OrganizationProvisioningClient
from shared.rpc.config import RpcClientConfig
from shared.rpc.tls import tls_from_env

DEADLINE_S = 30.0


def check_reserved(slugs: Mapping[int, str]) -> None:
    """Raise SlugNotReservedError unless control reserved every slug for its organization in
    this region; ConfigurationError when the region does not know control's address."""
    if not slugs:
        return
    address = settings.RELOCATE_CONTROL_ADDR
    if not address:
        raise ConfigurationError(
            "this region cannot check organization slugs with control: set RELOCATE_CONTROL_ADDR"
        )
    secrets = tuple(s for s in os.environ.get("RELOCATE_RPC_SECRETS", "").split(",") if s)
    tls = tls_from_env(os.environ, default_name=settings.RELOCATE_SILO)
    channel = make_channel(RpcClientConfig(target=address, secrets=secrets, tls=tls))
    try:
        unreserved = OrganizationProvisioningClient(
            channel, DEADLINE_S
        ).check_organization_slug_reservations(
            region_name=settings.RELOCATE_REGION_NAME, slugs=slugs
        )
    finally:
        channel.close()
    if unreserved:
        raise SlugNotReservedError(settings.RELOCATE_REGION_NAME, unreserved)
