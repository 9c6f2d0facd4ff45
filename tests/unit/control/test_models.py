"""The control models declare what Sentry's exports and dependency graph say about them."""

from __future__ import annotations

import datetime as dt
import string

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction

from control import models as control_models
from shared.backup.declarations import Collision
from shared.backup.descriptors import Silo, UniqueSet
from shared.backup.errors import ModelNotInSiloError, UnknownModelError
from shared.backup.orm.registry import SiloRegistry, build_registry, unique_sets
from shared.backup.scopes import RelocationScope
from tests.support.silo_unit import Expected, check_descriptor, check_registry, fk, names_of

USER = frozenset({RelocationScope.USER})
ORG = frozenset({RelocationScope.ORGANIZATION})
CONFIG = frozenset({RelocationScope.CONFIG})
GLOBAL = frozenset({RelocationScope.GLOBAL})
CONFIG_OR_GLOBAL = frozenset({RelocationScope.CONFIG, RelocationScope.GLOBAL})
EXCLUDED = frozenset({RelocationScope.EXCLUDED})

# The region silo's models, as the catalog lists them (region tests check each one).
REGION_NAMES = names_of(Silo.REGION)
CONTROL_NAMES = names_of(Silo.CONTROL)

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
    "sentry.authenticator": ("user", "created_at", "last_used_at", "type", "config"),
    "sentry.userip": (
        "user",
        "ip_address",
        "country_code",
        "region_code",
        "first_seen",
        "last_seen",
    ),
    "sentry.useroption": ("user", "project_id", "organization_id", "key", "value"),
    "sentry.controloption": ("key", "last_updated", "last_updated_by", "value"),
    "sentry.orgauthtoken": (
        "organization_id",
        "token_hashed",
        "token_last_characters",
        "name",
        "scope_list",
        "created_by",
        "date_added",
        "date_last_used",
        "project_last_used_id",
        "date_deactivated",
    ),
    "sentry.apitoken": (
        "scopes",
        "scope_list",
        "application",
        "user",
        "token",
        "refresh_token",
        "expires_at",
        "date_added",
    ),
    "sentry.apikey": (
        "organization_id",
        "label",
        "key",
        "scopes",
        "scope_list",
        "status",
        "date_added",
        "allowed_origins",
    ),
    "sentry.apiapplication": (
        "client_id",
        "client_secret",
        "owner",
        "name",
        "status",
        "allowed_origins",
        "redirect_uris",
        "homepage_url",
        "privacy_url",
        "terms_url",
        "date_added",
    ),
    "sentry.integration": (
        "date_added",
        "date_updated",
        "external_id",
        "name",
        "provider",
        "status",
    ),
}

# Fields newer Sentry models have that the section 4 lists lack: every field we carry, in order.
ALL_FIELDS: dict[str, tuple[str, ...]] = {
    "sentry.apitoken": (
        "scopes",
        "scope_list",
        "scoping_organization_id",
        "application",
        "user",
        "name",
        "token",
        "hashed_token",
        "token_type",
        "token_last_characters",
        "refresh_token",
        "hashed_refresh_token",
        "expires_at",
        "date_added",
    ),
    "sentry.integration": (
        "date_added",
        "date_updated",
        "external_id",
        "metadata",
        "name",
        "provider",
        "status",
    ),
    # Not in section 4 at all: Sentry's model fields.
    "sentry.organizationintegration": (
        "date_added",
        "date_updated",
        "organization_id",
        "integration",
        "config",
        "default_auth_id",
        "status",
        "grace_period_end",
    ),
}


