"""What the control and region unit suites share: Django set up as one silo, a migrated test
database per session, rolled-back tests, and the checks of a silo's model registry.

Each suite's conftest calls ``configure("region")`` (or ``"control"``) before anything imports
Django models, then re-exports the fixtures: ``from tests.support.silo_unit import db,
test_database``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import django
import pytest
from django.db import connection, transaction
from django.test.utils import setup_test_environment, teardown_test_environment

from shared.backup.catalog import MODEL_SILOS
from shared.backup.descriptors import ForeignKey, Silo
from shared.backup.model_names import ModelName
from shared.backup.orm.registry import SiloRegistry
from shared.backup.scopes import RelocationScope


def configure(silo: str) -> None:
    """Set Django up from ``<silo>.settings`` (SQLite in memory unless the suite's database URL
    is set); refuse a process already configured as another silo (settings are global)."""
    settings = f"{silo}.settings"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings)
    os.environ.setdefault(f"RELOCATE_{silo.upper()}_DATABASE_URL", "sqlite:///:memory:")
    if os.environ["DJANGO_SETTINGS_MODULE"] != settings:
        raise RuntimeError(f"tests/unit/{silo} must run with DJANGO_SETTINGS_MODULE={settings}")
    django.setup()


@pytest.fixture(scope="session", autouse=True)
def test_database() -> Iterator[None]:
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


def names_of(silo: Silo) -> tuple[str, ...]:
    """The catalog's models of one silo."""
    return tuple(str(name) for name, owner in MODEL_SILOS.items() if owner is silo)


@dataclass(frozen=True)
class Expected:
    """A model's Sentry metadata, pinned by hand for the first models each silo carried."""

    scopes: frozenset[RelocationScope]
    foreign_keys: frozenset[ForeignKey] = frozenset()
    unique_sets: frozenset[tuple[str, ...]] = frozenset()
    dependencies: tuple[str, ...] = ()
    """Extra relocation dependencies (not foreign keys)."""


def fk(field: str, target: str, *, nullable: bool = False, nwm: bool = False) -> ForeignKey:
    """A foreign key as a descriptor states it."""
    return ForeignKey(field, ModelName(target), nullable=nullable, null_when_missing=nwm)


def check_registry(registry: SiloRegistry, silo: Silo, expected: Mapping[str, Expected]) -> None:
    """The registry holds exactly the catalog's models of ``silo`` (every hand-pinned one among
    them) and knows the other silo's names. Every model of Sentry's graph is also held to the
    graph by tests/unit/shared/backup/test_graph_agreement.py."""
    other = Silo.CONTROL if silo is Silo.REGION else Silo.REGION
    assert set(expected) <= set(registry.models)
    assert set(registry.models) == set(names_of(silo))
    assert registry.all_names == set(names_of(silo)) | set(names_of(other))
    assert all(m.descriptor.silo is silo for m in registry.models.values())


def check_descriptor(registry: SiloRegistry, name: str, expected: Expected) -> None:
    """One model's descriptor states the pinned scopes, foreign keys, unique sets and
    dependencies."""
    descriptor = registry.get(name).descriptor
    assert descriptor.scopes == expected.scopes
    assert set(descriptor.foreign_keys) == expected.foreign_keys
    assert {u.fields for u in descriptor.unique_sets} == expected.unique_sets
    assert descriptor.relocation_dependencies == expected.dependencies
