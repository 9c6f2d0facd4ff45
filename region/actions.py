"""Region-side domain writes that follow an import's batches."""

from __future__ import annotations

from collections.abc import Mapping

from django.db import transaction

from region.models import ControlImportChunkReplica, Organization
from shared.backup.chunks import ImportChunk
from shared.backup.orm.chunk_store import save_chunk_if_absent


def do_record_control_import_chunk_replica(chunk: ImportChunk) -> bool:
    """Store the region's replica of a control chunk once; True when newly created."""
    with transaction.atomic():
        return save_chunk_if_absent(ControlImportChunkReplica, chunk)


def do_apply_organization_slugs(slugs: Mapping[int, str]) -> int:
    """Set each organization's slug to the one control reserved; return how many changed."""
    changed = 0
    with transaction.atomic():
        current = dict(Organization.objects.filter(pk__in=list(slugs)).values_list("pk", "slug"))
        moving = {pk: slug for pk, slug in slugs.items() if pk in current and current[pk] != slug}
        if moving:
            # Park moving rows on unique placeholders first so swaps between them cannot collide.
            for pk in moving:
                Organization.objects.filter(pk=pk).update(slug=f"relocating-{pk}")
            for pk, slug in moving.items():
                changed += Organization.objects.filter(pk=pk).update(slug=slug)
    return changed