_fk = fk


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
    "sentry.userip": Expected(
        GLOBAL, frozenset({_fk("user", "sentry.user")}), frozenset({("ip_address", "user")})
    ),
    "sentry.useroption": Expected(
        USER,
        frozenset(
            {
                _fk("user", "sentry.user"),
                _fk("project_id", "sentry.project", nullable=True),
                _fk("organization_id", "sentry.organization", nullable=True),
            }
        ),
        frozenset({("key", "organization_id", "user"), ("key", "project_id", "user")}),
    ),
    "sentry.authenticator": Expected(
        GLOBAL, frozenset({_fk("user", "sentry.user")}), frozenset({("type", "user")})
    ),
    "sentry.apiapplication": Expected(
        GLOBAL,
        frozenset({_fk("owner", "sentry.user", nullable=True)}),
        frozenset({("client_id",)}),
    ),
    "sentry.apitoken": Expected(
        CONFIG_OR_GLOBAL,
        frozenset(
            {
                _fk("application", "sentry.apiapplication", nullable=True),
                _fk("user", "sentry.user"),
                _fk("scoping_organization_id", "sentry.organization", nullable=True),
            }
        ),
        frozenset({("token",), ("refresh_token",), ("hashed_token",), ("hashed_refresh_token",)}),
    ),
    "sentry.apikey": Expected(
        GLOBAL,
        frozenset({_fk("organization_id", "sentry.organization")}),
        frozenset({("key",)}),
    ),
    "sentry.orgauthtoken": Expected(
        ORG,
        frozenset(
            {
                _fk("organization_id", "sentry.organization"),
                _fk("created_by", "sentry.user", nullable=True),
                _fk("project_last_used_id", "sentry.project", nullable=True, nwm=True),
            }
        ),
        frozenset({("token_hashed",)}),
    ),
    "sentry.integration": Expected(GLOBAL, unique_sets=frozenset({("external_id", "provider")})),
    "sentry.organizationintegration": Expected(
        GLOBAL,
        frozenset(
            {
                _fk("organization_id", "sentry.organization"),
                _fk("integration", "sentry.integration"),
            }
        ),
        frozenset({("integration", "organization_id")}),
    ),
    "sentry.authprovider": Expected(
        GLOBAL,
        frozenset({_fk("organization_id", "sentry.organization")}),
        frozenset({("organization_id",)}),
    ),
    "sentry.authidentity": Expected(
        GLOBAL,
        frozenset({_fk("user", "sentry.user"), _fk("auth_provider", "sentry.authprovider")}),
        frozenset({("auth_provider", "ident"), ("auth_provider", "user")}),
    ),
    "sentry.apigrant": Expected(
        GLOBAL,
        frozenset(
            {
                _fk("user", "sentry.user"),
                _fk("application", "sentry.apiapplication"),
                _fk("organization_id", "sentry.organization", nullable=True),
            }
        ),
    ),
    "sentry.apiauthorization": Expected(
        CONFIG_OR_GLOBAL,
        frozenset(
            {
                _fk("user", "sentry.user"),
                _fk("application", "sentry.apiapplication", nullable=True),
                _fk("organization_id", "sentry.organization", nullable=True),
            }
        ),
        frozenset({("application", "user"), ("application", "organization_id", "user")}),
    ),
    "sentry.sentryapp": Expected(
        GLOBAL,
        frozenset(
            {
                _fk("application", "sentry.apiapplication", nullable=True),
                _fk("proxy_user", "sentry.user", nullable=True),
                _fk("creator_user", "sentry.user", nullable=True),
                _fk("owner_id", "sentry.organization"),
            }
        ),
        frozenset({("application",), ("proxy_user",), ("slug",)}),
    ),
    "sentry.sentryappinstallation": Expected(
        GLOBAL,
        frozenset(
            {
                _fk("sentry_app", "sentry.sentryapp"),
                _fk("organization_id", "sentry.organization"),
                _fk("api_grant", "sentry.apigrant", nullable=True),
                _fk("api_token", "sentry.apitoken", nullable=True),
            }
        ),
        frozenset({("api_grant",), ("api_token",)}),
    ),
    "sentry.sentryappcomponent": Expected(
        GLOBAL, frozenset({_fk("sentry_app", "sentry.sentryapp")}), frozenset({("uuid",)})
    ),
}


@pytest.fixture(scope="module")
def registry() -> SiloRegistry:
    return build_registry("control", Silo.CONTROL)


