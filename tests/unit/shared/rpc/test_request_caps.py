"""A real server refuses an ImportByModel request over its cap without parsing it."""

from __future__ import annotations

import grpc
import pytest

from shared.rpc.channels import make_channel
from shared.rpc.config import RpcClientConfig, RpcServerConfig
from shared.rpc.gen.relocate.relocation.v1 import relocation_service_pb2 as pb
from shared.rpc.request_caps import IMPORT_REQUEST_CAP
from shared.rpc.server import build_server

METHOD = "/relocate.relocation.v1.RelocationService/ImportByModel"


def test_an_import_request_over_the_cap_is_refused_unparsed() -> None:
    parsed: list[int] = []

    def parse(raw: bytes) -> pb.ImportByModelRequest:
        parsed.append(len(raw))
        return pb.ImportByModelRequest.FromString(raw)

    def answer(request: pb.ImportByModelRequest, context: grpc.ServicerContext) -> bytes:
        return b""

    handler = grpc.method_handlers_generic_handler(
        "relocate.relocation.v1.RelocationService",
        {
            "ImportByModel": grpc.unary_unary_rpc_method_handler(
                answer, request_deserializer=parse, response_serializer=lambda b: b
            )
        },
    )
    server, port = build_server(
        RpcServerConfig(secrets=("s3cret",)), [lambda s: s.add_generic_rpc_handlers((handler,))], []
    )
    server.start()
    try:
        with make_channel(RpcClientConfig(f"127.0.0.1:{port}", ("s3cret",))) as channel:
            call = channel.unary_unary(
                METHOD,
                request_serializer=lambda m: m.SerializeToString(),
                response_deserializer=bytes,
            )
            call(pb.ImportByModelRequest(model="sentry.user", records_json=b"[]"), timeout=10)
            assert len(parsed) == 1
            big = pb.ImportByModelRequest(
                model="sentry.user", records_json=b" " * IMPORT_REQUEST_CAP
            )
            with pytest.raises(grpc.RpcError) as caught:
                call(big, timeout=30)
            assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
            assert "exceeds the" in (caught.value.details() or "")
            assert len(parsed) == 1
    finally:
        server.stop(None)
