"""ImportChunk: the stored result of one imported batch (the idempotency ledger's row)."""

from __future__ import annotations

from dataclasses import dataclass, field

from shared.backup.findings import Finding
from shared.backup.model_names import ModelName
from shared.backup.pk_map import ImportKind, PkMapping


@dataclass(frozen=True, slots=True)
class ImportChunk:
    """One batch's result, keyed by (import_uuid, model, min_ordinal)."""

    import_uuid: str
    model: ModelName
    min_ordinal: int
    max_ordinal: int
    min_source_pk: int | None = None
    max_source_pk: int | None = None
    min_inserted_pk: int | None = None
    max_inserted_pk: int | None = None
    mapped: dict[int, PkMapping] = field(default_factory=dict)
    """Source pk -> where the record went, for every record written or reused."""
    findings: tuple[Finding, ...] = ()

    def count(self, kind: ImportKind) -> int:
        """How many records of the batch were written with ``kind``."""
        return sum(1 for entry in self.mapped.values() if entry.kind == kind)
