"""Optional mutual TLS: configuration from the environment, and gRPC credentials from PEM files.

The same three variables configure a silo's server and the clients of a process (the importer
CLI): RELOCATE_TLS_CERT and RELOCATE_TLS_KEY are this side's certificate and private key,
RELOCATE_TLS_CA the authority that must have signed the peer's certificate. Set all three or
none. RELOCATE_TLS_SERVER_NAME optionally names the host a client expects in the server's
certificate when the address it dials is not one of the certificate's names.

The files are read and parsed once, when the server or channel is built, so a wrong path or a
key that does not belong to its certificate is a start-up error naming the variable and file.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import grpc
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from shared.backup.errors import ConfigurationError
from shared.rpc.config import TlsConfig

TLS_CERT_ENV: Final = "RELOCATE_TLS_CERT"
TLS_KEY_ENV: Final = "RELOCATE_TLS_KEY"
TLS_CA_ENV: Final = "RELOCATE_TLS_CA"
TLS_SERVER_NAME_ENV: Final = "RELOCATE_TLS_SERVER_NAME"
# One variable for a whole topology: a directory ``relocate dev certs`` wrote (``ca.pem``,
# ``<name>.pem``, ``<name>.key``), each process reading the certificate of its RELOCATE_TLS_NAME.
TLS_DIR_ENV: Final = "RELOCATE_TLS_DIR"
TLS_NAME_ENV: Final = "RELOCATE_TLS_NAME"


@dataclass(frozen=True, slots=True)
class TlsMaterial:
    """The PEM bytes of a TlsConfig, read and checked."""

    cert: bytes
    """This side's certificate chain."""
    key: bytes
    """This side's private key."""
    ca: bytes
    """The authority certificates the peer is verified against."""


def tls_config(
    cert: str | Path | None,
    key: str | Path | None,
    ca: str | Path | None,
    *,
    server_name: str | None = None,
    names: tuple[str, str, str] = (TLS_CERT_ENV, TLS_KEY_ENV, TLS_CA_ENV),
) -> TlsConfig | None:
    """Return a TlsConfig when all three paths are given, None when none is.

    Raises ConfigurationError naming the missing settings (``names``: how the caller spells the
    three settings, environment variables or flags) when only some are given.
    """
    if not (cert and key and ca):
        if not (cert or key or ca):
            return None
        given = (cert, key, ca)
        missing = [name for name, value in zip(names, given, strict=True) if not value]
        raise ConfigurationError(
            f"mutual TLS needs {', '.join(names)} together; missing {', '.join(missing)}"
        )
    return TlsConfig(cert=Path(cert), key=Path(key), ca=Path(ca), server_name=server_name or None)


def tls_paths_from_env(
    env: Mapping[str, str], default_name: str
) -> tuple[str | None, str | None, str | None]:
    """The certificate, key and CA paths ``env`` names: RELOCATE_TLS_CERT, _KEY and _CA, or, when
    none of them is set, those of RELOCATE_TLS_NAME (default ``default_name``) in
    RELOCATE_TLS_DIR."""
    given = (env.get(TLS_CERT_ENV), env.get(TLS_KEY_ENV), env.get(TLS_CA_ENV))
    directory = env.get(TLS_DIR_ENV)
    if any(given) or not directory:
        return given
    name = env.get(TLS_NAME_ENV) or default_name
    base = Path(directory)
    return str(base / f"{name}.pem"), str(base / f"{name}.key"), str(base / "ca.pem")


def tls_from_env(env: Mapping[str, str], default_name: str = "client") -> TlsConfig | None:
    """The TLS configuration in ``env`` (RELOCATE_TLS_*), or None when TLS is not configured."""
    cert, key, ca = tls_paths_from_env(env, default_name)
    return tls_config(cert, key, ca, server_name=env.get(TLS_SERVER_NAME_ENV))


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ConfigurationError(f"cannot read the TLS {what} {path}: {exc.strerror}") from None


def load_material(cfg: TlsConfig) -> TlsMaterial:
    """Read and check the PEM files: certificates parse, and the key belongs to ``cfg.cert``.

    Raises ConfigurationError naming the file. Why check here: gRPC reports a bad file only as a
    failed handshake on the first call, far from the setting that is wrong.
    """
    cert, key, ca = _read(cfg.cert, "certificate"), _read(cfg.key, "key"), _read(cfg.ca, "CA")
    try:
        leaf = x509.load_pem_x509_certificates(cert)[0]
    except ValueError:
        raise ConfigurationError(
            f"the TLS certificate {cfg.cert} is not a PEM certificate"
        ) from None
    try:
        x509.load_pem_x509_certificates(ca)
    except ValueError:
        raise ConfigurationError(f"the TLS CA {cfg.ca} is not a PEM certificate") from None
    try:
        private = serialization.load_pem_private_key(key, password=None)
    except (ValueError, TypeError):
        raise ConfigurationError(
            f"the TLS key {cfg.key} is not an unencrypted PEM private key"
        ) from None
    spki = (serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    if private.public_key().public_bytes(*spki) != leaf.public_key().public_bytes(*spki):
        raise ConfigurationError(f"the TLS key {cfg.key} does not belong to {cfg.cert}")
    return TlsMaterial(cert=cert, key=key, ca=ca)


def server_credentials(cfg: TlsConfig) -> grpc.ServerCredentials:
    """Server credentials requiring a client certificate signed by ``cfg.ca``."""
    material = load_material(cfg)
    return grpc.ssl_server_credentials(
        [(material.key, material.cert)],
        root_certificates=material.ca,
        require_client_auth=True,
    )


def channel_credentials(cfg: TlsConfig) -> grpc.ChannelCredentials:
    """Channel credentials verifying the server against ``cfg.ca`` and presenting ``cfg.cert``."""
    material = load_material(cfg)
    return grpc.ssl_channel_credentials(
        root_certificates=material.ca,
        private_key=material.key,
        certificate_chain=material.cert,
    )


def tls_channel_options(cfg: TlsConfig) -> list[tuple[str, str]]:
    """Channel options for TLS: the expected server name when it differs from the target host."""
    if cfg.server_name is None:
        return []
    return [("grpc.ssl_target_name_override", cfg.server_name)]
