"""What a silo checks before it serves beyond its own host: a strong secret, and TLS.

A silo bound to a loopback address is reachable only from its host (``relocate dev up``, tests),
so any secret will do there. Bound to any other address it refuses a secret shorter than 32 bytes
or one of the example values the documentation shows, and warns, once at start, when it serves
without TLS (calls and exports cross the network readable).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from typing import Final

MIN_SECRET_BYTES: Final = 32
# Secrets printed in this project's documentation and examples: known to everyone.
EXAMPLE_SECRETS: Final = frozenset(
    {
        "change-me-dev-only-secret",
        "change-me",
        "s3cret",
        "secret",
        "dev-secret",
    }
)


def _host(bind: str) -> str:
    host, _, _port = bind.rpartition(":")
    return host.strip("[]") or bind


def is_loopback(bind: str) -> bool:
    """Whether ``host:port`` binds a loopback address only (127.0.0.0/8, ::1, localhost)."""
    host = _host(bind)
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def exposure_problem(bind: str, secrets: Sequence[str]) -> str | None:
    """Why a silo bound to ``bind`` must not serve with ``secrets``, or None."""
    if is_loopback(bind):
        return None
    for position, secret in enumerate(secrets, start=1):
        if secret in EXAMPLE_SECRETS:
            return (
                f"RELOCATE_RPC_SECRETS secret #{position} is an example value from the "
                f"documentation, and {bind} is reachable from other hosts: set a random secret "
                "(for example `python -c 'import secrets; print(secrets.token_hex(32))'`)"
            )
        if len(secret.encode()) < MIN_SECRET_BYTES:
            return (
                f"RELOCATE_RPC_SECRETS secret #{position} is {len(secret.encode())} bytes, and "
                f"{bind} is reachable from other hosts: use at least {MIN_SECRET_BYTES} random "
                "bytes (for example `python -c 'import secrets; print(secrets.token_hex(32))'`)"
            )
    return None


def plaintext_warning(bind: str, *, tls: bool) -> str | None:
    """The start-up warning of a silo serving without TLS beyond its host, or None."""
    if tls or is_loopback(bind):
        return None
    return (
        f"serving without TLS on {bind}, reachable from other hosts: calls and the records they "
        "carry cross the network readable; set RELOCATE_TLS_DIR (see `relocate dev certs`) or "
        "RELOCATE_TLS_CERT, RELOCATE_TLS_KEY and RELOCATE_TLS_CA"
    )
