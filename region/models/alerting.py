"""Region-silo metric alerting: Snuba queries and their subscriptions, alert rules with their
projects, triggers, actions, activity and activation conditions, rule snoozes and activity,
neglected rules, and notification actions (issue #13).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from django.db import models
from django.utils import timezone
from typing_extensions import override

from region.models.core import Environment, Organization, Project, Rule, Team
from region.models.exporting import exported_organizations
from shared.backup.declarations import RecordContext, Relocation
from shared.backup.filters import Filter
from shared.backup.orm.fields import CrossSiloRef
from shared.backup.scopes import OperationScope, RelocationScope


class SnubaQuery(models.Model):
    """(``sentry.snubaquery``)."""

    relocation: ClassVar[Relocation] = Relocation(
        name="sentry.snubaquery",
        scopes=frozenset({RelocationScope.ORGANIZATION}),
        dependencies=("sentry.organization", "sentry.project"),
    )

    environment = models.ForeignKey(
        Environment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    type = models.SmallIntegerField()
    dataset = models.TextField()
    query = models.TextField()
    aggregate = models.TextField()
    time_window = models.IntegerField()
    resolution = models.IntegerField()
    date_added = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "sentry_snubaquery"

    @override
    def __str__(self) -> str:
        return f"sentry.snubaquery {self.pk}"

    @classmethod
    def relocation_export_queryset(
        cls, qs: models.QuerySet[SnubaQuery], scope: OperationScope, filters: Sequence[Filter]
    ) -> models.QuerySet[SnubaQuery]:
        """A snuba query has no required reference to an organization, so an export finds it
        through what uses it, as Sentry does: the queries of the exported organizations' alert
        rules and of their projects' subscriptions (an unused query is not exported)."""
        del scope
        orgs = exported_organizations(filters)
        return qs.filter(
            models.Q(pk__in=AlertRule.objects.filter(organization__in=orgs).values("snuba_query"))
            | models.Q(
                pk__in=QuerySubscription.objects.filter(project__organization__in=orgs).values(
                    "snuba_query"
                )
            )
        )


class QuerySubscription(models.Model):
    """(``sentry.querysubscription``)."""

    relocation: ClassVar[Relocation] = Relocation(
        name="sentry.querysubscription",
        scopes=frozenset({RelocationScope.ORGANIZATION}),
    )

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    snuba_query = models.ForeignKey(
        SnubaQuery, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    type = models.TextField()
    status = models.SmallIntegerField(default=0)
    subscription_id = models.TextField(null=True, blank=True, unique=True)
    date_added = models.DateTimeField(default=timezone.now)
    date_updated = models.DateTimeField(null=True, blank=True, default=timezone.now)
    query_extra = models.TextField(null=True, blank=True)  # noqa: DJ001

    class Meta:
        db_table = "sentry_querysubscription"

    @override
    def __str__(self) -> str:
        return f"sentry.querysubscription {self.pk}"

    @classmethod
    def relocation_normalize(cls, values: dict[str, Any], ctx: RecordContext) -> None:
        """An imported subscription is created anew, as Sentry does: waiting to be registered
        with the query backend (status 1, creating), without the old registration's id and
        extra query, updated now; only its creation date is kept."""
        if ctx.scope is OperationScope.GLOBAL:
            return  # a Global import restores: it keeps what the export says
        values.update(status=1, subscription_id=None, query_extra=None, date_updated=timezone.now())


class NotificationAction(models.Model):
    """(``sentry.notificationaction``)."""

    relocation: ClassVar[Relocation] = Relocation(
        name="sentry.notificationaction",
        scopes=frozenset({RelocationScope.ORGANIZATION, RelocationScope.GLOBAL}),
    )

    integration_id = CrossSiloRef(to="sentry.integration", null=True, blank=True)
    sentry_app_id = CrossSiloRef(to="sentry.sentryapp", null=True, blank=True)
    type = models.SmallIntegerField()
    target_type = models.SmallIntegerField()
    target_identifier = models.TextField(null=True, blank=True)  # noqa: DJ001
    target_display = models.TextField(null=True, blank=True)  # noqa: DJ001
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    trigger_type = models.SmallIntegerField()

    class Meta:
        db_table = "sentry_notificationaction"

    @override
    def __str__(self) -> str:
        return f"sentry.notificationaction {self.pk}"

    @classmethod
    def relocation_instance_scope(cls, values: Mapping[str, Any]) -> RelocationScope:
        """An action through an integration or a Sentry app is Global (it needs those, which
        only a Global relocation carries); one without either is Organization."""
        if values.get("integration_id") is not None or values.get("sentry_app_id") is not None:
            return RelocationScope.GLOBAL
        return RelocationScope.ORGANIZATION


class NeglectedRule(models.Model):
    """(``sentry.neglectedrule``)."""

    relocation: ClassVar[Relocation] = Relocation(
        name="sentry.neglectedrule",
        scopes=frozenset({RelocationScope.ORGANIZATION}),
    )

    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="+")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    disable_date = models.DateTimeField()
    opted_out = models.BooleanField(default=False)
    sent_initial_email_date = models.DateTimeField(null=True, blank=True)
    sent_final_email_date = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "sentry_neglectedrule"

    @override
    def __str__(self) -> str:
        return f"sentry.neglectedrule {self.pk}"


