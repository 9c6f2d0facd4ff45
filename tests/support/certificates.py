"""Throwaway certificate authorities for mutual TLS tests, generated with `cryptography`.

A CA signs a server certificate naming 127.0.0.1 and localhost, and client certificates. Files
are written as PEM into a directory; keys are unencrypted (tests only).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from shared.rpc.config import TlsConfig


@dataclass(frozen=True)
class Issued:
    """A certificate and its key, as PEM files."""

    cert: Path
    key: Path


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _write_key(key: ec.EllipticCurvePrivateKey, path: Path) -> None:
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


def _general_name(name: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(name))
    except ValueError:
        return x509.DNSName(name)


class CertificateAuthority:
    """A self-signed CA writing what it issues under ``directory``."""

    def __init__(self, directory: Path, name: str) -> None:
        self.directory = directory
        self.name = name
        directory.mkdir(parents=True, exist_ok=True)
        self._key = ec.generate_private_key(ec.SECP256R1())
        now = dt.datetime.now(dt.UTC)
        self._cert = (
            x509.CertificateBuilder()
            .subject_name(_name(name))
            .issuer_name(_name(name))
            .public_key(self._key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .sign(self._key, hashes.SHA256())
        )
        self.cert = directory / f"{name}-ca.pem"
        self.cert.write_bytes(self._cert.public_bytes(serialization.Encoding.PEM))

    def issue(
        self, common_name: str, *, server: bool, names: tuple[str, ...] = ("127.0.0.1", "localhost")
    ) -> Issued:
        """A leaf certificate; a server one names ``names`` (IP addresses or DNS names)."""
        key = ec.generate_private_key(ec.SECP256R1())
        now = dt.datetime.now(dt.UTC)
        usage = ExtendedKeyUsageOID.SERVER_AUTH if server else ExtendedKeyUsageOID.CLIENT_AUTH
        builder = (
            x509.CertificateBuilder()
            .subject_name(_name(common_name))
            .issuer_name(self._cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
        )
        if server:
            builder = builder.add_extension(
                x509.SubjectAlternativeName([_general_name(n) for n in names]), critical=False
            )
        cert = builder.sign(self._key, hashes.SHA256())
        issued = Issued(
            cert=self.directory / f"{self.name}-{common_name}.pem",
            key=self.directory / f"{self.name}-{common_name}.key",
        )
        issued.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        _write_key(key, issued.key)
        return issued


@dataclass(frozen=True)
class TlsSetup:
    """A CA with a server and a client certificate, and a client certificate of another CA."""

    ca: CertificateAuthority
    server: Issued
    client: Issued
    rogue_ca: CertificateAuthority
    rogue_client: Issued

    def server_tls(self) -> TlsConfig:
        """The servers' TlsConfig: their certificate, trusting client certificates of the CA."""
        return TlsConfig(cert=self.server.cert, key=self.server.key, ca=self.ca.cert)

    def client_tls(self) -> TlsConfig:
        """A trusted client's TlsConfig."""
        return TlsConfig(cert=self.client.cert, key=self.client.key, ca=self.ca.cert)

    def rogue_client_tls(self) -> TlsConfig:
        """A client whose certificate another CA signed (it still trusts the real server)."""
        return TlsConfig(cert=self.rogue_client.cert, key=self.rogue_client.key, ca=self.ca.cert)


def make_tls_setup(directory: Path) -> TlsSetup:
    """Generate the CA, its server and client certificates, and a rogue CA's client."""
    ca = CertificateAuthority(directory, "relocate-test")
    rogue = CertificateAuthority(directory, "rogue")
    return TlsSetup(
        ca=ca,
        server=ca.issue("silo", server=True),
        client=ca.issue("importer", server=False),
        rogue_ca=rogue,
        rogue_client=rogue.issue("intruder", server=False),
    )
