"""PrimaryKeyMap: old (source) primary key -> new primary key, kind and slug, per model.

Stored column-wise per model (two int64 arrays and a byte per kind, sorted by old pk), about 17
bytes an entry instead of a dict of objects: an import of millions of records keeps its map small.
"""

from __future__ import annotations

import enum
from array import array
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from typing_extensions import override

from shared.backup.model_names import ModelName


class ImportKind(enum.StrEnum):
    """How an imported record was written; the values are Sentry's spelling."""

    # A new row was inserted.
    INSERTED = "Inserted"
    # An existing row with the same identity was reused; nothing was written.
    EXISTING = "Existing"
    # Imported values were written onto an existing row, keeping its primary key.
    OVERWRITE = "Overwrite"


_KINDS = tuple(ImportKind)
_KIND_CODE = {kind: code for code, kind in enumerate(_KINDS)}


@dataclass(frozen=True, slots=True)
class PkMapping:
    """Where one source record ended up."""

    new_pk: int
    kind: ImportKind
    slug: str | None = None


class ModelKeys(Mapping[int, PkMapping]):
    """One model's mappings, column-wise and sorted by old pk."""

    __slots__ = ("_kinds", "_new", "_old", "_slugs")

    def __init__(self) -> None:
        self._old = array("q")
        self._new = array("q")
        self._kinds = bytearray()
        self._slugs: dict[int, str] = {}

    def put(self, old_pk: int, entry: PkMapping) -> None:
        """Add or replace one mapping (appending is O(1) when old pks arrive in order)."""
        at = len(self._old)
        if at and old_pk <= self._old[-1]:
            at = bisect_left(self._old, old_pk)
            if at < len(self._old) and self._old[at] == old_pk:
                self._new[at] = entry.new_pk
                self._kinds[at] = _KIND_CODE[entry.kind]
                self._set_slug(old_pk, entry.slug)
                return
        self._old.insert(at, old_pk)
        self._new.insert(at, entry.new_pk)
        self._kinds.insert(at, _KIND_CODE[entry.kind])
        self._set_slug(old_pk, entry.slug)

    @classmethod
    def from_columns(
        cls,
        old_pks: Iterable[int],
        new_pks: Iterable[int],
        kinds: Iterable[ImportKind],
        slugs: Mapping[int, str],
    ) -> ModelKeys:
        """Build from parallel columns (any order; a repeated old pk keeps its last entry)."""
        keys = cls()
        keys._old.extend(old_pks)
        keys._new.extend(new_pks)
        keys._kinds.extend(_KIND_CODE[kind] for kind in kinds)
        if not len(keys._old) == len(keys._new) == len(keys._kinds):
            raise ValueError("ragged primary key columns")
        old = keys._old
        if any(old[i] >= old[i + 1] for i in range(len(old) - 1)):
            return cls._sorted(keys, slugs)
        keys._slugs = {pk: slug for pk, slug in slugs.items() if pk in keys}
        return keys

    @classmethod
    def _sorted(cls, unsorted: ModelKeys, slugs: Mapping[int, str]) -> ModelKeys:
        keys = cls()
        for i, old_pk in enumerate(unsorted._old):
            kind = _KINDS[unsorted._kinds[i]]
            keys.put(old_pk, PkMapping(unsorted._new[i], kind, slugs.get(old_pk)))
        return keys

    def columns(self) -> tuple[array[int], array[int], list[ImportKind], dict[int, str]]:
        """Old pks (ascending), new pks, kinds and the slugs that are set: one column each."""
        return self._old, self._new, [_KINDS[code] for code in self._kinds], self._slugs

    def subset(self, old_pks: Iterable[int]) -> ModelKeys:
        """A new ModelKeys with only the given old pks that are mapped (no per-entry objects)."""
        out = ModelKeys()
        old, size = self._old, len(self._old)
        for pk in sorted(set(old_pks)):
            at = bisect_left(old, pk)
            if at < size and old[at] == pk:
                out._old.append(pk)
                out._new.append(self._new[at])
                out._kinds.append(self._kinds[at])
                slug = self._slugs.get(pk)
                if slug is not None:
                    out._slugs[pk] = slug
        return out

    def _set_slug(self, old_pk: int, slug: str | None) -> None:
        if slug is None:
            self._slugs.pop(old_pk, None)
        else:
            self._slugs[old_pk] = slug

    @override
    def __getitem__(self, old_pk: int) -> PkMapping:
        at = bisect_left(self._old, old_pk)
        if at == len(self._old) or self._old[at] != old_pk:
            raise KeyError(old_pk)
        return PkMapping(self._new[at], _KINDS[self._kinds[at]], self._slugs.get(old_pk))

    @override
    def __iter__(self) -> Iterator[int]:
        return iter(self._old)

    @override
    def __len__(self) -> int:
        return len(self._old)


