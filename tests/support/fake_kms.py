"""A small fake of Cloud KMS's KeyManagementService for tests: real RSA, real CRC32C, two RPCs.

It serves GetPublicKey and AsymmetricDecrypt over real gRPC on a loopback port the OS picks,
for one key version, and counts calls. ``corrupt_plaintext`` flips a bit of what it returns while
keeping the checksum of the original, as a link corrupting data in transit would.
"""

from __future__ import annotations

import json
from concurrent import futures
from dataclasses import dataclass, field

import google_crc32c
import grpc
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from google.cloud import kms_v1

SERVICE = "google.cloud.kms.v1.KeyManagementService"
KEY_CONFIG = {
    "project_id": "test-project",
    "location": "global",
    "key_ring": "relocation",
    "key": "relocation",
    "version": "1",
}
KEY_PATH = (
    "projects/test-project/locations/global/keyRings/relocation/cryptoKeys/relocation"
    "/cryptoKeyVersions/1"
)


def _crc(data: bytes) -> int:
    return int(google_crc32c.value(data))


@dataclass
class FakeKms:
    """The fake's state: its key, its call counts and its fault switches."""

    private_key: rsa.RSAPrivateKey = field(
        default_factory=lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )
    calls: dict[str, int] = field(
        default_factory=lambda: {"GetPublicKey": 0, "AsymmetricDecrypt": 0}
    )
    corrupt_plaintext: bool = False

    @property
    def public_pem(self) -> str:
        return (
            self.private_key.public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            .decode()
        )

    def get_public_key(
        self, request: kms_v1.GetPublicKeyRequest, context: grpc.ServicerContext
    ) -> kms_v1.PublicKey:
        self.calls["GetPublicKey"] += 1
        if request.name != KEY_PATH:
            context.abort(grpc.StatusCode.NOT_FOUND, f"no key {request.name}")
        pem = self.public_pem
        return kms_v1.PublicKey(
            pem=pem,
            pem_crc32c=_crc(pem.encode()),
            name=KEY_PATH,
            algorithm=kms_v1.CryptoKeyVersion.CryptoKeyVersionAlgorithm.RSA_DECRYPT_OAEP_2048_SHA256,
        )

    def asymmetric_decrypt(
        self, request: kms_v1.AsymmetricDecryptRequest, context: grpc.ServicerContext
    ) -> kms_v1.AsymmetricDecryptResponse:
        self.calls["AsymmetricDecrypt"] += 1
        if request.name != KEY_PATH:
            context.abort(grpc.StatusCode.NOT_FOUND, f"no key {request.name}")
        verified = _crc(request.ciphertext) == request.ciphertext_crc32c
        plaintext = self.private_key.decrypt(
            request.ciphertext,
            padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None),
        )
        checksum = _crc(plaintext)
        if self.corrupt_plaintext:
            plaintext = bytes([plaintext[0] ^ 1]) + plaintext[1:]
        return kms_v1.AsymmetricDecryptResponse(
            plaintext=plaintext, plaintext_crc32c=checksum, verified_ciphertext_crc32c=verified
        )


def serve(kms: FakeKms) -> tuple[grpc.Server, int]:
    """Start the fake on 127.0.0.1 with an OS-chosen port; the caller stops it."""
    handlers = {
        "GetPublicKey": grpc.unary_unary_rpc_method_handler(
            kms.get_public_key,
            request_deserializer=kms_v1.GetPublicKeyRequest.deserialize,
            response_serializer=kms_v1.PublicKey.serialize,
        ),
        "AsymmetricDecrypt": grpc.unary_unary_rpc_method_handler(
            kms.asymmetric_decrypt,
            request_deserializer=kms_v1.AsymmetricDecryptRequest.deserialize,
            response_serializer=kms_v1.AsymmetricDecryptResponse.serialize,
        ),
    }
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(SERVICE, handlers),))
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    return server, port


def key_config_json() -> str:
    """The KMS config file naming the fake's key."""
    return json.dumps(KEY_CONFIG)
