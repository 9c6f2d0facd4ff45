"""Round trips of every codec pair, and the wire spellings they promise."""

from __future__ import annotations

from typing import TypeVar

import pytest
from google.protobuf.message import Message
from hypothesis import given
from hypothesis import strategies as st

from shared.backup.chunks import ImportChunk
from shared.backup.descriptors import ForeignKey, ModelDescriptor, Silo, UniqueSet
from shared.backup.filters import Filter
from shared.backup.findings import Finding, FindingKind
from shared.backup.flags import ImportFlags
from shared.backup.model_names import ModelName
from shared.backup.pk_map import ImportKind, PkMapping, PrimaryKeyMap
from shared.backup.scopes import OperationScope, RelocationScope
from shared.rpc import codecs
from shared.rpc.gen.relocate.relocation.v1 import (
    finding_pb2,
    pk_map_pb2,
    relocation_service_pb2,
    scope_pb2,
)

M = TypeVar("M", bound=Message)
INT64_MAX = 2**63 - 1
ints = st.integers(min_value=-(2**63), max_value=INT64_MAX)
positive = st.integers(min_value=1, max_value=INT64_MAX)
optional_pk = st.none() | positive
model_names = st.from_regex(r"[a-z][a-z0-9_]{0,8}\.[a-z][a-z0-9_]{0,8}", fullmatch=True).map(
    ModelName
)
texts = st.text(max_size=20)
pk_mappings = st.builds(
    PkMapping, new_pk=ints, kind=st.sampled_from(ImportKind), slug=st.none() | texts
)
mapped = st.dictionaries(ints, pk_mappings, max_size=8)
findings = st.builds(
    Finding,
    kind=st.sampled_from(FindingKind),
    model=texts,
    ordinal=st.integers(min_value=0, max_value=INT64_MAX),
    reason=texts,
    left_pk=optional_pk,
    right_pk=optional_pk,
    field=st.none() | st.text(min_size=1, max_size=10),
)
descriptors = st.builds(
    ModelDescriptor,
    name=model_names,
    silo=st.sampled_from(Silo),
    scopes=st.frozensets(st.sampled_from(RelocationScope)),
    foreign_keys=st.lists(
        st.builds(
            ForeignKey,
            field=texts,
            target=model_names,
            nullable=st.booleans(),
            null_when_missing=st.booleans(),
        ),
        max_size=3,
    ).map(tuple),
    unique_sets=st.lists(
        st.builds(UniqueSet, fields=st.lists(texts, max_size=3).map(tuple)), max_size=3
    ).map(tuple),
    relocation_dependencies=st.lists(model_names, max_size=3).map(tuple),
    fields=st.lists(texts, max_size=5).map(tuple),
)
chunks = st.builds(
    ImportChunk,
    import_uuid=texts,
    model=model_names,
    min_ordinal=ints,
    max_ordinal=ints,
    min_source_pk=optional_pk,
    max_source_pk=optional_pk,
    min_inserted_pk=optional_pk,
    max_inserted_pk=optional_pk,
    mapped=mapped,
    findings=st.lists(findings, max_size=4).map(tuple),
)


def _wire(msg: M) -> M:
    """Serialize and parse, so the round trip crosses the real wire format."""
    return type(msg).FromString(msg.SerializeToString())


@pytest.mark.parametrize("scope", list(OperationScope))
def test_operation_scope_round_trips(scope):
    assert codecs.decode_operation_scope(codecs.encode_operation_scope(scope)) is scope


def test_operation_scope_names_match():
    pb = codecs.encode_operation_scope(OperationScope.ORGANIZATION)
    assert scope_pb2.OperationScope.Name(pb) == "OPERATION_SCOPE_ORGANIZATION"


def test_unspecified_operation_scope_decodes_to_none():
    assert codecs.decode_operation_scope(scope_pb2.OPERATION_SCOPE_UNSPECIFIED) is None


@pytest.mark.parametrize(
    "decode",
    [
        codecs.decode_operation_scope,
        codecs.decode_relocation_scope,
        codecs.decode_import_kind,
        codecs.decode_finding_kind,
    ],
)
def test_unknown_enum_numbers_are_errors(decode):
    with pytest.raises(ValueError, match="unknown"):
        decode(99)


