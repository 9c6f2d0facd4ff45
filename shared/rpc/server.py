"""build_server(): a gRPC server with auth, error mapping and health; and a SIGTERM drain."""

from __future__ import annotations

import logging
import signal
import threading
import weakref
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from types import FrameType

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from shared.rpc.auth import SignatureVerifier
from shared.rpc.config import MIN_PING_INTERVAL_MS, RpcServerConfig
from shared.rpc.errors import ErrorInterceptor
from shared.rpc.request_caps import RequestSizeCap
from shared.rpc.tls import server_credentials

logger = logging.getLogger(__name__)

# The health servicer of each built server, so that serve_until_signalled can drain it.
_HEALTH: weakref.WeakKeyDictionary[grpc.Server, health.HealthServicer] = weakref.WeakKeyDictionary()


def server_options(cfg: RpcServerConfig) -> list[tuple[str, int]]:
    """Return the server options: size limits, accepted keepalive pings, an exclusive port.

    Why no SO_REUSEPORT: with it a second server could silently share a busy port.
    """
    return [
        ("grpc.so_reuseport", 0),
        ("grpc.max_send_message_length", cfg.max_message_bytes),
        ("grpc.max_receive_message_length", cfg.max_message_bytes),
        ("grpc.http2.min_ping_interval_without_data_ms", MIN_PING_INTERVAL_MS),
    ]


def build_server(
    cfg: RpcServerConfig,
    register: Sequence[Callable[[grpc.Server], None]],
    service_names: Sequence[str],
    *,
    extra_interceptors: Sequence[grpc.ServerInterceptor[object, object]] = (),
) -> tuple[grpc.Server, int]:
    """Build (but do not start) a server bound to ``cfg.bind``; return it and its port.

    Interceptors run in the order: request size caps, signature check, error mapping, then
    ``extra_interceptors``
    (for example ``DjangoConnectionInterceptor``). ``register`` callables add the servicers;
    health reports ``""`` and every name in ``service_names`` as SERVING. With ``cfg.tls`` the
    port is TLS-only and every client must present a certificate signed by ``cfg.tls.ca``.
    Raises ValueError without secrets, ConfigurationError when a TLS file is unreadable or
    wrong, and OSError when the address cannot be bound.
    """
    credentials = server_credentials(cfg.tls) if cfg.tls is not None else None
    # The size cap runs first so that an oversized request is never parsed, not even to check
    # the signature over it (which needs the parsed request).
    interceptors: list[grpc.ServerInterceptor[object, object]] = [
        RequestSizeCap(),
        SignatureVerifier(cfg.secrets),
        ErrorInterceptor(),
        *extra_interceptors,
    ]
    server = grpc.server(
        ThreadPoolExecutor(max_workers=cfg.max_workers, thread_name_prefix="relocate-rpc"),
        interceptors=interceptors,
        options=server_options(cfg),
        maximum_concurrent_rpcs=cfg.max_concurrent_rpcs,
    )
    health_servicer = health.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    for add in register:
        add(server)
    for name in ("", *service_names):
        health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    try:
        if credentials is None:
            port = server.add_insecure_port(cfg.bind)
        else:
            port = server.add_secure_port(cfg.bind, credentials)
    except RuntimeError as err:
        raise OSError(f"cannot bind the gRPC server to {cfg.bind!r}") from err
    if port == 0:
        raise OSError(f"cannot bind the gRPC server to {cfg.bind!r}")
    _HEALTH[server] = health_servicer
    return server, port


def serve_until_signalled(server: grpc.Server, grace_s: float) -> None:
    """Block until SIGTERM or SIGINT, then report NOT_SERVING and stop with ``grace_s``.

    Must run on the main thread (Python only delivers signals there). The previous handlers are
    restored before returning.
    """
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        logger.info("relocation.rpc.signalled", extra={"signal": signal.Signals(signum).name})
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        stop.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    health_servicer = _HEALTH.get(server)
    if health_servicer is not None:
        health_servicer.enter_graceful_shutdown()
    logger.info("relocation.rpc.stopping", extra={"grace_s": grace_s})
    server.stop(grace_s).wait()
    logger.info("relocation.rpc.stopped")
