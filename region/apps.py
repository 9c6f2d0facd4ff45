"""The region silo's Django app configuration."""

from __future__ import annotations

from django.apps import AppConfig


class RegionConfig(AppConfig):
    """Organizations, their members, teams, projects and options, plus import bookkeeping."""

    name = "region"
    label = "region"
    verbose_name = "Region silo"
    default_auto_field = "django.db.models.BigAutoField"
