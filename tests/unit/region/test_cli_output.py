"""The CLI's error reporting: every failure, expected or not, exits 1 with a findings entry."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest

from region.cli.output import Printer, reported
from shared.backup.errors import RelocationError


def _run(tmp_path: Path, exc: BaseException) -> tuple[int | str | None, list[dict[str, object]]]:
    findings = tmp_path / "findings.json"
    with (
        pytest.raises(SystemExit) as exited,
        reported(Printer(silent=False, no_prompt=True), findings, "Import"),
    ):
        raise exc
    return exited.value.code, json.loads(findings.read_text())


def test_an_unexpected_exception_exits_1_with_a_finding_and_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, findings = _run(tmp_path, KeyError("fields"))
    assert code == 1
    assert [f["finding"] for f in findings] == ["UnexpectedError"]
    assert "unexpected KeyError" in str(findings[0]["reason"])
    err = capsys.readouterr().err
    assert "Import failed (unexpected KeyError: 'fields'); this is a bug" in err


def test_a_relocation_error_exits_1_with_its_own_finding(tmp_path: Path) -> None:
    code, findings = _run(tmp_path, RelocationError("the file is bad"))
    assert code == 1
    assert findings[0]["finding"] == "RelocationError"


def test_click_usage_errors_pass_through(tmp_path: Path) -> None:
    with (
        pytest.raises(click.UsageError),
        reported(Printer(silent=True, no_prompt=True), tmp_path / "f.json", "Import"),
    ):
        raise click.UsageError("bad flag")
