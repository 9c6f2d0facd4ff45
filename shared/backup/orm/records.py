"""Export records <-> Django field values: decoding with validation, and export encoding."""

from __future__ import annotations

import datetime as dt
import decimal
import functools
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models

from shared.backup.errors import DeserializationFailedError, InstanceInvalidError
from shared.backup.orm.fields import CrossSiloRef, FlagsField
from shared.backup.pk_map import PkMapping


@dataclass(slots=True)
class DecodedRecord:
    """One record of a batch, its values converted to Python and keyed by field name."""

    ordinal: int
    old_pk: int
    values: dict[str, Any]
    unknown_fields: tuple[str, ...] = field(default=())
    references: dict[str, PkMapping] = field(default_factory=dict)
    """Reference field -> where the referenced record went (set while remapping)."""


def concrete_fields(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    """The model's non-pk concrete fields, in declaration order."""
    return [f for f in model._meta.concrete_fields if not f.primary_key]


_TEXT_TYPES = frozenset({str})
_INT_TYPES = frozenset({int})
_JSON_TYPES = frozenset({str, int, float, bool, dict, list})


@dataclass(frozen=True, slots=True)
class _FieldDecoder:
    """One field's decoding plan, worked out once per model instead of once per value."""

    field: models.Field[Any, Any]
    name: str
    passthrough: frozenset[type]
    """Value types that ``to_python`` would return unchanged (checked by exact type)."""
    max_length: int | None
    is_datetime: bool


def _plan(f: models.Field[Any, Any]) -> _FieldDecoder:
    """The decoding plan of one field: which JSON types pass as they are."""
    passthrough: frozenset[type] = frozenset()
    if isinstance(f, models.JSONField):
        passthrough = _JSON_TYPES
    elif isinstance(f, models.GenericIPAddressField):
        passthrough = frozenset()  # validated and normalized by Django
    elif isinstance(f, models.CharField | models.TextField):
        passthrough = _TEXT_TYPES
    elif isinstance(f, models.IntegerField | models.ForeignKey):
        passthrough = _INT_TYPES
    elif isinstance(f, models.BooleanField):
        passthrough = frozenset({bool})
    elif isinstance(f, models.FloatField):
        passthrough = frozenset({float})
    max_length = getattr(f, "max_length", None)
    return _FieldDecoder(
        field=f,
        name=f.name,
        passthrough=passthrough,
        max_length=max_length if str in passthrough and f.max_length is not None else None,
        is_datetime=isinstance(f, models.DateTimeField),
    )


@functools.cache
def _decoders(model: type[models.Model]) -> tuple[tuple[_FieldDecoder, ...], frozenset[str]]:
    """The model's field decoding plans, and the field names records may carry."""
    plans = tuple(_plan(f) for f in concrete_fields(model))
    return plans, frozenset(p.name for p in plans) | {"id"}


def decode_records(
    model: type[models.Model], wire_name: str, raws: Sequence[object], min_ordinal: int
) -> list[DecodedRecord]:
    """Validate and convert a batch of raw records; the first is at ``min_ordinal``."""
    return [decode_record(model, wire_name, raw, min_ordinal + i) for i, raw in enumerate(raws)]


def decode_record(
    model: type[models.Model], wire_name: str, raw: object, ordinal: int
) -> DecodedRecord:
    """Validate one raw export record of ``wire_name`` and convert its field values."""
    if type(raw) is not dict and not isinstance(raw, Mapping):
        raise DeserializationFailedError(wire_name, "record is not a JSON object", ordinal)
    found = raw.get("model")
    if not isinstance(found, str):
        raise DeserializationFailedError(wire_name, "record has no 'model' string", ordinal)
    pk = raw.get("pk")
    if not isinstance(pk, int) or isinstance(pk, bool):
        raise DeserializationFailedError(wire_name, f"'pk' is not an integer: {pk!r}", ordinal)
    fields = raw.get("fields")
    if type(fields) is not dict and not isinstance(fields, Mapping):
        raise DeserializationFailedError(wire_name, "record has no 'fields' object", ordinal)
    plans, known = _decoders(model)
    values: dict[str, Any] = {}
    for plan in plans:
        name = plan.name
        value = fields.get(name, _MISSING)
        kind = type(value)
        if kind in plan.passthrough:
            limit = plan.max_length
            if limit is not None and len(value) > limit:
                reason = f"longer than {limit} characters"
                raise InstanceInvalidError(wire_name, ordinal, reason, field=name, pk=pk)
            values[name] = value
        elif kind is str and plan.is_datetime:
            values[name] = _decode_datetime(plan.field, wire_name, ordinal, pk, value)
        else:
            values[name] = _decode_value(plan.field, wire_name, ordinal, pk, fields)
    unknown = fields.keys() - known
    return DecodedRecord(
        ordinal=ordinal,
        old_pk=pk,
        values=values,
        unknown_fields=tuple(sorted(unknown)) if unknown else (),
    )


class _Missing:
    """The marker of a field a record does not carry."""


_MISSING = _Missing()


def _decode_datetime(
    f: models.Field[Any, Any], model: str, ordinal: int, pk: int, value: str
) -> dt.datetime:
    """Parse an ISO 8601 timestamp (what Django's parser tries first), naive meaning UTC."""
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        converted = _decode_value(f, model, ordinal, pk, {f.name: value})
        if not isinstance(converted, dt.datetime):
            raise  # unreachable: DateTimeField.to_python returns datetimes or raises
        return converted
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=dt.UTC)


