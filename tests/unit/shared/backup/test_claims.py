"""Claim links: the URL they carry, the base URLs accepted, and the hash kept out of reprs."""

from __future__ import annotations

import datetime as dt

import pytest

from shared.backup.claims import ClaimLink, check_base_url

LINK = ClaimLink(
    7, "alice", "alice@example.com", "Ab12Cd34", dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
)


@pytest.mark.parametrize("base", ["https://sentry.example.com", "https://sentry.example.com/"])
def test_the_url_is_sentrys_claim_page_under_the_base_url(base):
    assert LINK.url(base) == "https://sentry.example.com/account/relocation/confirm/7/Ab12Cd34/"


def test_a_base_url_with_a_path_keeps_it():
    assert LINK.url("http://host:9000/sentry") == (
        "http://host:9000/sentry/account/relocation/confirm/7/Ab12Cd34/"
    )


def test_the_hash_is_not_in_the_repr():
    assert "Ab12Cd34" not in repr(LINK)
    assert "alice" in repr(LINK)


@pytest.mark.parametrize(
    "base",
    [
        "sentry.example.com",
        "ftp://sentry.example.com",
        "https://",
        "https://h/?a=1",
        "https://h/#x",
    ],
)
def test_base_urls_that_cannot_prefix_a_link_are_refused(base):
    with pytest.raises(ValueError, match=r"URL|query"):
        check_base_url(base)
