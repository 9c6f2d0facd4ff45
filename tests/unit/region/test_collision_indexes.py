"""Case-insensitive collision lookups on the region's tables are index scans, not table scans."""

from __future__ import annotations

import pytest

from region.models import Organization
from tests.support.lookup_plans import case_insensitive_lookup_plan


@pytest.mark.usefixtures("db")
def test_organization_slug_collision_lookup_uses_the_lower_index():
    Organization.objects.create(name="Acme", slug="acme")
    plan = case_insensitive_lookup_plan(Organization, "slug", "ACME")
    assert "sentry_org_slug_lower" in plan, plan
