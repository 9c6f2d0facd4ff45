"""make_channel(): the one way to open a channel to another silo."""

from __future__ import annotations

import grpc

from shared.rpc.auth import SigningInterceptor
from shared.rpc.config import KEEPALIVE_TIME_MS, KEEPALIVE_TIMEOUT_MS, RpcClientConfig
from shared.rpc.message_limits import MessageSizeInterceptor
from shared.rpc.tls import channel_credentials, tls_channel_options


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

    With ``cfg.tls`` the channel verifies the server's certificate against ``cfg.tls.ca`` and
    presents ``cfg.tls.cert``; without it the channel is plaintext (loopback or private networks
    only). Requests over ``cfg.max_message_bytes`` are refused before they are sent. Raises
    ValueError when ``cfg.secrets`` is empty (authentication is mandatory), ConfigurationError
    when a TLS file is unreadable or wrong.
    """
    signer = SigningInterceptor(cfg.secrets)
    options = channel_options(cfg)
    if cfg.tls is None:
        channel = grpc.insecure_channel(cfg.target, options=options)
    else:
        options = [*options, *tls_channel_options(cfg.tls)]
        channel = grpc.secure_channel(cfg.target, channel_credentials(cfg.tls), options=options)
    return grpc.intercept_channel(
        channel, MessageSizeInterceptor(cfg.target, cfg.max_message_bytes), signer
    )
