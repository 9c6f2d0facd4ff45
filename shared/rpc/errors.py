"""Errors across the RPC boundary: domain error → google.rpc.Status, and Status → RpcError.

Why one module: the server-side table and the client-side tree are two halves of one contract
(AIP-193). Callers branch on ``RpcError.reason``, never on message text.
"""

from __future__ import annotations

import contextlib
import dataclasses
import enum
import logging
import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Final

import grpc
from google.protobuf.message import Message
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status
from typing_extensions import override

from shared.backup import errors as domain
from shared.backup.findings import Finding, FindingKind
from shared.backup.redaction import redact_text
from shared.rpc.codecs import decode_finding, encode_finding
from shared.rpc.gen.relocate.relocation.v1 import finding_pb2

if TYPE_CHECKING:
    _ServerInterceptor = grpc.ServerInterceptor[object, object]
else:
    _ServerInterceptor = grpc.ServerInterceptor

logger = logging.getLogger(__name__)

ERROR_DOMAIN: Final = "relocation.relocate.internal"


class Reason(enum.StrEnum):
    """Machine-readable cause of a failed call (ErrorInfo.reason); API, so never renamed."""

    # A batch's min_ordinal is below 1.
    INVALID_MIN_ORDINAL = "INVALID_MIN_ORDINAL"
    # No silo declares the model.
    UNKNOWN_MODEL = "UNKNOWN_MODEL"
    # The called silo does not own the model.
    MODEL_NOT_IN_SILO = "MODEL_NOT_IN_SILO"
    # The call came without an operation scope.
    SCOPE_REQUIRED = "SCOPE_REQUIRED"
    # The import call came without an import uuid.
    IMPORT_UUID_REQUIRED = "IMPORT_UUID_REQUIRED"
    # A batch held a record of another model than the batch's.
    UNEXPECTED_MODEL = "UNEXPECTED_MODEL"
    # A record's values do not validate.
    INSTANCE_INVALID = "INSTANCE_INVALID"
    # A batch or record is not well-formed export JSON.
    DESERIALIZATION_FAILED = "DESERIALIZATION_FAILED"
    # The database refused a batch for a uniqueness or reference violation.
    INTEGRITY_CONFLICT = "INTEGRITY_CONFLICT"
    # The database failed for another reason.
    DATABASE_FAILURE = "DATABASE_FAILURE"
    # Some records of a batch were neither written nor skipped by a named rule (an engine bug).
    UNACCOUNTED_RECORDS = "UNACCOUNTED_RECORDS"
    # A request to clear a silo came without its confirmation.
    CLEAR_NOT_CONFIRMED = "CLEAR_NOT_CONFIRMED"
    # An export could not be encrypted.
    ENCRYPTION_FAILED = "ENCRYPTION_FAILED"
    # An encrypted export could not be opened.
    DECRYPTION_FAILED = "DECRYPTION_FAILED"
    # A region name control is not configured with.
    UNKNOWN_REGION = "UNKNOWN_REGION"
    # A Global import would clear the control silo other regions' organizations refer to.
    SHARED_CONTROL_IN_USE = "SHARED_CONTROL_IN_USE"
    # A region was asked to clear itself for an import aimed at another region.
    WRONG_REGION = "WRONG_REGION"
    # An abandoned relocation was asked to resume or run a step.
    RELOCATION_ABANDONED = "RELOCATION_ABANDONED"
    # A step after the import was asked for before the import succeeded.
    IMPORT_NOT_FINISHED = "IMPORT_NOT_FINISHED"
    # What an import wrote does not compare equal to its source file.
    VALIDATION_FAILED = "VALIDATION_FAILED"
    # An import cannot be undone (later changes depend on it, or it was Global).
    UNDO_REFUSED = "UNDO_REFUSED"
    RESUME_REFUSED = "RESUME_REFUSED"
    SLUG_NOT_RESERVED = "SLUG_NOT_RESERVED"
    BATCH_OUT_OF_ORDER = "BATCH_OUT_OF_ORDER"
    # No batch of the import uuid was imported into the called silo.
    UNKNOWN_IMPORT = "UNKNOWN_IMPORT"
    # A claim hash is wrong, already used, or was replaced by a newer one.
    CLAIM_HASH_INVALID = "CLAIM_HASH_INVALID"
    # A claim hash is past its lifetime.
    CLAIM_HASH_EXPIRED = "CLAIM_HASH_EXPIRED"
    # A claim's new password does not meet the password rules.
    CLAIM_PASSWORD_REJECTED = "CLAIM_PASSWORD_REJECTED"  # noqa: S105  (a reason, not a password)
    # The declared models' dependencies form a cycle.
    DEPENDENCY_CYCLE = "DEPENDENCY_CYCLE"
    # A batch with the same import key was stored with different contents.
    IMPORT_CHUNK_CONFLICT = "IMPORT_CHUNK_CONFLICT"
    # The export file is not a JSON array of export records.
    MALFORMED_INPUT = "MALFORMED_INPUT"
    # Two records of one model share a primary key.
    DUPLICATE_PRIMARY_KEY = "DUPLICATE_PRIMARY_KEY"
    # A record references a record the export does not contain.
    BROKEN_REFERENCE = "BROKEN_REFERENCE"
    # The tool is not configured to reach or run a silo.
    CONFIGURATION = "CONFIGURATION"
    # The call's HMAC signature is missing, stale or signed with an unknown secret.
    RPC_SIGNATURE_INVALID = "RPC_SIGNATURE_INVALID"
    # The call is signed in a format this silo no longer accepts (v1: method and time only).
    RPC_SIGNATURE_OUTDATED = "RPC_SIGNATURE_OUTDATED"
    # The call's nonce was accepted before: a captured call sent again.
    RPC_SIGNATURE_REPLAYED = "RPC_SIGNATURE_REPLAYED"
    # More signed calls inside the signature window than the silo remembers nonces for.
    RPC_NONCE_CACHE_FULL = "RPC_NONCE_CACHE_FULL"
    # An unexpected server failure; details are only in the server log, under the request id.
    INTERNAL = "INTERNAL"


