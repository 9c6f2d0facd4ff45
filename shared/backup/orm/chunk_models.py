"""The abstract Django model behind every silo's import-chunk ledger table."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from typing_extensions import override


class BaseImportChunk(models.Model):
    """One imported batch of one model: what it mapped where, keyed for idempotent replays.

    Why abstract: each silo keeps its own ledger table (``sentry_regionimportchunk``,
    ``sentry_controlimportchunk``, ``sentry_controlimportchunkreplica``) in its own database, as
    Sentry does; the concrete models only add a table name and an Excluded declaration.
    """

    import_uuid = models.CharField(max_length=64, db_index=True)
    model = models.CharField(max_length=64, db_index=True)
    min_ordinal = models.BigIntegerField()
    max_ordinal = models.BigIntegerField()
    min_source_pk = models.BigIntegerField(null=True)
    max_source_pk = models.BigIntegerField(null=True)
    min_inserted_pk = models.BigIntegerField(null=True)
    max_inserted_pk = models.BigIntegerField(null=True)
    inserted_map = models.JSONField(default=dict)
    existing_map = models.JSONField(default=dict)
    overwrite_map = models.JSONField(default=dict)
    inserted_identifiers = models.JSONField(default=dict)
    findings = models.JSONField(default=list)
    # What undoing the batch needs (``relocate import undo``): the rows it overwrote as they were
    # before (export-record form, full-precision times), and per row it inserted or overwrote a
    # digest of what it left there, so an undo can tell rows edited since.
    undo_rows = models.JSONField(default=list)
    written_digests = models.JSONField(default=dict)
    date_added = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True
        unique_together = (("import_uuid", "model", "min_ordinal"),)

    @override
    def __str__(self) -> str:
        return f"{self.model} {self.import_uuid} [{self.min_ordinal}..{self.max_ordinal}]"
