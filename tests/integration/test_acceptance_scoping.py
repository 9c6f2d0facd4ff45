"""Which models an import of each scope touches, and its chunks (acceptance behaviours 1-6, 14)."""

from __future__ import annotations

import pytest

from shared.backup.catalog import MODEL_SILOS
from shared.backup.descriptors import Silo
from tests.integration.acceptance import (
    CLI_SCOPES,
    chunks,
    export_records,
    graph_of,
    import_records,
    model_counts,
    of_model,
    reset,
)
from tests.support.instance import INSTANCE_MODELS, generate

pytestmark = pytest.mark.integration

SOURCE = generate(users=4, orgs=2, seed=21)
# The models the generated instance holds (all we carry but events and the unexportable).
CARRIED = set(INSTANCE_MODELS)


@pytest.fixture(scope="module", params=list(CLI_SCOPES))
def imported(request, module_pair, tmp_path_factory):
    """The module's pair after an import of SOURCE into emptied silos, once per scope.

    Module-scoped and parametrized, so pytest runs every test of one scope after one import.
    """
    tmp_path = tmp_path_factory.mktemp(f"scope-{request.param}")
    reset(module_pair, tmp_path)
    _, findings = import_records(module_pair, tmp_path, request.param, SOURCE)
    return module_pair, request.param, findings


def test_import_in_a_scope_fills_every_admitted_model_and_no_other(imported, tmp_path):
    pair, scope, _ = imported
    graph = graph_of(pair)
    admitted = {m for m in CARRIED if CLI_SCOPES[scope].admits_any(graph.get(m).scopes)}
    assert {r["model"] for r in SOURCE} == CARRIED

    counts = model_counts(export_records(pair, tmp_path, "global"))
    assert {m for m in admitted if counts[m] == 0} == set()
    assert {m for m in CARRIED - admitted if counts[m] != 0} == set()


def test_import_in_a_scope_writes_one_chunk_per_imported_model_in_its_silo(imported):
    pair, scope, _ = imported
    graph = graph_of(pair)
    admitted = {m for m in CARRIED if CLI_SCOPES[scope].admits_any(graph.get(m).scopes)}

    region, control, replica = (
        chunks(pair, "region"),
        chunks(pair, "control"),
        chunks(pair, "replica"),
    )
    assert sorted(c["model"] for c in region) == sorted(
        m for m in admitted if MODEL_SILOS[m] is Silo.REGION
    )
    assert sorted(c["model"] for c in control) == sorted(
        m for m in admitted if MODEL_SILOS[m] is Silo.CONTROL
    )
    # Every control chunk has a region-side replica equal in every field but id and dates.
    assert control
    assert replica == control


def test_one_import_run_uses_one_import_uuid_in_every_chunk_table(imported):
    pair, scope, _ = imported

    uuids = {
        kind: {c["import_uuid"] for c in chunks(pair, kind)}
        for kind in ("control", "replica", "region")
    }
    assert len(uuids["control"]) == 1
    assert uuids["replica"] == uuids["control"]
    # A User import writes no region model, so no region chunk.
    assert uuids["region"] == (set() if scope == "users" else uuids["control"])


def test_authenticators_are_imported_only_in_global_scope(imported):
    pair, scope, findings = imported
    in_file = len(of_model(SOURCE, "sentry.authenticator"))
    assert in_file > 0

    expected = in_file if scope == "global" else 0
    assert pair.count("control", "auth_authenticator") == expected
    assert findings is not None
    out_of_scope = [
        f for f in findings if f["kind"] == "OutOfScope" and f["on"][0] == "sentry.authenticator"
    ]
    assert len(out_of_scope) == (0 if scope == "global" else 1)
