"""Export records built by PostgreSQL itself: one ``json_build_object`` per row.

Why: encoding every value of every row in Python (``encode_row`` then ``orjson.dumps``) cost the
silos most of an export's time; the database writes the same records several times faster.
The SQL mirrors ``encode_value`` field kind by field kind (flags as decimal strings, datetimes
in UTC with milliseconds and ``Z``, dates, decimals and UUIDs as strings, whole floats with
``.0``, JSON as stored, the rest as JSON scalars), and a test holds both paths to the same records.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections, models

from shared.backup.orm.fields import FlagsField
from shared.backup.orm.records import concrete_fields

# json_build_object takes at most 100 arguments: 50 key/value pairs.
MAX_FIELDS = 50
_DATETIME = """to_char({c} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')"""


def supports_json_pages(model: type[models.Model]) -> bool:
    """Whether the database can build this model's records (PostgreSQL, not too many fields)."""
    connection = connections[model._base_manager.db]
    return connection.vendor == "postgresql" and len(concrete_fields(model)) < MAX_FIELDS


def _expression(f: models.Field[Any, Any], column: str) -> str:
    """The SQL of one field's export value, ``encode_value``'s rules."""
    if isinstance(f, FlagsField):
        return f"{column}::text"
    if isinstance(f, models.DateTimeField):
        return _DATETIME.format(c=column)
    if isinstance(f, models.DateField):
        return f"to_char({column}, 'YYYY-MM-DD')"
    if isinstance(f, models.DecimalField | models.UUIDField):
        return f"{column}::text"
    if isinstance(f, models.FloatField):
        # PostgreSQL writes a whole float as "100"; Python and Sentry's exports write "100.0".
        return (
            f"CASE WHEN {column}::text ~ '^-?[0-9]+$' THEN ({column}::text || '.0')::json"
            f" ELSE to_json({column}) END"
        )
    return column


def json_page(model_name: str, qs: models.QuerySet[Any], limit: int) -> list[tuple[int, str]]:
    """(pk, record JSON) of the first ``limit`` rows of ``qs`` in pk order."""
    fields = concrete_fields(qs.model)
    inner = qs.order_by("pk").values_list("pk", *(f.attname for f in fields))[:limit]
    try:
        sql, params = inner.query.sql_with_params()
    except EmptyResultSet:  # a filter with no values: Django knows no row can match
        return []
    aliases = ["pk", *(f"c{i}" for i in range(len(fields)))]
    pairs = ", ".join(f"'{f.name}', {_expression(f, f'c{i}')}" for i, f in enumerate(fields))
    record = f"json_build_object('model', %s, 'pk', pk, 'fields', json_build_object({pairs}))"
    wrapped = f"SELECT pk, {record}::text FROM ({sql}) AS page({', '.join(aliases)}) ORDER BY pk"  # noqa: S608
    connection = connections[qs.db]
    with connection.cursor() as cursor:
        cursor.execute(wrapped, (model_name, *params))
        return [(int(pk), text) for pk, text in cursor.fetchall()]
