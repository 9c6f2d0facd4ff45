"""Findings: non-fatal facts about an import or export, and the findings-file encoding."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any


class FindingKind(enum.StrEnum):
    """What a finding says; the value is the name written to findings files."""

    # A record references a record that was not imported, so it was skipped.
    REFERENCE_NOT_IMPORTED = "ReferenceNotImported"
    # A record's model or instance scope is not admitted by the operation scope.
    OUT_OF_SCOPE = "OutOfScope"
    # A record did not pass a user-supplied filter.
    FILTERED = "Filtered"
    # A record carried a field this version does not know; the field was dropped.
    UNKNOWN_FIELD = "UnknownField"
    # A record belongs to a model this version does not carry; it was skipped.
    UNKNOWN_MODEL = "UnknownModel"
    # A record belongs to a model Sentry no longer relocates (removed, or excluded); skipped.
    OBSOLETE_MODEL = "ObsoleteModel"
    # A record carried a field of an older Sentry version that no current field carries; dropped.
    OBSOLETE_FIELD = "ObsoleteField"
    # A unique value collided and was changed.
    COLLISION_RESOLVED = "CollisionResolved"
    # A nullable reference to a record that was not imported was set to null.
    REFERENCE_NULLED = "ReferenceNulled"
    # The import or export failed; the reason says why.
    IMPORT_ERROR = "ImportError"
    # The record belongs to a user merged into an existing one (--merge-users); it was skipped.
    OWNER_MERGED = "OwnerMerged"


# Kinds of finding that mean the record was not written.
SKIPPING_KINDS = frozenset(
    {
        FindingKind.REFERENCE_NOT_IMPORTED,
        FindingKind.OUT_OF_SCOPE,
        FindingKind.FILTERED,
        FindingKind.UNKNOWN_MODEL,
        FindingKind.OBSOLETE_MODEL,
        FindingKind.OWNER_MERGED,
    }
)


@dataclass(frozen=True, slots=True)
class Finding:
    """One fact about one record (or one model, when ``ordinal`` is 0)."""

    kind: FindingKind
    model: str
    ordinal: int = 0
    reason: str = ""
    left_pk: int | None = None
    right_pk: int | None = None
    field: str | None = None
    finding: str = "ImportFinding"
    """The finding's class, as findings files name it (``ImportFinding``, ``RpcImportError``)."""
    error_kind: str | None = None
    """A failure's specific kind (``InstanceInvalid``, ``UnknownModel``, ``IntegrityError``,
    ``UnexpectedError``, ...), written as the findings file's ``kind`` in place of ``kind``."""

    def to_json(self) -> dict[str, Any]:
        """The findings-file form: Sentry's keys, plus ``field``."""
        data: dict[str, Any] = {
            "finding": self.finding,
            "kind": self.error_kind or str(self.kind),
            "on": [self.model, self.ordinal],
            "left_pk": self.left_pk,
            "right_pk": self.right_pk,
            "reason": self.reason,
            "field": self.field,
        }
        return data


@dataclass(slots=True)
class Findings:
    """An ordered collection of findings."""

    items: list[Finding] = field(default_factory=list)

    def add(self, finding: Finding) -> None:
        """Append one finding."""
        self.items.append(finding)

    def extend(self, findings: Iterable[Finding]) -> None:
        """Append many findings."""
        self.items.extend(findings)

    def __iter__(self) -> Iterator[Finding]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def to_json(self) -> list[dict[str, Any]]:
        """Every finding in findings-file form."""
        return [f.to_json() for f in self.items]
