"""Both ways a silo builds export pages, held to the same records: PostgreSQL's json_build_object
and Python's encode_row. Used by the region and control unit suites on PostgreSQL."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

import orjson
import pytest
from django.db.models import DateTimeField, Model

from shared.backup.orm import exporting
from shared.backup.orm.exporting import do_export_page
from shared.backup.orm.inserts import insert_rows
from shared.backup.orm.records import decode_records
from shared.backup.orm.registry import SiloRegistry
from shared.backup.scopes import OperationScope
from shared.backup.snapshot import load_snapshot
from tests.support.instance import generate


def load_instance(registry: SiloRegistry) -> dict[str, int]:
    """Insert the generated instance's records of this silo, pks as in the file; counts."""
    by_model: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for record in generate(users=6, orgs=2, seed=3):
        by_model[record["model"]].append(record)
    counts = {}
    for name in load_snapshot().sorted_models():
        raws = by_model.get(str(name), [])
        if not raws or name not in registry.models:
            continue
        rm = registry.get(name)
        records = decode_records(rm.model, rm.descriptor.name, raws, 1)
        insert_rows(rm.model, [r.values for r in records], [r.old_pk for r in records])
        counts[str(name)] = len(records)
        _sub_millisecond_times(rm.model)
    return counts


def _sub_millisecond_times(model: type[Model]) -> None:
    """Give every datetime of the model microseconds, which both paths must truncate alike."""
    when = dt.datetime(2025, 6, 7, 8, 9, 10, 999_999, tzinfo=dt.UTC)
    times = [
        f.name
        for f in model._meta.concrete_fields
        if isinstance(f, DateTimeField) and not f.primary_key
    ]
    if times:
        model._base_manager.update(**dict.fromkeys(times, when))


def pages_both_ways(
    registry: SiloRegistry, monkeypatch: pytest.MonkeyPatch, model: str
) -> tuple[list[Any], list[Any]]:
    """Every record of ``model`` exported in Global scope, page by page (pages of 3), built by
    the database and by Python."""

    def read() -> list[Any]:
        records: list[Any] = []
        from_pk = 0
        while True:
            data, from_pk = do_export_page(registry, model, OperationScope.GLOBAL, [], from_pk, 3)
            records += orjson.loads(data)
            if not from_pk:
                return records

    database = read()
    with monkeypatch.context() as patched:
        patched.setattr(exporting, "supports_json_pages", lambda _model: False)
        python = read()
    return database, python
