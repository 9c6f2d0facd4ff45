"""The control models declare what Sentry's exports and dependency graph say about them."""

from __future__ import annotations

import datetime as dt
import string
from dataclasses import dataclass

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction

from control import models as control_models
from shared.backup.declarations import Collision
from shared.backup.descriptors import ForeignKey, Silo, UniqueSet
from shared.backup.errors import ModelNotInSiloError, UnknownModelError
from shared.backup.model_names import ModelName
from shared.backup.orm.registry import SiloRegistry, build_registry, unique_sets
from shared.backup.scopes import RelocationScope

USER = frozenset({RelocationScope.USER})
CONFIG = frozenset({RelocationScope.CONFIG})
EXCLUDED = frozenset({RelocationScope.EXCLUDED})

REGION_NAMES = (
    "sentry.organization",
    "sentry.organizationmember",
    "sentry.organizationmemberteam",
    "sentry.team",
    "sentry.project",
    "sentry.projectteam",
    "sentry.projectkey",
    "sentry.projectoption",
    "sentry.option",
)

# Field lists of export-format.md section 4, in file order. Every one is carried.
EXPORT_FIELDS: dict[str, tuple[str, ...]] = {
    "sentry.user": (
        "password",
        "last_login",
        "username",
        "name",
        "email",
        "is_staff",
        "is_active",
        "is_superuser",
        "is_managed",
        "is_sentry_app",
        "is_password_expired",
        "is_unclaimed",
        "last_password_change",
        "flags",
        "session_nonce",
        "date_joined",
        "last_active",
        "avatar_type",
        "avatar_url",
    ),
    "sentry.email": ("email", "date_added"),
    "sentry.useremail": ("user", "email", "validation_hash", "date_hash_added", "is_verified"),
    "sentry.userrole": ("date_updated", "date_added", "name", "permissions"),
    "sentry.userroleuser": ("date_updated", "date_added", "user", "role"),
    "sentry.userpermission": ("user", "permission"),
    "sentry.controloption": ("key", "last_updated", "last_updated_by", "value"),
}


@dataclass(frozen=True)
class Expected:
    scopes: frozenset[RelocationScope]
    foreign_keys: frozenset[ForeignKey] = frozenset()
    unique_sets: frozenset[tuple[str, ...]] = frozenset()
    dependencies: tuple[str, ...] = ()


def _fk(field: str, target: str) -> ForeignKey:
    return ForeignKey(field, ModelName(target))


EXPECTED: dict[str, Expected] = {
    "sentry.user": Expected(USER, unique_sets=frozenset({("username",)})),
    "sentry.email": Expected(
        USER, unique_sets=frozenset({("email",)}), dependencies=("sentry.user",)
    ),
    "sentry.useremail": Expected(
        USER,
        frozenset({_fk("user", "sentry.user")}),
        frozenset({("email", "user")}),
        dependencies=("sentry.email",),
    ),
    "sentry.userpermission": Expected(
        CONFIG, frozenset({_fk("user", "sentry.user")}), frozenset({("permission", "user")})
    ),
    "sentry.userrole": Expected(CONFIG, unique_sets=frozenset({("name",)})),
    "sentry.userroleuser": Expected(
        CONFIG, frozenset({_fk("user", "sentry.user"), _fk("role", "sentry.userrole")})
    ),
    "sentry.controloption": Expected(CONFIG, unique_sets=frozenset({("key",)})),
}


@pytest.fixture(scope="module")
def registry() -> SiloRegistry:
    return build_registry("control", Silo.CONTROL)


def test_registry_holds_exactly_the_relocatable_control_models(registry):
    assert set(registry.models) == set(EXPECTED)
    assert registry.all_names == set(EXPECTED) | set(REGION_NAMES)
    assert all(m.descriptor.silo is Silo.CONTROL for m in registry.models.values())


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_descriptor_matches_sentry_metadata(registry, name):
    descriptor = registry.get(name).descriptor
    expected = EXPECTED[name]
    assert descriptor.scopes == expected.scopes
    assert set(descriptor.foreign_keys) == expected.foreign_keys
    assert {u.fields for u in descriptor.unique_sets} == expected.unique_sets
    assert descriptor.relocation_dependencies == expected.dependencies


@pytest.mark.parametrize("name", sorted(EXPORT_FIELDS))
def test_fields_are_the_export_fields_in_file_order(registry, name):
    assert registry.get(name).descriptor.fields == EXPORT_FIELDS[name]


