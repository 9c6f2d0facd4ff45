"""Per-method caps on a request's serialized size, checked on the raw bytes before parsing.

gRPC's ``max_receive_message_length`` is one figure for every method (64 MiB by default), and a
parsed ImportByModel request costs many times its wire size in memory. This interceptor swaps the
capped methods' deserializer for one that measures the bytes first: an oversized request is never
parsed, and the call is answered INVALID_ARGUMENT naming the method, the size and the cap.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

import grpc
from typing_extensions import override

from shared.backup.limits import MAX_BATCH_BYTES

if TYPE_CHECKING:
    _ServerInterceptor = grpc.ServerInterceptor[object, object]
    _Handler = grpc.RpcMethodHandler[object, object]
else:
    _ServerInterceptor = grpc.ServerInterceptor
    _Handler = grpc.RpcMethodHandler

# ImportByModel carries one batch (at most MAX_BATCH_BYTES of records) plus the pk map and
# filters the batch needs; as much again as the batch is room enough for those.
IMPORT_REQUEST_CAP: Final = 2 * MAX_BATCH_BYTES
DEFAULT_CAPS: Final = {"ImportByModel": IMPORT_REQUEST_CAP}


@dataclass(frozen=True, slots=True)
class _Oversized:
    size: int


class RequestSizeCap(_ServerInterceptor):
    """Refuses requests of the capped methods (by short name) larger than their cap, unparsed."""

    def __init__(self, caps: dict[str, int] | None = None) -> None:
        self._caps = dict(DEFAULT_CAPS if caps is None else caps)

    @override
    def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], _Handler | None],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> _Handler | None:
        handler = continuation(handler_call_details)
        method = handler_call_details.method
        name = method.rsplit("/", 1)[-1]
        cap = self._caps.get(name)
        if handler is None or cap is None or handler.unary_unary is None:
            return handler
        parse = handler.request_deserializer
        behaviour = handler.unary_unary

        def measured(raw: bytes) -> object:
            if len(raw) > cap:
                return _Oversized(len(raw))
            return parse(raw) if parse is not None else raw

        def capped(request: object, context: grpc.ServicerContext) -> object:
            if isinstance(request, _Oversized):
                context.abort(
                    grpc.StatusCode.INVALID_ARGUMENT,
                    f"{name} request of {request.size} bytes exceeds the {cap}-byte cap "
                    "(one batch and its references); send smaller batches",
                )
            return behaviour(request, context)

        return grpc.unary_unary_rpc_method_handler(
            capped,
            request_deserializer=measured,
            response_serializer=handler.response_serializer,
        )
