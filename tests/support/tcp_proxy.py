"""A loopback TCP forwarder with fault switches, put between the importer and a silo in tests.

The proxy listens on an OS-chosen 127.0.0.1 port and forwards every accepted connection to one
upstream address, byte for byte, with a thread per direction. Faults are switched on from the
test thread:

- ``cut()`` resets every live connection at once (the client sees the transport fail, and its
  next call opens a new connection through the proxy);
- ``gate_responses()`` keeps forwarding client bytes to the server at once but queues the
  server's bytes; the test releases them with ``release(mark())`` while it watches the server's
  database. Taking the mark *before* reading the database makes the race deterministic: if the
  read shows no new commit, every byte queued before the mark was sent before that commit, so
  releasing them never delivers its response; once the read shows the commit, ``cut()`` drops
  whatever is queued or still to come. The write happened, and the client never hears of it.

gRPC keeps one HTTP/2 connection per channel, so a cut hits whatever call is in flight on it.
"""

from __future__ import annotations

import socket
import struct
import threading
from dataclasses import dataclass
from types import TracebackType

_READ_SIZE = 65536
_ACCEPT_POLL_S = 0.1


@dataclass(slots=True)
class ProxyStats:
    """What the proxy has seen so far (read from the test thread; updated under the lock)."""

    accepted: int = 0
    """Connections accepted from clients."""
    cut: int = 0
    """Connections reset by ``cut()``."""
    to_server: int = 0
    """Bytes forwarded client -> server."""
    to_client: int = 0
    """Bytes forwarded server -> client."""
    dropped: int = 0
    """Gated server -> client bytes that ``cut()`` threw away."""


class _Link:
    """One client connection and its upstream connection."""

    def __init__(self, client: socket.socket, server: socket.socket) -> None:
        self.client = client
        self.server = server
        # Serializes a reset with the pumps' half-close at end of stream, so a pump woken by
        # the reset cannot send a FIN ahead of the RST.
        self.lock = threading.Lock()
        self.resetting = False

    def reset(self) -> None:
        """Abort both sockets: RST to the client, wake the pump threads blocked on them."""
        with self.lock:
            self.resetting = True
            for sock in (self.client, self.server):
                try:
                    # Linger 0: close() sends RST instead of FIN, as a crashed peer or a dropped
                    # middlebox would. Shutting down only the read side wakes the pump blocked
                    # in recv() without sending the peer anything.
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    sock.shutdown(socket.SHUT_RD)
                except OSError:
                    pass
                sock.close()

    def half_close(self, sock: socket.socket) -> None:
        """Pass an end of stream on (FIN), unless the link is being reset."""
        with self.lock:
            if not self.resetting:
                sock.shutdown(socket.SHUT_WR)


class TcpProxy:
    """Forward 127.0.0.1:<chosen port> to ``upstream`` ("host:port"); a context manager."""

    def __init__(self, upstream: str) -> None:
        host, _, port = upstream.rpartition(":")
        self._upstream = (host, int(port))
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(_ACCEPT_POLL_S)
        self._lock = threading.Lock()
        self._links: list[_Link] = []
        self._threads: list[threading.Thread] = []
        self._gated = threading.Event()
        self._queue: list[tuple[socket.socket, bytes]] = []
        self._released = 0
        self._closed = threading.Event()
        self.stats = ProxyStats()
        self._acceptor = threading.Thread(target=self._accept_loop, name="proxy-accept")

    @property
    def address(self) -> str:
        """Where clients connect: ``127.0.0.1:<port>``."""
        return f"127.0.0.1:{self._listener.getsockname()[1]}"

    def start(self) -> TcpProxy:
        """Start accepting connections."""
        self._acceptor.start()
        return self

    def gate_responses(self) -> None:
        """From now on queue server -> client bytes until released (or dropped by ``cut()``)."""
        self._gated.set()

    def mark(self) -> int:
        """A position in the gate's queue: everything the server sent so far."""
        with self._lock:
            return len(self._queue)

    def release(self, mark: int) -> int:
        """Forward the gated bytes queued before ``mark``, in order; return how many."""
        with self._lock:
            batch = self._queue[self._released : mark]
            self._released = max(self._released, mark)
        sent = 0
        for client, data in batch:
            try:
                client.sendall(data)
            except OSError:
                continue
            sent += len(data)
        with self._lock:
            self.stats.to_client += sent
        return sent

    def cut(self) -> int:
        """Reset every live connection, drop gated bytes, open the gate; return links cut."""
        with self._lock:
            links, self._links = self._links, []
            self.stats.cut += len(links)
            self.stats.dropped += sum(len(data) for _, data in self._queue[self._released :])
            self._queue, self._released = [], 0
            self._gated.clear()
        for link in links:
            link.reset()
        return len(links)

    def close(self) -> None:
        """Stop accepting, reset every connection and join the threads."""
        self._closed.set()
        self._acceptor.join(timeout=5)
        self._listener.close()
        self.cut()
        with self._lock:
            threads = list(self._threads)
        for thread in threads:
            thread.join(timeout=5)

    def __enter__(self) -> TcpProxy:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _accept_loop(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            try:
                server = socket.create_connection(self._upstream, timeout=5)
            except OSError:
                # The silo is down: refuse the client the way the silo itself would.
                client.close()
                continue
            server.settimeout(None)
            client.settimeout(None)
            link = _Link(client, server)
            with self._lock:
                self.stats.accepted += 1
                self._links.append(link)
                for src, dst, upstream in ((client, server, True), (server, client, False)):
                    thread = threading.Thread(
                        target=self._pump,
                        args=(link, src, dst, upstream),
                        name="proxy-pump",
                        daemon=True,
                    )
                    self._threads.append(thread)
                    thread.start()

    def _pump(self, link: _Link, src: socket.socket, dst: socket.socket, upstream: bool) -> None:
        """Copy ``src`` to ``dst`` until either side closes or the link is cut."""
        try:
            while data := src.recv(_READ_SIZE):
                if not upstream and self._gated.is_set():
                    with self._lock:
                        if self._gated.is_set():
                            self._queue.append((dst, data))
                            continue
                dst.sendall(data)
                with self._lock:
                    if upstream:
                        self.stats.to_server += len(data)
                    else:
                        self.stats.to_client += len(data)
            link.half_close(dst)
        except OSError:
            # The link was cut (or the peer reset it): the other pump sees it too.
            return
