"""Throwaway certificate authorities for mutual TLS tests, generated with `cryptography`.

A CA signs a server certificate naming 127.0.0.1 and localhost, and client certificates. Files
are written as PEM into a directory; keys are unencrypted (tests only).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from region.certificates import CertificateAuthority, Issued
from shared.rpc.config import TlsConfig


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
        # The silos call each other too (a region asks control), so theirs is a client's as well.
        server=ca.issue("silo", server=True, client=True),
        client=ca.issue("importer", server=False),
        rogue_ca=rogue,
        rogue_client=rogue.issue("intruder", server=False),
    )
