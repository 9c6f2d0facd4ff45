"""BatchOrder: a silo writes a model's batches in ordinal order whatever order they arrive in;
a batch whose predecessor failed or never came is refused, and the ledger stands in for what
this process did not see."""

from __future__ import annotations

import threading
import time

import pytest

from shared.backup.errors import BatchOrderError
from shared.backup.orm.batch_order import BatchOrder

BATCHES = [(1, 10), (11, 20), (21, 25), (26, 40)]


def never() -> bool:
    return False


def test_batches_arriving_in_any_order_are_written_in_ordinal_order() -> None:
    order = BatchOrder(arrival_wait_s=5)
    written: list[int] = []
    errors: list[BaseException] = []

    def write(ordinals: tuple[int, int]) -> None:
        try:
            with order.turn("u", "sentry.user", ordinals, never):
                time.sleep(0.01)
                written.append(ordinals[0])
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(b,)) for b in reversed(BATCHES)]
    for t in threads:
        t.start()
        time.sleep(0.02)  # the last batch arrives first, the first one last
    for t in threads:
        t.join(10)
    assert not errors
    assert written == [first for first, _ in BATCHES]


def test_a_batch_after_a_failed_one_is_refused() -> None:
    order = BatchOrder(arrival_wait_s=5)
    with (
        pytest.raises(RuntimeError, match="write failed"),
        order.turn("u", "sentry.user", (1, 10), never),
    ):
        raise RuntimeError("write failed")
    with (
        pytest.raises(BatchOrderError, match="the batch before it failed"),
        order.turn("u", "sentry.user", (11, 20), never),
    ):
        pass


def test_a_batch_whose_predecessor_never_comes_is_refused_after_the_wait() -> None:
    order = BatchOrder(arrival_wait_s=0.3)
    started = time.monotonic()
    with (
        pytest.raises(BatchOrderError, match=r"did not arrive within 0\.3 s"),
        order.turn("u", "sentry.user", (11, 20), never),
    ):
        pass
    assert time.monotonic() - started >= 0.3


def test_the_ledger_answers_for_a_predecessor_written_before_this_process() -> None:
    order = BatchOrder(arrival_wait_s=5)
    asked: list[bool] = []

    def in_ledger() -> bool:
        asked.append(True)
        return True

    with order.turn("u", "sentry.user", (11, 20), in_ledger):
        pass
    assert asked
    # Other imports and models do not wait for each other.
    with (
        order.turn("v", "sentry.user", (1, 10), never),
        order.turn("u", "sentry.email", (1, 3), never),
    ):
        pass


def test_a_retry_of_a_batch_being_written_waits_for_the_first_call() -> None:
    order = BatchOrder(arrival_wait_s=5)
    events: list[str] = []

    def first_call() -> None:
        with order.turn("u", "sentry.user", (1, 10), never) as retried:
            events.append(f"first begins (retried: {retried})")
            time.sleep(0.2)
            events.append("first ends")

    thread = threading.Thread(target=first_call)
    thread.start()
    time.sleep(0.05)
    with order.turn("u", "sentry.user", (1, 10), never) as retried:
        events.append(f"retry begins (retried: {retried})")
    thread.join(5)
    # The retry is told another call of its batch came first: it looks for its chunk.
    assert events == [
        "first begins (retried: False)",
        "first ends",
        "retry begins (retried: True)",
    ]
