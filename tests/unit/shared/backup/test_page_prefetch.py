"""prefetched: chains run ahead side by side, pages come out in order, memory stays bounded,
a fetch's error is raised where its page would be."""

from __future__ import annotations

import threading
import time

import pytest

from shared.backup.page_prefetch import Fetch, prefetched


class Chains:
    """``n`` chains of ``pages`` pages each; counts fetches running at once and pages held."""

    def __init__(self, n: int, pages: int, *, fail_at: tuple[int, int] | None = None) -> None:
        self.n, self.pages, self.fail_at = n, pages, fail_at
        self.lock = threading.Lock()
        self.running = 0
        self.max_running = 0
        self.fetched = 0
        self.read = 0
        self.max_held = 0

    def chain(self, i: int) -> Fetch:
        def fetch(from_pk: int) -> tuple[bytes, int]:
            with self.lock:
                self.running += 1
                self.max_running = max(self.max_running, self.running)
            time.sleep(0.01)
            with self.lock:
                self.running -= 1
                self.fetched += 1
                self.max_held = max(self.max_held, self.fetched - self.read)
            if self.fail_at == (i, from_pk):
                raise RuntimeError(f"chain {i} failed at {from_pk}")
            nxt = from_pk + 1 if from_pk + 1 < self.pages else 0
            return f"{i}:{from_pk}".encode(), nxt

        return fetch

    def all(self) -> list[Fetch]:
        return [self.chain(i) for i in range(self.n)]


def test_pages_come_out_in_chain_and_page_order_with_chains_running_side_by_side() -> None:
    chains = Chains(6, 4)
    got: list[str] = []
    for pages in prefetched(chains.all(), window=3, depth=1):
        for page in pages:
            chains.read += 1
            got.append(page.decode())
    assert got == [f"{i}:{p}" for i in range(6) for p in range(4)]
    assert chains.max_running > 1
    assert chains.max_running <= 3
    # Each of the 3 chains holds at most one finished page and one being fetched.
    assert chains.max_held <= 3 * 2


def test_a_failed_fetch_is_raised_in_order_after_the_pages_before_it() -> None:
    chains = Chains(3, 3, fail_at=(1, 2))
    got: list[str] = []

    def read_all() -> None:
        for pages in prefetched(chains.all(), window=2, depth=1):
            got.extend(page.decode() for page in pages)

    with pytest.raises(RuntimeError, match=r"chain 1 failed at 2"):
        read_all()
    assert got == ["0:0", "0:1", "0:2", "1:0", "1:1"]


def test_a_reader_that_stops_early_ends_every_worker() -> None:
    chains = Chains(5, 50)
    outer = prefetched(chains.all(), window=2, depth=1)
    first = next(next(outer))
    assert first == b"0:0"
    before = threading.active_count()
    outer.close()
    assert threading.active_count() <= before
    assert not [t for t in threading.enumerate() if t.name.startswith("export-page")]
