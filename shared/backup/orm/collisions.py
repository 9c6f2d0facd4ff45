"""Set-based collision resolution: one lookup query per collision policy per batch."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import reduce
from operator import or_
from typing import Any

from django.db import connections, models
from django.db.models.functions import Lower

from shared.backup.declarations import Collision, OnCollision
from shared.backup.findings import Finding, FindingKind
from shared.backup.flags import ImportFlags
from shared.backup.orm.inserts import quoted_column
from shared.backup.orm.records import DecodedRecord
from shared.backup.pk_map import ImportKind
from shared.backup.suffixes import candidate_lengths, propose

_LOOKUP_CHUNK = 500

Regenerate = Callable[[DecodedRecord], None]


@dataclass(slots=True)
class Resolution:
    """What collision handling decided for a batch."""

    reused: dict[int, tuple[int, ImportKind]] = field(default_factory=dict)
    """Ordinal -> (existing pk, EXISTING or OVERWRITE); these records are not inserted."""
    aliases: dict[int, int] = field(default_factory=dict)
    """Ordinal -> ordinal of an earlier record of the batch with the same identity (REUSE-like
    policies): not inserted, mapped onto that record's row as EXISTING."""
    findings: list[Finding] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Batch:
    """The batch-wide facts every policy needs."""

    model: type[models.Model]
    wire_name: str
    flags: ImportFlags
    regenerate: Regenerate


def resolve_collisions(
    model: type[models.Model],
    wire_name: str,
    policies: Sequence[OnCollision],
    records: list[DecodedRecord],
    flags: ImportFlags,
    regenerate: Regenerate,
) -> Resolution:
    """Apply each policy to the batch, mutating record values in place."""
    batch = _Batch(model, wire_name, flags, regenerate)
    result = Resolution()
    for policy in policies:
        pending = [
            r for r in records if r.ordinal not in result.reused and r.ordinal not in result.aliases
        ]
        action = _effective_action(policy, flags)
        if action is Collision.ERROR or not pending:
            continue
        existing = _existing_keys(model, policy, pending)
        _apply(batch, policy, action, pending, existing, result)
    return result


def _effective_action(policy: OnCollision, flags: ImportFlags) -> Collision:
    if policy.action is Collision.SUFFIX_OR_MERGE:
        return Collision.REUSE if flags.merge_users else Collision.SUFFIX
    return policy.action


def _key(policy: OnCollision, values: dict[str, Any]) -> tuple[Any, ...] | None:
    """The record's key under this policy; None when the policy does not apply to it.

    Nulls never collide in the database, so a null part means no key, and a policy with
    ``when_null`` applies only when those fields are null.
    """
    if any(values.get(name) is not None for name in policy.when_null):
        return None
    parts = []
    for name in policy.fields:
        value = values.get(name)
        if value is None:
            return None
        parts.append(value.lower() if policy.case_insensitive and isinstance(value, str) else value)
    return tuple(parts)


def _attname(model: type[models.Model], name: str) -> str:
    return model._meta.get_field(name).attname  # type: ignore[union-attr]


def _existing_keys(
    model: type[models.Model], policy: OnCollision, records: Iterable[DecodedRecord]
) -> dict[tuple[Any, ...], int]:
    """Existing rows' keys -> pk, for the keys the batch holds.

    PostgreSQL: one query per batch (a row-value ``IN`` list). Elsewhere: the ORM, one query per
    500 keys (SQLite caps bound parameters per statement).
    """
    keys = {k for r in records if (k := _key(policy, r.values)) is not None}
    if not keys:
        return {}
    if connections[model._base_manager.db].vendor == "postgresql":
        return _existing_keys_sql(model, policy, keys)
    attnames = [_attname(model, n) for n in policy.fields]
    base = model._base_manager.filter(
        **{f"{_attname(model, n)}__isnull": True for n in policy.when_null}
    )
    if policy.case_insensitive:
        base = base.annotate(**{f"_ci_{a}": Lower(a) for a in attnames})
        names = [f"_ci_{a}" for a in attnames]
    else:
        names = attnames
    found: dict[tuple[Any, ...], int] = {}
    ordered = sorted(keys, key=repr)
    for start in range(0, len(ordered), _LOOKUP_CHUNK):
        chunk = ordered[start : start + _LOOKUP_CHUNK]
        if len(names) == 1:
            qs = base.filter(**{f"{names[0]}__in": [k[0] for k in chunk]})
        else:
            qs = base.filter(
                reduce(or_, (models.Q(**dict(zip(names, k, strict=True))) for k in chunk))
            )
        for row in qs.values_list("pk", *names):
            found[tuple(row[1:])] = row[0]
    return found


