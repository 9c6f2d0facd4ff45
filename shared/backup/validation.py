"""Validate every record against its model's field schemas before anything is written.

The silos validate again, but checking here first is what keeps a bad record from leaving an
import half-written: the first bad record fails the run before the first batch is sent.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from shared.backup.dependencies import DependencyGraph
from shared.backup.descriptors import FieldKind, FieldSchema, ModelDescriptor
from shared.backup.errors import InstanceInvalidError, UnknownModelError
from shared.backup.findings import Finding, FindingKind
from shared.backup.limits import INT64_MAX, INT64_MIN
from shared.backup.redaction import describe_value
from shared.backup.spool import Record
from shared.backup.streaming import ExportContents

_INTEGER_TEXT = re.compile(r"^-?\d+$")


def validate_contents(
    contents: ExportContents, graph: DependencyGraph, *, strict: bool = False
) -> list[Finding]:
    """Raise InstanceInvalidError for the first invalid record; return warning findings.

    Unknown models and unknown fields are warnings (the records or fields are skipped), or errors
    with ``strict``.
    """
    if strict and contents.unknown_models:
        name, count = sorted(contents.unknown_models.items())[0]
        raise UnknownModelError(name, detail=f"{count} record(s); --strict refuses unknown models")
    findings = contents.findings()
    for model in graph.sorted_models():
        records = contents.by_model.get(model)
        if records:
            findings.extend(_validate_model(graph.get(model), records, strict=strict))
    return findings


def _validate_model(
    desc: ModelDescriptor, records: Sequence[Record], *, strict: bool
) -> list[Finding]:
    schemas = desc.field_schemas
    known = {s.name for s in schemas} | {"id"}
    unknown: Counter[str] = Counter()
    for ordinal, record in enumerate(records, start=1):
        fields: dict[str, Any] = record["fields"]
        if record["pk"] < 1:
            raise InstanceInvalidError(
                desc.name,
                ordinal,
                f"primary key {record['pk']} is not positive (databases assign pks from 1)",
                pk=record["pk"],
            )
        for name in fields:
            if name not in known:
                if strict:
                    raise InstanceInvalidError(
                        desc.name, ordinal, "unknown field (--strict)", field=name, pk=record["pk"]
                    )
                unknown[name] += 1
        for schema in schemas:
            problem = _problem(schema, fields)
            if problem is not None:
                raise InstanceInvalidError(
                    desc.name, ordinal, problem, field=schema.name, pk=record["pk"]
                )
    return (
        [
            Finding(
                FindingKind.UNKNOWN_FIELD,
                desc.name,
                field=name,
                reason=f"{count} record(s) carried unknown field {name!r}; the field was dropped",
            )
            for name, count in sorted(unknown.items())
        ]
        if schemas
        else []
    )


def _problem(schema: FieldSchema, fields: dict[str, Any]) -> str | None:
    """What is wrong with one field's value, or None."""
    if schema.name not in fields:
        return "required field is missing" if schema.required else None
    value = fields[schema.name]
    if value is None:
        return None if schema.nullable else "may not be null"
    if not _has_kind(schema.kind, value):
        shown = describe_value(schema.name, value)
        return f"expected {schema.kind.value}, got {type(value).__name__} {shown}"
    if schema.max_length and isinstance(value, str) and len(value) > schema.max_length:
        return f"longer than {schema.max_length} characters"
    return _storage_problem(schema, value)


def _storage_problem(schema: FieldSchema, value: object) -> str | None:
    """What a database would refuse in a value of the right kind, or None."""
    if schema.kind is FieldKind.INTEGER and not _fits_int64(value):
        return "the integer does not fit in 64 bits"
    if _holds_nul(value):
        return "holds a NUL character (\\u0000), which the databases refuse"
    return None


def _fits_int64(value: object) -> bool:
    """Whether an integer, or its decimal text, fits a database's 64-bit column.

    Long text is refused before ``int()``, which will not parse more than 4300 digits.
    """
    if isinstance(value, str):
        if len(value.lstrip("-")) > len(str(INT64_MAX)):
            return False
        value = int(value)
    return not isinstance(value, int) or INT64_MIN <= value <= INT64_MAX


def _holds_nul(value: object) -> bool:
    """Whether a string anywhere in the value (keys included) holds a NUL character.

    The reader bounds nesting (``shared.backup.limits``), so recursion is shallow.
    """
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any("\x00" in k or _holds_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds_nul(v) for v in value)
    return False


def _is_integer(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_datetime(value: object) -> bool:
    if not isinstance(value, str):
        return False
    try:
        dt.datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


def _is_ip_address(value: object) -> bool:
    if not isinstance(value, str):
        return False
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


_KIND_CHECKS: dict[FieldKind, Callable[[object], bool]] = {
    # Bit flags come as decimal strings in real exports.
    FieldKind.INTEGER: lambda v: (
        _is_integer(v) or (isinstance(v, str) and bool(_INTEGER_TEXT.match(v)))
    ),
    FieldKind.REFERENCE: _is_integer,
    FieldKind.BOOLEAN: lambda v: isinstance(v, bool),
    FieldKind.FLOAT: lambda v: _is_integer(v) or isinstance(v, float),
    # Django's text fields take numbers too (they store their text).
    FieldKind.STRING: lambda v: isinstance(v, str | float) or _is_integer(v),
    FieldKind.DATETIME: _is_datetime,
    FieldKind.IP_ADDRESS: _is_ip_address,
    FieldKind.JSON: lambda v: True,
}


def _has_kind(kind: FieldKind, value: object) -> bool:
    """Whether a JSON value has the shape a field of this kind accepts."""
    return _KIND_CHECKS[kind](value)
