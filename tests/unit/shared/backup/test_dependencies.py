"""DependencyGraph: import order (dependencies first) and cycle detection."""

from __future__ import annotations

import itertools
import random
from collections.abc import Mapping

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.backup.dependencies import DependencyGraph
from shared.backup.descriptors import ForeignKey, ModelDescriptor, Silo
from shared.backup.errors import DependencyCycleError, UnknownModelError
from shared.backup.model_names import ModelName
from shared.backup.scopes import RelocationScope

Edges = dict[ModelName, set[ModelName]]

model_names = st.from_regex(r"[a-z][a-z0-9]{0,4}\.[a-z][a-z0-9_]{0,6}", fullmatch=True).map(
    ModelName
)


def descriptor(
    name: str, fks: tuple[str, ...] = (), relocation_dependencies: tuple[str, ...] = ()
) -> ModelDescriptor:
    return ModelDescriptor(
        name=ModelName(name),
        silo=Silo.REGION,
        scopes=frozenset({RelocationScope.ORGANIZATION}),
        foreign_keys=tuple(ForeignKey(f"{target}_ref", ModelName(target)) for target in fks),
        relocation_dependencies=tuple(ModelName(d) for d in relocation_dependencies),
    )


@st.composite
def graphs(draw: st.DrawFn, *, with_cycle: bool) -> tuple[list[ModelDescriptor], Edges]:
    """Random descriptors and their dependency edges (self-references excluded).

    Edges go from later to earlier models in a random list, so the graph is a DAG; with
    ``with_cycle`` a random chain of at least two models is closed into a cycle and a few random
    back edges are added.
    """
    names: list[ModelName] = draw(
        st.lists(model_names, min_size=2 if with_cycle else 1, max_size=9, unique=True)
    )
    edges: Edges = {name: set() for name in names}
    for i, name in enumerate(names):
        if i:
            edges[name] |= draw(st.sets(st.sampled_from(names[:i])))
    if with_cycle:
        chain = sorted(draw(st.sets(st.sampled_from(range(len(names))), min_size=2)))
        for earlier, later in itertools.pairwise(chain):
            edges[names[later]].add(names[earlier])
        edges[names[chain[0]]].add(names[chain[-1]])
        indices = st.integers(0, len(names) - 1)
        for _ in range(draw(st.integers(0, 2))):
            i, j = draw(indices), draw(indices)
            if i < j:
                edges[names[i]].add(names[j])
    descriptors = []
    for name in draw(st.permutations(names)):
        deps = sorted(edges[name])
        as_fk = draw(st.lists(st.booleans(), min_size=len(deps), max_size=len(deps)))
        fks = tuple(d for d, fk in zip(deps, as_fk, strict=True) if fk)
        others = tuple(d for d, fk in zip(deps, as_fk, strict=True) if not fk)
        if draw(st.booleans()):
            fks += (name,)  # a self-reference never makes a cycle
        descriptors.append(descriptor(name, fks, others))
    return descriptors, edges


def on_a_cycle(edges: Mapping[ModelName, set[ModelName]]) -> set[ModelName]:
    """Brute force: the models that can reach themselves."""
    found = set()
    for start in edges:
        seen: set[ModelName] = set()
        frontier = list(edges[start])
        while frontier:
            node = frontier.pop()
            if node == start:
                found.add(start)
                break
            if node not in seen:
                seen.add(node)
                frontier.extend(edges[node])
    return found


@given(graphs(with_cycle=False))
def test_sorted_models_puts_every_model_after_all_its_dependencies(
    graph_and_edges: tuple[list[ModelDescriptor], Edges],
) -> None:
    descriptors, edges = graph_and_edges

    order = DependencyGraph.from_descriptors(descriptors).sorted_models()

    assert sorted(order) == sorted(edges)
    position = {name: i for i, name in enumerate(order)}
    for model, deps in edges.items():
        for dep in deps:
            assert position[dep] < position[model], f"{dep} must come before {model}"


@given(graphs(with_cycle=False), st.randoms(use_true_random=False))
def test_sorted_models_does_not_depend_on_declaration_order(
    graph_and_edges: tuple[list[ModelDescriptor], Edges], rnd: random.Random
) -> None:
    descriptors, _ = graph_and_edges
    shuffled = list(descriptors)
    rnd.shuffle(shuffled)

    assert (
        DependencyGraph.from_descriptors(shuffled).sorted_models()
        == DependencyGraph.from_descriptors(descriptors).sorted_models()
    )


@given(graphs(with_cycle=True))
def test_any_cycle_raises_naming_exactly_the_models_on_a_cycle(
    graph_and_edges: tuple[list[ModelDescriptor], Edges],
) -> None:
    descriptors, edges = graph_and_edges
    expected = on_a_cycle(edges)
    assert expected, "the strategy must plant a cycle"

    with pytest.raises(DependencyCycleError) as info:
        DependencyGraph.from_descriptors(descriptors)

    assert set(info.value.metadata["models"].split(",")) == expected


def test_cycle_error_names_the_cycle_but_not_models_upstream_or_downstream() -> None:
    descriptors = [
        descriptor("app.root"),
        descriptor("app.a", fks=("app.c", "app.root")),
        descriptor("app.b", fks=("app.a",)),
        descriptor("app.c", relocation_dependencies=("app.b",)),
        descriptor("app.downstream", fks=("app.b",)),
    ]

    with pytest.raises(DependencyCycleError) as info:
        DependencyGraph.from_descriptors(descriptors)

    assert info.value.metadata["models"] == "app.a,app.b,app.c"
    assert str(info.value) == "dependency cycle among models: app.a, app.b, app.c"


def test_sorted_models_takes_independent_models_in_name_order() -> None:
    graph = DependencyGraph.from_descriptors(
        [
            descriptor("sentry.team", fks=("sentry.organization",)),
            descriptor("sentry.user"),
            descriptor("sentry.organization"),
            descriptor("sentry.email", relocation_dependencies=("sentry.user",)),
        ]
    )

    assert graph.sorted_models() == (
        "sentry.organization",
        "sentry.user",
        "sentry.email",
        "sentry.team",
    )


def test_from_descriptors_rejects_a_dependency_on_an_undeclared_model() -> None:
    with pytest.raises(UnknownModelError) as info:
        DependencyGraph.from_descriptors([descriptor("sentry.team", fks=("sentry.organization",))])

    assert "sentry.organization" in str(info.value)
    assert "sentry.team" in str(info.value)


def test_get_returns_the_descriptor_of_a_known_model_by_any_spelling() -> None:
    user = descriptor("sentry.user")
    graph = DependencyGraph.from_descriptors([user])

    assert graph.get("sentry.user") is user
    assert graph.get("Sentry.User") is user
    assert "sentry.user" in graph
    assert "sentry.team" not in graph


@pytest.mark.parametrize("name", ["sentry.team", "not a model name"])
def test_get_raises_unknown_model_error_for_an_undeclared_or_invalid_name(name: str) -> None:
    graph = DependencyGraph.from_descriptors([descriptor("sentry.user")])

    with pytest.raises(UnknownModelError) as info:
        graph.get(name)

    assert info.value.model == name
