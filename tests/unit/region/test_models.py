"""The region models declare what Sentry's exports and dependency graph say about them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.db import IntegrityError, models, transaction

from region import models as region_models
from region.events.models import EVENT_ADJACENT_MODELS
from shared.backup.declarations import Collision
from shared.backup.dependencies import DependencyGraph
from shared.backup.descriptors import Silo, UniqueSet
from shared.backup.errors import ModelNotInSiloError, UnknownModelError
from shared.backup.orm.registry import SiloRegistry, build_registry, unique_sets
from shared.backup.scopes import RelocationScope
from tests.support.silo_unit import Expected, check_descriptor, check_registry, fk, names_of

ORG = frozenset({RelocationScope.ORGANIZATION})
CONFIG = frozenset({RelocationScope.CONFIG})

# Each silo's models, as the catalog lists them (control tests check each control one).
CONTROL_NAMES = names_of(Silo.CONTROL)
REGION_NAMES = names_of(Silo.REGION)

# Field lists of export-format.md section 4, in file order (optional ones included).
EXPORT_FIELDS: dict[str, tuple[str, ...]] = {
    "sentry.organization": (
        "name",
        "slug",
        "status",
        "date_added",
        "default_role",
        "is_test",
        "flags",
    ),
    "sentry.organizationmember": (
        "organization",
        "user_id",
        "email",
        "role",
        "flags",
        "token",
        "date_added",
        "token_expires_at",
        "has_global_access",
        "inviter_id",
        "invite_status",
        "type",
        "user_is_active",
        "user_email",
    ),
    "sentry.organizationmemberteam": ("team", "organizationmember", "is_active", "role"),
    "sentry.team": (
        "organization",
        "slug",
        "name",
        "status",
        "actor",
        "idp_provisioned",
        "date_added",
        "org_role",
    ),
    "sentry.project": (
        "slug",
        "name",
        "forced_color",
        "organization",
        "public",
        "date_added",
        "status",
        "first_event",
        "flags",
        "platform",
        "template",
    ),
    "sentry.projectkey": (
        "project",
        "label",
        "public_key",
        "secret_key",
        "roles",
        "status",
        "date_added",
        "rate_limit_count",
        "rate_limit_window",
        "data",
    ),
    "sentry.projectoption": ("project", "key", "value"),
    "sentry.projectteam": ("project", "team"),
    "sentry.option": ("key", "last_updated", "last_updated_by", "value"),
    "sentry.relay": ("relay_id", "public_key", "first_seen", "last_seen", "is_internal"),
    "sentry.relayusage": ("relay_id", "version", "first_seen", "last_seen", "public_key"),
    "sentry.rule": (
        "project",
        "environment_id",
        "label",
        "data",
        "status",
        "source",
        "owner",
        "owner_user_id",
        "owner_team",
        "date_added",
    ),
    # Not in section 4: Sentry's model fields.
    "sentry.organizationoption": ("organization", "key", "value"),
    "sentry.environment": ("organization_id", "name", "date_added"),
    "sentry.environmentproject": ("project", "environment", "is_hidden"),
}

# Export fields we deliberately do not carry, with the reason.
NOT_CARRIED: dict[tuple[str, str], str] = {
    ("sentry.team", "actor"): "FK to sentry.actor, which left Sentry's graph; only old exports",
    ("sentry.rule", "owner"): "FK to sentry.actor, which left Sentry's graph; only old exports",
}


_fk = fk


EXPECTED: dict[str, Expected] = {
    "sentry.organization": Expected(ORG, unique_sets=frozenset({("slug",)})),
    "sentry.organizationmember": Expected(
        ORG,
        frozenset(
            {
                _fk("organization", "sentry.organization"),
                _fk("user_id", "sentry.user", nullable=True),
                _fk("inviter_id", "sentry.user", nullable=True, nwm=True),
            }
        ),
        frozenset({("email", "organization"), ("organization", "user_id"), ("token",)}),
    ),
    "sentry.organizationmemberteam": Expected(
        ORG,
        frozenset(
            {
                _fk("team", "sentry.team"),
                _fk("organizationmember", "sentry.organizationmember"),
            }
        ),
        frozenset({("organizationmember", "team")}),
    ),
    "sentry.team": Expected(
        ORG,
        frozenset({_fk("organization", "sentry.organization")}),
        frozenset({("organization", "slug")}),
    ),
    "sentry.project": Expected(
        ORG,
        frozenset(
            {
                _fk("organization", "sentry.organization"),
                _fk("template", "sentry.projecttemplate", nullable=True),
            }
        ),
        frozenset({("organization", "slug")}),
    ),
    "sentry.projecttemplate": Expected(
        ORG,
        frozenset({_fk("organization", "sentry.organization")}),
        frozenset({("name", "organization")}),
    ),
    "sentry.projecttemplateoption": Expected(
        ORG,
        frozenset({_fk("project_template", "sentry.projecttemplate")}),
        frozenset({("key", "project_template")}),
    ),
    "sentry.projectteam": Expected(
        ORG,
        frozenset({_fk("project", "sentry.project"), _fk("team", "sentry.team")}),
        frozenset({("project", "team")}),
    ),
    "sentry.projectkey": Expected(
        ORG,
        frozenset({_fk("project", "sentry.project")}),
        frozenset({("public_key",), ("secret_key",)}),
    ),
    "sentry.projectoption": Expected(
        ORG,
        frozenset({_fk("project", "sentry.project")}),
        frozenset({("key", "project")}),
    ),
    "sentry.option": Expected(CONFIG, unique_sets=frozenset({("key",)})),
    "sentry.organizationoption": Expected(
        ORG,
        frozenset({_fk("organization", "sentry.organization")}),
        frozenset({("key", "organization")}),
    ),
    "sentry.environment": Expected(
        ORG,
        frozenset({_fk("organization_id", "sentry.organization")}),
        frozenset({("name", "organization_id")}),
    ),
    "sentry.environmentproject": Expected(
        ORG,
        frozenset({_fk("project", "sentry.project"), _fk("environment", "sentry.environment")}),
        frozenset({("environment", "project")}),
    ),
    "sentry.rule": Expected(
        ORG,
        frozenset(
            {
                _fk("project", "sentry.project"),
                _fk("environment_id", "sentry.environment", nullable=True),
                _fk("owner_user_id", "sentry.user", nullable=True),
                _fk("owner_team", "sentry.team", nullable=True),
            }
        ),
    ),
    "sentry.relay": Expected(CONFIG, unique_sets=frozenset({("relay_id",)})),
    "sentry.relayusage": Expected(CONFIG, unique_sets=frozenset({("relay_id", "version")})),
    # region.events (issue #7): releases, their links, and the sentry.event extension.
    "sentry.release": Expected(
        ORG,
        frozenset({_fk("organization", "sentry.organization")}),
        frozenset({("organization", "version")}),
    ),
    "sentry.releaseproject": Expected(
        ORG,
        frozenset({_fk("project", "sentry.project"), _fk("release", "sentry.release")}),
        frozenset({("project", "release")}),
    ),
    "sentry.releaseenvironment": Expected(
        ORG,
        frozenset(
            {
                _fk("organization", "sentry.organization"),
                _fk("release", "sentry.release"),
                _fk("environment", "sentry.environment"),
            }
        ),
        frozenset({("environment", "organization", "release")}),
    ),
    "sentry.releaseprojectenvironment": Expected(
        ORG,
        frozenset(
            {
                _fk("project", "sentry.project"),
                _fk("release", "sentry.release"),
                _fk("environment", "sentry.environment"),
            }
        ),
        frozenset({("environment", "project", "release")}),
    ),
    "sentry.event": Expected(
        ORG,
        frozenset({_fk("project", "sentry.project")}),
        frozenset({("day", "event_id", "project")}),
        # The rows an event's save path gets or creates are imported before it.
        dependencies=EVENT_ADJACENT_MODELS,
    ),
}


@pytest.fixture(scope="module")
def registry() -> SiloRegistry:
    return build_registry("region", Silo.REGION)


def test_registry_holds_exactly_the_relocatable_region_models(registry):
    check_registry(registry, Silo.REGION, EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_descriptor_matches_sentry_metadata(registry, name):
    check_descriptor(registry, name, EXPECTED[name])


@pytest.mark.parametrize("name", sorted(EXPORT_FIELDS))
def test_fields_are_the_export_fields_in_file_order(registry, name):
    carried = tuple(f for f in EXPORT_FIELDS[name] if (name, f) not in NOT_CARRIED)
    assert registry.get(name).descriptor.fields == carried


@pytest.mark.parametrize(
    ("name", "fields", "action", "case_insensitive", "also_clear"),
    [
        ("sentry.organization", ("slug",), Collision.SUFFIX, True, ()),
        ("sentry.organizationmember", ("token",), Collision.CLEAR, False, ("token_expires_at",)),
        ("sentry.organizationmember", ("organization", "user_id"), Collision.ERROR, False, ()),
        ("sentry.projectkey", ("public_key",), Collision.REGENERATE, False, ()),
        ("sentry.projectkey", ("secret_key",), Collision.REGENERATE, False, ()),
        ("sentry.option", ("key",), Collision.KEEP_OR_OVERWRITE, False, ()),
        ("sentry.team", ("organization", "slug"), Collision.ERROR, False, ()),
        ("sentry.projectoption", ("key", "project"), Collision.OVERWRITE, False, ()),
        ("sentry.organizationoption", ("key", "organization"), Collision.OVERWRITE, False, ()),
        ("sentry.relay", ("relay_id",), Collision.KEEP_OR_OVERWRITE, False, ()),
        ("sentry.relayusage", ("relay_id", "version"), Collision.KEEP_OR_OVERWRITE, False, ()),
        ("sentry.environment", ("name", "organization_id"), Collision.ERROR, False, ()),
        ("sentry.environmentproject", ("environment", "project"), Collision.ERROR, False, ()),
    ],
)
def test_collision_policies(registry, name, fields, action, case_insensitive, also_clear):
    policy = registry.get(name).policy(UniqueSet(tuple(sorted(fields))))
    assert policy.action is action
    assert policy.case_insensitive is case_insensitive
    assert policy.also_clear == also_clear
    assert policy.when_null == ()


def test_only_projects_keep_their_pk_in_global_scope(registry):
    kept = {n for n, m in registry.models.items() if m.declaration.keep_pk_in_global}
    assert kept == {"sentry.project"}


def test_no_region_model_is_skipped_for_a_merged_owner(registry):
    assert not any(m.declaration.skip_when_owner_merged for m in registry.models.values())


def test_only_organization_records_a_slug(registry):
    slugged = {n for n, m in registry.models.items() if m.declaration.slug_field}
    assert slugged == {"sentry.organization"}
    assert registry.get("sentry.organization").declaration.slug_field == "slug"


def test_registry_tells_control_models_apart_from_unknown_and_excluded_ones(registry):
    with pytest.raises(ModelNotInSiloError):
        registry.get("sentry.user")
    for name in ("sentry.regionimportchunk", "sentry.controlimportchunkreplica", "sentry.nope"):
        with pytest.raises(UnknownModelError):
            registry.get(name)


def test_cross_silo_refs_have_no_database_constraint():
    refs = (
        (region_models.OrganizationMember, "user_id"),
        (region_models.OrganizationMember, "inviter_id"),
        (region_models.Environment, "organization_id"),
        (region_models.Rule, "environment_id"),
    )
    for model, name in refs:
        field = model._meta.get_field(name)
        assert not field.is_relation, (model, name)
        assert isinstance(field, models.BigIntegerField)


def test_import_chunk_tables_are_unique_per_import_model_and_ordinal():
    for model in (region_models.RegionImportChunk, region_models.ControlImportChunkReplica):
        assert unique_sets(model) == [UniqueSet(("import_uuid", "min_ordinal", "model"))]
        assert model.relocation.scopes == frozenset({RelocationScope.EXCLUDED})


def test_tables_are_named_like_sentrys():
    tables = {
        m.relocation.name: m._meta.db_table
        for m in (
            region_models.Organization,
            region_models.OrganizationMember,
            region_models.OrganizationMemberTeam,
            region_models.ProjectOption,
            region_models.RegionImportChunk,
            region_models.OrganizationOption,
            region_models.Environment,
            region_models.EnvironmentProject,
            region_models.Rule,
            region_models.Relay,
            region_models.RelayUsage,
        )
    }
    assert tables == {
        "sentry.organization": "sentry_organization",
        "sentry.organizationmember": "sentry_organizationmember",
        "sentry.organizationmemberteam": "sentry_organizationmember_teams",
        "sentry.projectoption": "sentry_projectoptions",
        "sentry.regionimportchunk": "sentry_regionimportchunk",
        "sentry.organizationoption": "sentry_organizationoptions",
        "sentry.environment": "sentry_environment",
        "sentry.environmentproject": "sentry_environmentproject",
        "sentry.rule": "sentry_rule",
        "sentry.relay": "sentry_relay",
        "sentry.relayusage": "sentry_relayusage",
    }


def test_graph_with_control_orders_dependencies_first(registry, control_descriptors):
    graph = DependencyGraph.from_descriptors([*registry.descriptors(), *control_descriptors])
    order = [str(name) for name in graph.sorted_models()]
    assert order.index("sentry.user") < order.index("sentry.email")
    assert order.index("sentry.email") < order.index("sentry.useremail")
    assert order.index("sentry.organization") < order.index("sentry.team")
    assert order.index("sentry.team") < order.index("sentry.projectteam")
    assert order.index("sentry.user") < order.index("sentry.organizationmember")
    assert order.index("sentry.organization") < order.index("sentry.environment")
    for dependent in ("sentry.environmentproject", "sentry.rule"):
        assert order.index("sentry.environment") < order.index(dependent)
        assert order.index("sentry.project") < order.index(dependent)
    # Control models that reference region ones come after them, across silos.
    for dependent in ("sentry.useroption", "sentry.orgauthtoken"):
        assert order.index("sentry.project") < order.index(dependent)
    for dependent in ("sentry.apikey", "sentry.organizationintegration", "sentry.apitoken"):
        assert order.index("sentry.organization") < order.index(dependent)
    assert order.index("sentry.integration") < order.index("sentry.organizationintegration")
    assert order.index("sentry.apiapplication") < order.index("sentry.apitoken")
    assert len(order) == len(REGION_NAMES) + len(CONTROL_NAMES)


def test_migrations_are_up_to_date():
    call_command("makemigrations", "region", "events", check=True, dry_run=True, verbosity=0)


@pytest.mark.usefixtures("db")
def test_defaults_fill_fields_older_exports_lack():
    org = region_models.Organization.objects.create(name="Acme", slug="acme")
    project = region_models.Project.objects.create(organization=org, slug="web", name="Web")
    key = region_models.ProjectKey.objects.create(project=project)
    member = region_models.OrganizationMember.objects.create(organization=org, user_id=7)
    org.refresh_from_db()
    project.refresh_from_db()
    key.refresh_from_db()
    member.refresh_from_db()
    assert (org.flags, org.status, org.default_role) == (1, 0, "member")
    assert project.flags == 10
    assert key.roles == 1
    assert key.data == {}
    assert len(key.public_key) == 32
    assert len(key.secret_key) == 32
    assert key.public_key != key.secret_key
    assert (member.role, member.type, member.has_global_access) == ("member", 50, True)
    assert member.inviter_id is None


@pytest.mark.usefixtures("db")
def test_created_timestamps_keep_the_imported_value():
    then = dt.datetime(2023, 6, 1, 12, 0, 0, 123000, tzinfo=dt.UTC)
    org = region_models.Organization.objects.create(name="Old", slug="old", date_added=then)
    org.name = "Older"
    org.save()
    org.refresh_from_db()
    assert org.date_added == then


@pytest.mark.usefixtures("db")
@pytest.mark.parametrize("value", ['"23.6.1"', "23.6.1", 1696000000, 12.5, ["a"], {"k": 1}, None])
def test_option_values_round_trip_as_any_json(value):
    option = region_models.Option.objects.create(key="sentry:test", value=value)
    option.refresh_from_db()
    assert option.value == value


@pytest.mark.usefixtures("db")
def test_duplicate_import_chunk_is_refused():
    fields = {"import_uuid": "u", "model": "sentry.team", "min_ordinal": 1, "max_ordinal": 2}
    region_models.RegionImportChunk.objects.create(**fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        region_models.RegionImportChunk.objects.create(**fields)


@pytest.mark.usefixtures("db")
def test_defaults_of_new_models_fill_fields_older_exports_lack():
    org = region_models.Organization.objects.create(name="Acme", slug="acme")
    project = region_models.Project.objects.create(organization=org, slug="web", name="Web")
    env = region_models.Environment.objects.create(organization_id=org.pk, name="production")
    env_project = region_models.EnvironmentProject.objects.create(project=project, environment=env)
    rule = region_models.Rule.objects.create(project=project, label="Notify")
    relay = region_models.Relay.objects.create(relay_id="r", public_key="k")
    usage = region_models.RelayUsage.objects.create(relay_id="r")
    for obj in (env_project, rule, relay, usage):
        obj.refresh_from_db()
    assert env_project.is_hidden is None
    assert (rule.environment_id, rule.data, rule.status, rule.source) == (None, "{}", 0, 0)
    assert (relay.first_seen, relay.last_seen, relay.is_internal) == (None, None, None)
    assert (usage.version, usage.public_key) == ("0.0.1", None)


@pytest.mark.usefixtures("db")
def test_new_unique_sets_are_enforced_by_the_database():
    org = region_models.Organization.objects.create(name="Acme", slug="acme")
    project = region_models.Project.objects.create(organization=org, slug="web", name="Web")
    env = region_models.Environment.objects.create(organization_id=org.pk, name="production")
    with pytest.raises(IntegrityError), transaction.atomic():
        region_models.Environment.objects.create(organization_id=org.pk, name="production")
    region_models.EnvironmentProject.objects.create(project=project, environment=env)
    with pytest.raises(IntegrityError), transaction.atomic():
        region_models.EnvironmentProject.objects.create(project=project, environment=env)
    region_models.OrganizationOption.objects.create(organization=org, key="k", value="1")
    with pytest.raises(IntegrityError), transaction.atomic():
        region_models.OrganizationOption.objects.create(organization=org, key="k", value="2")
    region_models.Relay.objects.create(relay_id="r", public_key="k")
    with pytest.raises(IntegrityError), transaction.atomic():
        region_models.Relay.objects.create(relay_id="r", public_key="k2")
    region_models.RelayUsage.objects.create(relay_id="r", version="24.2.0")
    with pytest.raises(IntegrityError), transaction.atomic():
        region_models.RelayUsage.objects.create(relay_id="r", version="24.2.0")


@pytest.mark.usefixtures("db")
@pytest.mark.parametrize("value", ["true", '["password"]', 0, False, {"k": [1]}, None])
def test_organization_option_values_round_trip_as_any_json(value):
    org = region_models.Organization.objects.create(name="Acme", slug="acme")
    option = region_models.OrganizationOption.objects.create(
        organization=org, key="sentry:test", value=value
    )
    option.refresh_from_db()
    assert option.value == value


@pytest.mark.usefixtures("db")
def test_rule_data_is_kept_as_exported_text():
    org = region_models.Organization.objects.create(name="Acme", slug="acme")
    project = region_models.Project.objects.create(organization=org, slug="web", name="Web")
    data = '{"action_match": "all", "actions": [], "conditions": [], "frequency": 30}'
    rule = region_models.Rule.objects.create(project=project, label="Notify", data=data)
    rule.refresh_from_db()
    assert rule.data == data
