"""Region-silo dashboards: dashboards, their widgets and widget queries, permissions, favourites
and tombstones of prebuilt ones (issue #13).
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils import timezone
from typing_extensions import override

from region.models.core import Organization, Team
from shared.backup.declarations import Relocation
from shared.backup.orm.fields import CrossSiloRef
from shared.backup.scopes import RelocationScope


class DashboardTombstone(models.Model):
    """(``sentry.dashboardtombstone``)."""

    relocation: ClassVar[Relocation] = Relocation(
        name="sentry.dashboardtombstone",
        scopes=frozenset({RelocationScope.ORGANIZATION}),
    )

    slug = models.SlugField(max_length=255)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    date_added = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "sentry_dashboardtombstone"
        unique_together = (("organization", "slug"),)

    @override
    def __str__(self) -> str:
        return f"sentry.dashboardtombstone {self.pk}"


class Dashboard(models.Model):
    """(``sentry.dashboard``)."""

    relocation: ClassVar[Relocation] = Relocation(
        name="sentry.dashboard",
        scopes=frozenset({RelocationScope.ORGANIZATION}),
    )

    title = models.CharField(max_length=255)
    created_by_id = CrossSiloRef(to="sentry.user")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    date_added = models.DateTimeField(default=timezone.now)
    visits = models.BigIntegerField(null=True, blank=True, default=1)
    last_visited = models.DateTimeField(null=True, blank=True, default=timezone.now)
    filters = models.JSONField(null=True, blank=True)

    class Meta:
        db_table = "sentry_dashboard"
        unique_together = (("organization", "title"),)

    @override
    def __str__(self) -> str:
        return f"sentry.dashboard {self.pk}"


class DashboardWidget(models.Model):
    """(``sentry.dashboardwidget``)."""

    relocation: ClassVar[Relocation] = Relocation(
        name="sentry.dashboardwidget",
        scopes=frozenset({RelocationScope.ORGANIZATION}),
    )

    dashboard = models.ForeignKey(Dashboard, on_delete=models.CASCADE, related_name="+")
    order = models.PositiveIntegerField()
    title = models.CharField(max_length=255)
    description = models.CharField(max_length=255, null=True, blank=True)  # noqa: DJ001
    thresholds = models.JSONField(null=True, blank=True)
    interval = models.CharField(max_length=10, null=True, blank=True)  # noqa: DJ001
    display_type = models.PositiveIntegerField()
    date_added = models.DateTimeField(default=timezone.now)
    widget_type = models.PositiveIntegerField(null=True, blank=True)
    limit = models.IntegerField(null=True, blank=True)
    detail = models.JSONField(null=True, blank=True)
    discover_widget_split = models.PositiveIntegerField(null=True, blank=True)
    dataset_source = models.PositiveIntegerField(default=0)

    class Meta:
        db_table = "sentry_dashboardwidget"
        unique_together = (("dashboard", "order"),)

    @override
    def __str__(self) -> str:
        return f"sentry.dashboardwidget {self.pk}"


class DashboardPermissions(models.Model):
    """(``sentry.dashboardpermissions``)."""

    relocation: ClassVar[Relocation] = Relocation(
        name="sentry.dashboardpermissions",
        scopes=frozenset({RelocationScope.ORGANIZATION}),
    )

    is_editable_by_everyone = models.BooleanField(default=True)
    dashboard = models.OneToOneField(Dashboard, on_delete=models.CASCADE, related_name="+")

    class Meta:
        db_table = "sentry_dashboardpermissions"

    @override
    def __str__(self) -> str:
        return f"sentry.dashboardpermissions {self.pk}"


class DashboardFavoriteUser(models.Model):
    """(``sentry.dashboardfavoriteuser``)."""

    relocation: ClassVar[Relocation] = Relocation(
        name="sentry.dashboardfavoriteuser",
        scopes=frozenset({RelocationScope.ORGANIZATION}),
    )

    date_updated = models.DateTimeField(default=timezone.now)
    date_added = models.DateTimeField(default=timezone.now)
    user_id = CrossSiloRef(to="sentry.user")
    dashboard = models.ForeignKey(Dashboard, on_delete=models.CASCADE, related_name="+")

    class Meta:
        db_table = "sentry_dashboardfavoriteuser"
        unique_together = (("dashboard", "user_id"),)

    @override
    def __str__(self) -> str:
        return f"sentry.dashboardfavoriteuser {self.pk}"


class DashboardWidgetQuery(models.Model):
    """(``sentry.dashboardwidgetquery``)."""

    relocation: ClassVar[Relocation] = Relocation(
        name="sentry.dashboardwidgetquery",
        scopes=frozenset({RelocationScope.ORGANIZATION}),
    )

    widget = models.ForeignKey(DashboardWidget, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=255)
    fields = models.TextField(null=True, blank=True)  # noqa: DJ001 - a list as Sentry's serializer wrote it
    conditions = models.TextField()
    aggregates = models.TextField(null=True, blank=True)  # noqa: DJ001 - a list as Sentry's serializer wrote it
    columns = models.TextField(null=True, blank=True)  # noqa: DJ001 - a list as Sentry's serializer wrote it
    field_aliases = models.TextField(null=True, blank=True)  # noqa: DJ001 - a list as Sentry's serializer wrote it
    orderby = models.TextField(default="")
    order = models.PositiveIntegerField()
    date_added = models.DateTimeField(default=timezone.now)
    date_modified = models.DateTimeField(default=timezone.now)
    is_hidden = models.BooleanField(default=False)
    selected_aggregate = models.IntegerField(null=True, blank=True)

    class Meta:
        db_table = "sentry_dashboardwidgetquery"
        unique_together = (("order", "widget"),)

    @override
    def __str__(self) -> str:
        return f"sentry.dashboardwidgetquery {self.pk}"


class DashboardPermissionsTeam(models.Model):
    """(``sentry.dashboardpermissionsteam``)."""

    relocation: ClassVar[Relocation] = Relocation(
        name="sentry.dashboardpermissionsteam",
        scopes=frozenset({RelocationScope.ORGANIZATION}),
    )

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    permissions = models.ForeignKey(
        DashboardPermissions, on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        db_table = "sentry_dashboardpermissionsteam"
        unique_together = (("permissions", "team"),)

    @override
    def __str__(self) -> str:
        return f"sentry.dashboardpermissionsteam {self.pk}"


class DashboardWidgetQueryOnDemand(models.Model):
    """(``sentry.dashboardwidgetqueryondemand``)."""

    relocation: ClassVar[Relocation] = Relocation(
        name="sentry.dashboardwidgetqueryondemand",
        scopes=frozenset({RelocationScope.ORGANIZATION}),
    )

    dashboard_widget_query = models.ForeignKey(
        DashboardWidgetQuery, on_delete=models.CASCADE, related_name="+"
    )
    spec_hashes = models.TextField(null=True, blank=True)  # noqa: DJ001 - a list as Sentry's serializer wrote it
    spec_version = models.IntegerField(null=True, blank=True)
    extraction_state = models.CharField(max_length=30)
    date_modified = models.DateTimeField(default=timezone.now)
    date_added = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "sentry_dashboardwidgetqueryondemand"

    @override
    def __str__(self) -> str:
        return f"sentry.dashboardwidgetqueryondemand {self.pk}"