_C = grpc.StatusCode
# Every concrete RelocationError, explicitly; tests assert none is missing.
ERROR_TABLE: Final[Mapping[type[domain.RelocationError], tuple[grpc.StatusCode, Reason]]] = {
    domain.InvalidMinOrdinalError: (_C.INVALID_ARGUMENT, Reason.INVALID_MIN_ORDINAL),
    domain.UnknownModelError: (_C.INVALID_ARGUMENT, Reason.UNKNOWN_MODEL),
    domain.ModelNotInSiloError: (_C.FAILED_PRECONDITION, Reason.MODEL_NOT_IN_SILO),
    domain.ScopeRequiredError: (_C.INVALID_ARGUMENT, Reason.SCOPE_REQUIRED),
    domain.ImportUuidRequiredError: (_C.INVALID_ARGUMENT, Reason.IMPORT_UUID_REQUIRED),
    domain.UnexpectedModelError: (_C.INVALID_ARGUMENT, Reason.UNEXPECTED_MODEL),
    domain.InstanceInvalidError: (_C.INVALID_ARGUMENT, Reason.INSTANCE_INVALID),
    domain.DeserializationFailedError: (_C.INVALID_ARGUMENT, Reason.DESERIALIZATION_FAILED),
    domain.IntegrityConflictError: (_C.FAILED_PRECONDITION, Reason.INTEGRITY_CONFLICT),
    domain.DatabaseFailureError: (_C.INTERNAL, Reason.DATABASE_FAILURE),
    domain.DependencyCycleError: (_C.FAILED_PRECONDITION, Reason.DEPENDENCY_CYCLE),
    domain.MalformedInputError: (_C.INVALID_ARGUMENT, Reason.MALFORMED_INPUT),
    domain.DuplicatePrimaryKeyError: (_C.INVALID_ARGUMENT, Reason.DUPLICATE_PRIMARY_KEY),
    domain.BrokenReferenceError: (_C.INVALID_ARGUMENT, Reason.BROKEN_REFERENCE),
    domain.ConfigurationError: (_C.FAILED_PRECONDITION, Reason.CONFIGURATION),
    domain.UnaccountedRecordsError: (_C.INTERNAL, Reason.UNACCOUNTED_RECORDS),
    domain.ClearNotConfirmedError: (_C.FAILED_PRECONDITION, Reason.CLEAR_NOT_CONFIRMED),
    domain.EncryptionError: (_C.INVALID_ARGUMENT, Reason.ENCRYPTION_FAILED),
    domain.DecryptionError: (_C.INVALID_ARGUMENT, Reason.DECRYPTION_FAILED),
    domain.UnknownRegionError: (_C.FAILED_PRECONDITION, Reason.UNKNOWN_REGION),
    domain.SharedControlClearError: (_C.FAILED_PRECONDITION, Reason.SHARED_CONTROL_IN_USE),
    domain.WrongRegionClearError: (_C.FAILED_PRECONDITION, Reason.WRONG_REGION),
    domain.RelocationAbandonedError: (_C.FAILED_PRECONDITION, Reason.RELOCATION_ABANDONED),
    domain.ImportNotFinishedError: (_C.FAILED_PRECONDITION, Reason.IMPORT_NOT_FINISHED),
    domain.ValidationFailedError: (_C.FAILED_PRECONDITION, Reason.VALIDATION_FAILED),
    domain.UndoRefusedError: (_C.FAILED_PRECONDITION, Reason.UNDO_REFUSED),
    domain.ResumeRefusedError: (_C.FAILED_PRECONDITION, Reason.RESUME_REFUSED),
    domain.SlugNotReservedError: (_C.FAILED_PRECONDITION, Reason.SLUG_NOT_RESERVED),
    domain.BatchOrderError: (_C.ABORTED, Reason.BATCH_OUT_OF_ORDER),
    domain.UnknownImportError: (_C.NOT_FOUND, Reason.UNKNOWN_IMPORT),
    domain.ClaimHashInvalidError: (_C.FAILED_PRECONDITION, Reason.CLAIM_HASH_INVALID),
    domain.ClaimHashExpiredError: (_C.FAILED_PRECONDITION, Reason.CLAIM_HASH_EXPIRED),
    domain.ClaimPasswordRejectedError: (_C.INVALID_ARGUMENT, Reason.CLAIM_PASSWORD_REJECTED),
}

