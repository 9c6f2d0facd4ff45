"""What region models' export hooks share: the organizations an export carries."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import models

from region.models.core import Organization
from shared.backup.filters import Filter

ORGANIZATION = "sentry.organization"


def exported_organizations(filters: Sequence[Filter]) -> models.QuerySet[Organization, Any]:
    """The organizations the run's filters keep (all of them without an organization filter)."""
    orgs = Organization.objects.all()
    for flt in filters:
        if flt.model == ORGANIZATION:
            field = "pk" if flt.field in ("pk", "id") else flt.field
            orgs = orgs.filter(**{f"{field}__in": sorted(flt.values)})
    return orgs
