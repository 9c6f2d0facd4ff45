"""read_export (grouping, ordering, shape validation) and ExportWriter (valid JSON arrays)."""

from __future__ import annotations

import io
import itertools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typing_extensions import override

from shared.backup.errors import DuplicatePrimaryKeyError, MalformedInputError
from shared.backup.findings import FindingKind
from shared.backup.model_names import ModelName
from shared.backup.spool import Record
from shared.backup.streaming import ExportContents, ExportWriter, read_export

SOURCE = "backup.json"
KNOWN = frozenset(
    ModelName(n) for n in ("sentry.user", "sentry.organization", "sentry.organizationmember")
)

json_scalars = (
    st.none()
    | st.booleans()
    # -(2**63) is left out: see test_read_export_reads_the_smallest_bigint_export_writer_writes.
    | st.integers(min_value=-(2**63) + 1, max_value=2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(st.characters(exclude_categories=["Cs"]), max_size=8)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=6,
)
fields_dicts = st.dictionaries(st.text(max_size=6), json_values, max_size=4)


@st.composite
def exports(draw: st.DrawFn, *, models: frozenset[ModelName] = KNOWN) -> list[Record]:
    """Records of some models, unique pks per model, in random file order."""
    records = []
    for model in sorted(models):
        for pk in draw(st.sets(st.integers(min_value=-5, max_value=10**12), max_size=6)):
            records.append({"model": model, "pk": pk, "fields": draw(fields_dicts)})
    return draw(st.permutations(records))


def read(data: bytes, is_known: Callable[[ModelName], bool] = KNOWN.__contains__) -> ExportContents:
    return read_export(io.BytesIO(data), SOURCE, is_known)


def dumps(records: list[Any]) -> bytes:
    return json.dumps(records, indent=2).encode()


def user(pk: object, **fields: object) -> dict[str, Any]:
    return {"model": "sentry.user", "pk": pk, "fields": fields}


def written(records: list[Record], indent: int) -> tuple[bytes, int]:
    out = io.BytesIO()
    writer = ExportWriter(out, indent=indent)
    writer.write_many(records)
    count = writer.close()
    return out.getvalue(), count


# read_export: grouping and ordering


@given(exports())
def test_read_export_groups_shuffled_records_per_model_in_ascending_pk_order(
    records: list[Record],
) -> None:
    contents = read(dumps(records))

    expected: dict[str, list[Record]] = {}
    for record in sorted(records, key=lambda r: r["pk"]):
        expected.setdefault(record["model"], []).append(record)
    assert contents.by_model == expected
    assert contents.total == len(records)
    assert not contents.unknown_models


def test_read_export_keys_records_by_normalized_model_name() -> None:
    contents = read(dumps([{"model": "Sentry.User", "pk": 1, "fields": {}}]))

    assert list(contents.by_model) == ["sentry.user"]
    assert contents.by_model[ModelName("sentry.user")][0]["model"] == "sentry.user"


def test_read_export_of_an_empty_array_has_no_records() -> None:
    contents = read(b"  \n[ ]\n")

    assert contents.by_model == {}
    assert contents.total == 0
    assert contents.findings() == []


def test_read_export_reads_a_file_opened_in_binary_mode(tmp_path: Path) -> None:
    path = tmp_path / "export.json"
    path.write_bytes(dumps([user(2, username="b"), user(1, username="a")]))

    with path.open("rb") as stream:
        contents = read_export(stream, str(path), KNOWN.__contains__)

    assert [r["pk"] for r in contents.by_model[ModelName("sentry.user")]] == [1, 2]


@given(
    bom=st.booleans(),
    whitespace=st.text(st.sampled_from(" \t\r\n"), max_size=300),
    records=exports(),
)
def test_read_export_accepts_a_utf8_bom_and_any_leading_whitespace(
    bom: bool, whitespace: str, records: list[Record]
) -> None:
    prefix = (b"\xef\xbb\xbf" if bom else b"") + whitespace.encode()

    contents = read(prefix + dumps(records))

    assert contents.total == len(records)
    assert sum(len(v) for v in contents.by_model.values()) == len(records)


def test_read_export_accepts_a_utf8_bom_before_the_array() -> None:
    contents = read(b"\xef\xbb\xbf" + dumps([user(2, username="b"), user(1, username="a")]))

    assert [r["pk"] for r in contents.by_model[ModelName("sentry.user")]] == [1, 2]


def test_read_export_accepts_leading_whitespace_longer_than_a_read_buffer() -> None:
    contents = read(b" " * 10_000 + b"\n" * 10_000 + dumps([user(1, username="a")]))

    assert contents.total == 1


def test_read_export_rejects_a_bom_that_is_not_followed_by_an_array() -> None:
    assert_malformed(b"\xef\xbb\xbf", "does not hold a JSON array")
    assert_malformed(b"\xef\xbb\xbf" + b" " * 100 + b'{"model": "sentry.user"}', "JSON array")


class OneByteAtATime(io.BytesIO):
    """Like a raw stream (socket, unbuffered pipe): a sized read returns a single byte."""

    @override
    def read(self, size: int | None = -1) -> bytes:
        return super().read(size if size is None or size < 0 else min(size, 1))


def test_read_export_reads_a_stream_that_returns_short_reads() -> None:
    data = b"  \n" + dumps(
        [user(3), user(1), {"model": "sentry.organization", "pk": 1, "fields": {}}]
    )

    contents = read_export(OneByteAtATime(data), SOURCE, KNOWN.__contains__)

    assert contents.total == 3
    assert [r["pk"] for r in contents.by_model[ModelName("sentry.user")]] == [1, 3]


def test_read_export_accepts_a_bom_from_a_stream_that_returns_short_reads() -> None:
    data = b"\xef\xbb\xbf" + dumps([user(1)])

    contents = read_export(OneByteAtATime(data), SOURCE, KNOWN.__contains__)

    assert contents.total == 1


# read_export: unknown models


def test_read_export_counts_unknown_models_and_reports_them_as_findings() -> None:
    records = [
        user(1),
        {"model": "sentry.widget", "pk": 1, "fields": {}},
        {"model": "sentry.widget", "pk": 1, "fields": {}},
        {"model": "getsentry.plan", "pk": 4, "fields": {}},
    ]

    contents = read(dumps(records))

    assert list(contents.by_model) == ["sentry.user"]
    assert contents.total == 4
    assert contents.unknown_models == {"sentry.widget": 2, "getsentry.plan": 1}
    findings = contents.findings()
    assert [(f.kind, f.model) for f in findings] == [
        (FindingKind.UNKNOWN_MODEL, "getsentry.plan"),
        (FindingKind.UNKNOWN_MODEL, "sentry.widget"),
    ]
    assert findings[0].reason.startswith("1 record(s)")
    assert findings[1].reason.startswith("2 record(s)")


def test_read_export_asks_is_known_with_the_normalized_model_name() -> None:
    asked: list[str] = []

    def is_known(model: ModelName) -> bool:
        asked.append(model)
        return True

    read(dumps([{"model": " SENTRY.user", "pk": 1, "fields": {}}]), is_known)

    assert asked == ["sentry.user"]
    assert isinstance(asked[0], ModelName)


# read_export: bad input


def assert_malformed(data: bytes, *parts: str, record: int | None = None) -> None:
    with pytest.raises(MalformedInputError) as info:
        read(data)

    assert info.value.metadata["source"] == SOURCE
    assert str(info.value).startswith(SOURCE)
    if record is not None:
        assert info.value.metadata["record"] == str(record)
        assert f"(record {record})" in str(info.value)
    for part in parts:
        assert part in str(info.value)


@pytest.mark.parametrize(
    "data",
    [b'{"model": "sentry.user", "pk": 1, "fields": {}}', b"", b"   ", b'"sentry.user"', b"null"],
)
def test_read_export_rejects_a_file_that_is_not_a_json_array(data: bytes) -> None:
    assert_malformed(data, "does not hold a JSON array")


@pytest.mark.parametrize(
    "data",
    [
        b'[{"model": "sentry.user", "pk": 1, "fields": {}}',
        b'[{"model": "sentry.user", "pk": 1, "fields": {}},',
        b'[{"model": "sentry.user", "pk": 1, "fie',
        b"[",
    ],
)
def test_read_export_rejects_truncated_json(data: bytes) -> None:
    assert_malformed(data, "invalid JSON")


@given(exports().filter(bool), st.data())
def test_read_export_rejects_every_truncation_of_a_valid_export(
    records: list[Record], data: st.DataObject
) -> None:
    whole = json.dumps(records).encode()
    cut = data.draw(st.integers(min_value=0, max_value=len(whole) - 1))

    with pytest.raises(MalformedInputError) as info:
        read(whole[:cut])

    assert info.value.metadata["source"] == SOURCE


def test_read_export_rejects_trailing_garbage_after_the_array() -> None:
    assert_malformed(dumps([user(1)]) + b" ]", "invalid JSON")


@pytest.mark.parametrize(
    ("record", "complaint"),
    [
        ({"pk": 1, "fields": {}}, "no 'model' string"),
        ({"model": 7, "pk": 1, "fields": {}}, "no 'model' string"),
        ({"model": "sentry.user", "fields": {}}, "'pk' is not an integer"),
        ({"model": "sentry.user", "pk": 1}, "no 'fields' object"),
        ({"model": "sentry.user", "pk": 1, "fields": []}, "no 'fields' object"),
        ([1, 2], "not a JSON object"),
        ("sentry.user", "not a JSON object"),
    ],
)
def test_read_export_rejects_a_record_without_model_pk_or_fields(
    record: object, complaint: str
) -> None:
    assert_malformed(dumps([user(1), record]), complaint, record=2)


@pytest.mark.parametrize("pk", ["1", 1.5, 2.0, True, None, [1]])
def test_read_export_rejects_a_non_integer_pk(pk: object) -> None:
    assert_malformed(dumps([user(pk)]), "sentry.user", "'pk' is not an integer", record=1)


@pytest.mark.parametrize("name", ["sentry", "sentry.user.extra", "sentry.us-er", ""])
def test_read_export_rejects_a_bad_model_name(name: str) -> None:
    bad = {"model": name, "pk": 1, "fields": {}}

    assert_malformed(dumps([user(1), user(2), bad]), repr(name), record=3)


def test_read_export_rejects_a_duplicate_pk_within_one_model() -> None:
    records = [user(1), user(2), {"model": "sentry.organization", "pk": 2, "fields": {}}, user(2)]

    with pytest.raises(DuplicatePrimaryKeyError) as info:
        read(dumps(records))

    assert info.value.model == "sentry.user"
    assert info.value.metadata["pk"] == "2"
    assert "sentry.user" in str(info.value)
    assert "primary key 2" in str(info.value)


def test_read_export_allows_the_same_pk_in_different_models() -> None:
    records = [user(1), {"model": "sentry.organization", "pk": 1, "fields": {}}]

    assert read(dumps(records)).total == 2


# ExportWriter


@pytest.mark.parametrize("indent", [0, 2])
@given(records=exports())
def test_export_writer_output_parses_back_to_the_same_records(
    indent: int, records: list[Record]
) -> None:
    data, count = written(records, indent)

    assert json.loads(data) == records
    assert count == len(records)


@pytest.mark.parametrize("indent", [0, 2])
def test_export_writer_with_zero_records_writes_an_empty_array(indent: int) -> None:
    data, count = written([], indent)

    assert json.loads(data) == []
    assert count == 0


@given(exports())
def test_export_writer_output_reads_back_through_read_export(records: list[Record]) -> None:
    data, _ = written(records, 2)

    assert read(data).by_model == read(json.dumps(records).encode()).by_model


@pytest.mark.xfail(
    raises=MalformedInputError,
    strict=True,
    reason="bug: ijson's yajl2_c backend overflows on -2**63, so read_export rejects a bigint "
    "value that ExportWriter (orjson) writes and PostgreSQL stores",
)
def test_read_export_reads_the_smallest_bigint_export_writer_writes() -> None:
    data, _ = written([user(1, counter=-(2**63))], 2)

    contents = read(data)

    assert contents.by_model[ModelName("sentry.user")][0]["fields"] == {"counter": -(2**63)}


def test_export_writer_indents_each_record_like_sentry() -> None:
    data, _ = written([user(1, username="a")], 2)

    assert data.decode() == (
        "[\n"
        "  {\n"
        '    "model": "sentry.user",\n'
        '    "pk": 1,\n'
        '    "fields": {\n'
        '      "username": "a"\n'
        "    }\n"
        "  }\n"
        "]\n"
    )


def test_export_writer_without_indent_writes_one_record_per_line() -> None:
    data, _ = written([user(1), user(2)], 0)

    lines = data.decode().splitlines()
    assert lines[0] == "["
    assert lines[-1] == "]"
    assert [json.loads(line.rstrip(","))["pk"] for line in lines[1:-1]] == [1, 2]


@pytest.mark.parametrize("indent", [0, 2])
@given(records=exports(), cuts=st.lists(st.integers(min_value=0, max_value=40), max_size=4))
def test_export_writer_writes_pages_byte_for_byte_as_records_one_by_one(
    indent: int, records: list[Record], cuts: list[int]
) -> None:
    one_by_one, _ = written(records, indent)
    out = io.BytesIO()
    writer = ExportWriter(out, indent=indent)
    bounds = sorted({0, len(records), *(min(c, len(records)) for c in cuts)})
    for start, stop in itertools.pairwise(bounds):
        writer.write_many(records[start:stop])
    writer.write_many([])
    count = writer.close()

    assert out.getvalue() == one_by_one
    assert count == len(records)
