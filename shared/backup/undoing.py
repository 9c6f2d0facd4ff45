"""Undoing an import across both silos: plan, refuse with the rows that stand in the way, then
undo chunk by chunk in reverse dependency order.

Each silo plans its own part (``PlanUndo``) and undoes one chunk per call (``UndoChunk``, one
transaction that also drops the chunk), so the whole is resumable: an interrupted undo plans
again with the chunks left. Slug reservations and organization mappings the import created in
control are those of the organizations it inserted; they are released first, while the
organizations' chunks still name them (releasing twice is a no-op).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from shared.backup.dependencies import DependencyGraph
from shared.backup.descriptors import Silo

ORGANIZATION = "sentry.organization"


@dataclass(frozen=True, slots=True)
class ChunkPlan:
    """What undoing one chunk deletes and writes back."""

    model: str
    min_ordinal: int
    inserted: tuple[int, ...] = ()
    """Pks of the rows the chunk inserted (to delete)."""
    restored: tuple[int, ...] = ()
    """Pks of the rows the chunk overwrote (to write back as they were)."""


@dataclass(frozen=True, slots=True)
class ChunkUndone:
    """What undoing one chunk did."""

    deleted: int = 0
    restored: int = 0
    already_undone: bool = False


class UndoSink(Protocol):
    """One silo's undo calls (RelocationClient)."""

    def plan_undo(
        self, *, import_uuid: str, removed: Mapping[str, Collection[int]]
    ) -> tuple[list[ChunkPlan], list[str]]:
        """The silo's chunks of the import and what refuses undoing them."""
        ...

    def undo_chunk(self, *, import_uuid: str, model: str, min_ordinal: int) -> ChunkUndone:
        """Undo one chunk."""
        ...


class SlugReleaser(Protocol):
    """Control's slug reservations (OrganizationProvisioningClient)."""

    def release_organization_slug_reservations(
        self, *, region_name: str, organization_ids: Collection[int]
    ) -> tuple[int, int]:
        """Release the organizations' slugs and mappings; (reservations, mappings) deleted."""
        ...


@dataclass(slots=True)
class UndoPlan:
    """Both silos' parts of one undo."""

    chunks: dict[Silo, list[ChunkPlan]] = field(default_factory=dict)
    blockers: list[str] = field(default_factory=list)

    def per_model(self) -> dict[str, tuple[int, int]]:
        """Model -> (rows to delete, rows to write back), in model-name order."""
        out: dict[str, tuple[int, int]] = {}
        for chunks in self.chunks.values():
            for c in chunks:
                deleted, restored = out.get(c.model, (0, 0))
                out[c.model] = (deleted + len(c.inserted), restored + len(c.restored))
        return dict(sorted(out.items()))

    def organizations(self) -> set[int]:
        """Ids of the organizations the import created (whose slugs it reserved)."""
        return {
            pk
            for chunks in self.chunks.values()
            for c in chunks
            if c.model == ORGANIZATION
            for pk in c.inserted
        }

    def inserted(self, silo: Silo) -> dict[str, set[int]]:
        """Pks the undo deletes in ``silo``, by model."""
        out: dict[str, set[int]] = {}
        for c in self.chunks.get(silo, []):
            out.setdefault(c.model, set()).update(c.inserted)
        return out

    @property
    def empty(self) -> bool:
        """Whether no chunk of the import is left in any silo."""
        return not any(self.chunks.values())


@dataclass(slots=True)
class UndoReport:
    """What an undo did."""

    deleted: dict[str, int] = field(default_factory=dict)
    restored: dict[str, int] = field(default_factory=dict)
    chunks: int = 0
    already_undone: int = 0
    reservations: int = 0
    mappings: int = 0

    def summary(self) -> str:
        """One line for the console and the relocation record."""
        return (
            f"removed {sum(self.deleted.values())} row(s), restored "
            f"{sum(self.restored.values())} in {self.chunks} chunk(s) "
            f"({self.already_undone} undone before); released {self.reservations} slug "
            f"reservation(s) and {self.mappings} organization mapping(s)"
        )


def plan_undo(sinks: Mapping[Silo, UndoSink], import_uuid: str) -> UndoPlan:
    """Ask every silo for its chunks, then for what refuses the undo given every silo's rows
    to delete (a region's members may refer to users control would delete)."""
    plan = UndoPlan()
    own_blockers: dict[Silo, list[str]] = {}
    for silo, sink in sinks.items():
        plan.chunks[silo], own_blockers[silo] = sink.plan_undo(import_uuid=import_uuid, removed={})
    for silo, sink in sinks.items():
        others: dict[str, set[int]] = {}
        for other in sinks:
            if other is not silo:
                for model, pks in plan.inserted(other).items():
                    others.setdefault(model, set()).update(pks)
        blockers = own_blockers[silo]
        if others:
            _, blockers = sink.plan_undo(import_uuid=import_uuid, removed=others)
        plan.blockers += [f"{silo.value}: {b}" for b in blockers]
    return plan


def run_undo(
    plan: UndoPlan,
    *,
    import_uuid: str,
    sinks: Mapping[Silo, UndoSink],
    slugs: SlugReleaser,
    region_name: str,
    graph: DependencyGraph,
) -> UndoReport:
    """Release the import's slugs, then undo every chunk, dependents first (reverse dependency
    order across both silos, and within a model the last chunk first)."""
    report = UndoReport()
    organizations = plan.organizations()
    if organizations:
        report.reservations, report.mappings = slugs.release_organization_slug_reservations(
            region_name=region_name, organization_ids=organizations
        )
    for silo, chunk in _undo_order(plan, graph):
        done = sinks[silo].undo_chunk(
            import_uuid=import_uuid, model=chunk.model, min_ordinal=chunk.min_ordinal
        )
        report.chunks += 1
        report.already_undone += int(done.already_undone)
        report.deleted[chunk.model] = report.deleted.get(chunk.model, 0) + done.deleted
        report.restored[chunk.model] = report.restored.get(chunk.model, 0) + done.restored
    return report


def _undo_order(plan: UndoPlan, graph: DependencyGraph) -> list[tuple[Silo, ChunkPlan]]:
    """Every chunk, models in reverse dependency order (models the graph does not know, first:
    nothing the graph knows depends on them), each model's chunks last first."""
    rank = {str(model): i for i, model in enumerate(graph.sorted_models())}
    pairs = [(silo, c) for silo, chunks in plan.chunks.items() for c in chunks]
    return sorted(pairs, key=lambda p: (-rank.get(p[1].model, len(rank)), -p[1].min_ordinal))
