"""The generated instance's alerting models: snuba queries and subscriptions, alert rules with
their triggers, actions, activity and snoozes, notification actions, incidents (issue #13).

Called from ``tests.support.instance.generate`` with its builder once every other model is
built: one record of each model per organization, whose references stay within the
organization (``OrgRefs``) or name the instance's users and control-side records.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tests.support.instance_refs import OrgRefs, for_each_organization, hex_text

if TYPE_CHECKING:
    from tests.support.instance import _Builder

MODELS: tuple[str, ...] = (
    "sentry.snubaquery",
    "sentry.querysubscription",
    "sentry.notificationaction",
    "sentry.neglectedrule",
    "sentry.alertrule",
    "sentry.snubaqueryeventtype",
    "sentry.rulesnooze",
    "sentry.ruleactivity",
    "sentry.notificationactionproject",
    "sentry.alertruletrigger",
    "sentry.alertruleprojects",
    "sentry.alertruleactivity",
    "sentry.alertruleactivationcondition",
    "sentry.incident",
    "sentry.alertruletriggeraction",
    "sentry.timeseriessnapshot",
    "sentry.pendingincidentsnapshot",
    "sentry.incidenttrigger",
    "sentry.incidentsnapshot",
    "sentry.incidentactivity",
)
"""Their file order (after the models built before them)."""


def build(b: _Builder, user_pks: list[int]) -> None:
    """Add this topic's records for every organization in ``b.records``."""
    for_each_organization(b, user_pks, _organization)


