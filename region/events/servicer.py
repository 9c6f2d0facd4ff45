"""The region's event services: EventService, and event replay inside RelocationService."""

from __future__ import annotations

import grpc
import orjson
from typing_extensions import override

from region.events.batch import EventJob, UnknownProjectError, save_transaction_events
from region.events.eventstream import read_eventstream
from region.events.payload import InvalidEventError, normalize_event
from region.events.relocation import EVENT
from shared.backup.errors import InstanceInvalidError
from shared.rpc.gen.relocate.events.v1 import event_service_pb2 as pb
from shared.rpc.gen.relocate.events.v1 import event_service_pb2_grpc as pb_grpc
from shared.silo.process import Registration

SERVICE_NAME = "relocate.events.v1.EventService"


class EventServicer(pb_grpc.EventServiceServicer):
    """Saving event payloads and reading the eventstream."""

    @override
    def IngestEvents(
        self, request: pb.IngestEventsRequest, context: grpc.ServicerContext
    ) -> pb.IngestEventsResponse:
        """Validate every payload, then save them all in one batch (nothing on a bad one)."""
        first = request.first_ordinal or 1
        jobs = []
        for index, raw in enumerate(request.payloads_json):
            try:
                payload = orjson.loads(raw)
                jobs.append(EventJob(request.project_id, normalize_event(payload)))
            except orjson.JSONDecodeError as exc:
                raise InstanceInvalidError(EVENT, first + index, f"not JSON: {exc}") from None
            except InvalidEventError as exc:
                raise InstanceInvalidError(
                    EVENT, first + index, exc.reason, field=exc.field
                ) from None
        try:
            saved = save_transaction_events(jobs)
        except UnknownProjectError as exc:
            raise InstanceInvalidError(
                EVENT,
                first,
                f"project {exc.project_id} does not exist in this region",
                field="project",
            ) from None
        return pb.IngestEventsResponse(
            events=[
                pb.SavedEvent(
                    event_pk=s.pk,
                    event_id=s.key.event_id,
                    day=s.key.day.isoformat(),
                    offset=s.offset,
                    supersedes_offset=s.supersedes or 0,
                )
                for s in saved
            ]
        )

    @override
    def ReadEventStream(
        self, request: pb.ReadEventStreamRequest, context: grpc.ServicerContext
    ) -> pb.ReadEventStreamResponse:
        """Entries from ``from_offset`` on, at most ``limit`` (capped)."""
        entries = read_eventstream(request.from_offset, request.limit or 1000)
        return pb.ReadEventStreamResponse(
            entries=[
                pb.EventStreamEntry(
                    offset=e.offset,
                    project_id=e.key.project_id,
                    event_id=e.key.event_id,
                    day=e.key.day.isoformat(),
                    event_pk=e.event_pk,
                    supersedes_offset=e.supersedes or 0,
                    data_json=orjson.dumps(e.data),
                )
                for e in entries
            ],
            next_offset=entries[-1].offset + 1 if entries else request.from_offset,
        )


def event_registration() -> tuple[Registration, str]:
    """EventService's registration and name, for the region's server."""
    servicer = EventServicer()
    return (lambda s: pb_grpc.add_EventServiceServicer_to_server(servicer, s)), SERVICE_NAME
