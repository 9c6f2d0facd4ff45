"""A TCP proxy between the importer and the silos loses responses and drops connections.

The lost-response race: a batch reaches the silo, the silo commits it with its ledger chunk, and
the connection dies before the response reaches the importer. The importer cannot tell this from
a batch that never arrived, so it sends it again; the ledger answers the replay with the stored
chunk and nothing is written twice. The proxy makes the race deterministic: from a chosen moment
it forwards the silo's bytes only once the silo's ledger shows they precede the next commit, and
resets the connection when that commit shows (see ``tests.support.tcp_proxy``).

Every test compares the end state (Global export normalized, every table's row count) with an
uninterrupted import of the same file into the pair's fresh databases.
"""

from __future__ import annotations

import random
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, suppress
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import pytest

from tests.integration.conftest import PairFactory, SiloPair, run_cli
from tests.integration.convergence import (
    Baseline,
    batch_summary,
    end_state,
    import_args,
    relocation_row,
    resume_args,
    take_baseline,
)
from tests.support.crash import LedgerWatch, start_cli, wait_until
from tests.support.tcp_proxy import TcpProxy

pytestmark = pytest.mark.integration

SEED = 6010
BATCH_SIZE = 40
SILOS = ("control", "region")
# The silo's log line when it answers a batch from its ledger.
REPLAY_LOG = "relocation.import_batch.already_imported"
POLL_S = 0.005
# The importer's retry budget. Generous: a lost response costs one retry, well under a second.
RETRY_S = "60"


@dataclass(slots=True)
class ProxiedImport:
    """An import running through one proxy per silo, with its ledger watcher."""

    pair: SiloPair
    proxies: dict[str, TcpProxy]
    ledger: LedgerWatch
    import_uuid: str
    log: Path


@pytest.fixture(scope="module")
def proxy_pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SiloPair]:
    """One pair for the module; every import is Global, so each starts from cleared silos."""
    factory = PairFactory(tmp_path_factory.mktemp("proxy"))
    yield factory("proxy")
    factory.close()


@pytest.fixture(scope="module")
def baseline(proxy_pair: SiloPair) -> Baseline:
    """The uninterrupted import, straight to the silos, into fresh databases."""
    return take_baseline(proxy_pair, users=25, orgs=50, seed=SEED, batch_size=BATCH_SIZE)


def _replays_logged(pair: SiloPair, silo: str) -> int:
    return (pair.tmp / f"{silo}.log").read_text().count(REPLAY_LOG)


@dataclass(frozen=True, slots=True)
class ProxiedResult:
    """How a proxied import ended."""

    code: int
    output: str
    import_uuid: str
    note: str
    """What the fault did, for the summary."""


def _run_proxied(
    pair: SiloPair, baseline: Baseline, name: str, fault, retry_s: str = RETRY_S
) -> ProxiedResult:
    """Import through proxies while ``fault(ProxiedImport, process) -> note`` acts."""
    import_uuid = uuid.uuid4().hex
    log = pair.tmp / f"import-{name}.log"
    with ExitStack() as stack:
        proxies = {s: stack.enter_context(TcpProxy(pair.addresses[s])) for s in SILOS}
        ledger = stack.enter_context(LedgerWatch(pair.databases))
        env = {
            **pair.env(),
            "RELOCATE_RETRY_MAX_SECONDS": retry_s,
            "RELOCATE_CONTROL_ADDR": proxies["control"].address,
            "RELOCATE_REGION_ADDR": proxies["region"].address,
        }
        args = import_args(baseline.source, import_uuid, baseline.batch_size)
        proc = start_cli(args, env, pair.tmp, log)
        try:
            note = fault(ProxiedImport(pair, proxies, ledger, import_uuid, log), proc)
            code = proc.wait(timeout=120)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=15)
    return ProxiedResult(code, log.read_text(), import_uuid, note)


def _assert_converged(pair: SiloPair, baseline: Baseline, import_uuid: str, name: str) -> None:
    state = end_state(pair)
    assert state.counts == baseline.state.counts, f"{name}: row counts differ"
    assert state.export == baseline.state.export, f"{name}: the export differs"
    with LedgerWatch(pair.databases) as ledger:
        assert ledger.count(import_uuid) == baseline.batches


def _lose_one_response(silo: str, after_chunks: int):
    """A fault: once ``silo`` holds ``after_chunks`` chunks, lose the response of its next commit.

    The gate closes first and the target is read after it, so the target commit's response is
    gated. Each round marks the queue, then reads the ledger: while the commit has not shown,
    the bytes before the mark were sent before it (other calls' responses) and are released;
    once it shows, the connection is cut with the response undelivered.
    """

    def fault(run: ProxiedImport, proc) -> str:
        def count() -> int:
            return run.ledger.count(run.import_uuid, silo)

        assert wait_until(lambda: count() >= after_chunks, proc), run.log.read_text()
        proxy = run.proxies[silo]
        proxy.gate_responses()
        target = count() + 1
        deadline = time.monotonic() + 60
        while True:
            mark = proxy.mark()
            if count() >= target:
                break
            proxy.release(mark)
            assert proc.poll() is None, f"the import ended first:\n{run.log.read_text()}"
            assert time.monotonic() < deadline, f"{silo} never committed chunk {target}"
            time.sleep(POLL_S)
        assert proxy.cut() >= 1
        return f"{silo} chunk {target}; {proxy.stats.dropped} response bytes dropped at the cut"

    return fault


