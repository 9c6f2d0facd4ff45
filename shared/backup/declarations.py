"""How a model declares its relocation behaviour: scope(s), collision policies, extra dependencies.

A Django model opts into relocation with one class attribute, ``relocation = Relocation(...)``;
everything else (fields, foreign keys, unique sets, silo) is read from the model itself by
``shared.backup.orm``. Adding a model is therefore a declaration, not new plumbing.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from shared.backup.scopes import RelocationScope


class Collision(enum.StrEnum):
    """What to do when an imported record's unique set matches an existing row."""

    # Let the database refuse it (a typed integrity error).
    ERROR = "error"
    # Append "-" and a random suffix to the (single) field until it is free.
    SUFFIX = "suffix"
    # Map the record onto the existing row (ImportKind.EXISTING); write nothing.
    REUSE = "reuse"
    # Replace the (single) field with a freshly generated secret.
    REGENERATE = "regenerate"
    # Null the set's fields (and ``also_clear``), then insert.
    CLEAR = "clear"
    # Keep the existing row (EXISTING), or overwrite it with --overwrite-configs (OVERWRITE).
    KEEP_OR_OVERWRITE = "keep_or_overwrite"
    # Like SUFFIX, but REUSE when the import runs with --merge-users.
    SUFFIX_OR_MERGE = "suffix_or_merge"


@dataclass(frozen=True, slots=True)
class OnCollision:
    """The collision policy of one unique set."""

    fields: tuple[str, ...]
    action: Collision
    also_clear: tuple[str, ...] = ()
    """With CLEAR: more fields to null together with the set (``token_expires_at``)."""
    case_insensitive: bool = False
    """Compare values case-insensitively (usernames, slugs, email addresses)."""


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
