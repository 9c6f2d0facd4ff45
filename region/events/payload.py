"""Validating and normalizing a Sentry-style event payload (no Django, no database).

The accepted shape follows Sentry's event protocol for the fields the save path uses: event_id,
timestamp, platform, level, message (or logentry), exception, release, environment, tags,
contexts, and for transactions transaction, start_timestamp and spans. Other keys are kept as
they are. A payload that does not validate raises ``InvalidEventError`` naming the field, for
example ``spans.2.start_timestamp``.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

MAX_RELEASE_LENGTH = 250
MAX_ENVIRONMENT_LENGTH = 64
MAX_TAG_KEY_LENGTH = 32
MAX_TAG_VALUE_LENGTH = 200
LEVELS = ("fatal", "error", "warning", "info", "debug")
# Sentry's aliases for levels some SDKs send.
LEVEL_ALIASES = {"warn": "warning", "critical": "fatal", "log": "info"}
EVENT_TYPES = ("default", "error", "transaction")
_HEX32 = re.compile(r"^[0-9a-f]{32}$")
_HEX16 = re.compile(r"^[0-9a-f]{16}$")
_PLATFORM = re.compile(r"^[a-z][a-z0-9_.\-]{0,63}$")
_RESERVED_RELEASES = (".", "..", "latest")


class InvalidEventError(ValueError):
    """An event payload that cannot be saved, naming the field at fault."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"invalid event: field {field!r}: {reason}")
        self.field = field
        """The dotted path of the offending field (``tags.0``, ``spans.1.timestamp``)."""
        self.reason = reason
        """What is wrong with it."""


def _utc(value: dt.datetime) -> dt.datetime:
    """Naive datetimes are UTC, as in Sentry's protocol."""
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def format_timestamp(value: dt.datetime) -> str:
    """The normalized spelling of a timestamp: UTC, microseconds, ``Z``."""
    return _utc(value).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class _Span(BaseModel):
    """One span of a transaction."""

    model_config = ConfigDict(extra="allow")

    span_id: str
    trace_id: str | None = None
    parent_span_id: str | None = None
    op: str | None = None
    description: str | None = None
    start_timestamp: dt.datetime
    timestamp: dt.datetime

    @field_validator("span_id", "parent_span_id")
    @classmethod
    def _span_id(cls, value: str | None) -> str | None:
        if value is not None and not _HEX16.match(value.lower()):
            raise ValueError("must be 16 hexadecimal characters")
        return None if value is None else value.lower()

    @field_validator("trace_id")
    @classmethod
    def _trace_id(cls, value: str | None) -> str | None:
        if value is not None and not _HEX32.match(value.replace("-", "").lower()):
            raise ValueError("must be 32 hexadecimal characters")
        return None if value is None else value.replace("-", "").lower()

    @model_validator(mode="after")
    def _ordered(self) -> _Span:
        if _utc(self.timestamp) < _utc(self.start_timestamp):
            raise ValueError("timestamp (end) is before start_timestamp")
        return self


