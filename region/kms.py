"""Cloud KMS as the key of encrypted exports: GetPublicKey to encrypt, AsymmetricDecrypt to open.

Both directions are checked with CRC32C, as Google recommends: a mismatch means the bytes were
corrupted in transit. The endpoint can be overridden (RELOCATE_KMS_ENDPOINT=host:port) for a
local KMS emulator or the fake the tests start; such an endpoint is reached without TLS or
credentials. Without it the client uses Google's endpoint and application default credentials.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

import google_crc32c
import grpc
from google.api_core import exceptions as google_exceptions
from google.auth.credentials import AnonymousCredentials
from google.cloud import kms_v1
from google.cloud.kms_v1.services.key_management_service.transports import (
    KeyManagementServiceGrpcTransport,
)

from shared.backup.errors import DecryptionError, EncryptionError, RelocationError

ENDPOINT_ENV = "RELOCATE_KMS_ENDPOINT"
CONFIG_KEYS = ("project_id", "location", "key_ring", "key", "version")


@dataclass(frozen=True, slots=True)
class KmsKeyVersion:
    """One asymmetric key version, named as Sentry's KMS config file names it."""

    project_id: str
    location: str
    key_ring: str
    key: str
    version: str

    @classmethod
    def from_config(cls, text: str, error: type[RelocationError]) -> KmsKeyVersion:
        """Parse ``{project_id, location, key_ring, key, version}``; nothing more, nothing less."""
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise error(f"the KMS config is not JSON: {exc}") from None
        if not isinstance(data, dict) or set(data) != set(CONFIG_KEYS):
            raise error(f"the KMS config must hold exactly the keys {', '.join(CONFIG_KEYS)}")
        if not all(isinstance(data[k], str) and data[k] for k in CONFIG_KEYS):
            raise error("every KMS config value must be a non-empty string")
        return cls(**{k: data[k] for k in CONFIG_KEYS})

    @property
    def path(self) -> str:
        """The CryptoKeyVersion resource name."""
        return (
            f"projects/{self.project_id}/locations/{self.location}/keyRings/{self.key_ring}"
            f"/cryptoKeys/{self.key}/cryptoKeyVersions/{self.version}"
        )


def kms_client(endpoint: str | None = None) -> kms_v1.KeyManagementServiceClient:
    """A KMS client: the configured endpoint without TLS, or Google's with default credentials."""
    target = endpoint or os.environ.get(ENDPOINT_ENV)
    if not target:
        return kms_v1.KeyManagementServiceClient()
    transport = KeyManagementServiceGrpcTransport(
        channel=grpc.insecure_channel(target),
        credentials=AnonymousCredentials(),  # type: ignore[no-untyped-call]
    )
    return kms_v1.KeyManagementServiceClient(transport=transport)


def _crc32c(data: bytes) -> int:
    return int(google_crc32c.value(data))


@dataclass(frozen=True, slots=True)
class KmsEncryptor:
    """Encrypts to a KMS key's public half (``--encrypt-with-gcp-kms``)."""

    key: KmsKeyVersion
    client: Any

    def public_key_pem(self) -> bytes:
        """Fetch the public key, checking its CRC32C."""
        try:
            response = self.client.get_public_key(request={"name": self.key.path})
        except google_exceptions.GoogleAPICallError as exc:
            raise EncryptionError(f"KMS GetPublicKey failed: {exc.message}") from None
        pem: bytes = str(response.pem).encode()
        if response.pem_crc32c is not None and _crc32c(pem) != int(response.pem_crc32c):
            raise EncryptionError("the KMS public key was corrupted in transit (CRC32C mismatch)")
        return pem


@dataclass(frozen=True, slots=True)
class KmsDecryptor:
    """Unwraps data keys with a KMS key (``--decrypt-with-gcp-kms``)."""

    key: KmsKeyVersion
    client: Any

    def unwrap(self, wrapped_key: bytes, public_key_pem: bytes) -> bytes:
        """AsymmetricDecrypt the data key, checking CRC32C both ways."""
        request = {
            "name": self.key.path,
            "ciphertext": wrapped_key,
            "ciphertext_crc32c": _crc32c(wrapped_key),
        }
        try:
            response = self.client.asymmetric_decrypt(request=request)
        except google_exceptions.GoogleAPICallError as exc:
            raise DecryptionError(f"KMS AsymmetricDecrypt failed: {exc.message}") from None
        if not response.verified_ciphertext_crc32c:
            raise DecryptionError("the wrapped key was corrupted in transit to KMS (CRC32C)")
        if _crc32c(response.plaintext) != int(response.plaintext_crc32c or 0):
            raise DecryptionError("the data key was corrupted in transit from KMS (CRC32C)")
        return bytes(response.plaintext)
