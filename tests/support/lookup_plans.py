"""The query plan of a collision lookup, as the silo's database would run it.

Shared by the control and region unit suites (each runs in its own Django process).
"""

from __future__ import annotations

from django.db import connection, models
from django.test.utils import CaptureQueriesContext

from shared.backup.flags import ImportFlags
from shared.backup.orm.collisions import resolve_collisions
from shared.backup.orm.records import DecodedRecord
from shared.backup.orm.registry import declaration_of


def case_insensitive_lookup_plan(model: type[models.Model], field: str, value: str) -> str:
    """The plan of the lookup ``resolve_collisions`` issues for ``model``'s case-insensitive
    collision policy on ``field``, with sequential scans disabled on PostgreSQL.

    With sequential scans off, PostgreSQL still falls back to one when no index matches the
    lookup's expression, so the plan names the index only if the expression matches it exactly.
    Must run inside a transaction (``SET LOCAL``).
    """
    declaration = declaration_of(model)
    assert declaration is not None, f"{model._meta.label} has no relocation declaration"
    (policy,) = [p for p in declaration.collisions if p.fields == (field,) and p.case_insensitive]
    records = [DecodedRecord(1, 1, {field: value})]
    with CaptureQueriesContext(connection) as captured:
        resolve_collisions(
            model, "test", [policy], records, ImportFlags(import_uuid="plan"), lambda r: None
        )
    query = captured.captured_queries[0]  # the lookup; suffix rounds may follow a collision
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN {query['sql']}")
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {query['sql']}")
        return "\n".join(" ".join(str(c) for c in row) for row in cursor.fetchall())
