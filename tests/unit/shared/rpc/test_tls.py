"""Mutual TLS and message size limits against real servers on 127.0.0.1:0.

Certificates are generated per test session with `cryptography`: a CA, a server certificate for
127.0.0.1/localhost, a client certificate, and a client certificate of another CA.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from pathlib import Path

import grpc
import pytest
from typing_extensions import override

from shared.backup.errors import ConfigurationError
from shared.rpc.channels import make_channel
from shared.rpc.clients import RelocationClient, wait_for_health
from shared.rpc.config import (
    DEFAULT_MAX_MESSAGE_BYTES,
    RpcClientConfig,
    RpcServerConfig,
    TlsConfig,
    max_message_bytes_from_env,
)
from shared.rpc.errors import InvalidArgument, Unauthenticated
from shared.rpc.gen.relocate.relocation.v1 import relocation_service_pb2 as pb
from shared.rpc.gen.relocate.relocation.v1 import relocation_service_pb2_grpc as pb_grpc
from shared.rpc.message_limits import MESSAGE_TOO_LARGE, MessageTooLarge
from shared.rpc.server import build_server
from shared.rpc.tls import load_material, tls_config, tls_from_env
from tests.support.certificates import TlsSetup, make_tls_setup
from tests.unit.shared.rpc.conftest import SERVICE, TinyRelocationServicer

DEADLINE_S = 10.0
SECRET = "s3cret-tls"  # noqa: S105  (a test secret)


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> TlsSetup:
    return make_tls_setup(tmp_path_factory.mktemp("certs"))


ServeFn = Callable[..., str]
LIMIT = 64 * 1024


class BigExportServicer(TinyRelocationServicer):
    """ExportByModel answers a page of twice LIMIT bytes."""

    @override
    def ExportByModel(self, request, context):
        return pb.ExportByModelResponse(records_json=b"x" * (2 * LIMIT))


@pytest.fixture
def serve() -> Iterator[ServeFn]:
    """Start a server with the given TlsConfig and size limit; return its target."""
    servers: list[grpc.Server] = []

    def start(tls: TlsConfig | None = None, max_bytes: int = DEFAULT_MAX_MESSAGE_BYTES) -> str:
        servicer = BigExportServicer()
        cfg = RpcServerConfig(
            secrets=(SECRET,), max_workers=2, tls=tls, max_message_bytes=max_bytes
        )
        server, port = build_server(
            cfg, [lambda s: pb_grpc.add_RelocationServiceServicer_to_server(servicer, s)], [SERVICE]
        )
        server.start()
        servers.append(server)
        return f"127.0.0.1:{port}"

    yield start
    for server in servers:
        server.stop(0.5).wait(5)


def _stub(open_channel, cfg: RpcClientConfig) -> pb_grpc.RelocationServiceStub:
    return pb_grpc.RelocationServiceStub(open_channel(make_channel(cfg)))


def _cfg(target: str, tls: TlsConfig | None = None, **kwargs) -> RpcClientConfig:
    return RpcClientConfig(target=target, secrets=(SECRET,), tls=tls, **kwargs)


def _refused(stub: pb_grpc.RelocationServiceStub) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as caught:
        stub.ListModels(pb.ListModelsRequest(), timeout=5)
    return caught.value


def test_mutual_tls_call_succeeds(serve, open_channel, certs):
    target = serve(tls=certs.server_tls())
    channel = open_channel(make_channel(_cfg(target, certs.client_tls())))
    wait_for_health(channel, DEADLINE_S)
    assert RelocationClient(channel, DEADLINE_S).list_models() == ("region", [])


def test_server_name_override_checks_the_certificate_for_another_name(serve, open_channel, certs):
    named = certs.ca.issue("named-silo", server=True, names=("silo.internal",))
    target = serve(tls=TlsConfig(cert=named.cert, key=named.key, ca=certs.ca.cert))
    assert _refused(_stub(open_channel, _cfg(target, certs.client_tls()))).code() == (
        grpc.StatusCode.UNAVAILABLE
    )
    overridden = dataclasses.replace(certs.client_tls(), server_name="silo.internal")
    stub = _stub(open_channel, _cfg(target, overridden))
    assert stub.ListModels(pb.ListModelsRequest(), timeout=DEADLINE_S).silo == "region"


def test_client_certificate_of_another_ca_is_refused(serve, open_channel, certs):
    target = serve(tls=certs.server_tls())
    error = _refused(_stub(open_channel, _cfg(target, certs.rogue_client_tls())))
    assert error.code() == grpc.StatusCode.UNAVAILABLE


def test_client_without_certificate_is_refused(serve, open_channel, certs):
    target = serve(tls=certs.server_tls())
    credentials = grpc.ssl_channel_credentials(root_certificates=certs.ca.cert.read_bytes())
    stub = pb_grpc.RelocationServiceStub(open_channel(grpc.secure_channel(target, credentials)))
    assert _refused(stub).code() == grpc.StatusCode.UNAVAILABLE


def test_plaintext_client_against_tls_server_fails(serve, open_channel, certs):
    target = serve(tls=certs.server_tls())
    assert _refused(_stub(open_channel, _cfg(target))).code() == grpc.StatusCode.UNAVAILABLE


def test_tls_client_against_plaintext_server_fails(serve, open_channel, certs):
    target = serve()
    error = _refused(_stub(open_channel, _cfg(target, certs.client_tls())))
    assert error.code() == grpc.StatusCode.UNAVAILABLE


def test_server_certificate_of_an_untrusted_ca_is_refused_by_the_client(serve, open_channel, certs):
    target = serve(tls=certs.server_tls())
    distrusting = TlsConfig(cert=certs.client.cert, key=certs.client.key, ca=certs.rogue_ca.cert)
    assert _refused(_stub(open_channel, _cfg(target, distrusting))).code() == (
        grpc.StatusCode.UNAVAILABLE
    )


def test_signature_is_still_required_over_tls(serve, open_channel, certs):
    target = serve(tls=certs.server_tls())
    cfg = RpcClientConfig(target=target, secrets=("not-the-secret",), tls=certs.client_tls())
    with pytest.raises(Unauthenticated):
        RelocationClient(open_channel(make_channel(cfg)), DEADLINE_S).list_models()


def test_partial_tls_settings_name_what_is_missing(tmp_path):
    with pytest.raises(ConfigurationError, match="missing RELOCATE_TLS_KEY, RELOCATE_TLS_CA"):
        tls_from_env({"RELOCATE_TLS_CERT": str(tmp_path / "c.pem")})
    assert tls_from_env({}) is None
    with pytest.raises(ConfigurationError, match="missing --tls-ca"):
        tls_config("c", "k", None, names=("--tls-cert", "--tls-key", "--tls-ca"))


def test_tls_from_env_reads_all_settings(tmp_path):
    env = {
        "RELOCATE_TLS_CERT": "c.pem",
        "RELOCATE_TLS_KEY": "k.pem",
        "RELOCATE_TLS_CA": "ca.pem",
        "RELOCATE_TLS_SERVER_NAME": "silo.internal",
    }
    assert tls_from_env(env) == TlsConfig(
        Path("c.pem"), Path("k.pem"), Path("ca.pem"), "silo.internal"
    )


def test_unreadable_or_mismatched_files_are_named(tmp_path, certs):
    missing = TlsConfig(cert=tmp_path / "nope.pem", key=certs.client.key, ca=certs.ca.cert)
    with pytest.raises(ConfigurationError, match=r"cannot read the TLS certificate .*nope\.pem"):
        load_material(missing)
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("not a certificate")
    with pytest.raises(ConfigurationError, match=r"garbage\.pem is not a PEM certificate"):
        load_material(TlsConfig(cert=garbage, key=certs.client.key, ca=certs.ca.cert))
    with pytest.raises(ConfigurationError, match="is not an unencrypted PEM private key"):
        load_material(TlsConfig(cert=certs.client.cert, key=garbage, ca=certs.ca.cert))
    mismatched = TlsConfig(cert=certs.client.cert, key=certs.server.key, ca=certs.ca.cert)
    with pytest.raises(ConfigurationError, match="does not belong to"):
        load_material(mismatched)


def test_server_with_bad_tls_files_refuses_to_build(tmp_path, certs):
    bad = TlsConfig(cert=certs.server.cert, key=certs.client.key, ca=certs.ca.cert)
    with pytest.raises(ConfigurationError, match="does not belong to"):
        build_server(RpcServerConfig(secrets=(SECRET,), tls=bad), [], [])


def _oversized() -> pb.ImportByModelRequest:
    return pb.ImportByModelRequest(model="sentry.user", records_json=b"x" * (2 * LIMIT))


def test_request_over_the_server_limit_fails_naming_the_limit(serve, open_channel):
    target = serve(max_bytes=LIMIT)
    stub = _stub(open_channel, _cfg(target))
    with pytest.raises(MessageTooLarge) as caught:
        stub.ImportByModel(_oversized(), timeout=DEADLINE_S)
    error = caught.value
    assert isinstance(error, InvalidArgument)
    assert error.reason == MESSAGE_TOO_LARGE
    assert str(LIMIT) in error.message
    assert "RELOCATE_RPC_MAX_MESSAGE_BYTES" in error.message
    assert "ImportByModel" in error.message
    assert isinstance(error.__cause__, grpc.RpcError)
    assert error.__cause__.code() == grpc.StatusCode.RESOURCE_EXHAUSTED


def test_request_over_the_client_limit_is_refused_before_sending(serve, open_channel):
    target = serve()
    stub = _stub(open_channel, _cfg(target, max_message_bytes=LIMIT))
    with pytest.raises(MessageTooLarge) as caught:
        stub.ImportByModel(_oversized(), timeout=DEADLINE_S)
    assert f"over the {LIMIT}-byte message limit" in caught.value.message
    assert caught.value.metadata["limitBytes"] == str(LIMIT)
    assert int(caught.value.metadata["sizeBytes"]) > LIMIT


def test_request_within_the_limit_reaches_the_handler(serve, open_channel):
    target = serve(max_bytes=LIMIT)
    stub = _stub(open_channel, _cfg(target))
    small = pb.ImportByModelRequest(model="sentry.user", records_json=b"x" * (LIMIT // 2))
    with pytest.raises(grpc.RpcError) as caught:
        stub.ImportByModel(small, timeout=DEADLINE_S)
    assert caught.value.code() == grpc.StatusCode.UNIMPLEMENTED


def test_max_message_bytes_from_env():
    assert max_message_bytes_from_env({}) == DEFAULT_MAX_MESSAGE_BYTES
    assert max_message_bytes_from_env({"RELOCATE_RPC_MAX_MESSAGE_BYTES": "1024"}) == 1024
    with pytest.raises(ValueError, match="RELOCATE_RPC_MAX_MESSAGE_BYTES must be a positive"):
        max_message_bytes_from_env({"RELOCATE_RPC_MAX_MESSAGE_BYTES": "lots"})
    with pytest.raises(ValueError, match="positive"):
        max_message_bytes_from_env({"RELOCATE_RPC_MAX_MESSAGE_BYTES": "0"})


@pytest.mark.parametrize("side", ["client", "server"])
def test_response_over_a_limit_fails_naming_the_limit(serve, open_channel, side):
    if side == "client":
        stub = _stub(open_channel, _cfg(serve(), max_message_bytes=LIMIT))
    else:
        stub = _stub(open_channel, _cfg(serve(max_bytes=LIMIT)))
    with pytest.raises(MessageTooLarge) as caught:
        stub.ExportByModel(pb.ExportByModelRequest(model="sentry.user"), timeout=DEADLINE_S)
    message = caught.value.message
    assert "the ExportByModel call to 127.0.0.1:" in message
    assert "exceeded a message size limit" in message
    assert "RELOCATE_RPC_MAX_MESSAGE_BYTES" in message
    assert str(LIMIT) in message
