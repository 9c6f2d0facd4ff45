"""A RelocationService servicer for transport tests: every method but the one a test overrides
answers UNIMPLEMENTED (the generated servicer class declares them all abstract)."""

from __future__ import annotations

import grpc
from typing_extensions import override

from shared.rpc.gen.relocate.relocation.v1 import relocation_service_pb2_grpc as pb_grpc


def _unimplemented(context: grpc.ServicerContext) -> None:
    context.abort(grpc.StatusCode.UNIMPLEMENTED, "not in this test")


class UnimplementedRelocationServicer(pb_grpc.RelocationServiceServicer):
    """Subclass it and override what the test calls (usually ListModels)."""

    @override
    def ListModels(self, request, context):
        _unimplemented(context)

    @override
    def ImportByModel(self, request, context):
        _unimplemented(context)

    @override
    def ExportByModel(self, request, context):
        _unimplemented(context)

    @override
    def ClearModels(self, request, context):
        _unimplemented(context)

    @override
    def PlanUndo(self, request, context):
        _unimplemented(context)

    @override
    def UndoChunk(self, request, context):
        _unimplemented(context)
