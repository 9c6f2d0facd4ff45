"""Pages of the models an export writes next, read ahead of the writer and handed over in order.

Why: pages of one model come one after the other (each names where the next starts), so a
single chain leaves the silos idle while the exporter writes, and the exporter idle while a silo
builds a page. Here up to ``WINDOW`` models' chains run at once (models of both silos), each
holding at most ``DEPTH`` finished pages until the writer takes them, so memory stays bounded
(``WINDOW x (DEPTH + 1)`` pages) whatever the export's size.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Generator, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

WINDOW = 3
DEPTH = 1
_POLL_S = 0.1

Fetch = Callable[[int], tuple[bytes, int]]
"""One page from a pk on: (JSON array, next from_pk or 0 when done)."""


@dataclass(frozen=True, slots=True)
class _Failed:
    error: BaseException


_END = object()


def prefetched(
    chains: Sequence[Fetch], *, window: int = WINDOW, depth: int = DEPTH
) -> Generator[Iterator[bytes], None, None]:
    """For each chain in order, an iterator of its pages; each must be read to its end before
    the next. A fetch's error is raised where its page would have been."""
    stop = threading.Event()
    queues: list[queue.Queue[object]] = [queue.Queue(maxsize=depth) for _ in chains]

    def produce(fetch: Fetch, out: queue.Queue[object]) -> None:
        try:
            from_pk = 0
            while not stop.is_set():
                data, from_pk = fetch(from_pk)
                _put(out, data, stop)
                if not from_pk:
                    break
            _put(out, _END, stop)
        except BaseException as exc:
            _put(out, _Failed(exc), stop)

    with ThreadPoolExecutor(max_workers=max(1, window), thread_name_prefix="export-page") as pool:
        # Submitted in order: a worker frees only when a chain is read to its end, and the
        # chain the writer reads always has one.
        for fetch, out in zip(chains, queues, strict=True):
            pool.submit(produce, fetch, out)
        try:
            for out in queues:
                yield _drain(out)
        finally:
            stop.set()


def _drain(source: queue.Queue[object]) -> Iterator[bytes]:
    while True:
        item = source.get()
        if item is _END:
            return
        if isinstance(item, _Failed):
            raise item.error
        if not isinstance(item, bytes):
            raise TypeError(f"unexpected page item {type(item).__name__}")
        yield item


def _put(out: queue.Queue[object], item: object, stop: threading.Event) -> None:
    """Wait for room, giving up once the reader has stopped."""
    while not stop.is_set():
        try:
            out.put(item, timeout=_POLL_S)
            return
        except queue.Full:
            continue
