"""Error contract: each bad request fails with its gRPC code, ErrorInfo reason and metadata."""

from __future__ import annotations

import uuid
from typing import Any

import grpc
import orjson
import pytest
from google.protobuf import json_format

from shared.backup.descriptors import Silo
from shared.rpc.errors import Reason, from_grpc_error
from shared.rpc.gen.relocate.relocation.v1 import relocation_service_pb2 as pb
from shared.rpc.gen.relocate.relocation.v1 import relocation_service_pb2_grpc as pb_grpc
from tests.integration.contract.goldens import golden

pytestmark = pytest.mark.integration

CASES: list[dict[str, Any]] = golden("errors")["cases"]
REQUESTS = {
    "ImportByModel": pb.ImportByModelRequest,
    "ExportByModel": pb.ExportByModelRequest,
    "ClearModels": pb.ClearModelsRequest,
}


def test_the_error_goldens_cover_every_reason_the_brief_names():
    covered = {case["reason"] for case in CASES}
    assert {
        Reason.UNKNOWN_MODEL,
        Reason.MODEL_NOT_IN_SILO,
        Reason.SCOPE_REQUIRED,
        Reason.IMPORT_UUID_REQUIRED,
        Reason.INVALID_MIN_ORDINAL,
        Reason.UNEXPECTED_MODEL,
        Reason.DESERIALIZATION_FAILED,
        Reason.INSTANCE_INVALID,
        Reason.CLEAR_NOT_CONFIRMED,
    } <= covered
    assert covered <= set(Reason)


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_bad_request_fails_with_the_golden_code_reason_and_metadata(channels, run_id, case):
    values = {"run": run_id, "uuid": uuid.uuid4().hex}
    request_json = orjson.loads(
        orjson.dumps(case["request"]).replace(b"{uuid}", values["uuid"].encode())
    )
    request = json_format.ParseDict(request_json, REQUESTS[case["rpc"]]())
    if "records" in case:
        records = orjson.dumps(case["records"]).replace(b"{run}", run_id.encode())
        request.records_json = records
    stub = pb_grpc.RelocationServiceStub(channels[Silo(case["silo"])])
    with pytest.raises(grpc.RpcError) as raised:
        getattr(stub, case["rpc"])(request, timeout=30)
    err = from_grpc_error(raised.value)
    assert err.code == getattr(grpc.StatusCode, case["code"])
    assert err.reason == case["reason"]
    assert err.metadata == case["metadata"]
    expected_findings = case.get("findings", [])
    assert [
        {"model": f.model, "ordinal": f.ordinal, "field": f.field} for f in err.findings
    ] == expected_findings
