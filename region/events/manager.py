"""``EventManager``: validate, normalize and save one event, as Sentry's event manager does."""

from __future__ import annotations

from region.events.batch import EventJob, SavedEvent, save_transaction_events
from region.events.payload import NormalizedEvent, normalize_event


class EventManager:
    """One event payload on its way into the store.

    ``EventManager(payload)`` validates and normalizes the payload at once (InvalidEventError
    names the bad field); ``save(project_id)`` gets or creates its release, environment and their
    project links, writes the event (replacing a stored event of the same id and project on the
    same day: the later save wins) and appends it to the eventstream.
    """

    def __init__(self, payload: object) -> None:
        self.event: NormalizedEvent = normalize_event(payload)
        """The validated, normalized event."""

    def save(self, project_id: int) -> SavedEvent:
        """Save the event into ``project_id`` in its own transaction."""
        return save_transaction_events([EventJob(project_id, self.event)])[0]
