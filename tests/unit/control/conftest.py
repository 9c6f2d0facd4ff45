"""Control unit tests: Django set up from control.settings, a migrated test database per session.

Run this suite in its own process (settings are global):
``DJANGO_SETTINGS_MODULE=control.settings pytest tests/unit/control``. The test database is
Django's ``test_<name>`` copy of ``RELOCATE_CONTROL_DATABASE_URL`` (in-memory for SQLite), created
and migrated once and destroyed at the end, so a real database is never touched.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import django
import pytest

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "control.settings")
os.environ.setdefault("RELOCATE_CONTROL_DATABASE_URL", "sqlite:///:memory:")
if os.environ["DJANGO_SETTINGS_MODULE"] != "control.settings":
    raise RuntimeError("tests/unit/control must run with DJANGO_SETTINGS_MODULE=control.settings")
django.setup()

from django.db import connection, transaction  # noqa: E402 - needs django.setup() first
from django.test.utils import setup_test_environment, teardown_test_environment  # noqa: E402


@pytest.fixture(scope="session", autouse=True)
def _test_database() -> Iterator[None]:
    """Create and migrate the test database once; destroy it after the session."""
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    yield
    connection.creation.destroy_test_db(old_name, verbosity=0)
    teardown_test_environment()


@pytest.fixture
def db() -> Iterator[None]:
    """Run the test inside a transaction that is rolled back afterwards."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)
