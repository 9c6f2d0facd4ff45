"""Region-side steps after an import: what the import created, and unhiding its organizations.

Both read the import chunk ledger, which records per batch the rows an import inserted (as
opposed to rows it found existing), so they touch exactly what one import wrote.
"""

from __future__ import annotations

from django.db import transaction

from region.models import ControlImportChunkReplica, Organization, RegionImportChunk
from region.models.core import RELOCATION_PENDING_APPROVAL
from shared.backup.orm.undo_rows import refresh_digests

ORGANIZATION = "sentry.organization"
USER = "sentry.user"
# Organization.status of a visible organization.
ACTIVE = 0


def _inserted(
    chunk_model: type[RegionImportChunk | ControlImportChunkReplica], import_uuid: str, model: str
) -> dict[int, str]:
    """New pk -> identifier (slug or username at write time) of the rows an import inserted."""
    out: dict[int, str] = {}
    rows = chunk_model._default_manager.filter(import_uuid=import_uuid, model=model).values_list(
        "inserted_map", "inserted_identifiers"
    )
    for inserted_map, identifiers in rows:
        for old_pk, new_pk in (inserted_map or {}).items():
            out[int(new_pk)] = str((identifiers or {}).get(str(old_pk), ""))
    return out


def imported_organization_slugs(import_uuid: str) -> dict[int, str]:
    """The organizations ``import_uuid`` created, by id, with their current (final) slugs."""
    ids = list(_inserted(RegionImportChunk, import_uuid, ORGANIZATION))
    return dict(Organization.objects.filter(pk__in=ids).values_list("pk", "slug"))


def imported_usernames(import_uuid: str) -> dict[int, str]:
    """The users ``import_uuid`` created, by id, with their usernames, from the region's replicas
    of control's chunks."""
    return _inserted(ControlImportChunkReplica, import_uuid, USER)


def do_unhide_organizations(import_uuid: str) -> tuple[dict[int, str], int]:
    """Make the organizations ``import_uuid`` created hidden (pending approval) visible.

    Returns (unhidden id -> slug, how many of the import's organizations were visible already).
    Idempotent: a second call unhides nothing.
    """
    ids = list(_inserted(RegionImportChunk, import_uuid, ORGANIZATION))
    with transaction.atomic():
        hidden = Organization.objects.select_for_update().filter(
            pk__in=ids, status=RELOCATION_PENDING_APPROVAL
        )
        unhidden = dict(hidden.values_list("pk", "slug"))
        Organization.objects.filter(pk__in=list(unhidden)).update(status=ACTIVE)
        # The import's own step: what undoing it checks for later edits includes the status.
        refresh_digests(RegionImportChunk, Organization, ORGANIZATION, unhidden)
    return unhidden, len(ids) - len(unhidden)
