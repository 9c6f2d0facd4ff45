"""How a model declares its relocation behaviour: scope(s), collision policies, extra dependencies.

A Django model opts into relocation with one class attribute, ``relocation = Relocation(...)``;
everything else (fields, foreign keys, unique sets, silo) is read from the model itself by
``shared.backup.orm``. Adding a model is therefore a declaration, not new plumbing.

Rules that are not declarative live in optional classmethods on the model, each called by the
batch writer with the record's values (field name -> Python value, references already remapped)
and a ``RecordContext``:

- ``relocation_instance_scope(values) -> RelocationScope``: the scope of one instance, for models
  declaring several scopes (an ApiToken bound to an application is Global, else Config).
- ``relocation_normalize(values, ctx) -> None``: rewrite values before collisions are resolved
  (strip privileges, mark users unclaimed, reset email verification, ...).
- ``relocation_regenerate(values, ctx) -> None``: give the record fresh secrets after a
  REGENERATE collision (all related fields at once: a token and its hash).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field

from shared.backup.flags import ImportFlags
from shared.backup.pk_map import PkMapping
from shared.backup.scopes import OperationScope, RelocationScope


class Collision(enum.StrEnum):
    """What to do when an imported record's unique set matches an existing row."""

    # Let the database refuse it (a typed integrity error).
    ERROR = "error"
    # Append "-" and a random suffix to the (single) field until it is free.
    SUFFIX = "suffix"
    # Map the record onto the existing row (ImportKind.EXISTING); write nothing.
    REUSE = "reuse"
    # Give the record fresh secrets (the model's relocation_regenerate, else a new 32-hex value).
    REGENERATE = "regenerate"
    # Null the set's fields (and ``also_clear``), then insert.
    CLEAR = "clear"
    # Keep the existing row (EXISTING), or overwrite it with --overwrite-configs (OVERWRITE).
    KEEP_OR_OVERWRITE = "keep_or_overwrite"
    # Like SUFFIX, but REUSE when the import runs with --merge-users.
    SUFFIX_OR_MERGE = "suffix_or_merge"
    # Write the imported values onto the existing row, keeping its pk (OVERWRITE): an upsert.
    OVERWRITE = "overwrite"


@dataclass(frozen=True, slots=True)
class OnCollision:
    """The collision policy of one unique set."""

    fields: tuple[str, ...]
    action: Collision
    also_clear: tuple[str, ...] = ()
    """With CLEAR: more fields to null together with the set (``token_expires_at``)."""
    case_insensitive: bool = False
    """Compare values case-insensitively (usernames, slugs, email addresses)."""
    when_null: tuple[str, ...] = ()
    """The policy applies only to records whose these fields are null, and matches only rows
    where they are null too: a user's global option (no organization, no project) is unique per
    key although the database, where nulls never collide, cannot say so."""


@dataclass(frozen=True, slots=True)
class Relocation:
    """A model's relocation declaration."""

    name: str
    """The wire name, for example ``sentry.user``."""
    scopes: frozenset[RelocationScope]
    """The model's relocation scope(s)."""
    collisions: tuple[OnCollision, ...] = ()
    """Collision policies; unique sets not listed are ERROR."""
    dependencies: tuple[str, ...] = ()
    """Extra ordering dependencies that are not foreign keys."""
    slug_field: str | None = None
    """The field recorded as the slug in the primary key map (organizations)."""
    skip_when_owner_merged: tuple[str, ...] = ()
    """Reference fields whose target, when merged into an existing row (--merge-users), makes
    this record redundant: it is skipped with an OWNER_MERGED finding (a merged user's emails)."""
    keep_pk_in_global: bool = False
    """In Global scope insert with the source pk (projects, so DSNs keep working)."""


@dataclass(frozen=True, slots=True)
class RecordContext:
    """What a model hook may know about the run and the record's references."""

    scope: OperationScope
    flags: ImportFlags
    references: Mapping[str, PkMapping] = field(default_factory=dict)
    """Reference field -> where the referenced record went (its new pk, kind and slug)."""
    model: str = ""
    """The record's model, for errors a hook raises (InstanceInvalidError)."""
    ordinal: int = 0
    """The record's ordinal within its model."""
    old_pk: int | None = None
    """The record's source pk."""