@pytest.mark.parametrize(
    "decode",
    [codecs.decode_relocation_scope, codecs.decode_import_kind, codecs.decode_finding_kind],
)
def test_unspecified_enum_is_an_error_where_a_value_is_required(decode):
    with pytest.raises(ValueError, match="unspecified"):
        decode(0)


@given(st.frozensets(st.sampled_from(RelocationScope)))
def test_relocation_scopes_round_trip(scopes):
    assert codecs.decode_relocation_scopes(codecs.encode_relocation_scopes(scopes)) == scopes


@pytest.mark.parametrize("kind", list(FindingKind))
def test_finding_kinds_map_by_name(kind):
    pb = codecs.encode_finding_kind(kind)
    assert finding_pb2.FindingKind.Name(pb) == f"FINDING_KIND_{kind.name}"
    assert codecs.decode_finding_kind(pb) is kind


@pytest.mark.parametrize("kind", list(ImportKind))
def test_import_kinds_map_by_name(kind):
    pb = codecs.encode_import_kind(kind)
    assert pk_map_pb2.ImportKind.Name(pb) == f"IMPORT_KIND_{kind.name}"
    assert codecs.decode_import_kind(pb) is kind


@given(descriptors)
def test_model_descriptor_round_trips(descriptor):
    msg = _wire(codecs.encode_model_descriptor(descriptor))
    assert codecs.decode_model_descriptor(msg) == descriptor


@given(model_names, mapped)
def test_model_primary_keys_round_trip(model, entries):
    msg = _wire(codecs.encode_model_primary_keys(model, entries))
    assert msg.model == model
    assert set(msg.slugs) == {pk for pk, entry in entries.items() if entry.slug is not None}
    assert codecs.decode_model_primary_keys(msg) == entries


def test_ragged_primary_key_columns_are_an_error():
    msg = pk_map_pb2.ModelPrimaryKeys(
        model="sentry.user", old_pks=[1, 2], new_pks=[3], kinds=[pk_map_pb2.IMPORT_KIND_INSERTED]
    )
    with pytest.raises(ValueError, match="ragged"):
        codecs.decode_model_primary_keys(msg)


@given(st.dictionaries(model_names, mapped, max_size=4))
def test_pk_map_round_trips(mapping):
    pk_map = PrimaryKeyMap(mapping=mapping)
    assert codecs.decode_pk_map(_wire(codecs.encode_pk_map(pk_map))) == pk_map


@given(findings)
def test_finding_round_trips(finding):
    assert codecs.decode_finding(_wire(codecs.encode_finding(finding))) == finding


def test_absent_pks_and_field_travel_as_zero_and_empty():
    finding = Finding(kind=FindingKind.FILTERED, model="sentry.user")
    msg = codecs.encode_finding(finding)
    assert (msg.left_pk, msg.right_pk, msg.field) == (0, 0, "")


@given(chunks)
def test_import_chunk_round_trips(chunk):
    assert codecs.decode_import_chunk(_wire(codecs.encode_import_chunk(chunk))) == chunk


def test_import_chunk_absent_bounds_travel_as_zero():
    chunk = ImportChunk(
        import_uuid="u", model=ModelName("sentry.user"), min_ordinal=1, max_ordinal=1
    )
    msg = codecs.encode_import_chunk(chunk)
    assert (msg.min_source_pk, msg.max_inserted_pk) == (0, 0)
    assert isinstance(msg, relocation_service_pb2.ImportChunk)


@given(st.builds(Filter, model=model_names, field=texts, values=st.frozensets(texts)))
def test_filter_round_trips(filter_):
    assert codecs.decode_filter(_wire(codecs.encode_filter(filter_))) == filter_


@given(
    st.builds(
        ImportFlags, import_uuid=texts, merge_users=st.booleans(), overwrite_configs=st.booleans()
    )
)
def test_import_flags_round_trip(flags):
    assert codecs.decode_import_flags(_wire(codecs.encode_import_flags(flags))) == flags


def test_bad_model_name_on_the_wire_is_an_error():
    with pytest.raises(ValueError, match="not a model name"):
        codecs.decode_filter(relocation_service_pb2.Filter(model="Organization", field="id"))
