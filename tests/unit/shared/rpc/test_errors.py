"""The domain-error table, the Reason enum, and the status round trip through a real server."""

from __future__ import annotations

import ast
import importlib
import importlib.util
import inspect
import logging
import pkgutil
import re
from pathlib import Path

import grpc
import pytest

import shared.backup
from shared.backup import errors as domain
from shared.backup.errors import (
    ClearNotConfirmedError,
    DecryptionError,
    EncryptionError,
    ImportNotFinishedError,
    RelocationAbandonedError,
    SharedControlClearError,
    UnaccountedRecordsError,
    UndoRefusedError,
    UnknownRegionError,
    ValidationFailedError,
    WrongRegionClearError,
)
from shared.backup.findings import Finding, FindingKind
from shared.rpc import errors
from shared.rpc.channels import make_channel
from shared.rpc.clients import RelocationClient
from shared.rpc.config import RpcClientConfig
from shared.rpc.errors import (
    ERROR_TABLE,
    FailedPrecondition,
    Internal,
    InvalidArgument,
    Reason,
    RpcError,
    Unimplemented,
    from_grpc_error,
    lower_camel,
)

# One instance of every table entry, as servicers would raise them.
SAMPLES: dict[type[domain.RelocationError], domain.RelocationError] = {
    domain.InvalidMinOrdinalError: domain.InvalidMinOrdinalError("sentry.user", 0),
    domain.UnknownModelError: domain.UnknownModelError("sentry.nope", ordinal=3),
    domain.ModelNotInSiloError: domain.ModelNotInSiloError("sentry.user", "region"),
    domain.ScopeRequiredError: domain.ScopeRequiredError("sentry.user"),
    domain.ImportUuidRequiredError: domain.ImportUuidRequiredError("sentry.user"),
    domain.UnexpectedModelError: domain.UnexpectedModelError("sentry.user", "sentry.team", 4),
    domain.InstanceInvalidError: domain.InstanceInvalidError(
        "sentry.user", 7, "too long", field="username", pk=42
    ),
    domain.DeserializationFailedError: domain.DeserializationFailedError("sentry.user", "bad"),
    domain.IntegrityConflictError: domain.IntegrityConflictError("sentry.user", "dup", 11),
    domain.DatabaseFailureError: domain.DatabaseFailureError(
        "sentry.user", 'relation "sentry_user" does not exist LINE 1: SELECT * FROM'
    ),
    domain.DependencyCycleError: domain.DependencyCycleError(["sentry.b", "sentry.a"]),
    domain.MalformedInputError: domain.MalformedInputError("export.json", "eof", record=2),
    domain.DuplicatePrimaryKeyError: domain.DuplicatePrimaryKeyError("sentry.user", 5),
    domain.BrokenReferenceError: domain.BrokenReferenceError(
        "sentry.email", 1, "user", "sentry.user", 9
    ),
    domain.ConfigurationError: domain.ConfigurationError("no control target configured"),
    UnaccountedRecordsError: UnaccountedRecordsError("sentry.user", 2),
    ClearNotConfirmedError: ClearNotConfirmedError("region"),
    EncryptionError: EncryptionError("bad key"),
    DecryptionError: DecryptionError("bad key"),
    UnknownRegionError: UnknownRegionError("mars", ["us"]),
    SharedControlClearError: SharedControlClearError("de", {"us": 3}),
    WrongRegionClearError: WrongRegionClearError("us", "de"),
    RelocationAbandonedError: RelocationAbandonedError("abc", "cancelled"),
    ImportNotFinishedError: ImportNotFinishedError("abc", "its import is FAILURE"),
    ValidationFailedError: ValidationFailedError("abc", "2 differences"),
    UndoRefusedError: UndoRefusedError("abc", "sentry.team: 1 row(s) (pk 4) refer"),
    domain.UnknownImportError: domain.UnknownImportError("abc", "control"),
    domain.ResumeRefusedError: domain.ResumeRefusedError("abc", "it finished successfully already"),
    domain.SlugNotReservedError: domain.SlugNotReservedError("us", [3, 4]),
    domain.BatchOrderError: domain.BatchOrderError("sentry.user", 2001, "the one before failed"),
    domain.ClaimHashInvalidError: domain.ClaimHashInvalidError("alice"),
    domain.ClaimHashExpiredError: domain.ClaimHashExpiredError("alice", "2026-01-01T00:00:00"),
    domain.ClaimPasswordRejectedError: domain.ClaimPasswordRejectedError("alice", "too short"),
}


def _defines_relocation_error(path: Path) -> bool:
    """Whether a module's source defines a class deriving from a *Error (AST, no import)."""
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            for base in node.bases:
                name = base.attr if isinstance(base, ast.Attribute) else getattr(base, "id", "")
                if name.endswith("Error"):
                    return True
    return False


def _all_relocation_errors() -> set[type[domain.RelocationError]]:
    """Import every engine module, then collect every RelocationError subclass."""
    for module in pkgutil.walk_packages(shared.backup.__path__, "shared.backup."):
        try:
            importlib.import_module(module.name)
        except Exception:  # Django models need settings: check their source instead.
            spec = importlib.util.find_spec(module.name)
            assert spec is not None
            assert spec.origin is not None
            assert not _defines_relocation_error(Path(spec.origin)), module.name
    found: set[type[domain.RelocationError]] = set()
    todo = list(domain.RelocationError.__subclasses__())
    while todo:
        cls = todo.pop()
        found.add(cls)
        todo.extend(cls.__subclasses__())
    return {cls for cls in found if not inspect.isabstract(cls)}


