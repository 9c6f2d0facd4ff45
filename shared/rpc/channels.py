"""make_channel(): the one way to open a channel to another silo."""

from __future__ import annotations

import grpc

from shared.rpc.auth import SigningInterceptor
from shared.rpc.config import KEEPALIVE_TIME_MS, KEEPALIVE_TIMEOUT_MS, RpcClientConfig


def channel_options(cfg: RpcClientConfig) -> list[tuple[str, str | int]]:
    """Return the channel options: no channel-level retries, keepalive and size limits.

    Retries are the clients' tenacity policy (``shared.rpc.retries``); the channel's own retries,
    transparent ones included, are off so attempts never multiply.
    """
    return [
        ("grpc.enable_retries", 0),
        ("grpc.keepalive_time_ms", KEEPALIVE_TIME_MS),
        ("grpc.keepalive_timeout_ms", KEEPALIVE_TIMEOUT_MS),
        ("grpc.max_send_message_length", cfg.max_message_bytes),
        ("grpc.max_receive_message_length", cfg.max_message_bytes),
    ]


def make_channel(cfg: RpcClientConfig) -> grpc.Channel:
    """Open a channel to ``cfg.target`` whose calls are signed with ``cfg.secrets[0]``.

    Raises ValueError when ``cfg.secrets`` is empty: authentication is mandatory.
    """
    signer = SigningInterceptor(cfg.secrets)
    # TODO(#8): use TLS credentials; plaintext is acceptable only on loopback/private networks.
    channel = grpc.insecure_channel(cfg.target, options=channel_options(cfg))
    return grpc.intercept_channel(channel, signer)
