"""Region-silo models around organizations and projects: cron monitors, saved and recent
searches, issue views, access requests, secrecy waivers, custom sampling rules, the project
counter, repositories, project redirects, ownership, integrations, bookmarks and service hooks
(issue #13).
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import models
from django.utils import timezone
from typing_extensions import override

from region.models.core import Organization, OrganizationMember, Project, Team
from region.models.defaults import token_hex, uuid_hex, uuid_text
from shared.backup.declarations import RecordContext, Relocation
from shared.backup.orm.fields import CrossSiloRef
from shared.backup.scopes import OperationScope, RelocationScope


class Repository(models.Model):
    """(``sentry.repository``)."""

    relocation: ClassVar[Relocation] = Relocation(
        name="sentry.repository",
        scopes=frozenset({RelocationScope.GLOBAL}),
    )

    organization_id = CrossSiloRef(to="sentry.organization")
    name = models.CharField(max_length=200)
    url = models.URLField(max_length=200, null=True, blank=True)  # noqa: DJ001
    provider = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    external_id = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    config = models.JSONField(default=dict)
    status = models.PositiveIntegerField(default=0)
    date_added = models.DateTimeField(default=timezone.now)
    integration_id = CrossSiloRef(to="sentry.integration", null=True, blank=True)
    languages = models.TextField(null=True, blank=True)  # noqa: DJ001 - a list as Sentry's serializer wrote it

    class Meta:
        db_table = "sentry_repository"
        unique_together = (("external_id", "organization_id", "provider"),)

    @override
    def __str__(self) -> str:
        return f"sentry.repository {self.pk}"


class SavedSearch(models.Model):
    """(``sentry.savedsearch``)."""

    relocation: ClassVar[Relocation] = Relocation(
        name="sentry.savedsearch",
        scopes=frozenset({RelocationScope.ORGANIZATION}),
    )

    organization = models.ForeignKey(
        Organization, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    type = models.PositiveSmallIntegerField(null=True, blank=True, default=0)
    name = models.CharField(max_length=128)
    query = models.TextField()
    sort = models.CharField(max_length=16, null=True, blank=True, default="date")  # noqa: DJ001
    date_added = models.DateTimeField(default=timezone.now)
    is_global = models.BooleanField(null=True, blank=True, default=False)
    owner_id = CrossSiloRef(to="sentry.user", null=True, blank=True)
    visibility = models.CharField(max_length=16, default="owner")

    class Meta:
        db_table = "sentry_savedsearch"
        # Partial, as in Sentry: a global search's name is unique among global searches, and
        # an owner pins one search per type and organization.
        constraints = (
            models.UniqueConstraint(
                fields=("is_global", "name"),
                condition=models.Q(is_global=True),
                name="sentry_savedsearch_global_name",
            ),
            models.UniqueConstraint(
                fields=("organization", "owner_id", "type"),
                condition=models.Q(visibility="owner_pinned"),
                name="sentry_savedsearch_pinned_per_owner",
            ),
        )

    @override
    def __str__(self) -> str:
        return f"sentry.savedsearch {self.pk}"


class RecentSearch(models.Model):
    """(``sentry.recentsearch``)."""

    relocation: ClassVar[Relocation] = Relocation(
        name="sentry.recentsearch",
        scopes=frozenset({RelocationScope.ORGANIZATION}),
    )

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    user_id = CrossSiloRef(to="sentry.user")
    type = models.PositiveSmallIntegerField()
    query = models.TextField()
    query_hash = models.CharField(max_length=32)
    last_seen = models.DateTimeField(default=timezone.now)
    date_added = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "sentry_recentsearch"
        unique_together = (("organization", "query_hash", "type", "user_id"),)

    @override
    def __str__(self) -> str:
        return f"sentry.recentsearch {self.pk}"


class OrganizationAccessRequest(models.Model):
    """(``sentry.organizationaccessrequest``)."""

    relocation: ClassVar[Relocation] = Relocation(
        name="sentry.organizationaccessrequest",
        scopes=frozenset({RelocationScope.ORGANIZATION}),
    )

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(OrganizationMember, on_delete=models.CASCADE, related_name="+")
    requester_id = CrossSiloRef(to="sentry.user", null=True, blank=True)

    class Meta:
        db_table = "sentry_organizationaccessrequest"
        unique_together = (("member", "team"),)

    @override
    def __str__(self) -> str:
        return f"sentry.organizationaccessrequest {self.pk}"


class Monitor(models.Model):
    """(``sentry.monitor``)."""

    relocation: ClassVar[Relocation] = Relocation(
        name="sentry.monitor",
        scopes=frozenset({RelocationScope.ORGANIZATION}),
    )

    date_added = models.DateTimeField(default=timezone.now)
    organization_id = CrossSiloRef(to="sentry.organization")
    project_id = CrossSiloRef(to="sentry.project")
    status = models.PositiveIntegerField(default=0)
    guid = models.CharField(max_length=36, default=uuid_text, unique=True)
    slug = models.SlugField(max_length=50)
    is_muted = models.BooleanField(default=False)
    name = models.CharField(max_length=128)
    type = models.PositiveIntegerField(default=0)
    owner_user_id = CrossSiloRef(to="sentry.user", null=True, blank=True)
    owner_team_id = models.BigIntegerField(null=True, blank=True)
    config = models.JSONField(default=dict)

    class Meta:
        db_table = "sentry_monitor"
        unique_together = (("project_id", "slug"),)

    @override
    def __str__(self) -> str:
        return f"sentry.monitor {self.pk}"

    @classmethod
    def relocation_normalize(cls, values: dict[str, Any], ctx: RecordContext) -> None:
        """An imported monitor gets a fresh guid (check-ins address monitors by it)."""
        if ctx.scope is OperationScope.GLOBAL:
            return  # a Global import restores: it keeps what the export says
        values["guid"] = uuid_text()


class GroupSearchView(models.Model):
    """(``sentry.groupsearchview``)."""

    relocation: ClassVar[Relocation] = Relocation(
        name="sentry.groupsearchview",
        scopes=frozenset({RelocationScope.ORGANIZATION}),
    )

    date_updated = models.DateTimeField(default=timezone.now)
    date_added = models.DateTimeField(null=True, blank=True, default=timezone.now)
    name = models.TextField()
    user_id = CrossSiloRef(to="sentry.user")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    query = models.TextField()
    query_sort = models.CharField(max_length=16, default="date")
    position = models.PositiveSmallIntegerField()
    is_all_projects = models.BooleanField()
    environments = models.TextField(null=True, blank=True)  # noqa: DJ001 - a list as Sentry's serializer wrote it
    time_filters = models.JSONField(default=dict)

    class Meta:
        db_table = "sentry_groupsearchview"
        unique_together = (("organization_id", "position", "user_id"),)

    @override
    def __str__(self) -> str:
        return f"sentry.groupsearchview {self.pk}"


class DataSecrecyWaiver(models.Model):
    """(``sentry.datasecrecywaiver``)."""

    relocation: ClassVar[Relocation] = Relocation(
        name="sentry.datasecrecywaiver",
        scopes=frozenset({RelocationScope.ORGANIZATION}),
    )

    date_updated = models.DateTimeField(default=timezone.now)
    date_added = models.DateTimeField(null=True, blank=True, default=timezone.now)
    organization = models.OneToOneField(Organization, on_delete=models.CASCADE, related_name="+")
    access_start = models.DateTimeField(default=timezone.now)
    access_end = models.DateTimeField(default=timezone.now)
    zendesk_tickets = models.TextField(null=True, blank=True)  # noqa: DJ001 - a list as Sentry's serializer wrote it

    class Meta:
        db_table = "sentry_datasecrecywaiver"

    @override
    def __str__(self) -> str:
        return f"sentry.datasecrecywaiver {self.pk}"


class CustomDynamicSamplingRule(models.Model):
    """(``sentry.customdynamicsamplingrule``)."""

    relocation: ClassVar[Relocation] = Relocation(
        name="sentry.customdynamicsamplingrule",
        scopes=frozenset({RelocationScope.ORGANIZATION}),
    )

    date_added = models.DateTimeField(default=timezone.now)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    is_active = models.BooleanField(default=True)
    is_org_level = models.BooleanField(default=False)
    rule_id = models.IntegerField(default=0)
    condition = models.TextField()
    sample_rate = models.FloatField(default=0.0)
    start_date = models.DateTimeField(default=timezone.now)
    end_date = models.DateTimeField()
    num_samples = models.IntegerField()
    condition_hash = models.CharField(max_length=40)
    query = models.TextField(null=True, blank=True)  # noqa: DJ001
    created_by_id = CrossSiloRef(to="sentry.user", null=True, blank=True)
    notification_sent = models.BooleanField(null=True, blank=True)

    class Meta:
        db_table = "sentry_customdynamicsamplingrule"

    @override
    def __str__(self) -> str:
        return f"sentry.customdynamicsamplingrule {self.pk}"


class Counter(models.Model):
    """(``sentry.counter``)."""

    relocation: ClassVar[Relocation] = Relocation(
        name="sentry.counter",
        scopes=frozenset({RelocationScope.ORGANIZATION}),
    )

    project = models.OneToOneField(Project, on_delete=models.CASCADE, related_name="+")
    value = models.BigIntegerField()

    class Meta:
        db_table = "sentry_projectcounter"

    @override
    def __str__(self) -> str:
        return f"sentry.counter {self.pk}"


class ProjectRedirect(models.Model):
    """(``sentry.projectredirect``)."""

    relocation: ClassVar[Relocation] = Relocation(
        name="sentry.projectredirect",
        scopes=frozenset({RelocationScope.ORGANIZATION}),
    )

    redirect_slug = models.SlugField(max_length=50)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    date_added = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "sentry_projectredirect"
        unique_together = (("organization", "redirect_slug"),)

    @override
    def __str__(self) -> str:
        return f"sentry.projectredirect {self.pk}"


class ProjectOwnership(models.Model):
    """(``sentry.projectownership``)."""

    relocation: ClassVar[Relocation] = Relocation(
        name="sentry.projectownership",
        scopes=frozenset({RelocationScope.ORGANIZATION}),
    )

    project = models.OneToOneField(Project, on_delete=models.CASCADE, related_name="+")
    raw = models.TextField(null=True, blank=True)  # noqa: DJ001
    schema = models.JSONField(null=True, blank=True)
    fallthrough = models.BooleanField(default=True)
    auto_assignment = models.BooleanField(default=True)
    date_created = models.DateTimeField(default=timezone.now)
    last_updated = models.DateTimeField(default=timezone.now)
    is_active = models.BooleanField(default=True)
    codeowners_auto_sync = models.BooleanField(null=True, blank=True, default=True)
    suspect_committer_auto_assignment = models.BooleanField(default=False)

    class Meta:
        db_table = "sentry_projectownership"

    @override
    def __str__(self) -> str:
        return f"sentry.projectownership {self.pk}"


class ProjectIntegration(models.Model):
    """(``sentry.projectintegration``)."""

    relocation: ClassVar[Relocation] = Relocation(
        name="sentry.projectintegration",
        scopes=frozenset({RelocationScope.GLOBAL}),
    )

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    integration_id = CrossSiloRef(to="sentry.integration")
    config = models.JSONField(default=dict)

    class Meta:
        db_table = "sentry_projectintegration"
        unique_together = (("integration_id", "project"),)

    @override
    def __str__(self) -> str:
        return f"sentry.projectintegration {self.pk}"


class ProjectBookmark(models.Model):
    """(``sentry.projectbookmark``)."""

    relocation: ClassVar[Relocation] = Relocation(
        name="sentry.projectbookmark",
        scopes=frozenset({RelocationScope.ORGANIZATION}),
    )

    project = models.ForeignKey(
        Project, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    user_id = CrossSiloRef(to="sentry.user")
    date_added = models.DateTimeField(null=True, blank=True, default=timezone.now)

    class Meta:
        db_table = "sentry_projectbookmark"
        unique_together = (("project", "user_id"),)

    @override
    def __str__(self) -> str:
        return f"sentry.projectbookmark {self.pk}"


class CustomDynamicSamplingRuleProject(models.Model):
    """(``sentry.customdynamicsamplingruleproject``)."""

    relocation: ClassVar[Relocation] = Relocation(
        name="sentry.customdynamicsamplingruleproject",
        scopes=frozenset({RelocationScope.ORGANIZATION}),
    )

    custom_dynamic_sampling_rule = models.ForeignKey(
        CustomDynamicSamplingRule, on_delete=models.CASCADE, related_name="+"
    )
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")

    class Meta:
        db_table = "sentry_customdynamicsamplingruleproject"
        unique_together = (("custom_dynamic_sampling_rule", "project"),)

    @override
    def __str__(self) -> str:
        return f"sentry.customdynamicsamplingruleproject {self.pk}"


class ServiceHook(models.Model):
    """(``sentry.servicehook``)."""

    relocation: ClassVar[Relocation] = Relocation(
        name="sentry.servicehook",
        scopes=frozenset({RelocationScope.GLOBAL}),
    )

    guid = models.CharField(max_length=32, null=True, blank=True, default=uuid_hex, unique=True)
    application_id = CrossSiloRef(to="sentry.apiapplication", null=True, blank=True)
    actor_id = models.BigIntegerField()
    installation_id = CrossSiloRef(to="sentry.sentryappinstallation", null=True, blank=True)
    project_id = CrossSiloRef(to="sentry.project", null=True, blank=True)
    organization_id = CrossSiloRef(to="sentry.organization", null=True, blank=True)
    url = models.URLField(max_length=512)
    secret = models.TextField(default=token_hex)
    events = models.TextField(null=True, blank=True)  # noqa: DJ001 - a list as Sentry's serializer wrote it
    status = models.PositiveIntegerField(default=0)
    version = models.PositiveIntegerField(default=0)
    date_added = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "sentry_servicehook"

    @override
    def __str__(self) -> str:
        return f"sentry.servicehook {self.pk}"
