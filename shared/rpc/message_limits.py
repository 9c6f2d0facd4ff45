"""Message size limits on the client side: a clear error naming the limit instead of gRPC's.

gRPC enforces ``grpc.max_send_message_length`` / ``grpc.max_receive_message_length`` on both
ends and reports a breach as RESOURCE_EXHAUSTED "larger than max (N vs. M)". This interceptor
refuses an oversized request before it is sent, and turns a breach reported by gRPC (the server
refusing the request, or the response exceeding this client's limit) into MessageTooLarge,
whose message names the limit, the method, the setting and what to do.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Final

import grpc
from google.protobuf.message import Message
from typing_extensions import override

from shared.rpc.config import MAX_MESSAGE_BYTES_ENV
from shared.rpc.errors import InvalidArgument, as_call

if TYPE_CHECKING:
    _ClientInterceptor = grpc.UnaryUnaryClientInterceptor[object, object]
else:
    _ClientInterceptor = grpc.UnaryUnaryClientInterceptor

# ErrorInfo-style reason of MessageTooLarge (it is raised on the client; no status carries it).
MESSAGE_TOO_LARGE: Final = "MESSAGE_TOO_LARGE"
# What gRPC's own size-limit errors say (core's "Sent/Received message larger than max").
_GRPC_SIZE_MARKER: Final = "larger than max"


class MessageTooLarge(InvalidArgument):
    """A request or response exceeded a message size limit; repeating the call cannot help.

    Why INVALID_ARGUMENT and not gRPC's RESOURCE_EXHAUSTED: that code is retried as transient,
    and an oversized message fails the same way every time.
    """


def _short(method: str) -> str:
    return method.rsplit("/", 1)[-1]


class MessageSizeInterceptor(_ClientInterceptor):
    """Client interceptor enforcing ``limit_bytes`` on requests and explaining size errors."""

    def __init__(self, target: str, limit_bytes: int) -> None:
        self._target = target
        self._limit = limit_bytes

    @override
    def intercept_unary_unary(
        self,
        continuation: Callable[[grpc.ClientCallDetails, object], grpc.CallFuture[object]],
        client_call_details: grpc.ClientCallDetails,
        request: object,
    ) -> grpc.CallFuture[object]:
        """Refuse an oversized request; rewrite gRPC's size errors as MessageTooLarge."""
        method = client_call_details.method
        if isinstance(request, Message):
            size = request.ByteSize()
            if size > self._limit:
                raise MessageTooLarge(
                    f"the {_short(method)} request to {self._target} is {size} bytes, over the "
                    f"{self._limit}-byte message limit ({MAX_MESSAGE_BYTES_ENV}); send smaller "
                    "batches (--batch-size) or raise the limit on the client and the silos",
                    reason=MESSAGE_TOO_LARGE,
                    metadata=self._metadata(method, size),
                )
        outcome = continuation(client_call_details, request)
        # Blocking calls come back completed; a failed one is its own exception.
        failure = outcome.exception() if outcome.done() else None
        call = as_call(failure) if isinstance(failure, grpc.RpcError) else None
        if call is not None:
            details = call.details() or ""
            if call.code() == grpc.StatusCode.RESOURCE_EXHAUSTED and _GRPC_SIZE_MARKER in details:
                raise MessageTooLarge(
                    f"the {_short(method)} call to {self._target} exceeded a message size limit "
                    f"({details}); this client's limit is {self._limit} bytes, and each side sets "
                    f"its own with {MAX_MESSAGE_BYTES_ENV}",
                    reason=MESSAGE_TOO_LARGE,
                    metadata=self._metadata(method, None),
                ) from failure
        return outcome

    def _metadata(self, method: str, size: int | None) -> dict[str, str]:
        out = {"method": method, "limitBytes": str(self._limit), "target": self._target}
        if size is not None:
            out["sizeBytes"] = str(size)
        return out