class _Payload(BaseModel):
    """The protocol fields the save path reads; unknown keys are kept as they are."""

    model_config = ConfigDict(extra="allow")

    event_id: str = Field(default_factory=lambda: uuid.uuid4().hex)
    timestamp: dt.datetime = Field(default_factory=lambda: dt.datetime.now(dt.UTC))
    type: str | None = None
    platform: str = "other"
    level: str | None = None
    message: str | None = None
    logentry: dict[str, Any] | None = None
    exception: Any = None
    release: str | None = None
    environment: str | None = None
    tags: Any = None
    contexts: dict[str, dict[str, Any]] | None = None
    transaction: str | None = None
    start_timestamp: dt.datetime | None = None
    spans: list[_Span] | None = None

    @field_validator("event_id")
    @classmethod
    def _event_id(cls, value: str) -> str:
        hex_id = value.replace("-", "").lower()
        if not _HEX32.match(hex_id):
            raise ValueError("must be a UUID or 32 hexadecimal characters")
        return hex_id

    @field_validator("platform")
    @classmethod
    def _platform(cls, value: str) -> str:
        if not _PLATFORM.match(value.lower()):
            raise ValueError("must be a lower-case platform name of at most 64 characters")
        return value.lower()

    @field_validator("level")
    @classmethod
    def _level(cls, value: str | None) -> str | None:
        if value is None:
            return None
        level = LEVEL_ALIASES.get(value.lower(), value.lower())
        if level not in LEVELS:
            raise ValueError(f"must be one of {', '.join(LEVELS)}")
        return level

    @field_validator("type")
    @classmethod
    def _type(cls, value: str | None) -> str | None:
        if value is not None and value not in EVENT_TYPES:
            raise ValueError(f"must be one of {', '.join(EVENT_TYPES)}")
        return value

    @field_validator("release")
    @classmethod
    def _release(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip()
        if not value or value in _RESERVED_RELEASES:
            raise ValueError("must not be empty, '.', '..' or 'latest'")
        if len(value) > MAX_RELEASE_LENGTH or any(c in value for c in "\r\n\t\x00/\\"):
            raise ValueError(
                f"must be at most {MAX_RELEASE_LENGTH} characters without slashes or newlines"
            )
        return value

    @field_validator("environment")
    @classmethod
    def _environment(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip()
        if not value:
            return None
        if len(value) > MAX_ENVIRONMENT_LENGTH or any(c in value for c in "\r\n\x00/"):
            raise ValueError(
                f"must be at most {MAX_ENVIRONMENT_LENGTH} characters without slashes or newlines"
            )
        return value


@dataclass(frozen=True, slots=True)
class NormalizedEvent:
    """A validated event: the columns the store keys and indexes, plus the normalized payload."""

    event_id: str
    """32 lower-case hexadecimal characters."""
    timestamp: dt.datetime
    """When the event happened (the end of a transaction), in UTC."""
    type: str
    """``default``, ``error`` or ``transaction``."""
    platform: str
    level: str
    message: str
    """The event's title: its message, its last exception, or its transaction name."""
    release: str | None
    environment: str | None
    data: dict[str, Any]
    """The whole normalized payload, as stored and as exported."""

    @property
    def day(self) -> dt.date:
        """The UTC day that, with project and event id, identifies the stored event."""
        return self.timestamp.date()


def normalize_event(payload: object) -> NormalizedEvent:
    """Validate and normalize one payload; raise InvalidEventError naming the first bad field."""
    if not isinstance(payload, dict):
        raise InvalidEventError("(payload)", "must be a JSON object")
    try:
        parsed = _Payload.model_validate(payload)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(payload)"
        raise InvalidEventError(where, first["msg"].removeprefix("Value error, ")) from None
    return _normalized(parsed)


def _normalized(p: _Payload) -> NormalizedEvent:
    """Fill defaults, check the cross-field rules and build the normalized payload."""
    exceptions = _exception_values(p.exception)
    event_type = p.type or (
        "transaction"
        if p.start_timestamp is not None or p.spans is not None
        else ("error" if exceptions else "default")
    )
    message = _message(p, exceptions, event_type)
    timestamp = _utc(p.timestamp)
    data: dict[str, Any] = p.model_dump(mode="json", exclude_none=True, exclude={"exception"})
    if event_type == "transaction":
        _check_transaction(p, timestamp)
        data["start_timestamp"] = format_timestamp(p.start_timestamp)  # type: ignore[arg-type]
        data["spans"] = [_span(s) for s in p.spans or ()]
    if exceptions:
        data["exception"] = {"values": exceptions}
    data.update(
        event_id=p.event_id,
        timestamp=format_timestamp(timestamp),
        type=event_type,
        level=p.level or ("info" if event_type == "transaction" else "error"),
        tags=_tags(p.tags),
    )
    return NormalizedEvent(
        event_id=p.event_id,
        timestamp=timestamp,
        type=event_type,
        platform=p.platform,
        level=data["level"],
        message=message,
        release=p.release,
        environment=p.environment,
        data=data,
    )


def _exception_values(value: object) -> list[Any]:
    """Sentry accepts ``{"values": [...]}`` or a bare list; each value needs a type or value."""
    if value is None:
        return []
    values = value.get("values") if isinstance(value, dict) else value
    if not isinstance(values, list):
        raise InvalidEventError("exception.values", "must be a list of exceptions")
    for i, item in enumerate(values):
        if not isinstance(item, dict) or not (item.get("type") or item.get("value")):
            raise InvalidEventError(f"exception.values.{i}", "needs a type or a value")
    return values


def _message(p: _Payload, exceptions: list[Any], event_type: str) -> str:
    """The event's title; a non-transaction event needs a message or an exception."""
    if event_type == "transaction":
        if not p.transaction:
            raise InvalidEventError("transaction", "a transaction event needs a transaction name")
        return p.transaction
    if p.message:
        return p.message
    logentry = p.logentry or {}
    text = logentry.get("formatted") or logentry.get("message")
    if isinstance(text, str) and text:
        return text
    if exceptions:
        last = exceptions[-1]
        kind, value = last.get("type"), last.get("value")
        return f"{kind}: {value}" if kind and value else str(kind or value)
    raise InvalidEventError("message", "an event needs a message, a logentry or an exception")


def _check_transaction(p: _Payload, end: dt.datetime) -> None:
    """A transaction needs a start no later than its end (``timestamp``)."""
    if p.start_timestamp is None:
        raise InvalidEventError("start_timestamp", "a transaction event needs a start timestamp")
    if _utc(p.start_timestamp) > end:
        raise InvalidEventError("start_timestamp", "is after the transaction's timestamp (end)")


def _span(span: _Span) -> dict[str, Any]:
    """One span with normalized timestamps."""
    out: dict[str, Any] = span.model_dump(mode="json", exclude_none=True)
    out["start_timestamp"] = format_timestamp(span.start_timestamp)
    out["timestamp"] = format_timestamp(span.timestamp)
    return out


def _tags(tags: object) -> list[list[str]]:
    """Tags as sorted ``[key, value]`` pairs, checked against Sentry's length limits."""
    if tags is None:
        return []
    if isinstance(tags, dict):
        raw: list[object] = [list(item) for item in tags.items()]
    elif isinstance(tags, list):
        raw = list(tags)
    else:
        raise InvalidEventError("tags", "must be an object or a list of [key, value] pairs")
    pairs: list[tuple[str, str]] = []
    for i, pair in enumerate(raw):
        if not (
            isinstance(pair, list | tuple)
            and len(pair) == 2
            and isinstance(pair[0], str)
            and isinstance(pair[1], str)
        ):
            raise InvalidEventError(f"tags.{i}", "must be a [key, value] pair of strings")
        key, value = pair[0], pair[1]
        if not key or len(key) > MAX_TAG_KEY_LENGTH:
            raise InvalidEventError(f"tags.{i}", f"key must be 1 to {MAX_TAG_KEY_LENGTH} chars")
        if len(value) > MAX_TAG_VALUE_LENGTH:
            raise InvalidEventError(
                f"tags.{key}", f"value must be at most {MAX_TAG_VALUE_LENGTH} characters"
            )
        pairs.append((key, value))
    return [[k, v] for k, v in sorted(pairs)]
