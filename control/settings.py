"""Django settings of the control silo process: its own app, its own database, nothing else.

Only the composition root reads these (``RELOCATE_SILO``); code below it receives frozen config
objects instead.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url

RELOCATE_SILO = "control"

# DEV DEFAULT ONLY: deployments set RELOCATE_DJANGO_SECRET_KEY. Nothing here signs user-facing data.
SECRET_KEY = os.environ.get(
    "RELOCATE_DJANGO_SECRET_KEY", "insecure-dev-only-control-secret-key-change-me"
)
DEBUG = False
ALLOWED_HOSTS: list[str] = []

INSTALLED_APPS = ["control.apps.ControlConfig"]
MIDDLEWARE: list[str] = []


def _database(url: str) -> dj_database_url.DBConfig:
    """One connection config: pooled with health checks for PostgreSQL, plain for SQLite."""
    if url.startswith("sqlite:"):
        config = dj_database_url.parse(url, conn_max_age=0)
        config["OPTIONS"] = {"timeout": 30}
        return config
    return dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)


_DEFAULT_DATABASE_URL = f"sqlite:///{Path.cwd() / '.relocate' / 'control.sqlite3'}"
DATABASES = {
    "default": _database(os.environ.get("RELOCATE_CONTROL_DATABASE_URL", _DEFAULT_DATABASE_URL)),
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

USE_TZ = True
TIME_ZONE = "UTC"
USE_I18N = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("RELOCATE_LOG_LEVEL", "INFO")},
}
