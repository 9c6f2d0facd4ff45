"""Django settings of the region silo process: its own app, its own database, nothing else.

Only the composition root reads these (``RELOCATE_SILO``, ``RELOCATE_REGION_NAME``); code below
it receives frozen config objects instead.
"""

from __future__ import annotations

import os

from shared.silo.django_settings import database, logging_config

RELOCATE_SILO = "region"
RELOCATE_REGION_NAME = os.environ.get("RELOCATE_REGION_NAME", "default")
# Control's address: the region asks control whether the slugs it is told to apply are reserved.
RELOCATE_CONTROL_ADDR = os.environ.get("RELOCATE_CONTROL_ADDR", "")

# DEV DEFAULT ONLY: deployments set RELOCATE_DJANGO_SECRET_KEY. Nothing here signs user-facing data.
SECRET_KEY = os.environ.get(
    "RELOCATE_DJANGO_SECRET_KEY", "insecure-dev-only-region-secret-key-change-me"
)
DEBUG = False
ALLOWED_HOSTS: list[str] = []

INSTALLED_APPS = ["region.apps.RegionConfig", "region.events.apps.EventsConfig"]
MIDDLEWARE: list[str] = []


DATABASES = {"default": database("region")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

USE_TZ = True
TIME_ZONE = "UTC"
USE_I18N = False

LOGGING = logging_config()
