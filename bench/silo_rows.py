"""The benchmark's reference measurements inside one silo's Django process, against its database.

``python -m bench.silo_rows MODE EXPORT [--tables T,...]`` with ``DJANGO_SETTINGS_MODULE`` and the
silo's database URL set by the caller; prints one JSON object (rows, seconds, tables). Modes:

- ``migrate``: apply the silo's migrations (the caller then clones the database as a template);
- ``copy-in``: the physical limit. The silo's records of EXPORT become rows of the silo's own
  tables (columns from the Django models, values decoded as the importer decodes them, pks and
  references kept as in the file, since the tables are empty); then, timed, one transaction of
  ``COPY ... FROM STDIN`` per table and its commit;
- ``per-row``: a baseline shaped like Sentry's import: per record, one collision SELECT over the
  model's unique sets and one Django ``save()``, references remapped through a dict of old to new
  pks, a transaction per 20 records (Sentry's RPC batch). No RPC cost is counted, so the baseline
  is faster than Sentry's real one;
- ``copy-out``: raw ``COPY table TO STDOUT`` of the listed tables into a file, timed;
- ``json-out``: the anchor a JSON export cannot beat here: PostgreSQL itself writes the listed
  tables' rows as Sentry-format records (``{"model", "pk", "fields"}`` with the export's field
  names, datetimes as UTC ISO 8601) with ``COPY (SELECT json_build_object(...)) TO STDOUT``,
  timed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import decimal
import json
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

import django
import ijson
import orjson
from django.core.management import call_command
from django.db import connection, models, transaction

from shared.backup.descriptors import Silo
from shared.backup.orm.records import concrete_fields, decode_record
from shared.backup.orm.registry import SiloRegistry, build_registry

COPY_NULL = "\\N"
PER_ROW_TRANSACTION = 20
SILO_LABELS = {"region.settings": "region", "control.settings": "control"}


def export_records(path: Path) -> Iterator[dict[str, Any]]:
    """The records of an export file, read incrementally."""
    with path.open("rb") as stream:
        yield from ijson.items(stream, "item", use_float=True)


def copy_text(value: Any, is_json: bool) -> str:
    """One value in PostgreSQL's COPY text format."""
    if value is None:
        return COPY_NULL
    if is_json:
        text = json.dumps(value)
    elif isinstance(value, bool):
        text = "t" if value else "f"
    elif isinstance(value, dt.datetime | dt.date):
        text = value.isoformat()
    elif isinstance(value, int | float | decimal.Decimal | uuid.UUID):
        text = str(value)
    elif isinstance(value, dict | list):
        text = json.dumps(value)
    else:
        text = str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _registry() -> SiloRegistry:
    """The relocatable models of the silo this process is configured as."""
    label = SILO_LABELS[os.environ["DJANGO_SETTINGS_MODULE"]]
    return build_registry(label, Silo(label))


def migrate() -> dict[str, Any]:
    """Apply the silo's migrations."""
    started = time.monotonic()
    call_command("migrate", interactive=False, verbosity=0)
    return {"rows": 0, "seconds": time.monotonic() - started, "tables": []}


def copy_in(export: Path, work: Path) -> dict[str, Any]:
    """Write the silo's records as COPY files, then time loading them in one transaction."""
    registry = _registry()
    files: dict[str, TextIO] = {}
    columns: dict[str, str] = {}
    rows = 0
    ordinals: dict[str, int] = {}
    try:
        for raw in export_records(export):
            wire = raw["model"]
            if wire not in registry.models:
                continue
            model = registry.models[wire].model
            ordinals[wire] = ordinals.get(wire, 0) + 1
            decoded = decode_record(model, wire, raw, ordinals[wire])
            fields = concrete_fields(model)
            table = model._meta.db_table
            if table not in files:
                files[table] = (work / f"{table}.copy").open("w", encoding="utf-8")
                names = [model._meta.pk.column, *(f.column for f in fields)]
                columns[table] = ", ".join(f'"{c}"' for c in names)
            values = [str(decoded.old_pk)]
            values += [
                copy_text(decoded.values[f.name], isinstance(f, models.JSONField)) for f in fields
            ]
            files[table].write("\t".join(values) + "\n")
            rows += 1
    finally:
        for out in files.values():
            out.close()
    started = time.monotonic()
    with transaction.atomic(), connection.cursor() as cursor:
        for table, cols in columns.items():
            with (work / f"{table}.copy").open("r", encoding="utf-8") as data:
                cursor.copy_expert(f'COPY "{table}" ({cols}) FROM STDIN', data)
    seconds = time.monotonic() - started
    return {"rows": rows, "seconds": seconds, "tables": list(columns)}


