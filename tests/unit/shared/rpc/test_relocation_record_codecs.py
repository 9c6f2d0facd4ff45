"""Relocation records over the wire: steps after the import and the abandoned status survive."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shared.backup.relocation_records import (
    PostStep,
    PostStepName,
    PostStepStatus,
    RelocationRecord,
    RelocationStatus,
    RelocationStep,
)
from shared.backup.scopes import OperationScope
from shared.rpc.gen.relocate.region.v1 import relocation_pb2 as pb
from shared.rpc.relocation_codecs import (
    decode_post_step,
    decode_relocation,
    encode_relocation,
)

WHEN = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_an_abandoned_record_with_steps_round_trips():
    record = RelocationRecord(
        uuid="u1",
        scope=OperationScope.ORGANIZATION,
        flags={"hide_organizations": True},
        source_sha256="ab" * 32,
        step=RelocationStep.DONE,
        status=RelocationStatus.ABANDONED,
        failure_reason="step validation failed 3 times",
        tool_version="1.2.3",
        created=WHEN,
        updated=WHEN,
        finished=WHEN,
        post_steps=(
            PostStep(PostStepName.UNHIDE, PostStepStatus.SUCCESS, 1, "1 visible", WHEN),
            PostStep(PostStepName.VALIDATION, PostStepStatus.FAILURE, 3, "2 differences", WHEN),
        ),
    )
    decoded = decode_relocation(encode_relocation(record))
    assert decoded == record
    assert decoded.post_step(PostStepName.VALIDATION) == record.post_steps[1]
    assert decoded.post_step(PostStepName.CLAIM_LINKS) is None


def test_unknown_step_names_and_statuses_are_refused():
    with pytest.raises(ValueError, match="unknown post-import step"):
        decode_post_step(pb.PostStep(name="notify", status=pb.POST_STEP_STATUS_SUCCESS))
    with pytest.raises(ValueError, match="unknown post-import step"):
        decode_post_step(pb.PostStep(name="unhide", status=pb.POST_STEP_STATUS_UNSPECIFIED))


def test_stored_steps_read_back_and_unknown_ones_are_dropped():
    assert PostStep.from_json("unhide", {"status": "SKIPPED", "attempts": 1}, None) == PostStep(
        PostStepName.UNHIDE, PostStepStatus.SKIPPED, 1, "", None
    )
    assert PostStep.from_json("notify", {"status": "SUCCESS"}, None) is None
    assert PostStep.from_json("unhide", {"status": "DONE?"}, None) is None
    assert PostStep.from_json("unhide", "garbage", None) is None
