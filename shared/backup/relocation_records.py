"""The record of one import run (a Relocation): its identity, step, status and progress.

Values only: the region stores them, the gRPC codecs carry them, the CLI shows them.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime

from shared.backup.scopes import OperationScope


class RelocationStatus(enum.StrEnum):
    """Whether an import runs, succeeded or failed."""

    # Started and not finished (it may also have been killed).
    IN_PROGRESS = "IN_PROGRESS"
    # Finished; every record is accounted for.
    SUCCESS = "SUCCESS"
    # Failed with a reason; ``relocate import ... --resume UUID`` continues it.
    FAILURE = "FAILURE"
    # Cancelled by the operator, or a step after the import failed past its attempts: nothing
    # resumes or retries it (Sentry abandons a broken relocation rather than retrying it).
    ABANDONED = "ABANDONED"


class PostStepName(enum.StrEnum):
    """The steps after the import, in the order ``relocations finish`` runs them."""

    # Organizations imported hidden (--hide-organizations) become visible.
    UNHIDE = "unhide"
    # Claim links for the users the import created unclaimed, for the operator's mailer.
    CLAIM_LINKS = "claim_links"
    # Export what the import wrote and compare it with the source file.
    VALIDATION = "validation"
    # ``relocate import undo``: what the import wrote is removed, what it overwrote restored
    # (run by the operator, never by ``relocations finish``).
    UNDO = "undo"


class PostStepStatus(enum.StrEnum):
    """Where one step after the import stands."""

    IN_PROGRESS = "IN_PROGRESS"
    SUCCESS = "SUCCESS"
    FAILURE = "FAILURE"
    # Not needed by this relocation.
    SKIPPED = "SKIPPED"


@dataclass(frozen=True, slots=True)
class PostStep:
    """One step after the import, as recorded."""

    name: PostStepName
    status: PostStepStatus
    attempts: int = 0
    """How many times it was started."""
    detail: str = ""
    """What it did, or why it failed (secrets masked)."""
    updated: datetime | None = None

    def as_json(self) -> dict[str, object]:
        """The step as stored in the region's record."""
        return {"status": self.status.value, "attempts": self.attempts, "detail": self.detail}

    @classmethod
    def from_json(cls, name: str, data: object, updated: datetime | None) -> PostStep | None:
        """Read ``as_json()`` output back; None for a name or shape this version does not know."""
        if name not in {n.value for n in PostStepName} or not isinstance(data, dict):
            return None
        try:
            status = PostStepStatus(str(data.get("status")))
        except ValueError:
            return None
        detail = data.get("detail")
        return cls(
            PostStepName(name),
            status,
            _int(data.get("attempts")),
            detail if isinstance(detail, str) else "",
            updated,
        )


class RelocationStep(enum.StrEnum):
    """The phase an import is in, or stopped in, in the order an import passes them."""

    # Reading and validating the export before any write.
    PREFLIGHT = "preflight"
    # Clearing both silos before a Global import.
    CLEARING = "clearing"
    # Writing batches, model by model.
    IMPORTING = "importing"
    # Reserving organization slugs in control and applying them in the region.
    SLUGS = "slugs"
    # Writing the models imported once slugs are final.
    DEFERRED = "deferred"
    # Every step is done.
    DONE = "done"


@dataclass(frozen=True, slots=True)
class ModelProgress:
    """Rows of one model done so far."""

    model: str
    """The model, such as ``sentry.user``."""
    rows_done: int = 0
    """Rows written or replayed so far."""
    rows_total: int = 0
    """Rows the export holds for the model."""


@dataclass(frozen=True, slots=True)
class RelocationProgress:
    """Rows of an import done so far, in total and per model."""

    rows_done: int = 0
    """Rows written or replayed so far, every model together."""
    rows_total: int = 0
    """Rows the export holds."""
    models: tuple[ModelProgress, ...] = ()
    """Per-model counts, in the order models were started."""

    def as_json(self) -> dict[str, object]:
        """The progress as a JSON object."""
        return {
            "rows_done": self.rows_done,
            "rows_total": self.rows_total,
            "models": {m.model: {"done": m.rows_done, "total": m.rows_total} for m in self.models},
        }

    @classmethod
    def from_json(cls, data: object) -> RelocationProgress:
        """Read ``as_json()`` output back (unknown shapes read as no progress)."""
        if not isinstance(data, dict):
            return cls()
        models = data.get("models")
        per_model = tuple(
            ModelProgress(str(name), _int(counts.get("done")), _int(counts.get("total")))
            for name, counts in (models.items() if isinstance(models, dict) else ())
            if isinstance(counts, dict)
        )
        return cls(_int(data.get("rows_done")), _int(data.get("rows_total")), per_model)


def _int(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


@dataclass(frozen=True, slots=True)
class RelocationRecord:
    """One import run as the region records it."""

    uuid: str
    """The import uuid its batches are written under."""
    scope: OperationScope
    """The import's scope."""
    flags: dict[str, object]
    """The options the import ran with (JSON values)."""
    source_sha256: str
    """SHA-256 of the source file as given (encrypted or not), in hex."""
    step: RelocationStep
    """The phase it is in, or stopped in."""
    status: RelocationStatus
    """Whether it runs, succeeded or failed."""
    progress: RelocationProgress = field(default_factory=RelocationProgress)
    """Rows done so far."""
    failure_reason: str = ""
    """Why it failed (empty unless FAILURE)."""
    created: datetime | None = None
    """When the record was created."""
    updated: datetime | None = None
    """When the record last changed."""
    finished: datetime | None = None
    """When the import last finished or failed (None while it runs)."""
    post_steps: tuple[PostStep, ...] = ()
    tool_version: str = ""
    """The version of relocate that started (or last resumed) the import."""
    """The steps after the import that have run, in PostStepName order (the order they run)."""

    def post_step(self, name: PostStepName) -> PostStep | None:
        """The recorded state of one step after the import, if it ran."""
        return next((s for s in self.post_steps if s.name is name), None)
