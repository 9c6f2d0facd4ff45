"""The region's gRPC services: RelocationService for its models, RegionImportService."""

from __future__ import annotations

import grpc
import orjson
from django.conf import settings
from typing_extensions import override

from region.actions import (
    RELOCATION_MODEL,
    check_region_clear,
    do_apply_organization_slugs,
    do_record_control_import_chunk_replica,
    do_start_relocation,
    do_update_relocation,
    get_relocation,
    list_relocations,
)
from region.events.servicer import event_registration
from region.models import RegionImportChunk
from region.post_import import (
    do_unhide_organizations,
    imported_organization_slugs,
    imported_usernames,
)
from region.slug_check import check_reserved
from shared.backup.descriptors import Silo
from shared.backup.errors import ImportUuidRequiredError, ScopeRequiredError
from shared.backup.orm.registry import build_registry
from shared.backup.relocation_records import RelocationRecord
from shared.rpc import codecs
from shared.rpc.gen.relocate.region.v1 import region_import_service_pb2 as pb
from shared.rpc.gen.relocate.region.v1 import region_import_service_pb2_grpc as pb_grpc
from shared.rpc.gen.relocate.relocation.v1 import relocation_service_pb2_grpc
from shared.rpc.relocation_codecs import (
    decode_post_step,
    decode_progress,
    decode_status,
    decode_step,
    encode_relocation,
)
from shared.silo.process import Registration
from shared.silo.relocation_servicer import SERVICE_NAME, RelocationServicer


def _not_found(context: grpc.ServicerContext, uuid: str) -> None:
    context.abort(grpc.StatusCode.NOT_FOUND, f"no relocation {uuid!r} is recorded in this region")


def _found(
    record: RelocationRecord | None, context: grpc.ServicerContext, uuid: str
) -> RelocationRecord:
    if record is None:
        _not_found(context, uuid)
        raise AssertionError("unreachable: abort raises")
    return record


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
        """Apply slugs control reserved (asked first: any other slug is refused)."""
        slugs = dict(request.slugs)
        check_reserved(slugs)
        return pb.ApplyOrganizationSlugsResponse(updated_count=do_apply_organization_slugs(slugs))

    @override
    def StartRelocation(
        self, request: pb.StartRelocationRequest, context: grpc.ServicerContext
    ) -> pb.StartRelocationResponse:
        """Create or restart an import's record."""
        scope = codecs.decode_operation_scope(request.scope)
        if scope is None:
            raise ScopeRequiredError(RELOCATION_MODEL)
        flags = orjson.loads(request.flags_json or "{}")
        record = do_start_relocation(
            uuid=request.uuid,
            scope=scope,
            flags=flags if isinstance(flags, dict) else {"value": flags},
            source_sha256=request.source_sha256,
            tool_version=request.tool_version,
        )
        return pb.StartRelocationResponse(relocation=encode_relocation(record))

    @override
    def UpdateRelocation(
        self, request: pb.UpdateRelocationRequest, context: grpc.ServicerContext
    ) -> pb.UpdateRelocationResponse:
        """Record an import's step, status, failure reason or progress."""
        record = do_update_relocation(
            request.uuid,
            step=decode_step(request.step),
            status=decode_status(request.status),
            failure_reason=(request.failure_reason if request.HasField("failure_reason") else None),
            progress=decode_progress(request.progress) if request.HasField("progress") else None,
            post_step=(
                decode_post_step(request.post_step) if request.HasField("post_step") else None
            ),
        )
        record = _found(record, context, request.uuid)
        return pb.UpdateRelocationResponse(relocation=encode_relocation(record))

    @override
    def GetRelocation(
        self, request: pb.GetRelocationRequest, context: grpc.ServicerContext
    ) -> pb.GetRelocationResponse:
        """Return one import's record."""
        record = _found(get_relocation(request.uuid), context, request.uuid)
        return pb.GetRelocationResponse(relocation=encode_relocation(record))

    @override
    def UnhideOrganizations(
        self, request: pb.UnhideOrganizationsRequest, context: grpc.ServicerContext
    ) -> pb.UnhideOrganizationsResponse:
        """Make an import's hidden organizations visible."""
        if not request.import_uuid:
            raise ImportUuidRequiredError(RELOCATION_MODEL)
        unhidden, visible = do_unhide_organizations(request.import_uuid)
        return pb.UnhideOrganizationsResponse(unhidden=unhidden, already_visible_count=visible)

    @override
    def GetImportedObjects(
        self, request: pb.GetImportedObjectsRequest, context: grpc.ServicerContext
    ) -> pb.GetImportedObjectsResponse:
        """Name the organizations and users an import created."""
        if not request.import_uuid:
            raise ImportUuidRequiredError(RELOCATION_MODEL)
        return pb.GetImportedObjectsResponse(
            organization_slugs=imported_organization_slugs(request.import_uuid),
            usernames=imported_usernames(request.import_uuid),
        )

    @override
    def ListRelocations(
        self, request: pb.ListRelocationsRequest, context: grpc.ServicerContext
    ) -> pb.ListRelocationsResponse:
        """Return import records, most recent first."""
        records = list_relocations(max(0, request.limit))
        return pb.ListRelocationsResponse(relocations=[encode_relocation(r) for r in records])


def registrations() -> tuple[list[Registration], list[str]]:
    """The region's services and their names (for health checking)."""
    registry = build_registry(settings.RELOCATE_SILO, Silo.REGION)
    own_name = settings.RELOCATE_REGION_NAME
    relocation = RelocationServicer(
        registry,
        RegionImportChunk,
        settings.RELOCATE_SILO,
        clear_guard=lambda requested: check_region_clear(own_name, requested),
    )
    region_import = RegionImportServicer()
    events, events_name = event_registration()
    return (
        [
            events,
            lambda s: relocation_service_pb2_grpc.add_RelocationServiceServicer_to_server(
                relocation, s
            ),
            lambda s: pb_grpc.add_RegionImportServiceServicer_to_server(region_import, s),
        ],
        [SERVICE_NAME, "relocate.region.v1.RegionImportService", events_name],
    )
