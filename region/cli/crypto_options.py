"""The encryption flags of import, export and backup commands, and opening encrypted files."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import click
from google.auth.exceptions import GoogleAuthError

from shared.backup.crypto import (
    Decryptor,
    Encryptor,
    LocalDecryptor,
    LocalEncryptor,
    decrypt_export,
    is_tarball,
)
from shared.backup.errors import DecryptionError, EncryptionError, RelocationError
from shared.rpc.kms import KmsDecryptor, KmsEncryptor, KmsKeyVersion, kms_client

Option = Callable[[Callable[..., Any]], Callable[..., Any]]
_TAR_HEADER = 512


def decrypt_options(side: str = "") -> tuple[Option, Option]:
    """``--decrypt[-<side>]-with`` and ``--decrypt[-<side>]-with-gcp-kms``."""
    stem = f"--decrypt-{side}-with" if side else "--decrypt-with"
    return (
        click.option(
            stem,
            type=click.File("rb"),
            default=None,
            help="PEM private key that opens an encrypted tarball.",
        ),
        click.option(
            f"{stem}-gcp-kms",
            type=click.File("rb"),
            default=None,
            help="KMS key config (project_id, location, key_ring, key, version).",
        ),
    )


ENCRYPT_OPTIONS: tuple[Option, Option] = (
    click.option(
        "--encrypt-with",
        type=click.File("rb"),
        default=None,
        help="PEM RSA public key: write an encrypted tarball.",
    ),
    click.option(
        "--encrypt-with-gcp-kms",
        type=click.File("rb"),
        default=None,
        help="KMS key config (project_id, location, key_ring, key, version).",
    ),
)


def _exclusive(local: IO[bytes] | None, kms: IO[bytes] | None, flag: str) -> None:
    if local is not None and kms is not None:
        raise click.UsageError(f"{flag} and {flag}-gcp-kms are mutually exclusive")


def decryptor_from(
    local: IO[bytes] | None, kms: IO[bytes] | None, flag: str = "--decrypt-with"
) -> Decryptor | None:
    """The decryptor the flags name, if any."""
    _exclusive(local, kms, flag)
    if local is not None:
        return LocalDecryptor(local.read())
    if kms is not None:
        key = KmsKeyVersion.from_config(kms.read().decode(errors="replace"), DecryptionError)
        return KmsDecryptor(key, _client(DecryptionError))
    return None


def encryptor_from(local: IO[bytes] | None, kms: IO[bytes] | None) -> Encryptor | None:
    """The encryptor the flags name, if any."""
    _exclusive(local, kms, "--encrypt-with")
    if local is not None:
        return LocalEncryptor(local.read())
    if kms is not None:
        key = KmsKeyVersion.from_config(kms.read().decode(errors="replace"), EncryptionError)
        return KmsEncryptor(key, _client(EncryptionError))
    return None


def _client(error: type[RelocationError]) -> Any:
    try:
        return kms_client()
    except GoogleAuthError as exc:
        raise error(f"cannot reach KMS: {exc}") from None


def open_plaintext(path: Path, decryptor: Decryptor | None) -> IO[bytes]:
    """The export's plaintext JSON: the file itself, or its tarball decrypted."""
    with path.open("rb") as probe:
        encrypted = is_tarball(probe.read(_TAR_HEADER))
    if encrypted and decryptor is None:
        raise DecryptionError(
            f"{path} is an encrypted tarball; pass --decrypt-with or --decrypt-with-gcp-kms"
        )
    if not encrypted and decryptor is not None:
        raise DecryptionError(f"a decryption key was given but {path} is not an encrypted tarball")
    if decryptor is None:
        return path.open("rb")
    return io.BytesIO(decrypt_export(path.read_bytes(), decryptor))
