"""Typed errors across the boundary, against real silo processes."""

from __future__ import annotations

import uuid
from typing import Any

import grpc
import orjson
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from shared.backup.descriptors import Silo
from shared.backup.flags import ImportFlags
from shared.backup.pk_map import PrimaryKeyMap
from shared.backup.scopes import OperationScope
from shared.rpc.channels import make_channel
from shared.rpc.clients import RegionImportClient, RelocationClient
from shared.rpc.config import RpcClientConfig
from shared.rpc.errors import FailedPrecondition, InvalidArgument, Reason, Unauthenticated
from shared.rpc.gen.relocate.relocation.v1 import relocation_service_pb2 as pb
from shared.rpc.gen.relocate.relocation.v1 import relocation_service_pb2_grpc as pb_grpc

pytestmark = pytest.mark.integration

USER = {"model": "sentry.user", "pk": 1, "fields": {"username": "alice", "email": "a@x.io"}}


@pytest.fixture
def pair(module_pair):
    return module_pair


@pytest.fixture
def clients(pair):
    channels = {s: make_channel(pair.client_config(s)) for s in Silo}
    yield {s: RelocationClient(c, 30) for s, c in channels.items()}
    for channel in channels.values():
        channel.close()


def _import(
    client,
    model="sentry.user",
    records=(USER,),
    min_ordinal=1,
    scope=OperationScope.GLOBAL,
    import_uuid=None,
):
    return client.import_by_model(
        model=model,
        scope=scope,
        flags=ImportFlags(import_uuid=import_uuid or uuid.uuid4().hex),
        filters=[],
        pk_map=PrimaryKeyMap(),
        records_json=orjson.dumps(list(records)),
        min_ordinal=min_ordinal,
    )


def test_import_on_the_wrong_silo_is_a_typed_model_not_in_silo_error(clients, pair):
    with pytest.raises(FailedPrecondition) as err:
        _import(clients[Silo.REGION])
    assert err.value.reason == Reason.MODEL_NOT_IN_SILO
    assert err.value.metadata == {"model": "sentry.user", "silo": "region"}
    with pytest.raises(FailedPrecondition) as err:
        _import(
            clients[Silo.CONTROL],
            model="sentry.organization",
            records=[
                {"model": "sentry.organization", "pk": 1, "fields": {"slug": "a", "name": "A"}}
            ],
        )
    assert err.value.reason == Reason.MODEL_NOT_IN_SILO
    assert pair.count("region", "sentry_regionimportchunk") == 0


def test_unknown_model_and_bad_arguments_are_typed_invalid_argument_errors(clients):
    control = clients[Silo.CONTROL]
    cases: list[tuple[dict[str, Any], Reason]] = [
        ({"model": "sentry.nosuchmodel"}, Reason.UNKNOWN_MODEL),
        ({"min_ordinal": 0}, Reason.INVALID_MIN_ORDINAL),
        ({"import_uuid": ""}, Reason.IMPORT_UUID_REQUIRED),
        (
            {"records": [{"model": "sentry.email", "pk": 1, "fields": {"email": "a@x.io"}}]},
            Reason.UNEXPECTED_MODEL,
        ),
        (
            {"records": [{"model": "sentry.user", "pk": "one", "fields": {}}]},
            Reason.DESERIALIZATION_FAILED,
        ),
    ]
    for kwargs, reason in cases:
        if kwargs.get("import_uuid") == "":
            with pytest.raises(InvalidArgument) as err:
                control.import_by_model(
                    model="sentry.user",
                    scope=OperationScope.GLOBAL,
                    flags=ImportFlags(import_uuid=""),
                    filters=[],
                    pk_map=PrimaryKeyMap(),
                    records_json=b"[]",
                    min_ordinal=1,
                )
        else:
            with pytest.raises(InvalidArgument) as err:
                _import(control, **kwargs)
        assert err.value.reason == reason, kwargs


def test_invalid_record_names_model_and_ordinal_and_writes_nothing(clients, pair):
    before = pair.count("control", "auth_user")
    records = [USER | {"pk": 7}, {"model": "sentry.user", "pk": 9, "fields": {"email": "b@x.io"}}]
    with pytest.raises(InvalidArgument) as err:
        _import(clients[Silo.CONTROL], records=records)
    assert err.value.reason == Reason.INSTANCE_INVALID
    assert err.value.metadata["model"] == "sentry.user"
    assert err.value.metadata["ordinal"] == "2"
    assert err.value.metadata["field"] == "username"
    assert [(f.model, f.ordinal, f.field) for f in err.value.findings] == [
        ("sentry.user", 2, "username")
    ]
    assert pair.count("control", "auth_user") == before
    assert pair.count("control", "sentry_controlimportchunk") == 0


