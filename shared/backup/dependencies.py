"""The dependency graph of models and the import order it implies."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from shared.backup.descriptors import ModelDescriptor
from shared.backup.errors import DependencyCycleError, UnknownModelError
from shared.backup.model_names import ModelName


@dataclass(frozen=True, slots=True)
class DependencyGraph:
    """Descriptors of every known model, keyed by wire name, with a deterministic order."""

    descriptors: Mapping[ModelName, ModelDescriptor]
    order: tuple[ModelName, ...]

    @classmethod
    def from_descriptors(cls, descriptors: Iterable[ModelDescriptor]) -> DependencyGraph:
        """Build the graph; raise DependencyCycleError naming the models of any cycle."""
        by_name: dict[ModelName, ModelDescriptor] = {}
        for descriptor in descriptors:
            by_name[descriptor.name] = descriptor
        for descriptor in by_name.values():
            for dep in descriptor.dependencies:
                if dep not in by_name:
                    raise UnknownModelError(f"{dep} (a dependency of {descriptor.name})")
        return cls(descriptors=by_name, order=_sorted_models(by_name))

    def __contains__(self, name: object) -> bool:
        return name in self.descriptors

    def get(self, name: str) -> ModelDescriptor:
        """The descriptor of ``name``; raise UnknownModelError if no silo declares it."""
        try:
            return self.descriptors[ModelName(name)]
        except (KeyError, ValueError):
            raise UnknownModelError(name) from None

    def sorted_models(self) -> tuple[ModelName, ...]:
        """Every model, each after all of its dependencies."""
        return self.order


def _sorted_models(by_name: Mapping[ModelName, ModelDescriptor]) -> tuple[ModelName, ...]:
    """Kahn's algorithm, taking ready models in name order so the result is deterministic."""
    remaining = {name: set(d.dependencies) for name, d in by_name.items()}
    order: list[ModelName] = []
    while remaining:
        ready = sorted(name for name, deps in remaining.items() if not deps)
        if not ready:
            raise DependencyCycleError(_cycle_members(remaining))
        for name in ready:
            order.append(name)
            del remaining[name]
        for deps in remaining.values():
            deps.difference_update(ready)
    return tuple(order)


def _cycle_members(remaining: Mapping[ModelName, set[ModelName]]) -> list[str]:
    """The models that lie on a cycle (not merely downstream of one)."""
    on_cycle: set[ModelName] = set()
    for start in remaining:
        stack, seen = [start], set()
        while stack:
            node = stack.pop()
            for dep in remaining.get(node, ()):
                if dep == start:
                    on_cycle.add(start)
                elif dep not in seen:
                    seen.add(dep)
                    stack.append(dep)
    return sorted(on_cycle or remaining)
