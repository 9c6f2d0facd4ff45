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
    # Adapted: a successful import's findings file holds its reconciliation, and no error.
    assert [f for f in findings if f["kind"] == "ImportError"] == []
    reconciled = {f["on"][0] for f in findings if f["kind"] == "Reconciliation"}
    assert reconciled == {r["model"] for r in SOURCE}
    assert json.loads(export_findings.read_text()) == []
    assert json.loads((tmp_path / "out.json").read_text())
