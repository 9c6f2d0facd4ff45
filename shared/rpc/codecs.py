"""Pure encode_*/decode_* pairs between the wire messages and the engine's value types.

Why pure functions: servicers and clients stay "decode → act → encode", and each pair is
round-trip tested without a server. Enums are matched by member name, never by number, so the
engine's enums and the proto enums may evolve their numbering independently. Decoders raise
ValueError on input no encoder produces (unknown enum numbers, ragged pk columns, bad names).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TypeAlias

from shared.backup.chunks import ImportChunk
from shared.backup.descriptors import (
    FieldKind,
    FieldSchema,
    ForeignKey,
    ModelDescriptor,
    Silo,
    UniqueSet,
)
from shared.backup.filters import Filter
from shared.backup.findings import Finding, FindingKind
from shared.backup.flags import ImportFlags
from shared.backup.model_names import ModelName
from shared.backup.pk_map import ImportKind, ModelKeys, PkMapping, PrimaryKeyMap
from shared.backup.scopes import OperationScope, RelocationScope
from shared.rpc.gen.relocate.relocation.v1 import (
    finding_pb2,
    model_pb2,
    pk_map_pb2,
    relocation_service_pb2,
    scope_pb2,
)

_PbOperationScope: TypeAlias = scope_pb2.OperationScope.ValueType
_PbRelocationScope: TypeAlias = scope_pb2.RelocationScope.ValueType
_PbImportKind: TypeAlias = pk_map_pb2.ImportKind.ValueType
_PbFindingKind: TypeAlias = finding_pb2.FindingKind.ValueType

_OPERATION_SCOPES: dict[OperationScope, _PbOperationScope] = {
    scope: scope_pb2.OperationScope.Value(f"OPERATION_SCOPE_{scope.name}")
    for scope in OperationScope
}
_OPERATION_SCOPES_BACK = {pb: scope for scope, pb in _OPERATION_SCOPES.items()}

_RELOCATION_SCOPES: dict[RelocationScope, _PbRelocationScope] = {
    scope: scope_pb2.RelocationScope.Value(f"RELOCATION_SCOPE_{scope.name}")
    for scope in RelocationScope
}
_RELOCATION_SCOPES_BACK = {pb: scope for scope, pb in _RELOCATION_SCOPES.items()}

_IMPORT_KINDS: dict[ImportKind, _PbImportKind] = {
    kind: pk_map_pb2.ImportKind.Value(f"IMPORT_KIND_{kind.name}") for kind in ImportKind
}
_IMPORT_KINDS_BACK = {pb: kind for kind, pb in _IMPORT_KINDS.items()}

_FINDING_KINDS: dict[FindingKind, _PbFindingKind] = {
    kind: finding_pb2.FindingKind.Value(f"FINDING_KIND_{kind.name}") for kind in FindingKind
}
_FINDING_KINDS_BACK = {pb: kind for kind, pb in _FINDING_KINDS.items()}


def _or_zero(value: int | None) -> int:
    """Encode an optional integer as proto3 does: None becomes 0."""
    return 0 if value is None else value


def _or_none(value: int) -> int | None:
    """Decode a proto3 integer whose 0 means "not set"."""
    return None if value == 0 else value


def encode_operation_scope(scope: OperationScope) -> _PbOperationScope:
    """Encode a run's operation scope."""
    return _OPERATION_SCOPES[scope]


def decode_operation_scope(value: int) -> OperationScope | None:
    """Decode a run's operation scope; UNSPECIFIED decodes to None (the server then rejects it)."""
    if value == scope_pb2.OPERATION_SCOPE_UNSPECIFIED:
        return None
    try:
        return _OPERATION_SCOPES_BACK[scope_pb2.OperationScope.ValueType(value)]
    except KeyError:
        raise ValueError(f"unknown OperationScope number {value}") from None


def encode_relocation_scope(scope: RelocationScope) -> _PbRelocationScope:
    """Encode one model's relocation scope."""
    return _RELOCATION_SCOPES[scope]


def decode_relocation_scope(value: int) -> RelocationScope:
    """Decode one model's relocation scope; UNSPECIFIED and unknown numbers are errors."""
    try:
        return _RELOCATION_SCOPES_BACK[scope_pb2.RelocationScope.ValueType(value)]
    except KeyError:
        raise ValueError(f"unknown or unspecified RelocationScope number {value}") from None


def encode_relocation_scopes(scopes: Iterable[RelocationScope]) -> list[_PbRelocationScope]:
    """Encode a set of relocation scopes, in a stable order."""
    return [_RELOCATION_SCOPES[scope] for scope in sorted(set(scopes))]


def decode_relocation_scopes(values: Iterable[int]) -> frozenset[RelocationScope]:
    """Decode a set of relocation scopes."""
    return frozenset(decode_relocation_scope(value) for value in values)


def encode_field_schema(schema: FieldSchema) -> model_pb2.FieldDescriptor:
    """Encode one field's shape."""
    return model_pb2.FieldDescriptor(
        name=schema.name,
        kind=model_pb2.FieldKind.Value(f"FIELD_KIND_{schema.kind.name}"),
        nullable=schema.nullable,
        required=schema.required,
        max_length=schema.max_length or 0,
    )


