"""Claim links: how an imported, unclaimed user takes the account over (Sentry's relocation
"claim your account" email, whose link is backed by a ``LostPasswordHash``)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote, urlsplit

# The path of Sentry's relocation claim page (``sentry-account-relocate-confirm``), under which
# a claim URL carries the user's id and the claim hash.
CLAIM_PATH = "/account/relocation/confirm/{user_id}/{hash}/"


@dataclass(frozen=True, slots=True)
class ClaimLink:
    """One imported user's claim link, as control minted it; ``hash`` is a secret."""

    user_id: int
    """The user's id in control."""
    username: str
    """The user's username after the import."""
    email: str
    """Where the operator's mailer sends the link."""
    hash: str = dataclasses.field(repr=False)
    """The claim hash (shown once; control keeps only its SHA-256)."""
    expires_at: datetime
    """When the hash stops working (UTC)."""

    def url(self, base_url: str) -> str:
        """The claim URL of this link on the instance at ``base_url``."""
        path = CLAIM_PATH.format(user_id=self.user_id, hash=quote(self.hash, safe=""))
        return base_url.rstrip("/") + path


def check_base_url(base_url: str) -> str:
    """``base_url`` if it is an absolute http(s) URL without query or fragment, else ValueError."""
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(
            f"{base_url!r} is not an absolute http(s) URL such as https://sentry.example.com"
        )
    if parts.query or parts.fragment:
        raise ValueError(f"{base_url!r} must not carry a query or fragment")
    return base_url
