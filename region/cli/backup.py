"""``relocate backup compare|encrypt|decrypt|sanitize``: offline tools over export files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO, Any

import click
import orjson

from region.cli.crypto_options import (
    ENCRYPT_OPTIONS,
    decrypt_options,
    decryptor_from,
    encryptor_from,
    open_plaintext,
)
from region.cli.private_files import write_private
from shared.backup.compare import InvalidExportError, check_export, compare_exports
from shared.backup.crypto import decrypt_export, encrypt_export
from shared.backup.errors import RelocationError
from shared.backup.sanitize import sanitize_export
from shared.backup.snapshot import load_snapshot

_LEFT = decrypt_options("left")
_RIGHT = decrypt_options("right")
_DECRYPT = decrypt_options()


@click.group(name="backup")
def backup_group() -> None:
    """Work on export files without the silos."""


def _fail(message: str) -> SystemExit:
    click.echo(message, err=True)
    return SystemExit(1)


def _load_side(
    path: Path, side: str, local: IO[bytes] | None, kms: IO[bytes] | None
) -> list[dict[str, Any]]:
    """Read (decrypting if asked) and shape-check one side; exit 1 naming the side if it fails."""
    try:
        decryptor = decryptor_from(local, kms, f"--decrypt-{side}-with")
        with open_plaintext(path, decryptor) as stream:
            data = stream.read()
    except RelocationError as exc:
        raise _fail(f"Invalid {side} side tarball: {exc.message}") from None
    except OSError as exc:
        raise _fail(f"Invalid {side} JSON: {exc}") from None
    try:
        return check_export(json.loads(data), side)
    except ValueError as exc:
        reason = exc.reason if isinstance(exc, InvalidExportError) else str(exc)
        raise _fail(f"Invalid {side} JSON: {reason}") from None


@backup_group.command(name="compare")
@click.argument("left", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("right", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--findings-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the findings to this file (a JSON array).",
)
@_LEFT[0]
@_LEFT[1]
@_RIGHT[0]
@_RIGHT[1]
def compare(left: Path, right: Path, findings_file: Path | None, **keys: Any) -> None:
    """Compare two exports as a relocation is validated; exit 1 when they differ.

    Instances are matched by ordinal, references by the ordinal they point at, and fields that
    an import legitimately changes (suffixed slugs, update times, hashes) by their own rules.
    The models' foreign keys come from the committed snapshot (shared/backup/models.json).
    """
    records = {
        side: _load_side(
            path, side, keys.get(f"decrypt_{side}_with"), keys.get(f"decrypt_{side}_with_gcp_kms")
        )
        for side, path in (("left", left), ("right", right))
    }
    findings = compare_exports(records["left"], records["right"], load_snapshot())
    if findings_file is not None:
        encoded = [finding.to_json() for finding in findings]
        write_private(findings_file, json.dumps(encoded, indent=2, sort_keys=True) + "\n")
    if not findings:
        click.echo("Done, found 0 differences!")
        return
    click.echo(f"Done, found {len(findings)} differences:\n")
    for finding in findings:
        click.echo(finding.pretty())
    raise SystemExit(1)


@backup_group.command(name="encrypt")
@click.argument("dest", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--src", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@ENCRYPT_OPTIONS[0]
@ENCRYPT_OPTIONS[1]
def encrypt(
    dest: Path, src: Path, encrypt_with: IO[bytes] | None, encrypt_with_gcp_kms: IO[bytes] | None
) -> None:
    """Write SRC (a plain JSON export) to DEST as an encrypted tarball."""
    try:
        plain = orjson.loads(src.read_bytes())
    except orjson.JSONDecodeError as exc:
        raise _fail(f"Invalid input JSON: {exc}") from None
    try:
        encryptor = encryptor_from(encrypt_with, encrypt_with_gcp_kms)
        if encryptor is None:
            raise click.UsageError("one of --encrypt-with or --encrypt-with-gcp-kms is required")
        write_private(dest, encrypt_export(orjson.dumps(plain), encryptor.public_key_pem()))
    except RelocationError as exc:
        raise _fail(exc.message) from None


@backup_group.command(name="decrypt")
@click.argument("dest", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--src", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_DECRYPT[0]
@_DECRYPT[1]
def decrypt(
    dest: Path, src: Path, decrypt_with: IO[bytes] | None, decrypt_with_gcp_kms: IO[bytes] | None
) -> None:
    """Write the plaintext JSON inside the tarball SRC to DEST."""
    try:
        decryptor = decryptor_from(decrypt_with, decrypt_with_gcp_kms)
        if decryptor is None:
            raise click.UsageError("one of --decrypt-with or --decrypt-with-gcp-kms is required")
        plaintext = decrypt_export(src.read_bytes(), decryptor)
    except RelocationError as exc:
        raise _fail(f"Invalid tarball: {exc.message}") from None
    write_private(dest, plaintext)


@backup_group.command(name="sanitize")
@click.argument("dest", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--src", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--days-offset",
    default=0,
    show_default=True,
    type=int,
    help="Shift every datetime by this many days (after randomizing it).",
)
@_DECRYPT[0]
@_DECRYPT[1]
@ENCRYPT_OPTIONS[0]
@ENCRYPT_OPTIONS[1]
def sanitize(dest: Path, src: Path, days_offset: int, **keys: Any) -> None:
    """Replace personal data in SRC consistently and write the result to DEST."""
    try:
        decryptor = decryptor_from(keys.get("decrypt_with"), keys.get("decrypt_with_gcp_kms"))
        encryptor = encryptor_from(keys.get("encrypt_with"), keys.get("encrypt_with_gcp_kms"))
        with open_plaintext(src, decryptor) as stream:
            records = check_export(json.loads(stream.read()), "input")
        clean = sanitize_export(records, days_offset=days_offset)
        if encryptor is None:
            write_private(dest, json.dumps(clean, indent=2) + "\n")
        else:
            write_private(dest, encrypt_export(orjson.dumps(clean), encryptor.public_key_pem()))
    except (RelocationError, ValueError) as exc:
        reason = exc.message if isinstance(exc, RelocationError) else str(exc)
        raise _fail(f"Cannot sanitize {src}: {reason}") from None
