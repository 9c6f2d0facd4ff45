"""Certificate authorities for mutual TLS, generated with ``cryptography``.

``relocate dev certs DIR`` writes a CA and one certificate per silo and client (the layout
``RELOCATE_TLS_DIR`` reads: ``ca.pem``, ``<name>.pem``, ``<name>.key``); tests make throwaway
ones. Keys are unencrypted PEM written 0600 in a 0700 directory.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


@dataclass(frozen=True)
class Issued:
    """A certificate and its key, as PEM files."""

    cert: Path
    key: Path


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _write_key(key: ec.EllipticCurvePrivateKey, path: Path) -> None:
    """The key as PEM, readable by its owner only (not through a symlink)."""
    data = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)


def _general_name(name: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(name))
    except ValueError:
        return x509.DNSName(name)


class CertificateAuthority:
    """A self-signed CA writing what it issues under ``directory``."""

    def __init__(self, directory: Path, name: str, *, days: int = 1, prefixed: bool = True) -> None:
        self.directory = directory
        self.name = name
        self.days = days
        self.prefixed = prefixed
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._key = ec.generate_private_key(ec.SECP256R1())
        now = dt.datetime.now(dt.UTC)
        self._cert = (
            x509.CertificateBuilder()
            .subject_name(_name(name))
            .issuer_name(_name(name))
            .public_key(self._key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=days))
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
        self.cert = directory / (f"{name}-ca.pem" if prefixed else "ca.pem")
        self.cert.write_bytes(self._cert.public_bytes(serialization.Encoding.PEM))

    def issue(
        self,
        common_name: str,
        *,
        server: bool,
        client: bool | None = None,
        names: tuple[str, ...] = ("127.0.0.1", "localhost"),
    ) -> Issued:
        """A leaf certificate; a server one names ``names`` (IP addresses or DNS names). It is a
        client certificate too when ``client`` (by default: when it is not a server's)."""
        key = ec.generate_private_key(ec.SECP256R1())
        now = dt.datetime.now(dt.UTC)
        usages = [ExtendedKeyUsageOID.SERVER_AUTH] if server else []
        if client if client is not None else not server:
            usages.append(ExtendedKeyUsageOID.CLIENT_AUTH)
        builder = (
            x509.CertificateBuilder()
            .subject_name(_name(common_name))
            .issuer_name(self._cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=self.days))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage(usages), critical=False)
        )
        if server:
            builder = builder.add_extension(
                x509.SubjectAlternativeName([_general_name(n) for n in names]), critical=False
            )
        cert = builder.sign(self._key, hashes.SHA256())
        stem = f"{self.name}-{common_name}" if self.prefixed else common_name
        issued = Issued(cert=self.directory / f"{stem}.pem", key=self.directory / f"{stem}.key")
        issued.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        _write_key(key, issued.key)
        return issued


DEV_NAMES = ("control", "region-us", "region-de", "client")
"""The certificates ``relocate dev certs`` writes by default: the compose topology's silos and
the importer (``client``)."""


def write_dev_certificates(
    directory: Path, names: tuple[str, ...] = DEV_NAMES, *, days: int = 365
) -> list[Path]:
    """A CA and, per name, a certificate for serving and calling as that name (and as
    ``localhost`` / ``127.0.0.1``); returns the files written."""
    ca = CertificateAuthority(directory, "relocate-dev", days=days, prefixed=False)
    written = [ca.cert]
    for name in names:
        issued = ca.issue(name, server=True, client=True, names=(name, "localhost", "127.0.0.1"))
        written += [issued.cert, issued.key]
    return written
