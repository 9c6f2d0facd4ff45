"""The encryption flags of import, export and backup commands, and opening encrypted files."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

import click
from google.auth.exceptions import GoogleAuthError

from region.kms import KmsDecryptor, KmsEncryptor, KmsKeyVersion, kms_client
from shared.backup.crypto import (
    Decryptor,
    Encryptor,
    LocalDecryptor,
    LocalEncryptor,
    decrypt_export,
    is_tarball,
)
from shared.backup.errors import DecryptionError, EncryptionError, RelocationError
from shared.backup.stream_crypto import DecryptingReader, is_stream

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


ENCRYPT_FORMAT = click.option(
    "--encrypt-format",
    type=click.Choice(["sentry", "stream"]),
    default="sentry",
    show_default=True,
    help="sentry: Sentry's tarball (whole export in memory); stream: chunked, flat memory.",
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


@contextlib.contextmanager
def open_plaintext(path: Path, decryptor: Decryptor | None) -> Iterator[IO[bytes]]:
    """The export's plaintext JSON: the file itself, its tarball decrypted (Sentry's format, in
    memory), or its stream-encrypted form decrypted chunk by chunk (flat memory)."""
    with path.open("rb") as source:
        head = source.read(_TAR_HEADER)
        source.seek(0)
        encrypted = is_tarball(head) or is_stream(head)
        if encrypted and decryptor is None:
            raise DecryptionError(
                f"{path} is encrypted; pass --decrypt-with or --decrypt-with-gcp-kms"
            )
        if not encrypted and decryptor is not None:
            raise DecryptionError(f"a decryption key was given but {path} is not encrypted")
        if decryptor is None:
            yield source
        elif is_stream(head):
            yield DecryptingReader(source, decryptor)  # type: ignore[misc]
        else:
            yield io.BytesIO(decrypt_export(source.read(), decryptor))
