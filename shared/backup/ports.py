"""The engine's view of the silos: protocols a gRPC client (or anything else) implements."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from shared.backup.chunks import ImportChunk
from shared.backup.filters import Filter
from shared.backup.flags import ImportFlags
from shared.backup.pk_map import PrimaryKeyMap
from shared.backup.scopes import OperationScope


@dataclass(frozen=True, slots=True)
class OrganizationSlug:
    """An organization's wanted slug, as sent to control for a global reservation."""

    organization_id: int
    slug: str
    name: str = ""


class ModelSink(Protocol):
    """Writes batches of one model (a silo's RelocationService)."""

    def import_by_model(
        self,
        *,
        model: str,
        scope: OperationScope,
        flags: ImportFlags,
        filters: Sequence[Filter],
        pk_map: PrimaryKeyMap,
        records_json: bytes,
        min_ordinal: int,
    ) -> tuple[ImportChunk, bool]:
        """Import one batch; return its chunk and whether it was a replay."""
        ...

    def clear_models(
        self, *, import_uuid: str, region_name: str, validate_only: bool = False
    ) -> dict[str, int]:
        """Delete every row the silo owns before a Global import into ``region_name``, unless
        it already holds chunks of ``import_uuid`` (a resumed import); return rows deleted per
        table. Raises when the silo refuses (control shared by regions that hold data, or a
        region aimed at by another name); ``validate_only`` asks that and deletes nothing."""
        ...


class ModelSource(Protocol):
    """Reads pages of one model (a silo's RelocationService)."""

    def export_by_model(
        self,
        *,
        model: str,
        scope: OperationScope,
        filters: Sequence[Filter],
        from_pk: int,
        page_size: int,
    ) -> tuple[bytes, int]:
        """Return (JSON array of records, next from_pk or 0)."""
        ...


class SlugReserver(Protocol):
    """Control's organization provisioning."""

    def bulk_create_organization_slug_reservations(
        self, *, region_name: str, organizations: Sequence[OrganizationSlug]
    ) -> dict[int, str]:
        """Reserve globally unique slugs; return organization id -> reserved slug."""
        ...


class RegionImportSteps(Protocol):
    """The region's post-write import steps."""

    def record_control_import_chunk_replica(self, *, chunk: ImportChunk) -> bool:
        """Store the region's replica of a control chunk; True when newly created."""
        ...

    def apply_organization_slugs(self, *, slugs: Mapping[int, str]) -> int:
        """Set organizations' slugs; return how many changed."""
        ...
