"""Relocation scopes: per-model RelocationScope and per-run OperationScope with admission sets."""

from __future__ import annotations

import enum


class RelocationScope(enum.IntEnum):
    """The scope a model (or one instance of it) belongs to."""

    # Never relocated: bookkeeping such as import chunks and slug reservations.
    EXCLUDED = 1
    # Users and the rows they own directly.
    USER = 2
    # Organizations and everything that hangs off them.
    ORGANIZATION = 3
    # Instance configuration and administration.
    CONFIG = 4
    # Instance-bound data only meaningful for a full backup and restore.
    GLOBAL = 5


class OperationScope(enum.Enum):
    """The scope of an import or export run; its value is Sentry's spelling."""

    # Users only.
    USER = "User"
    # Users and organizations.
    ORGANIZATION = "Organization"
    # Users and instance configuration.
    CONFIG = "Config"
    # Everything relocatable.
    GLOBAL = "Global"

    @property
    def admits(self) -> frozenset[RelocationScope]:
        """The relocation scopes this operation scope lets through."""
        return _ADMITS[self]

    def admits_any(self, scopes: frozenset[RelocationScope]) -> bool:
        """Whether a model with these possible scopes takes part in this operation."""
        return bool(self.admits & scopes)


_ADMITS: dict[OperationScope, frozenset[RelocationScope]] = {
    OperationScope.USER: frozenset({RelocationScope.USER}),
    OperationScope.ORGANIZATION: frozenset({RelocationScope.USER, RelocationScope.ORGANIZATION}),
    OperationScope.CONFIG: frozenset({RelocationScope.USER, RelocationScope.CONFIG}),
    OperationScope.GLOBAL: frozenset(
        {
            RelocationScope.USER,
            RelocationScope.ORGANIZATION,
            RelocationScope.CONFIG,
            RelocationScope.GLOBAL,
        }
    ),
}
