"""Body-bound, single-use call signatures against real silo processes (issue #15 section 1).

A call is captured as it leaves a signed channel (its signature header and request); sending it
again, or its header with another request, is refused; a retry signs anew and is answered from
the chunk ledger.
"""

from __future__ import annotations

import hashlib
import hmac
import time
import uuid
from collections.abc import Callable, Iterator

import grpc
import orjson
import pytest
from typing_extensions import override

from shared.backup.flags import ImportFlags
from shared.backup.scopes import OperationScope
from shared.rpc import auth, codecs
from shared.rpc.errors import Reason, from_grpc_error
from shared.rpc.gen.relocate.relocation.v1 import relocation_service_pb2 as pb
from shared.rpc.gen.relocate.relocation.v1 import relocation_service_pb2_grpc as pb_grpc
from tests.integration.conftest import SiloPair
from tests.support.records import user

pytestmark = pytest.mark.integration

IMPORT_BY_MODEL = "/relocate.relocation.v1.RelocationService/ImportByModel"

Capture = list[tuple[str, object]]


class _Capturing(grpc.UnaryUnaryClientInterceptor):
    """Records each call's signature header and request after the signer added the header."""

    def __init__(self, captured: Capture) -> None:
        self.captured = captured

    @override
    def intercept_unary_unary(self, continuation, client_call_details, request):
        header = dict(client_call_details.metadata or ())[auth.SIGNATURE_HEADER]
        self.captured.append((header, request))
        return continuation(client_call_details, request)


@pytest.fixture
def control(
    module_pair: SiloPair,
) -> Iterator[tuple[pb_grpc.RelocationServiceStub, grpc.Channel, Capture]]:
    captured: Capture = []
    raw = grpc.insecure_channel(module_pair.addresses["control"])
    # Interceptors run in the order given: the signer, then the capture of what it signed.
    signed = grpc.intercept_channel(
        raw, auth.SigningInterceptor((module_pair.secret,)), _Capturing(captured)
    )
    yield pb_grpc.RelocationServiceStub(signed), raw, captured
    raw.close()


def _batch(username: str, import_uuid: str) -> pb.ImportByModelRequest:
    return pb.ImportByModelRequest(
        model="sentry.user",
        scope=codecs.encode_operation_scope(OperationScope.GLOBAL),
        flags=codecs.encode_import_flags(ImportFlags(import_uuid=import_uuid)),
        records_json=orjson.dumps([user(1, username)]),
        min_ordinal=1,
    )


def _refusal(call: Callable[[], object]) -> tuple[grpc.StatusCode, Reason]:
    with pytest.raises(grpc.RpcError) as raised:
        call()
    error = from_grpc_error(raised.value)
    return error.code, Reason(str(error.reason))


def test_a_captured_signature_does_not_sign_another_body(control):
    stub, raw, captured = control
    name = f"sig-{uuid.uuid4().hex[:8]}"
    stub.ListModels(pb.ListModelsRequest(), timeout=30)
    header, _ = captured[-1]
    # The header of a ListModels call, reused for an ImportByModel: another method and body.
    swapped = pb_grpc.RelocationServiceStub(raw)
    code, reason = _refusal(
        lambda: swapped.ImportByModel(
            _batch(name, uuid.uuid4().hex),
            metadata=((auth.SIGNATURE_HEADER, header),),
            timeout=30,
        )
    )
    assert (code, reason) == (grpc.StatusCode.UNAUTHENTICATED, Reason.RPC_SIGNATURE_INVALID)
    # The header of one batch, sent with another batch of the same method.
    first = _batch(f"{name}-a", uuid.uuid4().hex)
    stub.ImportByModel(first, timeout=30)
    header, _ = captured[-1]
    code, reason = _refusal(
        lambda: swapped.ImportByModel(
            _batch(f"{name}-b", uuid.uuid4().hex),
            metadata=((auth.SIGNATURE_HEADER, header),),
            timeout=30,
        )
    )
    assert (code, reason) == (grpc.StatusCode.UNAUTHENTICATED, Reason.RPC_SIGNATURE_INVALID)


def test_the_same_signed_call_sent_again_is_refused(control):
    stub, raw, captured = control
    request = _batch(f"sig-{uuid.uuid4().hex[:8]}", uuid.uuid4().hex)
    stub.ImportByModel(request, timeout=30)
    header, sent = captured[-1]
    code, reason = _refusal(
        lambda: pb_grpc.RelocationServiceStub(raw).ImportByModel(
            sent, metadata=((auth.SIGNATURE_HEADER, header),), timeout=30
        )
    )
    assert (code, reason) == (grpc.StatusCode.UNAUTHENTICATED, Reason.RPC_SIGNATURE_REPLAYED)


def test_a_retried_call_signs_anew_and_is_answered_from_the_chunk_ledger(control):
    stub, _, captured = control
    request = _batch(f"sig-{uuid.uuid4().hex[:8]}", uuid.uuid4().hex)
    first = stub.ImportByModel(request, timeout=30)
    again = stub.ImportByModel(request, timeout=30)
    assert not first.replayed
    assert again.replayed
    assert again.chunk.mapped_pks == first.chunk.mapped_pks
    (h1, _), (h2, _) = captured[-2:]
    assert h1.split(":")[2] != h2.split(":")[2]  # a new nonce


def test_a_first_format_signature_is_refused_as_outdated(control, module_pair):
    _, raw, _ = control
    now = int(time.time())
    method = "/relocate.relocation.v1.RelocationService/ListModels"
    digest = hmac.new(
        module_pair.secret.encode(), f"{method}:{now}".encode(), hashlib.sha256
    ).hexdigest()
    code, reason = _refusal(
        lambda: pb_grpc.RelocationServiceStub(raw).ListModels(
            pb.ListModelsRequest(),
            metadata=((auth.SIGNATURE_HEADER, f"v1:{now}:{digest}"),),
            timeout=30,
        )
    )
    assert (code, reason) == (grpc.StatusCode.UNAUTHENTICATED, Reason.RPC_SIGNATURE_OUTDATED)
