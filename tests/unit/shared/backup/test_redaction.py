"""Secrets are masked in messages, findings and log records."""

from __future__ import annotations

import io
import logging

import pytest

from shared.backup.descriptors import FieldKind, FieldSchema
from shared.backup.redaction import (
    MASK,
    RedactingFilter,
    describe_value,
    install_redaction,
    is_secret_field,
    mask_fields,
    redact_text,
)
from shared.backup.validation import _problem

HASH = "pbkdf2_sha256$600000$Zq8salt$R3allyS3cretHashValue="


@pytest.mark.parametrize(
    "name",
    [
        "password",
        "token",
        "hashed_token",
        "refresh_token",
        "client_secret",
        "secret_key",
        "public_key",
        "key",
        "session_nonce",
        "validation_hash",
        "token_hashed",
        "RPC_SECRET",
    ],
)
def test_secret_fields_are_recognised(name):
    assert is_secret_field(name)


@pytest.mark.parametrize(
    "name",
    [
        "username",
        "email",
        "slug",
        "name",
        "token_type",
        "token_last_characters",
        "is_password_expired",
        "last_password_change",
        "token_expires_at",
        "date_hash_added",
    ],
)
def test_fields_about_secrets_or_plain_data_are_not_secret(name):
    assert not is_secret_field(name)


def test_describe_value_masks_secret_fields_but_keeps_their_length():
    assert describe_value("password", HASH) == f"<masked, {len(HASH)} characters>"
    assert describe_value("token", 12345) == "<masked>"
    assert describe_value("username", "bob") == "'bob'"
    assert describe_value("name", "x" * 200) == repr("x" * 200)[:60]


def test_mask_fields_masks_only_secret_values():
    fields = {"username": "bob", "password": HASH, "token": "", "hashed_token": None}
    assert mask_fields(fields) == {
        "username": "bob",
        "password": MASK,
        "token": "",
        "hashed_token": None,
    }


@pytest.mark.parametrize(
    ("text", "leaked"),
    [
        (f"user row {HASH} failed", "R3allyS3cretHashValue"),
        ("DETAIL:  Key (token)=(tok_0123456789abcdef) already exists.", "tok_0123456789abcdef"),
        ("DETAIL:  Key (user_id, key)=(7, sk_live_abcdef) already exists.", "sk_live_abcdef"),
        ("{'password': 'hunter2hunter2', 'username': 'bob'}", "hunter2hunter2"),
        ('{"client_secret": "cs_abcdefgh", "name": "app"}', "cs_abcdefgh"),
        ("https://host/?api_key=abcdef123456&x=1", "abcdef123456"),
        ("refresh_token=rt_abcdef123 status=ok", "rt_abcdef123"),
    ],
)
def test_redact_text_masks_values_of_secret_fields(text, leaked):
    redacted = redact_text(text)
    assert leaked not in redacted
    assert MASK in redacted


def test_redact_text_masks_given_secret_strings_and_keeps_the_rest():
    text = "call signed with rpc-secret-0123456789 by slug=acme: Key (slug)=(acme) exists"
    redacted = redact_text(text, ["rpc-secret-0123456789"])
    assert redacted == f"call signed with {MASK} by slug=acme: Key (slug)=(acme) exists"


def test_redact_text_keeps_messages_that_only_name_a_secret_field():
    text = "sentry.user #3: field 'password': expected string, got int <masked>"
    assert redact_text(text) == text


def test_validation_message_for_a_secret_field_does_not_quote_the_value():
    problem = _problem(FieldSchema("password", FieldKind.STRING), {"password": [HASH]})
    assert problem is not None
    assert "R3allyS3cretHashValue" not in problem
    assert problem.startswith("expected string, got list <masked>")
    plain = _problem(FieldSchema("username", FieldKind.STRING), {"username": ["bob"]})
    assert plain == "expected string, got list ['bob']"


def _logger_with_buffer(secrets: list[str]) -> tuple[logging.Logger, io.StringIO]:
    buffer = io.StringIO()
    logger = logging.getLogger(f"test.redaction.{id(buffer)}")
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    logger.addHandler(handler)
    install_redaction(logger, secrets)
    return logger, buffer


def test_redacting_filter_masks_messages_arguments_and_tracebacks():
    logger, buffer = _logger_with_buffer(["the-rpc-secret-value"])
    logger.debug("signing with %s", "the-rpc-secret-value")
    try:
        raise RuntimeError(f"Key (token)=(tok_leaked_123) already exists; hash {HASH}")
    except RuntimeError:
        logger.exception("relocation.rpc.unhandled")
    out = buffer.getvalue()
    assert "the-rpc-secret-value" not in out
    assert "tok_leaked_123" not in out
    assert "R3allyS3cretHashValue" not in out
    assert "relocation.rpc.unhandled" in out
    assert "Traceback" in out
    assert out.count(MASK) >= 3


def test_redacting_filter_keeps_every_record():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "plain %s", ("text",), None)
    assert RedactingFilter(["secret-value"]).filter(record)
    assert record.getMessage() == "plain text"
