"""``python -m shared.silo.healthcheck [ADDRESS]``: exit 0 when the silo's gRPC health service
answers SERVING, 1 otherwise (container health checks).

The health service needs no RPC signature; over TLS the probe presents the process's own
certificate (RELOCATE_TLS_DIR / RELOCATE_TLS_NAME, or RELOCATE_TLS_CERT, _KEY and _CA).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from shared.rpc.tls import channel_credentials, tls_from_env

DEFAULT_ADDRESS = "127.0.0.1:50051"
TIMEOUT_S = 3.0


def main(argv: Sequence[str] | None = None) -> int:
    """Probe the health service once; 0 when SERVING."""
    args = list(sys.argv[1:] if argv is None else argv)
    address = args[0] if args else DEFAULT_ADDRESS
    tls = tls_from_env(os.environ, default_name=os.environ.get("RELOCATE_TLS_NAME") or "client")
    channel = (
        grpc.insecure_channel(address)
        if tls is None
        else grpc.secure_channel(address, channel_credentials(tls))
    )
    try:
        reply = health_pb2_grpc.HealthStub(channel).Check(
            health_pb2.HealthCheckRequest(), timeout=TIMEOUT_S
        )
    except grpc.RpcError:
        return 1
    finally:
        channel.close()
    return 0 if reply.status == health_pb2.HealthCheckResponse.SERVING else 1


if __name__ == "__main__":
    sys.exit(main())
