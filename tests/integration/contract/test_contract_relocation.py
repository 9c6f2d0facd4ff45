"""RelocationService contract: golden requests and responses, against any pair of silos."""

from __future__ import annotations

import os
import uuid
from typing import Any

import orjson
import pytest
from google.protobuf import json_format

from shared.backup.chunks import ImportChunk
from shared.backup.descriptors import Silo
from shared.backup.filters import Filter
from shared.backup.flags import ImportFlags
from shared.backup.model_names import ModelName
from shared.backup.pk_map import PrimaryKeyMap
from shared.backup.scopes import OperationScope
from shared.backup.snapshot import descriptor_to_json, read_snapshot
from shared.rpc.codecs import decode_operation_scope
from shared.rpc.gen.relocate.relocation.v1 import relocation_service_pb2 as pb
from tests.integration.contract.conftest import ENV_ALLOW_CLEAR
from tests.integration.contract.goldens import golden, render

pytestmark = pytest.mark.integration


def _scope(name: str) -> OperationScope:
    scope = decode_operation_scope(pb.ImportByModelRequest(scope=name).scope)  # type: ignore[arg-type]
    assert scope is not None
    return scope


def _import(client, case: dict[str, Any], import_uuid: str) -> tuple[ImportChunk, bool]:
    request = json_format.ParseDict(case["request"], pb.ImportByModelRequest())
    return client.import_by_model(
        model=request.model,
        scope=_scope(case["request"]["scope"]),
        flags=ImportFlags(import_uuid=import_uuid),
        filters=[],
        pk_map=PrimaryKeyMap(),
        records_json=orjson.dumps(case["records"]),
        min_ordinal=request.min_ordinal,
    )


def _chunk_view(chunk: ImportChunk) -> dict[str, Any]:
    """The golden-comparable part of a chunk: everything but the pks the target assigned."""
    return {
        "model": str(chunk.model),
        "min_ordinal": chunk.min_ordinal,
        "max_ordinal": chunk.max_ordinal,
        "min_source_pk": chunk.min_source_pk,
        "max_source_pk": chunk.max_source_pk,
        "kinds": {str(pk): m.kind.value for pk, m in sorted(chunk.mapped.items())},
        "slugs": {str(pk): m.slug for pk, m in sorted(chunk.mapped.items())},
        "finding_kinds": [f.kind.value for f in chunk.findings],
    }


def _assert_new_pk_shape(chunk: ImportChunk) -> None:
    new_pks = [m.new_pk for m in chunk.mapped.values()]
    assert all(pk > 0 for pk in new_pks)
    assert len(set(new_pks)) == len(new_pks)
    assert chunk.min_inserted_pk == min(new_pks)
    assert chunk.max_inserted_pk == max(new_pks)


def test_list_models_golden_matches_the_committed_model_snapshot():
    expected: dict[str, list[dict[str, Any]]] = {}
    for descriptor in read_snapshot():
        expected.setdefault(descriptor.silo.value, []).append(descriptor_to_json(descriptor))
    assert golden("list_models")["silos"] == {
        silo: sorted(models, key=lambda m: m["name"]) for silo, models in expected.items()
    }


@pytest.mark.parametrize("silo", list(Silo), ids=lambda s: s.value)
def test_list_models_returns_the_golden_descriptors(relocation, silo):
    name, descriptors = relocation[silo].list_models()
    assert name == silo.value
    got = sorted((descriptor_to_json(d) for d in descriptors), key=lambda m: m["name"])
    assert got == golden("list_models")["silos"][silo.value]


@pytest.mark.parametrize("case_name", ["control", "region"])
def test_import_by_model_then_replay_match_the_golden_chunk(relocation, run_id, case_name):
    case = render(golden("import_by_model")[case_name], run=run_id)
    import_uuid = uuid.uuid4().hex
    client = relocation[Silo(case_name)]
    chunk, replayed = _import(client, case, import_uuid)
    assert replayed is case["response"]["replayed"]
    assert chunk.import_uuid == import_uuid
    assert _chunk_view(chunk) == case["response"]["chunk"]
    _assert_new_pk_shape(chunk)

    again, replayed_again = _import(client, case, import_uuid)
    assert replayed_again is True
    assert again == chunk


def test_import_of_a_taken_username_is_suffixed_with_a_finding(relocation, run_id):
    imports = render(golden("import_by_model"), run=run_id)
    _import(relocation[Silo.CONTROL], imports["control"], uuid.uuid4().hex)
    case = imports["control_collision"]
    chunk, replayed = _import(relocation[Silo.CONTROL], case, uuid.uuid4().hex)
    assert replayed is case["response"]["replayed"]
    assert _chunk_view(chunk) == case["response"]["chunk"]
    _assert_new_pk_shape(chunk)
    (finding,) = chunk.findings
    assert (finding.model, finding.ordinal, finding.field) == ("sentry.user", 1, "username")


def test_export_by_model_pages_by_page_size_and_next_from_pk(relocation, run_id):
    case = render(golden("export_by_model"), run=run_id)
    client = relocation[Silo.CONTROL]
    request = json_format.ParseDict(case["request"], pb.ExportByModelRequest())
    seed = {"model": request.model, "scope": case["request"]["scope"], "minOrdinal": "1"}
    _import(client, {"request": seed, "records": case["records"]}, uuid.uuid4().hex)
    usernames = [r["fields"]["username"] for r in case["records"]]
    flt = Filter(ModelName(request.model), case["filter_field"], frozenset(usernames))
    from_pk, pages = 0, []
    for _ in range(len(case["pages"]) + 1):
        data, next_from_pk = client.export_by_model(
            model=request.model,
            scope=_scope(case["request"]["scope"]),
            filters=[flt],
            from_pk=from_pk,
            page_size=request.page_size,
        )
        records = orjson.loads(data)
        pks = [r["pk"] for r in records]
        assert pks == sorted(pks)
        assert all(pk > from_pk for pk in pks)
        pages.append(
            {
                "usernames": [r["fields"]["username"] for r in records],
                "next_from_pk": "last pk of the page"
                if next_from_pk and next_from_pk == pks[-1]
                else next_from_pk,
            }
        )
        if not next_from_pk:
            break
        from_pk = next_from_pk
    assert pages == case["pages"]


@pytest.mark.parametrize("silo", list(Silo), ids=lambda s: s.value)
def test_clear_models_reports_every_table_of_the_silo(relocation, target, run_id, silo):
    if target.deployed and os.environ.get(ENV_ALLOW_CLEAR) != "1":
        pytest.skip(f"ClearModels deletes the deployed pair's data; set {ENV_ALLOW_CLEAR}=1")
    imports = render(golden("import_by_model"), run=run_id)
    _import(relocation[silo], imports[silo.value], uuid.uuid4().hex)
    expected = golden("clear_models")[silo.value]
    deleted = relocation[silo].clear_models(
        import_uuid=uuid.uuid4().hex, region_name=target.region_name
    )
    assert sorted(deleted) == expected["deleted_rows_keys"]
    assert all(isinstance(n, int) and n >= 0 for n in deleted.values())
    for table, least in expected["at_least"].items():
        assert deleted[table] >= least, table
    assert relocation[silo].clear_models(
        import_uuid=uuid.uuid4().hex, region_name=target.region_name
    ) == dict.fromkeys(expected["deleted_rows_keys"], 0)
