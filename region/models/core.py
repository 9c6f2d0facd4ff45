"""Region-silo models: organizations and what hangs off them, region options and relays,
bookkeeping.

Field names are exactly those of Sentry's export records, declared in export order, so a record's
``fields`` map onto a model one to one. Same-silo references are ForeignKeys named without ``_id``
(records carry ``"organization": 1``); references to control-silo users, and Sentry's implicit
references (``environment.organization_id``), are CrossSiloRef ``*_id`` integers. Created
timestamps default to now but are never ``auto_now``: an import keeps the source values. Nullable
strings (DJ001) mirror Sentry, whose exports tell null apart from ``""``.
"""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from typing_extensions import override

from shared.backup.declarations import Collision, OnCollision, RecordContext, Relocation
from shared.backup.orm.chunk_models import BaseImportChunk
from shared.backup.orm.fields import CrossSiloRef, FlagsField, JsonValueField
from shared.backup.orm.option_models import BaseOption
from shared.backup.scopes import RelocationScope


def generate_key() -> str:
    """A fresh 32-hex-character DSN key, like Sentry's ``ProjectKey.generate_api_key``."""
    return uuid.uuid4().hex


# Sentry's OrganizationStatus for an organization a relocation imported and nobody approved yet.
RELOCATION_PENDING_APPROVAL = 3


class Organization(models.Model):
    """An organization (``sentry.organization``)."""

    relocation: ClassVar[Relocation] = Relocation(
        name="sentry.organization",
        scopes=frozenset({RelocationScope.ORGANIZATION}),
        collisions=(OnCollision(("slug",), Collision.SUFFIX, case_insensitive=True),),
        slug_field="slug",
    )

    name = models.CharField(max_length=64)
    slug = models.SlugField(max_length=50, unique=True)
    status = models.PositiveIntegerField(default=0)
    date_added = models.DateTimeField(default=timezone.now)
    default_role = models.CharField(max_length=32, default="member")
    is_test = models.BooleanField(default=False)
    # Sentry's default sets bit 0, allow_joinleave.
    flags = FlagsField(default=1)

    class Meta:
        db_table = "sentry_organization"
        # The case-insensitive slug collision lookup compares lower(slug).
        indexes = (models.Index(Lower("slug"), name="sentry_org_slug_lower"),)

    @override
    def __str__(self) -> str:
        return f"{self.slug}"

    @classmethod
    def relocation_normalize(cls, values: dict[str, Any], ctx: RecordContext) -> None:
        """Normalize the slug as Sentry does (lower case, ``_`` -> ``-``, no edge dashes); with
        --hide-organizations, imported organizations wait for approval (status 3)."""
        slug = values.get("slug")
        if isinstance(slug, str):
            values["slug"] = slug.lower().replace("_", "-").strip("-") or slug
        if ctx.flags.hide_organizations:
            values["status"] = RELOCATION_PENDING_APPROVAL


class OrganizationMember(models.Model):
    """A membership of, or pending invite to, an organization (``sentry.organizationmember``)."""

    relocation: ClassVar[Relocation] = Relocation(
        name="sentry.organizationmember",
        scopes=frozenset({RelocationScope.ORGANIZATION}),
        collisions=(OnCollision(("token",), Collision.CLEAR, also_clear=("token_expires_at",)),),
    )

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE)
    user_id = CrossSiloRef(to="sentry.user", null=True, blank=True)
    email = models.EmailField(max_length=75, null=True, blank=True)  # noqa: DJ001
    role = models.CharField(max_length=32, default="member")
    flags = FlagsField(default=0)
    token = models.CharField(max_length=64, null=True, blank=True, unique=True)
    date_added = models.DateTimeField(default=timezone.now)
    token_expires_at = models.DateTimeField(null=True, default=None)
    has_global_access = models.BooleanField(default=True)
    inviter_id = CrossSiloRef(to="sentry.user", null=True, blank=True, null_when_missing=True)
    invite_status = models.PositiveSmallIntegerField(default=0)
    type = models.PositiveIntegerField(default=50, blank=True)
    user_is_active = models.BooleanField(default=True)
    user_email = models.CharField(max_length=75, null=True, blank=True)  # noqa: DJ001

    class Meta:
        db_table = "sentry_organizationmember"
        unique_together = (("organization", "user_id"), ("organization", "email"))

    @override
    def __str__(self) -> str:
        return f"member {self.pk} of organization {self.organization_id}"