def decode_field_schema(msg: model_pb2.FieldDescriptor) -> FieldSchema:
    """Decode one field's shape; an unknown kind is treated as any JSON value."""
    name = model_pb2.FieldKind.Name(msg.kind).removeprefix("FIELD_KIND_")
    kind = FieldKind[name] if name in FieldKind.__members__ else FieldKind.JSON
    return FieldSchema(
        name=msg.name,
        kind=kind,
        nullable=msg.nullable,
        required=msg.required,
        max_length=msg.max_length or None,
    )


def encode_model_descriptor(descriptor: ModelDescriptor) -> model_pb2.ModelDescriptor:
    """Encode what the engine knows about one model."""
    return model_pb2.ModelDescriptor(
        name=descriptor.name,
        silo=descriptor.silo.value,
        scopes=encode_relocation_scopes(descriptor.scopes),
        foreign_keys=[
            model_pb2.ForeignKeyDescriptor(
                field=fk.field,
                target_model=fk.target,
                nullable=fk.nullable,
                null_when_missing=fk.null_when_missing,
            )
            for fk in descriptor.foreign_keys
        ],
        unique_sets=[
            model_pb2.UniqueSetDescriptor(fields=u.fields) for u in descriptor.unique_sets
        ],
        relocation_dependencies=list(descriptor.relocation_dependencies),
        fields=list(descriptor.fields),
        field_descriptors=[encode_field_schema(f) for f in descriptor.field_schemas],
    )


def decode_model_descriptor(msg: model_pb2.ModelDescriptor) -> ModelDescriptor:
    """Decode what a silo knows about one model."""
    return ModelDescriptor(
        name=ModelName(msg.name),
        silo=Silo(msg.silo),
        scopes=decode_relocation_scopes(msg.scopes),
        foreign_keys=tuple(
            ForeignKey(
                field=fk.field,
                target=ModelName(fk.target_model),
                nullable=fk.nullable,
                null_when_missing=fk.null_when_missing,
            )
            for fk in msg.foreign_keys
        ),
        unique_sets=tuple(UniqueSet(fields=tuple(u.fields)) for u in msg.unique_sets),
        relocation_dependencies=tuple(ModelName(dep) for dep in msg.relocation_dependencies),
        fields=tuple(msg.fields),
        field_schemas=tuple(decode_field_schema(f) for f in msg.field_descriptors),
    )


def encode_import_kind(kind: ImportKind) -> _PbImportKind:
    """Encode how a record was written."""
    return _IMPORT_KINDS[kind]


def decode_import_kind(value: int) -> ImportKind:
    """Decode how a record was written; UNSPECIFIED and unknown numbers are errors."""
    try:
        return _IMPORT_KINDS_BACK[pk_map_pb2.ImportKind.ValueType(value)]
    except KeyError:
        raise ValueError(f"unknown or unspecified ImportKind number {value}") from None


def encode_model_primary_keys(
    model: str, entries: Mapping[int, PkMapping]
) -> pk_map_pb2.ModelPrimaryKeys:
    """Encode one model's mappings column-wise; only entries with a slug appear in ``slugs``."""
    msg = pk_map_pb2.ModelPrimaryKeys(model=model)
    msg.old_pks.extend(entries)
    msg.new_pks.extend([entry.new_pk for entry in entries.values()])
    msg.kinds.extend([_IMPORT_KINDS[entry.kind] for entry in entries.values()])
    msg.slugs.update({pk: e.slug for pk, e in entries.items() if e.slug is not None})
    return msg


def decode_model_primary_keys(msg: pk_map_pb2.ModelPrimaryKeys) -> dict[int, PkMapping]:
    """Decode one model's column-wise mappings; the three columns must have the same length."""
    if not len(msg.old_pks) == len(msg.new_pks) == len(msg.kinds):
        raise ValueError(
            f"ragged primary key columns for {msg.model!r}: {len(msg.old_pks)} old, "
            f"{len(msg.new_pks)} new, {len(msg.kinds)} kinds"
        )
    return {
        old_pk: PkMapping(
            new_pk=new_pk,
            kind=decode_import_kind(kind),
            slug=msg.slugs.get(old_pk),
        )
        for old_pk, new_pk, kind in zip(msg.old_pks, msg.new_pks, msg.kinds, strict=True)
    }


def encode_pk_map(pk_map: PrimaryKeyMap) -> pk_map_pb2.PrimaryKeyMap:
    """Encode a primary key map, one column-wise entry per model, straight from its columns."""
    msg = pk_map_pb2.PrimaryKeyMap()
    for model in pk_map.models():
        keys = pk_map.keys_of(model)
        if keys is None:
            continue
        old_pks, new_pks, kinds, slugs = keys.columns()
        entry = msg.models.add(model=model)
        entry.old_pks.extend(old_pks)
        entry.new_pks.extend(new_pks)
        entry.kinds.extend([_IMPORT_KINDS[kind] for kind in kinds])
        entry.slugs.update(slugs)
    return msg


