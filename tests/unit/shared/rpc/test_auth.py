"""HMAC auth against a real server on 127.0.0.1:0: signatures, rotation, skew and exemptions."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from typing_extensions import override

from shared.backup.errors import UnknownModelError
from shared.rpc import auth
from shared.rpc.auth import SigningInterceptor, sign
from shared.rpc.channels import make_channel
from shared.rpc.clients import RelocationClient, set_pre_call_check, wait_for_health
from shared.rpc.config import RpcClientConfig, RpcServerConfig
from shared.rpc.errors import InvalidArgument, Reason, Unauthenticated, from_grpc_error
from shared.rpc.gen.relocate.relocation.v1 import relocation_service_pb2 as pb
from shared.rpc.gen.relocate.relocation.v1 import relocation_service_pb2_grpc as pb_grpc
from shared.rpc.server import build_server
from tests.support.rpc_fakes import UnimplementedRelocationServicer

DEADLINE_S = 10.0
LIST_MODELS = "/relocate.relocation.v1.RelocationService/ListModels"


def _client(
    open_channel: Callable[[grpc.Channel], grpc.Channel], target: str, secrets: Sequence[str]
) -> RelocationClient:
    channel = open_channel(make_channel(RpcClientConfig(target=target, secrets=tuple(secrets))))
    return RelocationClient(channel, DEADLINE_S)


def _skewed_client(
    open_channel: Callable[[grpc.Channel], grpc.Channel], target: str, secret: str, skew_s: float
) -> RelocationClient:
    signer = SigningInterceptor((secret,), clock=lambda: time.time() + skew_s)
    channel = open_channel(grpc.intercept_channel(grpc.insecure_channel(target), signer))
    return RelocationClient(channel, DEADLINE_S)


def test_signed_call_succeeds(start_server, open_channel):
    target, _ = start_server(("s3cret",))
    assert _client(open_channel, target, ("s3cret",)).list_models() == ("region", [])


def test_unsigned_call_is_unauthenticated(start_server, open_channel):
    target, _ = start_server(("s3cret",))
    stub = pb_grpc.RelocationServiceStub(open_channel(grpc.insecure_channel(target)))
    with pytest.raises(grpc.RpcError) as caught:
        stub.ListModels(pb.ListModelsRequest(), timeout=DEADLINE_S)
    error = from_grpc_error(caught.value)
    assert isinstance(error, Unauthenticated)
    assert error.code == grpc.StatusCode.UNAUTHENTICATED
    assert error.reason is Reason.RPC_SIGNATURE_INVALID
    assert error.metadata == {"method": LIST_MODELS}


def test_wrong_secret_is_unauthenticated(start_server, open_channel):
    target, _ = start_server(("s3cret",))
    with pytest.raises(Unauthenticated) as caught:
        _client(open_channel, target, ("not-the-secret",)).list_models()
    assert caught.value.reason is Reason.RPC_SIGNATURE_INVALID
    assert isinstance(caught.value.__cause__, grpc.RpcError)


@pytest.mark.parametrize("client_secret", ["new", "old"])
def test_rotation_accepts_every_listed_secret(start_server, open_channel, client_secret):
    target, _ = start_server(("new", "old"))
    assert _client(open_channel, target, (client_secret, "other")).list_models()[0] == "region"


def test_client_signs_with_its_first_secret_only(start_server, open_channel):
    target, _ = start_server(("old",))
    with pytest.raises(Unauthenticated):
        _client(open_channel, target, ("new", "old")).list_models()


@pytest.mark.parametrize("skew_s", [-301, 301, -3600, 3600])
def test_timestamp_beyond_allowed_skew_is_rejected(start_server, open_channel, skew_s):
    target, _ = start_server(("s3cret",))
    with pytest.raises(Unauthenticated):
        _skewed_client(open_channel, target, "s3cret", skew_s).list_models()


@pytest.mark.parametrize("skew_s", [-290, 290])
def test_timestamp_within_allowed_skew_is_accepted(start_server, open_channel, skew_s):
    target, _ = start_server(("s3cret",))
    assert _skewed_client(open_channel, target, "s3cret", skew_s).list_models()[0] == "region"


def test_health_check_needs_no_signature(start_server, open_channel):
    target, _ = start_server(("s3cret",))
    channel = open_channel(grpc.insecure_channel(target))
    stub = health_pb2_grpc.HealthStub(channel)
    for service in ("", "relocate.relocation.v1.RelocationService"):
        response = stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=DEADLINE_S)
        assert response.status == health_pb2.HealthCheckResponse.SERVING
    wait_for_health(channel, DEADLINE_S)


def test_wait_for_health_times_out_clearly(open_channel):
    channel = open_channel(grpc.insecure_channel("127.0.0.1:1"))
    started = time.monotonic()
    with pytest.raises(TimeoutError, match="not healthy after"):
        wait_for_health(channel, 0.5)
    assert time.monotonic() - started < 5


def test_domain_error_arrives_typed_with_reason_and_metadata(start_server, open_channel):
    target, servicer = start_server(("s3cret",))
    servicer.error = UnknownModelError("sentry.nope")
    with pytest.raises(InvalidArgument) as caught:
        _client(open_channel, target, ("s3cret",)).list_models()
    assert caught.value.reason is Reason.UNKNOWN_MODEL
    assert caught.value.metadata == {"model": "sentry.nope"}
    assert caught.value.message == "unknown model 'sentry.nope'"


def test_pre_call_check_runs_before_every_call(start_server, open_channel):
    target, _ = start_server(("s3cret",))
    client = _client(open_channel, target, ("s3cret",))

    def refuse() -> None:
        raise RuntimeError("RPC called inside transaction!")

    set_pre_call_check(refuse)
    try:
        with pytest.raises(RuntimeError, match="inside transaction"):
            client.list_models()
    finally:
        set_pre_call_check(None)
    assert client.list_models()[0] == "region"


def test_server_without_secrets_refuses_to_build():
    with pytest.raises(ValueError, match="mandatory"):
        build_server(RpcServerConfig(secrets=()), [], [])


def test_client_without_secrets_refuses_to_connect():
    with pytest.raises(ValueError, match="mandatory"):
        make_channel(RpcClientConfig(target="127.0.0.1:1", secrets=()))


def test_bind_failure_raises(start_server):
    target, _ = start_server(("s3cret",))
    with pytest.raises(OSError, match="cannot bind"):
        build_server(RpcServerConfig(bind=target, secrets=("s3cret",)), [], [])


BODY = auth.body_digest(pb.ListModelsRequest())
NONCE = "ab" * 16


def _verifies(value, *, method=LIST_MODELS, body=BODY, now=None) -> bool:
    try:
        auth.verify(("s3cret",), method, value, body, now=time.time() if now is None else now)
    except auth.SignatureRefused:
        return False
    return True


def test_signature_is_bound_to_the_method_and_the_request():
    now = int(time.time())
    value = sign("s3cret", LIST_MODELS, now, NONCE, BODY)
    assert _verifies(value, now=now)
    other = "/relocate.relocation.v1.RelocationService/ExportByModel"
    assert not _verifies(value, method=other, now=now)
    swapped = auth.body_digest(pb.ExportByModelRequest(model="sentry.user"))
    assert not _verifies(value, body=swapped, now=now)


def test_a_first_format_signature_is_refused_as_outdated():
    now = int(time.time())
    digest = sign("s3cret", LIST_MODELS, now, NONCE, BODY).rsplit(":", 1)[1]
    with pytest.raises(auth.SignatureRefused) as caught:
        auth.verify(("s3cret",), LIST_MODELS, f"v1:{now}:{digest}", BODY, now=now)
    assert caught.value.reason is Reason.RPC_SIGNATURE_OUTDATED
    assert "upgrade the client" in caught.value.message


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "v2",
        "v3:{ts}:{nonce}:{digest}",
        "v2:abc:{nonce}:{digest}",
        "v2:-{ts}:{nonce}:{digest}",
        "v2:{ts}:{nonce}:",
        "v2:{ts}::{digest}",
        "v2:{ts}:XYZ:{digest}",
        "v2:{ts}:{nonce}:{digest}x",
        "v2:{ts}:{nonce}:é{digest}",
        "v2:{ts}:{nonce}:{digest}:extra",
        b"\xff\xfe",
    ],
)
def test_malformed_signatures_are_rejected(value):
    now = int(time.time())
    digest = sign("s3cret", LIST_MODELS, now, NONCE, BODY).rsplit(":", 1)[1]
    if isinstance(value, str):
        value = value.format(ts=now, nonce=NONCE, digest=digest)
    assert not _verifies(value, now=now)


def test_signature_verifies_within_the_skew_window_only():
    signed_at = int(time.time())
    value = sign("s3cret", LIST_MODELS, signed_at, NONCE, BODY)
    assert _verifies(value, now=signed_at + auth.MAX_CLOCK_SKEW_S)
    assert not _verifies(value, now=signed_at + auth.MAX_CLOCK_SKEW_S + 1)
    assert not _verifies(value, now=signed_at - auth.MAX_CLOCK_SKEW_S - 1)


def test_a_nonce_is_accepted_once_while_its_signature_is_valid():
    cache = auth.NonceCache(window_s=300)
    now = 1_000_000.0
    assert cache.claim(NONCE, int(now), now) is None
    assert cache.claim(NONCE, int(now), now + 299) is Reason.RPC_SIGNATURE_REPLAYED
    # Once the signature can no longer verify, the nonce is forgotten.
    assert cache.claim("cd" * 16, int(now), now + 302) is None
    assert len(cache) == 1


def test_the_nonce_cache_is_bounded():
    cache = auth.NonceCache(window_s=300, max_entries=3)
    now = 1_000_000.0
    for i in range(3):
        assert cache.claim(f"{i:032x}", int(now), now) is None
    assert cache.claim(f"{9:032x}", int(now), now) is Reason.RPC_NONCE_CACHE_FULL
    assert cache.claim(f"{9:032x}", int(now), now + 400) is None


def test_empty_secret_is_refused():
    with pytest.raises(ValueError, match="empty"):
        auth.SignatureVerifier(("ok", ""))


def test_server_log_at_debug_never_contains_the_secrets(start_server, open_channel, caplog):
    server_secret, client_secret = "server-secret-0123456789", "wrong-secret-9876543210"
    caplog.set_level(logging.DEBUG)
    target, _ = start_server((server_secret,))
    assert _client(open_channel, target, (server_secret,)).list_models()[0] == "region"
    with pytest.raises(Unauthenticated):
        _client(open_channel, target, (client_secret,)).list_models()
    stub = pb_grpc.RelocationServiceStub(open_channel(grpc.insecure_channel(target)))
    with pytest.raises(grpc.RpcError):
        stub.ListModels(pb.ListModelsRequest(), timeout=DEADLINE_S)
    assert [r.getMessage() for r in caplog.records].count("relocation.rpc.signature_invalid") == 2
    for record in caplog.records:
        shown = f"{record.getMessage()} {vars(record)}"
        assert server_secret not in shown
        assert client_secret not in shown


def test_calls_beyond_the_concurrency_limit_are_resource_exhausted(open_channel):
    release = threading.Event()

    class Slow(UnimplementedRelocationServicer):
        @override
        def ListModels(self, request, context):
            release.wait(10)
            return pb.ListModelsResponse(silo="region")

    servicer = Slow()
    cfg = RpcServerConfig(secrets=("s3cret",), max_workers=4, max_concurrent_rpcs=1)
    server, port = build_server(
        cfg, [lambda s: pb_grpc.add_RelocationServiceServicer_to_server(servicer, s)], []
    )
    server.start()
    try:
        channel = open_channel(
            make_channel(RpcClientConfig(target=f"127.0.0.1:{port}", secrets=("s3cret",)))
        )
        stub = pb_grpc.RelocationServiceStub(channel)
        first = stub.ListModels.future(pb.ListModelsRequest(), timeout=DEADLINE_S)
        time.sleep(0.3)
        with pytest.raises(grpc.RpcError) as caught:
            stub.ListModels(pb.ListModelsRequest(), timeout=DEADLINE_S)
        assert caught.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        release.set()
        assert first.result().silo == "region"
    finally:
        release.set()
        server.stop(1).wait(5)
