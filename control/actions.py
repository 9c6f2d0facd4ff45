"""Control-side domain writes: globally unique organization slugs and organization mappings."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from typing import TypeVar

from django.db import IntegrityError, connection, transaction
from django.db.models import Count

from control.models import (
    OrganizationMapping,
    OrganizationSlugReservation,
    OrganizationSlugReservationType,
)
from shared.backup.errors import SharedControlClearError, UnknownRegionError
from shared.backup.ports import OrganizationSlug
from shared.backup.suffixes import candidate_lengths, propose

PRIMARY = OrganizationSlugReservationType.PRIMARY
SLUG_MAX_LENGTH = 50
NAME_MAX_LENGTH = 64
# Two regions reserving the same slug at once: the loser's transaction fails on the unique slug
# and is simply run again, now seeing the winner's reservation.
RACE_ATTEMPTS = 5
# Values per ``IN (...)`` lookup: far below SQLite's bound-parameter cap, so a call with any
# number of organizations works on both backends (PostgreSQL needs one lookup up to this size).
LOOKUP_CHUNK = 10_000

_T = TypeVar("_T")


def do_bulk_create_organization_slug_reservations(
    region_name: str,
    organizations: Sequence[OrganizationSlug],
    known_regions: Collection[str] = (),
) -> dict[int, str]:
    """Reserve a globally unique slug for each organization; return org id -> reserved slug.

    Idempotent: an organization that already holds a primary reservation keeps it, so replaying
    an import changes nothing. A slug another organization holds, in any region, is suffixed.

    Set-based: whatever the number of organizations, one lookup of existing reservations, one of
    taken slugs, one per suffix round that still has collisions (usually none or one), one insert
    of reservations and one upsert of mappings.
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


def do_release_organization_slug_reservations(
    region_name: str, organization_ids: Sequence[int], known_regions: Collection[str] = ()
) -> tuple[int, int]:
    """Delete every slug reservation and the mapping of these organizations of ``region_name``
    (the organizations an undone import created); return (reservations, mappings) deleted.

    Idempotent: what is gone already is not counted again.
    """
    if known_regions and region_name not in known_regions:
        raise UnknownRegionError(region_name, sorted(known_regions))
    reservations = mappings = 0
    with transaction.atomic():
        for chunk in _chunks(sorted(set(organization_ids))):
            scoped = {"region_name": region_name, "organization_id__in": chunk}
            reservations += OrganizationSlugReservation.objects.filter(**scoped).delete()[0]
            mappings += OrganizationMapping.objects.filter(**scoped).delete()[0]
    return reservations, mappings


def check_global_clear(region_name: str, known_regions: Collection[str] = ()) -> None:
    """Refuse to clear control for a Global import into ``region_name`` while other regions
    hold organizations (their members, tokens and slugs refer to control's rows).

    Runs inside the clear's transaction: on PostgreSQL it first locks the mapping and
    reservation tables against writers, so no region can gain an organization between this
    check and the clear's commit (SQLite transactions here are already exclusive). An empty
    ``region_name`` counts every region with organizations as another region.
    """
    if region_name and known_regions and region_name not in known_regions:
        raise UnknownRegionError(region_name, sorted(known_regions))
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"LOCK TABLE {OrganizationMapping._meta.db_table}, "
                f"{OrganizationSlugReservation._meta.db_table} IN SHARE ROW EXCLUSIVE MODE"
            )
    occupied = organizations_by_region(exclude=region_name)
    if occupied:
        raise SharedControlClearError(region_name or "(unnamed)", occupied)


def organizations_by_region(exclude: str = "") -> dict[str, int]:
    """How many organizations each region holds, as control's mappings and slug reservations
    record them (the larger of the two counts), leaving out region ``exclude``."""
    counts: dict[str, int] = {}
    for model in (OrganizationMapping, OrganizationSlugReservation):
        rows = (
            model.objects.exclude(region_name=exclude)
            .values("region_name")
            .annotate(n=Count("organization_id", distinct=True))
            .values_list("region_name", "n")
        )
        for name, n in rows:
            counts[name] = max(counts.get(name, 0), n)
    return dict(sorted(counts.items()))


