"""Real gRPC servers on 127.0.0.1:0 for the transport tests, stopped with a bounded grace."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

import grpc
import pytest
from typing_extensions import override

from shared.rpc.config import RpcServerConfig
from shared.rpc.gen.relocate.relocation.v1 import relocation_service_pb2 as pb
from shared.rpc.gen.relocate.relocation.v1 import relocation_service_pb2_grpc as pb_grpc
from shared.rpc.server import build_server
from tests.support.rpc_fakes import UnimplementedRelocationServicer

SERVICE = "relocate.relocation.v1.RelocationService"
GRACE_S = 1.0


class TinyRelocationServicer(UnimplementedRelocationServicer):
    """ListModels answers an empty list, or raises ``self.error`` when one is set."""

    def __init__(self) -> None:
        self.error: BaseException | None = None
        self.abort_with: tuple[grpc.StatusCode, str] | None = None
        self.unavailable_times = 0
        self.calls = 0

    @override
    def ListModels(self, request, context):
        self.calls += 1
        if self.calls <= self.unavailable_times:
            context.abort(grpc.StatusCode.UNAVAILABLE, "try again")
        if self.abort_with is not None:
            context.abort(*self.abort_with)
        if self.error is not None:
            raise self.error
        return pb.ListModelsResponse(silo="region")


StartServer = Callable[..., tuple[str, TinyRelocationServicer]]


@pytest.fixture
def start_server() -> Iterator[StartServer]:
    """Start servers with the given secrets; return their target and servicer."""
    servers: list[grpc.Server] = []

    def start(secrets: Sequence[str] = ("s3cret",)) -> tuple[str, TinyRelocationServicer]:
        servicer = TinyRelocationServicer()
        cfg = RpcServerConfig(secrets=tuple(secrets), max_workers=4)
        server, port = build_server(
            cfg, [lambda s: pb_grpc.add_RelocationServiceServicer_to_server(servicer, s)], [SERVICE]
        )
        server.start()
        servers.append(server)
        return f"127.0.0.1:{port}", servicer

    yield start
    for server in servers:
        server.stop(GRACE_S).wait(GRACE_S + 5)


@pytest.fixture
def open_channel() -> Iterator[Callable[[grpc.Channel], grpc.Channel]]:
    """Register channels to close at teardown."""
    channels: list[grpc.Channel] = []

    def register(channel: grpc.Channel) -> grpc.Channel:
        channels.append(channel)
        return channel

    yield register
    for channel in channels:
        channel.close()
