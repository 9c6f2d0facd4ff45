"""Imports that must fail, and how they fail (acceptance behaviours 88, 90-92)."""

from __future__ import annotations

import pytest

from tests.integration.acceptance import import_records, reset, team, userip, useroption
from tests.integration.conftest import run_cli
from tests.support.records import org, user

pytestmark = pytest.mark.integration


@pytest.fixture
def pair(module_pair, tmp_path):
    """The module's pair, emptied by a Global import of nothing."""
    reset(module_pair, tmp_path)
    return module_pair


def test_integrity_error_fails_the_import_with_exit_1_and_a_hint(pair, tmp_path):
    records = [org(1, "acme"), team(1, 1, "backend"), team(2, 1, "backend")]

    proc, findings = import_records(pair, tmp_path, "organizations", records, check=False)

    assert proc.returncode == 1
    assert "INTEGRITY_CONFLICT" in proc.stderr
    assert "sentry.team" in proc.stderr
    assert "Are you importing into silos that already hold this data" in proc.stderr
    assert "from an export of another version?" in proc.stderr
    assert findings is not None
    assert findings[-1]["kind"] == "IntegrityError"
    assert findings[-1]["finding"] == "RpcImportError"
    assert findings[-1]["on"][0] == "sentry.team"
    assert pair.count("region", "sentry_team") == 0


@pytest.mark.parametrize("address", ["192.0.2.256", "not an address", "2001:db8::g"])
def test_malformed_user_ip_is_an_error_naming_sentry_userip(pair, tmp_path, address):
    records = [user(1, "alice"), userip(1, 1, address, None, None)]

    proc, findings = import_records(pair, tmp_path, "global", records, check=False)

    assert proc.returncode == 1
    assert "sentry.userip #1 field 'ip_address'" in proc.stderr
    assert findings is not None
    assert (findings[-1]["kind"], findings[-1]["on"]) == ("InstanceInvalid", ["sentry.userip", 1])
    assert pair.count("control", "sentry_userip") == 0


def test_user_timezone_option_naming_an_unknown_zone_is_an_error_naming_sentry_useroption(
    pair, tmp_path
):
    records = [
        user(1, "alice"),
        useroption(1, 1, "language", '"en"'),
        useroption(2, 1, "timezone", '"Mars/Olympus_Mons"'),
    ]

    proc, findings = import_records(pair, tmp_path, "users", records, check=False)

    assert proc.returncode == 1
    assert (
        "sentry.useroption #2 field 'value': unknown time zone 'Mars/Olympus_Mons'" in proc.stderr
    )
    assert findings is not None
    assert (findings[-1]["kind"], findings[-1]["on"]) == (
        "InstanceInvalid",
        ["sentry.useroption", 2],
    )
    assert pair.count("control", "sentry_useroption") == 0


def test_user_timezone_option_naming_a_known_zone_is_imported(pair, tmp_path):
    records = [user(1, "alice"), useroption(1, 1, "timezone", '"Europe/Vienna"')]

    import_records(pair, tmp_path, "users", records)

    assert pair.count("control", "sentry_useroption") == 1


@pytest.mark.parametrize("scope", ["users", "organizations", "config", "global"])
def test_import_of_a_file_that_does_not_exist_is_a_usage_error(module_pair, tmp_path, scope):
    findings = tmp_path / "findings.json"

    proc = run_cli(
        module_pair,
        "import",
        scope,
        str(tmp_path / "missing.json"),
        "--no-prompt",
        "--findings-file",
        str(findings),
        check=False,
    )

    assert proc.returncode == 2
    assert "does not exist" in proc.stderr
    assert not findings.exists()
