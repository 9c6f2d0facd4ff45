"""Typed clients of the silos' services: keyword-only methods, deadlines and error mapping.

Every method encodes engine types, calls with the client's deadline, decodes the response, and
raises a ``shared.rpc.errors.RpcError`` (from the ``grpc.RpcError``) when the call fails. No
Django import here: ``django_support`` installs its transaction guard via set_pre_call_check().
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import TypeVar

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from shared.backup.chunks import ImportChunk
from shared.backup.descriptors import ModelDescriptor
from shared.backup.filters import Filter
from shared.backup.flags import ImportFlags
from shared.backup.pk_map import PrimaryKeyMap
from shared.backup.ports import OrganizationSlug
from shared.backup.scopes import OperationScope
from shared.rpc.codecs import (
    decode_import_chunk,
    decode_model_descriptor,
    encode_filter,
    encode_import_chunk,
    encode_import_flags,
    encode_operation_scope,
    encode_pk_map,
)
from shared.rpc.errors import as_call, from_grpc_error
from shared.rpc.gen.relocate.control.v1 import (
    organization_provisioning_service_pb2 as provisioning_pb2,
)
from shared.rpc.gen.relocate.control.v1 import (
    organization_provisioning_service_pb2_grpc as provisioning_grpc,
)
from shared.rpc.gen.relocate.region.v1 import region_import_service_pb2 as region_import_pb2
from shared.rpc.gen.relocate.region.v1 import (
    region_import_service_pb2_grpc as region_import_grpc,
)
from shared.rpc.gen.relocate.relocation.v1 import relocation_service_pb2 as relocation_pb2
from shared.rpc.gen.relocate.relocation.v1 import (
    relocation_service_pb2_grpc as relocation_grpc,
)

__all__ = [
    "OrganizationProvisioningClient",
    "OrganizationSlug",
    "RegionImportClient",
    "RelocationClient",
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

    def __init__(self, channel: grpc.Channel, deadline_s: float) -> None:
        self._stub = relocation_grpc.RelocationServiceStub(channel)
        self._deadline_s = deadline_s

    def list_models(self) -> tuple[str, list[ModelDescriptor]]:
        """Return the silo's name and the descriptors of the models it owns."""
        response = _invoke(
            self._stub.ListModels, relocation_pb2.ListModelsRequest(), self._deadline_s
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
        response = _invoke(self._stub.ImportByModel, request, self._deadline_s)
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
        response = _invoke(self._stub.ExportByModel, request, self._deadline_s)
        return response.records_json, response.next_from_pk

    def clear_models(self, *, import_uuid: str) -> dict[str, int]:
        """Delete every row the silo owns, unless it holds chunks of ``import_uuid`` already
        (a resumed import); return rows deleted per table."""
        request = relocation_pb2.ClearModelsRequest(confirm=True, import_uuid=import_uuid)
        response = _invoke(self._stub.ClearModels, request, self._deadline_s)
        return dict(response.deleted_rows)


class OrganizationProvisioningClient:
    """Client of control's OrganizationProvisioningService."""

    def __init__(self, channel: grpc.Channel, deadline_s: float) -> None:
        self._stub = provisioning_grpc.OrganizationProvisioningServiceStub(channel)
        self._deadline_s = deadline_s

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
        response = _invoke(
            self._stub.BulkCreateOrganizationSlugReservations, request, self._deadline_s
        )
        return dict(response.slugs)


class RegionImportClient:
    """Client of region's RegionImportService."""

    def __init__(self, channel: grpc.Channel, deadline_s: float) -> None:
        self._stub = region_import_grpc.RegionImportServiceStub(channel)
        self._deadline_s = deadline_s

    def record_control_import_chunk_replica(self, *, chunk: ImportChunk) -> bool:
        """Store region's replica of a control chunk; return False if it existed already."""
        request = region_import_pb2.RecordControlImportChunkReplicaRequest(
            chunk=encode_import_chunk(chunk)
        )
        response = _invoke(self._stub.RecordControlImportChunkReplica, request, self._deadline_s)
        return response.created

    def apply_organization_slugs(self, *, slugs: Mapping[int, str]) -> int:
        """Set organizations' slugs to the reserved ones; return how many changed."""
        request = region_import_pb2.ApplyOrganizationSlugsRequest(slugs=dict(slugs))
        response = _invoke(self._stub.ApplyOrganizationSlugs, request, self._deadline_s)
        return response.updated_count


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
