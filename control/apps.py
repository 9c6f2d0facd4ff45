"""The control silo's Django app configuration."""

from __future__ import annotations

from django.apps import AppConfig


class ControlConfig(AppConfig):
    """Users, emails, roles and control options, plus org mappings and import bookkeeping."""

    name = "control"
    label = "control"
    verbose_name = "Control silo"
    default_auto_field = "django.db.models.BigAutoField"
