"""Region-silo incidents of metric alerts: the incident, its activity, triggers and snapshots
(all Global scope, as in Sentry's graph) (issue #13).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from django.db import models
from django.utils import timezone
from typing_extensions import override

from region.models.alerting import AlertRule, AlertRuleTrigger, QuerySubscription
from region.models.core import Organization
from region.models.defaults import uuid_text
from region.models.exporting import exported_organizations
from shared.backup.declarations import RecordContext, Relocation
from shared.backup.filters import Filter
from shared.backup.orm.fields import CrossSiloRef
from shared.backup.scopes import OperationScope, RelocationScope


class Incident(models.Model):
    """(``sentry.incident``)."""

    relocation: ClassVar[Relocation] = Relocation(
        name="sentry.incident",
        scopes=frozenset({RelocationScope.GLOBAL}),
    )

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    alert_rule = models.ForeignKey(AlertRule, on_delete=models.CASCADE, related_name="+")
    identifier = models.IntegerField()
    detection_uuid = models.CharField(max_length=36, null=True, blank=True)  # noqa: DJ001
    status = models.PositiveSmallIntegerField(default=1)
    status_method = models.PositiveSmallIntegerField(default=3)
    type = models.PositiveSmallIntegerField()
    title = models.TextField()
    date_started = models.DateTimeField(default=timezone.now)
    date_detected = models.DateTimeField(default=timezone.now)
    date_added = models.DateTimeField(default=timezone.now)
    date_closed = models.DateTimeField(null=True, blank=True)
    activation = CrossSiloRef(
        to="sentry.alertruleactivations", null=True, blank=True, null_when_missing=True
    )
    subscription = models.ForeignKey(
        QuerySubscription, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        db_table = "sentry_incident"
        unique_together = (("identifier", "organization"),)

    @override
    def __str__(self) -> str:
        return f"sentry.incident {self.pk}"

    @classmethod
    def relocation_normalize(cls, values: dict[str, Any], ctx: RecordContext) -> None:
        """An imported incident that had a detection uuid gets a fresh one."""
        if ctx.scope is OperationScope.GLOBAL:
            return  # a Global import restores: it keeps what the export says
        if values.get("detection_uuid") is not None:
            values["detection_uuid"] = uuid_text()


class TimeSeriesSnapshot(models.Model):
    """(``sentry.timeseriessnapshot``)."""

    relocation: ClassVar[Relocation] = Relocation(
        name="sentry.timeseriessnapshot",
        scopes=frozenset({RelocationScope.GLOBAL}),
        dependencies=("sentry.incident",),
    )

    start = models.DateTimeField()
    end = models.DateTimeField()
    values = models.TextField(null=True, blank=True)  # noqa: DJ001 - a list as Sentry's serializer wrote it
    period = models.IntegerField()
    date_added = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "sentry_timeseriessnapshot"

    @override
    def __str__(self) -> str:
        return f"sentry.timeseriessnapshot {self.pk}"

    @classmethod
    def relocation_export_queryset(
        cls,
        qs: models.QuerySet[TimeSeriesSnapshot],
        scope: OperationScope,
        filters: Sequence[Filter],
    ) -> models.QuerySet[TimeSeriesSnapshot]:
        """Only the snapshots of the exported organizations' incidents (a snapshot names no
        organization; Sentry finds it through its incident snapshot)."""
        del scope
        used = IncidentSnapshot.objects.filter(
            incident__organization__in=exported_organizations(filters)
        )
        return qs.filter(pk__in=used.values("event_stats_snapshot"))


class PendingIncidentSnapshot(models.Model):
    """(``sentry.pendingincidentsnapshot``)."""

    relocation: ClassVar[Relocation] = Relocation(
        name="sentry.pendingincidentsnapshot",
        scopes=frozenset({RelocationScope.GLOBAL}),
    )

    incident = models.OneToOneField(Incident, on_delete=models.CASCADE, related_name="+")
    target_run_date = models.DateTimeField(default=timezone.now)
    date_added = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "sentry_pendingincidentsnapshot"

    @override
    def __str__(self) -> str:
        return f"sentry.pendingincidentsnapshot {self.pk}"


class IncidentTrigger(models.Model):
    """(``sentry.incidenttrigger``)."""

    relocation: ClassVar[Relocation] = Relocation(
        name="sentry.incidenttrigger",
        scopes=frozenset({RelocationScope.GLOBAL}),
    )

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="+")
    alert_rule_trigger = models.ForeignKey(
        AlertRuleTrigger, on_delete=models.CASCADE, related_name="+"
    )
    status = models.SmallIntegerField()
    date_modified = models.DateTimeField(default=timezone.now)
    date_added = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "sentry_incidenttrigger"
        unique_together = (("alert_rule_trigger", "incident"),)

    @override
    def __str__(self) -> str:
        return f"sentry.incidenttrigger {self.pk}"


class IncidentSnapshot(models.Model):
    """(``sentry.incidentsnapshot``)."""

    relocation: ClassVar[Relocation] = Relocation(
        name="sentry.incidentsnapshot",
        scopes=frozenset({RelocationScope.GLOBAL}),
    )

    incident = models.OneToOneField(Incident, on_delete=models.CASCADE, related_name="+")
    event_stats_snapshot = models.ForeignKey(
        TimeSeriesSnapshot, on_delete=models.CASCADE, related_name="+"
    )
    unique_users = models.IntegerField()
    total_events = models.IntegerField()
    date_added = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "sentry_incidentsnapshot"

    @override
    def __str__(self) -> str:
        return f"sentry.incidentsnapshot {self.pk}"


class IncidentActivity(models.Model):
    """(``sentry.incidentactivity``)."""

    relocation: ClassVar[Relocation] = Relocation(
        name="sentry.incidentactivity",
        scopes=frozenset({RelocationScope.GLOBAL}),
    )

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="+")
    user_id = CrossSiloRef(to="sentry.user", null=True, blank=True)
    type = models.IntegerField()
    value = models.TextField(null=True, blank=True)  # noqa: DJ001
    previous_value = models.TextField(null=True, blank=True)  # noqa: DJ001
    comment = models.TextField(null=True, blank=True)  # noqa: DJ001
    date_added = models.DateTimeField(default=timezone.now)
    notification_uuid = models.CharField(max_length=36, null=True, blank=True)  # noqa: DJ001

    class Meta:
        db_table = "sentry_incidentactivity"

    @override
    def __str__(self) -> str:
        return f"sentry.incidentactivity {self.pk}"

    @classmethod
    def relocation_normalize(cls, values: dict[str, Any], ctx: RecordContext) -> None:
        """An imported activity that had a notification uuid gets a fresh one."""
        if ctx.scope is OperationScope.GLOBAL:
            return  # a Global import restores: it keeps what the export says
        if values.get("notification_uuid") is not None:
            values["notification_uuid"] = uuid_text()
