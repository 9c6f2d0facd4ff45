"""Claim links survive the wire unchanged, expiry included (UTC)."""

from __future__ import annotations

import datetime as dt

from shared.backup.claims import ClaimLink
from shared.rpc.claims import decode_claim_link, encode_claim_link


def test_a_claim_link_round_trips():
    link = ClaimLink(
        3, "bob", "bob@example.com", "Zz99", dt.datetime(2026, 12, 5, 7, 0, 1, tzinfo=dt.UTC)
    )
    message = encode_claim_link(link)
    assert message.expire_time.seconds == int(link.expires_at.timestamp())
    assert decode_claim_link(message) == link


def test_an_expiry_in_another_zone_is_sent_as_the_same_instant():
    paris = dt.timezone(dt.timedelta(hours=1))
    link = ClaimLink(3, "bob", "", "Zz99", dt.datetime(2026, 12, 5, 8, 0, tzinfo=paris))
    decoded = decode_claim_link(encode_claim_link(link))
    assert decoded.expires_at == link.expires_at
    assert decoded.expires_at.tzinfo == dt.UTC
