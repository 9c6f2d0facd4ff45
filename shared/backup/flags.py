"""ImportFlags: the switches of one import run."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ImportFlags:
    """How an import resolves collisions, and which run its batches belong to."""

    import_uuid: str
    """Identifies every batch of one run; a replayed batch is recognised by it."""
    merge_users: bool = False
    """Reuse an existing user with the same username instead of creating a suffixed one."""
    overwrite_configs: bool = False
    """Overwrite colliding configuration rows instead of keeping the existing ones."""
    dry_run: bool = False
    """Decide and report everything, write nothing."""
    hide_organizations: bool = False
    """Imported organizations stay hidden, pending approval (a relocation's imports)."""
