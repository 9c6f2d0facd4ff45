"""The shape both silos' instance options share (``sentry.option``, ``sentry.controloption``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import models
from django.utils import timezone
from typing_extensions import override

from shared.backup.filters import Filter
from shared.backup.orm.fields import JsonValueField
from shared.backup.scopes import OperationScope

# Options that identify or describe one installation; they never move to another.
INSTANCE_SPECIFIC_KEYS = (
    "sentry:install-id",
    "sentry:latest_version",
    "sentry:last_worker_ping",
    "sentry:last_worker_version",
)


class BaseOption(models.Model):
    """One instance option: a unique key and any JSON value (often JSON text in a string)."""

    key = models.CharField(max_length=128, unique=True)
    last_updated = models.DateTimeField(default=timezone.now)
    last_updated_by = models.CharField(max_length=16, default="unknown")
    value = JsonValueField(null=True)

    class Meta:
        abstract = True

    @override
    def __str__(self) -> str:
        return f"{self.key}"

    @classmethod
    def relocation_export_queryset(
        cls, qs: models.QuerySet[Any], scope: OperationScope, filters: Sequence[Filter]
    ) -> models.QuerySet[Any]:
        """Leave out options that describe this installation, not its configuration."""
        return qs.exclude(key__in=INSTANCE_SPECIFIC_KEYS)