def test_registry_holds_exactly_the_relocatable_control_models(registry):
    check_registry(registry, Silo.CONTROL, EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_descriptor_matches_sentry_metadata(registry, name):
    check_descriptor(registry, name, EXPECTED[name])


@pytest.mark.parametrize("name", sorted(EXPORT_FIELDS))
def test_fields_are_the_export_fields_in_file_order(registry, name):
    fields = registry.get(name).descriptor.fields
    documented = set(EXPORT_FIELDS[name])
    assert tuple(f for f in fields if f in documented) == EXPORT_FIELDS[name]
    assert fields == ALL_FIELDS.get(name, EXPORT_FIELDS[name])


@pytest.mark.parametrize("name", sorted(ALL_FIELDS))
def test_fields_newer_sentry_adds_are_carried_in_its_order(registry, name):
    assert registry.get(name).descriptor.fields == ALL_FIELDS[name]


@pytest.mark.parametrize(
    ("name", "fields", "action", "case_insensitive"),
    [
        ("sentry.user", ("username",), Collision.SUFFIX_OR_MERGE, True),
        ("sentry.email", ("email",), Collision.REUSE, True),
        ("sentry.useremail", ("email", "user"), Collision.OVERWRITE, False),
        ("sentry.userpermission", ("permission", "user"), Collision.ERROR, False),
        ("sentry.userrole", ("name",), Collision.KEEP_OR_OVERWRITE, False),
        ("sentry.controloption", ("key",), Collision.KEEP_OR_OVERWRITE, False),
        ("sentry.userip", ("ip_address", "user"), Collision.REUSE, False),
        ("sentry.useroption", ("key", "organization_id", "user"), Collision.ERROR, False),
        ("sentry.useroption", ("key", "project_id", "user"), Collision.ERROR, False),
        ("sentry.authenticator", ("type", "user"), Collision.ERROR, False),
        ("sentry.apiapplication", ("client_id",), Collision.ERROR, False),
        ("sentry.apitoken", ("token",), Collision.REGENERATE, False),
        ("sentry.apitoken", ("refresh_token",), Collision.REGENERATE, False),
        ("sentry.apitoken", ("hashed_token",), Collision.REGENERATE, False),
        ("sentry.apitoken", ("hashed_refresh_token",), Collision.REGENERATE, False),
        ("sentry.apikey", ("key",), Collision.ERROR, False),
        ("sentry.orgauthtoken", ("token_hashed",), Collision.REGENERATE, False),
        ("sentry.integration", ("external_id", "provider"), Collision.ERROR, False),
        (
            "sentry.organizationintegration",
            ("integration", "organization_id"),
            Collision.ERROR,
            False,
        ),
    ],
)
def test_collision_policies(registry, name, fields, action, case_insensitive):
    policy = registry.get(name).policy(UniqueSet(fields))
    assert policy.action is action
    assert policy.case_insensitive is case_insensitive
    assert policy.when_null == ()


def test_a_users_global_option_is_reused_although_the_database_cannot_say_it_is_unique(registry):
    rm = registry.get("sentry.useroption")
    (policy,) = rm.declaration.collisions
    assert (policy.fields, policy.action) == (("key", "user"), Collision.REUSE)
    assert policy.when_null == ("organization_id", "project_id")
    # Not a database unique set: nulls never collide, so only the declaration knows it.
    assert UniqueSet(("key", "user")) not in rm.descriptor.unique_sets


def test_user_owned_records_of_a_merged_user_are_skipped(registry):
    skipping = {
        n: m.declaration.skip_when_owner_merged
        for n, m in registry.models.items()
        if m.declaration.skip_when_owner_merged
    }
    assert skipping == {
        "sentry.useremail": ("user",),
        "sentry.userpermission": ("user",),
        "sentry.userip": ("user",),
        "sentry.useroption": ("user",),
    }


def test_no_control_model_keeps_its_pk(registry):
    assert not any(m.declaration.keep_pk_in_global for m in registry.models.values())


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


def test_bookkeeping_models_are_excluded_with_unique_sets_per_region():
    assert control_models.OrganizationMapping.relocation.scopes == EXCLUDED
    assert control_models.OrganizationSlugReservation.relocation.scopes == EXCLUDED
    assert control_models.ControlImportChunk.relocation.scopes == EXCLUDED
    assert set(unique_sets(control_models.OrganizationMapping)) == {
        UniqueSet(("organization_id", "region_name")),
        UniqueSet(("slug",)),
    }
    assert set(unique_sets(control_models.OrganizationSlugReservation)) == {
        UniqueSet(("slug",)),
        UniqueSet(("organization_id", "region_name", "reservation_type")),
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
            control_models.UserIP,
            control_models.UserOption,
            control_models.Authenticator,
            control_models.ApiApplication,
            control_models.ApiToken,
            control_models.ApiKey,
            control_models.OrgAuthToken,
            control_models.Integration,
            control_models.OrganizationIntegration,
        )
    }
    assert tables == {
        "sentry.user": "auth_user",
        "sentry.email": "sentry_email",
        "sentry.userroleuser": "sentry_userrole_users",
        "sentry.controlimportchunk": "sentry_controlimportchunk",
        "sentry.userip": "sentry_userip",
        "sentry.useroption": "sentry_useroption",
        "sentry.authenticator": "auth_authenticator",
        "sentry.apiapplication": "sentry_apiapplication",
        "sentry.apitoken": "sentry_apitoken",
        "sentry.apikey": "sentry_apikey",
        "sentry.orgauthtoken": "sentry_orgauthtoken",
        "sentry.integration": "sentry_integration",
        "sentry.organizationintegration": "sentry_organizationintegration",
    }


