"""The service config retries UNAVAILABLE on the listed idempotent methods, and only there."""

from __future__ import annotations

import json

import grpc
import pytest

from shared.rpc.channels import make_channel
from shared.rpc.clients import RelocationClient
from shared.rpc.config import RpcClientConfig
from shared.rpc.errors import Unavailable
from shared.rpc.retries import RETRY_MAX_ATTEMPTS, build_service_config


def test_service_config_lists_exactly_the_idempotent_methods():
    (method_config,) = json.loads(build_service_config())["methodConfig"]
    names = {(n["service"], n["method"]) for n in method_config["name"]}
    assert names == {
        ("relocate.relocation.v1.RelocationService", "ListModels"),
        ("relocate.relocation.v1.RelocationService", "ImportByModel"),
        ("relocate.relocation.v1.RelocationService", "ExportByModel"),
        ("relocate.relocation.v1.RelocationService", "ClearModels"),
        (
            "relocate.control.v1.OrganizationProvisioningService",
            "BulkCreateOrganizationSlugReservations",
        ),
        ("relocate.region.v1.RegionImportService", "RecordControlImportChunkReplica"),
        ("relocate.region.v1.RegionImportService", "ApplyOrganizationSlugs"),
    }
    assert all(n.get("method") for n in method_config["name"]), "no wildcard entries"
    assert method_config["retryPolicy"]["retryableStatusCodes"] == ["UNAVAILABLE"]
    assert method_config["retryPolicy"]["maxAttempts"] == 5


@pytest.fixture
def client_and_servicer(start_server, open_channel):
    target, servicer = start_server(("s3cret",))
    channel = open_channel(make_channel(RpcClientConfig(target=target, secrets=("s3cret",))))
    return RelocationClient(channel, 10.0), servicer


def test_unavailable_is_retried_by_the_channel(client_and_servicer):
    client, servicer = client_and_servicer
    servicer.unavailable_times = RETRY_MAX_ATTEMPTS - 1
    assert client.list_models()[0] == "region"
    assert servicer.calls == RETRY_MAX_ATTEMPTS


def test_retries_stop_after_max_attempts(client_and_servicer):
    client, servicer = client_and_servicer
    servicer.unavailable_times = RETRY_MAX_ATTEMPTS
    with pytest.raises(Unavailable) as caught:
        client.list_models()
    assert caught.value.code == grpc.StatusCode.UNAVAILABLE
    assert servicer.calls == RETRY_MAX_ATTEMPTS
