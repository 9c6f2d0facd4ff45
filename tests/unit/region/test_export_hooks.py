"""Models without a required reference to an organization are exported through what uses them:
snuba queries through alert rules and subscriptions, time series snapshots through incidents."""

from __future__ import annotations

import uuid

import orjson

from region.models import (
    AlertRule,
    Incident,
    IncidentSnapshot,
    Organization,
    Project,
    QuerySubscription,
    SnubaQuery,
    TimeSeriesSnapshot,
)
from shared.backup.descriptors import Silo
from shared.backup.filters import Filter
from shared.backup.model_names import ModelName
from shared.backup.orm.exporting import do_export_page
from shared.backup.orm.registry import build_registry
from shared.backup.scopes import OperationScope

REGISTRY = build_registry("region", Silo.REGION)


def _exported(model: str, scope: OperationScope, filters: list[Filter]) -> set[int]:
    data, _ = do_export_page(REGISTRY, model, scope, filters, 0, 1000)
    return {r["pk"] for r in orjson.loads(data)}


def _org_with_queries() -> tuple[Organization, SnubaQuery, SnubaQuery]:
    slug = f"org-{uuid.uuid4().hex[:10]}"
    org = Organization.objects.create(name=slug, slug=slug)
    project = Project.objects.create(organization=org, slug="web", name="Web")
    ruled = SnubaQuery.objects.create(
        type=0, dataset="events", query="", aggregate="count()", time_window=60, resolution=60
    )
    AlertRule.objects.create(organization=org, snuba_query=ruled, name="r", threshold_period=1)
    subscribed = SnubaQuery.objects.create(
        type=0, dataset="events", query="", aggregate="count()", time_window=60, resolution=60
    )
    QuerySubscription.objects.create(project=project, snuba_query=subscribed, type="incidents")
    return org, ruled, subscribed


def test_an_organization_export_carries_only_its_organizations_snuba_queries(db):
    org, ruled, subscribed = _org_with_queries()
    _other, other_ruled, other_subscribed = _org_with_queries()
    unused = SnubaQuery.objects.create(
        type=0, dataset="events", query="", aggregate="count()", time_window=60, resolution=60
    )
    only_org = [Filter(ModelName("sentry.organization"), "slug", frozenset({org.slug}))]

    kept = _exported("sentry.snubaquery", OperationScope.ORGANIZATION, only_org)
    everything = _exported("sentry.snubaquery", OperationScope.GLOBAL, [])

    assert kept == {ruled.pk, subscribed.pk}
    assert {ruled.pk, subscribed.pk, other_ruled.pk, other_subscribed.pk} <= everything
    assert unused.pk not in everything


def test_time_series_snapshots_go_with_their_incidents(db):
    org, ruled, _ = _org_with_queries()
    rule = AlertRule.objects.get(snuba_query=ruled)
    incident = Incident.objects.create(
        organization=org, alert_rule=rule, identifier=1, type=2, title="spike"
    )
    used = TimeSeriesSnapshot.objects.create(
        start="2024-03-01T00:00:00Z", end="2024-03-01T01:00:00Z", values="[]", period=60
    )
    IncidentSnapshot.objects.create(
        incident=incident, event_stats_snapshot=used, unique_users=1, total_events=2
    )
    orphan = TimeSeriesSnapshot.objects.create(
        start="2024-03-01T00:00:00Z", end="2024-03-01T01:00:00Z", values="[]", period=60
    )

    exported = _exported("sentry.timeseriessnapshot", OperationScope.GLOBAL, [])

    assert used.pk in exported
    assert orphan.pk not in exported
