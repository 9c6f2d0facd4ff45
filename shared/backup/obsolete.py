"""Older exports: models Sentry no longer relocates, and fields that moved between versions.

An export made by an older Sentry (23.x, 24.x) carries model kinds the current graph no longer
relocates (``sentry.actor``, ``sites.site``, ...) and fields that later versions replaced (a
rule's ``owner``, an actor pk, became ``owner_user_id`` / ``owner_team``). Their records are
skipped with an ObsoleteModel finding naming why, not as unknown; a moved field is read into the
current field that carries its meaning, and dropped with an ObsoleteField finding only where no
current field can.

``sentry.actor`` records are read (``KEPT_FOR_SHIMS``) only to translate the owners that name
them; they are then dropped like every obsolete model.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from shared.backup.findings import Finding, FindingKind
from shared.backup.model_names import ModelName

if TYPE_CHECKING:  # streaming asks this module which models are obsolete
    from shared.backup.dependencies import DependencyGraph
    from shared.backup.streaming import ExportContents

ACTOR = ModelName("sentry.actor")

_REMOVED = "removed from Sentry; its records are skipped"
_EXCLUDED = "excluded from Sentry's relocation; the import writes its own"

OBSOLETE_MODELS: Mapping[str, str] = {
    "sentry.actor": (
        "removed from Sentry (owners became user and team fields); its records only "
        "translate the owners of rules and alert rules"
    ),
    "sites.site": "Django's sites framework, which Sentry no longer exports; skipped",
    "sentry.alertruleexcludedprojects": _REMOVED,
    "sentry.alertruletriggerexclusion": _REMOVED,
    "sentry.incidentsubscription": "no longer relocated by Sentry; its records are skipped",
    "sentry.monitorenvironment": (
        "no longer relocated by Sentry (monitors recreate their environments); skipped"
    ),
    "sentry.monitorlocation": _REMOVED,
    "sentry.organizationmapping": _EXCLUDED + " from the organizations it imports",
    "sentry.organizationslugreservation": _EXCLUDED + " when it reserves slugs",
    "sentry.controlimportchunk": "excluded bookkeeping of an import; skipped",
    "sentry.regionimportchunk": "excluded bookkeeping of an import; skipped",
}

# Obsolete models whose records are read before they are dropped (see ``apply_version_shims``).
KEPT_FOR_SHIMS = frozenset({ACTOR})


@dataclass(frozen=True, slots=True)
class ActorOwner:
    """An old owner field holding an actor pk, read into a user field or a team field."""

    old: str
    user_field: str
    team_field: str


@dataclass(frozen=True, slots=True)
class Dropped:
    """An old field no current field carries; dropped with a finding saying why."""

    old: str
    reason: str


MOVED_FIELDS: Mapping[str, tuple[ActorOwner | Dropped, ...]] = {
    "sentry.rule": (ActorOwner("owner", "owner_user_id", "owner_team"),),
    "sentry.alertrule": (ActorOwner("owner", "user_id", "team"),),
    "sentry.team": (Dropped("actor", "a team's actor named the team itself"),),
}


def is_obsolete(model: str) -> bool:
    """Whether records of ``model`` are skipped as obsolete or excluded (rather than unknown)."""
    return model in OBSOLETE_MODELS


def obsolete_reason(model: str) -> str:
    """Why records of an obsolete ``model`` are skipped."""
    return OBSOLETE_MODELS[model]


def apply_version_shims(contents: ExportContents, graph: DependencyGraph) -> list[Finding]:
    """Read moved fields into their current fields, drop the rest; forget kept obsolete records.

    Only fields the current model does not carry are touched. Returns one ObsoleteField finding
    per model and dropped field, with the record count.
    """
    actors = {r["pk"]: r["fields"] for r in contents.by_model.get(ACTOR, [])}
    findings: list[Finding] = []
    for model, declared in MOVED_FIELDS.items():
        records = contents.by_model.get(ModelName(model))
        if not records or ModelName(model) not in graph:
            continue
        descriptor = graph.get(ModelName(model))
        known = set(descriptor.fields) | {s.name for s in descriptor.field_schemas}
        moves = tuple(m for m in declared if m.old not in known)
        dropped: Counter[str] = Counter()
        for record in records:
            if _shim_record(record["fields"], moves, actors, known, dropped):
                records.store(record)
        findings.extend(_dropped_findings(model, moves, dropped))
    for name in KEPT_FOR_SHIMS:
        contents.by_model.pop(name, None)
    return findings


def _shim_record(
    fields: dict[str, Any],
    moves: tuple[ActorOwner | Dropped, ...],
    actors: Mapping[int, Mapping[str, Any]],
    known: set[str],
    dropped: Counter[str],
) -> bool:
    """Apply ``moves`` to one record's fields; return whether it changed."""
    changed = False
    for move in moves:
        if move.old not in fields:
            continue
        value = fields.pop(move.old)
        changed = True
        if isinstance(move, ActorOwner) and value is not None:
            if not _read_actor(fields, move, actors.get(value), known):
                dropped[move.old] += 1
        elif isinstance(move, Dropped) and value is not None:
            dropped[move.old] += 1
    return changed


def _read_actor(
    fields: dict[str, Any],
    move: ActorOwner,
    actor: Mapping[str, Any] | None,
    known: set[str],
) -> bool:
    """Set the user or team field an actor names, unless already set; False when none can."""
    if actor is None:
        return False
    for source, target in (("user_id", move.user_field), ("team", move.team_field)):
        pk = actor.get(source)
        if pk is not None and target in known:
            if fields.get(target) is None:
                fields[target] = pk
            return True
    return False


def _dropped_findings(
    model: str, moves: tuple[ActorOwner | Dropped, ...], dropped: Counter[str]
) -> list[Finding]:
    reasons = {
        m.old: m.reason if isinstance(m, Dropped) else "its actor is not in the export"
        for m in moves
    }
    return [
        Finding(
            FindingKind.OBSOLETE_FIELD,
            model,
            field=name,
            reason=(
                f"{count} record(s) carried {name!r} of an older Sentry, dropped: {reasons[name]}"
            ),
        )
        for name, count in sorted(dropped.items())
    ]
