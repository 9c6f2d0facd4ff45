"""ModelDescriptor: dependencies implied by foreign keys and declared ordering dependencies."""

from __future__ import annotations

from shared.backup.descriptors import ForeignKey, ModelDescriptor, Silo
from shared.backup.model_names import ModelName
from shared.backup.scopes import RelocationScope

USER = ModelName("sentry.user")
EMAIL = ModelName("sentry.email")
ORG = ModelName("sentry.organization")
MEMBER = ModelName("sentry.organizationmember")
TEAM = ModelName("sentry.team")


def member() -> ModelDescriptor:
    return ModelDescriptor(
        name=MEMBER,
        silo=Silo.REGION,
        scopes=frozenset({RelocationScope.ORGANIZATION}),
        foreign_keys=(
            ForeignKey("organization", ORG),
            ForeignKey("user_id", USER, nullable=True),
            ForeignKey("inviter_id", USER, nullable=True, null_when_missing=True),
        ),
    )


def test_dependencies_are_the_foreign_key_targets_without_duplicates() -> None:
    assert member().dependencies == frozenset({ORG, USER})


def test_dependencies_include_declared_relocation_dependencies() -> None:
    email = ModelDescriptor(
        name=EMAIL,
        silo=Silo.CONTROL,
        scopes=frozenset({RelocationScope.USER}),
        relocation_dependencies=(USER,),
    )

    assert email.dependencies == frozenset({USER})


def test_dependencies_exclude_a_self_reference() -> None:
    team = ModelDescriptor(
        name=TEAM,
        silo=Silo.REGION,
        scopes=frozenset({RelocationScope.ORGANIZATION}),
        foreign_keys=(ForeignKey("organization", ORG), ForeignKey("parent", TEAM, nullable=True)),
        relocation_dependencies=(TEAM,),
    )

    assert team.dependencies == frozenset({ORG})


def test_model_without_references_has_no_dependencies() -> None:
    user = ModelDescriptor(name=USER, silo=Silo.CONTROL, scopes=frozenset({RelocationScope.USER}))

    assert user.dependencies == frozenset()


def test_foreign_key_finds_the_key_declared_on_a_field() -> None:
    fk = member().foreign_key("inviter_id")

    assert fk is not None
    assert fk.target == USER
    assert fk.nullable
    assert fk.null_when_missing


def test_foreign_key_is_none_for_a_field_that_is_not_a_reference() -> None:
    assert member().foreign_key("role") is None
    assert member().foreign_key("user") is None


def test_foreign_key_defaults_to_non_nullable_and_not_nulled_when_missing() -> None:
    fk = ForeignKey("organization", ORG)

    assert not fk.nullable
    assert not fk.null_when_missing


def test_silo_values_are_the_django_app_labels() -> None:
    assert Silo("control") is Silo.CONTROL
    assert Silo("region") is Silo.REGION
