"""Codecs of the Relocation record: engine values <-> relocate.region.v1 messages."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Final

import orjson
from google.protobuf.timestamp_pb2 import Timestamp

from shared.backup.relocation_records import (
    ModelProgress,
    PostStep,
    PostStepName,
    PostStepStatus,
    RelocationProgress,
    RelocationRecord,
    RelocationStatus,
    RelocationStep,
)
from shared.rpc.codecs import decode_operation_scope, encode_operation_scope
from shared.rpc.gen.relocate.region.v1 import relocation_pb2 as pb

__all__ = [
    "RelocationRecord",
    "decode_post_step",
    "decode_progress",
    "decode_relocation",
    "decode_status",
    "decode_step",
    "encode_post_step",
    "encode_progress",
    "encode_relocation",
    "encode_status",
    "encode_step",
]

_STEPS: Final[dict[RelocationStep, pb.RelocationStep.ValueType]] = {
    RelocationStep.PREFLIGHT: pb.RELOCATION_STEP_PREFLIGHT,
    RelocationStep.CLEARING: pb.RELOCATION_STEP_CLEARING,
    RelocationStep.IMPORTING: pb.RELOCATION_STEP_IMPORTING,
    RelocationStep.SLUGS: pb.RELOCATION_STEP_SLUGS,
    RelocationStep.DEFERRED: pb.RELOCATION_STEP_DEFERRED,
    RelocationStep.DONE: pb.RELOCATION_STEP_DONE,
}
_STEPS_BACK: Final = {v: k for k, v in _STEPS.items()}
_STATUSES: Final[dict[RelocationStatus, pb.RelocationStatus.ValueType]] = {
    RelocationStatus.IN_PROGRESS: pb.RELOCATION_STATUS_IN_PROGRESS,
    RelocationStatus.SUCCESS: pb.RELOCATION_STATUS_SUCCESS,
    RelocationStatus.FAILURE: pb.RELOCATION_STATUS_FAILURE,
    RelocationStatus.ABANDONED: pb.RELOCATION_STATUS_ABANDONED,
}
_STATUSES_BACK: Final = {v: k for k, v in _STATUSES.items()}
_POST_STATUSES: Final[dict[PostStepStatus, pb.PostStepStatus.ValueType]] = {
    PostStepStatus.IN_PROGRESS: pb.POST_STEP_STATUS_IN_PROGRESS,
    PostStepStatus.SUCCESS: pb.POST_STEP_STATUS_SUCCESS,
    PostStepStatus.FAILURE: pb.POST_STEP_STATUS_FAILURE,
    PostStepStatus.SKIPPED: pb.POST_STEP_STATUS_SKIPPED,
}
_POST_STATUSES_BACK: Final = {v: k for k, v in _POST_STATUSES.items()}


def encode_post_step(step: PostStep) -> pb.PostStep:
    """Encode one step after the import."""
    return pb.PostStep(
        name=step.name.value,
        status=_POST_STATUSES[step.status],
        attempts=step.attempts,
        detail=step.detail,
        update_time=_timestamp(step.updated),
    )


def decode_post_step(message: pb.PostStep) -> PostStep:
    """Decode one step after the import. Raises ValueError on an unknown name or status."""
    try:
        name = PostStepName(message.name)
        status = _POST_STATUSES_BACK[pb.PostStepStatus.ValueType(message.status)]
    except (ValueError, KeyError):
        raise ValueError(
            f"unknown post-import step {message.name!r} or status number {message.status}"
        ) from None
    return PostStep(
        name,
        status,
        message.attempts,
        message.detail,
        _datetime(message.update_time) if message.HasField("update_time") else None,
    )


def encode_step(step: RelocationStep | None) -> pb.RelocationStep.ValueType:
    """Encode a step; None encodes to UNSPECIFIED ("unchanged" in an update)."""
    return pb.RELOCATION_STEP_UNSPECIFIED if step is None else _STEPS[step]


def decode_step(value: int) -> RelocationStep | None:
    """Decode a step; UNSPECIFIED decodes to None. Raises ValueError on unknown numbers."""
    if value == pb.RELOCATION_STEP_UNSPECIFIED:
        return None
    try:
        return _STEPS_BACK[pb.RelocationStep.ValueType(value)]
    except KeyError:
        raise ValueError(f"unknown RelocationStep number {value}") from None


def encode_status(status: RelocationStatus | None) -> pb.RelocationStatus.ValueType:
    """Encode a status; None encodes to UNSPECIFIED ("unchanged" in an update)."""
    return pb.RELOCATION_STATUS_UNSPECIFIED if status is None else _STATUSES[status]


def decode_status(value: int) -> RelocationStatus | None:
    """Decode a status; UNSPECIFIED decodes to None. Raises ValueError on unknown numbers."""
    if value == pb.RELOCATION_STATUS_UNSPECIFIED:
        return None
    try:
        return _STATUSES_BACK[pb.RelocationStatus.ValueType(value)]
    except KeyError:
        raise ValueError(f"unknown RelocationStatus number {value}") from None


def encode_progress(progress: RelocationProgress) -> pb.RelocationProgress:
    """Encode an import's progress."""
    return pb.RelocationProgress(
        rows_done=progress.rows_done,
        rows_total=progress.rows_total,
        models=[
            pb.ModelProgress(model=m.model, rows_done=m.rows_done, rows_total=m.rows_total)
            for m in progress.models
        ],
    )


