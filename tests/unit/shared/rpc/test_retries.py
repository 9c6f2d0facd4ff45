"""Clients retry transient codes of idempotent methods with tenacity, within a time budget.

A real server on a loopback port fails N times with a given code, then answers.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import grpc
import pytest
from typing_extensions import override

from shared.backup.errors import ConfigurationError
from shared.rpc.channels import channel_options, make_channel
from shared.rpc.clients import RelocationClient
from shared.rpc.config import RpcClientConfig, RpcServerConfig
from shared.rpc.errors import (
    DeadlineExceeded,
    FailedPrecondition,
    RpcError,
    Unauthenticated,
    Unavailable,
)
from shared.rpc.gen.relocate.relocation.v1 import relocation_service_pb2 as pb
from shared.rpc.gen.relocate.relocation.v1 import relocation_service_pb2_grpc as pb_grpc
from shared.rpc.retries import (
    DEFAULT_RETRY_MAX_SECONDS,
    IDEMPOTENT_METHODS,
    RETRY_MAX_SECONDS_ENV,
    RetryPolicy,
    is_idempotent,
)
from shared.rpc.server import build_server
from tests.support.rpc_fakes import UnimplementedRelocationServicer

SERVICE = "relocate.relocation.v1.RelocationService"
SECRET = "s3cret"  # noqa: S105  (a test secret)
# Fast backoff so the tests spend their time on calls, not sleeps.
FAST = RetryPolicy(max_seconds=10.0, initial_backoff_s=0.01, max_backoff_s=0.05)


class FlakyServicer(UnimplementedRelocationServicer):
    """ListModels fails ``fail_times`` times with ``fail_code`` (or sleeps), then answers."""

    def __init__(self) -> None:
        self.fail_times = 0
        self.fail_code = grpc.StatusCode.UNAVAILABLE
        self.sleep_s = 0.0
        self.calls = 0
        self._lock = threading.Lock()

    @override
    def ListModels(self, request, context):
        with self._lock:
            self.calls += 1
            failing = self.calls <= self.fail_times
        if failing and self.sleep_s:
            time.sleep(self.sleep_s)
            return pb.ListModelsResponse(silo="late")
        if failing:
            context.abort(self.fail_code, f"failing with {self.fail_code.name}")
        return pb.ListModelsResponse(silo="region")


@pytest.fixture
def server() -> Iterator[tuple[str, FlakyServicer]]:
    servicer = FlakyServicer()
    cfg = RpcServerConfig(secrets=(SECRET,), max_workers=4)
    srv, port = build_server(
        cfg, [lambda s: pb_grpc.add_RelocationServiceServicer_to_server(servicer, s)], [SERVICE]
    )
    srv.start()
    yield f"127.0.0.1:{port}", servicer
    srv.stop(0.5).wait(5)


@pytest.fixture
def connect(server):
    target, _ = server
    channels: list[grpc.Channel] = []

    def open_client(
        policy: RetryPolicy, *, deadline_s: float = 5.0, secret: str = SECRET
    ) -> RelocationClient:
        channel = make_channel(RpcClientConfig(target=target, secrets=(secret,)))
        channels.append(channel)
        return RelocationClient(channel, deadline_s, policy)

    yield open_client
    for channel in channels:
        channel.close()


def test_idempotent_methods_are_listed_by_name_without_wildcards():
    assert IDEMPOTENT_METHODS[SERVICE] == (
        "ListModels",
        "ImportByModel",
        "ExportByModel",
        "ClearModels",
        "PlanUndo",
        "UndoChunk",
    )
    assert (
        "BulkCreateOrganizationSlugReservations"
        in (IDEMPOTENT_METHODS["relocate.control.v1.OrganizationProvisioningService"])
    )
    assert set(IDEMPOTENT_METHODS["relocate.region.v1.RegionImportService"]) == {
        "RecordControlImportChunkReplica",
        "ApplyOrganizationSlugs",
        "StartRelocation",
        "UpdateRelocation",
        "GetRelocation",
        "ListRelocations",
        "UnhideOrganizations",
        "GetImportedObjects",
    }
    # A claim is single-use: repeating it would fail, so only minting links is retried.
    assert IDEMPOTENT_METHODS["relocate.control.v1.UserClaimService"] == ("CreateClaimLinks",)
    assert all(m and "*" not in m for ms in IDEMPOTENT_METHODS.values() for m in ms)


def test_the_channel_itself_does_not_retry():
    options = dict(channel_options(RpcClientConfig(target="127.0.0.1:1", secrets=(SECRET,))))
    assert options["grpc.enable_retries"] == 0
    assert "grpc.service_config" not in options


def test_without_a_budget_one_unavailable_fails_the_call_after_one_attempt(server, connect):
    _, servicer = server
    servicer.fail_times = 1
    with pytest.raises(Unavailable):
        connect(RetryPolicy(max_seconds=0)).list_models()
    assert servicer.calls == 1


@pytest.mark.parametrize(
    "code",
    [
        grpc.StatusCode.UNAVAILABLE,
        grpc.StatusCode.DEADLINE_EXCEEDED,
        grpc.StatusCode.RESOURCE_EXHAUSTED,
    ],
)
def test_transient_codes_are_retried_until_the_server_answers(server, connect, code):
    _, servicer = server
    servicer.fail_times, servicer.fail_code = 3, code
    assert connect(FAST).list_models()[0] == "region"
    assert servicer.calls == 4


def test_a_call_over_its_deadline_is_retried_with_a_fresh_deadline(server, connect):
    _, servicer = server
    servicer.fail_times, servicer.sleep_s = 1, 1.0
    assert connect(FAST, deadline_s=0.3).list_models()[0] == "region"
    assert servicer.calls == 2


def test_every_attempt_has_a_deadline(server, connect):
    _, servicer = server
    servicer.fail_times, servicer.sleep_s = 100, 0.5
    with pytest.raises(DeadlineExceeded):
        connect(RetryPolicy(max_seconds=0), deadline_s=0.1).list_models()
    assert servicer.calls == 1


@pytest.mark.parametrize(
    "code", [grpc.StatusCode.FAILED_PRECONDITION, grpc.StatusCode.INVALID_ARGUMENT]
)
def test_other_codes_are_not_retried(server, connect, code):
    _, servicer = server
    servicer.fail_times, servicer.fail_code = 1, code
    with pytest.raises(RpcError) as caught:
        connect(FAST).list_models()
    assert caught.value.code == code
    assert servicer.calls == 1
    if code is grpc.StatusCode.FAILED_PRECONDITION:
        assert isinstance(caught.value, FailedPrecondition)


def test_a_wrong_secret_is_not_retried(server, connect):
    _, servicer = server
    with pytest.raises(Unauthenticated):
        connect(FAST, secret="not-the-secret").list_models()  # noqa: S106
    assert servicer.calls == 0


def test_total_time_is_bounded_by_the_budget(server, connect):
    _, servicer = server
    servicer.fail_times = 10_000
    policy = RetryPolicy(max_seconds=1.0, initial_backoff_s=0.05, max_backoff_s=0.2)
    started = time.monotonic()
    with pytest.raises(Unavailable):
        connect(policy).list_models()
    elapsed = time.monotonic() - started
    assert servicer.calls >= 3
    # No attempt starts after the budget; the last one fails fast (UNAVAILABLE).
    assert elapsed < 1.0 + 0.5


def test_methods_not_listed_as_idempotent_run_once():
    attempts = []

    def attempt() -> str:
        attempts.append(1)
        raise Unavailable("down", code=grpc.StatusCode.UNAVAILABLE)

    assert not is_idempotent("relocate.example.v1.Service", "Charge")
    with pytest.raises(Unavailable):
        FAST.call("relocate.example.v1.Service", "Charge", attempt)
    assert len(attempts) == 1


def test_budget_comes_from_the_environment():
    assert RetryPolicy.from_env({}).max_seconds == DEFAULT_RETRY_MAX_SECONDS
    assert RetryPolicy.from_env({RETRY_MAX_SECONDS_ENV: "2.5"}).max_seconds == 2.5
    assert RetryPolicy.from_env({RETRY_MAX_SECONDS_ENV: "0"}).max_seconds == 0


@pytest.mark.parametrize("value", ["soon", "-1", "nan", "inf"])
def test_a_bad_budget_names_the_variable(value):
    with pytest.raises(ConfigurationError, match=RETRY_MAX_SECONDS_ENV):
        RetryPolicy.from_env({RETRY_MAX_SECONDS_ENV: value})