def test_references_to_region_models_have_no_database_constraint():
    refs = (
        (control_models.UserOption, "project_id"),
        (control_models.UserOption, "organization_id"),
        (control_models.ApiToken, "scoping_organization_id"),
        (control_models.ApiKey, "organization_id"),
        (control_models.OrgAuthToken, "organization_id"),
        (control_models.OrgAuthToken, "project_last_used_id"),
        (control_models.OrganizationIntegration, "organization_id"),
    )
    for model, name in refs:
        field = model._meta.get_field(name)
        assert not field.is_relation, (model, name)


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


@pytest.mark.usefixtures("db")
def test_defaults_of_new_models_fill_fields_older_exports_lack():
    user = control_models.User.objects.create(username="carol")
    app = control_models.ApiApplication.objects.create(redirect_uris="https://a.example/cb")
    token = control_models.ApiToken.objects.create(user=user)
    key = control_models.ApiKey.objects.create(organization_id=1)
    integration = control_models.Integration.objects.create(
        provider="github", external_id="1", name="acme"
    )
    installed = control_models.OrganizationIntegration.objects.create(
        organization_id=1, integration=integration
    )
    ip = control_models.UserIP.objects.create(user=user, ip_address="192.0.2.1")
    for obj in (app, token, key, integration, installed, ip):
        obj.refresh_from_db()
    assert len(app.client_id) == 64
    assert len(app.client_secret) == 64
    assert app.client_id != app.client_secret
    assert (app.status, app.name, app.allowed_origins) == (0, "", None)
    assert len(token.token) == 64
    assert token.refresh_token is not None
    assert len(token.refresh_token) == 64
    assert token.expires_at is not None
    lifetime = token.expires_at - token.date_added
    assert dt.timedelta(days=29) < lifetime <= dt.timedelta(days=30, seconds=1)
    assert (token.scopes, token.scope_list, token.hashed_token, token.token_type) == (
        0,
        "[]",
        None,
        None,
    )
    assert (key.label, key.scopes, key.scope_list, key.status) == ("Default", 0, "[]", 0)
    assert len(key.key) == 32
    assert (integration.metadata, integration.status) == ({}, 0)
    assert (installed.config, installed.status, installed.default_auth_id) == ({}, 0, None)
    assert (ip.country_code, ip.region_code) == (None, None)


@pytest.mark.usefixtures("db")
def test_empty_and_null_text_stay_distinct():
    first = control_models.ApiApplication.objects.create(
        client_id="a" * 64, redirect_uris="", allowed_origins=""
    )
    second = control_models.ApiApplication.objects.create(
        client_id="b" * 64, redirect_uris="https://x.example/cb\nhttps://y.example/cb"
    )
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.allowed_origins == ""
    assert second.allowed_origins is None
    assert second.redirect_uris == "https://x.example/cb\nhttps://y.example/cb"


@pytest.mark.usefixtures("db")
def test_new_unique_sets_are_enforced_by_the_database():
    user = control_models.User.objects.create(username="dave")
    control_models.UserIP.objects.create(user=user, ip_address="192.0.2.7")
    with pytest.raises(IntegrityError), transaction.atomic():
        control_models.UserIP.objects.create(user=user, ip_address="192.0.2.7")
    control_models.Authenticator.objects.create(user=user, type=1, config='""')
    with pytest.raises(IntegrityError), transaction.atomic():
        control_models.Authenticator.objects.create(user=user, type=1, config='""')
    control_models.UserOption.objects.create(user=user, organization_id=3, key="k", value="1")
    with pytest.raises(IntegrityError), transaction.atomic():
        control_models.UserOption.objects.create(user=user, organization_id=3, key="k")
    integration = control_models.Integration.objects.create(
        provider="slack", external_id="T1", name="acme"
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        control_models.Integration.objects.create(provider="slack", external_id="T1", name="b")
    control_models.OrganizationIntegration.objects.create(
        organization_id=4, integration=integration
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        control_models.OrganizationIntegration.objects.create(
            organization_id=4, integration=integration
        )


@pytest.mark.usefixtures("db")
def test_duplicate_global_user_options_pass_the_database():
    # Why sentry.useroption declares a when_null policy: nulls never collide in a unique set.
    user = control_models.User.objects.create(username="erin")
    control_models.UserOption.objects.create(user=user, key="timezone", value='"UTC"')
    control_models.UserOption.objects.create(user=user, key="timezone", value='"UTC"')
    assert control_models.UserOption.objects.filter(user=user, key="timezone").count() == 2


@pytest.mark.usefixtures("db")
@pytest.mark.parametrize("value", ['"Europe/Vienna"', "UTC", 1, 0.5, ["a"], {"k": 1}, True])
def test_user_option_values_round_trip_as_any_json(value):
    user = control_models.User.objects.create(username="frank")
    option = control_models.UserOption.objects.create(user=user, key="k", value=value)
    option.refresh_from_db()
    assert option.value == value
