"""The import and export commands of every scope with their flags (acceptance behaviour 128)."""

from __future__ import annotations

import json

import pytest

from tests.integration.acceptance import import_records, reset
from tests.integration.conftest import run_cli
from tests.support.instance import generate

pytestmark = pytest.mark.integration

SOURCE = generate(users=3, orgs=2, seed=2)
IMPORT_FLAGS = {
    "users": ("--filter-usernames", "user0,user1", "--merge-users"),
    "organizations": ("--filter-org-slugs", "org-0", "--merge-users"),
    "config": ("--merge-users", "--overwrite-configs"),
    "global": (),
}
EXPORT_FLAGS = {
    "users": ("--filter-usernames", "user0"),
    "organizations": ("--filter-org-slugs", "org-0"),
    "config": (),
    "global": (),
}


@pytest.mark.parametrize("scope", list(IMPORT_FLAGS))
def test_silent_import_and_export_print_nothing_and_write_findings_without_errors(
    module_pair, tmp_path, scope
):
    reset(module_pair, tmp_path)

    imported, findings = import_records(
        module_pair, tmp_path, scope, SOURCE, "--silent", *IMPORT_FLAGS[scope]
    )
    export_findings = tmp_path / "export-findings.json"
    exported = run_cli(
        module_pair,
        "export",
        scope,
        str(tmp_path / "out.json"),
        "--silent",
        "--findings-file",
        str(export_findings),
        *EXPORT_FLAGS[scope],
    )

    assert imported.stdout == exported.stdout == ""
    assert findings is not None
    # A clean import's findings file holds no counts (they go to --report-file) and no error:
    # empty in Global scope, as Sentry's; a narrower scope, with its filters, names the records
    # it left out by a rule (where Sentry drops them silently).
    if scope == "global":
        assert findings == []
    else:
        assert {f["finding"] for f in findings} == {"ImportFinding"}
        assert {f["kind"] for f in findings} <= {"OutOfScope", "Filtered", "ReferenceNotImported"}
    assert json.loads(export_findings.read_text()) == []
    assert json.loads((tmp_path / "out.json").read_text())
