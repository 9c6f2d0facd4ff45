"""Django glue for RPC: connection hygiene around served calls, and no RPC inside atomic().

Why: gRPC's thread pool bypasses Django's request signals, so stale or broken connections must be
closed around each call by hand; and an outgoing RPC inside a transaction would hold its locks
for a network round trip and break the silo boundary's atomicity assumptions (Sentry's "called
inside transaction!" guard).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import grpc
from django.db import close_old_connections, connection
from typing_extensions import override

from shared.rpc.clients import set_pre_call_check

if TYPE_CHECKING:
    _ServerInterceptor = grpc.ServerInterceptor[object, object]
else:
    _ServerInterceptor = grpc.ServerInterceptor


class DjangoConnectionInterceptor(_ServerInterceptor):
    """Call ``close_old_connections()`` before and after each unary-unary call."""

    @override
    def intercept_service(
        self,
        continuation: Callable[
            [grpc.HandlerCallDetails], grpc.RpcMethodHandler[object, object] | None
        ],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler[object, object] | None:
        """Wrap the unary-unary handler of the call, if it has one; others pass through."""
        handler = continuation(handler_call_details)
        if handler is None or handler.unary_unary is None:
            return handler
        behavior = handler.unary_unary

        def with_fresh_connections(request: object, context: grpc.ServicerContext) -> object:
            close_old_connections()
            try:
                return behavior(request, context)
            finally:
                close_old_connections()

        return grpc.unary_unary_rpc_method_handler(
            with_fresh_connections,
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )


def assert_not_in_atomic() -> None:
    """Raise RuntimeError if the default database connection is inside ``atomic()``."""
    if connection.in_atomic_block:
        raise RuntimeError("RPC called inside transaction!")


def install_rpc_transaction_guard() -> None:
    """Make every client call in this process check that it is not inside ``atomic()``."""
    set_pre_call_check(assert_not_in_atomic)