class OrganizationOption(models.Model):
    """One option of one organization (``sentry.organizationoption``)."""

    relocation: ClassVar[Relocation] = Relocation(
        name="sentry.organizationoption",
        scopes=frozenset({RelocationScope.ORGANIZATION}),
        collisions=(OnCollision(("key", "organization"), Collision.OVERWRITE),),
    )

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE)
    key = models.CharField(max_length=64)
    value = JsonValueField(null=True)

    class Meta:
        db_table = "sentry_organizationoptions"
        unique_together = (("organization", "key"),)

    @override
    def __str__(self) -> str:
        return f"{self.key} (organization {self.organization_id})"


class Team(models.Model):
    """A team within an organization (``sentry.team``)."""

    relocation: ClassVar[Relocation] = Relocation(
        name="sentry.team",
        scopes=frozenset({RelocationScope.ORGANIZATION}),
    )

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE)
    slug = models.SlugField(max_length=50)
    name = models.CharField(max_length=64)
    status = models.PositiveIntegerField(default=0)
    idp_provisioned = models.BooleanField(default=False)
    date_added = models.DateTimeField(null=True, default=timezone.now)
    org_role = models.CharField(max_length=32, null=True, blank=True)  # noqa: DJ001

    class Meta:
        db_table = "sentry_team"
        unique_together = (("organization", "slug"),)

    @override
    def __str__(self) -> str:
        return f"{self.slug}"


class OrganizationMemberTeam(models.Model):
    """A member's membership of a team (``sentry.organizationmemberteam``)."""

    relocation: ClassVar[Relocation] = Relocation(
        name="sentry.organizationmemberteam",
        scopes=frozenset({RelocationScope.ORGANIZATION}),
    )

    team = models.ForeignKey(Team, on_delete=models.CASCADE)
    organizationmember = models.ForeignKey(OrganizationMember, on_delete=models.CASCADE)
    is_active = models.BooleanField(default=True)
    role = models.CharField(max_length=32, null=True, blank=True)  # noqa: DJ001

    class Meta:
        db_table = "sentry_organizationmember_teams"
        unique_together = (("team", "organizationmember"),)

    @override
    def __str__(self) -> str:
        return f"member {self.organizationmember_id} in team {self.team_id}"


class Project(models.Model):
    """A project within an organization (``sentry.project``)."""

    relocation: ClassVar[Relocation] = Relocation(
        name="sentry.project",
        scopes=frozenset({RelocationScope.ORGANIZATION}),
        # A full restore keeps project ids, so DSNs and SDK configuration keep working.
        keep_pk_in_global=True,
    )

    slug = models.SlugField(max_length=100)
    name = models.CharField(max_length=200)
    forced_color = models.CharField(max_length=6, null=True, blank=True)  # noqa: DJ001
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE)
    public = models.BooleanField(default=False)
    date_added = models.DateTimeField(default=timezone.now)
    status = models.PositiveIntegerField(default=0, db_index=True)
    first_event = models.DateTimeField(null=True, blank=True)
    # Sentry's default, as exports of fresh projects show ("10").
    flags = FlagsField(default=10)
    platform = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    # The project template the project was created from, if any.
    template = models.ForeignKey(
        "region.ProjectTemplate", on_delete=models.SET_NULL, null=True, blank=True
    )

    class Meta:
        db_table = "sentry_project"
        unique_together = (("organization", "slug"),)

    @override
    def __str__(self) -> str:
        return f"{self.slug}"


class ProjectTeam(models.Model):
    """A team's access to a project (``sentry.projectteam``)."""

    relocation: ClassVar[Relocation] = Relocation(
        name="sentry.projectteam",
        scopes=frozenset({RelocationScope.ORGANIZATION}),
    )

    project = models.ForeignKey(Project, on_delete=models.CASCADE)
    team = models.ForeignKey(Team, on_delete=models.CASCADE)

    class Meta:
        db_table = "sentry_projectteam"
        unique_together = (("project", "team"),)

    @override
    def __str__(self) -> str:
        return f"team {self.team_id} on project {self.project_id}"


