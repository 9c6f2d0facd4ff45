"""Default values Sentry's models mint for a new row: dashed and hex uuids, hex secrets."""

from __future__ import annotations

import secrets
import uuid


def uuid_text() -> str:
    """A fresh dashed uuid4 (Sentry's UUIDField default)."""
    return str(uuid.uuid4())


def uuid_hex() -> str:
    """A fresh uuid4 as 32 hex characters (guids such as a service hook's)."""
    return uuid.uuid4().hex


def token_hex() -> str:
    """A fresh 64-hex-character secret (``secrets.token_hex()``)."""
    return secrets.token_hex()
