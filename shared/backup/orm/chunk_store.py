"""Reading and writing import chunk rows (RegionImportChunk, ControlImportChunk, replicas)."""

from __future__ import annotations

from typing import Any

from django.db import models

from shared.backup.chunks import ImportChunk
from shared.backup.findings import Finding, FindingKind
from shared.backup.model_names import ModelName
from shared.backup.pk_map import ImportKind, PkMapping

_MAP_FIELD = {
    ImportKind.INSERTED: "inserted_map",
    ImportKind.EXISTING: "existing_map",
    ImportKind.OVERWRITE: "overwrite_map",
}


def find_chunk(
    chunk_model: type[models.Model], import_uuid: str, model: str, min_ordinal: int
) -> ImportChunk | None:
    """The stored chunk of one batch, if it was written."""
    row = (
        chunk_model._base_manager.filter(
            import_uuid=import_uuid, model=model, min_ordinal=min_ordinal
        )
        .values()
        .first()
    )
    return chunk_from_row(row) if row is not None else None


def chunk_ending_at(
    chunk_model: type[models.Model], import_uuid: str, model: str, max_ordinal: int
) -> bool:
    """Whether the batch of the model ending at ``max_ordinal`` was written."""
    return bool(
        chunk_model._base_manager.filter(
            import_uuid=import_uuid, model=model, max_ordinal=max_ordinal
        ).exists()
    )


def chunk_exists(chunk_model: type[models.Model], import_uuid: str) -> bool:
    """Whether any batch of this import was written."""
    return bool(chunk_model._base_manager.filter(import_uuid=import_uuid).exists())


def save_chunk(chunk_model: type[models.Model], chunk: ImportChunk, **undo: Any) -> None:
    """Insert the chunk row (the caller's transaction makes it atomic with the batch), with what
    undoing it needs (``undo_rows.undo_columns``)."""
    chunk_model._base_manager.create(**chunk_to_row(chunk), **undo)


def save_chunk_if_absent(chunk_model: type[models.Model], chunk: ImportChunk) -> bool:
    """Insert the chunk row unless one with the same key exists; True when inserted."""
    _, created = chunk_model._base_manager.get_or_create(
        import_uuid=chunk.import_uuid,
        model=chunk.model,
        min_ordinal=chunk.min_ordinal,
        defaults={
            k: v
            for k, v in chunk_to_row(chunk).items()
            if k not in ("import_uuid", "model", "min_ordinal")
        },
    )
    return bool(created)


def chunk_to_row(chunk: ImportChunk) -> dict[str, Any]:
    """The column values of a chunk row."""
    maps: dict[str, dict[str, int]] = {name: {} for name in _MAP_FIELD.values()}
    identifiers: dict[str, str] = {}
    for old, entry in chunk.mapped.items():
        maps[_MAP_FIELD[entry.kind]][str(old)] = entry.new_pk
        if entry.slug is not None:
            identifiers[str(old)] = entry.slug
    return {
        "import_uuid": chunk.import_uuid,
        "model": str(chunk.model),
        "min_ordinal": chunk.min_ordinal,
        "max_ordinal": chunk.max_ordinal,
        "min_source_pk": chunk.min_source_pk,
        "max_source_pk": chunk.max_source_pk,
        "min_inserted_pk": chunk.min_inserted_pk,
        "max_inserted_pk": chunk.max_inserted_pk,
        "inserted_identifiers": identifiers,
        "findings": [f.to_json() for f in chunk.findings],
        **maps,
    }


def chunk_from_row(row: dict[str, Any]) -> ImportChunk:
    """Rebuild a chunk from its row (``values()`` form)."""
    identifiers: dict[str, str] = row.get("inserted_identifiers") or {}
    mapped: dict[int, PkMapping] = {}
    for kind, column in _MAP_FIELD.items():
        for old, new in (row.get(column) or {}).items():
            mapped[int(old)] = PkMapping(int(new), kind, identifiers.get(old))
    return ImportChunk(
        import_uuid=row["import_uuid"],
        model=ModelName(row["model"]),
        min_ordinal=row["min_ordinal"],
        max_ordinal=row["max_ordinal"],
        min_source_pk=row["min_source_pk"],
        max_source_pk=row["max_source_pk"],
        min_inserted_pk=row["min_inserted_pk"],
        max_inserted_pk=row["max_inserted_pk"],
        mapped=dict(sorted(mapped.items())),
        findings=tuple(_finding(f) for f in row.get("findings") or []),
    )


def _finding(data: dict[str, Any]) -> Finding:
    model, ordinal = data["on"]
    return Finding(
        kind=FindingKind(data["kind"]),
        model=model,
        ordinal=ordinal,
        reason=data.get("reason", ""),
        left_pk=data.get("left_pk"),
        right_pk=data.get("right_pk"),
        field=data.get("field"),
        finding=data.get("finding", "ImportFinding"),
    )