class AlertRule(models.Model):
    """(``sentry.alertrule``)."""

    relocation: ClassVar[Relocation] = Relocation(
        name="sentry.alertrule",
        scopes=frozenset({RelocationScope.ORGANIZATION}),
    )

    organization = models.ForeignKey(
        Organization, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    snuba_query = models.OneToOneField(
        SnubaQuery, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    user_id = CrossSiloRef(to="sentry.user", null=True, blank=True)
    team = models.ForeignKey(
        Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    name = models.TextField()
    status = models.SmallIntegerField(default=0)
    threshold_type = models.SmallIntegerField(null=True, blank=True)
    resolve_threshold = models.FloatField(null=True, blank=True)
    threshold_period = models.IntegerField()
    comparison_delta = models.IntegerField(null=True, blank=True)
    date_modified = models.DateTimeField(default=timezone.now)
    date_added = models.DateTimeField(default=timezone.now)
    monitor_type = models.IntegerField(default=0)
    description = models.CharField(max_length=1000, null=True, blank=True)  # noqa: DJ001
    detection_type = models.TextField(default="static")
    sensitivity = models.TextField(null=True, blank=True)  # noqa: DJ001
    seasonality = models.TextField(null=True, blank=True)  # noqa: DJ001

    class Meta:
        db_table = "sentry_alertrule"

    @override
    def __str__(self) -> str:
        return f"sentry.alertrule {self.pk}"


class SnubaQueryEventType(models.Model):
    """(``sentry.snubaqueryeventtype``)."""

    relocation: ClassVar[Relocation] = Relocation(
        name="sentry.snubaqueryeventtype",
        scopes=frozenset({RelocationScope.ORGANIZATION}),
    )

    snuba_query = models.ForeignKey(SnubaQuery, on_delete=models.CASCADE, related_name="+")
    type = models.SmallIntegerField()

    class Meta:
        db_table = "sentry_snubaqueryeventtype"
        unique_together = (("snuba_query", "type"),)

    @override
    def __str__(self) -> str:
        return f"sentry.snubaqueryeventtype {self.pk}"


class RuleSnooze(models.Model):
    """(``sentry.rulesnooze``)."""

    relocation: ClassVar[Relocation] = Relocation(
        name="sentry.rulesnooze",
        scopes=frozenset({RelocationScope.ORGANIZATION}),
    )

    user_id = CrossSiloRef(to="sentry.user", null=True, blank=True)
    owner_id = CrossSiloRef(to="sentry.user", null=True, blank=True)
    rule = models.ForeignKey(
        Rule, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    alert_rule = models.ForeignKey(
        AlertRule, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    until = models.DateTimeField(null=True, blank=True)
    date_added = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "sentry_rulesnooze"
        unique_together = (("alert_rule", "user_id"), ("rule", "user_id"))
        # One snooze for everyone per rule (user_id null), besides one per user; exactly one of
        # rule and alert rule is set, as in Sentry.
        constraints = (
            models.UniqueConstraint(
                fields=("rule",),
                condition=models.Q(user_id__isnull=True),
                name="sentry_rulesnooze_rule_for_everyone",
            ),
            models.UniqueConstraint(
                fields=("alert_rule",),
                condition=models.Q(user_id__isnull=True),
                name="sentry_rulesnooze_alert_rule_for_everyone",
            ),
            models.CheckConstraint(
                condition=models.Q(rule__isnull=False, alert_rule__isnull=True)
                | models.Q(rule__isnull=True, alert_rule__isnull=False),
                name="sentry_rulesnooze_rule_or_alert_rule",
            ),
        )

    @override
    def __str__(self) -> str:
        return f"sentry.rulesnooze {self.pk}"


class RuleActivity(models.Model):
    """(``sentry.ruleactivity``)."""

    relocation: ClassVar[Relocation] = Relocation(
        name="sentry.ruleactivity",
        scopes=frozenset({RelocationScope.ORGANIZATION}),
    )

    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="+")
    user_id = CrossSiloRef(to="sentry.user", null=True, blank=True)
    type = models.IntegerField()
    date_added = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "sentry_ruleactivity"

    @override
    def __str__(self) -> str:
        return f"sentry.ruleactivity {self.pk}"


class NotificationActionProject(models.Model):
    """(``sentry.notificationactionproject``)."""

    relocation: ClassVar[Relocation] = Relocation(
        name="sentry.notificationactionproject",
        scopes=frozenset({RelocationScope.ORGANIZATION, RelocationScope.GLOBAL}),
    )

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    action = models.ForeignKey(NotificationAction, on_delete=models.CASCADE, related_name="+")

    class Meta:
        db_table = "sentry_notificationactionproject"

    @override
    def __str__(self) -> str:
        return f"sentry.notificationactionproject {self.pk}"

    @classmethod
    def relocation_instance_scope(cls, values: Mapping[str, Any]) -> RelocationScope:
        """The scope of its action (``action`` holds the action's pk in this silo)."""
        pk = values.get("action")
        if not isinstance(pk, int):
            return RelocationScope.ORGANIZATION
        action = (
            NotificationAction.objects.filter(pk=pk)
            .values("integration_id", "sentry_app_id")
            .first()
        )
        return NotificationAction.relocation_instance_scope(action or {})


class AlertRuleTrigger(models.Model):
    """(``sentry.alertruletrigger``)."""

    relocation: ClassVar[Relocation] = Relocation(
        name="sentry.alertruletrigger",
        scopes=frozenset({RelocationScope.ORGANIZATION}),
    )

    alert_rule = models.ForeignKey(AlertRule, on_delete=models.CASCADE, related_name="+")
    label = models.TextField()
    threshold_type = models.SmallIntegerField(null=True, blank=True)
    alert_threshold = models.FloatField()
    resolve_threshold = models.FloatField(null=True, blank=True)
    date_added = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "sentry_alertruletrigger"
        unique_together = (("alert_rule", "label"),)

    @override
    def __str__(self) -> str:
        return f"sentry.alertruletrigger {self.pk}"


class AlertRuleProjects(models.Model):
    """(``sentry.alertruleprojects``)."""

    relocation: ClassVar[Relocation] = Relocation(
        name="sentry.alertruleprojects",
        scopes=frozenset({RelocationScope.ORGANIZATION}),
    )

    alert_rule = models.ForeignKey(AlertRule, on_delete=models.CASCADE, related_name="+")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    date_added = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "sentry_alertruleprojects"
        unique_together = (("alert_rule", "project"),)

    @override
    def __str__(self) -> str:
        return f"sentry.alertruleprojects {self.pk}"


class AlertRuleActivity(models.Model):
    """(``sentry.alertruleactivity``)."""

    relocation: ClassVar[Relocation] = Relocation(
        name="sentry.alertruleactivity",
        scopes=frozenset({RelocationScope.ORGANIZATION}),
    )

    alert_rule = models.ForeignKey(AlertRule, on_delete=models.CASCADE, related_name="+")
    previous_alert_rule = models.ForeignKey(
        AlertRule, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    user_id = CrossSiloRef(to="sentry.user", null=True, blank=True)
    type = models.IntegerField()
    date_added = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "sentry_alertruleactivity"

    @override
    def __str__(self) -> str:
        return f"sentry.alertruleactivity {self.pk}"


class AlertRuleActivationCondition(models.Model):
    """(``sentry.alertruleactivationcondition``)."""

    relocation: ClassVar[Relocation] = Relocation(
        name="sentry.alertruleactivationcondition",
        scopes=frozenset({RelocationScope.ORGANIZATION}),
    )

    alert_rule = models.ForeignKey(AlertRule, on_delete=models.CASCADE, related_name="+")
    label = models.TextField()
    condition_type = models.SmallIntegerField(null=True, blank=True)
    date_added = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "sentry_alertruleactivationcondition"
        unique_together = (("alert_rule", "label"),)

    @override
    def __str__(self) -> str:
        return f"sentry.alertruleactivationcondition {self.pk}"


class AlertRuleTriggerAction(models.Model):
    """(``sentry.alertruletriggeraction``)."""

    relocation: ClassVar[Relocation] = Relocation(
        name="sentry.alertruletriggeraction",
        scopes=frozenset({RelocationScope.GLOBAL}),
    )

    integration_id = CrossSiloRef(to="sentry.integration", null=True, blank=True)
    sentry_app_id = CrossSiloRef(to="sentry.sentryapp", null=True, blank=True)
    type = models.SmallIntegerField()
    target_type = models.SmallIntegerField()
    target_identifier = models.TextField(null=True, blank=True)  # noqa: DJ001
    target_display = models.TextField(null=True, blank=True)  # noqa: DJ001
    alert_rule_trigger = models.ForeignKey(
        AlertRuleTrigger, on_delete=models.CASCADE, related_name="+"
    )
    date_added = models.DateTimeField(default=timezone.now)
    sentry_app_config = models.JSONField(null=True, blank=True)
    status = models.PositiveIntegerField(default=0)

    class Meta:
        db_table = "sentry_alertruletriggeraction"

    @override
    def __str__(self) -> str:
        return f"sentry.alertruletriggeraction {self.pk}"
