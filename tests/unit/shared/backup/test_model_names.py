"""ModelName: validation and normalization of wire model names."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.backup.model_names import ModelName

valid_names = st.from_regex(r"[a-z][a-z0-9_]{0,10}\.[a-z][a-z0-9_]{0,10}", fullmatch=True)


@given(valid_names)
def test_model_name_accepts_app_label_dot_model_unchanged(name: str) -> None:
    model = ModelName(name)

    assert model == name
    assert isinstance(model, str)
    assert hash(model) == hash(name)
    assert {name: 1}[model] == 1


def test_model_name_lower_cases_and_strips_whitespace() -> None:
    assert ModelName("  Sentry.OrganizationMember\n") == "sentry.organizationmember"


def test_model_name_of_a_model_name_is_the_same_object() -> None:
    name = ModelName("sentry.user")

    assert ModelName(name) is name


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "sentry",
        "sentry.",
        ".user",
        "sentry.user.extra",
        "1sentry.user",
        "sentry.1user",
        "sentry.us-er",
        "sentry user",
        "sentry.usér",
        "sentry..user",
    ],
)
def test_model_name_rejects_anything_but_app_label_dot_model(bad: str) -> None:
    with pytest.raises(ValueError, match="not a model name") as info:
        ModelName(bad)

    assert repr(bad) in str(info.value)
