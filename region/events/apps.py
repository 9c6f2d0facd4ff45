"""The region silo's events app configuration."""

from __future__ import annotations

from django.apps import AppConfig


class EventsConfig(AppConfig):
    """Releases, their environment and project links, stored events and the eventstream.

    Installed in the region process beside ``region``; its relocatable models are part of the
    region silo's registry (``region.events`` is a sub-app of ``region``).
    """

    name = "region.events"
    label = "events"
    verbose_name = "Region silo events"
    default_auto_field = "django.db.models.BigAutoField"
