"""Replaying an import with the same import_uuid writes nothing; a new uuid suffixes slugs."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import orjson
import pytest

from region.cli.wiring import connect
from shared.backup.descriptors import Silo
from shared.backup.flags import ImportFlags
from shared.backup.imports import ImportRun, plan_import, run_import
from shared.backup.pk_map import PrimaryKeyMap
from shared.backup.scopes import OperationScope
from shared.backup.streaming import read_export
from tests.integration.conftest import endpoints, write_export
from tests.support.instance import generate

pytestmark = pytest.mark.integration

REGION_TABLES = (
    "sentry_organization",
    "sentry_organizationmember",
    "sentry_team",
    "sentry_project",
    "sentry_projectkey",
    "sentry_projectoptions",
    "sentry_regionimportchunk",
    "sentry_controlimportchunkreplica",
)
CONTROL_TABLES = (
    "auth_user",
    "sentry_email",
    "sentry_useremail",
    "sentry_controlimportchunk",
    "sentry_organizationslugreservation",
    "sentry_organizationmapping",
)


def _counts(pair) -> dict[str, int]:
    out = {t: pair.count("region", t) for t in REGION_TABLES}
    out.update({t: pair.count("control", t) for t in CONTROL_TABLES})
    return out


def _import(pair, path: Path, scope: OperationScope, import_uuid: str, batch_size: int = 3):
    with (
        connect(endpoints(pair)) as silos,
        path.open("rb") as stream,
        read_export(stream, str(path), lambda m: m in silos.graph) as contents,
    ):
        warnings = plan_import(contents, silos.graph)
        return run_import(
            contents,
            graph=silos.graph,
            run=ImportRun(scope, ImportFlags(import_uuid=import_uuid), batch_size=batch_size),
            targets=silos.import_targets(pair.region_name),
            warnings=warnings,
        )


def test_same_import_uuid_twice_writes_nothing_and_returns_the_same_pk_map(
    silo_pair_factory, tmp_path
):
    pair = silo_pair_factory()
    src = write_export(tmp_path / "s.json", generate(users=7, orgs=2, seed=1))
    run_uuid = uuid.uuid4().hex
    first = _import(pair, src, OperationScope.GLOBAL, run_uuid)
    after_first = _counts(pair)
    second = _import(pair, src, OperationScope.GLOBAL, run_uuid)

    assert first.replayed_batches == 0
    assert second.replayed_batches == second.batches == first.batches
    assert _counts(pair) == after_first
    assert second.pk_map.mapping == first.pk_map.mapping
    # One chunk per batch, every control chunk replicated in the region with the same contents.
    control_batches = sum(
        1 for _ in pair.query("control", "SELECT 1 FROM sentry_controlimportchunk")
    )
    assert after_first["sentry_controlimportchunkreplica"] == control_batches
    assert after_first["sentry_regionimportchunk"] + control_batches == first.batches
    columns = (
        "import_uuid, model, min_ordinal, max_ordinal, min_source_pk, max_source_pk, "
        "min_inserted_pk, max_inserted_pk, inserted_map::text, existing_map::text, "
        "overwrite_map::text, inserted_identifiers::text"
    )
    order = " ORDER BY model, min_ordinal"
    assert pair.query(
        "control", f"SELECT {columns} FROM sentry_controlimportchunk{order}"
    ) == pair.query("region", f"SELECT {columns} FROM sentry_controlimportchunkreplica{order}")
    uuids = {
        r[0]
        for r in pair.query("region", "SELECT DISTINCT import_uuid FROM sentry_regionimportchunk")
    }
    assert uuids == {run_uuid}


def test_reimport_of_same_orgs_with_new_uuid_suffixes_slugs_and_reserves_them(
    silo_pair_factory, tmp_path
):
    pair = silo_pair_factory()
    src = write_export(tmp_path / "s.json", generate(users=4, orgs=2, seed=2))
    _import(pair, src, OperationScope.GLOBAL, uuid.uuid4().hex)
    report = _import(pair, src, OperationScope.ORGANIZATION, uuid.uuid4().hex)

    slugs = sorted(r[0] for r in pair.query("region", "SELECT slug FROM sentry_organization"))
    assert len(slugs) == 4
    originals, copies = (
        [s for s in slugs if s in ("org-0", "org-1")],
        [s for s in slugs if s not in ("org-0", "org-1")],
    )
    assert originals == ["org-0", "org-1"]
    assert sorted(c.rsplit("-", 1)[0] for c in copies) == ["org-0", "org-1"]
    # Control holds exactly the final region slugs, one primary reservation per organization.
    reserved = pair.query(
        "control", "SELECT organization_id, slug FROM sentry_organizationslugreservation"
    )
    region_orgs = pair.query("region", "SELECT id, slug FROM sentry_organization")
    assert sorted(reserved) == sorted(region_orgs)
    mappings = pair.query(
        "control", "SELECT organization_id, slug, region_name FROM sentry_organizationmapping"
    )
    assert sorted(mappings) == sorted((i, s, pair.region_name) for i, s in region_orgs)
    assert set(report.slugs.values()) == set(copies)
    # Colliding usernames were suffixed, colliding DSN keys regenerated, invite tokens cleared.
    usernames = [r[0] for r in pair.query("control", "SELECT username FROM auth_user")]
    assert len(usernames) == len(set(usernames)) == 8
    keys = pair.query("region", "SELECT public_key, secret_key FROM sentry_projectkey")
    assert len({k for row in keys for k in row}) == 2 * len(keys) == 32
    assert pair.count("control", "sentry_email") == 4


def test_concurrent_replays_of_one_batch_write_it_once(silo_pair_factory):
    pair = silo_pair_factory()
    records = [r for r in generate(users=3, orgs=1, seed=4) if r["model"] == "sentry.organization"]
    flags = ImportFlags(import_uuid=uuid.uuid4().hex)
    with connect(endpoints(pair)) as silos:
        client = silos.relocation[Silo.REGION]

        def call(_: int):
            return client.import_by_model(
                model="sentry.organization",
                scope=OperationScope.ORGANIZATION,
                flags=flags,
                filters=[],
                pk_map=PrimaryKeyMap(),
                records_json=orjson.dumps(records),
                min_ordinal=1,
            )

        with ThreadPoolExecutor(max_workers=4) as pool:
            results = list(pool.map(call, range(8)))
    chunks = {repr(sorted(chunk.mapped.items())) for chunk, _ in results}
    assert len(chunks) == 1
    assert sum(1 for _, replayed in results if not replayed) == 1
    assert pair.count("region", "sentry_organization") == len(records)
    assert pair.count("region", "sentry_regionimportchunk") == 1