# Reasons whose messages may quote SQL or data, so they never leave the server.
_REDACTED_REASONS: Final = frozenset({Reason.DATABASE_FAILURE})


def code_and_reason(exc: domain.RelocationError) -> tuple[grpc.StatusCode, Reason]:
    """Return the table entry of ``exc``'s class, or of its nearest listed ancestor."""
    for cls in type(exc).__mro__:
        if issubclass(cls, domain.RelocationError) and cls in ERROR_TABLE:
            return ERROR_TABLE[cls]
    return _C.INTERNAL, Reason.INTERNAL


def lower_camel(key: str) -> str:
    """Spell a snake_case metadata key in lowerCamelCase, as ErrorInfo metadata keys are."""
    head, *rest = key.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def build_status(
    code: grpc.StatusCode,
    reason: Reason,
    message: str,
    metadata: Mapping[str, str] | None = None,
    details: Iterable[Message] = (),
) -> grpc.Status:
    """Build a rich status: ``message``, one ErrorInfo, then ``details`` in order."""
    status = status_pb2.Status(code=code_pb2.Code.Value(code.name), message=message)
    info = error_details_pb2.ErrorInfo(
        reason=reason.value,
        domain=ERROR_DOMAIN,
        metadata={lower_camel(k): v for k, v in (metadata or {}).items()},
    )
    for detail in (info, *details):
        status.details.add().Pack(detail)
    result: grpc.Status = rpc_status.to_status(status)
    return result


def _int_or_none(value: str | None) -> int | None:
    """Parse an integer metadata value; None when absent or not an integer."""
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _record_finding(exc: domain.RelocationError) -> Finding | None:
    """Return the IMPORT_ERROR finding of an error about one record (model and ordinal)."""
    ordinal = _int_or_none(exc.metadata.get("ordinal"))
    if exc.model is None or ordinal is None:
        return None
    return Finding(
        kind=FindingKind.IMPORT_ERROR,
        model=exc.model,
        ordinal=ordinal,
        reason=redact_text(exc.message),
        left_pk=_int_or_none(exc.metadata.get("pk")),
        field=exc.metadata.get("field"),
    )