def _decode_value(
    f: models.Field[Any, Any], model: str, ordinal: int, pk: int, fields: Mapping[str, Any]
) -> Any:
    """Convert one field's value, or supply its default when the record lacks it."""
    if f.name not in fields:
        return _missing_value(f, model, ordinal, pk)
    value = fields[f.name]
    if value is None:
        if not f.null:
            raise InstanceInvalidError(model, ordinal, "may not be null", field=f.name, pk=pk)
        return None
    if isinstance(f, models.ForeignKey | CrossSiloRef):
        if not isinstance(value, int) or isinstance(value, bool):
            reason = f"reference must be an integer pk, got {value!r}"
            raise InstanceInvalidError(model, ordinal, reason, field=f.name, pk=pk)
        return value
    if isinstance(f, models.JSONField):
        return value
    try:
        converted = f.to_python(value)
    except ValidationError as exc:
        reason = "; ".join(exc.messages)
        raise InstanceInvalidError(model, ordinal, reason, field=f.name, pk=pk) from None
    if isinstance(f, models.GenericIPAddressField):
        try:
            f.run_validators(converted)
        except ValidationError as exc:
            reason = "; ".join(exc.messages)
            raise InstanceInvalidError(model, ordinal, reason, field=f.name, pk=pk) from None
    if isinstance(converted, dt.datetime) and converted.tzinfo is None:
        converted = converted.replace(tzinfo=dt.UTC)
    max_length = getattr(f, "max_length", None)
    if isinstance(converted, str) and max_length is not None and len(converted) > max_length:
        reason = f"longer than {max_length} characters"
        raise InstanceInvalidError(model, ordinal, reason, field=f.name, pk=pk)
    return converted


def _missing_value(f: models.Field[Any, Any], model: str, ordinal: int, pk: int) -> Any:
    """The value of a field the record lacks: its default, null, or "" for blank text."""
    if f.has_default():
        return f.get_default()
    if f.null:
        return None
    if isinstance(f, models.CharField | models.TextField) and f.blank:
        return ""
    raise InstanceInvalidError(model, ordinal, "required field is missing", field=f.name, pk=pk)


def format_datetime(value: dt.datetime) -> str:
    """Sentry's export spelling: UTC, milliseconds, ``Z``."""
    utc = value.astimezone(dt.UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def encode_value(f: models.Field[Any, Any], value: Any) -> Any:
    """Encode one stored value as export records carry it."""
    if value is None:
        return None
    if isinstance(f, FlagsField):
        return str(value)
    if isinstance(value, dt.datetime):
        return format_datetime(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    return value


def export_columns(model: type[models.Model]) -> tuple[list[models.Field[Any, Any]], list[str]]:
    """The fields to export and the column names to select for them (attnames)."""
    fields = concrete_fields(model)
    return fields, [f.attname for f in fields]


def encode_row(
    model_name: str, fields: list[models.Field[Any, Any]], row: tuple[Any, ...]
) -> dict[str, Any]:
    """Build one export record from a ``values_list("pk", *attnames)`` row."""
    return {
        "model": model_name,
        "pk": row[0],
        "fields": {f.name: encode_value(f, v) for f, v in zip(fields, row[1:], strict=True)},
    }
