"""Masking secrets out of messages, findings and logs.

One rule decides which export fields are secret: their names (password hashes, API and auth
tokens, keys, nonces, hashes), the same families ``backup sanitize`` replaces. Messages that
quote a value use ``describe_value`` so a secret field's value is never spelled; text that may
quote values we did not format ourselves (database errors, tracebacks, gRPC details) goes
through ``redact_text``, which also masks known secret strings such as the RPC secrets. Silo
processes install ``RedactingFilter`` on their log handlers.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from typing import Final

from typing_extensions import override

MASK: Final = "********"

# Name fragments and exact names of fields holding secrets (``backup sanitize`` uses them too).
_SECRET_PARTS: Final = (
    "password",
    "token",
    "secret",
    "hash",
    "_key",
    "key_",
    "nonce",
    "client_id",
    "relay_id",
)
_EXACT_SECRETS: Final = frozenset({"key", "public_key", "secret_key", "session_nonce", "dsn"})
# Fields whose names say nothing of the secrets they hold: a second factor's TOTP seed or
# recovery codes, instance options (mail passwords, API keys), integration credentials.
SECRET_FIELDS_BY_MODEL: Final = frozenset(
    {
        ("sentry.authenticator", "config"),
        ("sentry.option", "value"),
        ("sentry.controloption", "value"),
        ("sentry.integration", "metadata"),
        ("sentry.organizationintegration", "config"),
        ("sentry.projectintegration", "config"),
        ("sentry.authprovider", "config"),
        ("sentry.authidentity", "data"),
    }
)
# Suffixes of fields *about* a secret (its type, dates, last characters), which are not secret.
_ABOUT_SECRET: Final = ("_type", "_at", "_added", "_expired", "_change", "_last_characters")
# Known secrets shorter than this are not masked as literals (they would mask ordinary words).
_MIN_LITERAL = 6

# Django password hashes: ``<algorithm>$<params...>``.
_PASSWORD_HASH = re.compile(
    r"\b(pbkdf2_sha256|pbkdf2_sha1|argon2|bcrypt_sha256|bcrypt|scrypt|sha1|md5|unsalted_md5"
    r"|unsalted_sha1|crypt)\$[^\s'\",)\]}]+"
)
# PostgreSQL's unique-violation detail: ``Key (col, col)=(value, value) already exists``.
_PG_KEY_DETAIL = re.compile(r"Key \((?P<cols>[^)]*)\)=\((?P<vals>.*?)\)(?= already| is not|$)")
# ``name=value`` (query strings, DSNs, key=value logs).
_ASSIGNMENT = re.compile(
    r"\b(?P<name>[A-Za-z_][\w-]*)(?P<sep>=)(?P<value>'[^']*'|\"[^\"]*\"|[^\s,;&)}\]]+)"
)
# ``'name': 'value'`` and ``"name": "value"`` (dict reprs and JSON).
_QUOTED_PAIR = re.compile(
    r"(?P<q>['\"])(?P<name>[A-Za-z_][\w-]*)(?P=q)(?P<sep>\s*:\s*)(?P<value>'[^']*'|\"[^\"]*\")"
)


def is_secret_field(name: str) -> bool:
    """Whether an export field (or setting) of this name holds a secret.

    By name alone, so it errs towards masking: ``key`` is an API key in ``sentry.apikey`` but an
    option's name in ``sentry.option``, and both are masked.
    """
    lowered = name.lower().replace("-", "_")
    if lowered.endswith(_ABOUT_SECRET):
        return False
    return lowered in _EXACT_SECRETS or any(part in lowered for part in _SECRET_PARTS)


def is_secret(model: str, field: str) -> bool:
    """Whether this model's field holds a secret: by its name, or as the model uses it."""
    return (model, field) in SECRET_FIELDS_BY_MODEL or is_secret_field(field)


def describe_value(field: str, value: object, width: int = 60) -> str:
    """A value as a message may quote it: its repr cut to ``width``, or masked for a secret field.

    A secret's description keeps its length, enough to diagnose a wrong shape.
    """
    if is_secret_field(field):
        size = f", {len(value)} characters" if isinstance(value, str | bytes) else ""
        return f"<masked{size}>"
    return f"{value!r:.{width}}"


def mask_fields(fields: Mapping[str, object]) -> dict[str, object]:
    """A copy of a record's fields with every secret field's value replaced by MASK."""
    return {
        name: (MASK if is_secret_field(name) and value not in (None, "") else value)
        for name, value in fields.items()
    }


def _mask_pair(match: re.Match[str]) -> str:
    if not is_secret_field(match["name"]):
        return match[0]
    value = match["value"]
    quote = value[0] if value[:1] in ("'", '"') else ""
    return f"{match[0][: match.start('value') - match.start()]}{quote}{MASK}{quote}"


def _mask_pg_detail(match: re.Match[str]) -> str:
    columns = [c.strip().strip('"') for c in match["cols"].split(",")]
    if not any(is_secret_field(c) for c in columns):
        return match[0]
    return f"Key ({match['cols']})=({MASK})"


def redact_text(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with secrets masked: the given secret strings, password hashes, and the values
    of secret-named fields in ``name=value`` pairs and PostgreSQL key details."""
    for secret in sorted({s for s in secrets if len(s) >= _MIN_LITERAL}, key=len, reverse=True):
        text = text.replace(secret, MASK)
    text = _PASSWORD_HASH.sub(lambda m: f"{m[1]}${MASK}", text)
    text = _PG_KEY_DETAIL.sub(_mask_pg_detail, text)
    text = _QUOTED_PAIR.sub(_mask_pair, text)
    return _ASSIGNMENT.sub(_mask_pair, text)


class RedactingFilter(logging.Filter):
    """Log filter masking secrets in a record's message, traceback and stack before output.

    Attach it to handlers (a logger's filter does not see records propagated from children).
    """

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self._secrets = tuple(secrets)
        self._formatter = logging.Formatter()

    @override
    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record in place; always keep it."""
        record.msg = redact_text(record.getMessage(), self._secrets)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact_text(record.exc_text, self._secrets)
        if record.stack_info:
            record.stack_info = redact_text(record.stack_info, self._secrets)
        return True


def install_redaction(logger: logging.Logger, secrets: Iterable[str] = ()) -> RedactingFilter:
    """Add one RedactingFilter to every handler of ``logger`` (the root logger of a silo)."""
    redacting = RedactingFilter(secrets)
    for handler in logger.handlers:
        handler.addFilter(redacting)
    return redacting
