"""HMAC call signatures: a signing client interceptor and a verifying server interceptor.

Every call carries ``x-relocate-rpc-signature: v1:<unix_ts>:<hex hmac_sha256(secret,
"<full method>:<ts>")>``. The first secret of a list signs and every secret verifies, so secrets
rotate without downtime (Sentry's RPC_SHARED_SECRET scheme). Health checks are exempt so that
orchestrators and readiness probes need no secret.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

import grpc
from typing_extensions import override

from shared.rpc.errors import Reason, build_status

if TYPE_CHECKING:
    _ServerInterceptor = grpc.ServerInterceptor[object, object]
    _ClientInterceptor = grpc.UnaryUnaryClientInterceptor[object, object]
else:
    _ServerInterceptor = grpc.ServerInterceptor
    _ClientInterceptor = grpc.UnaryUnaryClientInterceptor

logger = logging.getLogger(__name__)

SIGNATURE_HEADER: Final = "x-relocate-rpc-signature"
SIGNATURE_VERSION: Final = "v1"
MAX_CLOCK_SKEW_S: Final = 300
HEALTH_METHOD_PREFIX: Final = "/grpc.health.v1.Health/"

Clock = Callable[[], float]


def _check_secrets(secrets: Sequence[str]) -> tuple[str, ...]:
    """Return ``secrets`` as a tuple; raise ValueError if there is none or one is empty."""
    if not secrets:
        raise ValueError("RPC authentication is mandatory: configure at least one shared secret")
    if any(not secret for secret in secrets):
        raise ValueError("RPC shared secrets must not be empty strings")
    return tuple(secrets)


def _digest(secret: str, method: str, timestamp: int) -> str:
    """Return the hex HMAC-SHA256 of ``"<method>:<timestamp>"`` under ``secret``."""
    payload = f"{method}:{timestamp}".encode()
    return hmac.new(secret.encode(), payload, hashlib.sha256).hexdigest()


def sign(secret: str, method: str, timestamp: int) -> str:
    """Return the signature header value for a call of ``method`` at ``timestamp``."""
    return f"{SIGNATURE_VERSION}:{timestamp}:{_digest(secret, method, timestamp)}"


def verify(
    secrets: Sequence[str],
    method: str,
    value: str | bytes | None,
    *,
    now: float,
    max_skew_s: float = MAX_CLOCK_SKEW_S,
) -> bool:
    """Whether ``value`` signs ``method`` with any of ``secrets`` within the allowed clock skew."""
    if value is None:
        return False
    if isinstance(value, bytes):
        try:
            value = value.decode("ascii")
        except UnicodeDecodeError:
            return False
    version, _, rest = value.partition(":")
    ts_text, _, given = rest.partition(":")
    if version != SIGNATURE_VERSION or not ts_text.isascii() or not ts_text.isdigit():
        return False
    timestamp = int(ts_text)
    if abs(now - timestamp) > max_skew_s:
        return False
    given_bytes = given.encode("utf-8", errors="replace")
    return any(
        hmac.compare_digest(_digest(secret, method, timestamp).encode(), given_bytes)
        for secret in secrets
    )


@dataclass(frozen=True, slots=True)
class _CallDetails(grpc.ClientCallDetails):
    """A copy of a call's details with different metadata."""

    method: str
    timeout: float | None
    metadata: grpc.Metadata | None
    credentials: grpc.CallCredentials | None
    wait_for_ready: bool | None
    compression: grpc.Compression | None


class SigningInterceptor(_ClientInterceptor):
    """Client interceptor adding the signature header to every unary-unary call."""

    def __init__(self, secrets: Sequence[str], *, clock: Clock = time.time) -> None:
        self._secret = _check_secrets(secrets)[0]
        self._clock = clock

    @override
    def intercept_unary_unary(
        self,
        continuation: Callable[[grpc.ClientCallDetails, object], grpc.CallFuture[object]],
        client_call_details: grpc.ClientCallDetails,
        request: object,
    ) -> grpc.CallFuture[object]:
        """Sign the call with the first secret and continue it."""
        method = client_call_details.method
        signature = sign(self._secret, method, int(self._clock()))
        metadata = (*(client_call_details.metadata or ()), (SIGNATURE_HEADER, signature))
        details = _CallDetails(
            method=method,
            timeout=client_call_details.timeout,
            metadata=metadata,
            credentials=client_call_details.credentials,
            wait_for_ready=client_call_details.wait_for_ready,
            compression=client_call_details.compression,
        )
        return continuation(details, request)


class SignatureVerifier(_ServerInterceptor):
    """Server interceptor refusing calls not signed with one of its secrets."""

    def __init__(
        self,
        secrets: Sequence[str],
        *,
        clock: Clock = time.time,
        max_skew_s: float = MAX_CLOCK_SKEW_S,
    ) -> None:
        self._secrets = _check_secrets(secrets)
        self._clock = clock
        self._max_skew_s = max_skew_s

    @override
    def intercept_service(
        self,
        continuation: Callable[
            [grpc.HandlerCallDetails], grpc.RpcMethodHandler[object, object] | None
        ],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler[object, object] | None:
        """Continue signed calls and health checks; answer the others UNAUTHENTICATED."""
        method = handler_call_details.method
        if method.startswith(HEALTH_METHOD_PREFIX):
            return continuation(handler_call_details)
        value = next(
            (v for k, v in handler_call_details.invocation_metadata if k == SIGNATURE_HEADER),
            None,
        )
        if verify(self._secrets, method, value, now=self._clock(), max_skew_s=self._max_skew_s):
            return continuation(handler_call_details)
        logger.warning(
            "relocation.rpc.signature_invalid",
            extra={"method": method, "signed": value is not None},
        )
        return _deny_handler(method)


def _deny_handler(method: str) -> grpc.RpcMethodHandler[object, object]:
    """Return a handler that aborts the call with UNAUTHENTICATED / RPC_SIGNATURE_INVALID.

    Why no deserializer: the request of a refused call is never looked at.
    """
    status = build_status(
        grpc.StatusCode.UNAUTHENTICATED,
        Reason.RPC_SIGNATURE_INVALID,
        "the call's RPC signature is missing, stale or made with an unknown secret",
        {"method": method},
    )

    def deny(request: object, context: grpc.ServicerContext) -> object:
        context.abort_with_status(status)

    return grpc.unary_unary_rpc_method_handler(deny)
