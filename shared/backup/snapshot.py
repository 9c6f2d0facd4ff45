"""The committed snapshot of every model's descriptor (``shared/backup/models.json``).

Why: offline tools such as ``relocate backup compare`` need each model's foreign keys without
running (or reaching) the silos. ``python -m shared.silo.model_snapshot`` writes the file from both
silos' registries, and its ``--check`` mode fails CI when the models changed but the file did not.
This module holds the one JSON encoding of a descriptor, used by the writer and by the reader.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from shared.backup.dependencies import DependencyGraph
from shared.backup.descriptors import ForeignKey, ModelDescriptor, Silo, UniqueSet
from shared.backup.model_names import ModelName
from shared.backup.scopes import RelocationScope

SNAPSHOT_PATH = Path(__file__).resolve().parent / "models.json"
GENERATED_BY = "python -m shared.silo.model_snapshot (generated; do not edit)"


def descriptor_to_json(descriptor: ModelDescriptor) -> dict[str, Any]:
    """The snapshot form of one descriptor: plain JSON values, scopes by name, order kept."""
    return {
        "name": str(descriptor.name),
        "silo": descriptor.silo.value,
        "scopes": sorted(scope.name for scope in descriptor.scopes),
        "foreign_keys": [
            {
                "field": fk.field,
                "target": str(fk.target),
                "nullable": fk.nullable,
                "null_when_missing": fk.null_when_missing,
            }
            for fk in descriptor.foreign_keys
        ],
        "unique_sets": [list(unique.fields) for unique in descriptor.unique_sets],
        "relocation_dependencies": [str(dep) for dep in descriptor.relocation_dependencies],
        "fields": list(descriptor.fields),
    }


def descriptor_from_json(data: Mapping[str, Any]) -> ModelDescriptor:
    """Decode one snapshot entry; raise ValueError (or KeyError) on a malformed one."""
    return ModelDescriptor(
        name=ModelName(data["name"]),
        silo=Silo(data["silo"]),
        scopes=frozenset(RelocationScope[name] for name in data["scopes"]),
        foreign_keys=tuple(
            ForeignKey(
                field=fk["field"],
                target=ModelName(fk["target"]),
                nullable=bool(fk["nullable"]),
                null_when_missing=bool(fk["null_when_missing"]),
            )
            for fk in data["foreign_keys"]
        ),
        unique_sets=tuple(UniqueSet(tuple(fields)) for fields in data["unique_sets"]),
        relocation_dependencies=tuple(ModelName(d) for d in data["relocation_dependencies"]),
        fields=tuple(data["fields"]),
    )


def snapshot_to_json(descriptors: Iterable[ModelDescriptor]) -> dict[str, Any]:
    """The whole snapshot document, models sorted by name."""
    ordered = sorted(descriptors, key=lambda d: d.name)
    return {
        "generated_by": GENERATED_BY,
        "models": [descriptor_to_json(d) for d in ordered],
    }


def render_snapshot(document: Mapping[str, Any]) -> str:
    """The snapshot file's exact text: sorted keys, indent 2, trailing newline (stable diffs)."""
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


def read_snapshot(path: Path | None = None) -> list[ModelDescriptor]:
    """Every descriptor recorded in the snapshot file."""
    document = json.loads((path or SNAPSHOT_PATH).read_text(encoding="utf-8"))
    return [descriptor_from_json(entry) for entry in document["models"]]


def load_snapshot(path: Path | None = None) -> DependencyGraph:
    """The dependency graph of every model, as the committed snapshot records it."""
    return DependencyGraph.from_descriptors(read_snapshot(path))
