"""A streaming encrypted export format, for exports too large for Sentry's one-token tarball.

Layout: ``RLCSTRM1`` | u32 length + data key wrapped with the RSA public key (OAEP-SHA256, as
in the tarball) | u32 length + the public key PEM | a random 4-byte nonce prefix | chunks. Each
chunk is u32 length + AES-256-GCM ciphertext of at most 1 MiB of plaintext. The nonce is the
prefix plus the chunk's 8-byte counter, and the associated data binds the header's SHA-256, the
counter and a final-chunk flag: reordered, dropped, duplicated or altered chunks fail
authentication, and a file cut short ends without its final chunk, reported as truncation.

Both directions hold one chunk at a time, so memory stays flat whatever the export's size.
"""

from __future__ import annotations

import hashlib
import os
import struct
from typing import IO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from shared.backup.crypto import Decryptor, load_public_key, oaep
from shared.backup.errors import DecryptionError

MAGIC = b"RLCSTRM1"
CHUNK_SIZE = 1024 * 1024
_U32 = struct.Struct(">I")
_MAX_HEADER_FIELD = 64 * 1024
_TAG = 16


def is_stream(head: bytes) -> bool:
    """Whether a file starts like this format."""
    return head.startswith(MAGIC)


class EncryptingWriter:
    """A binary file-like writer that encrypts what it is given into ``out``, chunk by chunk."""

    def __init__(self, out: IO[bytes], public_pem: bytes) -> None:
        public = load_public_key(public_pem)
        key = AESGCM.generate_key(bit_length=256)
        wrapped = public.encrypt(key, oaep())
        self._prefix = os.urandom(4)
        header = _header(wrapped, public_pem, self._prefix)
        out.write(header)
        self._out = out
        self._aead = AESGCM(key)
        self._digest = hashlib.sha256(header).digest()
        self._buffer = bytearray()
        self._counter = 0

    def write(self, data: bytes) -> int:
        """Buffer plaintext, sealing every full chunk."""
        self._buffer += data
        while len(self._buffer) > CHUNK_SIZE:
            self._seal(bytes(self._buffer[:CHUNK_SIZE]), final=False)
            del self._buffer[:CHUNK_SIZE]
        return len(data)

    def flush(self) -> None:
        """Nothing to do until close: chunks are sealed when full."""

    def close(self) -> None:
        """Seal the last (final) chunk."""
        self._seal(bytes(self._buffer), final=True)
        self._buffer.clear()
        self._out.flush()

    def _seal(self, plaintext: bytes, *, final: bool) -> None:
        nonce = self._prefix + struct.pack(">Q", self._counter)
        sealed = self._aead.encrypt(nonce, plaintext, _aad(self._digest, self._counter, final))
        self._out.write(_U32.pack(len(sealed)) + sealed)
        self._counter += 1


class DecryptingReader:
    """A binary file-like reader yielding the plaintext of a stream-format file."""

    def __init__(self, source: IO[bytes], decryptor: Decryptor) -> None:
        magic = source.read(len(MAGIC))
        if magic != MAGIC:
            raise DecryptionError("not a relocate stream-encrypted file")
        wrapped = _field(source, "data key")
        public_pem = _field(source, "public key")
        self._prefix = source.read(4)
        if len(self._prefix) != 4:
            raise DecryptionError("the stream header is truncated before its nonce prefix")
        header = _header(wrapped, public_pem, self._prefix)
        try:
            self._aead = AESGCM(decryptor.unwrap(wrapped, public_pem))
        except ValueError:
            raise DecryptionError("the stream's data key is not a 256-bit AES key") from None
        self._digest = hashlib.sha256(header).digest()
        self._source = source
        self._counter = 0
        self._pending = b""
        self._done = False

    def read(self, size: int = -1) -> bytes:
        """Up to ``size`` plaintext bytes (all of them when negative)."""
        while not self._done and (size < 0 or len(self._pending) < size):
            self._pending += self._open_next()
        if size < 0:
            out, self._pending = self._pending, b""
            return out
        out, self._pending = self._pending[:size], self._pending[size:]
        return out

    def _open_next(self) -> bytes:
        head = self._source.read(_U32.size)
        if len(head) < _U32.size:
            raise DecryptionError("the stream is truncated: its final chunk is missing")
        (length,) = _U32.unpack(head)
        if length < _TAG or length > CHUNK_SIZE + _TAG:
            raise DecryptionError(f"chunk {self._counter} has an impossible length {length}")
        sealed = self._source.read(length)
        if len(sealed) != length:
            raise DecryptionError(f"the stream is truncated inside chunk {self._counter}")
        nonce = self._prefix + struct.pack(">Q", self._counter)
        for final in (False, True):
            try:
                plaintext = self._aead.decrypt(
                    nonce, sealed, _aad(self._digest, self._counter, final)
                )
            except InvalidTag:
                continue
            self._counter += 1
            if final:
                self._done = True
                if self._source.read(1):
                    raise DecryptionError("data follows the final chunk of the stream")
            return plaintext
        raise DecryptionError(
            f"chunk {self._counter} failed authentication (tampered, reordered or wrong key)"
        )


def _header(wrapped: bytes, public_pem: bytes, prefix: bytes) -> bytes:
    return (
        MAGIC + _U32.pack(len(wrapped)) + wrapped + _U32.pack(len(public_pem)) + public_pem + prefix
    )


def _aad(digest: bytes, counter: int, final: bool) -> bytes:
    return digest + struct.pack(">Q?", counter, final)


def _field(source: IO[bytes], what: str) -> bytes:
    head = source.read(_U32.size)
    if len(head) < _U32.size:
        raise DecryptionError(f"the stream header is truncated before its {what}")
    (length,) = _U32.unpack(head)
    if length > _MAX_HEADER_FIELD:
        raise DecryptionError(f"the stream header's {what} is implausibly large")
    value = source.read(length)
    if len(value) != length:
        raise DecryptionError(f"the stream header is truncated inside its {what}")
    return value
