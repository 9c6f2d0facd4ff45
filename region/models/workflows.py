"""Region-silo workflow engine: data sources, condition groups and conditions, detectors,
workflows and the links between them and Sentry's alert rules (issue #13).
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils import timezone
from typing_extensions import override

from region.models.alerting import AlertRule, AlertRuleTrigger
from region.models.core import Environment, Organization, Project, Rule, Team
from shared.backup.declarations import Relocation
from shared.backup.orm.fields import CrossSiloRef
from shared.backup.scopes import RelocationScope


class DataConditionGroup(models.Model):
    """(``workflow_engine.dataconditiongroup``)."""

    relocation: ClassVar[Relocation] = Relocation(
        name="workflow_engine.dataconditiongroup",
        scopes=frozenset({RelocationScope.ORGANIZATION}),
    )

    date_updated = models.DateTimeField(default=timezone.now)
    date_added = models.DateTimeField(default=timezone.now)
    logic_type = models.CharField(max_length=200, default="any")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")

    class Meta:
        db_table = "workflow_engine_dataconditiongroup"

    @override
    def __str__(self) -> str:
        return f"workflow_engine.dataconditiongroup {self.pk}"


class DataSource(models.Model):
    """(``workflow_engine.datasource``)."""

    relocation: ClassVar[Relocation] = Relocation(
        name="workflow_engine.datasource",
        scopes=frozenset({RelocationScope.ORGANIZATION}),
    )

    date_updated = models.DateTimeField(default=timezone.now)
    date_added = models.DateTimeField(default=timezone.now)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    query_id = models.BigIntegerField()
    type = models.TextField()

    class Meta:
        db_table = "workflow_engine_datasource"

    @override
    def __str__(self) -> str:
        return f"workflow_engine.datasource {self.pk}"


class DataCondition(models.Model):
    """(``workflow_engine.datacondition``)."""

    relocation: ClassVar[Relocation] = Relocation(
        name="workflow_engine.datacondition",
        scopes=frozenset({RelocationScope.ORGANIZATION}),
    )

    date_updated = models.DateTimeField(default=timezone.now)
    date_added = models.DateTimeField(default=timezone.now)
    condition = models.CharField(max_length=200, null=True, blank=True)  # noqa: DJ001
    comparison = models.JSONField(default=dict)
    condition_result = models.JSONField(default=dict)
    type = models.CharField(max_length=200, default="eq")
    condition_group = models.ForeignKey(
        DataConditionGroup, on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        db_table = "workflow_engine_datacondition"

    @override
    def __str__(self) -> str:
        return f"workflow_engine.datacondition {self.pk}"


class Workflow(models.Model):
    """(``workflow_engine.workflow``)."""

    relocation: ClassVar[Relocation] = Relocation(
        name="workflow_engine.workflow",
        scopes=frozenset({RelocationScope.ORGANIZATION}),
    )

    date_updated = models.DateTimeField(default=timezone.now)
    date_added = models.DateTimeField(default=timezone.now)
    owner_user_id = CrossSiloRef(to="sentry.user", null=True, blank=True)
    owner_team = models.ForeignKey(
        Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    config = models.JSONField(default=dict)
    name = models.CharField(max_length=200)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    enabled = models.BooleanField(default=True)
    when_condition_group = models.ForeignKey(
        DataConditionGroup, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    environment = models.ForeignKey(
        Environment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by_id = CrossSiloRef(to="sentry.user", null=True, blank=True)

    class Meta:
        db_table = "workflow_engine_workflow"
        unique_together = (("name", "organization"),)

    @override
    def __str__(self) -> str:
        return f"workflow_engine.workflow {self.pk}"


class Detector(models.Model):
    """(``workflow_engine.detector``)."""

    relocation: ClassVar[Relocation] = Relocation(
        name="workflow_engine.detector",
        scopes=frozenset({RelocationScope.ORGANIZATION}),
    )

    date_updated = models.DateTimeField(default=timezone.now)
    date_added = models.DateTimeField(default=timezone.now)
    owner_user_id = CrossSiloRef(to="sentry.user", null=True, blank=True)
    owner_team = models.ForeignKey(
        Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    config = models.JSONField(default=dict)
    organization = models.ForeignKey(
        Organization, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    project = models.ForeignKey(
        Project, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    name = models.CharField(max_length=200)
    enabled = models.BooleanField(default=True)
    description = models.TextField(null=True, blank=True)  # noqa: DJ001
    workflow_condition_group = models.OneToOneField(
        DataConditionGroup, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    type = models.CharField(max_length=200)
    created_by_id = CrossSiloRef(to="sentry.user", null=True, blank=True)

    class Meta:
        db_table = "workflow_engine_detector"
        unique_together = (("name", "organization"),)

    @override
    def __str__(self) -> str:
        return f"workflow_engine.detector {self.pk}"


class DataSourceDetector(models.Model):
    """(``workflow_engine.datasourcedetector``)."""

    relocation: ClassVar[Relocation] = Relocation(
        name="workflow_engine.datasourcedetector",
        scopes=frozenset({RelocationScope.ORGANIZATION}),
    )

    date_updated = models.DateTimeField(default=timezone.now)
    date_added = models.DateTimeField(default=timezone.now)
    data_source = models.ForeignKey(DataSource, on_delete=models.CASCADE, related_name="+")
    detector = models.ForeignKey(Detector, on_delete=models.CASCADE, related_name="+")

    class Meta:
        db_table = "workflow_engine_datasourcedetector"
        unique_together = (("data_source", "detector"),)

    @override
    def __str__(self) -> str:
        return f"workflow_engine.datasourcedetector {self.pk}"


class WorkflowDataConditionGroup(models.Model):
    """(``workflow_engine.workflowdataconditiongroup``)."""

    relocation: ClassVar[Relocation] = Relocation(
        name="workflow_engine.workflowdataconditiongroup",
        scopes=frozenset({RelocationScope.ORGANIZATION}),
    )

    date_updated = models.DateTimeField(default=timezone.now)
    date_added = models.DateTimeField(default=timezone.now)
    workflow = models.ForeignKey(Workflow, on_delete=models.CASCADE, related_name="+")
    condition_group = models.OneToOneField(
        DataConditionGroup, on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        db_table = "workflow_engine_workflowdataconditiongroup"

    @override
    def __str__(self) -> str:
        return f"workflow_engine.workflowdataconditiongroup {self.pk}"


class DetectorWorkflow(models.Model):
    """(``workflow_engine.detectorworkflow``)."""

    relocation: ClassVar[Relocation] = Relocation(
        name="workflow_engine.detectorworkflow",
        scopes=frozenset({RelocationScope.ORGANIZATION}),
    )

    date_updated = models.DateTimeField(default=timezone.now)
    date_added = models.DateTimeField(default=timezone.now)
    detector = models.ForeignKey(Detector, on_delete=models.CASCADE, related_name="+")
    workflow = models.ForeignKey(Workflow, on_delete=models.CASCADE, related_name="+")

    class Meta:
        db_table = "workflow_engine_detectorworkflow"

    @override
    def __str__(self) -> str:
        return f"workflow_engine.detectorworkflow {self.pk}"


class AlertRuleWorkflow(models.Model):
    """(``workflow_engine.alertruleworkflow``)."""

    relocation: ClassVar[Relocation] = Relocation(
        name="workflow_engine.alertruleworkflow",
        scopes=frozenset({RelocationScope.ORGANIZATION}),
    )

    date_updated = models.DateTimeField(default=timezone.now)
    date_added = models.DateTimeField(default=timezone.now)
    alert_rule = models.ForeignKey(
        AlertRule, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    rule = models.ForeignKey(
        Rule, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    workflow = models.ForeignKey(Workflow, on_delete=models.CASCADE, related_name="+")

    class Meta:
        db_table = "workflow_engine_alertruleworkflow"
        unique_together = (("alert_rule", "workflow"), ("rule", "workflow"))

    @override
    def __str__(self) -> str:
        return f"workflow_engine.alertruleworkflow {self.pk}"


class AlertRuleDetector(models.Model):
    """(``workflow_engine.alertruledetector``)."""

    relocation: ClassVar[Relocation] = Relocation(
        name="workflow_engine.alertruledetector",
        scopes=frozenset({RelocationScope.ORGANIZATION}),
    )

    date_updated = models.DateTimeField(default=timezone.now)
    date_added = models.DateTimeField(default=timezone.now)
    alert_rule = models.ForeignKey(
        AlertRule, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    rule = models.ForeignKey(
        Rule, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    detector = models.ForeignKey(Detector, on_delete=models.CASCADE, related_name="+")

    class Meta:
        db_table = "workflow_engine_alertruledetector"
        unique_together = (("alert_rule", "detector"), ("detector", "rule"))

    @override
    def __str__(self) -> str:
        return f"workflow_engine.alertruledetector {self.pk}"


class AlertRuleTriggerDataCondition(models.Model):
    """(``workflow_engine.alertruletriggerdatacondition``)."""

    relocation: ClassVar[Relocation] = Relocation(
        name="workflow_engine.alertruletriggerdatacondition",
        scopes=frozenset({RelocationScope.ORGANIZATION}),
    )

    date_updated = models.DateTimeField(default=timezone.now)
    date_added = models.DateTimeField(default=timezone.now)
    alert_rule_trigger = models.ForeignKey(
        AlertRuleTrigger, on_delete=models.CASCADE, related_name="+"
    )
    data_condition = models.ForeignKey(DataCondition, on_delete=models.CASCADE, related_name="+")

    class Meta:
        db_table = "workflow_engine_alertruletriggerdatacondition"

    @override
    def __str__(self) -> str:
        return f"workflow_engine.alertruletriggerdatacondition {self.pk}"


class WorkflowGroupStatus(models.Model):
    """(``workflow_engine.workflowgroupstatus``)."""

    relocation: ClassVar[Relocation] = Relocation(
        name="workflow_engine.workflowgroupstatus",
        scopes=frozenset({RelocationScope.ORGANIZATION}),
    )

    date_updated = models.DateTimeField(default=timezone.now)
    date_added = models.DateTimeField(default=timezone.now)
    workflow = models.ForeignKey(Workflow, on_delete=models.CASCADE, related_name="+")
    group = CrossSiloRef(to="sentry.group")
    status = models.PositiveSmallIntegerField(default=0)
    last_active = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "workflow_engine_workflowgroupstatus"
        unique_together = (("group", "workflow"),)

    @override
    def __str__(self) -> str:
        return f"workflow_engine.workflowgroupstatus {self.pk}"