def _organization(b: _Builder, refs: OrgRefs) -> None:
    refs.add(
        "sentry.snubaquery",
        {
            "environment": refs.maybe("sentry.environment"),
            "type": 0,
            "dataset": "events",
            "query": "level:error",
            "aggregate": "count()",
            "time_window": 60,
            "resolution": 60,
            "date_added": b.ts(),
        },
    )
    refs.add(
        "sentry.querysubscription",
        {
            "project": refs.ref("sentry.project"),
            "snuba_query": refs.maybe("sentry.snubaquery"),
            "type": "incidents",
            "status": 0,
            "subscription_id": f"{b.rng.randrange(10**6)}/{hex_text(b, 8)}",
            "date_added": b.ts(),
            "date_updated": b.ts(),
            "query_extra": None,
        },
    )
    # One action of each scope: through an integration and a Sentry app (Global), and one
    # without either (Organization).
    for integration, app in (
        (refs.ref("sentry.integration"), refs.ref("sentry.sentryapp")),
        (None, None),
    ):
        refs.add(
            "sentry.notificationaction",
            {
                "integration_id": integration,
                "sentry_app_id": app,
                "type": 0 if integration is None else 1,
                "target_type": 0,
                "target_identifier": None,
                "target_display": None,
                "organization": refs.ref("sentry.organization"),
                "trigger_type": 0,
            },
        )
    refs.add(
        "sentry.neglectedrule",
        {
            "rule": refs.ref("sentry.rule"),
            "organization": refs.ref("sentry.organization"),
            "disable_date": b.ts(),
            "opted_out": False,
            "sent_initial_email_date": b.ts(),
            "sent_final_email_date": b.ts(),
        },
    )
    refs.add(
        "sentry.alertrule",
        {
            "organization": refs.maybe("sentry.organization"),
            "snuba_query": refs.maybe("sentry.snubaquery"),
            "user_id": refs.ref("sentry.user"),
            "team": refs.maybe("sentry.team"),
            "name": "Error spike",
            "status": 0,
            "threshold_type": None,
            "resolve_threshold": None,
            "threshold_period": 1,
            "comparison_delta": None,
            "date_modified": b.ts(),
            "date_added": b.ts(),
            "monitor_type": 0,
            "description": None,
            "detection_type": "static",
            "sensitivity": None,
            "seasonality": None,
        },
    )
    refs.add(
        "sentry.snubaqueryeventtype",
        {
            "snuba_query": refs.ref("sentry.snubaquery"),
            "type": 1,
        },
    )
    refs.add(
        "sentry.rulesnooze",
        {
            "user_id": refs.ref("sentry.user"),
            "owner_id": refs.ref("sentry.user"),
            "rule": refs.maybe("sentry.rule"),
            "alert_rule": None,
            "until": b.ts(),
            "date_added": b.ts(),
        },
    )
    refs.add(
        "sentry.ruleactivity",
        {
            "rule": refs.ref("sentry.rule"),
            "user_id": refs.ref("sentry.user"),
            "type": 1,
            "date_added": b.ts(),
        },
    )
    for action in refs.local["sentry.notificationaction"]:
        refs.add(
            "sentry.notificationactionproject",
            {"action": action, "project": refs.ref("sentry.project")},
        )
    refs.add(
        "sentry.alertruletrigger",
        {
            "alert_rule": refs.ref("sentry.alertrule"),
            "label": "critical",
            "threshold_type": None,
            "alert_threshold": 100.0,
            "resolve_threshold": None,
            "date_added": b.ts(),
        },
    )
    refs.add(
        "sentry.alertruleprojects",
        {
            "alert_rule": refs.ref("sentry.alertrule"),
            "project": refs.ref("sentry.project"),
            "date_added": b.ts(),
        },
    )
    refs.add(
        "sentry.alertruleactivity",
        {
            "alert_rule": refs.ref("sentry.alertrule"),
            "previous_alert_rule": refs.maybe("sentry.alertrule"),
            "user_id": refs.ref("sentry.user"),
            "type": 1,
            "date_added": b.ts(),
        },
    )
    refs.add(
        "sentry.alertruleactivationcondition",
        {
            "alert_rule": refs.ref("sentry.alertrule"),
            "label": "label sample",
            "condition_type": None,
            "date_added": b.ts(),
        },
    )
    refs.add(
        "sentry.incident",
        {
            "organization": refs.ref("sentry.organization"),
            "alert_rule": refs.ref("sentry.alertrule"),
            "identifier": 1,
            "detection_uuid": b.uuid(),
            "status": 1,
            "status_method": 3,
            "type": 2,
            "title": "Error spike",
            "date_started": b.ts(),
            "date_detected": b.ts(),
            "date_added": b.ts(),
            "date_closed": b.ts(),
            "activation": None,
            "subscription": refs.maybe("sentry.querysubscription"),
        },
    )
    refs.add(
        "sentry.alertruletriggeraction",
        {
            "integration_id": refs.ref("sentry.integration"),
            "sentry_app_id": refs.ref("sentry.sentryapp"),
            "type": 1,
            "target_type": 1,
            "target_identifier": None,
            "target_display": None,
            "alert_rule_trigger": refs.ref("sentry.alertruletrigger"),
            "date_added": b.ts(),
            "sentry_app_config": {},
            "status": 0,
        },
    )
    refs.add(
        "sentry.timeseriessnapshot",
        {
            "start": b.ts(),
            "end": b.ts(),
            "values": "[]",
            "period": 1,
            "date_added": b.ts(),
        },
    )
    refs.add(
        "sentry.pendingincidentsnapshot",
        {
            "incident": refs.ref("sentry.incident"),
            "target_run_date": b.ts(),
            "date_added": b.ts(),
        },
    )
    refs.add(
        "sentry.incidenttrigger",
        {
            "incident": refs.ref("sentry.incident"),
            "alert_rule_trigger": refs.ref("sentry.alertruletrigger"),
            "status": 1,
            "date_modified": b.ts(),
            "date_added": b.ts(),
        },
    )
    refs.add(
        "sentry.incidentsnapshot",
        {
            "incident": refs.ref("sentry.incident"),
            "event_stats_snapshot": refs.ref("sentry.timeseriessnapshot"),
            "unique_users": 1,
            "total_events": 1,
            "date_added": b.ts(),
        },
    )
    refs.add(
        "sentry.incidentactivity",
        {
            "incident": refs.ref("sentry.incident"),
            "user_id": refs.ref("sentry.user"),
            "type": 1,
            "value": None,
            "previous_value": None,
            "comment": None,
            "date_added": b.ts(),
            "notification_uuid": b.uuid(),
        },
    )
