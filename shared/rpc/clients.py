"""Typed clients of the silos' services: keyword-only methods, deadlines, retries, error mapping.

Every method encodes engine types, calls with the client's deadline, decodes the response, and
raises a ``shared.rpc.errors.RpcError`` (from the ``grpc.RpcError``) when the call fails. Calls of
idempotent methods are retried on transient codes by the client's ``RetryPolicy`` (by default from
``RELOCATE_RETRY_MAX_SECONDS``); each attempt has the full deadline. No Django import here:
``django_support`` installs its transaction guard via set_pre_call_check().
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import TypeVar

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from shared.backup.chunks import ImportChunk
from shared.backup.claims import ClaimLink
from shared.backup.descriptors import ModelDescriptor
from shared.backup.filters import Filter
from shared.backup.flags import ImportFlags
from shared.backup.pk_map import PrimaryKeyMap
from shared.backup.ports import OrganizationSlug
from shared.backup.relocation_records import (
    PostStep,
    RelocationProgress,
    RelocationRecord,
    RelocationStatus,
    RelocationStep,
)
from shared.backup.scopes import OperationScope
from shared.backup.undoing import ChunkPlan, ChunkUndone
from shared.rpc.claims import decode_claim_link
from shared.rpc.codecs import (
    decode_import_chunk,
    decode_model_descriptor,
    encode_filter,
    encode_import_chunk,
    encode_import_flags,
    encode_operation_scope,
    encode_pk_map,
)
from shared.rpc.errors import NotFound, as_call, from_grpc_error
from shared.rpc.gen.relocate.control.v1 import (
    organization_provisioning_service_pb2 as provisioning_pb2,
)
from shared.rpc.gen.relocate.control.v1 import (
    organization_provisioning_service_pb2_grpc as provisioning_grpc,
)
from shared.rpc.gen.relocate.control.v1 import user_claim_service_pb2 as claim_pb2
from shared.rpc.gen.relocate.control.v1 import user_claim_service_pb2_grpc as claim_grpc
from shared.rpc.gen.relocate.region.v1 import region_import_service_pb2 as region_import_pb2
from shared.rpc.gen.relocate.region.v1 import (
    region_import_service_pb2_grpc as region_import_grpc,
)
from shared.rpc.gen.relocate.relocation.v1 import relocation_service_pb2 as relocation_pb2
from shared.rpc.gen.relocate.relocation.v1 import (
    relocation_service_pb2_grpc as relocation_grpc,
)
from shared.rpc.relocation_codecs import (
    decode_relocation,
    encode_post_step,
    encode_progress,
    encode_status,
    encode_step,
)
from shared.rpc.retries import RetryPolicy

__all__ = [
    "OrganizationProvisioningClient",
    "OrganizationSlug",
    "RegionImportClient",
    "RelocationClient",
    "UserClaimClient",
    "set_pre_call_check",
    "wait_for_health",
]

_Req = TypeVar("_Req")
_Resp = TypeVar("_Resp")

# At most one check, run before every outgoing call (a list, so no `global` is needed).
_pre_call_checks: list[Callable[[], None]] = []


def set_pre_call_check(fn: Callable[[], None] | None) -> None:
    """Install (or, with None, remove) a check run before every client call of this process."""
    _pre_call_checks.clear()
    if fn is not None:
        _pre_call_checks.append(fn)


class _Caller:
    """Calls one service's methods with a deadline per attempt and the retry policy."""

    def __init__(self, service: str, deadline_s: float, retry: RetryPolicy | None) -> None:
        self.service = service
        self.deadline_s = deadline_s
        self.retry = retry if retry is not None else RetryPolicy.from_env()

    def __call__(
        self, name: str, method: grpc.UnaryUnaryMultiCallable[_Req, _Resp], request: _Req
    ) -> _Resp:
        """Call ``method`` (the stub's ``name``), retrying transient failures if idempotent."""
        return self.retry.call(
            self.service, name, lambda: _invoke(method, request, self.deadline_s)
        )


def _invoke(
    method: grpc.UnaryUnaryMultiCallable[_Req, _Resp], request: _Req, deadline_s: float
) -> _Resp:
    """Run the pre-call check, then call ``method`` with a deadline, mapping grpc errors."""
    for check in _pre_call_checks:
        check()
    try:
        return method(request, timeout=deadline_s)
    except grpc.RpcError as err:
        raise from_grpc_error(err) from err


