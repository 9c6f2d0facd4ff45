"""Sentry's encrypted export tarball: envelope encryption with a Fernet data key wrapped by RSA.

An uncompressed tar holding, in this order, ``export.json`` (a Fernet token of the compact JSON),
``data.key`` (the Fernet key encrypted with the RSA public key: OAEP, MGF1-SHA256, SHA-256, no
label) and ``key.pub`` (that public key, PEM). The key that unwraps ``data.key`` is either a local
private key or a cloud KMS key; both implement ``Decryptor``.
"""

from __future__ import annotations

import io
import tarfile
from dataclasses import dataclass
from typing import Protocol

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from shared.backup.errors import DecryptionError, EncryptionError

EXPORT_MEMBER = "export.json"
KEY_MEMBER = "data.key"
PUBLIC_KEY_MEMBER = "key.pub"
MEMBERS = (EXPORT_MEMBER, KEY_MEMBER, PUBLIC_KEY_MEMBER)
# Tar files carry "ustar" at offset 257; that is how an encrypted input is recognised.
_TAR_MAGIC_OFFSET = 257
# A wrapped key or a PEM is small; anything bigger in those members is not ours.
_SMALL_MEMBER_LIMIT = 64 * 1024


def oaep() -> padding.OAEP:
    """Sentry's RSA padding: OAEP with MGF1-SHA256 and SHA-256, no label."""
    return padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)


class Encryptor(Protocol):
    """Supplies the RSA public key the data key is wrapped with."""

    def public_key_pem(self) -> bytes:
        """The public key, PEM (SubjectPublicKeyInfo)."""
        ...


class Decryptor(Protocol):
    """Unwraps a data key."""

    def unwrap(self, wrapped_key: bytes, public_key_pem: bytes) -> bytes:
        """The Fernet key inside ``wrapped_key``; ``public_key_pem`` is the tarball's key.pub."""
        ...


@dataclass(frozen=True, slots=True)
class LocalEncryptor:
    """Encrypts to a local RSA public key (``--encrypt-with``)."""

    pem: bytes

    def public_key_pem(self) -> bytes:
        """The public key, checked to be an RSA key, PEM."""
        return _public_pem(load_public_key(self.pem))


@dataclass(frozen=True, slots=True)
class LocalDecryptor:
    """Decrypts with a local RSA private key (``--decrypt-with``)."""

    pem: bytes

    def unwrap(self, wrapped_key: bytes, public_key_pem: bytes) -> bytes:
        """Check the private key matches key.pub, then RSA-OAEP-decrypt the data key."""
        private = _load_private(self.pem)
        if _public_pem(private.public_key()).strip() != public_key_pem.strip():
            raise DecryptionError(
                "the private key does not match the tarball's key.pub (wrong key?)"
            )
        try:
            return private.decrypt(wrapped_key, oaep())
        except ValueError:
            raise DecryptionError("data.key could not be decrypted with this key") from None


def encrypt_export(plaintext: bytes, public_pem: bytes) -> bytes:
    """The tarball of ``plaintext`` (compact export JSON), for the RSA public key ``public_pem``.

    Take the key from an ``Encryptor`` once, before the export is built, so a bad key fails fast.
    """
    data_key = Fernet.generate_key()
    wrapped = load_public_key(public_pem).encrypt(data_key, oaep())
    token = Fernet(data_key).encrypt(plaintext)
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, data in (
            (EXPORT_MEMBER, token),
            (KEY_MEMBER, wrapped),
            (PUBLIC_KEY_MEMBER, public_pem),
        ):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


def decrypt_export(tarball: bytes, decryptor: Decryptor) -> bytes:
    """The plaintext export inside a tarball; DecryptionError says what is wrong with it."""
    members = read_members(tarball)
    data_key = decryptor.unwrap(members[KEY_MEMBER], members[PUBLIC_KEY_MEMBER])
    try:
        return Fernet(data_key).decrypt(members[EXPORT_MEMBER])
    except (InvalidToken, ValueError):
        raise DecryptionError(
            "export.json failed authentication: the ciphertext was tampered with or the data "
            "key is not the one it was encrypted with"
        ) from None


def is_tarball(head: bytes) -> bool:
    """Whether the first 512 bytes of a file are a tar header."""
    return head[_TAR_MAGIC_OFFSET : _TAR_MAGIC_OFFSET + 5] == b"ustar"


def read_members(tarball: bytes) -> dict[str, bytes]:
    """The three members, by name; any other, missing, duplicated or irregular one is an error.

    Nothing is extracted to disk, so a member named ``../x`` is only ever an unknown member. Only
    plain regular members are read: a sparse one would expand holes on read (a few kilobytes
    growing to any size), and no member may declare more bytes than the tarball holds.
    """
    found: dict[str, bytes] = {}
    try:
        with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:") as tar:
            for info in tar:
                _check_member(info, found)
                if info.size > len(tarball):
                    raise DecryptionError(
                        f"not a complete tarball (truncated or corrupt): member {info.name!r} "
                        f"declares {info.size} bytes, more than the tarball's {len(tarball)}"
                    )
                data = tar.extractfile(info)
                if data is None:
                    raise DecryptionError(f"tarball member {info.name!r} is not a regular file")
                found[info.name] = data.read()
                if len(found[info.name]) != info.size:
                    raise DecryptionError(f"tarball member {info.name!r} is truncated")
    except (tarfile.TarError, EOFError) as exc:
        raise DecryptionError(f"not a complete tarball (truncated or corrupt): {exc}") from None
    missing = [m for m in MEMBERS if m not in found]
    if missing:
        raise DecryptionError(f"tarball is missing {', '.join(missing)}")
    return found


def _check_member(info: tarfile.TarInfo, found: dict[str, bytes]) -> None:
    if info.name not in MEMBERS:
        raise DecryptionError(f"unknown tarball entity {info.name!r}")
    if info.name in found:
        raise DecryptionError(f"tarball holds {info.name!r} twice")
    if info.issparse():
        raise DecryptionError(f"tarball member {info.name!r} is a sparse file")
    if info.type not in (tarfile.REGTYPE, tarfile.AREGTYPE):
        raise DecryptionError(f"tarball member {info.name!r} is not a regular file")
    if info.name != EXPORT_MEMBER and info.size > _SMALL_MEMBER_LIMIT:
        raise DecryptionError(f"tarball member {info.name!r} is implausibly large")


def load_public_key(pem: bytes) -> rsa.RSAPublicKey:
    """An RSA public key from PEM; EncryptionError for anything else."""
    try:
        key = serialization.load_pem_public_key(pem)
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise EncryptionError(f"Unable to load PEM file: {exc}") from None
    if not isinstance(key, rsa.RSAPublicKey):
        raise EncryptionError("the public key is not an RSA key")
    return key


def _load_private(pem: bytes) -> rsa.RSAPrivateKey:
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise DecryptionError(f"Could not deserialize the private key: {exc}") from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise DecryptionError("the private key is not an RSA key")
    return key


def _public_pem(key: rsa.RSAPublicKey) -> bytes:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
