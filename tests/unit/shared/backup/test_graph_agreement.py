"""shared/backup/models.json agrees with Sentry's relocation graph on every model.

The graph is vendored as tests/data/sentry-graph.json (a copy of
``../shared/reference/sentry-models/graph.json``, which a second test holds it to when the
reference sits beside the clone). Per model: silo, scopes, foreign keys (field, target,
nullability) and unique sets. Each test fails naming the first disagreement.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from shared.backup.catalog import OPT_IN_MODELS

REPO = Path(__file__).resolve().parents[4]
VENDORED_GRAPH = REPO / "tests" / "data" / "sentry-graph.json"
REFERENCE_GRAPH = REPO.parent / "shared" / "reference" / "sentry-models" / "graph.json"
SNAPSHOT = REPO / "shared" / "backup" / "models.json"

# Models we carry that Sentry's graph does not: the opt-in event extension, and releases with
# their links (issue #7), which events need and Sentry's relocation leaves out.
ALLOWED_EXTRAS = {str(name) for name in OPT_IN_MODELS} | {
    "sentry.release",
    "sentry.releaseproject",
    "sentry.releaseenvironment",
    "sentry.releaseprojectenvironment",
}

Model = Mapping[str, Any]


def _graph() -> dict[str, Model]:
    return {m["model"]: m for m in json.loads(VENDORED_GRAPH.read_text())["models"]}


def _ours() -> dict[str, Model]:
    return {m["name"]: m for m in json.loads(SNAPSHOT.read_text())["models"]}


def _fks(fks: list[Mapping[str, Any]]) -> list[tuple[str, str, bool]]:
    return sorted((fk["field"], fk["target"], fk["nullable"]) for fk in fks)


def _uniques(sets: list[list[str]]) -> list[tuple[str, ...]]:
    return sorted(tuple(sorted(fields)) for fields in sets)


def disagreement(name: str, theirs: Model, ours: Model) -> str | None:
    """The first way our snapshot of ``name`` differs from the graph's, or None."""
    pairs: list[tuple[str, object, object]] = [
        ("silo", theirs["silo"], ours["silo"]),
        (
            "scopes",
            sorted(s.upper() for s in theirs["scopes"]),
            sorted(s.upper() for s in ours["scopes"]),
        ),
        ("foreign keys", _fks(theirs["foreign_keys"]), _fks(ours["foreign_keys"])),
        ("unique sets", _uniques(theirs["uniques"]), _uniques(ours["unique_sets"])),
    ]
    for what, expected, actual in pairs:
        if expected != actual:
            return f"{name}: {what} are {actual!r} in models.json, {expected!r} in Sentry's graph"
    return None


def test_every_model_we_carry_agrees_with_sentrys_graph() -> None:
    graph, ours = _graph(), _ours()
    for name in sorted(ours):
        if name in ALLOWED_EXTRAS:
            continue
        assert name in graph, f"{name} is in models.json but not in Sentry's graph"
        problem = disagreement(name, graph[name], ours[name])
        assert problem is None, problem


def test_every_model_of_sentrys_graph_is_carried() -> None:
    graph, ours = _graph(), _ours()
    missing = [name for name in graph if name not in ours]
    assert not missing, f"{len(missing)} models of Sentry's graph are missing, first {missing[0]}"


def test_vendored_graph_is_the_reference_copy() -> None:
    if not REFERENCE_GRAPH.exists():
        pytest.skip(f"no reference beside the clone at {REFERENCE_GRAPH}")
    assert json.loads(VENDORED_GRAPH.read_text()) == json.loads(REFERENCE_GRAPH.read_text())


def test_the_vendored_graph_holds_sentrys_95_models() -> None:
    assert len(_graph()) == 95
