"""PrimaryKeyMap: old (source) primary key -> new primary key, kind and slug, per model."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from shared.backup.model_names import ModelName


class ImportKind(enum.StrEnum):
    """How an imported record was written; the values are Sentry's spelling."""

    # A new row was inserted.
    INSERTED = "Inserted"
    # An existing row with the same identity was reused; nothing was written.
    EXISTING = "Existing"
    # Imported values were written onto an existing row, keeping its primary key.
    OVERWRITE = "Overwrite"


@dataclass(frozen=True, slots=True)
class PkMapping:
    """Where one source record ended up."""

    new_pk: int
    kind: ImportKind
    slug: str | None = None


@dataclass(slots=True)
class PrimaryKeyMap:
    """Mappings per model. Mutable: the importer extends it batch by batch."""

    mapping: dict[ModelName, dict[int, PkMapping]] = field(default_factory=dict)

    def insert(self, model: ModelName, old_pk: int, entry: PkMapping) -> None:
        """Record (or replace) the mapping of one record."""
        self.mapping.setdefault(model, {})[old_pk] = entry

    def extend(self, model: ModelName, entries: Mapping[int, PkMapping]) -> None:
        """Record many mappings of one model, replacing existing ones."""
        self.mapping.setdefault(model, {}).update(entries)

    def get(self, model: ModelName, old_pk: int) -> PkMapping | None:
        """The mapping of one record, if it was imported."""
        return self.mapping.get(model, {}).get(old_pk)

    def get_pk(self, model: ModelName, old_pk: int) -> int | None:
        """The new primary key of one record, if it was imported."""
        entry = self.get(model, old_pk)
        return entry.new_pk if entry is not None else None

    def of_model(self, model: ModelName) -> Mapping[int, PkMapping]:
        """Every mapping of one model."""
        return self.mapping.get(model, {})

    def subset(self, wanted: Mapping[ModelName, Iterable[int]]) -> PrimaryKeyMap:
        """A new map holding only the given old pks (those that are mapped) of the given models."""
        out = PrimaryKeyMap()
        for model, pks in wanted.items():
            mine = self.mapping.get(model)
            if not mine:
                continue
            picked = {pk: mine[pk] for pk in pks if pk in mine}
            if picked:
                out.mapping[model] = picked
        return out

    def __iter__(self) -> Iterator[tuple[ModelName, int, PkMapping]]:
        for model, entries in self.mapping.items():
            for old_pk, entry in entries.items():
                yield model, old_pk, entry

    def __len__(self) -> int:
        return sum(len(v) for v in self.mapping.values())
