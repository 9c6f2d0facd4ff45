"""Ordinals: which left instance is compared with which right instance.

Instances of a model are matched by position (ordinal, 1-based) after ordering each side the
same way: by pk, or, for models whose pks carry no meaning across deployments, by a custom
ordinal, the sorted tuple of some field values (references to users contribute the username).
Ordering also checks the input: pks must ascend strictly within a model (UnorderedInput), and
custom ordinals must be unique (DuplicateCustomOrdinal).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from shared.backup.compare.findings import ComparatorFinding, ComparatorFindingKind
from shared.backup.dependencies import DependencyGraph
from shared.backup.descriptors import ForeignKey
from shared.backup.model_names import ModelName

Record = dict[str, Any]
SortToken = tuple[int, float | str]
USER = ModelName("sentry.user")


@dataclass(frozen=True, slots=True)
class CustomOrdinal:
    """The fields whose values, in order, order a model's instances instead of the pk."""

    fields: tuple[str, ...]
    only_when_null: tuple[str, ...] = ()
    """The custom ordinal applies only to instances whose these fields are all null."""
    allow_duplicates: bool = False
    """Whether two instances may share the ordinal (ties are then broken by pk)."""


CUSTOM_ORDINALS: Mapping[str, CustomOrdinal] = {
    "sentry.user": CustomOrdinal(("username",)),
    "sentry.email": CustomOrdinal(("email",)),
    "sentry.useremail": CustomOrdinal(("user", "email")),
    "sentry.option": CustomOrdinal(("key",)),
    "sentry.controloption": CustomOrdinal(("key",)),
    "sentry.userrole": CustomOrdinal(("name",)),
    "sentry.userip": CustomOrdinal(("user", "ip_address")),
    # Only global user options (no organization, no project) have a natural key.
    "sentry.useroption": CustomOrdinal(
        ("user", "key"), only_when_null=("organization_id", "project_id"), allow_duplicates=True
    ),
}


@dataclass(slots=True)
class Side:
    """One export, grouped by model with each model's instances in ordinal order."""

    name: str
    """``left`` or ``right``."""
    models: dict[str, list[Record]] = field(default_factory=dict)
    ordinals: dict[str, dict[int, int]] = field(default_factory=dict)
    """Per model, pk -> ordinal."""
    findings: dict[str, list[ComparatorFinding]] = field(default_factory=dict)
    """Per model, the input-order and duplicate findings of this side."""


def _sort_token(value: Any) -> SortToken:
    """A comparable spelling of any JSON value (null < booleans < numbers < text < other)."""
    if value is None:
        return (0, "")
    if isinstance(value, bool):
        return (1, float(value))
    if isinstance(value, int | float):
        return (2, float(value))
    if isinstance(value, str):
        return (3, value)
    return (4, json.dumps(value, sort_keys=True))


def _usernames(records: Sequence[Record]) -> dict[int, Any]:
    """pk -> username of the side's users."""
    return {r["pk"]: r["fields"].get("username") for r in records if ModelName(r["model"]) == USER}


def _key_values(
    record: Record, spec: CustomOrdinal, user_refs: frozenset[str], usernames: Mapping[int, Any]
) -> tuple[Any, ...] | None:
    """The record's custom ordinal values, or None when its pk orders it."""
    fields = record["fields"]
    if any(fields.get(name) is not None for name in spec.only_when_null):
        return None
    values = []
    for name in spec.fields:
        value = fields.get(name)
        if name in user_refs and isinstance(value, int) and value in usernames:
            value = usernames[value]
        values.append(value)
    return tuple(values)


def _unordered(model: str, side: str, records: Sequence[Record]) -> ComparatorFinding | None:
    """The first instance whose pk is not greater than the one before it."""
    for ordinal in range(2, len(records) + 1):
        previous, pk = records[ordinal - 2]["pk"], records[ordinal - 1]["pk"]
        if pk <= previous:
            return ComparatorFinding(
                kind=ComparatorFindingKind.UNORDERED_INPUT,
                model=model,
                ordinal=ordinal,
                reason=f"the {side} instances are not in ascending pk order: "
                f"pk {pk} follows pk {previous}",
                left_pk=pk if side == "left" else None,
                right_pk=pk if side == "right" else None,
            )
    return None


def _ordered(
    model: str, side: str, records: list[Record], keys: list[tuple[Any, ...] | None]
) -> tuple[list[Record], list[ComparatorFinding]]:
    """Records sorted by (custom key or pk, pk), and one finding per duplicated custom key."""
    spec = CUSTOM_ORDINALS.get(model)
    findings, seen = [], set()
    for record, key in zip(records, keys, strict=True):
        if key is None or spec is None or spec.allow_duplicates:
            continue
        if key in seen:
            findings.append(
                ComparatorFinding(
                    kind=ComparatorFindingKind.DUPLICATE_CUSTOM_ORDINAL,
                    model=model,
                    reason=f"the {side} custom ordinal {dict(zip(spec.fields, key, strict=True))} "
                    "appears more than once",
                    left_pk=record["pk"] if side == "left" else None,
                    right_pk=record["pk"] if side == "right" else None,
                )
            )
        seen.add(key)

    def sort_key(item: tuple[Record, tuple[Any, ...] | None]) -> tuple[Any, ...]:
        record, key = item
        head: tuple[Any, ...] = (0,) if key is None else (1, *map(_sort_token, key))
        return (head, record["pk"])

    pairs = sorted(zip(records, keys, strict=True), key=sort_key)
    return [record for record, _ in pairs], findings


def index_side(name: str, records: Sequence[Record], graph: DependencyGraph) -> Side:
    """Group one export by model, order each model, and check its input order and duplicates."""
    side = Side(name=name)
    grouped: dict[str, list[Record]] = {}
    for record in records:
        grouped.setdefault(ModelName(record["model"]), []).append(record)
    usernames = _usernames(records)
    for model, items in grouped.items():
        findings: list[ComparatorFinding] = []
        unordered = _unordered(model, name, items)
        if unordered is not None:
            findings.append(unordered)
        spec = CUSTOM_ORDINALS.get(model)
        if spec is None:
            ordered = sorted(items, key=lambda r: r["pk"])
        else:
            user_refs = frozenset(
                fk.field for fk in _foreign_keys(graph, model) if fk.target == USER
            )
            keys = [_key_values(r, spec, user_refs, usernames) for r in items]
            ordered, duplicates = _ordered(model, name, items, keys)
            findings += duplicates
        side.models[model] = ordered
        side.ordinals[model] = {r["pk"]: i for i, r in enumerate(ordered, start=1)}
        side.findings[model] = findings
    return side


def _foreign_keys(graph: DependencyGraph, model: str) -> Sequence[ForeignKey]:
    """The model's foreign keys, or none when the graph does not know it."""
    descriptor = graph.descriptors.get(ModelName(model))
    return descriptor.foreign_keys if descriptor is not None else ()
