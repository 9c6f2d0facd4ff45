"""Frozen transport settings; only the composition roots build them, from Django settings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final

DEFAULT_MAX_MESSAGE_BYTES: Final = 64 * 1024 * 1024
# The environment variable setting the message size limit of both servers and clients.
MAX_MESSAGE_BYTES_ENV: Final = "RELOCATE_RPC_MAX_MESSAGE_BYTES"

# Clients ping an idle connection during long calls (an import batch may write for minutes)...
KEEPALIVE_TIME_MS: Final = 60_000
# ...and drop it when a ping goes unanswered this long.
KEEPALIVE_TIMEOUT_MS: Final = 20_000
# Servers accept pings this often; it must stay below KEEPALIVE_TIME_MS or they answer GOAWAY.
MIN_PING_INTERVAL_MS: Final = 30_000


@dataclass(frozen=True, slots=True)
class TlsConfig:
    """Mutual TLS: this side's certificate and key, and the CA that signs the peer's certificate.

    A server built with it accepts only clients presenting a certificate signed by ``ca``; a
    channel built with it verifies the server's certificate against ``ca`` and presents ``cert``.
    """

    cert: Path
    """PEM certificate (chain) presented to the peer."""
    key: Path
    """PEM private key of ``cert``."""
    ca: Path
    """PEM certificate(s) of the authority the peer's certificate must be signed by."""
    server_name: str | None = None
    """Clients only: the name checked in the server's certificate instead of the target's host."""


@dataclass(frozen=True, slots=True)
class RpcServerConfig:
    """How a silo's gRPC server listens and authenticates its callers."""

    bind: str = "127.0.0.1:0"
    """Address to listen on; port 0 lets the OS pick a free port."""
    secrets: tuple[str, ...] = ()
    """Shared HMAC secrets accepted from callers; the server refuses to start without one."""
    max_workers: int = 8
    """Threads serving calls concurrently."""
    max_concurrent_rpcs: int = 32
    """Calls accepted at once (running or queued for a thread); more are answered
    RESOURCE_EXHAUSTED, which clients retry with backoff, instead of queueing without bound."""
    max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES
    """Largest message received or sent."""
    grace_s: float = 5.0
    """Seconds in-flight calls get to finish when the server stops."""
    tls: TlsConfig | None = None
    """Mutual TLS; None serves plaintext (loopback or a private network only)."""


@dataclass(frozen=True, slots=True)
class RpcClientConfig:
    """How to reach another silo's gRPC server."""

    target: str
    """The server's ``host:port``."""
    secrets: tuple[str, ...]
    """Shared HMAC secrets; the first one signs calls."""
    deadline_s: float = 120.0
    """Deadline of every call, in seconds."""
    max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES
    """Largest message received or sent."""
    tls: TlsConfig | None = None
    """Mutual TLS; None opens a plaintext channel."""


def max_message_bytes_from_env(env: Mapping[str, str]) -> int:
    """The message size limit in ``env`` (RELOCATE_RPC_MAX_MESSAGE_BYTES), else the default.

    Raises ValueError naming the variable when it is not a positive integer.
    """
    text = env.get(MAX_MESSAGE_BYTES_ENV, "").strip()
    if not text:
        return DEFAULT_MAX_MESSAGE_BYTES
    if not text.isdigit() or int(text) < 1:
        raise ValueError(
            f"{MAX_MESSAGE_BYTES_ENV} must be a positive number of bytes, got {text!r}"
        )
    return int(text)
