"""Colliding configuration with --overwrite-configs on and off (acceptance behaviours 46-48, 76)."""

from __future__ import annotations

import pytest

from tests.integration.acceptance import chunks, import_records, relay, relayusage, reset, seed
from tests.support.records import option, userrole

pytestmark = pytest.mark.integration

RUN = "5eed0000000000000000000000000002"
LOCAL = [
    option(1, "mail.from", '"local@example.com"'),
    option(1, "system.admin-email", '"local@example.com"', model="sentry.controloption"),
    relay(1, "relay-1", "local-key"),
    relayusage(1, "relay-1", "24.2.0", "local-key"),
    userrole(1, "Super Admin", "['local.admin']"),
]
IMPORTED = [
    option(3, "mail.from", '"imported@example.com"'),
    option(4, "system.admin-email", '"imported@example.com"', model="sentry.controloption"),
    relay(7, "relay-1", "imported-key"),
    relayusage(8, "relay-1", "24.2.0", "imported-key"),
    userrole(2, "Super Admin", "['users.admin', 'options.admin', 'broadcasts.admin']"),
]
# Where each model's chunk and rows live.
MODELS = {
    "sentry.option": "region",
    "sentry.controloption": "control",
    "sentry.relay": "region",
    "sentry.relayusage": "region",
    "sentry.userrole": "control",
}


@pytest.fixture
def pair(module_pair, tmp_path):
    """The module's pair, emptied by a Global import of nothing."""
    reset(module_pair, tmp_path)
    return module_pair


def _values(pair):
    return {
        "option": pair.query("region", "SELECT id, value #>> '{}' FROM sentry_option"),
        "controloption": pair.query(
            "control", "SELECT id, value #>> '{}' FROM sentry_controloption"
        ),
        "relay": pair.query("region", "SELECT id, public_key FROM sentry_relay"),
        "relayusage": pair.query("region", "SELECT id, public_key FROM sentry_relayusage"),
        "userrole": pair.query("control", "SELECT id, permissions FROM sentry_userrole"),
    }


def _maps(pair, model):
    (chunk,) = chunks(pair, MODELS[model], model, import_uuid=RUN)
    return {
        "inserted": len(chunk["inserted_map"]),
        "existing": len(chunk["existing_map"]),
        "overwrite": len(chunk["overwrite_map"]),
    }


@pytest.mark.parametrize("merge", [False, True])
def test_overwrite_configs_writes_the_imported_values_onto_the_existing_rows(pair, tmp_path, merge):
    seed(pair, tmp_path, LOCAL)
    flags = ("--overwrite-configs", "--merge-users") if merge else ("--overwrite-configs",)

    import_records(pair, tmp_path, "config", IMPORTED, *flags, "--import-uuid", RUN)

    assert _values(pair) == {
        "option": [(1, '"imported@example.com"')],
        "controloption": [(1, '"imported@example.com"')],
        "relay": [(1, "imported-key")],
        "relayusage": [(1, "imported-key")],
        "userrole": [(1, "['users.admin', 'options.admin', 'broadcasts.admin']")],
    }
    for model in MODELS:
        assert _maps(pair, model) == {"inserted": 0, "existing": 0, "overwrite": 1}, model


def test_without_overwrite_configs_the_existing_values_win(pair, tmp_path):
    seed(pair, tmp_path, LOCAL)
    before = _values(pair)

    import_records(pair, tmp_path, "config", IMPORTED, "--import-uuid", RUN)

    assert _values(pair) == before
    assert before["userrole"] == [(1, "['local.admin']")]
    for model in MODELS:
        assert _maps(pair, model) == {"inserted": 0, "existing": 1, "overwrite": 0}, model


def test_a_fresh_insert_is_recorded_in_the_chunks_inserted_map(pair, tmp_path):
    import_records(pair, tmp_path, "config", IMPORTED, "--import-uuid", RUN)

    for model in MODELS:
        assert _maps(pair, model) == {"inserted": 1, "existing": 0, "overwrite": 0}, model
