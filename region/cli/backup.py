"""``relocate backup …``: offline tools over export files (no silos needed)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from shared.backup.compare import InvalidExportError, check_export, compare_exports
from shared.backup.snapshot import load_snapshot


@click.group(name="backup")
def backup_group() -> None:
    """Work on export files without the silos."""


def _load_side(path: Path, side: str) -> list[dict[str, Any]]:
    """Read and shape-check one side; exit 1 with "Invalid <side> JSON: …" when it is not one."""
    try:
        return check_export(json.loads(path.read_bytes()), side)
    except (OSError, ValueError) as exc:
        reason = exc.reason if isinstance(exc, InvalidExportError) else str(exc)
        click.echo(f"Invalid {side} JSON: {reason}", err=True)
        raise SystemExit(1) from None


@backup_group.command(name="compare")
@click.argument("left", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("right", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--findings-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the findings to this file (a JSON array).",
)
def compare(left: Path, right: Path, findings_file: Path | None) -> None:
    """Compare two exports as a relocation is validated; exit 1 when they differ.

    Instances are matched by ordinal, references by the ordinal they point at, and fields that
    an import legitimately changes (suffixed slugs, update times, hashes) by their own rules.
    The models' foreign keys come from the committed snapshot (shared/backup/models.json).
    """
    records = {side: _load_side(path, side) for side, path in (("left", left), ("right", right))}
    findings = compare_exports(records["left"], records["right"], load_snapshot())
    if findings_file is not None:
        encoded = [finding.to_json() for finding in findings]
        findings_file.write_text(json.dumps(encoded, indent=2, sort_keys=True) + "\n")
    if not findings:
        click.echo("Done, found 0 differences!")
        return
    click.echo(f"Done, found {len(findings)} differences:\n")
    for finding in findings:
        click.echo(finding.pretty())
    raise SystemExit(1)
