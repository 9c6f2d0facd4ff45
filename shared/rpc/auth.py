"""HMAC call signatures: a signing client interceptor and a verifying server interceptor.

Every call carries ``x-relocate-rpc-signature: v2:<unix_ts>:<nonce>:<hex hmac>``, the HMAC-SHA256
under the shared secret of ``"v2\\n<full method>\\n<ts>\\n<nonce>\\n<sha256 of the request>"``:

- the **method** and the **time** (within ±300 s of the server's clock);
- a **nonce** of 16 random bytes, new for every call (a retry signs again): a silo refuses a nonce
  it has already accepted inside the window, so a captured call cannot be replayed;
- the **request**: the SHA-256 of its deterministic protobuf serialization, so a captured
  signature does not sign another body (another batch of records).

The first secret of a list signs and every secret verifies, so secrets rotate without downtime
(Sentry's RPC_SHARED_SECRET scheme). Health checks are exempt so that orchestrators and readiness
probes need no secret. A streamed request cannot be hashed before the call starts: a streaming
method (this project serves none but health and reflection) is signed over method, time and nonce
with ``-`` for the request. Signatures of the first format (``v1``, method and time only) are
refused as outdated.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets as random_secrets
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

import grpc
from google.protobuf.message import Message
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
SIGNATURE_VERSION: Final = "v2"
OUTDATED_VERSIONS: Final = frozenset({"v1"})
MAX_CLOCK_SKEW_S: Final = 300
HEALTH_METHOD_PREFIX: Final = "/grpc.health.v1.Health/"
NONCE_BYTES: Final = 16
# The body digest a streaming call signs: its request is not known when the call starts.
STREAM_BODY: Final = "-"
# Nonces remembered at most (each for twice the skew window); a flood beyond it is refused.
MAX_REMEMBERED_NONCES: Final = 200_000

Clock = Callable[[], float]


def _check_secrets(secrets: Sequence[str]) -> tuple[str, ...]:
    """Return ``secrets`` as a tuple; raise ValueError if there is none or one is empty."""
    if not secrets:
        raise ValueError("RPC authentication is mandatory: configure at least one shared secret")
    if any(not secret for secret in secrets):
        raise ValueError("RPC shared secrets must not be empty strings")
    return tuple(secrets)


def body_digest(request: object) -> str:
    """The hex SHA-256 of a request: its deterministic protobuf serialization (or its bytes)."""
    if isinstance(request, Message):
        data = request.SerializeToString(deterministic=True)
    elif isinstance(request, bytes):
        data = request
    else:
        return STREAM_BODY
    return hashlib.sha256(data).hexdigest()


def _digest(secret: str, method: str, timestamp: int, nonce: str, body: str) -> str:
    """The hex HMAC-SHA256 of the signed text under ``secret``."""
    payload = f"{SIGNATURE_VERSION}\n{method}\n{timestamp}\n{nonce}\n{body}".encode()
    return hmac.new(secret.encode(), payload, hashlib.sha256).hexdigest()


def new_nonce() -> str:
    """A fresh nonce: 16 random bytes in hex."""
    return random_secrets.token_hex(NONCE_BYTES)


def sign(secret: str, method: str, timestamp: int, nonce: str, body: str) -> str:
    """The signature header value of a call of ``method`` at ``timestamp`` with ``nonce``,
    whose request has the digest ``body`` (``body_digest``)."""
    return (
        f"{SIGNATURE_VERSION}:{timestamp}:{nonce}:{_digest(secret, method, timestamp, nonce, body)}"
    )


@dataclass(frozen=True, slots=True)
class Signature:
    """A parsed signature header."""

    timestamp: int
    nonce: str
    digest: str


class SignatureRefused(Exception):  # noqa: N818 - a verdict, raised and caught within this module
    """Why a signature header is refused: the reason and a message for the caller."""

    def __init__(self, reason: Reason, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


_INVALID = "the call's RPC signature is missing, stale or made with an unknown secret"


def parse(value: str | bytes | None, *, now: float, max_skew_s: float) -> Signature:
    """The header's parts, within the clock window; raise SignatureRefused otherwise."""
    if isinstance(value, bytes):
        try:
            value = value.decode("ascii")
        except UnicodeDecodeError:
            raise SignatureRefused(Reason.RPC_SIGNATURE_INVALID, _INVALID) from None
    if value is None:
        raise SignatureRefused(Reason.RPC_SIGNATURE_INVALID, _INVALID)
    version, _, rest = value.partition(":")
    if version in OUTDATED_VERSIONS:
        raise SignatureRefused(
            Reason.RPC_SIGNATURE_OUTDATED,
            f"the call is signed in the outdated format {version} (method and time only); "
            f"this silo accepts {SIGNATURE_VERSION} signatures, which bind a nonce and the "
            "request: upgrade the client",
        )
    parts = rest.split(":")
    if version != SIGNATURE_VERSION or len(parts) != 3:
        raise SignatureRefused(Reason.RPC_SIGNATURE_INVALID, _INVALID)
    ts_text, nonce, digest = parts
    if not (ts_text.isascii() and ts_text.isdigit()) or not _is_hex(nonce, 2 * NONCE_BYTES):
        raise SignatureRefused(Reason.RPC_SIGNATURE_INVALID, _INVALID)
    timestamp = int(ts_text)
    if abs(now - timestamp) > max_skew_s:
        raise SignatureRefused(Reason.RPC_SIGNATURE_INVALID, _INVALID)
    return Signature(timestamp, nonce, digest)