def decode_pk_map(msg: pk_map_pb2.PrimaryKeyMap) -> PrimaryKeyMap:
    """Decode a primary key map column-wise; repeated models are merged."""
    pk_map = PrimaryKeyMap()
    for entry in msg.models:
        model = ModelName(entry.model)
        if not len(entry.old_pks) == len(entry.new_pks) == len(entry.kinds):
            decode_model_primary_keys(entry)  # raises the ragged-columns error
        keys = ModelKeys.from_columns(
            entry.old_pks,
            entry.new_pks,
            [decode_import_kind(kind) for kind in entry.kinds],
            entry.slugs,
        )
        if model in pk_map.models():
            pk_map.extend(model, keys)
        else:
            pk_map.set_keys(model, keys)
    return pk_map


def encode_finding_kind(kind: FindingKind) -> _PbFindingKind:
    """Encode a finding's kind: ``X`` becomes ``FINDING_KIND_X``."""
    return _FINDING_KINDS[kind]


def decode_finding_kind(value: int) -> FindingKind:
    """Decode a finding's kind; UNSPECIFIED and unknown numbers are errors."""
    try:
        return _FINDING_KINDS_BACK[finding_pb2.FindingKind.ValueType(value)]
    except KeyError:
        raise ValueError(f"unknown or unspecified FindingKind number {value}") from None


def encode_finding(finding: Finding) -> finding_pb2.Finding:
    """Encode a finding; absent primary keys become 0 and an absent field becomes ""."""
    return finding_pb2.Finding(
        kind=_FINDING_KINDS[finding.kind],
        model=finding.model,
        ordinal=finding.ordinal,
        left_pk=_or_zero(finding.left_pk),
        right_pk=_or_zero(finding.right_pk),
        reason=finding.reason,
        field=finding.field or "",
    )


def decode_finding(msg: finding_pb2.Finding) -> Finding:
    """Decode a finding; 0 primary keys and an empty field decode to None."""
    return Finding(
        kind=decode_finding_kind(msg.kind),
        model=msg.model,
        ordinal=msg.ordinal,
        reason=msg.reason,
        left_pk=_or_none(msg.left_pk),
        right_pk=_or_none(msg.right_pk),
        field=msg.field or None,
    )


def encode_import_chunk(chunk: ImportChunk) -> relocation_service_pb2.ImportChunk:
    """Encode one batch's stored result; absent bounds become 0."""
    return relocation_service_pb2.ImportChunk(
        import_uuid=chunk.import_uuid,
        model=chunk.model,
        min_ordinal=chunk.min_ordinal,
        max_ordinal=chunk.max_ordinal,
        min_source_pk=_or_zero(chunk.min_source_pk),
        max_source_pk=_or_zero(chunk.max_source_pk),
        min_inserted_pk=_or_zero(chunk.min_inserted_pk),
        max_inserted_pk=_or_zero(chunk.max_inserted_pk),
        mapped_pks=encode_model_primary_keys(chunk.model, chunk.mapped),
        findings=[encode_finding(finding) for finding in chunk.findings],
    )


def decode_import_chunk(msg: relocation_service_pb2.ImportChunk) -> ImportChunk:
    """Decode one batch's stored result; 0 bounds decode to None."""
    return ImportChunk(
        import_uuid=msg.import_uuid,
        model=ModelName(msg.model),
        min_ordinal=msg.min_ordinal,
        max_ordinal=msg.max_ordinal,
        min_source_pk=_or_none(msg.min_source_pk),
        max_source_pk=_or_none(msg.max_source_pk),
        min_inserted_pk=_or_none(msg.min_inserted_pk),
        max_inserted_pk=_or_none(msg.max_inserted_pk),
        mapped=decode_model_primary_keys(msg.mapped_pks),
        findings=tuple(decode_finding(finding) for finding in msg.findings),
    )


def encode_filter(filter_: Filter) -> relocation_service_pb2.Filter:
    """Encode an allow-list filter; its values are sent sorted."""
    return relocation_service_pb2.Filter(
        model=filter_.model, field=filter_.field, values=sorted(filter_.values)
    )


def decode_filter(msg: relocation_service_pb2.Filter) -> Filter:
    """Decode an allow-list filter."""
    return Filter(model=ModelName(msg.model), field=msg.field, values=frozenset(msg.values))


def encode_import_flags(flags: ImportFlags) -> relocation_service_pb2.ImportFlags:
    """Encode an import run's flags."""
    return relocation_service_pb2.ImportFlags(
        import_uuid=flags.import_uuid,
        merge_users=flags.merge_users,
        overwrite_configs=flags.overwrite_configs,
        dry_run=flags.dry_run,
        hide_organizations=flags.hide_organizations,
    )


def decode_import_flags(msg: relocation_service_pb2.ImportFlags) -> ImportFlags:
    """Decode an import run's flags; an empty import_uuid is left for the server to reject."""
    return ImportFlags(
        import_uuid=msg.import_uuid,
        merge_users=msg.merge_users,
        overwrite_configs=msg.overwrite_configs,
        dry_run=msg.dry_run,
        hide_organizations=msg.hide_organizations,
    )
