"""``relocate events ingest|tail``, and the event side of ``export --include-events``.

The CLI reaches the region's event store only over gRPC (EventService): ``ingest`` sends a
JSON-lines file of Sentry-style payloads in batches to the set-based save path; ``tail`` prints
the eventstream from an offset as JSON lines.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

import click
import grpc
import orjson

from region.cli.output import Printer, reported
from region.cli.settings import SiloEndpoints, load_endpoints
from region.cli.wiring import region_channel
from shared.backup.catalog import OPT_IN_MODELS
from shared.backup.dependencies import DependencyGraph
from shared.backup.errors import MalformedInputError
from shared.rpc.errors import from_grpc_error
from shared.rpc.gen.relocate.events.v1 import event_service_pb2 as pb
from shared.rpc.gen.relocate.events.v1 import event_service_pb2_grpc as pb_grpc

DEFAULT_BATCH_SIZE = 500
INCLUDE_EVENTS = click.option(
    "--include-events",
    is_flag=True,
    help="Also export stored events as sentry.event records (organizations and global scopes).",
)


def without_events(graph: DependencyGraph) -> DependencyGraph:
    """The graph minus the opt-in models: exports leave events out unless asked (as Sentry)."""
    return DependencyGraph.from_descriptors(
        d for n, d in graph.descriptors.items() if n not in OPT_IN_MODELS
    )


class EventClient:
    """Client of the region's EventService."""

    def __init__(self, stub: pb_grpc.EventServiceStub, deadline_s: float) -> None:
        self._stub = stub
        self._deadline_s = deadline_s

    def ingest(
        self, *, project_id: int, payloads: list[bytes], first_ordinal: int
    ) -> list[pb.SavedEvent]:
        """Save one batch of payloads into a project; one result per payload."""
        request = pb.IngestEventsRequest(
            project_id=project_id, payloads_json=payloads, first_ordinal=first_ordinal
        )
        try:
            response = self._stub.IngestEvents(request, timeout=self._deadline_s)
        except grpc.RpcError as err:
            raise from_grpc_error(err) from err
        return list(response.events)

    def read(self, *, from_offset: int, limit: int) -> tuple[list[pb.EventStreamEntry], int]:
        """Entries from ``from_offset``; also the offset to read next."""
        request = pb.ReadEventStreamRequest(from_offset=from_offset, limit=limit)
        try:
            response = self._stub.ReadEventStream(request, timeout=self._deadline_s)
        except grpc.RpcError as err:
            raise from_grpc_error(err) from err
        return list(response.entries), response.next_offset


@contextmanager
def event_client(endpoints: SiloEndpoints) -> Iterator[EventClient]:
    """An EventService client of the configured region."""
    with region_channel(endpoints) as channel:
        yield EventClient(pb_grpc.EventServiceStub(channel), endpoints.deadline_s)


def read_payload_lines(
    source: IO[bytes], name: str, batch_size: int
) -> Iterator[tuple[int, list[bytes]]]:
    """Batches of (first line number, payload lines); blank lines are skipped.

    Each line must be a JSON object; the region validates its fields. A line that is not JSON
    fails here, naming the file and line, before the batch is sent. A batch holds consecutive
    lines only (a blank line ends it), so the region's errors name the right line.
    """
    batch: list[bytes] = []
    first = 0
    for number, line in enumerate(source, start=1):
        text = line.strip()
        if not text:
            if batch:
                yield first, batch
                batch = []
            continue
        try:
            value = orjson.loads(text)
        except orjson.JSONDecodeError as exc:
            raise MalformedInputError(name, f"line {number} is not JSON: {exc}") from None
        if not isinstance(value, dict):
            raise MalformedInputError(name, f"line {number} is not a JSON object")
        if not batch:
            first = number
        batch.append(text)
        if len(batch) == batch_size:
            yield first, batch
            batch = []
    if batch:
        yield first, batch


@click.group(name="events")
def events_group() -> None:
    """Save events into a region and read its eventstream."""


@events_group.command(name="ingest")
@click.argument("file", type=click.File("rb"))
@click.option("--project", "project_id", required=True, type=click.IntRange(1), help="Project id.")
@click.option("--batch-size", default=DEFAULT_BATCH_SIZE, show_default=True, type=click.IntRange(1))
@click.option("--region", default=None, metavar="NAME", help="The region (default: the first).")
@click.option("--silent", is_flag=True, help="Print nothing but errors.")
def ingest(
    file: IO[bytes], project_id: int, batch_size: int, region: str | None, silent: bool
) -> None:
    """Save a JSON-lines FILE of event payloads ('-' for standard input) into a project."""
    printer = Printer(silent=silent, no_prompt=True)
    saved = replaced = 0
    with reported(printer, None, "Ingest"), event_client(load_endpoints(region=region)) as client:
        for first, payloads in read_payload_lines(file, file.name, batch_size):
            results = client.ingest(project_id=project_id, payloads=payloads, first_ordinal=first)
            saved += len(results)
            replaced += sum(1 for r in results if r.supersedes_offset)
    printer.echo(
        f"Saved {saved} event(s) into project {project_id}: "
        f"{saved - replaced} new, {replaced} replaced an earlier event of the same day"
    )


@events_group.command(name="tail")
@click.option("--from", "from_offset", default=1, show_default=True, type=click.IntRange(1))
@click.option("--limit", default=None, type=click.IntRange(1), help="Stop after N entries.")
@click.option("--region", default=None, metavar="NAME", help="The region (default: the first).")
def tail(from_offset: int, limit: int | None, region: str | None) -> None:
    """Print the eventstream from offset --from as JSON lines, oldest first."""
    printer = Printer(silent=False, no_prompt=True)
    remaining = limit
    with reported(printer, None, "Tail"), event_client(load_endpoints(region=region)) as client:
        offset = from_offset
        while remaining is None or remaining > 0:
            page = 1000 if remaining is None else min(remaining, 1000)
            entries, offset = client.read(from_offset=offset, limit=page)
            if not entries:
                return
            for entry in entries:
                click.echo(_entry_json(entry))
            if remaining is not None:
                remaining -= len(entries)


def _entry_json(entry: pb.EventStreamEntry) -> str:
    """One entry as a JSON line (``supersedes`` is null when it replaces nothing)."""
    return orjson.dumps(
        {
            "offset": entry.offset,
            "project_id": entry.project_id,
            "event_id": entry.event_id,
            "day": entry.day,
            "event_pk": entry.event_pk,
            "supersedes": entry.supersedes_offset or None,
            "data": orjson.loads(entry.data_json or b"{}"),
        }
    ).decode()