def to_status(exc: domain.RelocationError, *, request_id: str | None = None) -> grpc.Status:
    """Map a domain error to its rich status: message, ErrorInfo, and a Finding for a record.

    INTERNAL errors also carry a ``RequestInfo`` naming the server log entry; the message of a
    database failure stays in that log only, since it may quote SQL.
    """
    code, reason = code_and_reason(exc)
    details: list[Message] = []
    message = redact_text(exc.message)  # what leaves the server never spells a secret
    finding = _record_finding(exc)
    if finding is not None:
        details.append(encode_finding(finding))
    if code == _C.INTERNAL:
        request_id = request_id or uuid.uuid4().hex
        details.append(error_details_pb2.RequestInfo(request_id=request_id))
    if reason in _REDACTED_REASONS:
        message = f"{reason.value}: see the server log for request {request_id}"
    return build_status(code, reason, message, exc.metadata, details)


def internal_status(request_id: str) -> grpc.Status:
    """The status of an unexpected failure: INTERNAL, reason INTERNAL and the request id only."""
    return build_status(
        _C.INTERNAL,
        Reason.INTERNAL,
        f"internal server error; see the server log for {request_id}",
        details=[error_details_pb2.RequestInfo(request_id=request_id)],
    )


def _is_grpc_abort(exc: Exception) -> bool:
    """Whether ``exc`` is grpc's own signal that the handler called ``context.abort``.

    Why: grpcio aborts by raising a bare ``Exception()``; it must reach grpc untouched, or an
    abort the servicer chose would be turned into INTERNAL.
    """
    return type(exc) is Exception and not exc.args


