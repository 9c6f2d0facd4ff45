"""Set-based insert of a batch on PostgreSQL: ids from the sequence in one query, rows by COPY.

Why not ``bulk_create``: for every value of every row Django runs ``pre_save`` and
``get_db_prep_save`` and builds a model instance first, which costs more than the database's
own work. Why not a multi-row ``INSERT ... RETURNING``: PostgreSQL parses a statement of
thousands of literals three to four times slower than it reads the same rows from ``COPY``.

So a batch is two statements whatever its size: ``SELECT nextval(...) FROM generate_series``
reserves the new ids (skipped when the import keeps source pks), and ``COPY ... FROM STDIN``
writes the rows with those ids in text format. Each column gets a formatter once per model;
models with a field type the formatters do not know (or with ``auto_now`` fields, whose
``pre_save`` rewrites values) keep ``bulk_create``, as do other databases (the embedded SQLite
default).
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from django.db import connections, models

Formatter = Callable[[Any], str]

_NULL = "\\N"
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


@dataclass(frozen=True, slots=True)
class CopyPlan:
    """The statements and per-column formatters of one model's batch insert."""

    copy_sql: str
    """``COPY table (pk, columns...) FROM STDIN``."""
    next_ids_sql: str
    """Reserves ``%s`` new ids from the pk's sequence, in one query."""
    names: tuple[str, ...]
    """Field names, in column order after the pk."""
    formatters: tuple[Formatter, ...]


def _text(value: Any) -> str:
    """A COPY text field: backslash, tab, newline and carriage return escaped."""
    text = value if type(value) is str else str(value)
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        return text.translate(_ESCAPES)
    return text


def _integer(value: Any) -> str:
    return str(value) if type(value) is int else str(int(value))


def _float(value: Any) -> str:
    return repr(float(value))


def _json(value: Any) -> str:
    """JSON text (orjson; the stdlib for what orjson refuses). JSON escapes control
    characters itself, so only its backslashes need COPY's escaping."""
    try:
        text = orjson.dumps(value).decode()
    except TypeError:
        text = json.dumps(value)
    return text.replace("\\", "\\\\")


def _ip_address(f: models.Field[Any, Any], value: Any) -> str:
    """Django stores the normalized address, and NULL for an empty one."""
    prepared = f.get_prep_value(value)
    return _text(prepared) if prepared else _NULL


def _temporal(f: models.Field[Any, Any], value: Any) -> str:
    """ISO 8601; an aware datetime as it is, anything else as Django prepares it."""
    if type(value) is dt.datetime and value.tzinfo is not None:
        return value.isoformat()
    return str(f.get_prep_value(value).isoformat())


def _formatter(f: models.Field[Any, Any]) -> Formatter | None:  # noqa: PLR0911
    """The COPY formatter of one field's non-null values; None for unsupported fields."""
    if isinstance(f, models.JSONField):
        return _json
    if isinstance(f, models.GenericIPAddressField):
        return functools.partial(_ip_address, f)
    if isinstance(f, models.BooleanField):
        return lambda value: "t" if f.to_python(value) else "f"
    if isinstance(f, models.CharField | models.TextField):
        return _text
    if isinstance(f, models.IntegerField):
        return _integer
    if isinstance(f, models.ForeignKey):
        target = f.target_field
        return _integer if isinstance(target, models.IntegerField | models.AutoField) else None
    if isinstance(f, models.FloatField):
        return _float
    if isinstance(f, models.DateTimeField | models.DateField):
        return functools.partial(_temporal, f)
    return None


def _plan_or_none(model: type[models.Model]) -> CopyPlan | None:
    connection = connections[model._base_manager.db]
    if connection.vendor != "postgresql":
        return None
    meta = model._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    if any(getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False) for f in fields):
        return None
    formatters = [_formatter(f) for f in fields]
    if any(fmt is None for fmt in formatters):
        return None
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    pk = quoted_column(model, "pk")
    columns = ", ".join([pk, *(quoted_column(model, f.name) for f in fields)])
    sequence = f"pg_get_serial_sequence('{table}', '{meta.pk.column}')"
    return CopyPlan(
        copy_sql=f"COPY {table} ({columns}) FROM STDIN",
        next_ids_sql=f"SELECT nextval({sequence}) FROM generate_series(1, %s)",  # noqa: S608
        names=tuple(f.name for f in fields),
        formatters=tuple(fmt for fmt in formatters if fmt is not None),
    )


@functools.cache
def copy_plan(model: type[models.Model]) -> CopyPlan | None:
    """The model's COPY plan, built once; None when the model must keep ``bulk_create``."""
    return _plan_or_none(model)


def supports_fast_insert(model: type[models.Model]) -> bool:
    """Whether this model's rows take the COPY path (PostgreSQL and known field types)."""
    return copy_plan(model) is not None


def quoted_column(model: type[models.Model], name: str) -> str:
    """The quoted database column of one concrete field (``"pk"`` names the primary key)."""
    meta = model._meta
    f = meta.pk if name == "pk" else meta.get_field(name)
    column = getattr(f, "column", None)
    if not isinstance(column, str):
        raise TypeError(f"{meta.label}.{name} is not a concrete column")
    return str(connections[model._base_manager.db].ops.quote_name(column))


def insert_rows(
    model: type[models.Model], rows: Sequence[dict[str, Any]], pks: Sequence[int] | None
) -> list[int]:
    """Insert one row per values dict (keyed by field name); the rows' pks, in row order.

    ``pks`` (when given) become the rows' primary keys; otherwise new ones are drawn from the
    table's sequence. The caller holds the transaction.
    """
    plan = copy_plan(model)
    if plan is None:
        raise TypeError(f"{model._meta.label} cannot be inserted by COPY")
    if not rows:
        return []
    connection = connections[model._base_manager.db]
    with connection.cursor() as cursor:
        if pks is None:
            cursor.execute(plan.next_ids_sql, [len(rows)])
            pks = [int(row[0]) for row in cursor.fetchall()]
        pairs = tuple(zip(plan.names, plan.formatters, strict=True))
        lines = [
            "\t".join(
                [
                    str(pk),
                    *[_NULL if (v := values.get(n)) is None else fmt(v) for n, fmt in pairs],
                ]
            )
            for pk, values in zip(pks, rows, strict=True)
        ]
        lines.append("")
        # copy_expert is psycopg2's own method: map its errors to Django's (IntegrityError on a
        # unique violation, which the caller retries) as cursor.execute does.
        with connection.wrap_database_errors:
            cursor.copy_expert(plan.copy_sql, io.StringIO("\n".join(lines)))
    return list(pks)