@pytest.mark.parametrize(
    ("name", "fields", "action", "case_insensitive"),
    [
        ("sentry.user", ("username",), Collision.SUFFIX_OR_MERGE, True),
        ("sentry.email", ("email",), Collision.REUSE, True),
        ("sentry.useremail", ("email", "user"), Collision.ERROR, False),
        ("sentry.userpermission", ("permission", "user"), Collision.ERROR, False),
        ("sentry.userrole", ("name",), Collision.KEEP_OR_OVERWRITE, False),
        ("sentry.controloption", ("key",), Collision.KEEP_OR_OVERWRITE, False),
    ],
)
def test_collision_policies(registry, name, fields, action, case_insensitive):
    policy = registry.get(name).policy(UniqueSet(fields))
    assert policy.action is action
    assert policy.case_insensitive is case_insensitive


def test_no_control_model_records_a_slug(registry):
    assert all(m.declaration.slug_field is None for m in registry.models.values())


def test_registry_tells_region_models_apart_from_unknown_and_excluded_ones(registry):
    with pytest.raises(ModelNotInSiloError):
        registry.get("sentry.organization")
    excluded = (
        "sentry.organizationmapping",
        "sentry.organizationslugreservation",
        "sentry.controlimportchunk",
    )
    for name in (*excluded, "sentry.nope"):
        with pytest.raises(UnknownModelError):
            registry.get(name)


def test_bookkeeping_models_are_excluded_with_sentrys_unique_sets():
    assert control_models.OrganizationMapping.relocation.scopes == EXCLUDED
    assert control_models.OrganizationSlugReservation.relocation.scopes == EXCLUDED
    assert control_models.ControlImportChunk.relocation.scopes == EXCLUDED
    assert set(unique_sets(control_models.OrganizationMapping)) == {
        UniqueSet(("organization_id",)),
        UniqueSet(("slug",)),
    }
    assert set(unique_sets(control_models.OrganizationSlugReservation)) == {
        UniqueSet(("slug",)),
        UniqueSet(("organization_id", "reservation_type")),
    }
    assert unique_sets(control_models.ControlImportChunk) == [
        UniqueSet(("import_uuid", "min_ordinal", "model"))
    ]


def test_slug_reservation_types_are_sentrys():
    kinds = control_models.OrganizationSlugReservationType
    assert (kinds.PRIMARY, kinds.VANITY_ALIAS, kinds.TEMPORARY_RENAME_ALIAS) == (0, 1, 2)


def test_tables_are_named_like_sentrys():
    tables = {
        m.relocation.name: m._meta.db_table
        for m in (
            control_models.User,
            control_models.Email,
            control_models.UserRoleUser,
            control_models.ControlImportChunk,
        )
    }
    assert tables == {
        "sentry.user": "auth_user",
        "sentry.email": "sentry_email",
        "sentry.userroleuser": "sentry_userrole_users",
        "sentry.controlimportchunk": "sentry_controlimportchunk",
    }


def test_migrations_are_up_to_date():
    call_command("makemigrations", "control", check=True, dry_run=True, verbosity=0)


@pytest.mark.usefixtures("db")
def test_defaults_fill_fields_older_exports_lack():
    user = control_models.User.objects.create(username="alice")
    user_email = control_models.UserEmail.objects.create(user=user, email="a@example.com")
    option = control_models.ControlOption.objects.create(key="system.url-prefix")
    user.refresh_from_db()
    user_email.refresh_from_db()
    option.refresh_from_db()
    assert (user.flags, user.is_active, user.is_staff, user.is_sentry_app) == (0, True, False, None)
    assert (user.password, user.name, user.email, user.avatar_type) == ("", "", "", 0)
    assert len(user_email.validation_hash) == 32
    assert set(user_email.validation_hash) <= set(string.ascii_letters + string.digits)
    assert user_email.is_verified is False
    assert option.last_updated_by == "unknown"
    assert option.value is None


@pytest.mark.usefixtures("db")
def test_values_are_kept_as_imported():
    then = dt.datetime(2023, 6, 1, 12, 0, 0, 123000, tzinfo=dt.UTC)
    role = control_models.UserRole.objects.create(
        name="Super Admin",
        permissions="['broadcasts.admin', 'users.admin']",
        date_added=then,
        date_updated=then,
    )
    role.save()
    role.refresh_from_db()
    assert role.permissions == "['broadcasts.admin', 'users.admin']"
    assert (role.date_added, role.date_updated) == (then, then)


@pytest.mark.usefixtures("db")
def test_unique_sets_are_enforced_by_the_database():
    user = control_models.User.objects.create(username="bob")
    control_models.UserPermission.objects.create(user=user, permission="users.admin")
    with pytest.raises(IntegrityError), transaction.atomic():
        control_models.UserPermission.objects.create(user=user, permission="users.admin")
    control_models.OrganizationSlugReservation.objects.create(slug="acme", organization_id=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        control_models.OrganizationSlugReservation.objects.create(slug="acme-2", organization_id=1)
