"""Django settings of the control silo process: its own app, its own database, nothing else.

Only the composition root reads these (``RELOCATE_SILO``); code below it receives frozen config
objects instead.
"""

from __future__ import annotations

import os

from shared.silo.django_settings import database, logging_config

RELOCATE_SILO = "control"

# DEV DEFAULT ONLY: deployments set RELOCATE_DJANGO_SECRET_KEY. Nothing here signs user-facing data.
SECRET_KEY = os.environ.get(
    "RELOCATE_DJANGO_SECRET_KEY", "insecure-dev-only-control-secret-key-change-me"
)
DEBUG = False
ALLOWED_HOSTS: list[str] = []

# The regions control serves, "name=host:port" comma-separated (empty: any region name is taken).
RELOCATE_REGIONS = {
    name.strip(): address.strip()
    for name, _, address in (
        item.partition("=") for item in os.environ.get("RELOCATE_REGIONS", "").split(",") if item
    )
}

INSTALLED_APPS = ["control.apps.ControlConfig"]
MIDDLEWARE: list[str] = []


DATABASES = {"default": database("control")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

USE_TZ = True
TIME_ZONE = "UTC"
USE_I18N = False

LOGGING = logging_config()
