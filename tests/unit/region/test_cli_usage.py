"""The CLI as an operator meets it: every command's --help ends with an example that is a valid
command line, --version, and backup sanitize of an encrypted export."""

from __future__ import annotations

import json
import shlex

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from region.cli.examples import EXAMPLES, commands
from region.cli.main import cli
from shared.backup.crypto import encrypt_export
from tests.support.cli_check import check_cli

PATHS = [path for path, _ in commands(cli)]


def test_every_command_has_an_example_and_every_example_names_a_command():
    assert set(PATHS) == set(EXAMPLES)


@pytest.mark.parametrize("path", PATHS)
def test_help_shows_the_example_and_the_example_parses(path):
    result = CliRunner().invoke(cli, [*path.split(), "--help"])
    assert result.exit_code == 0, result.output
    assert f"Example:\n    {EXAMPLES[path]}" in result.output
    words = shlex.split(EXAMPLES[path])
    argv = words[words.index("relocate") + 1 :]
    check_cli(argv)


def test_version_prints_the_package_version():
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert result.output.startswith("relocate ")


def test_backup_sanitize_reads_an_encrypted_export_as_the_readme_says(tmp_path):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = tmp_path / "key.pem"
    private.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    records = [{"model": "sentry.email", "pk": 1, "fields": {"email": "alice@acme.example"}}]
    encrypted = tmp_path / "export.tar"
    encrypted.write_bytes(encrypt_export(json.dumps(records).encode(), public_pem))
    out = tmp_path / "clean.json"

    result = CliRunner().invoke(
        cli,
        ["backup", "sanitize", str(out), "--src", str(encrypted), "--decrypt-with", str(private)],
    )

    assert result.exit_code == 0, result.output
    clean = json.loads(out.read_text())
    assert [r["model"] for r in clean] == ["sentry.email"]
    assert "alice" not in out.read_text()
