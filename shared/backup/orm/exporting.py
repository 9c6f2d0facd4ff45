"""Reading one page of one model for export."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
from django.db import models

from shared.backup.errors import ScopeRequiredError
from shared.backup.filters import Filter
from shared.backup.limits import MAX_BATCH_BYTES
from shared.backup.orm.json_pages import json_page, supports_json_pages
from shared.backup.orm.records import encode_row, export_columns
from shared.backup.orm.registry import SiloRegistry
from shared.backup.scopes import OperationScope

MAX_PAGE_SIZE = 5000


def do_export_page(
    registry: SiloRegistry,
    model: str,
    scope: OperationScope | None,
    filters: Sequence[Filter],
    from_pk: int,
    page_size: int,
) -> tuple[bytes, int]:
    """Return (JSON array of records with pk > from_pk, next from_pk or 0 when done).

    A page holds at most ``page_size`` rows and, beyond its first record, at most
    MAX_BATCH_BYTES of encoded records, so a page of large records still fits one message.
    """
    rm = registry.get(model)
    name = rm.descriptor.name
    if scope is None:
        raise ScopeRequiredError(name)
    if not scope.admits_any(rm.descriptor.scopes):
        return b"[]", 0
    limit = max(1, min(page_size or MAX_PAGE_SIZE, MAX_PAGE_SIZE))
    qs: models.QuerySet[Any] = rm.model._base_manager.filter(pk__gt=from_pk)
    for flt in filters:
        if flt.model == name:
            qs = qs.filter(**{f"{_lookup(rm.model, flt.field)}__in": sorted(flt.values)})
    custom = getattr(rm.model, "relocation_export_queryset", None)
    if custom is not None:
        qs = custom(qs, scope, list(filters))
    decide = getattr(rm.model, "relocation_instance_scope", None)
    if decide is None and supports_json_pages(rm.model):
        # The database builds each record; nothing per value runs here.
        rows = json_page(name, qs, limit)
        return _page(rows, [True] * len(rows), from_pk, limit)
    fields, columns = export_columns(rm.model)
    values = list(qs.order_by("pk").values_list("pk", *columns)[:limit])
    encoded = [(row[0], orjson.dumps(encode_row(name, fields, row)).decode()) for row in values]
    if decide is not None:
        by_name = [f.name for f in fields]
        keep = [decide(dict(zip(by_name, row[1:], strict=True))) in scope.admits for row in values]
    else:
        keep = [True] * len(values)
    return _page(encoded, keep, from_pk, limit)


def _page(
    rows: Sequence[tuple[int, str]], keep: Sequence[bool], from_pk: int, limit: int
) -> tuple[bytes, int]:
    """The page's JSON array of the kept records, cut at MAX_BATCH_BYTES, and the next from_pk."""
    parts: list[bytes] = []
    size = 2
    last_pk = from_pk
    for (pk, record), kept in zip(rows, keep, strict=True):
        if kept:
            encoded = record.encode()
            if parts and size + len(encoded) + 1 > MAX_BATCH_BYTES:
                # The page is full by bytes: the next one starts after the last row taken.
                return b"[" + b",".join(parts) + b"]", last_pk
            parts.append(encoded)
            size += len(encoded) + 1
        last_pk = pk
    next_from_pk = rows[-1][0] if len(rows) == limit else 0
    return b"[" + b",".join(parts) + b"]", next_from_pk


def _lookup(model: type[models.Model], field: str) -> str:
    """The ORM lookup for a filter field (``pk``/``id`` or a field name)."""
    if field in ("pk", "id"):
        return "pk"
    return model._meta.get_field(field).attname  # type: ignore[union-attr]