class ErrorInterceptor(_ServerInterceptor):
    """Turn exceptions escaping unary-unary handlers into rich statuses."""

    @override
    def intercept_service(
        self,
        continuation: Callable[
            [grpc.HandlerCallDetails], grpc.RpcMethodHandler[object, object] | None
        ],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler[object, object] | None:
        """Wrap the unary-unary handler of the call, if it has one; others pass through."""
        handler = continuation(handler_call_details)
        if handler is None or handler.unary_unary is None:
            return handler
        behavior = handler.unary_unary
        method = handler_call_details.method

        def guarded(request: object, context: grpc.ServicerContext) -> object:
            try:
                return behavior(request, context)
            except domain.RelocationError as exc:
                code, reason = code_and_reason(exc)
                request_id = uuid.uuid4().hex
                extra = {"method": method, "reason": reason.value, "request_id": request_id}
                if code == _C.INTERNAL:
                    logger.exception("relocation.rpc.internal_error", extra=extra)
                else:
                    logger.info("relocation.rpc.rejected", extra=extra)
                context.abort_with_status(to_status(exc, request_id=request_id))
            except Exception as exc:
                if _is_grpc_abort(exc):
                    raise
                request_id = uuid.uuid4().hex
                logger.exception(
                    "relocation.rpc.unhandled", extra={"method": method, "request_id": request_id}
                )
                context.abort_with_status(internal_status(request_id))

        return grpc.unary_unary_rpc_method_handler(
            guarded,
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )


class RpcError(Exception):
    """A failed call, as the caller sees it: code, reason, metadata and findings."""

    code: grpc.StatusCode = grpc.StatusCode.UNKNOWN
    """The gRPC status code; each subclass fixes its own."""

    def __init__(
        self,
        message: str,
        *,
        code: grpc.StatusCode | None = None,
        reason: Reason | str | None = None,
        metadata: Mapping[str, str] | None = None,
        findings: Iterable[Finding] = (),
        request_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        """The server's English message; for people, never for branching."""
        if code is not None:
            self.code = code
        self.reason = reason
        """The ErrorInfo reason: a Reason, a str for reasons newer than this client, or None."""
        self.metadata: dict[str, str] = dict(metadata or {})
        """The ErrorInfo metadata, keys in lowerCamelCase as sent."""
        self.findings: list[Finding] = list(findings)
        """The record(s) the error is about."""
        self.request_id = request_id
        """The id under which the server logged an internal error."""

    @override
    def __str__(self) -> str:
        tag = f"{self.code.name}/{self.reason}" if self.reason else self.code.name
        return f"[{tag}] {self.message}"


# The names follow google-api-core and the house style, hence no Error suffix.
class Cancelled(RpcError):  # noqa: N818
    """The call was cancelled."""

    code = grpc.StatusCode.CANCELLED


class Unknown(RpcError):  # noqa: N818
    """The server failed without saying how."""

    code = grpc.StatusCode.UNKNOWN


class InvalidArgument(RpcError):  # noqa: N818
    """The request is wrong whatever the server's state."""

    code = grpc.StatusCode.INVALID_ARGUMENT


class DeadlineExceeded(RpcError):  # noqa: N818
    """The call did not finish before its deadline."""

    code = grpc.StatusCode.DEADLINE_EXCEEDED


class NotFound(RpcError):  # noqa: N818
    """The requested entity does not exist (or the method is not served)."""

    code = grpc.StatusCode.NOT_FOUND


class ResourceExhausted(RpcError):  # noqa: N818
    """A quota or message size limit was hit."""

    code = grpc.StatusCode.RESOURCE_EXHAUSTED


class FailedPrecondition(RpcError):  # noqa: N818
    """The server's state does not allow the request."""

    code = grpc.StatusCode.FAILED_PRECONDITION


class Aborted(RpcError):  # noqa: N818
    """The call conflicted with another; retrying the whole operation may succeed."""

    code = grpc.StatusCode.ABORTED


class Unimplemented(RpcError):  # noqa: N818
    """The server does not implement the method."""

    code = grpc.StatusCode.UNIMPLEMENTED


class Internal(RpcError):  # noqa: N818
    """The server failed unexpectedly; ``request_id`` names its log entry."""

    code = grpc.StatusCode.INTERNAL


class Unavailable(RpcError):  # noqa: N818
    """The server could not be reached (after the channel's retries)."""

    code = grpc.StatusCode.UNAVAILABLE


class Unauthenticated(RpcError):  # noqa: N818
    """The call's signature was refused."""

    code = grpc.StatusCode.UNAUTHENTICATED


# Every subclass above, by the code it stands for.
_BY_CODE: Final = {cls.code: cls for cls in RpcError.__subclasses__()}


def _parse_reason(value: str) -> Reason | str | None:
    """Return the Reason named ``value``, the raw string if unknown, or None if empty."""
    if not value:
        return None
    try:
        return Reason(value)
    except ValueError:
        return value


def as_call(err: grpc.RpcError) -> grpc.Call | None:
    """Return ``err`` as the grpc.Call it is at runtime for failed calls, or None.

    Why the detour through ``object``: the stubs declare incompatible ``details()`` on RpcError
    and Call, so mypy believes no object can be both, while grpc's errors are exactly that.
    """
    obj: object = err
    return obj if isinstance(obj, grpc.Call) else None


def _rich_status(call: grpc.Call | None) -> status_pb2.Status | None:
    """Return the google.rpc.Status the server attached, if any (and if consistent)."""
    if call is None:
        return None
    try:
        status: status_pb2.Status | None = rpc_status.from_call(call)
    except ValueError:
        return None
    return status


def _is(detail: Any, message_type: type[Message]) -> bool:
    """Whether a packed ``google.protobuf.Any`` detail holds ``message_type``."""
    return bool(detail.TypeName() == message_type.DESCRIPTOR.full_name)


def from_grpc_error(err: grpc.RpcError) -> RpcError:
    """Map a grpc error to the most specific RpcError; raise it ``from err``."""
    call = as_call(err)
    code = call.code() if call is not None else grpc.StatusCode.UNKNOWN
    message = (call.details() if call is not None else None) or str(err) or code.name
    reason: Reason | str | None = None
    metadata: dict[str, str] = {}
    findings: list[Finding] = []
    request_id: str | None = None
    status = _rich_status(call)
    for detail in status.details if status is not None else ():
        if _is(detail, error_details_pb2.ErrorInfo) and reason is None:
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            reason, metadata = _parse_reason(info.reason), dict(info.metadata)
        elif _is(detail, finding_pb2.Finding):
            finding_msg = finding_pb2.Finding()
            detail.Unpack(finding_msg)
            with contextlib.suppress(ValueError):  # a kind newer than this client
                finding = decode_finding(finding_msg)
                findings.append(dataclasses.replace(finding, finding="RpcImportError"))
        elif _is(detail, error_details_pb2.RequestInfo):
            request_info = error_details_pb2.RequestInfo()
            detail.Unpack(request_info)
            request_id = request_info.request_id or None
    cls = _BY_CODE.get(code, RpcError)
    return cls(
        message,
        code=code,
        reason=reason,
        metadata=metadata,
        findings=findings,
        request_id=request_id,
    )
