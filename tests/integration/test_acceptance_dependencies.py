"""The running silos' model metadata equals the committed snapshot (acceptance behaviours
132-134)."""

from __future__ import annotations

import pytest

from shared.backup.descriptors import Silo
from shared.backup.snapshot import descriptor_to_json, load_snapshot, read_snapshot
from shared.rpc.channels import make_channel
from shared.rpc.clients import RelocationClient
from tests.integration.acceptance import graph_of

pytestmark = pytest.mark.integration


def _served(pair):
    """Every descriptor the two running silos report, by model name."""
    served: dict[str, dict[str, object]] = {}
    for silo in Silo:
        channel = make_channel(pair.client_config(silo))
        try:
            name, models = RelocationClient(channel, 30).list_models()
        finally:
            channel.close()
        assert name == silo.value
        served |= {str(d.name): descriptor_to_json(d) for d in models}
    return served


def test_served_model_descriptors_equal_the_committed_snapshot(module_pair):
    committed = {str(d.name): descriptor_to_json(d) for d in read_snapshot()}

    served = _served(module_pair)

    assert sorted(served) == sorted(committed)
    for name, descriptor in served.items():
        assert descriptor == committed[name], name


def test_served_dependencies_and_import_order_equal_the_committed_snapshots(module_pair):
    committed = load_snapshot()

    served = graph_of(module_pair)

    assert served.sorted_models() == committed.sorted_models()
    for model in committed.sorted_models():
        assert served.get(model).dependencies == committed.get(model).dependencies, model
