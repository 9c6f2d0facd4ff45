"""Control unit tests: Django set up from control.settings, a migrated test database per session.

Run this suite in its own process (settings are global):
``DJANGO_SETTINGS_MODULE=control.settings pytest tests/unit/control``. The test database is
Django's ``test_<name>`` copy of ``RELOCATE_CONTROL_DATABASE_URL`` (in-memory for SQLite), created
and migrated once and destroyed at the end, so a real database is never touched.
"""

from __future__ import annotations

from tests.support.silo_unit import configure

configure("control")

from tests.support.silo_unit import db, test_database  # noqa: E402 - fixtures of this suite

__all__ = ["db", "test_database"]
