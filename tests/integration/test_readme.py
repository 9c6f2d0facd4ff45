"""The README's first command, run verbatim in a fresh copy of the repository."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest

from tests.integration.conftest import ROOT

pytestmark = pytest.mark.integration


def _readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    return re.findall(r"```sh\n(.+?)\n```", text, flags=re.DOTALL)


def test_readme_starts_with_the_main_job_and_the_test_command():
    commands = _readme_commands()
    assert len(commands) >= 2
    assert "relocate dev up --background" in commands[0]
    assert "relocate import global examples/sentry-export.json --no-prompt" in commands[0]
    assert commands[1] == "bash .ci/run"


def test_readme_main_job_works_in_a_fresh_copy(tmp_path):
    files = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\n")
    fresh = tmp_path / "clone"
    for name in filter(None, files):
        source = ROOT / name
        if source.is_file():
            (fresh / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, fresh / name)
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(tmp_path)}
    try:
        proc = subprocess.run(
            ["bash", "-c", _readme_commands()[0]],
            cwd=fresh,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
        )
    finally:
        if (fresh / ".relocate" / "dev.json").exists():
            subprocess.run(
                [str(fresh / ".venv/bin/relocate"), "dev", "down"],
                cwd=fresh,
                capture_output=True,
                timeout=60,
            )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    exported = json.loads((fresh / "out.json").read_text())
    shipped = json.loads((fresh / "examples" / "sentry-export.json").read_text())
    assert len(exported) == len(shipped)
    assert "Stopped the silos." in proc.stdout
