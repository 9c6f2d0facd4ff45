"""The region's Relocation records: start, update, read, list, and survival of a Global clear."""

from __future__ import annotations

import pytest

from region import actions as region_actions
from region.actions import (
    do_start_relocation,
    do_update_relocation,
    get_relocation,
    list_relocations,
)
from region.models import Organization, RelocationRecord
from shared.backup.descriptors import Silo
from shared.backup.orm.clearing import do_clear_models
from shared.backup.orm.registry import build_registry
from shared.backup.relocation_records import (
    ModelProgress,
    RelocationProgress,
    RelocationStatus,
    RelocationStep,
)
from shared.backup.scopes import OperationScope

pytestmark = pytest.mark.usefixtures("db")


def _start(uuid: str = "u1", sha: str = "ab" * 32):
    return do_start_relocation(
        uuid=uuid, scope=OperationScope.GLOBAL, flags={"batch_size": 5}, source_sha256=sha
    )


def test_start_creates_an_in_progress_record_at_preflight():
    record = _start()
    assert record.status is RelocationStatus.IN_PROGRESS
    assert record.step is RelocationStep.PREFLIGHT
    assert record.scope is OperationScope.GLOBAL
    assert record.flags == {"batch_size": 5}
    assert record.created is not None
    assert record.finished is None
    assert get_relocation("u1") == record


def test_start_again_restarts_the_same_row_and_keeps_its_creation_time():
    first = _start()
    do_update_relocation(
        "u1",
        step=RelocationStep.IMPORTING,
        status=RelocationStatus.FAILURE,
        failure_reason="control down",
    )
    again = _start()
    assert RelocationRecord.objects.count() == 1
    assert again.created == first.created
    assert again.status is RelocationStatus.IN_PROGRESS
    assert again.step is RelocationStep.PREFLIGHT
    assert again.failure_reason == ""
    assert again.finished is None


def test_update_changes_only_the_given_fields_and_finishing_sets_the_finish_time():
    _start()
    progress = RelocationProgress(3, 10, (ModelProgress("sentry.user", 3, 4),))
    record = do_update_relocation("u1", step=RelocationStep.IMPORTING, progress=progress)
    assert record is not None
    assert record.step is RelocationStep.IMPORTING
    assert record.status is RelocationStatus.IN_PROGRESS
    assert record.progress == progress
    failed = do_update_relocation("u1", status=RelocationStatus.FAILURE, failure_reason="boom")
    assert failed is not None
    assert failed.step is RelocationStep.IMPORTING
    assert failed.progress == progress
    assert failed.failure_reason == "boom"
    assert failed.finished is not None


def test_unknown_uuids_read_as_none():
    assert get_relocation("nope") is None
    assert do_update_relocation("nope", status=RelocationStatus.SUCCESS) is None


def test_list_is_most_recent_first_and_limited():
    for name in ("a", "b", "c"):
        _start(name)
    assert [r.uuid for r in list_relocations()] == ["c", "b", "a"]
    assert [r.uuid for r in list_relocations(2)] == ["c", "b"]


def test_a_list_without_a_limit_is_the_default_page_and_no_list_exceeds_the_maximum(
    monkeypatch,
):
    monkeypatch.setattr(region_actions, "DEFAULT_RELOCATIONS_PAGE", 2)
    monkeypatch.setattr(region_actions, "MAX_RELOCATIONS_PAGE", 3)
    for name in ("a", "b", "c", "d"):
        _start(name)
    assert [r.uuid for r in list_relocations(0)] == ["d", "c"]
    assert [r.uuid for r in list_relocations(-5)] == ["d", "c"]
    assert [r.uuid for r in list_relocations(10**6)] == ["d", "c", "b"]


def test_clearing_the_region_keeps_the_records():
    _start("kept")
    Organization.objects.create(name="Acme", slug="acme")
    counts = do_clear_models("region")
    assert Organization.objects.count() == 0
    assert counts["sentry_organization"] == 1
    assert "sentry_relocation" not in counts
    kept = get_relocation("kept")
    assert kept is not None
    assert kept.status is RelocationStatus.IN_PROGRESS


def test_the_record_is_bookkeeping_never_relocated():
    registry = build_registry("region", Silo.REGION)
    assert "sentry.relocation" not in {str(d.name) for d in registry.descriptors()}
