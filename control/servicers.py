"""Control's gRPC services: RelocationService for its models, OrganizationProvisioningService,
UserClaimService."""

from __future__ import annotations

from collections.abc import Collection

import grpc
from django.conf import settings
from typing_extensions import override

from control.actions import (
    check_global_clear,
    do_bulk_create_organization_slug_reservations,
    do_check_organization_slug_reservations,
    do_release_organization_slug_reservations,
)
from control.claims import do_claim_user, do_create_claim_links
from control.models import ControlImportChunk
from shared.backup.descriptors import Silo
from shared.backup.orm.registry import build_registry
from shared.backup.ports import OrganizationSlug
from shared.rpc.claims import encode_claim_link
from shared.rpc.gen.relocate.control.v1 import organization_provisioning_service_pb2 as pb
from shared.rpc.gen.relocate.control.v1 import (
    organization_provisioning_service_pb2_grpc as pb_grpc,
)
from shared.rpc.gen.relocate.control.v1 import user_claim_service_pb2 as claim_pb
from shared.rpc.gen.relocate.control.v1 import user_claim_service_pb2_grpc as claim_grpc
from shared.rpc.gen.relocate.relocation.v1 import relocation_service_pb2_grpc
from shared.silo.process import Registration
from shared.silo.relocation_servicer import SERVICE_NAME, RelocationServicer


class OrganizationProvisioningServicer(pb_grpc.OrganizationProvisioningServiceServicer):
    """Globally unique organization slugs."""

    def __init__(self, regions: Collection[str]) -> None:
        self._regions = frozenset(regions)

    @override
    def BulkCreateOrganizationSlugReservations(
        self,
        request: pb.BulkCreateOrganizationSlugReservationsRequest,
        context: grpc.ServicerContext,
    ) -> pb.BulkCreateOrganizationSlugReservationsResponse:
        """Reserve slugs for one region's organizations."""
        slugs = do_bulk_create_organization_slug_reservations(
            request.region_name,
            [OrganizationSlug(o.organization_id, o.slug, o.name) for o in request.organizations],
            known_regions=self._regions,
        )
        return pb.BulkCreateOrganizationSlugReservationsResponse(slugs=slugs)

    @override
    def ReleaseOrganizationSlugReservations(
        self,
        request: pb.ReleaseOrganizationSlugReservationsRequest,
        context: grpc.ServicerContext,
    ) -> pb.ReleaseOrganizationSlugReservationsResponse:
        """Release the slugs and mappings of one region's organizations (an undone import's)."""
        reservations, mappings = do_release_organization_slug_reservations(
            request.region_name, list(request.organization_ids), known_regions=self._regions
        )
        return pb.ReleaseOrganizationSlugReservationsResponse(
            reservations=reservations, mappings=mappings
        )

    @override
    def CheckOrganizationSlugReservations(
        self,
        request: pb.CheckOrganizationSlugReservationsRequest,
        context: grpc.ServicerContext,
    ) -> pb.CheckOrganizationSlugReservationsResponse:
        """Name the organizations whose slug is not reserved for them in the region."""
        return pb.CheckOrganizationSlugReservationsResponse(
            unreserved_organization_ids=do_check_organization_slug_reservations(
                request.region_name, dict(request.slugs)
            )
        )


class UserClaimServicer(claim_grpc.UserClaimServiceServicer):
    """Claim links for an import's unclaimed users, and redeeming them."""

    @override
    def CreateClaimLinks(
        self, request: claim_pb.CreateClaimLinksRequest, context: grpc.ServicerContext
    ) -> claim_pb.CreateClaimLinksResponse:
        """Mint claim hashes for the import's unclaimed users."""
        links = do_create_claim_links(request.import_uuid)
        return claim_pb.CreateClaimLinksResponse(
            claim_links=[encode_claim_link(link) for link in links]
        )

    @override
    def ClaimUser(
        self, request: claim_pb.ClaimUserRequest, context: grpc.ServicerContext
    ) -> claim_pb.ClaimUserResponse:
        """Redeem one claim hash."""
        user_id = do_claim_user(request.username, request.hash, request.password)
        return claim_pb.ClaimUserResponse(user_id=user_id)


def registrations() -> tuple[list[Registration], list[str]]:
    """Control's services and their names (for health checking)."""
    registry = build_registry(settings.RELOCATE_SILO, Silo.CONTROL)
    regions = frozenset(settings.RELOCATE_REGIONS)
    relocation = RelocationServicer(
        registry,
        ControlImportChunk,
        settings.RELOCATE_SILO,
        clear_guard=lambda region_name: check_global_clear(region_name, regions),
    )
    provisioning = OrganizationProvisioningServicer(settings.RELOCATE_REGIONS)
    claims = UserClaimServicer()
    return (
        [
            lambda s: relocation_service_pb2_grpc.add_RelocationServiceServicer_to_server(
                relocation, s
            ),
            lambda s: pb_grpc.add_OrganizationProvisioningServiceServicer_to_server(
                provisioning, s
            ),
            lambda s: claim_grpc.add_UserClaimServiceServicer_to_server(claims, s),
        ],
        [
            SERVICE_NAME,
            "relocate.control.v1.OrganizationProvisioningService",
            "relocate.control.v1.UserClaimService",
        ],
    )
