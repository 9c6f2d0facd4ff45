"""Properties of reading and checking exports (hypothesis), without silos.

Valid instances round-trip through ExportWriter, read_export and the pre-flight checks unchanged;
random mutations of a valid export (byte flips, truncation, insertions, field deletions, type
swaps, extra records, hostile pks and nesting), and of its encrypted forms, never raise anything
but a RelocationError.

The model graph is the committed snapshot (shared/backup/models.json). The snapshot carries no
field schemas (the silos send those), so each model's schemas are inferred once from a reference
instance: kinds, nullability and required fields as the generated exports use them. Other seeds
and sizes are then checked against them, so the round trip is not validated against itself.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
from collections import defaultdict
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared.backup.crypto import LocalDecryptor, decrypt_export, encrypt_export
from shared.backup.dependencies import DependencyGraph
from shared.backup.descriptors import FieldKind, FieldSchema, ModelDescriptor
from shared.backup.errors import RelocationError
from shared.backup.imports import plan_import
from shared.backup.limits import MAX_NESTING_DEPTH
from shared.backup.model_names import ModelName
from shared.backup.snapshot import load_snapshot
from shared.backup.stream_crypto import DecryptingReader, EncryptingWriter
from shared.backup.streaming import ExportContents, ExportWriter, read_export
from tests.support.instance import generate

# A few seconds per property: small instances, a bounded number of examples.
settings.register_profile(
    "backup-properties",
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
PROPERTIES = settings.get_profile("backup-properties")
SOURCE = "export.json"


def _kind(values: list[Any], is_reference: bool) -> FieldKind:
    present = [v for v in values if v is not None]
    if is_reference:
        return FieldKind.REFERENCE
    if present and all(isinstance(v, bool) for v in present):
        return FieldKind.BOOLEAN
    if present and all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        return FieldKind.INTEGER
    if present and all(isinstance(v, str) and _is_datetime(v) for v in present):
        return FieldKind.DATETIME
    if present and all(isinstance(v, str) for v in present):
        return FieldKind.STRING
    return FieldKind.JSON


def _is_datetime(value: str) -> bool:
    try:
        dt.datetime.fromisoformat(value)
    except ValueError:
        return False
    return len(value) >= 10


def _with_schemas(graph: DependencyGraph, reference: list[dict[str, Any]]) -> DependencyGraph:
    """The graph with field schemas inferred from a reference instance."""
    seen: dict[str, dict[str, list[Any]]] = defaultdict(lambda: defaultdict(list))
    counts: dict[str, int] = defaultdict(int)
    for record in reference:
        counts[record["model"]] += 1
        for name, value in record["fields"].items():
            seen[record["model"]][name].append(value)
    descriptors: list[ModelDescriptor] = []
    for desc in graph.descriptors.values():
        values = seen.get(desc.name, {})
        schemas = tuple(
            FieldSchema(
                name=name,
                kind=_kind(values.get(name, []), desc.foreign_key(name) is not None),
                nullable=None in values.get(name, []) or not values.get(name),
                required=len(values.get(name, [])) == counts[desc.name] > 0
                and None not in values.get(name, []),
            )
            for name in desc.fields
        )
        descriptors.append(dataclasses.replace(desc, field_schemas=schemas))
    return DependencyGraph.from_descriptors(descriptors)


GRAPH = _with_schemas(load_snapshot(), generate(users=6, orgs=3, seed=0))
VALID = generate(users=2, orgs=1, seed=7)
VALID_BYTES = json.dumps(VALID, indent=2).encode()


def _read(data: bytes) -> ExportContents:
    return read_export(io.BytesIO(data), SOURCE, GRAPH.__contains__)


def _by_model(records: list[dict[str, Any]]) -> dict[ModelName, list[dict[str, Any]]]:
    out: dict[ModelName, list[dict[str, Any]]] = defaultdict(list)
    for record in records:
        out[ModelName(record["model"])].append(record)
    return {model: sorted(items, key=lambda r: r["pk"]) for model, items in out.items()}


@PROPERTIES
@given(
    users=st.integers(1, 4),
    orgs=st.integers(1, 2),
    seed=st.integers(1, 10_000),
    indent=st.sampled_from([0, 2]),
)
def test_valid_instances_round_trip_through_writer_reader_and_checks_unchanged(
    users: int, orgs: int, seed: int, indent: int
) -> None:
    records = generate(users=users, orgs=orgs, seed=seed)
    out = io.BytesIO()
    writer = ExportWriter(out, indent=indent)
    writer.write_many(records)
    assert writer.close() == len(records)

    with _read(out.getvalue()) as contents:
        warnings = plan_import(contents, GRAPH, strict=True)
        read_back = {model: list(items) for model, items in contents.by_model.items()}

    assert warnings == []
    assert read_back == _by_model(records)
    assert contents.total == len(records)


# Mutations of a valid export.

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63) + 1, 2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=8,
)
models = st.sampled_from([*sorted(GRAPH.descriptors), "sentry.widget", "nope", ""])


@st.composite
def record_mutation(draw: st.DrawFn, records: list[Any]) -> None:
    """Edit the records in place: one of the structural or type-level mutations."""
    index = draw(st.integers(0, len(records) - 1))
    target = records[index]
    if not isinstance(target, dict) or not target:
        records[index] = draw(json_values)
        return
    fields = target.get("fields")
    choice = draw(st.integers(0, 9))
    if choice == 0 and isinstance(fields, dict) and fields:
        del fields[draw(st.sampled_from(sorted(fields)))]
    elif choice == 1 and isinstance(fields, dict) and fields:
        fields[draw(st.sampled_from(sorted(fields)))] = draw(json_values)
    elif choice == 2:
        key = draw(st.sampled_from(["model", "pk", "fields"]))
        target[key] = draw(json_values | models)
    elif choice == 3:
        del target[draw(st.sampled_from(sorted(target)))]
    elif choice == 4:
        records.insert(index, dict(target))  # A duplicate pk.
    elif choice == 5:
        records.insert(
            index,
            {"model": draw(models), "pk": draw(st.integers(-5, 50)), "fields": draw(json_values)},
        )
    elif choice == 6:
        target["pk"] = draw(st.integers(-(2**63) + 1, 2**63 - 1))
    elif choice == 7 and isinstance(fields, dict):
        nested: Any = draw(json_values)
        for _ in range(draw(st.integers(1, MAX_NESTING_DEPTH + 3))):
            nested = [nested]
        fields[draw(st.text(max_size=5) | st.sampled_from(sorted(fields) or ["x"]))] = nested
    elif choice == 8 and isinstance(fields, dict) and fields:
        fields[draw(st.sampled_from(sorted(fields)))] = [draw(st.text(min_size=1, max_size=8))]
    else:
        records[index] = draw(json_values)


@st.composite
def byte_mutation(draw: st.DrawFn, data: bytes) -> bytes:
    """Flip, cut, insert or delete bytes."""
    buffer = bytearray(data)
    if not buffer:
        return draw(st.binary(max_size=8))
    choice = draw(st.integers(0, 3))
    at = draw(st.integers(0, max(0, len(buffer) - 1)))
    if choice == 0:
        for _ in range(draw(st.integers(1, 4))):
            buffer[draw(st.integers(0, len(buffer) - 1))] = draw(st.integers(0, 255))
    elif choice == 1:
        del buffer[at:]
    elif choice == 2:
        buffer[at:at] = draw(
            st.binary(min_size=1, max_size=12)
            | st.sampled_from([b"NaN", b"\xef\xbb\xbf", b"]", b"{", b"\x00", b'"\\u0000"'])
        )
    else:
        del buffer[at : at + draw(st.integers(1, 64))]
    return bytes(buffer)


def _check(data: bytes, strict: bool) -> None:
    """Read and plan; only RelocationError may escape."""
    try:
        with _read(data) as contents:
            plan_import(contents, GRAPH, strict=strict)
    except RelocationError:
        pass


@PROPERTIES
@given(st.data(), st.booleans())
def test_record_mutations_of_a_valid_export_raise_only_relocation_errors(
    data: st.DataObject, strict: bool
) -> None:
    records = json.loads(VALID_BYTES)
    for _ in range(data.draw(st.integers(1, 3))):
        data.draw(record_mutation(records))

    _check(json.dumps(records).encode(), strict)


@PROPERTIES
@given(st.data(), st.booleans())
def test_byte_mutations_of_a_valid_export_raise_only_relocation_errors(
    data: st.DataObject, strict: bool
) -> None:
    mutated = VALID_BYTES
    for _ in range(data.draw(st.integers(1, 3))):
        mutated = data.draw(byte_mutation(mutated))

    _check(mutated, strict)


# Encrypted forms: any change is a DecryptionError (or, when the plaintext survives, a read error).

_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
_PRIVATE = _KEY.private_bytes(
    serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
)
_PUBLIC = _KEY.public_key().public_bytes(
    serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
)
_PLAIN = json.dumps(VALID).encode()
_TARBALL = encrypt_export(_PLAIN, _PUBLIC)


def _stream() -> bytes:
    out = io.BytesIO()
    writer = EncryptingWriter(out, _PUBLIC)
    writer.write(_PLAIN)
    writer.close()
    return out.getvalue()


_STREAM = _stream()


@pytest.mark.parametrize("form", ["tarball", "stream"])
@settings(PROPERTIES, max_examples=30)
@given(data=st.data())
def test_mutated_encrypted_exports_raise_only_relocation_errors(
    form: str, data: st.DataObject
) -> None:
    original = _TARBALL if form == "tarball" else _STREAM
    mutated = data.draw(byte_mutation(original))
    decryptor = LocalDecryptor(_PRIVATE)
    try:
        if form == "tarball":
            plaintext = decrypt_export(mutated, decryptor)
        else:
            plaintext = DecryptingReader(io.BytesIO(mutated), decryptor).read()
    except RelocationError:
        return
    assert plaintext == _PLAIN or mutated == original
