"""Every case of the bad-input corpus (tests/data/bad) fails cleanly and changes nothing.

One silo pair, seeded with a small valid import, serves the whole corpus. For each case the CLI
runs as a real subprocess with --findings-file, and the test checks the three promises of issue
#6: a non-zero exit with exactly one error line naming what and where (the manifest's regular
expression), a findings entry for that error, and both silos unchanged (row counts of every
table; one full Global export comparison closes the module). The Relocation records that note
each attempt are the only rows an attempt may add, so their tables are left out of the counts.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.data.bad.make_corpus import FILES, MANIFEST, SMALL, manifest_text, write_generated
from tests.integration.conftest import SiloPair, run_cli, write_export
from tests.support.instance import generate

pytestmark = pytest.mark.integration

CASES = json.loads(MANIFEST.read_text())
# Bookkeeping an attempt may write: the Relocation record of the (failed) import.
_BOOKKEEPING = ("relocation", "django_migrations")
# The importer's note naming that record, printed besides the error line.
_RELOCATION_NOTE = re.compile(r"^Relocation [0-9a-f]{32} recorded as FAILURE at step \w+")


def _pem_pair(directory: Path, name: str) -> bytes:
    """Write ``name.pem`` (private key); return the public key PEM."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    (directory / f"{name}.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every case file in one directory, with the keys ``right.pem`` and ``wrong.pem``."""
    directory = tmp_path_factory.mktemp("corpus")
    for path in FILES.iterdir():
        shutil.copy(path, directory / path.name)
    write_generated(directory, _pem_pair(directory, "right"))
    _pem_pair(directory, "wrong")
    return directory


def _table_counts(pair: SiloPair) -> dict[str, int]:
    """Rows per table in both silos, bookkeeping tables left out."""
    counts: dict[str, int] = {}
    for silo in ("control", "region"):
        tables = [
            name
            for (name,) in pair.query(
                silo,
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = 'public' ORDER BY 1",
            )
            if not any(word in name for word in _BOOKKEEPING)
        ]
        union = " UNION ALL ".join(f"SELECT '{name}', count(*) FROM \"{name}\"" for name in tables)
        counts |= {f"{silo}.{name}": n for name, n in pair.query(silo, union)}
    return counts


@pytest.fixture(scope="module")
def seeded(module_pair: SiloPair, tmp_path_factory: pytest.TempPathFactory):
    """The module's pair after a small valid Global import, with its export and row counts."""
    directory = tmp_path_factory.mktemp("seed")
    src = write_export(directory / "seed.json", generate(users=3, orgs=1, seed=11))
    run_cli(module_pair, "import", "global", str(src), "--no-prompt", "--silent")
    run_cli(module_pair, "export", "global", str(directory / "before.json"), "--silent")
    counts = _table_counts(module_pair)
    assert counts["control.auth_user"] == 3
    return module_pair, directory / "before.json", counts


def test_committed_corpus_files_and_manifest_are_current() -> None:
    assert MANIFEST.read_text() == manifest_text()
    for name, data in SMALL.items():
        assert (FILES / name).read_bytes() == data, name
    assert {p.name for p in FILES.iterdir()} == set(SMALL)
    assert len([c for c in CASES if c["exit"] != 0]) >= 40


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_bad_input_fails_with_one_line_naming_where_and_changes_nothing(
    seeded, corpus: Path, tmp_path: Path, case: dict
) -> None:
    pair, _export, before = seeded
    findings_file = tmp_path / "findings.json"
    args = [
        "import",
        case["scope"],
        str(corpus / case["file"]),
        "--no-prompt",
        "--findings-file",
        str(findings_file),
        *case["flags"],
    ]
    if case["decryption"]:
        args += ["--decrypt-with", str(corpus / f"{case['decryption']}.pem")]

    proc = run_cli(pair, *args, check=False)

    assert proc.returncode == case["exit"], (proc.stdout, proc.stderr)
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    errors = [line for line in lines if not _RELOCATION_NOTE.match(line)]
    findings = json.loads(findings_file.read_text())
    # Failures are the entries that are not an ImportFinding (RpcImportError, the error's class
    # or UnexpectedError), each with its specific kind.
    failures = [f for f in findings if f["finding"] != "ImportFinding"]
    assert all(f["kind"] not in ("", "ImportError") for f in failures), failures
    if case["exit"] == 0:
        assert not [line for line in errors if "failed" in line], proc.stderr
        assert failures == []
        if case["scope"] == "users":
            assert "sentry.organization" in {
                f["on"][0] for f in findings if f["kind"] == "OutOfScope"
            }
    else:
        assert len(errors) == 1, proc.stderr
        assert errors[0].startswith("Import failed: "), errors[0]
        assert re.search(case["message"], errors[0]), (case["message"], errors[0])
        assert len(failures) == 1, findings
        assert re.search(case["message"], failures[0]["reason"]), failures[0]
    assert _table_counts(pair) == before


def test_silos_export_exactly_as_before_after_the_whole_corpus(seeded, tmp_path: Path) -> None:
    pair, before, _counts = seeded
    after = tmp_path / "after.json"

    run_cli(pair, "export", "global", str(after), "--silent")

    assert after.read_bytes() == before.read_bytes()
