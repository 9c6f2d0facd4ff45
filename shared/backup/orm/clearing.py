"""Deleting every row a silo owns, before a Global import (Sentry's database reset)."""

from __future__ import annotations

from django.core.management.color import no_style
from django.db import connections, transaction

from shared.backup.orm.registry import silo_models


def do_clear_models(app_label: str) -> dict[str, int]:
    """Delete every row of every table of the silo's app and reset id sequences.

    Covers the relocatable models and the bookkeeping that describes them (import chunks, org
    mappings, slug reservations): after a reset none of it refers to anything. Returns the
    number of rows each table held.
    """
    models = silo_models(app_label)
    alias = models[0]._base_manager.db if models else "default"
    connection = connections[alias]
    tables = [m._meta.db_table for m in models]
    with transaction.atomic(using=alias):
        counts = {m._meta.db_table: m._base_manager.count() for m in models}
        statements = connection.ops.sql_flush(
            no_style(), tables, reset_sequences=True, allow_cascade=True
        )
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
    return counts
