"""What an import chunk keeps so that it can be undone: rows as they were, and digests of rows.

Why export-record form: restoring a row it overwrote goes through the same record decoder as an
import, so every field type the importer can write, undo can write back. Datetimes keep their
microseconds (export files round them to milliseconds), so a restored row is the row that was.
Why digests: an undo must not delete or roll back a row somebody changed after the import wrote
it; comparing a digest of the row now with the one taken when the batch wrote it tells, in one
query per batch, without keeping a second copy of every row.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Collection, Iterable, Mapping
from typing import Any

import orjson
from django.db import connections, models
from django.db.backends.base.base import BaseDatabaseWrapper

from shared.backup.orm.records import encode_value, export_columns
from shared.backup.pk_map import ImportKind, PkMapping

# Primary keys per ``IN (...)`` lookup.
LOOKUP_CHUNK = 5000


def _exact(f: models.Field[Any, Any], value: Any) -> Any:
    """``encode_value``, except that datetimes keep their microseconds."""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    return encode_value(f, value)


def snapshot_rows(
    model: type[models.Model], wire_name: str, pks: Collection[int]
) -> list[dict[str, Any]]:
    """The rows of ``pks`` as export records (pk order); rows that do not exist are left out."""
    fields, columns = export_columns(model)
    ordered = sorted(set(pks))
    out: list[dict[str, Any]] = []
    for start in range(0, len(ordered), LOOKUP_CHUNK):
        rows = (
            model._base_manager.filter(pk__in=ordered[start : start + LOOKUP_CHUNK])
            .order_by("pk")
            .values_list("pk", *columns)
        )
        out.extend(
            {
                "model": wire_name,
                "pk": row[0],
                "fields": {f.name: _exact(f, v) for f, v in zip(fields, row[1:], strict=True)},
            }
            for row in rows
        )
    return out


def digest(record: dict[str, Any]) -> str:
    """A short digest of one snapshot record."""
    encoded = orjson.dumps(record["fields"], option=orjson.OPT_SORT_KEYS, default=str)
    return hashlib.sha256(encoded).hexdigest()[:32]


def row_digests(model: type[models.Model], wire_name: str, pks: Collection[int]) -> dict[str, str]:
    """pk (as text) -> digest of the row now, for the rows of ``pks`` that exist.

    On PostgreSQL the database hashes each whole row (``row_to_json``) itself: a batch's digests
    cost one query and no Python per row, where reading the rows back and hashing them here took
    a third of a silo's import time. Elsewhere (SQLite) the rows are read and hashed here. Either
    way a digest is only ever compared with one the same function took on the same database.
    """
    connection = connections[model._base_manager.db]
    if connection.vendor == "postgresql":
        return _database_digests(connection, model, pks)
    return {str(r["pk"]): digest(r) for r in snapshot_rows(model, wire_name, pks)}


def _database_digests(
    connection: BaseDatabaseWrapper, model: type[models.Model], pks: Collection[int]
) -> dict[str, str]:
    """The rows' digests, computed by PostgreSQL."""
    table = connection.ops.quote_name(model._meta.db_table)
    pk = connection.ops.quote_name(model._meta.pk.column or "id")
    ordered = sorted(set(pks))
    out: dict[str, str] = {}
    with connection.cursor() as cursor:
        for start in range(0, len(ordered), LOOKUP_CHUNK):
            cursor.execute(
                f"SELECT t.{pk}, left(encode(sha256(convert_to(row_to_json(t)::text, 'UTF8')),"  # noqa: S608 - quoted names
                f" 'hex'), 32) FROM {table} AS t WHERE t.{pk} = ANY(%s)",
                [ordered[start : start + LOOKUP_CHUNK]],
            )
            out.update((str(row_pk), value) for row_pk, value in cursor.fetchall())
    return out


def refresh_digests(
    chunk_model: type[models.Model],
    model: type[models.Model],
    wire_name: str,
    pks: Iterable[int],
) -> int:
    """Take again the digests of rows an import's own later step changed (final slugs, unhiding),
    in every chunk that wrote them; return how many chunks changed. The caller holds the
    transaction."""
    keys = sorted({str(pk) for pk in pks})
    if not keys:
        return 0
    chunks = chunk_model._base_manager.select_for_update().filter(
        model=wire_name, written_digests__has_any_keys=keys
    )
    now = row_digests(model, wire_name, [int(k) for k in keys])
    changed = 0
    for chunk in chunks:
        digests: dict[str, str] = dict(getattr(chunk, "written_digests", None) or {})
        updated = {k: now[k] for k in keys if k in digests and k in now}
        if updated and any(digests[k] != v for k, v in updated.items()):
            chunk_model._base_manager.filter(pk=chunk.pk).update(
                written_digests={**digests, **updated}
            )
            changed += 1
    return changed


def undo_columns(
    model: type[models.Model],
    wire_name: str,
    mapped: Mapping[int, PkMapping],
    previous: list[dict[str, Any]],
) -> dict[str, Any]:
    """The chunk row's undo columns for a batch just written (inside its transaction)."""
    written = {e.new_pk for e in mapped.values() if e.kind is not ImportKind.EXISTING}
    return {"undo_rows": previous, "written_digests": row_digests(model, wire_name, written)}
