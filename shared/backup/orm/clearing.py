"""Deleting every row a silo owns, before a Global import (Sentry's database reset)."""

from __future__ import annotations

from collections.abc import Callable

from django.core.management.color import no_style
from django.db import connections, transaction
from django.db.models import Model

from shared.backup.orm.registry import silo_models


def do_clear_models(
    app_label: str, *, guard: Callable[[], None] | None = None, validate_only: bool = False
) -> dict[str, int]:
    """Delete every row of every table of the silo's app and reset id sequences.

    Covers the relocatable models and the bookkeeping that describes them (import chunks, org
    mappings, slug reservations): after a reset none of it refers to anything. Models declaring
    ``relocation_survives_clear`` are kept. Returns the number of rows each table held.

    ``guard`` runs first, in the same transaction, and raises to refuse the clear (control
    refuses while other regions refer to it); it takes whatever locks make its answer hold until
    the clear commits. ``validate_only`` runs the guard and deletes nothing.
    """
    models = _cleared_models(app_label)
    alias = models[0]._base_manager.db if models else "default"
    with transaction.atomic(using=alias):
        if guard is not None:
            guard()
        if validate_only:
            return {}
        counts = {m._meta.db_table: m._base_manager.count() for m in models}
        flush_tables(app_label)
    return counts


def flush_tables(app_label: str) -> None:
    """Empty every table of the silo's app and reset id sequences, in the caller's transaction.

    A Global dry run calls this inside each batch's rolled-back transaction, so the batch is
    planned against empty silos, as the real run (which clears first) would write it.
    """
    models = _cleared_models(app_label)
    if not models:
        return
    connection = connections[models[0]._base_manager.db]
    statements = connection.ops.sql_flush(
        no_style(),
        [m._meta.db_table for m in models],
        reset_sequences=True,
        allow_cascade=True,
    )
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def _cleared_models(app_label: str) -> list[type[Model]]:
    """Every model of the silo's app except those declaring ``relocation_survives_clear`` (the
    region's import records, which must outlive the clearing they describe)."""
    return [m for m in silo_models(app_label) if not getattr(m, "relocation_survives_clear", False)]