class ProjectKey(models.Model):
    """A project's client key, the credentials of its DSN (``sentry.projectkey``)."""

    relocation: ClassVar[Relocation] = Relocation(
        name="sentry.projectkey",
        scopes=frozenset({RelocationScope.ORGANIZATION}),
        collisions=(
            OnCollision(("public_key",), Collision.REGENERATE),
            OnCollision(("secret_key",), Collision.REGENERATE),
        ),
    )

    project = models.ForeignKey(Project, on_delete=models.CASCADE)
    label = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    public_key = models.CharField(max_length=32, unique=True, default=generate_key)
    secret_key = models.CharField(max_length=32, unique=True, default=generate_key)
    # Sentry's default sets bit 0, store.
    roles = FlagsField(default=1)
    status = models.PositiveSmallIntegerField(default=0, db_index=True)
    date_added = models.DateTimeField(null=True, default=timezone.now)
    rate_limit_count = models.PositiveIntegerField(null=True, blank=True)
    rate_limit_window = models.PositiveIntegerField(null=True, blank=True)
    data = models.JSONField(default=dict)

    class Meta:
        db_table = "sentry_projectkey"

    @override
    def __str__(self) -> str:
        return f"{self.public_key}"


class ProjectOption(models.Model):
    """One option of one project (``sentry.projectoption``)."""

    relocation: ClassVar[Relocation] = Relocation(
        name="sentry.projectoption",
        scopes=frozenset({RelocationScope.ORGANIZATION}),
        # Creating a project may already have created its options: write onto those rows.
        collisions=(OnCollision(("key", "project"), Collision.OVERWRITE),),
    )

    project = models.ForeignKey(Project, on_delete=models.CASCADE)
    key = models.CharField(max_length=64)
    value = JsonValueField(null=True)

    class Meta:
        db_table = "sentry_projectoptions"
        unique_together = (("project", "key"),)

    @override
    def __str__(self) -> str:
        return f"{self.key} (project {self.project_id})"


class Option(BaseOption):
    """One region-silo instance option (``sentry.option``)."""

    relocation: ClassVar[Relocation] = Relocation(
        name="sentry.option",
        scopes=frozenset({RelocationScope.CONFIG}),
        collisions=(OnCollision(("key",), Collision.KEEP_OR_OVERWRITE),),
    )

    class Meta:
        db_table = "sentry_option"


class Environment(models.Model):
    """A named deployment environment of an organization (``sentry.environment``)."""

    relocation: ClassVar[Relocation] = Relocation(
        name="sentry.environment",
        scopes=frozenset({RelocationScope.ORGANIZATION}),
    )

    # Sentry's implicit foreign key: an integer without a database constraint.
    organization_id = CrossSiloRef(to="sentry.organization")
    name = models.CharField(max_length=64)
    date_added = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "sentry_environment"
        unique_together = (("organization_id", "name"),)

    @override
    def __str__(self) -> str:
        return f"{self.name}"


class EnvironmentProject(models.Model):
    """An environment's use by one project (``sentry.environmentproject``)."""

    relocation: ClassVar[Relocation] = Relocation(
        name="sentry.environmentproject",
        scopes=frozenset({RelocationScope.ORGANIZATION}),
    )

    project = models.ForeignKey(Project, on_delete=models.CASCADE)
    environment = models.ForeignKey(Environment, on_delete=models.CASCADE)
    is_hidden = models.BooleanField(null=True, default=None)

    class Meta:
        db_table = "sentry_environmentproject"
        unique_together = (("project", "environment"),)

    @override
    def __str__(self) -> str:
        return f"environment {self.environment_id} in project {self.project_id}"


class Rule(models.Model):
    """An issue alert rule of one project (``sentry.rule``)."""

    relocation: ClassVar[Relocation] = Relocation(
        name="sentry.rule",
        scopes=frozenset({RelocationScope.ORGANIZATION}),
    )

    project = models.ForeignKey(Project, on_delete=models.CASCADE)
    # Sentry's implicit foreign key to the environment the rule is limited to, if any.
    environment_id = CrossSiloRef(to="sentry.environment", null=True, blank=True)
    label = models.CharField(max_length=256)
    # JSON text (conditions, actions, frequency), kept verbatim.
    data = models.TextField(default="{}", blank=True)
    status = models.PositiveIntegerField(default=0, db_index=True)
    source = models.PositiveIntegerField(default=0)
    # The rule's owner: a control-silo user or a team (Sentry's former ``owner`` actor).
    owner_user_id = CrossSiloRef(to="sentry.user", null=True, blank=True)
    owner_team = models.ForeignKey(Team, on_delete=models.SET_NULL, null=True, blank=True)
    date_added = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "sentry_rule"

    @override
    def __str__(self) -> str:
        return f"{self.label}"


