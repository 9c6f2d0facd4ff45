"""Region unit tests: Django configured from region.settings, a migrated test database per session.

Run this suite in its own process (settings are global):
``DJANGO_SETTINGS_MODULE=region.settings pytest tests/unit/region``. The test database is
Django's ``test_<name>`` copy of ``RELOCATE_REGION_DATABASE_URL`` (in-memory for SQLite), created
and migrated once and destroyed at the end, so a real database is never touched.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import django
import pytest

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "region.settings")
os.environ.setdefault("RELOCATE_REGION_DATABASE_URL", "sqlite:///:memory:")
if os.environ["DJANGO_SETTINGS_MODULE"] != "region.settings":
    raise RuntimeError("tests/unit/region must run with DJANGO_SETTINGS_MODULE=region.settings")
django.setup()

from django.db import connection, transaction  # noqa: E402 - needs django.setup() first
from django.test.utils import setup_test_environment, teardown_test_environment  # noqa: E402

from shared.backup.descriptors import (  # noqa: E402
    ForeignKey,
    ModelDescriptor,
    Silo,
    UniqueSet,
)
from shared.backup.model_names import ModelName  # noqa: E402
from shared.backup.scopes import RelocationScope  # noqa: E402

ROOT = Path(__file__).resolve().parents[3]

# Prints the control silo's descriptors as JSON, from a process configured as the control silo.
_DUMP_CONTROL_DESCRIPTORS = """
import json
import django
django.setup()
from shared.backup.descriptors import Silo
from shared.backup.orm.registry import build_registry
registry = build_registry("control", Silo.CONTROL)
print(json.dumps([
    {
        "name": d.name,
        "scopes": sorted(int(s) for s in d.scopes),
        "foreign_keys": [[f.field, f.target, f.nullable, f.null_when_missing]
                         for f in d.foreign_keys],
        "unique_sets": [list(u.fields) for u in d.unique_sets],
        "relocation_dependencies": list(d.relocation_dependencies),
        "fields": list(d.fields),
    }
    for d in registry.descriptors()
]))
"""


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


@pytest.fixture(scope="session")
def control_descriptors() -> list[ModelDescriptor]:
    """The control silo's real descriptors, read by a subprocess configured as control."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "control.settings",
        "RELOCATE_CONTROL_DATABASE_URL": "sqlite:///:memory:",
    }
    out = subprocess.run(
        [sys.executable, "-c", _DUMP_CONTROL_DESCRIPTORS],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    return [
        ModelDescriptor(
            name=ModelName(d["name"]),
            silo=Silo.CONTROL,
            scopes=frozenset(RelocationScope(s) for s in d["scopes"]),
            foreign_keys=tuple(
                ForeignKey(f, ModelName(t), nullable=n, null_when_missing=m)
                for f, t, n, m in d["foreign_keys"]
            ),
            unique_sets=tuple(UniqueSet(tuple(u)) for u in d["unique_sets"]),
            relocation_dependencies=tuple(ModelName(n) for n in d["relocation_dependencies"]),
            fields=tuple(d["fields"]),
        )
        for d in json.loads(out)
    ]