class RelocationClient:
    """Client of one silo's RelocationService."""

    def __init__(
        self, channel: grpc.Channel, deadline_s: float, retry: RetryPolicy | None = None
    ) -> None:
        self._stub = relocation_grpc.RelocationServiceStub(channel)
        self._call = _Caller("relocate.relocation.v1.RelocationService", deadline_s, retry)

    def list_models(self) -> tuple[str, list[ModelDescriptor]]:
        """Return the silo's name and the descriptors of the models it owns."""
        response = self._call(
            "ListModels", self._stub.ListModels, relocation_pb2.ListModelsRequest()
        )
        return response.silo, [decode_model_descriptor(m) for m in response.models]

    def import_by_model(
        self,
        *,
        model: str,
        scope: OperationScope,
        flags: ImportFlags,
        filters: Sequence[Filter],
        pk_map: PrimaryKeyMap,
        records_json: bytes,
        min_ordinal: int,
    ) -> tuple[ImportChunk, bool]:
        """Import one batch; return its chunk and whether it had been imported before."""
        request = relocation_pb2.ImportByModelRequest(
            model=model,
            scope=encode_operation_scope(scope),
            flags=encode_import_flags(flags),
            filters=[encode_filter(f) for f in filters],
            pk_map=encode_pk_map(pk_map),
            records_json=records_json,
            min_ordinal=min_ordinal,
        )
        response = self._call("ImportByModel", self._stub.ImportByModel, request)
        return decode_import_chunk(response.chunk), response.replayed

    def export_by_model(
        self,
        *,
        model: str,
        scope: OperationScope,
        filters: Sequence[Filter],
        from_pk: int,
        page_size: int,
    ) -> tuple[bytes, int]:
        """Export one page; return its JSON array and the next page's from_pk (0 when done)."""
        request = relocation_pb2.ExportByModelRequest(
            model=model,
            scope=encode_operation_scope(scope),
            filters=[encode_filter(f) for f in filters],
            from_pk=from_pk,
            page_size=page_size,
        )
        response = self._call("ExportByModel", self._stub.ExportByModel, request)
        return response.records_json, response.next_from_pk

    def clear_models(
        self, *, import_uuid: str, region_name: str, validate_only: bool = False
    ) -> dict[str, int]:
        """Delete every row the silo owns for a Global import into ``region_name``, unless it
        holds chunks of ``import_uuid`` already (a resumed import); return rows deleted per
        table. ``validate_only``: only ask whether the silo would allow it (raises if not)."""
        request = relocation_pb2.ClearModelsRequest(
            confirm=True,
            import_uuid=import_uuid,
            region_name=region_name,
            validate_only=validate_only,
        )
        response = self._call("ClearModels", self._stub.ClearModels, request)
        return dict(response.deleted_rows)

    def plan_undo(
        self, *, import_uuid: str, removed: Mapping[str, Collection[int]]
    ) -> tuple[list[ChunkPlan], list[str]]:
        """The silo's chunks of an import not undone yet, and why undoing them is refused (rows
        here referring to ``removed`` rows of other silos, rows edited since); empty: allowed."""
        request = relocation_pb2.PlanUndoRequest(
            import_uuid=import_uuid,
            removed=[
                relocation_pb2.ModelRows(model=model, pks=sorted(pks))
                for model, pks in sorted(removed.items())
            ],
        )
        response = self._call("PlanUndo", self._stub.PlanUndo, request)
        chunks = [
            ChunkPlan(c.model, c.min_ordinal, tuple(c.inserted_pks), tuple(c.restored_pks))
            for c in response.chunks
        ]
        return chunks, list(response.blockers)

    def undo_chunk(self, *, import_uuid: str, model: str, min_ordinal: int) -> ChunkUndone:
        """Undo one chunk of an import (a no-op, said so, when it was undone already)."""
        request = relocation_pb2.UndoChunkRequest(
            import_uuid=import_uuid, model=model, min_ordinal=min_ordinal
        )
        response = self._call("UndoChunk", self._stub.UndoChunk, request)
        return ChunkUndone(response.deleted, response.restored, response.already_undone)


