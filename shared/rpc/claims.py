"""Wire form of claim links (UserClaimService): encode/decode pairs."""

from __future__ import annotations

from datetime import UTC

from google.protobuf.timestamp_pb2 import Timestamp

from shared.backup.claims import ClaimLink
from shared.rpc.gen.relocate.control.v1 import user_claim_service_pb2 as pb


def encode_claim_link(link: ClaimLink) -> pb.ClaimLink:
    """A claim link's message."""
    expire_time = Timestamp()
    expire_time.FromDatetime(link.expires_at.astimezone(UTC))
    return pb.ClaimLink(
        user_id=link.user_id,
        username=link.username,
        email=link.email,
        hash=link.hash,
        expire_time=expire_time,
    )


def decode_claim_link(message: pb.ClaimLink) -> ClaimLink:
    """The claim link a message carries."""
    return ClaimLink(
        user_id=message.user_id,
        username=message.username,
        email=message.email,
        hash=message.hash,
        expires_at=message.expire_time.ToDatetime(tzinfo=UTC),
    )
