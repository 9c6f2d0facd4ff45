"""Case-insensitive collision lookups on control's tables are index scans, not table scans."""

from __future__ import annotations

import pytest

from control.models import Email, User
from tests.support.lookup_plans import case_insensitive_lookup_plan


@pytest.mark.usefixtures("db")
@pytest.mark.parametrize(
    ("model", "field", "index"),
    [(User, "username", "auth_user_username_lower"), (Email, "email", "sentry_email_email_lower")],
)
def test_case_insensitive_collision_lookup_uses_the_lower_index(model, field, index):
    model.objects.create(**{field: "Alice@Example.com"})
    plan = case_insensitive_lookup_plan(model, field, "alice@example.com")
    assert index in plan, plan
