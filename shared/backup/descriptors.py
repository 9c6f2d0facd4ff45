"""What the engine knows about a model: frozen descriptors, free of any framework."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from shared.backup.model_names import ModelName
from shared.backup.scopes import RelocationScope


class Silo(enum.StrEnum):
    """The process (and database) that owns a model."""

    # Users, emails, auth, tokens, org mappings, slug reservations.
    CONTROL = "control"
    # Organizations, members, teams, projects, keys, options.
    REGION = "region"


class FieldKind(enum.StrEnum):
    """The JSON shape a field's value takes in an export record."""

    # A JSON string.
    STRING = "string"
    # A JSON integer (bit flags may come as its decimal string).
    INTEGER = "integer"
    # A JSON boolean.
    BOOLEAN = "boolean"
    # An ISO-8601 datetime string.
    DATETIME = "datetime"
    # Any JSON value.
    JSON = "json"
    # A JSON number.
    FLOAT = "float"
    # The integer primary key of another record.
    REFERENCE = "reference"
    # An IPv4 or IPv6 address string.
    IP_ADDRESS = "ip_address"


@dataclass(frozen=True, slots=True)
class FieldSchema:
    """What a record's value for one field must look like."""

    name: str
    kind: FieldKind
    nullable: bool = False
    required: bool = False
    """The record must carry the field: it has no default and may not be null or blank."""
    max_length: int | None = None


# Models Sentry's graph references but never relocates: a reference to one cannot resolve (the
# pk map never holds them), so a record whose non-null reference names one is skipped with a
# finding and a nullable one is written as null. They are no dependency and no pre-flight target.
UNRELOCATED_TARGETS: frozenset[ModelName] = frozenset(
    {ModelName("sentry.group"), ModelName("sentry.alertruleactivations")}
)


@dataclass(frozen=True, slots=True)
class ForeignKey:
    """One reference from a record field to another model's primary key."""

    field: str
    """The field name as export records carry it (``user`` or ``user_id``)."""
    target: ModelName
    """The referenced model."""
    nullable: bool = False
    """Whether the field may be null."""
    null_when_missing: bool = False
    """Null the field (instead of skipping the record) when the referenced one is not imported."""


@dataclass(frozen=True, slots=True)
class UniqueSet:
    """Fields whose values are unique together."""

    fields: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ModelDescriptor:
    """Everything the importer and exporter need to know about one model."""

    name: ModelName
    silo: Silo
    scopes: frozenset[RelocationScope]
    foreign_keys: tuple[ForeignKey, ...] = ()
    unique_sets: tuple[UniqueSet, ...] = ()
    relocation_dependencies: tuple[ModelName, ...] = ()
    """Ordering dependencies that are not foreign keys (``sentry.email`` after ``sentry.user``)."""
    fields: tuple[str, ...] = field(default=())
    """Every field name a record of this model may carry."""
    field_schemas: tuple[FieldSchema, ...] = field(default=())
    """The shape of each field, for validating records before anything is written."""

    @property
    def dependencies(self) -> frozenset[ModelName]:
        """Models that must be imported before this one (self-references excluded)."""
        deps = {fk.target for fk in self.foreign_keys if fk.target not in UNRELOCATED_TARGETS}
        deps |= set(self.relocation_dependencies)
        deps.discard(self.name)
        return frozenset(deps)

    def foreign_key(self, field_name: str) -> ForeignKey | None:
        """The foreign key on ``field_name``, if that field is one."""
        for fk in self.foreign_keys:
            if fk.field == field_name:
                return fk
        return None