class PrimaryKeyMap:
    """Mappings per model. Mutable: the importer extends it batch by batch."""

    __slots__ = ("_models",)

    def __init__(self, mapping: Mapping[ModelName, Mapping[int, PkMapping]] | None = None) -> None:
        self._models: dict[ModelName, ModelKeys] = {}
        for model, entries in (mapping or {}).items():
            self.extend(model, entries)

    @property
    def mapping(self) -> dict[ModelName, dict[int, PkMapping]]:
        """Every mapping as plain dicts (for small maps: encoding, comparing)."""
        return {model: dict(keys) for model, keys in self._models.items()}

    def insert(self, model: ModelName, old_pk: int, entry: PkMapping) -> None:
        """Record (or replace) the mapping of one record."""
        self._models.setdefault(model, ModelKeys()).put(old_pk, entry)

    def extend(self, model: ModelName, entries: Mapping[int, PkMapping]) -> None:
        """Record many mappings of one model, replacing existing ones."""
        keys = self._models.setdefault(model, ModelKeys())
        for old_pk in sorted(entries):
            keys.put(old_pk, entries[old_pk])

    def get(self, model: ModelName, old_pk: int) -> PkMapping | None:
        """The mapping of one record, if it was imported."""
        keys = self._models.get(model)
        return keys.get(old_pk) if keys is not None else None

    def get_pk(self, model: ModelName, old_pk: int) -> int | None:
        """The new primary key of one record, if it was imported."""
        entry = self.get(model, old_pk)
        return entry.new_pk if entry is not None else None

    def of_model(self, model: ModelName) -> Mapping[int, PkMapping]:
        """Every mapping of one model."""
        return self._models.get(model) or {}

    def subset(self, wanted: Mapping[ModelName, Iterable[int]]) -> PrimaryKeyMap:
        """A new map holding only the given old pks (those that are mapped) of the given models."""
        out = PrimaryKeyMap()
        for model, pks in wanted.items():
            keys = self._models.get(model)
            if keys:
                picked = keys.subset(pks)
                if picked:
                    out._models[model] = picked
        return out

    def keys_of(self, model: ModelName) -> ModelKeys | None:
        """One model's column-wise mappings (for encoders), if it has any."""
        return self._models.get(model)

    def set_keys(self, model: ModelName, keys: ModelKeys) -> None:
        """Replace one model's mappings wholesale (for decoders)."""
        self._models[model] = keys

    def models(self) -> list[ModelName]:
        """The models that have mappings."""
        return list(self._models)

    def __iter__(self) -> Iterator[tuple[ModelName, int, PkMapping]]:
        for model, keys in self._models.items():
            for old_pk, entry in keys.items():
                yield model, old_pk, entry

    def __len__(self) -> int:
        return sum(len(keys) for keys in self._models.values())

    @override
    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PrimaryKeyMap):
            return NotImplemented
        return _nonempty(self.mapping) == _nonempty(other.mapping)

    __hash__ = None  # type: ignore[assignment]


def _nonempty(
    mapping: dict[ModelName, dict[int, PkMapping]],
) -> dict[ModelName, dict[int, PkMapping]]:
    return {model: entries for model, entries in mapping.items() if entries}
