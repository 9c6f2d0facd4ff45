"""Event models of the region silo: releases and their links, the event store, the eventstream.

Releases and their links are relocated like every organization model (Sentry's names and fields).
``sentry.event`` is this project's extension of the export format: one record per stored event,
exported only with ``--include-events`` and imported by replaying the record's payload through
the save path (``region.events.relocation``), never by the generic batch writer.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from django.db import models
from django.utils import timezone
from typing_extensions import override

from region.models import Environment, Organization, Project
from shared.backup.declarations import Collision, OnCollision, Relocation
from shared.backup.orm.registry import RelocatableModel
from shared.backup.orm.writer import BatchContext, BatchOutcome
from shared.backup.scopes import RelocationScope

# Adjacent models an event's save path gets or creates; the event model is imported after them
# so replayed events find the imported rows instead of creating new ones.
EVENT_ADJACENT_MODELS = (
    "sentry.release",
    "sentry.releaseproject",
    "sentry.environment",
    "sentry.environmentproject",
    "sentry.releaseenvironment",
    "sentry.releaseprojectenvironment",
)


class Release(models.Model):
    """A version of an organization's code, named by events' ``release`` (``sentry.release``)."""

    relocation: ClassVar[Relocation] = Relocation(
        name="sentry.release",
        scopes=frozenset({RelocationScope.ORGANIZATION}),
        # Events saved before the import may already have created the release: map onto it.
        collisions=(OnCollision(("organization", "version"), Collision.REUSE),),
    )

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE)
    status = models.PositiveIntegerField(default=0, null=True)
    version = models.CharField(max_length=250)
    ref = models.CharField(max_length=250, null=True, blank=True)  # noqa: DJ001
    url = models.URLField(null=True, blank=True)  # noqa: DJ001
    date_added = models.DateTimeField(default=timezone.now)
    date_started = models.DateTimeField(null=True, blank=True)
    date_released = models.DateTimeField(null=True, blank=True)
    data = models.JSONField(default=dict)

    class Meta:
        db_table = "sentry_release"
        unique_together = (("organization", "version"),)

    @override
    def __str__(self) -> str:
        return f"{self.version}"


class ReleaseProject(models.Model):
    """A release seen in one project (``sentry.releaseproject``)."""

    relocation: ClassVar[Relocation] = Relocation(
        name="sentry.releaseproject",
        scopes=frozenset({RelocationScope.ORGANIZATION}),
        collisions=(OnCollision(("project", "release"), Collision.REUSE),),
    )

    project = models.ForeignKey(Project, on_delete=models.CASCADE)
    release = models.ForeignKey(Release, on_delete=models.CASCADE)
    new_groups = models.PositiveIntegerField(null=True, default=0)

    class Meta:
        db_table = "sentry_release_project"
        unique_together = (("project", "release"),)

    @override
    def __str__(self) -> str:
        return f"release {self.release_id} in project {self.project_id}"


class ReleaseEnvironment(models.Model):
    """A release seen in one environment of its organization (``sentry.releaseenvironment``)."""

    relocation: ClassVar[Relocation] = Relocation(
        name="sentry.releaseenvironment",
        scopes=frozenset({RelocationScope.ORGANIZATION}),
        collisions=(OnCollision(("organization", "release", "environment"), Collision.REUSE),),
    )

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE)
    release = models.ForeignKey(Release, on_delete=models.CASCADE)
    environment = models.ForeignKey(Environment, on_delete=models.CASCADE)
    first_seen = models.DateTimeField(default=timezone.now)
    last_seen = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        db_table = "sentry_environmentrelease"
        unique_together = (("organization", "release", "environment"),)

    @override
    def __str__(self) -> str:
        return f"release {self.release_id} in environment {self.environment_id}"


class ReleaseProjectEnvironment(models.Model):
    """A release seen in one environment of one project (``sentry.releaseprojectenvironment``)."""

    relocation: ClassVar[Relocation] = Relocation(
        name="sentry.releaseprojectenvironment",
        scopes=frozenset({RelocationScope.ORGANIZATION}),
        collisions=(OnCollision(("project", "release", "environment"), Collision.REUSE),),
    )

    release = models.ForeignKey(Release, on_delete=models.CASCADE)
    project = models.ForeignKey(Project, on_delete=models.CASCADE)
    environment = models.ForeignKey(Environment, on_delete=models.CASCADE)
    new_issues_count = models.PositiveIntegerField(default=0)
    first_seen = models.DateTimeField(default=timezone.now)
    last_seen = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        db_table = "sentry_releaseprojectenvironment"
        unique_together = (("project", "release", "environment"),)

    @override
    def __str__(self) -> str:
        return f"release {self.release_id} in environment {self.environment_id}"


class Event(models.Model):
    """One stored event, unique per (project, event id, day) (``sentry.event``, an extension).

    A second event with the same id in the same project on the same UTC day replaces the first
    (the later save wins, as Snuba's deduplication does); on another day both are kept.
    """

    relocation: ClassVar[Relocation] = Relocation(
        name="sentry.event",
        scopes=frozenset({RelocationScope.ORGANIZATION}),
        dependencies=EVENT_ADJACENT_MODELS,
    )

    project = models.ForeignKey(Project, on_delete=models.CASCADE)
    event_id = models.CharField(max_length=32)
    day = models.DateField()
    timestamp = models.DateTimeField()
    type = models.CharField(max_length=32, default="default")
    platform = models.CharField(max_length=64, default="other")
    level = models.CharField(max_length=16, default="error")
    message = models.TextField(default="", blank=True)
    release = models.CharField(max_length=250, null=True, blank=True)  # noqa: DJ001
    environment = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    data = models.JSONField(default=dict)

    class Meta:
        db_table = "sentry_event"
        constraints = (
            models.UniqueConstraint(
                fields=("project", "event_id", "day"), name="sentry_event_project_event_day"
            ),
        )

    @override
    def __str__(self) -> str:
        return f"{self.event_id} (project {self.project_id}, {self.day})"

    @classmethod
    def relocation_write_batch(
        cls,
        rm: RelocatableModel,
        raw_records: Sequence[object],
        min_ordinal: int,
        ctx: BatchContext,
    ) -> BatchOutcome:
        """Imported events are replayed through the save path (``region.events.relocation``)."""
        # The writer imports the event models, so it is imported when first called.
        from region.events.relocation import write_event_batch  # noqa: PLC0415

        return write_event_batch(rm, raw_records, min_ordinal, ctx)


class EventStreamEntry(models.Model):
    """One entry of the eventstream: an append-only log read by offset (the row's id).

    A replaced event appears as a new entry whose ``supersedes`` names the offset of the entry it
    replaces, so a consumer reading in order keeps only the latest entry of a key.
    """

    relocation: ClassVar[Relocation] = Relocation(
        name="sentry.eventstreamentry",
        scopes=frozenset({RelocationScope.EXCLUDED}),
    )

    project_id = models.BigIntegerField()
    event_id = models.CharField(max_length=32)
    day = models.DateField()
    event_pk = models.BigIntegerField()
    supersedes = models.BigIntegerField(null=True, default=None)
    appended_at = models.DateTimeField(default=timezone.now)
    data = models.JSONField(default=dict)

    class Meta:
        db_table = "sentry_eventstream"
        indexes = (models.Index(fields=("project_id", "event_id", "day"), name="eventstream_key"),)

    @override
    def __str__(self) -> str:
        return f"offset {self.pk}: {self.event_id}"