class Relay(models.Model):
    """A Relay the instance trusts, identified by its id and public key (``sentry.relay``)."""

    relocation: ClassVar[Relocation] = Relocation(
        name="sentry.relay",
        scopes=frozenset({RelocationScope.CONFIG}),
        collisions=(OnCollision(("relay_id",), Collision.KEEP_OR_OVERWRITE),),
    )

    relay_id = models.CharField(max_length=64, unique=True)
    public_key = models.CharField(max_length=200)
    first_seen = models.DateTimeField(null=True, default=None)
    last_seen = models.DateTimeField(null=True, default=None)
    is_internal = models.BooleanField(null=True, default=None)

    class Meta:
        db_table = "sentry_relay"

    @override
    def __str__(self) -> str:
        return f"{self.relay_id}"


class RelayUsage(models.Model):
    """When one Relay ran one version (``sentry.relayusage``)."""

    relocation: ClassVar[Relocation] = Relocation(
        name="sentry.relayusage",
        scopes=frozenset({RelocationScope.CONFIG}),
        collisions=(OnCollision(("relay_id", "version"), Collision.KEEP_OR_OVERWRITE),),
    )

    relay_id = models.CharField(max_length=64)
    version = models.CharField(max_length=32, default="0.0.1")
    first_seen = models.DateTimeField(default=timezone.now)
    last_seen = models.DateTimeField(default=timezone.now)
    public_key = models.CharField(max_length=200, null=True, blank=True, db_index=True)  # noqa: DJ001

    class Meta:
        db_table = "sentry_relayusage"
        unique_together = (("relay_id", "version"),)

    @override
    def __str__(self) -> str:
        return f"{self.relay_id} {self.version}"


class RegionImportChunk(BaseImportChunk):
    """The ledger row of one batch imported into the region silo (``sentry.regionimportchunk``)."""

    relocation: ClassVar[Relocation] = Relocation(
        name="sentry.regionimportchunk",
        scopes=frozenset({RelocationScope.EXCLUDED}),
    )

    class Meta(BaseImportChunk.Meta):
        db_table = "sentry_regionimportchunk"


class ControlImportChunkReplica(BaseImportChunk):
    """The region's copy of a control batch's ledger row (``sentry.controlimportchunkreplica``).

    Written by the orchestrator after a successful control call, so region-side consumers can read
    which users an import created without calling control.
    """

    relocation: ClassVar[Relocation] = Relocation(
        name="sentry.controlimportchunkreplica",
        scopes=frozenset({RelocationScope.EXCLUDED}),
    )

    class Meta(BaseImportChunk.Meta):
        db_table = "sentry_controlimportchunkreplica"


class RelocationRecord(models.Model):
    """The record of one import run, keyed by its import uuid (``sentry.relocation``).

    Bookkeeping: Excluded, so never exported nor imported, and kept when a Global import clears
    the region (``relocation_survives_clear``): a record must outlive the clearing it describes.
    Written only over RegionImportService.
    """

    relocation_survives_clear: ClassVar[bool] = True

    relocation: ClassVar[Relocation] = Relocation(
        name="sentry.relocation",
        scopes=frozenset({RelocationScope.EXCLUDED}),
    )

    uuid = models.CharField(max_length=64, primary_key=True)
    # OperationScope's value: User, Organization, Config or Global.
    scope = models.CharField(max_length=16)
    flags = models.JSONField(default=dict)
    source_sha256 = models.CharField(max_length=64)
    # The version of relocate that started (or last resumed) the import.
    tool_version = models.CharField(max_length=64, default="", blank=True)
    # RelocationStep's value.
    step = models.CharField(max_length=16)
    # RelocationStatus's value.
    status = models.CharField(max_length=16, db_index=True)
    progress = models.JSONField(default=dict)
    failure_reason = models.TextField(default="", blank=True)
    date_added = models.DateTimeField(default=timezone.now)
    date_updated = models.DateTimeField(default=timezone.now)
    date_finished = models.DateTimeField(null=True)
    # PostStepName's value -> PostStep.as_json() plus "updated" (ISO time); see post_step().
    post_steps = models.JSONField(default=dict)

    class Meta:
        db_table = "sentry_relocation"

    @override
    def __str__(self) -> str:
        return f"{self.uuid} {self.scope} {self.status} at {self.step}"
