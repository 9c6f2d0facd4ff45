"""Sentry's tarball and the streaming format, against keys and tarballs made in the tests."""

from __future__ import annotations

import io
import os
import tarfile

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.backup.crypto import (
    LocalDecryptor,
    LocalEncryptor,
    decrypt_export,
    encrypt_export,
    is_tarball,
    read_members,
)
from shared.backup.errors import DecryptionError, EncryptionError
from shared.backup.stream_crypto import CHUNK_SIZE, DecryptingReader, EncryptingWriter, is_stream

KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _pem(key: rsa.RSAPrivateKey) -> tuple[bytes, bytes]:
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private, public


PRIVATE, PUBLIC = _pem(KEY)
OTHER_PRIVATE, _ = _pem(OTHER)


def test_tarball_holds_the_three_members_in_order_and_decrypts():
    tarball = encrypt_export(b'[{"model": "sentry.user"}]', LocalEncryptor(PUBLIC).public_key_pem())
    assert is_tarball(tarball[:512])
    with tarfile.open(fileobj=io.BytesIO(tarball)) as tar:
        assert tar.getnames() == ["export.json", "data.key", "key.pub"]
    assert decrypt_export(tarball, LocalDecryptor(PRIVATE)) == b'[{"model": "sentry.user"}]'


def test_a_private_key_that_does_not_match_key_pub_is_refused():
    tarball = encrypt_export(b"[]", PUBLIC)
    with pytest.raises(DecryptionError, match="does not match"):
        decrypt_export(tarball, LocalDecryptor(OTHER_PRIVATE))


@pytest.mark.parametrize(
    ("key", "error", "text"),
    [
        (b"garbage", EncryptionError, "Unable to load PEM file"),
    ],
)
def test_an_unreadable_public_key_is_an_encryption_error(key, error, text):
    with pytest.raises(error, match=text):
        LocalEncryptor(key).public_key_pem()


def test_an_unreadable_private_key_is_a_decryption_error():
    with pytest.raises(DecryptionError, match="Could not deserialize"):
        LocalDecryptor(b"garbage").unwrap(b"x", PUBLIC)


def test_duplicated_and_irregular_members_are_refused():
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as tar:
        for name in ("export.json", "export.json"):
            info = tarfile.TarInfo(name)
            info.size = 1
            tar.addfile(info, io.BytesIO(b"x"))
    with pytest.raises(DecryptionError, match="twice"):
        read_members(out.getvalue())
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as tar:
        link = tarfile.TarInfo("data.key")
        link.type = tarfile.SYMTYPE
        link.linkname = "/etc/passwd"
        tar.addfile(link)
    with pytest.raises(DecryptionError, match="not a regular file"):
        read_members(out.getvalue())


def _stream(data: bytes) -> bytes:
    out = io.BytesIO()
    writer = EncryptingWriter(out, PUBLIC)
    writer.write(data)
    writer.close()
    return out.getvalue()


@settings(max_examples=15, deadline=None)
@given(st.binary(max_size=3000), st.integers(min_value=1, max_value=700))
def test_stream_round_trips_for_any_data_and_read_size(data, read_size):
    blob = _stream(data)
    assert is_stream(blob)
    reader = DecryptingReader(io.BytesIO(blob), LocalDecryptor(PRIVATE))
    out = b""
    while chunk := reader.read(read_size):
        out += chunk
    assert out == data


def test_stream_detects_truncation_reordering_and_a_wrong_key():
    data = os.urandom(2 * CHUNK_SIZE + 10)
    blob = _stream(data)
    with pytest.raises(DecryptionError, match="truncated"):
        DecryptingReader(io.BytesIO(blob[:-3]), LocalDecryptor(PRIVATE)).read()
    header_end = blob.index(b"-----END PUBLIC KEY-----\n") + len(b"-----END PUBLIC KEY-----\n") + 4
    body = blob[header_end:]
    first_len = int.from_bytes(body[:4], "big") + 4
    second_len = int.from_bytes(body[first_len : first_len + 4], "big") + 4
    swapped = (
        blob[:header_end]
        + body[first_len : first_len + second_len]
        + body[:first_len]
        + body[first_len + second_len :]
    )
    with pytest.raises(DecryptionError, match="failed authentication"):
        DecryptingReader(io.BytesIO(swapped), LocalDecryptor(PRIVATE)).read()
    with pytest.raises(DecryptionError, match="does not match"):
        DecryptingReader(io.BytesIO(blob), LocalDecryptor(OTHER_PRIVATE))


def test_a_sparse_member_is_refused_before_it_is_read():
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.GNU_FORMAT) as tar:
        info = tarfile.TarInfo("export.json")
        info.type = tarfile.GNUTYPE_SPARSE
        info.size = 0
        tar.addfile(info, io.BytesIO(b""))
    with pytest.raises(DecryptionError, match="is a sparse file"):
        read_members(out.getvalue())


def test_a_member_declaring_more_bytes_than_the_tarball_holds_is_refused():
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as tar:
        info = tarfile.TarInfo("export.json")
        info.size = 5000
        tar.addfile(info, io.BytesIO(b"x" * 5000))
    with pytest.raises(DecryptionError, match="declares 5000 bytes, more than the tarball's 2048"):
        read_members(out.getvalue()[:2048])
