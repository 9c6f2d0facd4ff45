"""The generated instance's workflow engine models: data sources, condition groups and
conditions, detectors, workflows and their links to alert rules (issue #13).

Called from ``tests.support.instance.generate`` with its builder once every other model is
built: one record of each model per organization, whose references stay within the
organization (``OrgRefs``) or name the instance's users and control-side records. Workflow
statuses per issue group are left out (``tests.support.instance.UNEXPORTABLE``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tests.support.instance_refs import OrgRefs, for_each_organization

if TYPE_CHECKING:
    from tests.support.instance import _Builder

MODELS: tuple[str, ...] = (
    "workflow_engine.dataconditiongroup",
    "workflow_engine.datasource",
    "workflow_engine.datacondition",
    "workflow_engine.workflow",
    "workflow_engine.detector",
    "workflow_engine.datasourcedetector",
    "workflow_engine.workflowdataconditiongroup",
    "workflow_engine.detectorworkflow",
    "workflow_engine.alertruleworkflow",
    "workflow_engine.alertruledetector",
    "workflow_engine.alertruletriggerdatacondition",
)
"""Their file order (after the models built before them)."""


def build(b: _Builder, user_pks: list[int]) -> None:
    """Add this topic's records for every organization in ``b.records``."""
    for_each_organization(b, user_pks, _organization)


def _organization(b: _Builder, refs: OrgRefs) -> None:
    refs.add(
        "workflow_engine.dataconditiongroup",
        {
            "date_updated": b.ts(),
            "date_added": b.ts(),
            "logic_type": "any",
            "organization": refs.ref("sentry.organization"),
        },
    )
    refs.add(
        "workflow_engine.datasource",
        {
            "date_updated": b.ts(),
            "date_added": b.ts(),
            "organization": refs.ref("sentry.organization"),
            "query_id": 1,
            "type": "snuba_query_subscription",
        },
    )
    refs.add(
        "workflow_engine.datacondition",
        {
            "date_updated": b.ts(),
            "date_added": b.ts(),
            "condition": None,
            "comparison": 100,
            "condition_result": 75,
            "type": "gt",
            "condition_group": refs.ref("workflow_engine.dataconditiongroup"),
        },
    )
    refs.add(
        "workflow_engine.workflow",
        {
            "date_updated": b.ts(),
            "date_added": b.ts(),
            "owner_user_id": refs.ref("sentry.user"),
            "owner_team": refs.maybe("sentry.team"),
            "config": {},
            "name": f"Workflow {refs.org}",
            "organization": refs.ref("sentry.organization"),
            "enabled": True,
            "when_condition_group": refs.maybe("workflow_engine.dataconditiongroup"),
            "environment": refs.maybe("sentry.environment"),
            "created_by_id": refs.ref("sentry.user"),
        },
    )
    refs.add(
        "workflow_engine.detector",
        {
            "date_updated": b.ts(),
            "date_added": b.ts(),
            "owner_user_id": refs.ref("sentry.user"),
            "owner_team": refs.maybe("sentry.team"),
            "config": {},
            "organization": refs.maybe("sentry.organization"),
            "project": refs.maybe("sentry.project"),
            "name": f"Detector {refs.org}",
            "enabled": True,
            "description": None,
            "workflow_condition_group": refs.maybe("workflow_engine.dataconditiongroup"),
            "type": "metric_issue",
            "created_by_id": refs.ref("sentry.user"),
        },
    )
    refs.add(
        "workflow_engine.datasourcedetector",
        {
            "date_updated": b.ts(),
            "date_added": b.ts(),
            "data_source": refs.ref("workflow_engine.datasource"),
            "detector": refs.ref("workflow_engine.detector"),
        },
    )
    refs.add(
        "workflow_engine.workflowdataconditiongroup",
        {
            "date_updated": b.ts(),
            "date_added": b.ts(),
            "workflow": refs.ref("workflow_engine.workflow"),
            "condition_group": refs.ref("workflow_engine.dataconditiongroup"),
        },
    )
    refs.add(
        "workflow_engine.detectorworkflow",
        {
            "date_updated": b.ts(),
            "date_added": b.ts(),
            "detector": refs.ref("workflow_engine.detector"),
            "workflow": refs.ref("workflow_engine.workflow"),
        },
    )
    refs.add(
        "workflow_engine.alertruleworkflow",
        {
            "date_updated": b.ts(),
            "date_added": b.ts(),
            "alert_rule": refs.maybe("sentry.alertrule"),
            "rule": refs.maybe("sentry.rule"),
            "workflow": refs.ref("workflow_engine.workflow"),
        },
    )
    refs.add(
        "workflow_engine.alertruledetector",
        {
            "date_updated": b.ts(),
            "date_added": b.ts(),
            "alert_rule": refs.maybe("sentry.alertrule"),
            "rule": refs.maybe("sentry.rule"),
            "detector": refs.ref("workflow_engine.detector"),
        },
    )
    refs.add(
        "workflow_engine.alertruletriggerdatacondition",
        {
            "date_updated": b.ts(),
            "date_added": b.ts(),
            "alert_rule_trigger": refs.ref("sentry.alertruletrigger"),
            "data_condition": refs.ref("workflow_engine.datacondition"),
        },
    )
