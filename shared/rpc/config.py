"""Frozen transport settings; only the composition roots build them, from Django settings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

_DEFAULT_MAX_MESSAGE_BYTES: Final = 64 * 1024 * 1024

# Clients ping an idle connection during long calls (an import batch may write for minutes)...
KEEPALIVE_TIME_MS: Final = 60_000
# ...and drop it when a ping goes unanswered this long.
KEEPALIVE_TIMEOUT_MS: Final = 20_000
# Servers accept pings this often; it must stay below KEEPALIVE_TIME_MS or they answer GOAWAY.
MIN_PING_INTERVAL_MS: Final = 30_000


@dataclass(frozen=True, slots=True)
class RpcServerConfig:
    """How a silo's gRPC server listens and authenticates its callers."""

    bind: str = "127.0.0.1:0"
    """Address to listen on; port 0 lets the OS pick a free port."""
    secrets: tuple[str, ...] = ()
    """Shared HMAC secrets accepted from callers; the server refuses to start without one."""
    max_workers: int = 8
    """Threads serving calls concurrently."""
    max_message_bytes: int = _DEFAULT_MAX_MESSAGE_BYTES
    """Largest message received or sent."""
    grace_s: float = 5.0
    """Seconds in-flight calls get to finish when the server stops."""


@dataclass(frozen=True, slots=True)
class RpcClientConfig:
    """How to reach another silo's gRPC server."""

    target: str
    """The server's ``host:port``."""
    secrets: tuple[str, ...]
    """Shared HMAC secrets; the first one signs calls."""
    deadline_s: float = 120.0
    """Deadline of every call, in seconds."""
    max_message_bytes: int = _DEFAULT_MAX_MESSAGE_BYTES
    """Largest message received or sent."""