def _existing_keys_sql(
    model: type[models.Model], policy: OnCollision, keys: set[tuple[Any, ...]]
) -> dict[tuple[Any, ...], int]:
    """One raw query for every key: the keys go as one typed array per column, unnested.

    Why raw: an ``OR`` of one ``Q`` per key costs the ORM milliseconds per key to build and
    PostgreSQL tens of milliseconds to plan; a semi-join against ``unnest()`` of arrays plans in
    under a millisecond whatever the batch size. Text columns are compared as ``text`` (a cast to
    ``varchar(n)`` would truncate), case-insensitive sets through ``lower()``.
    """
    connection = connections[model._base_manager.db]
    columns: list[str] = []
    array_types: list[str] = []
    for name in policy.fields:
        f = model._meta.get_field(name)
        if not isinstance(f, models.Field):
            raise TypeError(f"{model._meta.label}.{name} is not a concrete field")
        column = quoted_column(model, name)
        text = isinstance(f, models.CharField | models.TextField)
        columns.append(f"lower({column})" if policy.case_insensitive and text else column)
        array_types.append("text" if text else str(f.db_type(connection)))
    conditions = [f"{quoted_column(model, n)} IS NULL" for n in policy.when_null]
    arrays = ", ".join(f"%s::{t}[]" for t in array_types)
    keyed = f"({', '.join(columns)}) IN (SELECT * FROM unnest({arrays}))"  # noqa: S608
    selected = ", ".join([quoted_column(model, "pk"), *columns])
    table = connection.ops.quote_name(model._meta.db_table)
    where = " AND ".join([*conditions, keyed])
    sql = f"SELECT {selected} FROM {table} WHERE {where}"  # noqa: S608
    ordered = sorted(keys, key=repr)
    params = [[key[i] for key in ordered] for i in range(len(policy.fields))]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {tuple(row[1:]): int(row[0]) for row in cursor.fetchall()}


def _apply(
    batch: _Batch,
    policy: OnCollision,
    action: Collision,
    pending: list[DecodedRecord],
    existing: dict[tuple[Any, ...], int],
    result: Resolution,
) -> None:
    """Resolve the batch's collisions with existing rows and among its own records."""
    seen: dict[tuple[Any, ...], int] = {}
    suffix_needed: list[DecodedRecord] = []
    reuse_kind = {
        Collision.REUSE: ImportKind.EXISTING,
        Collision.OVERWRITE: ImportKind.OVERWRITE,
        Collision.KEEP_OR_OVERWRITE: (
            ImportKind.OVERWRITE if batch.flags.overwrite_configs else ImportKind.EXISTING
        ),
    }
    for record in pending:
        key = _key(policy, record.values)
        if key is None:
            continue
        clash_pk = existing.get(key)
        if clash_pk is None and key not in seen:
            seen[key] = record.ordinal
            continue
        if action in reuse_kind and clash_pk is not None:
            result.reused[record.ordinal] = (clash_pk, reuse_kind[action])
        elif action in reuse_kind:
            result.aliases[record.ordinal] = seen[key]
        elif action is Collision.REGENERATE:
            batch.regenerate(record)
            result.findings.append(_changed(batch.wire_name, record, policy, "regenerated"))
        elif action is Collision.CLEAR:
            for name in (*policy.fields, *policy.also_clear):
                record.values[name] = None
            result.findings.append(_changed(batch.wire_name, record, policy, "cleared"))
        elif action is Collision.SUFFIX:
            suffix_needed.append(record)
    if suffix_needed:
        _suffix(batch, policy, suffix_needed, existing, set(seen), result)


def _changed(wire_name: str, record: DecodedRecord, policy: OnCollision, what: str) -> Finding:
    return Finding(
        kind=FindingKind.COLLISION_RESOLVED,
        model=wire_name,
        ordinal=record.ordinal,
        left_pk=record.old_pk,
        field=",".join(policy.fields),
        reason=f"{'/'.join(policy.fields)} collided with an existing value and was {what}",
    )


def _suffix(
    batch: _Batch,
    policy: OnCollision,
    records: list[DecodedRecord],
    existing: dict[tuple[Any, ...], int],
    taken: set[tuple[Any, ...]],
    result: Resolution,
) -> None:
    """Give each record a free ``<value>-<suffix>``; candidates are checked in one query a round."""
    (name,) = policy.fields
    max_length = getattr(batch.model._meta.get_field(name), "max_length", None) or 255
    waiting = list(records)
    for length in candidate_lengths():
        if not waiting:
            return
        proposals = {r.ordinal: propose(r.values[name], length, max_length) for r in waiting}
        probe = [DecodedRecord(r.ordinal, r.old_pk, {name: proposals[r.ordinal]}) for r in waiting]
        clashes = _existing_keys(batch.model, policy, probe)
        still: list[DecodedRecord] = []
        for record in waiting:
            candidate = proposals[record.ordinal]
            key = _key(policy, {name: candidate})
            if key is None or key in clashes or key in taken or key in existing:
                still.append(record)
                continue
            taken.add(key)
            old = record.values[name]
            record.values[name] = candidate
            result.findings.append(
                _changed(batch.wire_name, record, policy, f"suffixed: {old!r} -> {candidate!r}")
            )
        waiting = still
    if waiting:
        raise RuntimeError(
            f"could not find a free {name} for {len(waiting)} {batch.wire_name} records"
        )
