"""iter_records: byte positions of syntax errors and the limits of shared.backup.limits."""

from __future__ import annotations

import io
import json
import resource
import time

import pytest
from typing_extensions import override

from shared.backup.errors import MalformedInputError
from shared.backup.limits import MAX_NESTING_DEPTH, MAX_RECORD_BYTES, MAX_STRING_CHARS
from shared.backup.record_parser import iter_records


class ShortReads(io.BytesIO):
    """A stream that returns at most 1000 bytes per read, as a decrypting reader may."""

    @override
    def read(self, size: int | None = -1) -> bytes:
        return super().read(1000 if size is None or size < 0 else min(size, 1000))


def records(data: bytes, stream: type[io.BytesIO] = io.BytesIO) -> list[object]:
    return [value for _, value in iter_records(stream(data), "export.json")]


def failure(data: bytes, stream: type[io.BytesIO] = io.BytesIO) -> MalformedInputError:
    with pytest.raises(MalformedInputError) as info:
        records(data, stream)
    return info.value


def record(value: object, key: str = "value") -> dict[str, object]:
    return {"model": "sentry.option", "pk": 1, "fields": {"key": "k", key: value}}


BIG = json.dumps([record(i) for i in range(5000)]).encode()


@pytest.mark.parametrize("stream", [io.BytesIO, ShortReads])
@pytest.mark.parametrize(
    ("data", "byte"),
    [
        (b"[1]xx", 4),
        (b"[1, 2, NaN]", 8),
        (b"[1, 2, ]", 8),
        (b"[1, 2", 5),
        (BIG + b"garbage", len(BIG) + 1),
        (BIG[:200_000] + b"\xff" + BIG[200_000:], 200_001),
    ],
)
def test_syntax_errors_name_the_byte_where_the_parser_failed(data, byte, stream) -> None:
    error = failure(data, stream)

    assert error.metadata["byte"] == str(byte)
    assert f"(byte {byte}): malformed export: invalid JSON: " in error.message
    assert "\n" not in error.message


def test_nesting_up_to_the_limit_is_read_and_one_more_level_is_refused() -> None:
    # The record is level 1 and its fields level 2: values may nest to the limit.
    deepest = "[" * (MAX_NESTING_DEPTH - 2) + "]" * (MAX_NESTING_DEPTH - 2)
    fine = b'[{"model": "sentry.option", "pk": 1, "fields": {"value": ' + deepest.encode() + b"}}]"
    assert len(records(fine)) == 1

    error = failure(fine.replace(b'"value": [', b'"value": [[', 1).replace(b"]}}", b"]]}}"))

    assert f"nested deeper than {MAX_NESTING_DEPTH} levels" in error.message
    assert error.metadata["record"] == "1"
    assert "sentry.option pk 1: fields.value[0]" in error.message


def test_100k_levels_of_nesting_fail_fast_in_little_memory() -> None:
    data = b'[{"model": "sentry.option", "pk": 1, "fields": {"value": '
    data += b"[" * 100_000 + b"]" * 100_000 + b"}}]"
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.monotonic()

    error = failure(data)

    assert "nested deeper than" in error.message
    assert time.monotonic() - started < 5
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 100 * 1024  # KiB


def test_a_string_at_the_limit_is_read_and_one_character_more_is_refused() -> None:
    assert len(records(json.dumps([record("s" * MAX_STRING_CHARS)]).encode())) == 1

    error = failure(json.dumps([record(1), record("s" * (MAX_STRING_CHARS + 1))]).encode())

    assert error.metadata == {
        "source": "export.json",
        "record": "2",
        "model": "sentry.option",
        "pk": "1",
        "field": "value",
    }
    assert f"a string of {MAX_STRING_CHARS + 1} characters is longer than the limit" in str(error)


def test_an_object_key_longer_than_the_limit_is_refused() -> None:
    error = failure(json.dumps([record(1, key="k" * (MAX_STRING_CHARS + 1))]).encode())

    assert "an object key of" in error.message


def test_a_record_larger_than_the_limit_is_refused_at_the_value_that_crosses_it() -> None:
    part = "p" * (MAX_RECORD_BYTES // 2 - 10)  # Two of them and the record's keys cross it.

    error = failure(json.dumps([record([part] * 3)]).encode())

    assert f"fields.value[1]: the record is larger than {MAX_RECORD_BYTES} bytes" in str(error)
    assert len(records(json.dumps([record([part])]).encode())) == 1


@pytest.mark.parametrize("value", ["{}", "[]"])
def test_a_record_of_many_keys_with_empty_containers_is_refused(value: str) -> None:
    """Keys and empty containers count towards the limit, not only scalars."""
    keys = ",".join(f'"k{i}": {value}' for i in range(MAX_RECORD_BYTES // 8))
    data = f'[{{"model": "sentry.user", "pk": 3, "fields": {{{keys}}}}}]'.encode()

    error = failure(data)

    assert f"the record is larger than {MAX_RECORD_BYTES} bytes" in error.message
    assert "sentry.user pk 3" in error.message


def test_a_key_repeated_in_one_object_is_refused_naming_it() -> None:
    data = b'[{"model": "sentry.user", "pk": 3, "fields": {"a": 1, "b": {"c": 1, "c": 2}}}]'

    error = failure(data)

    assert "sentry.user pk 3: fields.b.c: the key appears twice in one object" in error.message


def test_the_same_key_in_sibling_objects_is_fine() -> None:
    data = b'[{"model": "sentry.user", "pk": 3, "fields": {"a": {"c": 1}, "b": {"c": 2}}}]'

    assert records(data) == [json.loads(data)[0]]


@pytest.mark.parametrize(
    ("data", "complaint", "byte"),
    [
        (b"", "it is empty", 0),
        (b" \n ", "only whitespace", 3),
        (b"\xef\xbb\xbf\xef\xbb\xbf[]", "second byte order mark", 4),
        (b"\xff\xfe[\x00]\x00", "UTF-16", 1),
        (b'  {"model": "sentry.user"}', "a JSON object (JSON Lines?)", 3),
        (b"-1", "a number", 1),
        (b"\x07", "the byte b'\\x07'", 1),
    ],
)
def test_a_file_that_is_not_an_array_says_what_it_holds(data, complaint, byte) -> None:
    error = failure(data)

    assert complaint in error.message
    assert error.metadata["byte"] == str(byte)


def test_scalars_in_the_array_are_returned_for_the_caller_to_refuse() -> None:
    assert records(b'[1, "x", null, {"a": [true]}]') == [1, "x", None, {"a": [True]}]
