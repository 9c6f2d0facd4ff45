"""The importer's record keeping: throttled progress, steps, outcome, and resume checks."""

from __future__ import annotations

import dataclasses

import grpc
import pytest

from region.cli.relocation_record import PROGRESS_INTERVAL_S, recorded_import
from region.cli.resume import ImportOptions, ResumeRefusedError, resume_options
from shared.backup.errors import BrokenReferenceError
from shared.backup.model_names import ModelName
from shared.backup.relocation_records import (
    RelocationRecord,
    RelocationStatus,
    RelocationStep,
)
from shared.backup.scopes import OperationScope
from shared.rpc.errors import Unavailable

USER = ModelName("sentry.user")
TOKEN = ModelName("sentry.orgauthtoken")
SHA = "0" * 64


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class FakeLedger:
    """Keeps every start and update; optionally fails updates."""

    def __init__(self) -> None:
        self.started: list[dict] = []
        self.updates: list[dict] = []
        self.fail_updates = False

    def start_relocation(self, **kwargs):
        self.started.append(kwargs)
        return self._record()

    def update_relocation(self, **kwargs):
        if self.fail_updates:
            raise Unavailable("region down", code=grpc.StatusCode.UNAVAILABLE)
        self.updates.append(kwargs)
        return self._record()

    @staticmethod
    def _record() -> RelocationRecord:
        return RelocationRecord(
            "u", OperationScope.USER, {}, SHA, RelocationStep.PREFLIGHT, RelocationStatus.SUCCESS
        )


OPTIONS = ImportOptions(batch_size=10)


def _recorded(ledger, clock):
    return recorded_import(
        ledger, uuid="u", scope=OperationScope.USER, options=OPTIONS, sha256=SHA, clock=clock
    )


def test_progress_is_sent_at_most_once_per_interval_and_at_each_model_end():
    ledger, clock = FakeLedger(), FakeClock()
    with _recorded(ledger, clock) as recorder:
        recorder.set_total(30)
        recorder.step(RelocationStep.IMPORTING)
        recorder.begin(USER, 30)
        for _ in range(5):
            recorder.advance(USER, 2)
        # The step and the begin; advances within the interval are held.
        assert len(ledger.updates) == 2
        clock.now += PROGRESS_INTERVAL_S
        recorder.advance(USER, 2)
        assert ledger.updates[-1]["progress"].rows_done == 12
        recorder.advance(USER, 18)
        recorder.end(USER)
    assert ledger.started[0]["uuid"] == "u"
    assert '"batch_size": 10' in ledger.started[0]["flags_json"]
    steps = [u.get("step") for u in ledger.updates]
    assert steps[0] is RelocationStep.IMPORTING
    assert ledger.updates[-2]["progress"].rows_done == 30
    final = ledger.updates[-1]
    assert final["status"] is RelocationStatus.SUCCESS
    assert final["step"] is RelocationStep.DONE
    assert final["progress"].models[0].rows_total == 30


def test_each_step_the_engine_reports_is_recorded_once_in_order():
    ledger, clock = FakeLedger(), FakeClock()
    with _recorded(ledger, clock) as recorder:
        for step in (
            RelocationStep.CLEARING,
            RelocationStep.IMPORTING,
            RelocationStep.IMPORTING,
            RelocationStep.SLUGS,
            RelocationStep.DEFERRED,
        ):
            recorder.step(step)
    steps = [u["step"] for u in ledger.updates if "step" in u]
    assert steps == [
        RelocationStep.CLEARING,
        RelocationStep.IMPORTING,
        RelocationStep.SLUGS,
        RelocationStep.DEFERRED,
        RelocationStep.DONE,
    ]


def test_a_failure_is_recorded_with_its_reason_and_reraised():
    ledger, clock = FakeLedger(), FakeClock()
    error = BrokenReferenceError("sentry.useremail", 2, "user", "sentry.user", 99)
    with pytest.raises(BrokenReferenceError), _recorded(ledger, clock):
        raise error
    final = ledger.updates[-1]
    assert final["status"] is RelocationStatus.FAILURE
    assert final["failure_reason"] == error.message


def test_an_rpc_failure_is_recorded_with_its_code():
    ledger, clock = FakeLedger(), FakeClock()
    with pytest.raises(Unavailable), _recorded(ledger, clock):
        raise Unavailable("control down", code=grpc.StatusCode.UNAVAILABLE)
    assert ledger.updates[-1]["failure_reason"] == "[UNAVAILABLE] control down"


def test_recording_a_failure_is_best_effort_and_keeps_the_original_error(capsys):
    ledger, clock = FakeLedger(), FakeClock()
    ledger.fail_updates = True
    with pytest.raises(BrokenReferenceError), _recorded(ledger, clock):
        raise BrokenReferenceError("sentry.useremail", 2, "user", "sentry.user", 99)
    assert "Could not record the failure of relocation u" in capsys.readouterr().err


def test_without_a_ledger_nothing_is_recorded():
    with recorded_import(
        None, uuid="u", scope=OperationScope.USER, options=OPTIONS, sha256=SHA
    ) as recorder:
        recorder.begin(USER, 1)
        recorder.end(USER)
    assert recorder.finished


def _record(**changes) -> RelocationRecord:
    base = RelocationRecord(
        uuid="u",
        scope=OperationScope.GLOBAL,
        flags=ImportOptions(batch_size=3, merge_users=True).as_json(),
        source_sha256=SHA,
        step=RelocationStep.IMPORTING,
        status=RelocationStatus.FAILURE,
    )
    return dataclasses.replace(base, **changes)


def _resume(record, *, requested=OPTIONS, explicit=frozenset(), sha=SHA):
    return resume_options(
        record,
        uuid="u",
        scope=OperationScope.GLOBAL,
        sha256=sha,
        requested=requested,
        explicit=explicit,
    )


def test_resume_takes_the_recorded_options():
    assert _resume(_record()) == ImportOptions(batch_size=3, merge_users=True)
    assert _resume(_record(status=RelocationStatus.IN_PROGRESS)).batch_size == 3


@pytest.mark.parametrize(
    ("record", "sha", "message"),
    [
        (None, SHA, "no relocation with this uuid"),
        (_record(status=RelocationStatus.SUCCESS), SHA, "finished successfully already"),
        (_record(scope=OperationScope.USER), SHA, "it is a User import, not a Global import"),
        (_record(), "1" * 64, "the file differs"),
    ],
)
def test_resume_is_refused(record, sha, message):
    with pytest.raises(ResumeRefusedError, match=message) as caught:
        _resume(record, sha=sha)
    assert caught.value.message.startswith("cannot resume relocation u: ")


def test_resume_refuses_options_given_that_differ_from_the_record():
    requested = ImportOptions(batch_size=3, merge_users=False)
    with pytest.raises(ResumeRefusedError, match="--merge-users differ"):
        _resume(_record(), requested=requested, explicit=frozenset({"merge_users"}))
    same = ImportOptions(batch_size=3, merge_users=True)
    assert _resume(_record(), requested=same, explicit=frozenset({"batch_size"})) == same


def test_options_round_trip_through_json():
    options = ImportOptions(
        batch_size=7,
        strict=True,
        hide_organizations=True,
        filter_usernames=("a", "b"),
        filter_org_slugs=("acme",),
    )
    assert ImportOptions.from_json(options.as_json(), 500) == options
    assert options.filter_opts() == {
        "filter_usernames": "a,b",
        "filter_usernames_file": None,
        "filter_org_slugs": "acme",
    }
