"""Control-side domain writes: globally unique organization slugs and organization mappings."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from django.db import IntegrityError, transaction

from control.models import (
    OrganizationMapping,
    OrganizationSlugReservation,
    OrganizationSlugReservationType,
)
from shared.backup.errors import UnknownRegionError
from shared.backup.ports import OrganizationSlug
from shared.backup.suffixes import free_suffixed

PRIMARY = OrganizationSlugReservationType.PRIMARY
SLUG_MAX_LENGTH = 50
NAME_MAX_LENGTH = 64
# Two regions reserving the same slug at once: the loser's transaction fails on the unique slug
# and is simply run again, now seeing the winner's reservation.
RACE_ATTEMPTS = 5


def do_bulk_create_organization_slug_reservations(
    region_name: str,
    organizations: Sequence[OrganizationSlug],
    known_regions: Collection[str] = (),
) -> dict[int, str]:
    """Reserve a globally unique slug for each organization; return org id -> reserved slug.

    Idempotent: an organization that already holds a primary reservation keeps it, so replaying
    an import changes nothing. A slug another organization holds, in any region, is suffixed.
    """
    if known_regions and region_name not in known_regions:
        raise UnknownRegionError(region_name, sorted(known_regions))
    for attempt in range(1, RACE_ATTEMPTS + 1):
        try:
            return _reserve(region_name, organizations)
        except IntegrityError:
            if attempt == RACE_ATTEMPTS:
                raise
    raise AssertionError("unreachable")


def _reserve(region_name: str, organizations: Sequence[OrganizationSlug]) -> dict[int, str]:
    ids = [o.organization_id for o in organizations]
    with transaction.atomic():
        reserved = dict(
            OrganizationSlugReservation.objects.filter(
                region_name=region_name, organization_id__in=ids, reservation_type=PRIMARY
            ).values_list("organization_id", "slug")
        )
        wanted = {o.slug for o in organizations if o.organization_id not in reserved}
        taken = set(
            OrganizationSlugReservation.objects.filter(slug__in=wanted).values_list(
                "slug", flat=True
            )
        )
        for org in organizations:
            if org.organization_id in reserved:
                continue
            slug = org.slug[:SLUG_MAX_LENGTH]
            if slug in taken:
                slug = free_suffixed(slug, SLUG_MAX_LENGTH, lambda c: _is_taken(c, taken))
            taken.add(slug)
            OrganizationSlugReservation.objects.create(
                slug=slug,
                organization_id=org.organization_id,
                region_name=region_name,
                reservation_type=PRIMARY,
            )
            OrganizationMapping.objects.update_or_create(
                region_name=region_name,
                organization_id=org.organization_id,
                defaults={"slug": slug, "name": org.name[:NAME_MAX_LENGTH]},
            )
            reserved[org.organization_id] = slug
    return {org_id: reserved[org_id] for org_id in ids}


def _is_taken(candidate: str, taken: set[str]) -> bool:
    return candidate in taken or OrganizationSlugReservation.objects.filter(slug=candidate).exists()