class OrganizationProvisioningClient:
    """Client of control's OrganizationProvisioningService."""

    def __init__(
        self, channel: grpc.Channel, deadline_s: float, retry: RetryPolicy | None = None
    ) -> None:
        self._stub = provisioning_grpc.OrganizationProvisioningServiceStub(channel)
        self._call = _Caller(
            "relocate.control.v1.OrganizationProvisioningService", deadline_s, retry
        )

    def bulk_create_organization_slug_reservations(
        self, *, region_name: str, organizations: Sequence[OrganizationSlug]
    ) -> dict[int, str]:
        """Reserve a globally unique slug per organization; return them by organization id."""
        request = provisioning_pb2.BulkCreateOrganizationSlugReservationsRequest(
            region_name=region_name,
            organizations=[
                provisioning_pb2.OrganizationSlugRequest(
                    organization_id=org.organization_id, slug=org.slug, name=org.name
                )
                for org in organizations
            ],
        )
        response = self._call(
            "BulkCreateOrganizationSlugReservations",
            self._stub.BulkCreateOrganizationSlugReservations,
            request,
        )
        return dict(response.slugs)

    def release_organization_slug_reservations(
        self, *, region_name: str, organization_ids: Collection[int]
    ) -> tuple[int, int]:
        """Release the slugs and mappings of organizations; return (reservations, mappings)."""
        request = provisioning_pb2.ReleaseOrganizationSlugReservationsRequest(
            region_name=region_name, organization_ids=sorted(organization_ids)
        )
        response = self._call(
            "ReleaseOrganizationSlugReservations",
            self._stub.ReleaseOrganizationSlugReservations,
            request,
        )
        return response.reservations, response.mappings

    def check_organization_slug_reservations(
        self, *, region_name: str, slugs: Mapping[int, str]
    ) -> list[int]:
        """The organizations whose slug control has not reserved for them in the region."""
        request = provisioning_pb2.CheckOrganizationSlugReservationsRequest(
            region_name=region_name, slugs=dict(slugs)
        )
        response = self._call(
            "CheckOrganizationSlugReservations",
            self._stub.CheckOrganizationSlugReservations,
            request,
        )
        return list(response.unreserved_organization_ids)


class UserClaimClient:
    """Client of control's UserClaimService; its requests and responses carry secrets."""

    def __init__(
        self, channel: grpc.Channel, deadline_s: float, retry: RetryPolicy | None = None
    ) -> None:
        self._stub = claim_grpc.UserClaimServiceStub(channel)
        self._call = _Caller("relocate.control.v1.UserClaimService", deadline_s, retry)

    def create_claim_links(self, *, import_uuid: str) -> list[ClaimLink]:
        """Mint a claim link per unclaimed user the import created (earlier links stop working)."""
        request = claim_pb2.CreateClaimLinksRequest(import_uuid=import_uuid)
        response = self._call("CreateClaimLinks", self._stub.CreateClaimLinks, request)
        return [decode_claim_link(link) for link in response.claim_links]

    def claim_user(self, *, username: str, claim_hash: str, password: str) -> int:
        """Redeem a claim hash with a new password; return the claimed user's id."""
        request = claim_pb2.ClaimUserRequest(username=username, hash=claim_hash, password=password)
        response = self._call("ClaimUser", self._stub.ClaimUser, request)
        return response.user_id


