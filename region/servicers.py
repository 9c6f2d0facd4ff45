"""The region's gRPC services: RelocationService for its models, RegionImportService."""

from __future__ import annotations

import grpc
from django.conf import settings
from typing_extensions import override

from region.actions import do_apply_organization_slugs, do_record_control_import_chunk_replica
from region.models import RegionImportChunk
from shared.backup.descriptors import Silo
from shared.backup.orm.registry import build_registry
from shared.rpc import codecs
from shared.rpc.gen.relocate.region.v1 import region_import_service_pb2 as pb
from shared.rpc.gen.relocate.region.v1 import region_import_service_pb2_grpc as pb_grpc
from shared.rpc.gen.relocate.relocation.v1 import relocation_service_pb2_grpc
from shared.rpc.relocation_servicer import SERVICE_NAME, RelocationServicer
from shared.rpc.silo_process import Registration


class RegionImportServicer(pb_grpc.RegionImportServiceServicer):
    """The region-side steps that follow an import's batches."""

    @override
    def RecordControlImportChunkReplica(
        self, request: pb.RecordControlImportChunkReplicaRequest, context: grpc.ServicerContext
    ) -> pb.RecordControlImportChunkReplicaResponse:
        """Store the region's replica of a control chunk."""
        created = do_record_control_import_chunk_replica(codecs.decode_import_chunk(request.chunk))
        return pb.RecordControlImportChunkReplicaResponse(created=created)

    @override
    def ApplyOrganizationSlugs(
        self, request: pb.ApplyOrganizationSlugsRequest, context: grpc.ServicerContext
    ) -> pb.ApplyOrganizationSlugsResponse:
        """Apply slugs control reserved."""
        return pb.ApplyOrganizationSlugsResponse(
            updated_count=do_apply_organization_slugs(dict(request.slugs))
        )


def registrations() -> tuple[list[Registration], list[str]]:
    """The region's services and their names (for health checking)."""
    registry = build_registry(settings.RELOCATE_SILO, Silo.REGION)
    relocation = RelocationServicer(registry, RegionImportChunk, settings.RELOCATE_SILO)
    region_import = RegionImportServicer()
    return (
        [
            lambda s: relocation_service_pb2_grpc.add_RelocationServiceServicer_to_server(
                relocation, s
            ),
            lambda s: pb_grpc.add_RegionImportServiceServicer_to_server(region_import, s),
        ],
        [SERVICE_NAME, "relocate.region.v1.RegionImportService"],
    )