def _reserve(region_name: str, organizations: Sequence[OrganizationSlug]) -> dict[int, str]:
    """One attempt: reuse primary reservations, pick free slugs for the rest, write them all."""
    unique: dict[int, OrganizationSlug] = {}
    for org in organizations:
        unique.setdefault(org.organization_id, org)
    with transaction.atomic():
        reserved = _primary_reservations(region_name, unique)
        wanted = [org for org_id, org in unique.items() if org_id not in reserved]
        chosen = _free_slugs(wanted)
        if chosen:
            _write(region_name, [unique[org_id] for org_id in chosen], chosen)
    reserved.update(chosen)
    return {org_id: reserved[org_id] for org_id in unique}


def _primary_reservations(region_name: str, org_ids: Iterable[int]) -> dict[int, str]:
    """The slugs these organizations of the region already hold as primary reservations."""
    found: dict[int, str] = {}
    for chunk in _chunks(sorted(org_ids)):
        found.update(
            OrganizationSlugReservation.objects.filter(
                region_name=region_name, organization_id__in=chunk, reservation_type=PRIMARY
            ).values_list("organization_id", "slug")
        )
    return found


def _free_slugs(organizations: Sequence[OrganizationSlug]) -> dict[int, str]:
    """A free slug per organization: its own (truncated) when nobody holds it, else suffixed.

    Earlier organizations of the call win a shared slug. Every round of suffix candidates is
    checked against the reservations in one query.
    """
    bases = {org.organization_id: org.slug[:SLUG_MAX_LENGTH] for org in organizations}
    taken = _taken_slugs(set(bases.values()))
    chosen: dict[int, str] = {}
    clashing: list[int] = []
    for org_id, slug in bases.items():
        if slug in taken:
            clashing.append(org_id)
        else:
            taken.add(slug)
            chosen[org_id] = slug
    for length in candidate_lengths():
        if not clashing:
            break
        proposals = {org_id: propose(bases[org_id], length, SLUG_MAX_LENGTH) for org_id in clashing}
        taken |= _taken_slugs(set(proposals.values()) - taken)
        clashing = []
        for org_id, candidate in proposals.items():
            if candidate in taken:
                clashing.append(org_id)
            else:
                taken.add(candidate)
                chosen[org_id] = candidate
    if clashing:
        raise RuntimeError(f"could not find a free slug for organizations {sorted(clashing)}")
    return chosen


def _taken_slugs(slugs: set[str]) -> set[str]:
    """Which of ``slugs`` are reserved, by any organization in any region."""
    taken: set[str] = set()
    for chunk in _chunks(sorted(slugs)):
        taken.update(
            OrganizationSlugReservation.objects.filter(slug__in=chunk).values_list(
                "slug", flat=True
            )
        )
    return taken


def _write(
    region_name: str, organizations: Sequence[OrganizationSlug], slugs: dict[int, str]
) -> None:
    """Insert the primary reservations and create or update the mappings, one statement each."""
    OrganizationSlugReservation.objects.bulk_create(
        OrganizationSlugReservation(
            slug=slugs[org.organization_id],
            organization_id=org.organization_id,
            region_name=region_name,
            reservation_type=PRIMARY,
        )
        for org in organizations
    )
    OrganizationMapping.objects.bulk_create(
        (
            OrganizationMapping(
                region_name=region_name,
                organization_id=org.organization_id,
                slug=slugs[org.organization_id],
                name=org.name[:NAME_MAX_LENGTH],
            )
            for org in organizations
        ),
        update_conflicts=True,
        unique_fields=("region_name", "organization_id"),
        update_fields=("slug", "name"),
    )


def _chunks(values: Sequence[_T]) -> Iterable[Sequence[_T]]:
    """``values`` in slices of at most LOOKUP_CHUNK."""
    for start in range(0, len(values), LOOKUP_CHUNK):
        yield values[start : start + LOOKUP_CHUNK]


def do_check_organization_slug_reservations(region_name: str, slugs: dict[int, str]) -> list[int]:
    """The organizations of ``slugs`` whose slug control has not reserved for them in
    ``region_name`` (ascending): what a region must not apply."""
    reserved = set(
        OrganizationSlugReservation.objects.filter(
            region_name=region_name, organization_id__in=list(slugs)
        ).values_list("organization_id", "slug")
    )
    return sorted(org for org, slug in slugs.items() if (org, slug) not in reserved)
