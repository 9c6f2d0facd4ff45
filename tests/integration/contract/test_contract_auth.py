"""Auth contract: every RPC needs a valid signature; the health service answers without one."""

from __future__ import annotations

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from shared.backup.descriptors import Silo
from shared.rpc.channels import make_channel
from shared.rpc.clients import RelocationClient
from shared.rpc.errors import Reason, Unauthenticated
from shared.rpc.gen.relocate.relocation.v1 import relocation_service_pb2 as pb
from shared.rpc.gen.relocate.relocation.v1 import relocation_service_pb2_grpc as pb_grpc

pytestmark = pytest.mark.integration

SERVICES = {
    Silo.CONTROL: [
        "relocate.relocation.v1.RelocationService",
        "relocate.control.v1.OrganizationProvisioningService",
    ],
    Silo.REGION: [
        "relocate.relocation.v1.RelocationService",
        "relocate.region.v1.RegionImportService",
    ],
}


@pytest.mark.parametrize("silo", list(Silo), ids=lambda s: s.value)
def test_unsigned_call_is_unauthenticated(target, silo):
    with (
        grpc.insecure_channel(target.address(silo)) as channel,
        pytest.raises(grpc.RpcError) as raised,
    ):
        pb_grpc.RelocationServiceStub(channel).ListModels(pb.ListModelsRequest(), timeout=10)
    assert raised.value.code() == grpc.StatusCode.UNAUTHENTICATED


@pytest.mark.parametrize("silo", list(Silo), ids=lambda s: s.value)
def test_call_signed_with_a_wrong_secret_is_unauthenticated(target, silo):
    channel = make_channel(target.config(silo, secret="not-the-" + target.secret))
    try:
        with pytest.raises(Unauthenticated) as raised:
            RelocationClient(channel, 10).list_models()
    finally:
        channel.close()
    assert raised.value.reason == Reason.RPC_SIGNATURE_INVALID


@pytest.mark.parametrize("silo", list(Silo), ids=lambda s: s.value)
def test_health_answers_serving_without_a_signature(target, silo):
    with grpc.insecure_channel(target.address(silo)) as channel:
        health = health_pb2_grpc.HealthStub(channel)
        for service in ["", *SERVICES[silo]]:
            reply = health.Check(health_pb2.HealthCheckRequest(service=service), timeout=10)
            assert reply.status == health_pb2.HealthCheckResponse.SERVING, service
