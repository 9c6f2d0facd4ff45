"""Region-side domain writes that follow an import's batches, and the imports' records."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from region.models import (
    ControlImportChunkReplica,
    Organization,
    RegionImportChunk,
    RelocationRecord,
)
from shared.backup.chunks import ImportChunk
from shared.backup.errors import (
    ImportUuidRequiredError,
    RelocationAbandonedError,
    WrongRegionClearError,
)
from shared.backup.orm.chunk_store import save_chunk_if_absent
from shared.backup.orm.undo_rows import refresh_digests
from shared.backup.relocation_records import (
    PostStep,
    PostStepName,
    RelocationProgress,
    RelocationStatus,
    RelocationStep,
)
from shared.backup.relocation_records import (
    RelocationRecord as RecordValue,
)
from shared.backup.scopes import OperationScope

RELOCATION_MODEL = "sentry.relocation"
ORGANIZATION = "sentry.organization"


def check_region_clear(own_name: str, requested: str) -> None:
    """Refuse to clear this region for a Global import aimed at another region's name."""
    if requested and requested != own_name:
        raise WrongRegionClearError(own_name, requested)


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
            # The import's own step: what undoing it checks for later edits includes the slug.
            refresh_digests(RegionImportChunk, Organization, ORGANIZATION, moving)
    return changed


def _value(row: RelocationRecord) -> RecordValue:
    return RecordValue(
        uuid=row.uuid,
        scope=OperationScope(row.scope),
        flags=dict(row.flags) if isinstance(row.flags, dict) else {},
        source_sha256=row.source_sha256,
        tool_version=row.tool_version,
        step=RelocationStep(row.step),
        status=RelocationStatus(row.status),
        progress=RelocationProgress.from_json(row.progress),
        failure_reason=row.failure_reason,
        created=row.date_added,
        updated=row.date_updated,
        finished=row.date_finished,
        post_steps=_post_steps(row.post_steps),
    )


def _post_steps(stored: object) -> tuple[PostStep, ...]:
    """The stored steps after the import, in the order they run (unknown ones left out)."""
    if not isinstance(stored, dict):
        return ()
    steps = []
    for name in PostStepName:
        data = stored.get(name.value)
        updated = data.get("updated") if isinstance(data, dict) else None
        step = PostStep.from_json(
            name.value, data, datetime.fromisoformat(updated) if isinstance(updated, str) else None
        )
        if step is not None:
            steps.append(step)
    return tuple(steps)


def do_start_relocation(
    *,
    uuid: str,
    scope: OperationScope,
    flags: dict[str, object],
    source_sha256: str,
    tool_version: str = "",
) -> RecordValue:
    """Create the record of an import, or mark an existing one in progress at preflight again.

    Idempotent: a repeated call leaves the same row. Identity checks of a resumed import (scope,
    file hash) are the caller's; this keeps the creation time and replaces the rest.
    """
    if not uuid:
        raise ImportUuidRequiredError(RELOCATION_MODEL)
    now = timezone.now()
    with transaction.atomic():
        row, _created = RelocationRecord.objects.select_for_update().get_or_create(
            uuid=uuid,
            defaults={"date_added": now},
        )
        if row.status == RelocationStatus.ABANDONED.value:
            raise RelocationAbandonedError(uuid, row.failure_reason or "abandoned")
        row.scope = scope.value
        row.flags = flags
        row.source_sha256 = source_sha256
        row.tool_version = tool_version
        row.step = RelocationStep.PREFLIGHT.value
        row.status = RelocationStatus.IN_PROGRESS.value
        row.failure_reason = ""
        row.date_updated = now
        row.date_finished = None
        row.save()
    return _value(row)


def do_update_relocation(
    uuid: str,
    *,
    step: RelocationStep | None = None,
    status: RelocationStatus | None = None,
    failure_reason: str | None = None,
    progress: RelocationProgress | None = None,
    post_step: PostStep | None = None,
) -> RecordValue | None:
    """Change the given fields of an import's record; None when there is no such record.

    A SUCCESS, FAILURE or ABANDONED status sets the finish time; IN_PROGRESS clears it. An
    abandoned record takes no further change but a new failure reason (nothing revives it).
    """
    now = timezone.now()
    with transaction.atomic():
        row = RelocationRecord.objects.select_for_update().filter(uuid=uuid).first()
        if row is None:
            return None
        # An abandoned import may still be undone, and the undo is recorded.
        undoing = post_step is not None and post_step.name is PostStepName.UNDO
        if row.status == RelocationStatus.ABANDONED.value and (
            step is not None
            or status not in (None, RelocationStatus.ABANDONED)
            or (post_step and not undoing)
        ):
            raise RelocationAbandonedError(uuid, row.failure_reason or "abandoned")
        if post_step is not None:
            row.post_steps = {
                **(row.post_steps if isinstance(row.post_steps, dict) else {}),
                post_step.name.value: {**post_step.as_json(), "updated": now.isoformat()},
            }
        if step is not None:
            row.step = step.value
        if status is not None:
            row.status = status.value
            finished = status is not RelocationStatus.IN_PROGRESS
            row.date_finished = now if finished else None
        if failure_reason is not None:
            row.failure_reason = failure_reason
        if progress is not None:
            row.progress = progress.as_json()
        row.date_updated = now
        row.save()
    return _value(row)


def get_relocation(uuid: str) -> RecordValue | None:
    """An import's record, or None."""
    row = RelocationRecord.objects.filter(uuid=uuid).first()
    return _value(row) if row is not None else None


# Records one ListRelocations call returns by default (limit 0) and at most.
DEFAULT_RELOCATIONS_PAGE = 100
MAX_RELOCATIONS_PAGE = 1000


def list_relocations(limit: int = 0) -> list[RecordValue]:
    """Import records, most recently created first: ``limit`` of them (0: the default page),
    never more than MAX_RELOCATIONS_PAGE, so one call's answer stays bounded."""
    wanted = min(limit if limit > 0 else DEFAULT_RELOCATIONS_PAGE, MAX_RELOCATIONS_PAGE)
    rows = RelocationRecord.objects.order_by("-date_added", "uuid")
    return [_value(row) for row in rows[:wanted]]
