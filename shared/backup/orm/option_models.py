"""The shape both silos' instance options share (``sentry.option``, ``sentry.controloption``)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from typing_extensions import override

from shared.backup.orm.fields import JsonValueField


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