def _is_hex(text: str, length: int) -> bool:
    return len(text) == length and all(c in "0123456789abcdef" for c in text)


def verify(
    secrets: Sequence[str],
    method: str,
    value: str | bytes | None,
    body: str,
    *,
    now: float,
    max_skew_s: float = MAX_CLOCK_SKEW_S,
) -> Signature:
    """The signature in ``value`` if it signs ``method`` and a request of digest ``body`` with
    one of ``secrets`` within the clock window; raise SignatureRefused otherwise."""
    signature = parse(value, now=now, max_skew_s=max_skew_s)
    given = signature.digest.encode("utf-8", errors="replace")
    if not any(
        hmac.compare_digest(
            _digest(secret, method, signature.timestamp, signature.nonce, body).encode(), given
        )
        for secret in secrets
    ):
        raise SignatureRefused(Reason.RPC_SIGNATURE_INVALID, _INVALID)
    return signature


class NonceCache:
    """The nonces accepted in the last ``2 x window`` seconds, bounded in number.

    A nonce is kept until its signature's time leaves the window (a signature is valid from
    ``ts - window`` to ``ts + window``), so a replay is refused for as long as it would verify.
    """

    def __init__(self, window_s: float, max_entries: int = MAX_REMEMBERED_NONCES) -> None:
        self._window_s = window_s
        self._max_entries = max_entries
        self._expiry: dict[str, float] = {}
        self._order: deque[tuple[float, str]] = deque()
        self._lock = threading.Lock()

    def claim(self, nonce: str, timestamp: int, now: float) -> Reason | None:
        """Remember ``nonce``; the refusal reason if it was seen already or the cache is full."""
        with self._lock:
            self._evict(now)
            if nonce in self._expiry:
                return Reason.RPC_SIGNATURE_REPLAYED
            if len(self._expiry) >= self._max_entries:
                return Reason.RPC_NONCE_CACHE_FULL
            expires = max(timestamp + self._window_s, now) + 1
            self._expiry[nonce] = expires
            self._order.append((expires, nonce))
            return None

    def _evict(self, now: float) -> None:
        while self._order and self._order[0][0] < now:
            _, nonce = self._order.popleft()
            self._expiry.pop(nonce, None)

    def __len__(self) -> int:
        with self._lock:
            return len(self._expiry)


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
        """Sign the call (method, time, a new nonce, the request) and continue it."""
        method = client_call_details.method
        signature = sign(
            self._secret, method, int(self._clock()), new_nonce(), body_digest(request)
        )
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
    """Server interceptor refusing calls not signed with one of its secrets, signed for another
    request, or replayed."""

    def __init__(
        self,
        secrets: Sequence[str],
        *,
        clock: Clock = time.time,
        max_skew_s: float = MAX_CLOCK_SKEW_S,
        max_nonces: int = MAX_REMEMBERED_NONCES,
    ) -> None:
        self._secrets = _check_secrets(secrets)
        self._clock = clock
        self._max_skew_s = max_skew_s
        self.nonces = NonceCache(max_skew_s, max_nonces)

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
        try:
            parse(value, now=self._clock(), max_skew_s=self._max_skew_s)
        except SignatureRefused as refused:
            return self._deny(method, refused, signed=value is not None)
        handler = continuation(handler_call_details)
        if handler is None:
            return None
        if handler.request_streaming or handler.unary_unary is None:
            try:
                self._accept(method, value, STREAM_BODY)
            except SignatureRefused as refused:
                return self._deny(method, refused, signed=True)
            return handler
        return self._checking_body(method, value, handler)

    def _accept(self, method: str, value: str | bytes | None, body: str) -> None:
        """Verify the signature over ``body`` and claim its nonce; raise SignatureRefused."""
        now = self._clock()
        signature = verify(self._secrets, method, value, body, now=now, max_skew_s=self._max_skew_s)
        refusal = self.nonces.claim(signature.nonce, signature.timestamp, now)
        if refusal is Reason.RPC_SIGNATURE_REPLAYED:
            raise SignatureRefused(
                refusal, "the call's nonce was seen already: a signed call is accepted once"
            )
        if refusal is not None:
            raise SignatureRefused(
                refusal, "too many calls inside the signature window; try again shortly"
            )

    def _checking_body(
        self,
        method: str,
        value: str | bytes | None,
        handler: grpc.RpcMethodHandler[object, object],
    ) -> grpc.RpcMethodHandler[object, object]:
        """The handler, behind a check that the signature signs this very request."""
        behavior = handler.unary_unary
        assert behavior is not None  # noqa: S101 - checked by the caller

        def checked(request: object, context: grpc.ServicerContext) -> object:
            try:
                self._accept(method, value, body_digest(request))
            except SignatureRefused as refused:
                _log_refusal(method, refused, signed=True)
                context.abort_with_status(_status(method, refused))
            return behavior(request, context)

        return grpc.unary_unary_rpc_method_handler(
            checked,
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )

    def _deny(
        self, method: str, refused: SignatureRefused, *, signed: bool
    ) -> grpc.RpcMethodHandler[object, object]:
        _log_refusal(method, refused, signed=signed)
        return _deny_handler(method, refused)


def _log_refusal(method: str, refused: SignatureRefused, *, signed: bool) -> None:
    logger.warning(
        "relocation.rpc.signature_invalid",
        extra={"method": method, "signed": signed, "reason": refused.reason.value},
    )


def _status(method: str, refused: SignatureRefused) -> grpc.Status:
    code = (
        grpc.StatusCode.UNAVAILABLE
        if refused.reason is Reason.RPC_NONCE_CACHE_FULL
        else grpc.StatusCode.UNAUTHENTICATED
    )
    return build_status(code, refused.reason, refused.message, {"method": method})


def _deny_handler(method: str, refused: SignatureRefused) -> grpc.RpcMethodHandler[object, object]:
    """Return a handler that aborts the call with the refusal's status.

    Why no deserializer: the request of a refused call is never looked at.
    """
    status = _status(method, refused)

    def deny(request: object, context: grpc.ServicerContext) -> object:
        context.abort_with_status(status)

    return grpc.unary_unary_rpc_method_handler(deny)