def test_unspecified_scope_is_rejected(pair):
    channel = make_channel(pair.client_config(Silo.CONTROL))
    try:
        stub = pb_grpc.RelocationServiceStub(channel)
        with pytest.raises(grpc.RpcError) as err:
            stub.ImportByModel(
                pb.ImportByModelRequest(
                    model="sentry.user",
                    flags=pb.ImportFlags(import_uuid="u"),
                    records_json=b"[]",
                    min_ordinal=1,
                ),
                timeout=30,
            )
        assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert "scope" in (err.value.details() or "")
    finally:
        channel.close()


def test_unsigned_or_wrongly_signed_calls_are_unauthenticated_but_health_answers(pair):
    address = pair.addresses["control"]
    wrong = make_channel(RpcClientConfig(target=address, secrets=("not-the-secret",)))
    unsigned = grpc.insecure_channel(address)
    try:
        with pytest.raises(Unauthenticated) as err:
            RelocationClient(wrong, 10).list_models()
        assert err.value.reason == Reason.RPC_SIGNATURE_INVALID
        with pytest.raises(grpc.RpcError) as raw:
            pb_grpc.RelocationServiceStub(unsigned).ListModels(pb.ListModelsRequest(), timeout=10)
        assert raw.value.code() == grpc.StatusCode.UNAUTHENTICATED
        health = health_pb2_grpc.HealthStub(unsigned).Check(
            health_pb2.HealthCheckRequest(), timeout=10
        )
        assert health.status == health_pb2.HealthCheckResponse.SERVING
        for service in (
            "relocate.relocation.v1.RelocationService",
            "relocate.control.v1.OrganizationProvisioningService",
        ):
            health = health_pb2_grpc.HealthStub(unsigned).Check(
                health_pb2.HealthCheckRequest(service=service), timeout=10
            )
            assert health.status == health_pb2.HealthCheckResponse.SERVING
    finally:
        wrong.close()
        unsigned.close()


def test_rotated_secret_list_accepts_old_and_new_secrets_only(silo_pair_factory):
    pair = silo_pair_factory("rotation", server_secrets=("new-secret", "old-secret"))
    for secret in ("new-secret", "old-secret"):
        channel = make_channel(RpcClientConfig(target=pair.addresses["region"], secrets=(secret,)))
        try:
            silo, models = RelocationClient(channel, 10).list_models()
        finally:
            channel.close()
        assert silo == "region"
        assert "sentry.organization" in {m.name for m in models}
    retired = make_channel(RpcClientConfig(target=pair.addresses["region"], secrets=("retired",)))
    try:
        with pytest.raises(Unauthenticated):
            RelocationClient(retired, 10).list_models()
    finally:
        retired.close()


def test_a_region_applies_only_slugs_control_reserved(pair):
    """ApplyOrganizationSlugs asks control first: a slug nobody reserved is refused, unapplied."""
    records = [
        {
            "model": "sentry.organization",
            "pk": 1,
            "fields": {"name": "Acme", "slug": f"acme-{uuid.uuid4().hex[:8]}", "status": 0},
        }
    ]
    channel = make_channel(pair.client_config(Silo.REGION))
    try:
        chunk, _ = RelocationClient(channel, 30).import_by_model(
            model="sentry.organization",
            scope=OperationScope.ORGANIZATION,
            flags=ImportFlags(import_uuid=uuid.uuid4().hex),
            filters=[],
            pk_map=PrimaryKeyMap(),
            records_json=orjson.dumps(records),
            min_ordinal=1,
        )
        org = chunk.mapped[1].new_pk
        region = RegionImportClient(channel, 30)
        with pytest.raises(FailedPrecondition) as refused:
            region.apply_organization_slugs(slugs={org: "stolen-slug"})
        assert refused.value.reason == Reason.SLUG_NOT_RESERVED
        assert str(org) in refused.value.message
    finally:
        channel.close()
    assert (
        pair.query("region", "SELECT count(*) FROM sentry_organization WHERE slug = 'stolen-slug'")[
            0
        ][0]
        == 0
    )
