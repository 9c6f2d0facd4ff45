"""What a resumed import must share with the run it continues: file, scope and options.

``relocate import <scope> FILE --resume UUID`` reads the region's record of UUID and refuses to
run unless it is an unfinished import of the same scope and file (by SHA-256); the options that
decide what gets written (batch size, filters, collision switches) are taken from the record, and
any given again on the command line must agree.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import click
from click.core import ParameterSource

from region.cli.output import parse_slugs, parse_usernames
from shared.backup.errors import ResumeRefusedError
from shared.backup.flags import ImportFlags
from shared.backup.relocation_records import RelocationRecord, RelocationStatus
from shared.backup.scopes import OperationScope

__all__ = ["ImportOptions", "ResumeRefusedError", "resume_options"]


def source_sha256(path: Path) -> str:
    """The SHA-256 of a file's bytes as given (an encrypted file is hashed encrypted), in hex."""
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


@dataclass(frozen=True, slots=True)
class ImportOptions:
    """The options that decide what an import writes; a resumed import must run with the same."""

    batch_size: int
    """Records per batch: batch boundaries key the chunk ledger, so they must not move."""
    strict: bool = False
    """Unknown models and fields are errors."""
    merge_users: bool = False
    """Reuse existing users by username."""
    overwrite_configs: bool = False
    """Overwrite colliding configuration rows."""
    hide_organizations: bool = False
    """Imported organizations wait for approval."""
    filter_usernames: tuple[str, ...] | None = None
    """The username allow-list, if any."""
    filter_org_slugs: tuple[str, ...] | None = None
    """The organization slug allow-list, if any."""

    @classmethod
    def from_cli(cls, *, batch_size: int, strict: bool, opts: Mapping[str, Any]) -> ImportOptions:
        """Read the command's options (a usernames file is read once and rewound)."""
        file: IO[str] | None = opts.get("filter_usernames_file")
        usernames = parse_usernames(opts.get("filter_usernames"), file)
        if file is not None and file.seekable():
            file.seek(0)
        slugs = parse_slugs(opts.get("filter_org_slugs"))
        return cls(
            batch_size=batch_size,
            strict=strict,
            merge_users=bool(opts.get("merge_users")),
            overwrite_configs=bool(opts.get("overwrite_configs")),
            hide_organizations=bool(opts.get("hide_organizations")),
            filter_usernames=tuple(usernames) if usernames else None,
            filter_org_slugs=tuple(slugs) if slugs else None,
        )

    def as_json(self) -> dict[str, object]:
        """The options as a JSON object (the record's flags)."""
        data: dict[str, object] = dataclasses.asdict(self)
        for key in ("filter_usernames", "filter_org_slugs"):
            value = data[key]
            data[key] = list(value) if isinstance(value, tuple) else None
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, object], default_batch_size: int) -> ImportOptions:
        """Read ``as_json()`` output back; missing keys take their defaults."""

        def names(key: str) -> tuple[str, ...] | None:
            value = data.get(key)
            return tuple(str(v) for v in value) if isinstance(value, list) and value else None

        batch = data.get("batch_size")
        return cls(
            batch_size=batch if isinstance(batch, int) and batch > 0 else default_batch_size,
            strict=data.get("strict") is True,
            merge_users=data.get("merge_users") is True,
            overwrite_configs=data.get("overwrite_configs") is True,
            hide_organizations=data.get("hide_organizations") is True,
            filter_usernames=names("filter_usernames"),
            filter_org_slugs=names("filter_org_slugs"),
        )

    def filter_opts(self) -> dict[str, object]:
        """The filter options in the shape the import command reads them."""
        return {
            "filter_usernames": ",".join(self.filter_usernames or ()) or None,
            "filter_usernames_file": None,
            "filter_org_slugs": ",".join(self.filter_org_slugs or ()) or None,
        }

    def flags(self, import_uuid: str, *, dry_run: bool) -> ImportFlags:
        """The engine's flags of a run with these options."""
        return ImportFlags(
            import_uuid=import_uuid,
            merge_users=self.merge_users,
            overwrite_configs=self.overwrite_configs,
            dry_run=dry_run,
            hide_organizations=self.hide_organizations,
        )


# Command-line parameters behind each option, to tell which ones the operator typed.
_PARAMETERS = {
    "batch_size": ("batch_size",),
    "strict": ("strict",),
    "merge_users": ("merge_users",),
    "overwrite_configs": ("overwrite_configs",),
    "hide_organizations": ("hide_organizations",),
    "filter_usernames": ("filter_usernames", "filter_usernames_file"),
    "filter_org_slugs": ("filter_org_slugs",),
}


def explicit_options() -> frozenset[str]:
    """The ImportOptions fields the operator set on the command line or in the environment."""
    ctx = click.get_current_context(silent=True)
    if ctx is None:
        return frozenset()
    given = {ParameterSource.COMMANDLINE, ParameterSource.ENVIRONMENT}
    return frozenset(
        option
        for option, params in _PARAMETERS.items()
        if any(ctx.get_parameter_source(p) in given for p in params)
    )


def resume_options(
    record: RelocationRecord | None,
    *,
    uuid: str,
    scope: OperationScope,
    sha256: str,
    requested: ImportOptions,
    explicit: frozenset[str],
) -> ImportOptions:
    """The options to resume ``uuid`` with (the recorded ones), or ResumeRefusedError.

    Refused when the region has no such record, when it succeeded already or was abandoned,
    when its scope or its file's SHA-256 differ, or when an option given on the command line
    differs from the recorded run's (options not given are taken from the record).
    """
    if record is None:
        raise ResumeRefusedError(uuid, "no relocation with this uuid is recorded in this region")
    if record.status is RelocationStatus.SUCCESS:
        raise ResumeRefusedError(uuid, "it finished successfully already; nothing to resume")
    if record.status is RelocationStatus.ABANDONED:
        raise ResumeRefusedError(
            uuid, f"it was abandoned ({record.failure_reason}); start a new import instead"
        )
    if record.scope is not scope:
        raise ResumeRefusedError(
            uuid, f"it is a {record.scope.value} import, not a {scope.value} import"
        )
    if record.source_sha256 != sha256:
        raise ResumeRefusedError(
            uuid,
            f"the file differs from the one it imported (sha256 {sha256[:16]}..., "
            f"recorded {record.source_sha256[:16]}...)",
        )
    recorded = ImportOptions.from_json(record.flags, requested.batch_size)
    differing = sorted(
        name for name in explicit if getattr(requested, name) != getattr(recorded, name)
    )
    if differing:
        spelled = ", ".join("--" + name.replace("_", "-") for name in differing)
        raise ResumeRefusedError(
            uuid, f"{spelled} differ(s) from the recorded run's; leave them out to reuse them"
        )
    return recorded
