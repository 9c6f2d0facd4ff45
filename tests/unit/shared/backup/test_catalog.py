"""MODEL_SILOS: which silo owns each relocatable model, as Sentry's relocation graph says."""

from __future__ import annotations

import json
from pathlib import Path

from shared.backup.catalog import MODEL_SILOS, OPT_IN_MODELS
from shared.backup.descriptors import Silo
from shared.backup.model_names import ModelName

GRAPH = Path(__file__).resolve().parents[4] / "tests" / "data" / "sentry-graph.json"
# Region models we carry that Sentry's graph does not: releases and their links (issue #7),
# which events need, and the opt-in event extension.
REGION_EXTRAS = {
    "sentry.release",
    "sentry.releaseproject",
    "sentry.releaseenvironment",
    "sentry.releaseprojectenvironment",
} | {str(name) for name in OPT_IN_MODELS}


def _graph_silos() -> dict[str, str]:
    return {m["model"]: m["silo"] for m in json.loads(GRAPH.read_text())["models"]}


def test_every_catalogued_model_sits_in_the_silo_sentrys_graph_names() -> None:
    graph = _graph_silos()
    for name, silo in MODEL_SILOS.items():
        if str(name) in REGION_EXTRAS:
            assert silo is Silo.REGION, name
            continue
        assert str(name) in graph, f"{name} is catalogued but not in Sentry's graph"
        assert silo.value == graph[str(name)], f"{name}: {silo.value}, graph says {graph[name]}"


def test_user_owned_models_and_controloption_are_control_ones() -> None:
    control = {name for name, silo in MODEL_SILOS.items() if silo is Silo.CONTROL}
    assert {"sentry.user", "sentry.useremail", "sentry.controloption", "sentry.apitoken"} <= control
    assert not control & REGION_EXTRAS


def test_catalog_keys_are_validated_model_names() -> None:
    assert all(type(name) is ModelName for name in MODEL_SILOS)