def per_row(export: Path) -> dict[str, Any]:
    """Sentry-shaped import: a collision SELECT and an ORM save per record."""
    registry = _registry()
    targets = {
        wire: {fk.field: str(fk.target) for fk in m.descriptor.foreign_keys}
        for wire, m in registry.models.items()
    }
    pk_map: dict[str, dict[int, int]] = {}
    ordinals: dict[str, int] = {}
    pending: list[dict[str, Any]] = []
    rows = 0
    started = time.monotonic()

    def save(raw: dict[str, Any]) -> None:
        wire = raw["model"]
        relocatable = registry.models[wire]
        model = relocatable.model
        ordinals[wire] = ordinals.get(wire, 0) + 1
        decoded = decode_record(model, wire, raw, ordinals[wire])
        kwargs: dict[str, Any] = {}
        attnames: dict[str, str] = {}
        for f in concrete_fields(model):
            attnames[f.name] = f.attname
            value = decoded.values[f.name]
            if isinstance(f, models.ForeignKey) and value is not None:
                value = pk_map[targets[wire][f.name]][value]
            kwargs[f.attname] = value
        lookups = models.Q()
        for unique in relocatable.descriptor.unique_sets:
            names = [attnames[n] for n in unique.fields]
            if all(kwargs[n] is not None for n in names):  # nulls never collide
                lookups |= models.Q(**{n: kwargs[n] for n in names})
        found = None
        if lookups:
            found = model._default_manager.filter(lookups).values_list("pk", flat=True).first()
        if found is None:
            instance = model(**kwargs)
            instance.save()
            found = instance.pk
        pk_map.setdefault(wire, {})[decoded.old_pk] = found

    for raw in export_records(export):
        if raw["model"] not in registry.models:
            continue
        pending.append(raw)
        if len(pending) == PER_ROW_TRANSACTION:
            with transaction.atomic():
                for item in pending:
                    save(item)
            rows += len(pending)
            pending = []
    with transaction.atomic():
        for item in pending:
            save(item)
    rows += len(pending)
    return {"rows": rows, "seconds": time.monotonic() - started, "tables": []}


def copy_out(tables: list[str], work: Path) -> dict[str, Any]:
    """Time ``COPY table TO STDOUT`` of every table into one file."""
    rows = 0
    started = time.monotonic()
    with connection.cursor() as cursor, (work / "copy-out.txt").open("w") as out:
        for table in tables:
            cursor.copy_expert(f'COPY "{table}" TO STDOUT', out)
            rows += cursor.rowcount
    return {"rows": rows, "seconds": time.monotonic() - started, "tables": tables}


def _json_value(field: models.Field[Any, Any]) -> str:
    """The SQL expression of one field's export value."""
    column = f'"{field.column}"'
    if isinstance(field, models.DateTimeField):
        return f"""to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')"""
    if isinstance(field, models.BigIntegerField | models.IntegerField) and "flags" in field.name:
        return f"{column}::text"
    return column


def json_out(tables: list[str], work: Path) -> dict[str, Any]:
    """Time PostgreSQL writing the tables' rows as Sentry-format JSON records, one per line."""
    registry = _registry()
    by_table = {m.model._meta.db_table: (wire, m.model) for wire, m in registry.models.items()}
    rows = 0
    started = time.monotonic()
    with connection.cursor() as cursor, (work / "json-out.txt").open("w") as out:
        for table in tables:
            wire, model = by_table[table]
            pairs = ", ".join(f"'{f.name}', {_json_value(f)}" for f in concrete_fields(model))
            # Names come from the silo's own model metadata, not from input.
            pk = model._meta.pk.column
            record = f"json_build_object('model', '{wire}', 'pk', \"{pk}\", 'fields', "
            select = f'SELECT {record}json_build_object({pairs})) FROM "{table}" ORDER BY "{pk}"'  # noqa: S608
            cursor.copy_expert(f"COPY ({select}) TO STDOUT", out)
            rows += cursor.rowcount
    return {"rows": rows, "seconds": time.monotonic() - started, "tables": tables}


def main(argv: list[str] | None = None) -> int:
    """Run one mode and print its figures as JSON."""
    parser = argparse.ArgumentParser(prog="python -m bench.silo_rows")
    parser.add_argument("mode", choices=["migrate", "copy-in", "per-row", "copy-out", "json-out"])
    parser.add_argument("export", type=Path, nargs="?")
    parser.add_argument("--tables", default="")
    args = parser.parse_args(argv)
    django.setup()
    with tempfile.TemporaryDirectory(prefix="relocate-bench-rows-") as tmp:
        if args.mode == "migrate":
            result = migrate()
        elif args.mode == "copy-in":
            result = copy_in(args.export, Path(tmp))
        elif args.mode == "per-row":
            result = per_row(args.export)
        elif args.mode == "copy-out":
            result = copy_out([t for t in args.tables.split(",") if t], Path(tmp))
        else:
            result = json_out([t for t in args.tables.split(",") if t], Path(tmp))
    sys.stdout.write(orjson.dumps(result).decode() + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
