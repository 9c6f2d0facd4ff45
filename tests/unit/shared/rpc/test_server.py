"""build_server + serve_until_signalled in a real subprocess: SIGTERM drains and exits."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from shared.rpc.clients import wait_for_health
from shared.rpc.config import RpcServerConfig
from shared.rpc.server import server_options

ROOT = Path(__file__).resolve().parents[4]
SERVER = textwrap.dedent(
    """
    import sys
    from shared.rpc.config import RpcServerConfig
    from shared.rpc.server import build_server, serve_until_signalled

    server, port = build_server(RpcServerConfig(secrets=("s3cret",)), [], ["demo.v1.Demo"])
    server.start()
    print(port, flush=True)
    serve_until_signalled(server, 1.0)
    print("stopped", flush=True)
    """
)


def test_sigterm_stops_the_server_gracefully():
    proc = subprocess.Popen(
        [sys.executable, "-c", SERVER], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        port = int(proc.stdout.readline())
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            wait_for_health(channel, 10.0, service="demo.v1.Demo")
            stub = health_pb2_grpc.HealthStub(channel)
            status = stub.Check(health_pb2.HealthCheckRequest(service=""), timeout=5).status
            assert status == health_pb2.HealthCheckResponse.SERVING
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=15)
    finally:
        proc.kill()
        proc.wait(timeout=5)
    assert proc.returncode == 0
    assert out.strip() == "stopped"


def test_server_options_carry_the_configured_message_limit():
    options = dict(server_options(RpcServerConfig(secrets=("s3cret",), max_message_bytes=4096)))
    assert options["grpc.max_receive_message_length"] == 4096
    assert options["grpc.max_send_message_length"] == 4096