@pytest.mark.parametrize("silo", SILOS)
def test_response_lost_after_commit_is_answered_from_the_ledger_on_retry(
    silo: str, proxy_pair: SiloPair, baseline: Baseline, fault_report: list[str]
) -> None:
    replays_before = _replays_logged(proxy_pair, silo)
    after = max(1, baseline.chunks[silo] // 2)
    run = _run_proxied(proxy_pair, baseline, f"lost-{silo}", _lose_one_response(silo, after))

    assert run.code == 0, run.output
    # The importer retried the batch whose response was lost (and any other batch in flight on
    # the cut connection); the silo answered each from the ledger (and logged so), and wrote
    # nothing twice.
    batches, replayed = batch_summary(run.output)
    assert batches == baseline.batches, run.output
    assert replayed >= 1, run.output
    assert _replays_logged(proxy_pair, silo) == replays_before + replayed
    _assert_converged(proxy_pair, baseline, run.import_uuid, f"lost-{silo}")
    fault_report.append(
        f"proxy: {silo} response lost ({run.note}): the importer retried, the ledger "
        f"answered {replayed} replayed batch(es); end state equal to the uninterrupted import's"
    )


def _reached(run: ProxiedImport, chunks: int) -> bool:
    return run.ledger.count(run.import_uuid) >= chunks


def _drop_connections(thresholds: list[int]):
    """A fault: reset every connection to both silos each time the ledger passes a threshold."""

    def fault(run: ProxiedImport, proc) -> str:
        cut = 0
        for threshold in thresholds:
            if not wait_until(partial(_reached, run, threshold), proc):
                break
            cut += sum(proxy.cut() for proxy in run.proxies.values())
        return f"{cut} connections reset"

    return fault


def test_dropped_connections_mid_import_do_not_change_the_outcome(
    proxy_pair: SiloPair, baseline: Baseline, fault_report: list[str]
) -> None:
    rng = random.Random(SEED)
    thresholds = sorted(rng.sample(range(1, baseline.batches - 2), 8))
    run = _run_proxied(proxy_pair, baseline, "drops", _drop_connections(thresholds))

    assert run.code == 0, run.output
    batches, replayed = batch_summary(run.output)
    assert batches == baseline.batches
    _assert_converged(proxy_pair, baseline, run.import_uuid, "drops")
    fault_report.append(
        f"proxy: connections to both silos reset at {len(thresholds)} points "
        f"(after chunks {thresholds}; {run.note}): the importer retried, {replayed} batch(es) "
        "replayed; end state equal to the uninterrupted import's"
    )


def test_resume_after_the_importer_gave_up_on_a_lost_response_converges(
    proxy_pair: SiloPair, baseline: Baseline, fault_report: list[str]
) -> None:
    """With retries off, a lost response fails the import; its resume replays the batch."""
    lose = _lose_one_response("region", baseline.chunks["region"] // 2)
    run = _run_proxied(proxy_pair, baseline, "gave-up", lose, retry_s="0")
    assert run.code != 0, run.output
    record = relocation_row(proxy_pair, run.import_uuid)
    assert record is not None
    assert record.status == "FAILURE", record
    assert "UNAVAILABLE" in record.reason or "unavailable" in record.reason, record
    with LedgerWatch(proxy_pair.databases) as ledger:
        committed = ledger.settled_count(run.import_uuid)
    resumed = run_cli(proxy_pair, *resume_args(baseline.source, run.import_uuid))
    # The lost batch is among the committed ones the resume finds in the ledger.
    assert batch_summary(resumed.stdout) == (baseline.batches, committed)
    _assert_converged(proxy_pair, baseline, run.import_uuid, "gave-up")
    record = relocation_row(proxy_pair, run.import_uuid)
    assert record is not None
    assert record.status == "SUCCESS", record
    fault_report.append(
        f"proxy: importer without retries failed on a lost region response ({run.note}); the "
        f"resume replayed its {committed} committed batches; end state equal to the "
        "uninterrupted import's"
    )


def test_proxy_forwards_gated_bytes_only_when_released_and_cut_resets_the_client() -> None:
    """The proxy itself, against a plain TCP server that answers each message with a reply."""
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]

    def answer() -> None:
        conn, _ = server.accept()
        with conn, suppress(ConnectionResetError):
            while data := conn.recv(1024):
                conn.sendall(b"re:" + data)

    thread = threading.Thread(target=answer, daemon=True)
    thread.start()
    with TcpProxy(f"127.0.0.1:{port}") as proxy:
        host, _, proxy_port = proxy.address.rpartition(":")
        client = socket.create_connection((host, int(proxy_port)), timeout=5)
        client.sendall(b"a")
        assert client.recv(1024) == b"re:a"
        proxy.gate_responses()
        client.sendall(b"b")
        assert wait_until(lambda: proxy.mark() == 1, None, timeout_s=5)
        client.settimeout(0.2)
        with pytest.raises(TimeoutError):
            client.recv(1024)
        assert proxy.release(proxy.mark()) == 4
        client.settimeout(5)
        assert client.recv(1024) == b"re:b"
        client.sendall(b"c")
        assert wait_until(lambda: proxy.mark() == 2, None, timeout_s=5)
        assert proxy.cut() == 1
        with pytest.raises(ConnectionResetError):
            client.recv(1024)
        client.close()
        assert (proxy.stats.accepted, proxy.stats.cut, proxy.stats.dropped) == (1, 1, 4)
    server.close()
    thread.join(timeout=5)