def decode_progress(message: pb.RelocationProgress) -> RelocationProgress:
    """Decode an import's progress."""
    return RelocationProgress(
        rows_done=message.rows_done,
        rows_total=message.rows_total,
        models=tuple(ModelProgress(m.model, m.rows_done, m.rows_total) for m in message.models),
    )


def _timestamp(value: datetime | None) -> Timestamp | None:
    if value is None:
        return None
    stamp = Timestamp()
    stamp.FromDatetime(value.astimezone(UTC))
    return stamp


def encode_relocation(record: RelocationRecord) -> pb.Relocation:
    """Encode a record."""
    return pb.Relocation(
        uuid=record.uuid,
        scope=encode_operation_scope(record.scope),
        flags_json=orjson.dumps(record.flags, option=orjson.OPT_SORT_KEYS).decode(),
        source_sha256=record.source_sha256,
        step=encode_step(record.step),
        status=encode_status(record.status),
        progress=encode_progress(record.progress),
        failure_reason=record.failure_reason,
        create_time=_timestamp(record.created),
        update_time=_timestamp(record.updated),
        finish_time=_timestamp(record.finished),
        post_steps=[encode_post_step(step) for step in record.post_steps],
        tool_version=record.tool_version,
    )


def decode_relocation(message: pb.Relocation) -> RelocationRecord:
    """Decode a record. Raises ValueError on an unset scope, step or status."""
    scope = decode_operation_scope(message.scope)
    step = decode_step(message.step)
    status = decode_status(message.status)
    if scope is None or step is None or status is None:
        raise ValueError(f"relocation {message.uuid}: scope, step and status must be set")
    flags = orjson.loads(message.flags_json or "{}")
    return RelocationRecord(
        uuid=message.uuid,
        scope=scope,
        flags=flags if isinstance(flags, dict) else {},
        source_sha256=message.source_sha256,
        step=step,
        status=status,
        progress=decode_progress(message.progress),
        failure_reason=message.failure_reason,
        created=_datetime(message.create_time) if message.HasField("create_time") else None,
        updated=_datetime(message.update_time) if message.HasField("update_time") else None,
        finished=_datetime(message.finish_time) if message.HasField("finish_time") else None,
        post_steps=tuple(decode_post_step(step) for step in message.post_steps),
        tool_version=message.tool_version,
    )


def _datetime(stamp: Timestamp) -> datetime:
    return stamp.ToDatetime(tzinfo=UTC)
