"""RelocationService, served by both silos, each for the models it owns: decode, act, encode."""

from __future__ import annotations

import functools
from collections.abc import Callable

import grpc
from django.db import models
from typing_extensions import override

from shared.backup.errors import ClearNotConfirmedError
from shared.backup.orm.chunk_store import chunk_exists
from shared.backup.orm.clearing import do_clear_models
from shared.backup.orm.exporting import do_export_page
from shared.backup.orm.importing import ImportBatchRequest, do_import_batch
from shared.backup.orm.registry import SiloRegistry
from shared.backup.orm.undo import plan_undo, undo_chunk
from shared.rpc import codecs
from shared.rpc.gen.relocate.relocation.v1 import (
    relocation_service_pb2 as pb,
)
from shared.rpc.gen.relocate.relocation.v1 import (
    relocation_service_pb2_grpc as pb_grpc,
)

SERVICE_NAME = "relocate.relocation.v1.RelocationService"

ClearGuard = Callable[[str], None]
"""Refuses (raises) a Global import's clear aimed at the named region; runs inside the clear's
transaction. Control's refuses while other regions refer to it; a region's, when aimed elsewhere."""


class RelocationServicer(pb_grpc.RelocationServiceServicer):
    """One silo's RelocationService; errors are raised and mapped by the error interceptor."""

    def __init__(
        self,
        registry: SiloRegistry,
        chunk_model: type[models.Model],
        app_label: str,
        clear_guard: ClearGuard | None = None,
    ) -> None:
        self._registry = registry
        self._chunk_model = chunk_model
        self._app_label = app_label
        self._clear_guard = clear_guard

    @override
    def ListModels(
        self, request: pb.ListModelsRequest, context: grpc.ServicerContext
    ) -> pb.ListModelsResponse:
        """Describe this silo's relocatable models."""
        return pb.ListModelsResponse(
            silo=str(self._registry.silo),
            models=[codecs.encode_model_descriptor(d) for d in self._registry.descriptors()],
        )

    @override
    def ImportByModel(
        self, request: pb.ImportByModelRequest, context: grpc.ServicerContext
    ) -> pb.ImportByModelResponse:
        """Import one batch (idempotent by import uuid, model and min ordinal)."""
        chunk, replayed = do_import_batch(
            self._registry,
            self._chunk_model,
            ImportBatchRequest(
                model=request.model,
                scope=codecs.decode_operation_scope(request.scope),
                flags=codecs.decode_import_flags(request.flags),
                filters=[codecs.decode_filter(f) for f in request.filters],
                pk_map=codecs.decode_pk_map(request.pk_map),
                records_json=request.records_json,
                min_ordinal=request.min_ordinal,
            ),
        )
        return pb.ImportByModelResponse(chunk=codecs.encode_import_chunk(chunk), replayed=replayed)

    @override
    def ExportByModel(
        self, request: pb.ExportByModelRequest, context: grpc.ServicerContext
    ) -> pb.ExportByModelResponse:
        """Read one page of one model."""
        data, next_from_pk = do_export_page(
            self._registry,
            request.model,
            codecs.decode_operation_scope(request.scope),
            [codecs.decode_filter(f) for f in request.filters],
            request.from_pk,
            request.page_size,
        )
        return pb.ExportByModelResponse(records_json=data, next_from_pk=next_from_pk)

    @override
    def ClearModels(
        self, request: pb.ClearModelsRequest, context: grpc.ServicerContext
    ) -> pb.ClearModelsResponse:
        """Delete every row this silo owns (a Global import's first step), if the guard allows.

        A resumed import (the silo holds its chunks) cleared already: nothing is deleted and the
        guard is not asked again, since what was written since belongs to this import.
        """
        if not request.confirm:
            raise ClearNotConfirmedError(str(self._registry.silo))
        if request.import_uuid and chunk_exists(self._chunk_model, request.import_uuid):
            return pb.ClearModelsResponse(resumed=True)
        guard = (
            functools.partial(self._clear_guard, request.region_name)
            if self._clear_guard is not None
            else None
        )
        deleted = do_clear_models(self._app_label, guard=guard, validate_only=request.validate_only)
        return pb.ClearModelsResponse(deleted_rows=deleted, validated=request.validate_only)

    @override
    def PlanUndo(
        self, request: pb.PlanUndoRequest, context: grpc.ServicerContext
    ) -> pb.PlanUndoResponse:
        """This silo's chunks of an import and what refuses undoing them; changes nothing."""
        plan = plan_undo(
            self._registry,
            self._chunk_model,
            request.import_uuid,
            {rows.model: set(rows.pks) for rows in request.removed},
        )
        return pb.PlanUndoResponse(
            chunks=[
                pb.UndoChunkPlan(
                    model=c.model,
                    min_ordinal=c.min_ordinal,
                    inserted_pks=c.inserted,
                    restored_pks=c.restored,
                )
                for c in plan.chunks
            ],
            blockers=plan.blockers,
        )

    @override
    def UndoChunk(
        self, request: pb.UndoChunkRequest, context: grpc.ServicerContext
    ) -> pb.UndoChunkResponse:
        """Undo one chunk in one transaction (a no-op when it was undone already)."""
        done = undo_chunk(
            self._registry,
            self._chunk_model,
            request.import_uuid,
            request.model,
            request.min_ordinal,
        )
        return pb.UndoChunkResponse(
            deleted=done.deleted, restored=done.restored, already_undone=done.already_undone
        )