class RegionImportClient:
    """Client of region's RegionImportService."""

    def __init__(
        self, channel: grpc.Channel, deadline_s: float, retry: RetryPolicy | None = None
    ) -> None:
        self._stub = region_import_grpc.RegionImportServiceStub(channel)
        self._call = _Caller("relocate.region.v1.RegionImportService", deadline_s, retry)

    def record_control_import_chunk_replica(self, *, chunk: ImportChunk) -> bool:
        """Store region's replica of a control chunk; return False if it existed already."""
        request = region_import_pb2.RecordControlImportChunkReplicaRequest(
            chunk=encode_import_chunk(chunk)
        )
        response = self._call(
            "RecordControlImportChunkReplica", self._stub.RecordControlImportChunkReplica, request
        )
        return response.created

    def apply_organization_slugs(self, *, slugs: Mapping[int, str]) -> int:
        """Set organizations' slugs to the reserved ones; return how many changed."""
        request = region_import_pb2.ApplyOrganizationSlugsRequest(slugs=dict(slugs))
        response = self._call("ApplyOrganizationSlugs", self._stub.ApplyOrganizationSlugs, request)
        return response.updated_count

    def start_relocation(
        self,
        *,
        uuid: str,
        scope: OperationScope,
        flags_json: str,
        source_sha256: str,
        tool_version: str = "",
    ) -> RelocationRecord:
        """Create the import's record, or mark an existing one in progress again."""
        request = region_import_pb2.StartRelocationRequest(
            uuid=uuid,
            scope=encode_operation_scope(scope),
            flags_json=flags_json,
            source_sha256=source_sha256,
            tool_version=tool_version,
        )
        response = self._call("StartRelocation", self._stub.StartRelocation, request)
        return decode_relocation(response.relocation)

    def update_relocation(
        self,
        *,
        uuid: str,
        step: RelocationStep | None = None,
        status: RelocationStatus | None = None,
        failure_reason: str | None = None,
        progress: RelocationProgress | None = None,
        post_step: PostStep | None = None,
    ) -> RelocationRecord:
        """Change the given fields of the import's record (None leaves a field as it is)."""
        request = region_import_pb2.UpdateRelocationRequest(
            uuid=uuid,
            step=encode_step(step),
            status=encode_status(status),
            failure_reason=failure_reason,
            progress=encode_progress(progress) if progress is not None else None,
            post_step=encode_post_step(post_step) if post_step is not None else None,
        )
        response = self._call("UpdateRelocation", self._stub.UpdateRelocation, request)
        return decode_relocation(response.relocation)

    def get_relocation(self, *, uuid: str) -> RelocationRecord | None:
        """The import's record, or None when the region has none under ``uuid``."""
        request = region_import_pb2.GetRelocationRequest(uuid=uuid)
        try:
            response = self._call("GetRelocation", self._stub.GetRelocation, request)
        except NotFound:
            return None
        return decode_relocation(response.relocation)

    def unhide_organizations(self, *, import_uuid: str) -> tuple[dict[int, str], int]:
        """Make the import's hidden organizations visible; return (unhidden id -> slug, how many
        were visible already)."""
        request = region_import_pb2.UnhideOrganizationsRequest(import_uuid=import_uuid)
        response = self._call("UnhideOrganizations", self._stub.UnhideOrganizations, request)
        return dict(response.unhidden), response.already_visible_count

    def get_imported_objects(self, *, import_uuid: str) -> tuple[dict[int, str], dict[int, str]]:
        """What the import created: (organization id -> slug, user id -> username)."""
        request = region_import_pb2.GetImportedObjectsRequest(import_uuid=import_uuid)
        response = self._call("GetImportedObjects", self._stub.GetImportedObjects, request)
        return dict(response.organization_slugs), dict(response.usernames)

    def list_relocations(self, *, limit: int = 0) -> list[RelocationRecord]:
        """Import records, most recently created first (every one when ``limit`` is 0)."""
        request = region_import_pb2.ListRelocationsRequest(limit=limit)
        response = self._call("ListRelocations", self._stub.ListRelocations, request)
        return [decode_relocation(r) for r in response.relocations]


def wait_for_health(channel: grpc.Channel, timeout_s: float, *, service: str = "") -> None:
    """Block until the server reports ``service`` SERVING; raise TimeoutError after ``timeout_s``.

    Health checks are exempt from signatures, so this works before secrets are known to match.
    """
    stub = health_pb2_grpc.HealthStub(channel)
    serving = health_pb2.HealthCheckResponse.SERVING
    deadline = time.monotonic() + timeout_s
    last = "no answer"
    while (remaining := deadline - time.monotonic()) > 0:
        try:
            response = stub.Check(
                health_pb2.HealthCheckRequest(service=service),
                timeout=remaining,
                wait_for_ready=True,
            )
        except grpc.RpcError as err:
            call = as_call(err)
            code = call.code() if call is not None else grpc.StatusCode.UNKNOWN
            if code not in {grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.UNAVAILABLE}:
                raise from_grpc_error(err) from err
            last = code.name
        else:
            if response.status == serving:
                return
            last = health_pb2.HealthCheckResponse.ServingStatus.Name(response.status)
        time.sleep(min(0.1, max(0.0, deadline - time.monotonic())))
    raise TimeoutError(
        f"gRPC server not healthy after {timeout_s:g}s (service {service!r}, last status: {last})"
    )
