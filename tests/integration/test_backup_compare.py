"""`relocate backup compare` as an operator runs it: real subprocesses, real exports."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.integration.conftest import ROOT, run_cli, write_export
from tests.support.instance import generate

pytestmark = pytest.mark.integration


def _offline(cwd, *args):
    """The CLI with no silo configured at all: compare must not need one."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RELOCATE_")}
    return subprocess.run(
        [sys.executable, "-c", "from region.cli.main import cli; cli()", *args],
        cwd=cwd,
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_a_file_compared_with_itself_has_no_differences_and_exits_0(tmp_path):
    src = write_export(tmp_path / "export.json", generate(users=3, orgs=2, seed=4))
    findings = tmp_path / "findings.json"

    proc = _offline(
        tmp_path, "backup", "compare", str(src), str(src), "--findings-file", str(findings)
    )

    assert proc.returncode == 0, proc.stderr
    assert "Done, found 0 differences!" in proc.stdout
    assert json.loads(findings.read_text()) == []


@pytest.mark.parametrize("bad_side", ["left", "right"])
def test_an_unreadable_or_invalid_side_is_named_and_exits_1(tmp_path, bad_side):
    good = write_export(tmp_path / "good.json", generate(users=1, orgs=1, seed=1))
    bad = tmp_path / "bad.json"
    bad.write_text('[{"model": "sentry.user", "pk": 1')
    missing = tmp_path / "missing.json"
    findings = tmp_path / "findings.json"
    sides = (bad, good) if bad_side == "left" else (good, bad)

    invalid = _offline(
        tmp_path, "backup", "compare", *map(str, sides), "--findings-file", str(findings)
    )
    sides = (missing, good) if bad_side == "left" else (good, missing)
    unreadable = _offline(tmp_path, "backup", "compare", *map(str, sides))

    for proc in (invalid, unreadable):
        assert proc.returncode == 1
        assert f"Invalid {bad_side} JSON: " in proc.stderr
    assert "missing.json" in unreadable.stderr
    assert not findings.exists()


def test_an_export_and_a_modified_copy_differ_with_findings_written_and_exit_1(
    module_pair, tmp_path
):
    src = write_export(tmp_path / "source.json", generate(users=3, orgs=1, seed=8))
    run_cli(module_pair, "import", "global", str(src), "--no-prompt")
    exported = tmp_path / "e1.json"
    run_cli(module_pair, "export", "global", str(exported))
    records = json.loads(exported.read_text())
    team = next(r for r in records if r["model"] == "sentry.team")
    team["fields"]["name"] = "Renamed team"
    email = next(r for r in records if r["model"] == "sentry.useremail")
    email["fields"]["email"] = "someone.else@example.org"
    modified = write_export(tmp_path / "modified.json", records)
    findings = tmp_path / "findings.json"

    proc = run_cli(
        module_pair,
        "backup",
        "compare",
        str(exported),
        str(modified),
        "--findings-file",
        str(findings),
        check=False,
    )

    assert proc.returncode == 1
    assert "Done, found 2 differences:" in proc.stdout
    written = json.loads(findings.read_text())
    assert findings.read_text() == json.dumps(written, indent=2, sort_keys=True) + "\n"
    assert [(f["kind"], f["on"][0], f["field"]) for f in written] == [
        ("UnequalJSON", "sentry.team", None),
        ("EmailObfuscatingComparator", "sentry.useremail", "email"),
    ]
    assert all(f["finding"] == "ComparatorFinding" for f in written)
    assert "Renamed team" in written[0]["reason"]
    assert "someone.else" not in proc.stdout
    assert "s...@...le.org" in written[1]["reason"]


def test_export_import_export_round_trip_compares_equal(silo_pair_factory, tmp_path):
    first, second = silo_pair_factory("first"), silo_pair_factory("second")
    source = write_export(tmp_path / "source.json", generate(users=5, orgs=2, seed=11))
    e1, e2 = tmp_path / "e1.json", tmp_path / "e2.json"

    run_cli(first, "import", "global", str(source), "--no-prompt")
    run_cli(first, "export", "global", str(e1))
    run_cli(second, "import", "global", str(e1), "--no-prompt")
    run_cli(second, "export", "global", str(e2))
    findings = tmp_path / "findings.json"
    proc = _offline(
        tmp_path, "backup", "compare", str(e1), str(e2), "--findings-file", str(findings)
    )

    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Done, found 0 differences!" in proc.stdout
    assert json.loads(findings.read_text()) == []
    assert len(json.loads(e2.read_text())) == len(json.loads(source.read_text()))
    from_source = _offline(tmp_path, "backup", "compare", str(source), str(e1))
    assert from_source.returncode == 0, from_source.stdout
