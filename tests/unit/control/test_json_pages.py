"""Control export pages built by PostgreSQL equal the ones Python builds, for every model."""

from __future__ import annotations

import pytest
from django.db import connection

from shared.backup.descriptors import Silo
from shared.backup.orm.registry import build_registry
from tests.support.export_paths import load_instance, pages_both_ways

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="json_build_object pages are PostgreSQL's"
)


def test_every_control_model_exports_the_same_records_either_way(db, monkeypatch):
    registry = build_registry("control", Silo.CONTROL)
    counts = load_instance(registry)
    assert len(counts) >= 10
    for model, count in counts.items():
        database, python = pages_both_ways(registry, monkeypatch, model)
        assert database == python, model
        assert len(database) == count, model
