"""Getting or creating the models adjacent to events, set-based: releases, environments, links.

Each step inserts every missing row of a batch in one ``INSERT ... ON CONFLICT DO NOTHING`` and
re-selects the rows it needs, so concurrent batches naming the same new release or environment
create it once: the loser's insert does nothing (after waiting for the winner's transaction)
and its re-select finds the winner's row. Rows are inserted in key order so two batches take
their locks in the same order.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from django.db import connection, models
from django.db.models.functions import Greatest, Least

from region.events.models import (
    Release,
    ReleaseEnvironment,
    ReleaseProject,
    ReleaseProjectEnvironment,
)
from region.models import Environment, EnvironmentProject

_SEEN = ("first_seen", "last_seen")
# The two link models with a seen span: release x environment per organization and per project.
_Link = TypeVar("_Link", ReleaseEnvironment, ReleaseProjectEnvironment)


@dataclass(frozen=True, slots=True)
class SeenSpan:
    """The first and last event timestamps of one link within a batch."""

    first: dt.datetime
    last: dt.datetime

    def widened(self, at: dt.datetime) -> SeenSpan:
        """This span extended to include ``at``."""
        return SeenSpan(min(self.first, at), max(self.last, at))


def get_or_create_releases(wanted: Iterable[tuple[int, str]]) -> dict[tuple[int, str], int]:
    """(organization id, version) -> release id, creating missing releases."""
    keys = sorted(set(wanted))
    if not keys:
        return {}
    Release.objects.bulk_create(
        [Release(organization_id=org, version=version) for org, version in keys],
        ignore_conflicts=True,
    )
    rows = Release.objects.filter(
        organization_id__in={org for org, _ in keys}, version__in={v for _, v in keys}
    ).values_list("organization_id", "version", "pk")
    return {(org, version): pk for org, version, pk in rows if (org, version) in set(keys)}


def get_or_create_environments(wanted: Iterable[tuple[int, str]]) -> dict[tuple[int, str], int]:
    """(organization id, name) -> environment id, creating missing environments."""
    keys = sorted(set(wanted))
    if not keys:
        return {}
    Environment.objects.bulk_create(
        [Environment(organization_id=org, name=name) for org, name in keys],
        ignore_conflicts=True,
    )
    rows = Environment.objects.filter(
        organization_id__in={org for org, _ in keys}, name__in={n for _, n in keys}
    ).values_list("organization_id", "name", "pk")
    return {(org, name): pk for org, name, pk in rows if (org, name) in set(keys)}


def link_releases_to_projects(links: Iterable[tuple[int, int]]) -> None:
    """Create missing (project id, release id) links."""
    ReleaseProject.objects.bulk_create(
        [ReleaseProject(project_id=p, release_id=r) for p, r in sorted(set(links))],
        ignore_conflicts=True,
    )


def link_environments_to_projects(links: Iterable[tuple[int, int]]) -> None:
    """Create missing (project id, environment id) links."""
    EnvironmentProject.objects.bulk_create(
        [EnvironmentProject(project_id=p, environment_id=e) for p, e in sorted(set(links))],
        ignore_conflicts=True,
    )


def link_releases_to_environments(seen: Mapping[tuple[int, int, int], SeenSpan]) -> None:
    """Create missing (organization, release, environment) links; widen their seen span."""
    _link_seen(ReleaseEnvironment, "organization_id", seen)


def link_releases_to_project_environments(seen: Mapping[tuple[int, int, int], SeenSpan]) -> None:
    """Create missing (project, release, environment) links; widen their seen span."""
    _link_seen(ReleaseProjectEnvironment, "project_id", seen)


def _link_seen(
    model: type[_Link],
    owner: str,
    seen: Mapping[tuple[int, int, int], SeenSpan],
) -> None:
    """Create missing (owner, release, environment) links of ``model``; widen their seen span."""
    keys = sorted(seen)
    if not keys:
        return
    model.objects.bulk_create(
        [
            model(
                **{owner: o},
                release_id=r,
                environment_id=e,
                first_seen=seen[o, r, e].first,
                last_seen=seen[o, r, e].last,
            )
            for o, r, e in keys
        ],
        ignore_conflicts=True,
    )
    rows = model.objects.filter(
        release_id__in={r for _, r, _ in keys}, environment_id__in={e for _, _, e in keys}
    ).values_list("pk", owner, "release_id", "environment_id", *_SEEN)
    _widen(model, _spans_to_widen(rows, seen))


def _spans_to_widen(
    rows: Iterable[tuple[int, int, int, int, dt.datetime, dt.datetime]],
    seen: Mapping[tuple[int, int, int], SeenSpan],
) -> dict[int, SeenSpan]:
    """Link pk -> the batch's span, for the links whose stored span does not cover it."""
    out: dict[int, SeenSpan] = {}
    for pk, a, b, c, first, last in rows:
        span = seen.get((a, b, c))
        if span is not None and (span.first < first or span.last > last):
            out[pk] = span
    return out


def _widen(
    model: type[ReleaseEnvironment] | type[ReleaseProjectEnvironment], spans: dict[int, SeenSpan]
) -> None:
    """Widen links' seen spans in the database, never shrinking them under concurrent batches.

    PostgreSQL: one ``UPDATE ... FROM (VALUES ...)`` with LEAST/GREATEST for the whole batch.
    Elsewhere (SQLite, the embedded default, where writers are serialized): one UPDATE per link.
    """
    if not spans:
        return
    if connection.vendor != "postgresql":
        for pk, span in spans.items():
            model.objects.filter(pk=pk).update(
                first_seen=Least(models.F("first_seen"), models.Value(span.first)),
                last_seen=Greatest(models.F("last_seen"), models.Value(span.last)),
            )
        return
    table = connection.ops.quote_name(model._meta.db_table)
    values = ", ".join(["(%s::bigint, %s::timestamptz, %s::timestamptz)"] * len(spans))
    params = [x for pk in sorted(spans) for x in (pk, spans[pk].first, spans[pk].last)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} AS t SET first_seen = LEAST(t.first_seen, v.first_seen), "  # noqa: S608
            "last_seen = GREATEST(t.last_seen, v.last_seen) "
            f"FROM (VALUES {values}) AS v(id, first_seen, last_seen) WHERE t.id = v.id",
            params,
        )
