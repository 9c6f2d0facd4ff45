"""ImportByModel and ExportByModel as a client sees them: results, batches and typed errors
(acceptance behaviours 68, 70, 79, 81, 82, 84-87)."""

from __future__ import annotations

import uuid

import grpc
import orjson
import pytest

from shared.backup.descriptors import Silo
from shared.backup.flags import ImportFlags
from shared.backup.pk_map import ImportKind, PrimaryKeyMap
from shared.backup.scopes import OperationScope
from shared.rpc.channels import make_channel
from shared.rpc.clients import RelocationClient
from shared.rpc.errors import FailedPrecondition, InvalidArgument, Reason, from_grpc_error
from shared.rpc.gen.relocate.relocation.v1 import relocation_service_pb2 as pb
from shared.rpc.gen.relocate.relocation.v1 import relocation_service_pb2_grpc as pb_grpc
from tests.integration.acceptance import chunks, import_records, reset
from tests.support.records import user, useremail

pytestmark = pytest.mark.integration


@pytest.fixture
def clients(module_pair):
    channels = {s: make_channel(module_pair.client_config(s)) for s in Silo}
    yield {s: RelocationClient(c, 30) for s, c in channels.items()}
    for channel in channels.values():
        channel.close()


@pytest.fixture
def stubs(module_pair):
    channels = {s: make_channel(module_pair.client_config(s)) for s in Silo}
    yield {s: pb_grpc.RelocationServiceStub(c) for s, c in channels.items()}
    for channel in channels.values():
        channel.close()


def _import_users(client, records_json, min_ordinal=1):
    return client.import_by_model(
        model="sentry.user",
        scope=OperationScope.GLOBAL,
        flags=ImportFlags(import_uuid=uuid.uuid4().hex),
        filters=[],
        pk_map=PrimaryKeyMap(),
        records_json=records_json,
        min_ordinal=min_ordinal,
    )


def _export(client, model, scope=OperationScope.GLOBAL):
    return client.export_by_model(model=model, scope=scope, filters=[], from_pk=0, page_size=10)


def test_import_result_maps_every_record_and_reports_source_and_inserted_pk_ranges(
    clients, module_pair
):
    names = [f"rpc-{uuid.uuid4().hex[:8]}" for _ in range(3)]
    records = [user(pk, name) for pk, name in zip((12, 34, 56), names, strict=True)]

    chunk, replayed = _import_users(clients[Silo.CONTROL], orjson.dumps(records))

    assert replayed is False
    ids = dict(
        module_pair.query(
            "control", "SELECT username, id FROM auth_user WHERE username = ANY(%s)", (names,)
        )
    )
    assert {old: (e.new_pk, e.kind) for old, e in chunk.mapped.items()} == {
        12: (ids[names[0]], ImportKind.INSERTED),
        34: (ids[names[1]], ImportKind.INSERTED),
        56: (ids[names[2]], ImportKind.INSERTED),
    }
    assert (chunk.min_ordinal, chunk.max_ordinal) == (1, 3)
    assert (chunk.min_source_pk, chunk.max_source_pk) == (12, 56)
    assert (chunk.min_inserted_pk, chunk.max_inserted_pk) == (min(ids.values()), max(ids.values()))


def test_one_more_record_than_the_batch_size_makes_a_full_chunk_and_a_one_record_chunk(
    module_pair, tmp_path
):
    reset(module_pair, tmp_path)
    users = [user(100 + i, f"u{i}") for i in range(4)]
    emails = [useremail(200 + i, 100 + i, f"u{i}@example.com") for i in range(4)]

    import_records(module_pair, tmp_path, "global", users + emails, "--batch-size", "3")

    assert [
        (c["min_ordinal"], c["max_ordinal"], c["min_source_pk"], c["max_source_pk"])
        for c in chunks(module_pair, "control", "sentry.user")
    ] == [(1, 3, 100, 102), (4, 4, 103, 103)]
    # The last batch's reference resolves to the user the earlier batches imported.
    assert module_pair.query(
        "control",
        "SELECT u.username FROM sentry_useremail e JOIN auth_user u ON u.id = e.user_id "
        "WHERE e.email = 'u3@example.com'",
    ) == [("u3",)]


def test_unparseable_json_payload_is_a_deserialization_error(clients):
    with pytest.raises(InvalidArgument) as err:
        _import_users(clients[Silo.CONTROL], b'[{"model": "sentry.user", "pk": 1, ')

    assert err.value.reason == Reason.DESERIALIZATION_FAILED
    assert err.value.metadata["model"] == "sentry.user"


def test_too_long_username_over_rpc_is_an_invalid_instance(clients, module_pair):
    before = module_pair.count("control", "auth_user")

    with pytest.raises(InvalidArgument) as err:
        _import_users(clients[Silo.CONTROL], orjson.dumps([user(1, "x" * 129)]))

    assert err.value.reason == Reason.INSTANCE_INVALID
    assert (err.value.metadata["model"], err.value.metadata["field"]) == ("sentry.user", "username")
    assert "longer than 128 characters" in err.value.message
    assert module_pair.count("control", "auth_user") == before


def test_export_of_an_unknown_model_is_an_unknown_model_error(clients):
    for silo in Silo:
        with pytest.raises(InvalidArgument) as err:
            _export(clients[silo], "sentry.nosuchmodel")
        assert err.value.reason == Reason.UNKNOWN_MODEL


@pytest.mark.parametrize(
    ("silo", "model"),
    [
        (Silo.CONTROL, "sentry.controlimportchunk"),
        (Silo.CONTROL, "sentry.organizationslugreservation"),
        (Silo.REGION, "sentry.regionimportchunk"),
    ],
)
def test_export_of_a_bookkeeping_model_is_refused_as_unknown(clients, silo, model):
    with pytest.raises(InvalidArgument) as err:
        _export(clients[silo], model)

    assert err.value.reason == Reason.UNKNOWN_MODEL


def test_export_of_a_model_from_the_silo_that_does_not_own_it_is_refused(clients):
    with pytest.raises(FailedPrecondition) as err:
        _export(clients[Silo.CONTROL], "sentry.organization")
    assert err.value.reason == Reason.MODEL_NOT_IN_SILO
    assert err.value.metadata == {"model": "sentry.organization", "silo": "control"}

    with pytest.raises(FailedPrecondition) as err:
        _export(clients[Silo.REGION], "sentry.user")
    assert err.value.reason == Reason.MODEL_NOT_IN_SILO


def test_import_and_export_without_a_scope_are_refused_as_scope_required(stubs):
    requests = [
        (
            stubs[Silo.CONTROL].ImportByModel,
            pb.ImportByModelRequest(
                model="sentry.user",
                flags=pb.ImportFlags(import_uuid=uuid.uuid4().hex),
                records_json=b"[]",
                min_ordinal=1,
            ),
        ),
        (
            stubs[Silo.REGION].ExportByModel,
            pb.ExportByModelRequest(model="sentry.organization", page_size=10),
        ),
    ]
    for method, request in requests:
        with pytest.raises(grpc.RpcError) as raw:
            method(request, timeout=30)
        error = from_grpc_error(raw.value)
        assert error.code == grpc.StatusCode.INVALID_ARGUMENT
        assert error.reason == Reason.SCOPE_REQUIRED
