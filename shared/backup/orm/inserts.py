"""Set-based INSERT of a batch on PostgreSQL: one multi-row ``INSERT ... RETURNING`` statement.

Why not ``bulk_create``: for every value of every row Django runs ``pre_save`` and
``get_db_prep_save`` and builds a model instance first, which costs more than the database's
own work on a batch of a thousand rows. Here each column gets a conversion plan once per model
(most columns pass decoded values through; JSON is encoded once with orjson), rows are rendered
by psycopg2's ``execute_values`` and the whole batch is one statement whatever its size. Other
databases (the embedded SQLite default) keep ``bulk_create``.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from django.db import connections, models
from psycopg2.extras import execute_values


@dataclass(frozen=True, slots=True)
class _Column:
    """How one field's decoded values become SQL parameters."""

    name: str
    """The field's name in decoded record values."""
    passthrough: frozenset[type]
    """Value types sent as they are (psycopg2 adapts them as Django would)."""
    convert: Callable[[Any], Any]
    """Conversion of every other non-null value."""
    placeholder: str


@dataclass(frozen=True, slots=True)
class InsertPlan:
    """The statement and per-column conversions of one model's batch insert."""

    sql: str
    template: str
    columns: tuple[_Column, ...]


def supports_fast_insert(model: type[models.Model]) -> bool:
    """Whether this model's rows can take the raw path (PostgreSQL, no ``pre_save`` magic)."""
    if connections[model._base_manager.db].vendor != "postgresql":
        return False
    return not any(
        getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
        for f in model._meta.concrete_fields
    )


def quoted_column(model: type[models.Model], name: str) -> str:
    """The quoted database column of one concrete field (``"pk"`` names the primary key)."""
    meta = model._meta
    f = meta.pk if name == "pk" else meta.get_field(name)
    column = getattr(f, "column", None)
    if not isinstance(column, str):
        raise TypeError(f"{meta.label}.{name} is not a concrete column")
    return str(connections[model._base_manager.db].ops.quote_name(column))


def _json_text(value: Any) -> str:
    """JSON text for a jsonb column (orjson; the stdlib for what orjson refuses)."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        import json  # noqa: PLC0415  (rare fallback only)

        return json.dumps(value)


# Field classes whose decoded values of these exact types need no conversion: Django's
# get_db_prep_save would hand them to psycopg2 unchanged. First match wins (IP before text).
_PASSTHROUGH: tuple[tuple[type[models.Field[Any, Any]], frozenset[type]], ...] = (
    (models.GenericIPAddressField, frozenset()),
    (models.CharField, frozenset({str})),
    (models.TextField, frozenset({str})),
    (models.IntegerField, frozenset({int})),
    (models.ForeignKey, frozenset({int})),
    (models.BooleanField, frozenset({bool})),
    (models.FloatField, frozenset({float, int})),
    (models.DateTimeField, frozenset({dt.datetime})),
)


def _column(f: models.Field[Any, Any], alias: str) -> _Column:
    """The conversion plan of one field (``alias``: the database the model is written to)."""
    if isinstance(f, models.JSONField):
        return _Column(f.name, frozenset(), _json_text, "%s::jsonb")

    def prepare(value: Any) -> Any:
        return f.get_db_prep_save(value, connections[alias])

    passthrough = next((types for cls, types in _PASSTHROUGH if isinstance(f, cls)), frozenset())
    return _Column(f.name, passthrough, prepare, "%s")


@functools.cache
def insert_plan(model: type[models.Model], with_pk: bool) -> InsertPlan:
    """The INSERT statement of ``model`` (with its pk column when ``with_pk``), built once."""
    meta = model._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    columns = tuple(_column(f, model._base_manager.db) for f in fields)
    names = [quoted_column(model, f.name) for f in fields]
    placeholders = [c.placeholder for c in columns]
    pk_column = quoted_column(model, "pk")
    if with_pk:
        names.insert(0, pk_column)
        placeholders.insert(0, "%s")
    table = connections[model._base_manager.db].ops.quote_name(meta.db_table)
    sql = (
        f"INSERT INTO {table} ({', '.join(names)}) VALUES %s "  # noqa: S608
        f"RETURNING {pk_column}"
    )
    return InsertPlan(sql=sql, template=f"({', '.join(placeholders)})", columns=columns)


def insert_rows(
    model: type[models.Model], rows: Sequence[dict[str, Any]], pks: Sequence[int] | None
) -> list[int]:
    """Insert one row per values dict in one statement; the new pks, in row order.

    ``pks`` (when given) are written as the rows' primary keys. PostgreSQL returns the rows of a
    multi-row ``INSERT ... VALUES ... RETURNING`` in VALUES order, which Django's own
    ``bulk_create`` relies on as well.
    """
    if not rows:
        return []
    plan = insert_plan(model, pks is not None)
    params = [_row(plan.columns, values) for values in rows]
    if pks is not None:
        params = [(pk, *row) for pk, row in zip(pks, params, strict=True)]
    with connections[model._base_manager.db].cursor() as cursor:
        returned = execute_values(
            cursor, plan.sql, params, template=plan.template, page_size=len(params), fetch=True
        )
    return [int(row[0]) for row in returned]


def _row(columns: tuple[_Column, ...], values: dict[str, Any]) -> tuple[Any, ...]:
    out = []
    for column in columns:
        value = values.get(column.name)
        if value is None or type(value) in column.passthrough:
            out.append(value)
        else:
            out.append(column.convert(value))
    return tuple(out)