def test_every_concrete_relocation_error_is_in_the_table():
    missing = _all_relocation_errors() - set(ERROR_TABLE)
    assert not missing, (
        f"add to shared.rpc.errors.ERROR_TABLE: {sorted(c.__name__ for c in missing)}"
    )


def test_every_table_entry_has_a_sample():
    assert set(SAMPLES) == set(ERROR_TABLE)


def test_reasons_are_upper_snake_short_and_spelled_as_named():
    for reason in Reason:
        assert re.fullmatch(r"[A-Z][A-Z0-9]*(_[A-Z0-9]+)*", reason.value), reason
        assert len(reason.value) <= 63
        assert reason.value == reason.name


def test_style_guide_codes_are_kept():
    table = {reason: code for code, reason in ERROR_TABLE.values()}
    assert table[Reason.UNKNOWN_MODEL] == grpc.StatusCode.INVALID_ARGUMENT
    assert table[Reason.MODEL_NOT_IN_SILO] == grpc.StatusCode.FAILED_PRECONDITION
    assert table[Reason.SCOPE_REQUIRED] == grpc.StatusCode.INVALID_ARGUMENT
    assert table[Reason.IMPORT_UUID_REQUIRED] == grpc.StatusCode.INVALID_ARGUMENT
    assert table[Reason.INSTANCE_INVALID] == grpc.StatusCode.INVALID_ARGUMENT
    assert table[Reason.DEPENDENCY_CYCLE] == grpc.StatusCode.FAILED_PRECONDITION


@pytest.mark.parametrize(
    ("key", "expected"),
    [("model", "model"), ("min_ordinal", "minOrdinal"), ("a_b_c", "aBC"), ("pk", "pk")],
)
def test_metadata_keys_become_lower_camel(key, expected):
    assert lower_camel(key) == expected


@pytest.fixture
def client(start_server, open_channel):
    target, servicer = start_server(("s3cret",))
    channel = open_channel(make_channel(RpcClientConfig(target=target, secrets=("s3cret",))))
    return RelocationClient(channel, 10.0), servicer


@pytest.mark.parametrize("cls", list(SAMPLES), ids=lambda cls: cls.__name__)
def test_domain_error_round_trips_code_reason_and_metadata(client, cls):
    relocation, servicer = client
    exc = SAMPLES[cls]
    code, reason = ERROR_TABLE[cls]
    servicer.error = exc
    with pytest.raises(RpcError) as caught:
        relocation.list_models()
    error = caught.value
    assert error.code == code
    assert type(error).code == code
    assert error.reason is reason
    assert error.metadata == {lower_camel(k): v for k, v in exc.metadata.items()}
    if reason is Reason.DATABASE_FAILURE:
        assert "SELECT" not in error.message
        assert error.request_id is not None
        assert error.request_id in error.message
    else:
        assert error.message == exc.message
    if code == grpc.StatusCode.INTERNAL:
        assert error.request_id


def test_record_error_carries_one_finding(client):
    relocation, servicer = client
    servicer.error = SAMPLES[domain.InstanceInvalidError]
    with pytest.raises(InvalidArgument) as caught:
        relocation.list_models()
    assert caught.value.findings == [
        Finding(
            kind=FindingKind.IMPORT_ERROR,
            model="sentry.user",
            ordinal=7,
            reason="sentry.user #7 field 'username': too long",
            left_pk=42,
            field="username",
            finding="RpcImportError",
        )
    ]


def test_error_without_record_carries_no_finding(client):
    relocation, servicer = client
    servicer.error = SAMPLES[domain.ModelNotInSiloError]
    with pytest.raises(FailedPrecondition) as caught:
        relocation.list_models()
    assert caught.value.findings == []
    assert caught.value.metadata == {"model": "sentry.user", "silo": "region"}


def test_unexpected_exception_is_internal_with_request_id_only(client, caplog):
    relocation, servicer = client
    servicer.error = KeyError("SELECT secret FROM sentry_user")
    with caplog.at_level(logging.ERROR, logger=errors.__name__), pytest.raises(Internal) as caught:
        relocation.list_models()
    error = caught.value
    assert error.reason is Reason.INTERNAL
    assert error.metadata == {}
    assert error.findings == []
    assert error.request_id is not None
    assert "SELECT" not in error.message
    assert "Traceback" not in error.message
    (record,) = [r for r in caplog.records if r.getMessage() == "relocation.rpc.unhandled"]
    assert record.exc_info is not None
    assert record.request_id == error.request_id


def test_servicer_abort_passes_through_unchanged(client):
    relocation, servicer = client
    servicer.abort_with = (grpc.StatusCode.UNIMPLEMENTED, "not here")
    with pytest.raises(Unimplemented) as caught:
        relocation.list_models()
    assert caught.value.message == "not here"
    assert caught.value.reason is None


def test_unknown_reason_is_kept_as_text():
    status = errors.build_status(grpc.StatusCode.ABORTED, Reason.INTERNAL, "x")
    assert status.code == grpc.StatusCode.ABORTED
    assert errors._parse_reason("SOME_FUTURE_REASON") == "SOME_FUTURE_REASON"
    assert errors._parse_reason("") is None


def test_error_without_rich_status_maps_by_code():
    error = from_grpc_error(grpc.RpcError("boom"))
    assert type(error) is errors.Unknown
    assert error.message == "boom"
    assert error.reason is None
