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
from pathlib import Path

import pytest

from tests.support.silo_unit import configure

configure("region")

from shared.backup.descriptors import (  # noqa: E402
    ForeignKey,
    ModelDescriptor,
    Silo,
    UniqueSet,
)
from shared.backup.model_names import ModelName  # noqa: E402
from shared.backup.scopes import RelocationScope  # noqa: E402
from tests.support.silo_unit import db, test_database  # noqa: E402 - fixtures of this suite

__all__ = ["control_descriptors", "db", "test_database"]

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
