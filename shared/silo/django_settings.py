"""Pieces both silos' flat settings modules share: the database config and logging."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import dj_database_url

# The environment variable holding each silo's database URL.
DATABASE_URL_ENV = {
    "region": "RELOCATE_REGION_DATABASE_URL",
    "control": "RELOCATE_CONTROL_DATABASE_URL",
}


def database(silo: str) -> dj_database_url.DBConfig:
    """The silo's one database, from ``RELOCATE_REGION_DATABASE_URL`` (or control's).

    Defaults to SQLite in ``./.relocate/<silo>.sqlite3`` (the embedded default). PostgreSQL
    connections are pooled with health checks. SQLite transactions begin IMMEDIATE (they take
    the write lock up front and wait up to 30 s for it): a deferred transaction that reads and
    then writes fails at once with "database is locked" when another writer got in between,
    which concurrent RPCs (a batch, a replica, a progress update) would otherwise hit.
    """
    default = f"sqlite:///{Path.cwd() / '.relocate' / f'{silo}.sqlite3'}"
    url = os.environ.get(DATABASE_URL_ENV[silo], default)
    if url.startswith("sqlite:"):
        config = dj_database_url.parse(url, conn_max_age=0)
        config["OPTIONS"] = {"timeout": 30, "transaction_mode": "IMMEDIATE"}
        return config
    return dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)


def logging_config() -> dict[str, Any]:
    """Plain console logging at ``RELOCATE_LOG_LEVEL`` (default INFO)."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
        "root": {"handlers": ["console"], "level": os.environ.get("RELOCATE_LOG_LEVEL", "INFO")},
    }
