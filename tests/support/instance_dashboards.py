"""The generated instance's dashboards, monitors, searches, access requests, sampling rules,
repositories, project extras and service hooks (issue #13).

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
    "sentry.repository",
    "sentry.savedsearch",
    "sentry.recentsearch",
    "sentry.organizationaccessrequest",
    "sentry.monitor",
    "sentry.groupsearchview",
    "sentry.datasecrecywaiver",
    "sentry.dashboardtombstone",
    "sentry.dashboard",
    "sentry.customdynamicsamplingrule",
    "sentry.counter",
    "sentry.projectredirect",
    "sentry.projectownership",
    "sentry.projectintegration",
    "sentry.projectbookmark",
    "sentry.dashboardwidget",
    "sentry.dashboardpermissions",
    "sentry.dashboardfavoriteuser",
    "sentry.customdynamicsamplingruleproject",
    "sentry.dashboardwidgetquery",
    "sentry.dashboardpermissionsteam",
    "sentry.servicehook",
    "sentry.dashboardwidgetqueryondemand",
)
"""Their file order (after the models built before them)."""


def build(b: _Builder, user_pks: list[int]) -> None:
    """Add this topic's records for every organization in ``b.records``."""
    for_each_organization(b, user_pks, _organization)


def _organization(b: _Builder, refs: OrgRefs) -> None:
    refs.add(
        "sentry.repository",
        {
            "organization_id": refs.ref("sentry.organization"),
            "name": "acme/backend",
            "url": "https://github.com/acme/backend",
            "provider": "integrations:github",
            "external_id": str(b.rng.randrange(10**8)),
            "config": {},
            "status": 0,
            "date_added": b.ts(),
            "integration_id": refs.ref("sentry.integration"),
            "languages": "[]",
        },
    )
    refs.add(
        "sentry.savedsearch",
        {
            "organization": refs.maybe("sentry.organization"),
            "type": 0,
            "name": f"Unresolved {refs.org}",
            "query": "is:unresolved",
            "sort": "date",
            "date_added": b.ts(),
            "is_global": False,
            "owner_id": refs.ref("sentry.user"),
            "visibility": "owner",
        },
    )
    refs.add(
        "sentry.recentsearch",
        {
            "organization": refs.ref("sentry.organization"),
            "user_id": refs.ref("sentry.user"),
            "type": 1,
            "query": "is:unresolved level:error",
            "query_hash": hex_text(b, 32),
            "last_seen": b.ts(),
            "date_added": b.ts(),
        },
    )
    refs.add(
        "sentry.organizationaccessrequest",
        {
            "team": refs.ref("sentry.team"),
            "member": refs.ref("sentry.organizationmember"),
            "requester_id": refs.ref("sentry.user"),
        },
    )
    refs.add(
        "sentry.monitor",
        {
            "date_added": b.ts(),
            "organization_id": refs.ref("sentry.organization"),
            "project_id": refs.ref("sentry.project"),
            "status": 0,
            "guid": b.uuid(),
            "slug": "nightly-backup",
            "is_muted": False,
            "name": "Nightly backup",
            "type": 0,
            "owner_user_id": refs.ref("sentry.user"),
            "owner_team_id": None,
            "config": {
                "schedule_type": 1,
                "schedule": "0 3 * * *",
                "checkin_margin": 5,
                "max_runtime": 30,
                "timezone": "UTC",
            },
        },
    )
    refs.add(
        "sentry.groupsearchview",
        {
            "date_updated": b.ts(),
            "date_added": b.ts(),
            "name": "My view",
            "user_id": refs.ref("sentry.user"),
            "organization": refs.ref("sentry.organization"),
            "query": "is:unresolved",
            "query_sort": "date",
            "position": 0,
            "is_all_projects": False,
            "environments": None,
            "time_filters": {},
        },
    )
    refs.add(
        "sentry.datasecrecywaiver",
        {
            "date_updated": b.ts(),
            "date_added": b.ts(),
            "organization": refs.ref("sentry.organization"),
            "access_start": b.ts(),
            "access_end": b.ts(),
            "zendesk_tickets": "[]",
        },
    )
    refs.add(
        "sentry.dashboardtombstone",
        {
            "slug": "default-overview",
            "organization": refs.ref("sentry.organization"),
            "date_added": b.ts(),
        },
    )
    refs.add(
        "sentry.dashboard",
        {
            "title": "Backend health",
            "created_by_id": refs.ref("sentry.user"),
            "organization": refs.ref("sentry.organization"),
            "date_added": b.ts(),
            "visits": 1,
            "last_visited": b.ts(),
            "filters": {},
        },
    )
    refs.add(
        "sentry.customdynamicsamplingrule",
        {
            "date_added": b.ts(),
            "organization": refs.ref("sentry.organization"),
            "is_active": True,
            "is_org_level": False,
            "rule_id": 3000,
            "condition": '{"op": "equals", "name": "event.transaction", "value": "/health"}',
            "sample_rate": 0.5,
            "start_date": b.ts(),
            "end_date": b.ts(),
            "num_samples": 100,
            "condition_hash": hex_text(b, 40),
            "query": "transaction:/health",
            "created_by_id": refs.ref("sentry.user"),
            "notification_sent": False,
        },
    )
    refs.add(
        "sentry.counter",
        {
            "project": refs.ref("sentry.project"),
            "value": 1,
        },
    )
    refs.add(
        "sentry.projectredirect",
        {
            "redirect_slug": "old-web",
            "project": refs.ref("sentry.project"),
            "organization": refs.ref("sentry.organization"),
            "date_added": b.ts(),
        },
    )
    refs.add(
        "sentry.projectownership",
        {
            "project": refs.ref("sentry.project"),
            "raw": None,
            "schema": {},
            "fallthrough": True,
            "auto_assignment": True,
            "date_created": b.ts(),
            "last_updated": b.ts(),
            "is_active": True,
            "codeowners_auto_sync": True,
            "suspect_committer_auto_assignment": False,
        },
    )
    refs.add(
        "sentry.projectintegration",
        {
            "project": refs.ref("sentry.project"),
            "integration_id": refs.ref("sentry.integration"),
            "config": {},
        },
    )
    refs.add(
        "sentry.projectbookmark",
        {
            "project": refs.maybe("sentry.project"),
            "user_id": refs.ref("sentry.user"),
            "date_added": b.ts(),
        },
    )
    refs.add(
        "sentry.dashboardwidget",
        {
            "dashboard": refs.ref("sentry.dashboard"),
            "order": 0,
            "title": "Errors by release",
            "description": None,
            "thresholds": {},
            "interval": None,
            "display_type": 0,
            "date_added": b.ts(),
            "widget_type": None,
            "limit": None,
            "detail": {},
            "discover_widget_split": None,
            "dataset_source": 0,
        },
    )
    refs.add(
        "sentry.dashboardpermissions",
        {
            "is_editable_by_everyone": True,
            "dashboard": refs.ref("sentry.dashboard"),
        },
    )
    refs.add(
        "sentry.dashboardfavoriteuser",
        {
            "date_updated": b.ts(),
            "date_added": b.ts(),
            "user_id": refs.ref("sentry.user"),
            "dashboard": refs.ref("sentry.dashboard"),
        },
    )
    refs.add(
        "sentry.customdynamicsamplingruleproject",
        {
            "custom_dynamic_sampling_rule": refs.ref("sentry.customdynamicsamplingrule"),
            "project": refs.ref("sentry.project"),
        },
    )
    refs.add(
        "sentry.dashboardwidgetquery",
        {
            "widget": refs.ref("sentry.dashboardwidget"),
            "name": "errors",
            "fields": "[]",
            "conditions": "event.type:error",
            "aggregates": None,
            "columns": None,
            "field_aliases": None,
            "orderby": "orderby sample",
            "order": 0,
            "date_added": b.ts(),
            "date_modified": b.ts(),
            "is_hidden": False,
            "selected_aggregate": None,
        },
    )
    refs.add(
        "sentry.dashboardpermissionsteam",
        {
            "team": refs.ref("sentry.team"),
            "permissions": refs.ref("sentry.dashboardpermissions"),
        },
    )
    refs.add(
        "sentry.servicehook",
        {
            "guid": hex_text(b, 32),
            "application_id": refs.ref("sentry.apiapplication"),
            "actor_id": 0,
            "installation_id": refs.ref("sentry.sentryappinstallation"),
            "project_id": refs.maybe("sentry.project"),
            "organization_id": refs.maybe("sentry.organization"),
            "url": "https://hooks.example.com/sentry",
            "secret": hex_text(b, 64),
            "events": "['event.alert']",
            "status": 0,
            "version": 0,
            "date_added": b.ts(),
        },
    )
    refs.add(
        "sentry.dashboardwidgetqueryondemand",
        {
            "dashboard_widget_query": refs.ref("sentry.dashboardwidgetquery"),
            "spec_hashes": "[]",
            "spec_version": None,
            "extraction_state": "extraction state sample",
            "date_modified": b.ts(),
            "date_added": b.ts(),
        },
    )
